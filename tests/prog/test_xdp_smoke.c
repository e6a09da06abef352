// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Smoke test of the harness: one rule, one matching and one other frame. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <bpf/bpf.h>
#include "lib/xdp_harness.h"
#include "lib/pkt.h"

/* Rule r, dport 22, as the only rule; p a SYN it matches. */
static void ssh_rule_syn(struct xdptag *skel, struct xt_rule *r, struct pkt *p)
{
	assert_int_equal(xt_ranges_add(&r->dport, 22, 22), 0);
	assert_int_equal(xh_rules(skel, r, 1, 0), 0);
	pkt_eth(p, 0x0800);
	pkt_ipv4(p, 5, 6, 64, 0, 0xc0000201, 0xc0000202, 20);
	pkt_tcp(p, 40000, 22, 0x02, 5);
}

static void smoke(void **state)
{
	struct xdptag *skel = xh_open(0);
	struct xt_rule r = { .name = "ssh", .weight = 40, .class_id = 3 };
	struct xh_result res;
	struct pkt p = { 0 };

	assert_non_null(skel);
	ssh_rule_syn(skel, &r, &p);
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

/*
 * Run the frame with meta (a tag's 24 bytes) in front of it as the
 * metadata area; *out gets the area and frame as the run left them, and
 * the return is the area's length after the run.
 */
static __u32 run_with_meta(struct xdptag *skel, const struct xdptag_tag *meta,
			   const struct pkt *p, unsigned char *out,
			   __u32 out_size)
{
	unsigned char in[sizeof(*meta) + sizeof(p->b)];
	struct xdp_md ctx_in = { .data = sizeof(*meta),
				 .data_end = sizeof(*meta) + p->len };
	struct xdp_md ctx_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in, .data_size_in = sizeof(*meta) + p->len,
		.data_out = out, .data_size_out = out_size,
		.ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		.ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		.repeat = 1);

	memcpy(in, meta, sizeof(*meta));
	memcpy(in + sizeof(*meta), p->b, p->len);
	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.xdptag_xdp), &opts), 0);
	assert_int_equal(opts.retval, XDP_PASS);
	return ctx_out.data;
}

/*
 * The stage rewrites a tag in place only when the area holds exactly one
 * of this version's (the test run's repeat): a tag with our magic and
 * length but another version's number is another program's, left as it
 * is.  Ours goes in front of it where the kernel has room for 48 bytes of
 * metadata (6.8 and later); where it caps the area at 32 (6.1) the packet
 * passes untagged and meta_fail counts it.
 */
static void tag_of_another_version(void **state)
{
	struct xdptag *skel = xh_open(0);
	struct xt_rule r = { .name = "ssh", .weight = 40, .class_id = 3 };
	struct xdptag_tag meta = {
		.magic = XDPTAG_MAGIC, .version = XDPTAG_VERSION + 1,
		.len = XDPTAG_TAG_LEN, .score = 7, .rules = 0x5a5a,
	};
	unsigned char out[2 * sizeof(meta) + sizeof(((struct pkt *)0)->b)];
	struct xdptag_tag got;
	struct xt_cls_stats st;
	__u64 tagged;
	__u32 area;
	struct pkt p = { 0 };

	assert_non_null(skel);
	ssh_rule_syn(skel, &r, &p);

	area = run_with_meta(skel, &meta, &p, out, sizeof(out));
	assert_int_equal(xh_cls_stats(skel, &st), 0);
	if (area == 2 * sizeof(meta)) {
		memcpy(&got, out, sizeof(got));
		assert_int_equal(got.version, XDPTAG_VERSION);
		assert_int_equal(got.score, 40);
		assert_int_equal(st.tagged, 1);
		assert_int_equal(st.meta_fail, 0);
	} else {
		assert_int_equal(area, sizeof(meta));
		assert_int_equal(st.tagged, 0);
		assert_int_equal(st.meta_fail, 1);
	}
	assert_memory_equal(out + area - sizeof(meta), &meta, sizeof(meta));

	/* This version's: rewritten where it is, with this packet's verdict. */
	meta.version = XDPTAG_VERSION;
	tagged = st.tagged;
	assert_int_equal(run_with_meta(skel, &meta, &p, out, sizeof(out)),
			 sizeof(meta));
	memcpy(&got, out, sizeof(got));
	assert_int_equal(got.version, XDPTAG_VERSION);
	assert_int_equal(got.score, 40);
	assert_int_equal(got.class_id, 3);
	assert_int_equal(got.rules, 1);
	assert_int_equal(xh_cls_stats(skel, &st), 0);
	assert_int_equal(st.tagged, tagged + 1);
	xt_rule_free(&r);
	xdptag__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(smoke),
		cmocka_unit_test(tag_of_another_version),
	};

	return cmocka_run_group_tests_name("xdp_smoke", tests, NULL, NULL);
}
