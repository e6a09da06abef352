/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Replay: frames run one by one through the loaded XDP object with
 * BPF_PROG_TEST_RUN, then through the TC stage's mark arithmetic.  The
 * single-frame runner is shared with the program tests (tests/lib/
 * xdp_harness.h), so tests and `xdptag replay` see the program the same way.
 */
#ifndef XDPTAG_REPLAY_H
#define XDPTAG_REPLAY_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "xdptag.h"

struct xdptag;		/* the XDP skeleton, xdptag.skel.h */

/* What one test run of the XDP program gave back. */
struct xt_run_result {
	int err;		/* 0 or -errno of bpf_prog_test_run_opts() */
	__u32 action;		/* the program's verdict */
	int tagged;		/* the metadata holds exactly one tag */
	struct xdptag_tag tag;	/* valid when tagged */
	struct xt_explain ex;	/* valid when the skeleton has cfg_xdp.explain */
};

/*
 * Run one frame of len bytes through skel's XDP program, repeat times (the
 * buffer is kept between repetitions).  The frame goes in with an empty
 * metadata area; the tag comes back in front of the packet in data_out.
 */
int xt_xdp_run(struct xdptag *skel, const void *pkt, __u32 len, int repeat,
	       struct xt_run_result *r);

/*
 * Open and load the XDP skeleton, explain record on; NULL on failure.  With
 * clock_user, the per-source state windows run on the time written into
 * skel->data_xt_clock->xt_clock_ns before each run (bpf/lib/classify.h),
 * not on the kernel's clock.  state_sources sizes the per-source table (0: the
 * object's default, XT_STATE_ENTRIES).  With frags, the program is
 * xdp.frags, as attach loads it on a jumbo-frame interface
 * (xt_xdp_frags_set()).
 */
struct xdptag *xt_xdp_open_explain(int no_meta, int clock_user,
				   __u32 state_sources, int frags);

#define XT_REPLAY_MAX_JOBS	8

struct xt_replay_opts {
	const char *capture;
	const char *rules_path;		/* NULL: built-in default ruleset */
	__u32 mark_mask, mark_shift, mark_value;
	bool has_mark_mask, has_mark_shift, has_mark_value;
	bool json;			/* JSON Lines instead of histograms */
	unsigned long long limit;	/* stop after this many frames; 0: all */
	unsigned int jobs;		/* test runs at once; 0: one per CPU;
				 * 1 for rules with rate or fan-out */
	bool live;			/* also through the real receive path */
	const char *nft_path;		/* --live: ruleset; NULL: xdptag nft's */
	const char *live_iface;		/* --live: the pipeline's veth name */
	FILE *out;
};

/* Replay a capture; returns an enum xt_exit status. */
int xt_replay(const struct xt_replay_opts *o);

#endif /* XDPTAG_REPLAY_H */
