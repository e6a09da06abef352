/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Program-test harness: loads the real XDP object (through its skeleton,
 * with the explain record on), installs rulesets with the same code the CLI
 * uses, and runs frames through BPF_PROG_TEST_RUN, returning the tag that
 * came back in the metadata.
 */
#ifndef XDPTAG_XDP_HARNESS_H
#define XDPTAG_XDP_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdptag.h"	/* first: the skeleton's xt_cap is a struct xt_cap */
#include "xdptag.skel.h"
#include "rules.h"
#include "stats.h"
#include "ruleset_load.h"
#include "replay.h"

/* One runner for tests and `xdptag replay`: user/replay.c. */
#define xh_result xt_run_result

static inline struct xdptag *xh_open(int no_meta)
{
	return xt_xdp_open_explain(no_meta, 0, 0, 0);
}

/* As attach loads it on a jumbo-frame interface: xdp.frags. */
static inline struct xdptag *xh_open_frags(void)
{
	return xt_xdp_open_explain(0, 0, 0, 1);
}

/*
 * The object as attach loads it: every option at its default, so the
 * program runs the copy of its body that reads none (xdptag_xdp()), with
 * no explain record and the live clock.
 */
static inline struct xdptag *xh_open_default(void)
{
	struct xdptag *skel = xdptag__open();

	if (skel && xdptag__load(skel)) {
		xdptag__destroy(skel);
		return NULL;
	}
	return skel;
}

/*
 * The object with the state clock in the test's hands (cfg_xdp.clock_user):
 * windows follow xh_clock(), never the wall clock.
 */
static inline struct xdptag *xh_open_clocked(void)
{
	return xt_xdp_open_explain(0, 1, 0, 0);
}

/* The same, with a per-source table of `sources` (0: the default). */
static inline struct xdptag *xh_open_clocked_sized(__u32 sources)
{
	return xt_xdp_open_explain(0, 1, sources, 0);
}

static inline void xh_clock(struct xdptag *skel, __u64 ns)
{
	skel->data_xt_clock->xt_clock_ns = ns;
}

static inline struct xt_rule_maps xh_maps(struct xdptag *skel)
{
	return xt_rule_maps_of(skel->obj);
}

/* Compile and install rules; returns 0 or prints why not. */
static inline int xh_rules(struct xdptag *skel, const struct xt_rule *rules,
			   size_t n, unsigned int drop_at)
{
	struct xt_rule_maps m = xh_maps(skel);
	struct xt_compiled c;
	char err[256];
	int ret;

	if (xt_compile(rules, n, drop_at, &c, err, sizeof(err))) {
		fprintf(stderr, "compile: %s\n", err);
		return -EINVAL;
	}
	ret = xt_ruleset_install(&m, &c);
	xt_compiled_free(&c);
	return ret;
}

/*
 * Run one frame.  repeat > 1 exercises the in-place rewrite that keeps
 * repeated runs from growing the metadata.
 */
static inline struct xh_result xh_run(struct xdptag *skel, const void *pkt,
				      __u32 len, int repeat)
{
	struct xh_result r;

	xt_xdp_run(skel, pkt, len, repeat, &r);
	return r;
}

static inline int xh_cls_stats(struct xdptag *skel, struct xt_cls_stats *st)
{
	return xt_cls_stats_read(bpf_map__fd(skel->maps.xt_cls_stats), st);
}

#endif
