/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an attached interface leaves in bpffs, the only state xdptag keeps:
 *
 *   /sys/fs/bpf/xdptag/IFNAME/
 *     xdp_prog, tc_prog          the two programs
 *     tc_link                    the tcx link (tc_attach tcx only)
 *     xt_rules, xt_active,       the classifier's maps (bpf/lib/classify.h)
 *     xt_prefix, xt_state
 *     xt_cls_stats, xt_tc_stats  per-CPU counters
 *     xt_bridge                  the auto bridge mode's switch
 *     xt_cap, xt_cap_ring        `xdptag capture`: its switch and filter,
 *                                and the ring buffer of sampled packets
 *     xt_info                    struct xt_attach_info, one entry per
 *                                ruleset generation (xt_active)
 *
 * Everything a later `xdptag` process needs (status, stats, rules load,
 * detach) is read back from there; nothing is kept elsewhere.
 *
 * XT_PIN_ROOT must be root's, mode 0700, in a parent others cannot rename
 * it out of: whoever can write in it can swap two interfaces' pins, and
 * whoever can open it can hold the lock (an flock on it).  xt_info records
 * the ifindex, and every command checks it against the interface's name.
 */
#ifndef XDPTAG_PINS_H
#define XDPTAG_PINS_H

#include <linux/types.h>
#include "xdptag.h"

#define XT_PIN_ROOT	"/sys/fs/bpf/xdptag"
#define XT_PIN_CAP	"xt_cap"
#define XT_PIN_CAP_RING	"xt_cap_ring"
#define XT_CLASS_NAME_MAX	32
#define XT_RULE_NAME_MAX	48

/*
 * How far an attach or detach got (docs/robustness.md, crash consistency).
 * attach pins everything (ATTACHING) before it attaches a program and
 * says ATTACHED last; detach says DETACHING first and removes the pins
 * last.  A process killed in between leaves the record the next attach or
 * detach reads to undo the rest.
 */
enum xt_attach_state {
	XT_STATE_ATTACHING = 1,
	XT_STATE_ATTACHED = 2,
	XT_STATE_DETACHING = 3,
};

/*
 * Written at attach, read by all.  xt_info holds one per ruleset
 * generation: entry g describes the interface while xt_active selects g.
 * `rules load` writes the idle entry (names, file, threshold) before it
 * flips xt_active, so the names change with the rules, at the same instant.
 */
struct xt_attach_info {
	__u32 ifindex;
	__u32 xdp_flags;	/* XDP_FLAGS_SKB_MODE / DRV_MODE / HW_MODE used */
	__u32 xdp_prog_id;
	__u32 tc_prog_id;
	__u32 tc_handle;	/* cls only */
	__u32 tc_prio;		/* cls only */
	__u32 created_clsact;	/* 1: detach removes the clsact qdisc */
	__u32 mark_mask;
	__u32 mark_shift;
	__u32 mark_value;	/* enum xt_mark_value */
	__u32 drop_threshold;
	__u32 nrules;
	__u32 bridge;		/* enum xt_bridge */
	__u32 state;		/* enum xt_attach_state */
	__u32 tc_attach;	/* enum xt_tc_attach (hooks.h); 0, cls, in
				   pins of xdptag before tcx support */
	__u32 pad;		/* attached_at 8-aligned, no hidden hole */
	__u64 attached_at;	/* CLOCK_REALTIME seconds */
	char rules_path[256];	/* "" for the built-in default ruleset */
	char class_name[XT_MAX_CLASSES][XT_CLASS_NAME_MAX];
	char rule_name[XT_MAX_RULES][XT_RULE_NAME_MAX];
};

#endif
