/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `xdptag replay --live`: frames through the real receive path of a veth in
 * a throwaway network namespace, with both stages attached, nftables
 * loaded, and an observer behind the TC stage.
 */
#ifndef XDPTAG_REPLAY_LIVE_H
#define XDPTAG_REPLAY_LIVE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "pins.h"
#include "xdptag.h"

struct xt_live;

/*
 * Live frames must fit in a page with the kernel's head- and tailroom (the
 * test run refuses longer ones in live mode): longer frames are sent, and
 * replay --live runs them, cut to this.
 */
#define XT_LIVE_MAX		3072

struct xt_live_opts {
	const char *ifname;		/* the pipeline's veth in the namespace */
	const char *rules_path;		/* NULL: built-in default ruleset */
	const struct xt_settings *set;	/* mark settings, drop threshold */
	const char *nft_path;		/* NULL: xdptag nft's ruleset */
	const struct xt_attach_info *ai; /* names and settings, for that */
};

/* What happened to one injected frame. */
struct xt_live_result {
	__u32 sent_len;		/* bytes injected (cut to what live frames take) */
	bool injected;		/* the kernel took the frame */
	bool over_mtu;		/* longer than the veth takes: lost before XDP */
	bool at_xdp;		/* xdptag's XDP stage saw it */
	bool at_tc;		/* the observer behind xdptag's TC saw it */
	struct xt_cap_rec xdp;	/* the XDP stage's verdict, when at_xdp */
	struct xt_live_rec tc;	/* mark and tag at TC, when at_tc */
	int err;		/* -errno of the injection, when !injected */
};

/*
 * Move this process into a new network and mount namespace (both vanish
 * with it, on any exit, a signal included), make the veth pair, attach
 * xdptag, load nftables, the observer and the XDP sampler.  Prints errors;
 * NULL on failure, with *status the exit status: XT_EXIT_USAGE when nft
 * refused the user's --nft ruleset (bad input), else XT_EXIT_FAIL.
 */
struct xt_live *xt_live_setup(const struct xt_live_opts *o, int *status);

/* Inject one frame and wait for it at XDP and at TC.  0 or -errno. */
int xt_live_frame(struct xt_live *l, const void *pkt, __u32 len,
		  struct xt_live_result *r);

/* One nftables counter after the run. */
struct xt_nft_counter {
	char name[160];		/* the counter's name or its rule's text */
	unsigned long long packets, bytes;
};

/* The counters of the loaded ruleset; how many, or -errno. */
int xt_live_nft_counters(struct xt_live *l, struct xt_nft_counter *c,
			 int max);

void xt_live_free(struct xt_live *l);

#endif
