/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The attachment's settings as the user names them (XDP mode, bridge mode,
 * mark value) and the check of the mark settings (settings.c).
 */
#ifndef XDPTAG_SETTINGS_H
#define XDPTAG_SETTINGS_H

#include <stddef.h>
#include <linux/types.h>

enum xt_mode {
	XT_MODE_AUTO = 0,	/* native, falling back to generic */
	XT_MODE_NATIVE,
	XT_MODE_GENERIC,
	XT_MODE_OFFLOAD,
};

/* "auto" etc. to enum xt_mode: 0 or -EINVAL. */
int xt_mode_parse(const char *s, enum xt_mode *mode);
/* "auto", "native", "generic", "offload" for enum xt_mode. */
const char *xt_mode_name(enum xt_mode mode);
/* XDP_FLAGS_*_MODE of enum xt_mode (0 for auto). */
__u32 xt_mode_flags(enum xt_mode mode);
/* "native", "generic", "offload" or "none" for XDP_FLAGS_*_MODE. */
const char *xt_mode_str(__u32 xdp_flags);
/* "meta", "tc", "auto" for enum xt_bridge; parse returns 0 or -EINVAL. */
const char *xt_bridge_str(__u32 bridge);
int xt_bridge_parse(const char *s, __u32 *bridge);
/* "class", "score", "both"; parse returns 0 or -EINVAL. */
const char *xt_mark_value_str(__u32 what);
int xt_mark_value_parse(const char *s, __u32 *what);

/*
 * Check mark settings: mask nonzero, shift <= 31, and every value the
 * setting can produce with classes 0..max_class (the highest class a rule
 * of the ruleset gives) fits under mask after the shift.  On error writes
 * a one-line reason into err and returns -EINVAL.
 */
int xt_mark_check(__u32 mask, __u32 shift, __u32 what, __u32 max_class,
		  char *err, size_t errlen);

#endif
