/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The words for enum values that the command line, the rules file and the
 * printers share: each list is written once, here (user/names.c).  The
 * option layer (user/opt.c) draws its {a|b|c} choices and its "is not one
 * of" errors from these tables, in the order given.
 */
#ifndef XDPTAG_NAMES_H
#define XDPTAG_NAMES_H

#include <stddef.h>
#include <linux/types.h>

struct xt_name {
	const char *name;
	__u32 val;
};

/* Each ends with { NULL }. */
extern const struct xt_name xt_mode_names[];		/* enum xt_mode */
extern const struct xt_name xt_mark_value_names[];	/* xt_mark_value */
extern const struct xt_name xt_bridge_names[];		/* xt_bridge */
extern const struct xt_name xt_tc_attach_names[];	/* xt_tc_attach */
extern const struct xt_name xt_xdp_attach_names[];	/* xt_xdp_attach */

/* s's value into *val: 0, or -EINVAL if s is not in t. */
int xt_name_parse(const struct xt_name *t, const char *s, __u32 *val);
/* val's name, "?" if t has none. */
const char *xt_name_str(const struct xt_name *t, __u32 val);
/*
 * The names of t, those with bit val set in allowed (0: all), joined:
 * sep between them, last before the last one ("a, b or c"; "a|b|c").
 */
const char *xt_names_join(const struct xt_name *t, __u32 allowed,
			  const char *sep, const char *last, char *buf,
			  size_t len);

/* The printers' shorthands. */
const char *xt_mark_value_str(__u32 what);
const char *xt_bridge_str(__u32 bridge);
const char *xt_tc_attach_str(__u32 how);
/*
 * What follows "prog N" where attach and status say how the XDP stage
 * runs (an xt_attach_info.xdp_attach): "" alone as asked, ", in libxdp's
 * dispatcher", or ", alone: " and why.
 */
const char *xt_xdp_attach_str(__u32 how);
/*
 * What follows "prog N" where attach and status say the XDP program is
 * xdp.frags (an xt_attach_info.xdp_frags): ", multi-buffer", or "".
 */
const char *xt_xdp_frags_str(__u32 frags);
/* Why auto attached the XDP stage alone (an XT_XDP_ALONE_*): "?" if not. */
const char *xt_xdp_alone_why(__u32 how);

#endif
