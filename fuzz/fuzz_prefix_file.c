// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the prefix-file reader of user/rules_file.c: the
 * input is a src_file of a fixed rules file, loaded through the real path.
 * A file that loads yields exactly the prefixes of its lines, read by a
 * plain reference here: a line is a line however long (a long comment
 * once leaked its tail as a prefix), duplicates up to /16 kept once, a
 * file without any prefix refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rules_file.h"

static char dir[] = "/tmp/fuzz_prefix.XXXXXX";
static char yaml[64], list[64];
static FILE *devnull;

static void invariant(int cond)
{
	if (!cond)
		abort();
}

static void cleanup(void)
{
	unlink(yaml);
	unlink(list);
	rmdir(dir);
}

static void setup(void)
{
	FILE *f;

	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(yaml, sizeof(yaml), "%s/rules.yaml", dir);
	snprintf(list, sizeof(list), "%s/list.txt", dir);
	f = fopen(yaml, "w");
	if (!f)
		abort();
	fputs("classes: [{id: 1, name: a}]\n"
	      "rules:\n"
	      "  - {name: r, class: a, weight: 1, match: {src_file: list.txt}}\n",
	      f);
	fclose(f);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
}

/* The prefixes of data, in order, short duplicates dropped; -1: refused. */
static long reference(const uint8_t *data, size_t size, struct xt_prefix *out,
		      size_t max)
{
	size_t i = 0, k, n = 0, len;
	char line[128];
	struct xt_prefix p;
	const uint8_t *eol;
	long bad = 0;

	while (i < size) {
		eol = memchr(data + i, '\n', size - i);
		len = (eol ? (size_t)(eol - data) : size) - i;
		if (memchr(data + i, '\0', len)) {
			bad = 1;
		} else {
			const char *s = (const char *)data + i, *e;

			e = memchr(s, '#', len);
			if (!e)
				e = s + len;
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			while (e > s && (e[-1] == ' ' || e[-1] == '\t' ||
					 e[-1] == '\r'))
				e--;
			if (e > s) {
				if ((size_t)(e - s) >= sizeof(line) ||
				    (memcpy(line, s, e - s), line[e - s] = '\0',
				     xt_prefix_parse(line, &p))) {
					bad = 1;
				} else {
					for (k = 0; p.plen <= 16 && k < n; k++)
						if (!memcmp(&out[k], &p,
							    sizeof(p)))
							break;
					if ((p.plen > 16 || k == n) && n < max)
						out[n++] = p;
				}
			}
		}
		i += len + 1;
	}
	/* No prefix at all would mean any address: refused too. */
	return bad || !n ? -1 : (long)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xt_rules_file f;
	static struct xt_prefix want[8192];
	FILE *fp;
	long n;

	if (!devnull)
		setup();
	fp = fopen(list, "w");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp))
		abort();
	n = reference(data, size, want, sizeof(want) / sizeof(want[0]));
	if (xt_rules_file_load(yaml, &f, devnull)) {
		invariant(!f.nrules && !f.marks);
		invariant(n < 0);
		return 0;
	}
	invariant(n >= 0 && f.nrules == 1);
	invariant(f.rules[0].src.n == (size_t)n);
	invariant(!n || !memcmp(f.rules[0].src.p, want, n * sizeof(want[0])));
	xt_rules_file_free(&f);
	return 0;
}
