// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdptag capture`: command line of user/capture.c. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "capture.h"
#include "cmd.h"
#include "log.h"
#include "privs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdptag capture IFACE -w { FILE | - } [--class C] [--rule R]...\n"
		"                      [--min-score N] [--dropped] [--snaplen N]\n"
		"                      [--rate N] [--count N] [--duration SECS]\n"
		"\n"
		"Samples packets the XDP stage of IFACE classified, with their verdict,\n"
		"and writes them as pcapng; each packet's comment holds class, score,\n"
		"rules and mark.  Conditions given must all hold.\n"
		"\n"
		"  -w FILE             pcapng output; - for standard output\n"
		"  --class C           class name or number\n"
		"  --rule R            matched rule R (repeat: any of them)\n"
		"  --min-score N       score at least N (0-255)\n"
		"  --dropped           only packets the XDP stage drops\n"
		"  --snaplen N         bytes of each packet (1-%d, default %d)\n"
		"  --rate N            packets per second at most, enforced in BPF\n"
		"                      (default %d; 0: no limit)\n"
		"  --count N           stop after N packets\n"
		"  --duration SECS     stop after SECS seconds\n",
		XT_CAP_SNAP_MAX, XT_CAP_SNAP_DEFAULT, XT_CAP_RATE_DEFAULT);
}

static int parse_num(const char *opt, const char *s, unsigned long long max,
		     unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || *v > max) {
		pr_err("%s: '%s' is not a number from 0 to %llu", opt, s, max);
		return -EINVAL;
	}
	return 0;
}

int cmd_capture(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "rule", required_argument, NULL, 'r' },
		{ "min-score", required_argument, NULL, 'S' },
		{ "dropped", no_argument, NULL, 'd' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'R' },
		{ "count", required_argument, NULL, 'n' },
		{ "duration", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xt_capture_opts o = {
		.min_score = -1, .snaplen = XT_CAP_SNAP_DEFAULT,
		.rate = XT_CAP_RATE_DEFAULT,
	};
	unsigned long long v;
	char *end;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hw:", lopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			o.out_path = optarg;
			break;
		case 'c':
			o.class = optarg;
			break;
		case 'r':
			if (o.nrules == XT_MAX_RULES) {
				pr_err("--rule: at most %d", XT_MAX_RULES);
				return XT_EXIT_USAGE;
			}
			o.rules[o.nrules++] = optarg;
			break;
		case 'S':
			if (parse_num("--min-score", optarg, 255, &v))
				return XT_EXIT_USAGE;
			o.min_score = v;
			break;
		case 'd':
			o.dropped = true;
			break;
		case 's':
			if (parse_num("--snaplen", optarg, XT_CAP_SNAP_MAX, &v))
				return XT_EXIT_USAGE;
			if (!v) {
				pr_err("--snaplen: at least 1");
				return XT_EXIT_USAGE;
			}
			o.snaplen = v;
			break;
		case 'R':
			if (parse_num("--rate", optarg, 0xffffffffULL, &v))
				return XT_EXIT_USAGE;
			o.rate = v;
			break;
		case 'n':
			if (parse_num("--count", optarg, ~0ULL, &v))
				return XT_EXIT_USAGE;
			o.count = v;
			break;
		case 'D':
			errno = 0;
			o.duration = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o.duration > 0) ||
			    o.duration > 1e7) {
				pr_err("--duration: '%s' is not a number of seconds above 0",
				       optarg);
				return XT_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return XT_EXIT_OK;
		default:
			return xt_opt_error("capture", c, argv);
		}
	}
	if (optind != argc - 1) {
		pr_err("capture: expected one interface (try 'xdptag capture --help')");
		return XT_EXIT_USAGE;
	}
	o.ifname = argv[optind];
	if (!o.out_path) {
		pr_err("capture: -w FILE (or -w - for standard output) is required");
		return XT_EXIT_USAGE;
	}
	if (xt_privs_check("capture", XT_PRIV_PINS))
		return XT_EXIT_FAIL;
	return xt_capture(&o);
}
