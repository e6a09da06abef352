/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The XDP stage as one program of libxdp's multiprog dispatcher
 * (xdp_multiprog.c; docs/coexistence.md, "libxdp").
 */
#ifndef XDPTAG_XDP_MULTIPROG_H
#define XDPTAG_XDP_MULTIPROG_H

#include <stdbool.h>
#include <linux/types.h>

struct bpf_object;

/*
 * xdptag's place in the dispatcher: libxdp runs lower priorities first
 * (its default is 50, xdp-filter's 10).  Last, so that filters drop
 * before xdptag counts, and xdptag's tag is the last metadata written:
 * the TC stage finds it immediately before the packet.
 */
#define XT_MP_RUN_PRIO	200

/* Is program id libxdp's dispatcher (its name and its config)? */
bool xt_mp_is_dispatcher(__u32 id);

/*
 * Is program id a dispatcher that runs nothing: no extension link
 * targets it (its programs' links went with the bpffs they were pinned
 * in)?  Such an orphan is removed like any other.
 */
bool xt_mp_dead(__u32 id);

/* Remove libxdp's pins of dispatchers no longer on ifindex. */
void xt_mp_clean(int ifindex);

/* 1: ifindex runs libxdp's dispatcher, 0: it does not, or -errno. */
int xt_mp_present(int ifindex);

/*
 * Load obj (opened, not loaded: libxdp loads it as an extension of the
 * dispatcher) and add its program in section "xdp" to the dispatcher of
 * ifindex, building one if there is none.  xdp_flags: XDP_FLAGS_DRV_MODE,
 * XDP_FLAGS_SKB_MODE or 0 (native, else generic).  On success sets
 * *mode_flags to the mode the dispatcher runs in.  Returns 0 or -errno,
 * printing errors except one: -EOPNOTSUPP with *refused set, this kernel
 * refuses the dispatcher, to why (XT_XDP_ALONE_REFUSED, when libxdp's
 * check failed: xt_mp_why() says what it said, or XT_XDP_ALONE_PKT_DATA)
 * and nothing left on the interface.  A driver's -EOPNOTSUPP (no native
 * XDP) is printed and leaves *refused alone.  obj was loaded or tried: a
 * new one is needed to load xdptag another way.
 */
int xt_mp_attach(struct bpf_object *obj, const char *ifname, int ifindex,
		 __u32 xdp_flags, __u32 *mode_flags, __u32 *refused);

/*
 * Say that native XDP failed on ifname with err and generic comes next:
 * once per interface, though the dispatcher's try and the lone attach
 * after it (the kernel refused the dispatcher) both fall back.  With the
 * kernel's reason (xt_kernel_said()), which it then clears for the
 * generic try.
 */
void xt_generic_fallback_say(const char *ifname, int ifindex, int err);

/* libxdp's last warning: why it refused, for XT_XDP_ALONE_REFUSED. */
const char *xt_mp_why(void);

/* A program in a dispatcher. */
struct xt_mp_member {
	__u32 id;
	__u32 prio;		/* run priority: lower runs first */
	char name[32];
};

/*
 * The programs of ifindex's dispatcher, in run order, at most max:
 * how many (0: no dispatcher).
 */
int xt_mp_list(int ifindex, struct xt_mp_member *m, int max);

/* Whether the dispatcher of ifindex runs the program id. */
bool xt_mp_has(int ifindex, __u32 id);

/*
 * Remove from the dispatcher of ifindex the program id (or, with id 0,
 * every program named name but the program keep); the other programs
 * keep running.  Returns how many were removed (0: no dispatcher, or not
 * in it), or -errno.
 */
int xt_mp_remove(const char *ifname, int ifindex, __u32 id, const char *name,
		 __u32 keep);

#endif
