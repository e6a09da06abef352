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

#endif
