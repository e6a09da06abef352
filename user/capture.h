/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `xdptag capture`: packets sampled by the XDP stage of an attached
 * interface (bpf/xdp/capture.h), written as pcapng with the verdict in
 * each packet's comment.
 */
#ifndef XDPTAG_CAPTURE_H
#define XDPTAG_CAPTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "xdptag.h"
#include "pins.h"

struct xt_capture_opts {
	const char *ifname;
	const char *out_path;		/* "-": stdout */
	const char *class;		/* name or number; NULL: any */
	const char *rules[XT_MAX_RULES];	/* any of these; none: any */
	int nrules;
	int min_score;			/* -1: any */
	bool dropped;			/* only dropped packets */
	__u32 snaplen;
	__u32 rate;			/* per second; 0: no limit */
	unsigned long long count;	/* stop after this many; 0: no limit */
	double duration;		/* seconds; 0: no limit */
};

#define XT_CAP_SNAP_DEFAULT	XT_CAP_SNAP_MAX
#define XT_CAP_RATE_DEFAULT	1000

/*
 * The comment a sampled packet gets: "class=NAME score=N rules=A,B
 * mark=N verdict=V" (mark=none for a dropped packet, which never reaches
 * TC; rules=- when none matched).  Names come from the attach info.
 */
void xt_cap_comment(char *buf, size_t len, const struct xt_cap_rec *r,
		    const struct xt_attach_info *ai);

/* Run a capture; returns an enum xt_exit status. */
int xt_capture(const struct xt_capture_opts *o);

#endif
