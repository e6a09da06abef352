// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Smoke test of the harness: one rule, one matching and one other frame. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
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
 * Run the frame with meta_len bytes of meta in front of it as the metadata
 * area.  Returns what the test run returned (0, or -errno where the kernel
 * refused the input); on 0 the program passed the frame, *out holds the
 * area and frame as the run left them and *area the area's length.
 */
static int run_meta(struct xdptag *skel, const void *meta, __u32 meta_len,
		    const struct pkt *p, unsigned char *out, __u32 out_size,
		    __u32 *area)
{
	unsigned char in[2 * sizeof(struct xdptag_tag) + sizeof(p->b)];
	struct xdp_md ctx_in = { .data = meta_len,
				 .data_end = meta_len + p->len };
	struct xdp_md ctx_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = in, .data_size_in = meta_len + p->len,
		.data_out = out, .data_size_out = out_size,
		.ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		.ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		.repeat = 1);
	int err;

	assert_true(meta_len <= 2 * sizeof(struct xdptag_tag));
	memcpy(in, meta, meta_len);
	memcpy(in + meta_len, p->b, p->len);
	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdptag_xdp),
				     &opts);
	if (err)
		return -errno;
	assert_int_equal(opts.retval, XDP_PASS);
	*area = ctx_out.data;
	return 0;
}

/* run_meta() with a tag's 24 bytes as the area, which every kernel takes. */
static __u32 run_with_meta(struct xdptag *skel, const struct xdptag_tag *meta,
			   const struct pkt *p, unsigned char *out,
			   __u32 out_size)
{
	__u32 area = 0;

	assert_int_equal(run_meta(skel, meta, sizeof(*meta), p, out, out_size,
				  &area), 0);
	return area;
}

/*
 * Whether the kernel lets the metadata area reach 48 bytes (6.1 caps it at
 * 32), asked of the kernel itself: the test run checks the area it is
 * given as bpf_xdp_adjust_meta() checks the area's growth, refusing 48
 * bytes in with EINVAL where the cap is 32.  So the test below expects
 * what this kernel allows, not what the stage happened to do.
 */
static int meta_takes_48(struct xdptag *skel, const struct pkt *p)
{
	unsigned char zeros[2 * sizeof(struct xdptag_tag)] = { 0 };
	unsigned char out[sizeof(zeros) + sizeof(p->b)];
	__u32 area;
	int err;

	err = run_meta(skel, zeros, sizeof(zeros), p, out, sizeof(out), &area);
	if (err)
		assert_int_equal(err, -EINVAL);
	return !err;
}

/*
 * The stage rewrites a tag in place only when the area holds exactly one
 * of this version's (the test run's repeat): a tag with our magic and
 * length but another version's number is another program's, left as it
 * is.  Ours goes in front of it where the kernel has room for 48 bytes of
 * metadata (meta_takes_48()); where it caps the area at 32 (6.1) the
 * packet passes untagged and meta_fail counts it.
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
	struct xt_cls_stats st0, st;
	__u32 area;
	struct pkt p = { 0 };
	int meta_48;

	assert_non_null(skel);
	ssh_rule_syn(skel, &r, &p);
	meta_48 = meta_takes_48(skel, &p);

	assert_int_equal(xh_cls_stats(skel, &st0), 0);
	area = run_with_meta(skel, &meta, &p, out, sizeof(out));
	assert_int_equal(xh_cls_stats(skel, &st), 0);
	if (meta_48) {
		assert_int_equal(area, 2 * sizeof(meta));
		memcpy(&got, out, sizeof(got));
		assert_int_equal(got.version, XDPTAG_VERSION);
		assert_int_equal(got.score, 40);
		assert_int_equal(st.tagged - st0.tagged, 1);
		assert_int_equal(st.meta_fail - st0.meta_fail, 0);
	} else {
		assert_int_equal(area, sizeof(meta));
		assert_int_equal(st.tagged - st0.tagged, 0);
		assert_int_equal(st.meta_fail - st0.meta_fail, 1);
	}
	assert_memory_equal(out + area - sizeof(meta), &meta, sizeof(meta));

	/* This version's: rewritten where it is, with this packet's verdict. */
	meta.version = XDPTAG_VERSION;
	st0 = st;
	assert_int_equal(run_with_meta(skel, &meta, &p, out, sizeof(out)),
			 sizeof(meta));
	memcpy(&got, out, sizeof(got));
	assert_int_equal(got.version, XDPTAG_VERSION);
	assert_int_equal(got.score, 40);
	assert_int_equal(got.class_id, 3);
	assert_int_equal(got.rules, 1);
	assert_int_equal(xh_cls_stats(skel, &st), 0);
	assert_int_equal(st.tagged - st0.tagged, 1);
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
