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
#include "xdptag.skel.h"
#include "rules.h"
#include "ruleset_load.h"

struct xh_result {
	int err;		/* bpf_prog_test_run_opts() */
	__u32 action;		/* retval */
	int tagged;		/* metadata holds exactly one tag */
	struct xdptag_tag tag;
	struct xt_explain ex;
};

static inline struct xdptag *xh_open(int no_meta)
{
	struct xdptag *skel = xdptag__open();

	if (!skel)
		return NULL;
	skel->rodata->cfg_explain = 1;
	skel->rodata->cfg_no_meta = no_meta;
	if (xdptag__load(skel)) {
		xdptag__destroy(skel);
		return NULL;
	}
	return skel;
}

static inline struct xt_rule_maps xh_maps(struct xdptag *skel)
{
	return (struct xt_rule_maps){
		.rules = bpf_map__fd(skel->maps.xt_rules),
		.active = bpf_map__fd(skel->maps.xt_active),
		.prefix = bpf_map__fd(skel->maps.xt_prefix),
	};
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
	unsigned char out[XDPTAG_TAG_LEN + 16384 + 64];
	struct xdp_md ctx_in = { .data_end = len }, ctx_out = { 0 };
	struct xh_result r = { 0 };
	__u32 zero = 0;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt, .data_size_in = len,
		.data_out = out, .data_size_out = sizeof(out),
		.ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		.ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		.repeat = repeat);

	r.err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdptag_xdp),
				       &opts);
	if (r.err)
		r.err = -errno;
	r.action = opts.retval;
	/* data_out holds metadata then packet; ctx_out.data is the meta size. */
	if (!r.err && ctx_out.data == XDPTAG_TAG_LEN) {
		memcpy(&r.tag, out, sizeof(r.tag));
		r.tagged = 1;
	}
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.xt_explain), &zero, &r.ex);
	return r;
}

#endif
