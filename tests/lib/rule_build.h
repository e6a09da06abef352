/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Building rules in tests (cmocka): what several test files need alike. */
#ifndef XDPTAG_TEST_RULE_BUILD_H
#define XDPTAG_TEST_RULE_BUILD_H

#include <stdio.h>
#include "rules.h"

static inline struct xt_rule xt_test_rule(const char *name, uint8_t weight,
					  uint8_t class_id)
{
	struct xt_rule r = { .weight = weight, .class_id = class_id };

	snprintf(r.name, sizeof(r.name), "%s", name);
	return r;
}

/* Parse s ("!" in front: negated) and append it; fails on a bad prefix. */
static inline void add_pfx(struct xt_prefixes *ps, const char *s)
{
	struct xt_prefix p;

	assert_int_equal(xt_prefix_parse(s + (s[0] == '!'), &p), 0);
	p.neg = s[0] == '!';
	assert_int_equal(xt_prefixes_add(ps, &p), 0);
}

/*
 * XT_TEST_MANY_RULES rules (r[0] on) whose source /24s, under 11.0.0.0/8,
 * give n distinct answers: /24 number i (1 to n, 11.(i >> 8).(i & 255).0)
 * is in the rules whose bit of i is set.  Over XT_PFX_LEAVES answers a
 * ruleset keeps its IPv4 /24 level in the hash table instead of chunks.
 */
#define XT_TEST_MANY_RULES	13
static inline void xt_test_many_answers(struct xt_rule *r, unsigned int n)
{
	unsigned int i, k;

	for (k = 0; k < XT_TEST_MANY_RULES; k++) {
		char name[16];

		snprintf(name, sizeof(name), "many%u", k);
		r[k] = xt_test_rule(name, 1, 1);
	}
	for (i = 1; i <= n; i++) {
		struct xt_prefix p = { .family = 4, .plen = 24,
				       .addr = { 11, i >> 8, i & 255 } };

		for (k = 0; k < XT_TEST_MANY_RULES; k++)
			if (i >> k & 1)
				assert_int_equal(xt_prefixes_add(&r[k].src, &p),
						 0);
	}
}

#endif
