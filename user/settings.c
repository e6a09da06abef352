// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The attachment's settings: their names, and the mark check (settings.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_link.h>
#include "settings.h"
#include "xdptag.h"

static const char *const mode_names[] = {
	[XT_MODE_AUTO] = "auto", [XT_MODE_NATIVE] = "native",
	[XT_MODE_GENERIC] = "generic", [XT_MODE_OFFLOAD] = "offload",
};

static const __u32 mode_flags[] = {
	[XT_MODE_AUTO] = 0, [XT_MODE_NATIVE] = XDP_FLAGS_DRV_MODE,
	[XT_MODE_GENERIC] = XDP_FLAGS_SKB_MODE,
	[XT_MODE_OFFLOAD] = XDP_FLAGS_HW_MODE,
};

/* Index of s in names[0..n), or -EINVAL. */
static int name_index(const char *const *names, __u32 n, const char *s,
		      __u32 *out)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

int xt_mode_parse(const char *s, enum xt_mode *mode)
{
	__u32 i;
	int err = name_index(mode_names, XT_MODE_OFFLOAD + 1, s, &i);

	if (!err)
		*mode = i;
	return err;
}

const char *xt_mode_name(enum xt_mode mode)
{
	return mode <= XT_MODE_OFFLOAD ? mode_names[mode] : "?";
}

__u32 xt_mode_flags(enum xt_mode mode)
{
	return mode <= XT_MODE_OFFLOAD ? mode_flags[mode] : 0;
}

const char *xt_mode_str(__u32 xdp_flags)
{
	if (xdp_flags & XDP_FLAGS_DRV_MODE)
		return "native";
	if (xdp_flags & XDP_FLAGS_SKB_MODE)
		return "generic";
	if (xdp_flags & XDP_FLAGS_HW_MODE)
		return "offload";
	return "none";
}

static const char *const value_names[] = {
	[XT_MARK_CLASS] = "class", [XT_MARK_BAND] = "score",
	[XT_MARK_BOTH] = "both",
};

static const char *const bridge_names[] = {
	[XT_BRIDGE_META] = "meta", [XT_BRIDGE_TC] = "tc",
	[XT_BRIDGE_AUTO] = "auto",
};

const char *xt_mark_value_str(__u32 what)
{
	return what <= XT_MARK_BOTH ? value_names[what] : "?";
}

int xt_mark_value_parse(const char *s, __u32 *what)
{
	return name_index(value_names, XT_MARK_BOTH + 1, s, what);
}

const char *xt_bridge_str(__u32 bridge)
{
	return bridge <= XT_BRIDGE_AUTO ? bridge_names[bridge] : "?";
}

int xt_bridge_parse(const char *s, __u32 *bridge)
{
	return name_index(bridge_names, XT_BRIDGE_AUTO + 1, s, bridge);
}

int xt_mark_check(__u32 mask, __u32 shift, __u32 what, __u32 max_class,
		  char *err, size_t errlen)
{
	__u32 top = xt_mark_value_top(what, max_class), bits = top;
	__u64 need;

	if (what > XT_MARK_BOTH) {
		snprintf(err, errlen, "unknown mark value %u", what);
		return -EINVAL;
	}
	if (!mask) {
		snprintf(err, errlen, "mark mask 0 leaves no bit to write");
		return -EINVAL;
	}
	if (shift > 31) {
		snprintf(err, errlen, "mark shift %u is out of range (0-31)",
			 shift);
		return -EINVAL;
	}
	/* Every value the setting can produce must survive the mask, or two
	 * classes would share a mark without anyone noticing: every bit up
	 * to the top value's highest one. */
	bits |= bits >> 1;
	bits |= bits >> 2;
	bits |= bits >> 4;
	bits |= bits >> 8;
	need = (__u64)bits << shift;
	if (need > 0xffffffffULL || (need & mask) != need) {
		snprintf(err, errlen,
			 "mark mask 0x%x cannot hold %s values (0-%u, classes up to %u) shifted by %u (needs 0x%llx)",
			 mask, xt_mark_value_str(what), top, max_class & 0xff,
			 shift, (unsigned long long)need);
		return -EINVAL;
	}
	return 0;
}
