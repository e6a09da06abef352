// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The TC stage through BPF_PROG_TEST_RUN.  A TC test run refuses input
 * metadata (ctx_in.data_meta gives EINVAL), so only the untagged paths can
 * be driven here; tests/e2e/test_tc_bridge.sh covers tags over a veth, and
 * tests/prog/test_bridge.c the bridge modes that classify at TC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/xdp_harness.h"
#include "xdptag_tc.skel.h"
#include "lib/pkt.h"

#define START_MARK	0x12345678

struct tc_run {
	int err;
	int retval;
	__u32 mark;
};

static struct xdptag_tc *tc_open(__u32 bridge, __u32 mask, __u32 shift)
{
	struct xdptag_tc *skel = xdptag_tc__open();

	if (!skel)
		return NULL;
	skel->rodata->cfg_bridge = bridge;
	skel->rodata->cfg_mark_mask = mask;
	skel->rodata->cfg_mark_shift = shift;
	skel->rodata->cfg_mark_value = XT_MARK_CLASS;
	if (xdptag_tc__load(skel)) {
		xdptag_tc__destroy(skel);
		return NULL;
	}
	return skel;
}

static struct tc_run tc_run(struct xdptag_tc *skel, const struct pkt *p)
{
	struct __sk_buff ctx_in = { .mark = START_MARK }, ctx_out = { 0 };
	unsigned char out[2048];
	struct tc_run r = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = p->b, .data_size_in = p->len,
		.data_out = out, .data_size_out = sizeof(out),
		.ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		.ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		.repeat = 1);

	r.err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdptag_tc),
				       &opts);
	if (r.err)
		r.err = -errno;
	r.retval = (int)opts.retval;
	r.mark = ctx_out.mark;
	return r;
}

static struct pkt tcp_pkt(void)
{
	struct pkt p = { 0 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, 0x0a000001, 0x0a000002, 20);
	pkt_tcp(&p, 40000, 22, 0x02, 5);
	return p;
}

static struct xt_tc_stats tc_stats(struct xdptag_tc *skel)
{
	struct xt_tc_stats st;

	assert_int_equal(xt_percpu_read(bpf_map__fd(skel->maps.xt_tc_stats),
					sizeof(st), &st), 0);
	return st;
}

static void no_meta_keeps_mark(void **state)
{
	struct xdptag_tc *skel = tc_open(XT_BRIDGE_META, 0xff, 0);
	struct pkt p = tcp_pkt();
	struct xt_tc_stats st;
	struct tc_run r;

	assert_non_null(skel);
	r = tc_run(skel, &p);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.retval, TC_ACT_UNSPEC);
	assert_int_equal(r.mark, START_MARK);
	st = tc_stats(skel);
	assert_int_equal(st.no_meta, 1);
	assert_int_equal(st.valid, 0);
	assert_int_equal(st.foreign, 0);
	assert_int_equal(st.short_meta, 0);
	assert_int_equal(st.marked, 0);
	assert_int_equal(st.classified, 0);

	r = tc_run(skel, &p);
	assert_int_equal(r.mark, START_MARK);
	assert_int_equal(tc_stats(skel).no_meta, 2);
	xdptag_tc__destroy(skel);
}

static void metadata_refused(void **state)
{
	struct xdptag_tc *skel = tc_open(XT_BRIDGE_META, 0xff, 0);
	struct __sk_buff ctx_in = { .data_meta = 0, .data = 24 };
	struct pkt p = tcp_pkt();
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = p.b, .data_size_in = p.len,
		.ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in));

	/* Documents why tags are tested over a veth: if a kernel starts
	 * accepting this, a test-run check of the tag path belongs here. */
	assert_non_null(skel);
	assert_int_not_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.xdptag_tc), &opts), 0);
	assert_int_equal(errno, EINVAL);
	xdptag_tc__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_meta_keeps_mark),
		cmocka_unit_test(metadata_refused),
	};

	return cmocka_run_group_tests_name("tc", tests, NULL, NULL);
}
