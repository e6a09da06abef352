// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Smoke test of the harness: one rule, one matching and one other frame. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "lib/xdp_harness.h"
#include "lib/pkt.h"

static void smoke(void **state)
{
	struct xdptag *skel = xh_open(0);
	struct xt_rule r = { .name = "ssh", .weight = 40, .class_id = 3 };
	struct xh_result res;
	struct pkt p = { 0 };

	assert_non_null(skel);
	assert_int_equal(xt_ranges_add(&r.dport, 22, 22), 0);
	assert_int_equal(xh_rules(skel, &r, 1, 0), 0);

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, 0xc0000201, 0xc0000202, 20);
	pkt_tcp(&p, 40000, 22, 0x02, 5);
	res = xh_run(skel, p.b, p.len, 1);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.action, XDP_PASS);
	assert_true(res.tagged);
	assert_int_equal(res.tag.magic, XDPTAG_MAGIC);
	assert_int_equal(res.tag.score, 40);
	assert_int_equal(res.tag.class_id, 3);
	assert_int_equal(res.tag.rules, 1);
	assert_int_equal(res.tag.features, XT_F_IPV4 | XT_F_TCP);

	/* repeat keeps the buffer: the tag must be rewritten, not stacked */
	res = xh_run(skel, p.b, p.len, 100);
	assert_true(res.tagged);
	assert_int_equal(res.tag.score, 40);
	xt_rule_free(&r);
	xdptag__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(smoke) };

	return cmocka_run_group_tests_name("xdp_smoke", tests, NULL, NULL);
}
