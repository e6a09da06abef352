// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The mark arithmetic the TC stage applies (include/xdptag.h), checked
 * exhaustively over a few masks, shifts and starting marks: the contract
 * with other users of skb->mark is that bits outside the mask never move.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "xdptag.h"
#include "attach.h"

static const __u32 starts[] = { 0, 0xffffffff, 0x12345678, 0xdeadbeef };

static void outside_mask_never_changes(void **state)
{
	static const struct { __u32 mask, shift; } cfg[] = {
		{ 0xff, 0 }, { 0xff00, 8 }, { 0xf0, 4 }, { 0xff000000, 24 },
		{ 0x0000fff0, 4 }, { 0x1, 0 }, { 0xffffffff, 0 },
		{ 0x00ff0000, 20 },	/* field wider than the mask's room */
	};
	__u32 i, j, v;

	for (i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++)
		for (j = 0; j < sizeof(starts) / sizeof(starts[0]); j++)
			for (v = 0; v < 4096; v += 7) {
				__u32 m = xt_mark_apply(starts[j], v,
							cfg[i].mask,
							cfg[i].shift);

				assert_int_equal(m & ~cfg[i].mask,
						 starts[j] & ~cfg[i].mask);
				assert_int_equal(m & cfg[i].mask,
						 (v << cfg[i].shift) &
						 cfg[i].mask);
			}
}

static void exact_values(void **state)
{
	/* class 5 into bits 8-15 of a mark with other owners' bits set */
	assert_int_equal(xt_mark_apply(0x12345678, 5, 0xff00, 8), 0x12340578);
	/* a value wider than the mask is cut, never spills */
	assert_int_equal(xt_mark_apply(0, 0x1ff, 0xff, 0), 0xff);
	assert_int_equal(xt_mark_apply(0xffffffff, 0, 0xff, 0), 0xffffff00);
	assert_int_equal(xt_mark_apply(0xa0000000, 0xabc, 0x0fff0000, 16),
			 0xaabc0000);
	/* shift is taken modulo 32 */
	assert_int_equal(xt_mark_apply(0, 3, 0xff, 32), 3);
	assert_int_equal(xt_mark_apply(0x80000000, 1, 0x1, 0), 0x80000001);
	/* an empty mask changes nothing */
	assert_int_equal(xt_mark_apply(0xdeadbeef, 0xff, 0, 0), 0xdeadbeef);
}

static void value_kinds(void **state)
{
	struct xdptag_tag t = { .score = 0xb7, .class_id = 0x2a };

	assert_int_equal(xt_mark_value(&t, XT_MARK_CLASS), 0x2a);
	assert_int_equal(xt_mark_value(&t, XT_MARK_BAND), 0xb);
	assert_int_equal(xt_mark_value(&t, XT_MARK_BOTH), 0x2ab);

	t.score = 255;
	t.class_id = 255;
	assert_int_equal(xt_mark_value(&t, XT_MARK_CLASS), 255);
	assert_int_equal(xt_mark_value(&t, XT_MARK_BAND), 15);
	assert_int_equal(xt_mark_value(&t, XT_MARK_BOTH), 0xfff);

	t.score = 15;
	t.class_id = 0;
	assert_int_equal(xt_mark_value(&t, XT_MARK_BAND), 0);
	assert_int_equal(xt_mark_value(&t, XT_MARK_BOTH), 0);
	t.score = 16;
	assert_int_equal(xt_mark_value(&t, XT_MARK_BAND), 1);

	/* an unknown setting falls back to the class */
	t.class_id = 7;
	assert_int_equal(xt_mark_value(&t, 99), 7);

	assert_int_equal(xt_mark_value_max(XT_MARK_CLASS), 0xff);
	assert_int_equal(xt_mark_value_max(XT_MARK_BAND), 0xf);
	assert_int_equal(xt_mark_value_max(XT_MARK_BOTH), 0xfff);
}

static void both_under_mask(void **state)
{
	struct xdptag_tag t = { .score = 0x35, .class_id = 0x12 };
	__u32 v = xt_mark_value(&t, XT_MARK_BOTH);

	/* 0x123 in bits 4-15, bits 0-3 and 16-31 of the old mark kept */
	assert_int_equal(xt_mark_apply(0xcafe000f, v, 0xfff0, 4), 0xcafe123f);
	/* mask narrower than the value: only the low byte of it lands */
	assert_int_equal(xt_mark_apply(0xcafe000f, v, 0xff0, 4), 0xcafe023f);
}

/* The field is sized from the ruleset's highest class, not from 255. */
static void field_sized_from_ruleset(void **state)
{
	char err[160];

	/* The built-in classes 0-7 in a 4-bit field at bits 8-11. */
	assert_int_equal(xt_mark_check(0xf00, 8, XT_MARK_CLASS, 7, err,
				       sizeof(err)), 0);
	assert_int_equal(xt_mark_check(0xf, 0, XT_MARK_CLASS, 15, err,
				       sizeof(err)), 0);
	/* Class 16 needs a fifth bit. */
	assert_int_equal(xt_mark_check(0xf00, 8, XT_MARK_CLASS, 16, err,
				       sizeof(err)), -EINVAL);
	assert_string_equal(err,
		"mark mask 0xf00 cannot hold class values (0-16, classes up to 16) shifted by 8 (needs 0x1f00)");
	/* Class 5 needs bits 0-2 (class 3 = 0b011 is below it). */
	assert_int_equal(xt_mark_check(0x5, 0, XT_MARK_CLASS, 5, err,
				       sizeof(err)), -EINVAL);
	/* both: class 7 << 4 | band: 7 bits. */
	assert_int_equal(xt_mark_check(0x7f0, 4, XT_MARK_BOTH, 7, err,
				       sizeof(err)), 0);
	assert_int_equal(xt_mark_check(0x3f0, 4, XT_MARK_BOTH, 7, err,
				       sizeof(err)), -EINVAL);
	/* score bands need 4 bits whatever the classes. */
	assert_int_equal(xt_mark_check(0x7, 0, XT_MARK_BAND, 1, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(xt_mark_check(0xf, 0, XT_MARK_BAND, 200, err,
				       sizeof(err)), 0);
	assert_int_equal(xt_mark_value_top(XT_MARK_BOTH, 7), 0x7f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(outside_mask_never_changes),
		cmocka_unit_test(exact_values),
		cmocka_unit_test(value_kinds),
		cmocka_unit_test(both_under_mask),
		cmocka_unit_test(field_sized_from_ruleset),
	};

	return cmocka_run_group_tests_name("mark", tests, NULL, NULL);
}
