// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag capture` in user space: the comment each packet gets (what
 * `tshark -e frame.comment` shows, docs/capture.md) and the pcapng blocks
 * the writer lays out (user/pcapng.c), byte for byte where it matters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "capture.h"
#include "pcapng.h"

static struct xt_attach_info *info_new(void)
{
	struct xt_attach_info *ai = calloc(1, sizeof(*ai));

	assert_non_null(ai);
	ai->mark_mask = 0xff;
	strcpy(ai->class_name[2], "dns");
	strcpy(ai->rule_name[0], "web-syn");
	strcpy(ai->rule_name[3], "dns-query");
	ai->nrules = 4;
	return ai;
}

static void comment_named(void **state)
{
	struct xt_attach_info *ai = info_new();
	struct xt_cap_rec r = { .score = 10, .class_id = 2, .action = 2,
				.rules = 1ULL << 3 | 1 };
	char c[256];

	xt_cap_comment(c, sizeof(c), &r, ai);
	assert_string_equal(c, "class=dns score=10 rules=web-syn,dns-query "
			       "mark=2 verdict=pass");
	free(ai);
}

static void comment_unnamed_dropped(void **state)
{
	struct xt_attach_info *ai = info_new();
	struct xt_cap_rec r = { .score = 200, .class_id = 9, .action = 1,
				.rules = 1ULL << 5 };
	char c[256];

	xt_cap_comment(c, sizeof(c), &r, ai);
	/* A rule without a name shows its slot; a drop has no mark. */
	assert_string_equal(c, "class=9 score=200 rules=5 mark=none "
			       "verdict=drop");
	r.class_id = 0;
	r.rules = 0;
	r.action = 2;
	r.score = 0;
	xt_cap_comment(c, sizeof(c), &r, ai);
	assert_string_equal(c, "class=unclassified score=0 rules=- mark=0 "
			       "verdict=pass");
	free(ai);
}

static void comment_mark_settings(void **state)
{
	struct xt_attach_info *ai = info_new();
	struct xt_cap_rec r = { .score = 40, .class_id = 5, .action = 2 };
	char c[256];

	/* both = class << 4 | band (40 >> 4 = 2) = 82, << 8 = 20992 */
	ai->mark_value = XT_MARK_BOTH;
	ai->mark_mask = 0xfff00;
	ai->mark_shift = 8;
	xt_cap_comment(c, sizeof(c), &r, ai);
	assert_string_equal(c, "class=5 score=40 rules=- mark=20992 "
			       "verdict=pass");
	/* Cut to the buffer, still a string. */
	xt_cap_comment(c, 12, &r, ai);
	assert_string_equal(c, "class=5 sco");
	free(ai);
}

static __u32 u32_at(const unsigned char *b, size_t off)
{
	__u32 v;

	memcpy(&v, b + off, 4);
	return v;
}

static void pcapng_blocks(void **state)
{
	static const unsigned char pkt[5] = { 1, 2, 3, 4, 5 };
	unsigned char b[512];
	size_t n, off;
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(xt_pcapng_begin(f, "eth1", 1536), 0);
	assert_int_equal(xt_pcapng_packet(f, 0x0000000100000002ULL, pkt, 5,
					  60, "hi"), 0);
	fflush(f);
	rewind(f);
	n = fread(b, 1, sizeof(b), f);
	fclose(f);

	/* Section header: type, length at both ends, byte-order magic. */
	assert_int_equal(u32_at(b, 0), 0x0a0d0d0a);
	off = u32_at(b, 4);
	assert_int_equal(off % 4, 0);
	assert_int_equal(u32_at(b, off - 4), off);
	assert_int_equal(u32_at(b, 8), 0x1a2b3c4d);
	/* Interface: Ethernet, snap length, then if_tsresol 9 (ns). */
	assert_int_equal(u32_at(b, off), 1);
	assert_int_equal(b[off + 8] | b[off + 9] << 8, 1);
	assert_int_equal(u32_at(b, off + 12), 1536);
	assert_non_null(memmem(b + off, u32_at(b, off + 4),
			       "\x09\x00\x01\x00\x09", 5));
	off += u32_at(b, off + 4);
	/* Enhanced packet: interface 0, time high/low, lengths, data
	 * padded to 4, the comment option, end of options, length. */
	assert_int_equal(u32_at(b, off), 6);
	assert_int_equal(u32_at(b, off + 8), 0);
	assert_int_equal(u32_at(b, off + 12), 1);
	assert_int_equal(u32_at(b, off + 16), 2);
	assert_int_equal(u32_at(b, off + 20), 5);
	assert_int_equal(u32_at(b, off + 24), 60);
	assert_memory_equal(b + off + 28, pkt, 5);
	assert_memory_equal(b + off + 36, "\x01\x00\x02\x00hi\x00\x00", 8);
	assert_memory_equal(b + off + 44, "\x00\x00\x00\x00", 4);
	assert_int_equal(u32_at(b, off + 4), 52);
	assert_int_equal(u32_at(b, off + 48), 52);
	assert_int_equal(off + 52, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(comment_named),
		cmocka_unit_test(comment_unnamed_dropped),
		cmocka_unit_test(comment_mark_settings),
		cmocka_unit_test(pcapng_blocks),
	};

	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
