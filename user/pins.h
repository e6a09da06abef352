/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an attached interface leaves in bpffs, the only state xdptag keeps:
 *
 *   /sys/fs/bpf/xdptag/IFNAME/
 *     xdp_prog, tc_prog          the two programs
 *     tc_link                    the tcx link (tc_attach tcx only)
 *     xt_rules, xt_active,       the classifier's maps (bpf/lib/classify.h)
 *     xt_prefix
 *     xt_xdp_stats, xt_tc_stats  per-CPU counters
 *     xt_bridge                  the auto bridge mode's switch
 *     xt_info                    struct xt_attach_info, one entry
 *
 * Everything a later `xdptag` process needs (status, stats, rules load,
 * detach) is read back from there; nothing is kept elsewhere.
 */
#ifndef XDPTAG_PINS_H
#define XDPTAG_PINS_H

#include <linux/types.h>
#include "xdptag.h"

#define XT_PIN_ROOT	"/sys/fs/bpf/xdptag"
#define XT_CLASS_NAME_MAX	32
#define XT_RULE_NAME_MAX	48

/* Written at attach (and by `rules load` for the names), read by all. */
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
	__u32 tc_attach;	/* enum xt_tc_attach (hooks.h); 0, cls, in
				   pins of xdptag before tcx support */
	__u64 attached_at;	/* CLOCK_REALTIME seconds */
	char rules_path[256];	/* "" for the built-in default ruleset */
	char class_name[XT_MAX_CLASSES][XT_CLASS_NAME_MAX];
	char rule_name[XT_MAX_RULES][XT_RULE_NAME_MAX];
};

#endif
