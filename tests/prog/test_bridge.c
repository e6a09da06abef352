// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bridge modes (enum xt_bridge), program side: every mode passes the
 * verifier in both stages, the XDP stage only counts in tc mode, and the TC
 * stage classifies and marks untagged packets itself in tc and auto modes.
 * TC test runs take no input metadata, which is exactly the untagged case.
 */
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/pkt_cls.h>
#include "lib/xdp_harness.h"
#include "lib/pkt.h"
#include "xdptag_tc.skel.h"

static struct xdptag_tc *tc_open(__u32 bridge, __u32 drop_at)
{
	struct xdptag_tc *skel = xdptag_tc__open();
	struct xt_rule r = { .name = "ssh", .weight = 40, .class_id = 3 };
	struct xt_compiled c;
	struct xt_rule_maps m;
	char err[128];

	assert_non_null(skel);
	skel->rodata->cfg_bridge = bridge;
	skel->rodata->cfg_mark_mask = 0xff;
	assert_int_equal(xdptag_tc__load(skel), 0);
	m = xt_rule_maps_of(skel->obj);
	assert_int_equal(xt_ranges_add(&r.dport, 22, 22), 0);
	assert_int_equal(xt_compile(&r, 1, drop_at, &c, err, sizeof(err)), 0);
	assert_int_equal(xt_ruleset_install(&m, &c), 0);
	xt_compiled_free(&c);
	xt_rule_free(&r);
	return skel;
}

static void ssh_syn(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	pkt_eth(p, 0x0800);
	pkt_ipv4(p, 5, 6, 64, 0, 0xc0000201, 0xc0000202, 20);
	pkt_tcp(p, 40000, 22, 0x02, 5);
}

/* Run the TC program once on p with a starting mark; returns retval. */
static int tc_run(struct xdptag_tc *skel, struct pkt *p, __u32 *mark)
{
	struct __sk_buff ctx = { .mark = *mark };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = p->b, .data_size_in = p->len,
		.ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
		.ctx_out = &ctx, .ctx_size_out = sizeof(ctx));

	assert_int_equal(bpf_prog_test_run_opts(
		bpf_program__fd(skel->progs.xdptag_tc), &opts), 0);
	*mark = ctx.mark;
	return (int)opts.retval;
}

/* Sum a per-CPU map's single entry into out. */
static void percpu_sum(int fd, void *out, size_t size)
{
	assert_int_equal(xt_percpu_read(fd, size, out), 0);
}

static void every_mode_loads(void **state)
{
	__u32 mode;

	for (mode = XT_BRIDGE_META; mode <= XT_BRIDGE_AUTO; mode++) {
		struct xdptag *x = xdptag__open();
		struct xdptag_tc *t = xdptag_tc__open();

		assert_non_null(x);
		assert_non_null(t);
		x->rodata->cfg_xdp.bridge = mode;
		t->rodata->cfg_bridge = mode;
		assert_int_equal(xdptag__load(x), 0);
		assert_int_equal(xdptag_tc__load(t), 0);
		xdptag__destroy(x);
		xdptag_tc__destroy(t);
	}
}

static void meta_mode_leaves_untagged_alone(void **state)
{
	struct xdptag_tc *skel = tc_open(XT_BRIDGE_META, 0);
	struct xt_tc_stats ts;
	__u32 mark = 0x80000000;
	struct pkt p;

	ssh_syn(&p);
	assert_int_equal(tc_run(skel, &p, &mark), TC_ACT_UNSPEC);
	assert_int_equal(mark, 0x80000000);
	percpu_sum(bpf_map__fd(skel->maps.xt_tc_stats), &ts, sizeof(ts));
	assert_int_equal(ts.no_meta, 1);
	assert_int_equal(ts.classified, 0);
	assert_int_equal(ts.marked, 0);
	xdptag_tc__destroy(skel);
}

static void tc_mode_classifies_and_marks(void **state)
{
	struct xdptag_tc *skel = tc_open(XT_BRIDGE_TC, 0);
	struct xt_cls_stats xs;
	struct xt_tc_stats ts;
	__u32 mark = 0x80000000;
	struct pkt p;

	ssh_syn(&p);
	assert_int_equal(tc_run(skel, &p, &mark), TC_ACT_UNSPEC);
	/* class 3 under mask 0xff; the bit outside the mask survives */
	assert_int_equal(mark, 0x80000003);
	percpu_sum(bpf_map__fd(skel->maps.xt_tc_stats), &ts, sizeof(ts));
	assert_int_equal(ts.classified, 1);
	assert_int_equal(ts.marked, 1);
	assert_int_equal(xt_cls_stats_read(bpf_map__fd(skel->maps.xt_cls_stats),
					   &xs), 0);
	assert_int_equal(xs.class_pkts[3], 1);
	assert_int_equal(xs.rule_hits[0], 1);
	assert_int_equal(xs.band[XT_BAND(40)], 1);
	xdptag_tc__destroy(skel);
}

static void tc_mode_drops_above_threshold(void **state)
{
	struct xdptag_tc *skel = tc_open(XT_BRIDGE_TC, 40);
	struct xt_tc_stats ts;
	__u32 mark = 0;
	struct pkt p;

	ssh_syn(&p);
	assert_int_equal(tc_run(skel, &p, &mark), TC_ACT_SHOT);
	percpu_sum(bpf_map__fd(skel->maps.xt_tc_stats), &ts, sizeof(ts));
	assert_int_equal(ts.dropped, 1);
	assert_int_equal(mark, 0);
	xdptag_tc__destroy(skel);
}

static void auto_mode_switches_on_first_untagged(void **state)
{
	struct xdptag_tc *skel = tc_open(XT_BRIDGE_AUTO, 0);
	struct xt_bridge_state b;
	struct xt_cls_stats xs;
	__u32 zero = 0, mark = 0;
	struct pkt p;

	ssh_syn(&p);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.xt_bridge),
					     &zero, &b), 0);
	assert_int_equal(b.switched_ns, 0);

	assert_int_equal(tc_run(skel, &p, &mark), TC_ACT_UNSPEC);
	assert_int_equal(mark, 3);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.xt_bridge),
					     &zero, &b), 0);
	assert_true(b.switched_ns != 0);
	assert_int_equal(b.trigger, 1);
	/* XDP counted the trigger packet already: not counted again here */
	assert_int_equal(xt_cls_stats_read(bpf_map__fd(skel->maps.xt_cls_stats),
					   &xs), 0);
	assert_int_equal(xs.class_pkts[3], 0);

	mark = 0;
	assert_int_equal(tc_run(skel, &p, &mark), TC_ACT_UNSPEC);
	assert_int_equal(mark, 3);
	assert_int_equal(xt_cls_stats_read(bpf_map__fd(skel->maps.xt_cls_stats),
					   &xs), 0);
	assert_int_equal(xs.class_pkts[3], 1);
	xdptag_tc__destroy(skel);
}

static void xdp_tc_mode_only_counts(void **state)
{
	struct xdptag *skel = xdptag__open();
	struct xt_cls_stats xs;
	struct xh_result res;
	struct pkt p;

	assert_non_null(skel);
	skel->rodata->cfg_xdp.bridge = XT_BRIDGE_TC;
	assert_int_equal(xdptag__load(skel), 0);
	ssh_syn(&p);
	res = xh_run(skel, p.b, p.len, 1);
	assert_int_equal(res.err, 0);
	assert_int_equal(res.action, XDP_PASS);
	assert_false(res.tagged);
	assert_int_equal(xt_cls_stats_read(bpf_map__fd(skel->maps.xt_cls_stats),
					   &xs), 0);
	assert_int_equal(xs.action[XDP_PASS], 1);
	assert_int_equal(xs.tagged, 0);
	assert_int_equal(xs.class_pkts[0], 0);
	xdptag__destroy(skel);
}

/*
 * Each stage parses into its own slot of its CPU's counters entry
 * (cls_scratch(), bpf/lib/classify.h): a stage interrupted on its CPU by
 * the other finds its packet there afterwards.  After an XDP run and a TC
 * run on one CPU, through one xt_cls_stats as attach shares it, each slot
 * holds its own stage's packet; one slot for both would hold the TC run's
 * packet twice.
 */
static void stages_keep_their_scratch(void **state)
{
	struct xdptag *x = xh_open(0);
	struct xdptag_tc *t = xdptag_tc__open();
	struct xt_cls_cpu *cpus, *c;
	struct xh_result res;
	__u32 zero = 0, mark = 0;
	struct pkt a, b;
	cpu_set_t set;
	int cpu, ncpus;

	assert_non_null(x);
	assert_non_null(t);
	/* Both runs on this CPU: a test run runs where its caller runs. */
	cpu = sched_getcpu();
	assert_true(cpu >= 0);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
	t->rodata->cfg_bridge = XT_BRIDGE_TC;	/* TC parses untagged packets */
	t->rodata->cfg_mark_mask = 0xff;
	assert_int_equal(bpf_map__reuse_fd(t->maps.xt_cls_stats,
				bpf_map__fd(x->maps.xt_cls_stats)), 0);
	assert_int_equal(xdptag_tc__load(t), 0);

	ssh_syn(&a);			/* 54 bytes */
	memset(&b, 0, sizeof(b));	/* 42 + 100 */
	pkt_eth(&b, 0x0800);
	pkt_ipv4(&b, 5, 17, 64, 0, 0xc0000203, 0xc0000204, 8 + 100);
	pkt_udp(&b, 5353, 53, 100);
	pkt_zero(&b, 100);
	assert_int_not_equal(a.len, b.len);
	res = xh_run(x, a.b, a.len, 1);
	assert_int_equal(res.err, 0);
	assert_int_equal(tc_run(t, &b, &mark), TC_ACT_UNSPEC);

	ncpus = libbpf_num_possible_cpus();
	assert_true(cpu < ncpus);
	_Static_assert(sizeof(*cpus) % 8 == 0, "per-CPU values: no padding");
	cpus = calloc(ncpus, sizeof(*cpus));
	assert_non_null(cpus);
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(x->maps.xt_cls_stats),
					     &zero, cpus), 0);
	c = &cpus[cpu];
	/* A slot starts with its struct xt_pkt, whose first word is len. */
	assert_int_equal((__u32)c->scratch[XT_MEMO_XDP][0], a.len);
	assert_int_equal((__u32)c->scratch[XT_MEMO_TC][0], b.len);
	free(cpus);
	xdptag_tc__destroy(t);
	xdptag__destroy(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_mode_loads),
		cmocka_unit_test(meta_mode_leaves_untagged_alone),
		cmocka_unit_test(tc_mode_classifies_and_marks),
		cmocka_unit_test(tc_mode_drops_above_threshold),
		cmocka_unit_test(auto_mode_switches_on_first_untagged),
		cmocka_unit_test(xdp_tc_mode_only_counts),
		cmocka_unit_test(stages_keep_their_scratch),
	};

	return cmocka_run_group_tests_name("bridge", tests, NULL, NULL);
}
