// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Write each Ethernet frame of the given captures to DIR/N: a fuzz corpus. */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE], path[4096];
	unsigned long n = 0;
	int i;

	if (argc < 3) {
		fprintf(stderr, "Usage: pcap_seeds DIR CAPTURE...\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		struct pcap_pkthdr *h;
		const u_char *d;
		pcap_t *pc = pcap_open_offline(argv[i], errbuf);

		if (!pc)
			continue;	/* not every file in a directory is one */
		if (pcap_datalink(pc) == DLT_EN10MB) {
			while (pcap_next_ex(pc, &h, &d) == 1) {
				FILE *f;

				snprintf(path, sizeof(path), "%s/%06lu", argv[1], n++);
				f = fopen(path, "w");
				if (!f)
					return 1;
				fwrite(d, 1, h->caplen, f);
				fclose(f);
			}
		}
		pcap_close(pc);
	}
	printf("%lu frames\n", n);
	return 0;
}
