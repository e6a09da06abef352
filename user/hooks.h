/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ingress hooks of an interface and who else uses them
 * (docs/coexistence.md).  A packet meets, in order: XDP (one program per
 * mode, or libxdp's dispatcher), the tcx programs in their list order,
 * then the clsact ingress filters by ascending priority.  tcx falls
 * through to clsact only when every tcx program returns TCX_NEXT
 * (sch_handle_ingress(), net/core/dev.c); a cls_bpf filter in
 * direct-action mode ends the chain with any verdict but TC_ACT_UNSPEC.
 *
 * tcx came with kernel 6.6; Debian 12's headers (6.1) and libbpf 1.1 know
 * nothing of it, so its UAPI numbers are defined here.
 */
#ifndef XDPTAG_HOOKS_H
#define XDPTAG_HOOKS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "names.h"

/* From include/uapi/linux/bpf.h of 6.6 and later. */
#define XT_BPF_TCX_INGRESS	46	/* enum bpf_attach_type */
#define XT_BPF_F_BEFORE		(1U << 3)
#define XT_TCX_NEXT		(-1)	/* == TC_ACT_UNSPEC */
#define XT_TCX_PASS		0	/* == TC_ACT_OK */
#define XT_BPF_LINK_TYPE_TCX	11	/* enum bpf_link_type */

/* How the TC stage is attached; stored in xt_attach_info.tc_attach. */
enum xt_tc_attach {
	XT_TC_CLS = 0,		/* cls_bpf filter under clsact (older pins: 0) */
	XT_TC_TCX = 1,		/* tcx ingress link, first in the list */
	XT_TC_AUTO = 2,		/* choice only: tcx where the kernel has it */
};

/* Its words: xt_tc_attach_names, user/names.h. */

/*
 * How the XDP stage is attached: the --xdp-attach choice (the first
 * three), and what xt_attach_info.xdp_attach records (all but auto).
 * 0 and 1 are the values of older pins' xdp_multiprog.
 */
enum xt_xdp_attach {
	XT_XDP_DIRECT = 0,	/* alone on the hook, as asked */
	XT_XDP_DISPATCHER = 1,	/* one program of libxdp's dispatcher */
	XT_XDP_AUTO = 2,	/* choice only: xt_attach() decides */
	/* Recorded only: auto attached it alone, because ... */
	XT_XDP_ALONE_REFUSED,	/* libxdp's check: no extension in a slot */
	XT_XDP_ALONE_PKT_DATA,	/* the kernel refuses xdptag as a slot's */
	XT_XDP_ALONE_REPLACED,	/* --force replaced a lone program */
	XT_XDP_ALONE_OFFLOAD,	/* --mode offload: no dispatcher on a NIC */
};

/* Its words: xt_xdp_attach_names, user/names.h. */

/* Does the running kernel have tcx?  Asks for ifindex's tcx list. */
bool xt_tcx_supported(int ifindex);

/*
 * Attach prog_fd as a tcx ingress link before every other tcx program.
 * Returns the link fd or -errno.
 */
int xt_tcx_attach(int prog_fd, int ifindex);

/*
 * Detach every tcx ingress link of ifindex whose program is named name
 * (xdptag's orphans: no pin says which link is ours).  Returns how many,
 * 0 on kernels without tcx, or -errno.
 */
int xt_tcx_detach_named(int ifindex, const char *name);

enum xt_hook_kind { XT_HOOK_XDP, XT_HOOK_TCX, XT_HOOK_CLS };

/* One program (or non-BPF filter) on an ingress hook. */
struct xt_hook_prog {
	enum xt_hook_kind kind;
	__u32 id;		/* BPF program id; 0 for a non-BPF filter */
	char name[32];		/* program name, or the filter's kind */
	__u32 order;		/* XDP: attach mode flags; tcx: position;
				   cls: priority */
	bool dispatched;	/* XDP: in libxdp's dispatcher ... */
	__u32 run_prio;		/* ... at this priority */
	__u32 handle;		/* cls: filter handle */
	bool direct_action;	/* cls_bpf: verdict taken from the program */
	bool ours;		/* xdptag's own */
	bool before;		/* runs before xdptag's TC stage */
	bool in_slot;		/* cls: another's filter at xdptag's priority
				   and handle, which attach --force replaces */
};

/* What is on an interface, and where xdptag sits in it. */
struct xt_hooks {
	int n;
	bool listed;		/* every hook was listed: what is missing is gone */
	struct xt_hook_prog p[64];
};

/*
 * List every XDP program, tcx program and clsact ingress filter of
 * ifindex.  xdp_id, tc_id: xdptag's program ids (0 when not attached);
 * tc_how: how xdptag's TC stage is attached; tc_prio: its cls priority.
 * Returns 0 or -errno.
 */
int xt_hooks_list(int ifindex, __u32 xdp_id, __u32 tc_id, __u32 tc_how,
		  __u32 tc_prio, struct xt_hooks *h);

/*
 * How many filters the clsact qdisc of ifindex holds: on ingress at prio,
 * or with prio 0 on ingress and egress both.  0 without a clsact, or
 * -errno.
 */
int xt_cls_count(int ifindex, __u32 prio);

/* One line per program that is not xdptag's, prefixed by indent. */
void xt_hooks_print(const struct xt_hooks *h, const char *indent, FILE *f);

/*
 * Warn (on stderr) about each program that runs before xdptag's TC stage
 * and can keep packets from reaching it.  Returns how many.
 */
int xt_hooks_warn(const struct xt_hooks *h, const char *ifname);

/* The other programs that run before xdptag's TC stage. */
int xt_hooks_before(const struct xt_hooks *h);

struct xt_counters;

/*
 * Bridge health from the summed counters (not per CPU: with RPS the TC
 * stage of a packet may run on another CPU than its XDP stage), packets
 * XDP passed against segments TC saw (GRO merges are no loss).  Tells
 * apart packets XDP passed that the TC stage never saw ("did not run") and
 * packets that reached it without their tag ("metadata was lost"), and
 * names the likely cause, with h (NULL: unknown) for the programs that run
 * before it, and the command that mends it for ifname.  Prints lines
 * prefixed by indent; returns 0 when healthy.
 */
int xt_bridge_health(const struct xt_counters *c, __u32 bridge,
		     const struct xt_hooks *h, const char *ifname,
		     const char *indent, FILE *f);

#endif
