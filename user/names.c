// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Shared words for enum values: user/names.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "attach.h"
#include "hooks.h"
#include "names.h"

const struct xt_name xt_mode_names[] = {
	{ "auto", XT_MODE_AUTO }, { "native", XT_MODE_NATIVE },
	{ "generic", XT_MODE_GENERIC }, { "offload", XT_MODE_OFFLOAD },
	{ NULL },
};

const struct xt_name xt_mark_value_names[] = {
	{ "class", XT_MARK_CLASS }, { "score", XT_MARK_BAND },
	{ "both", XT_MARK_BOTH },
	{ NULL },
};

const struct xt_name xt_bridge_names[] = {
	{ "meta", XT_BRIDGE_META }, { "tc", XT_BRIDGE_TC },
	{ "auto", XT_BRIDGE_AUTO },
	{ NULL },
};

const struct xt_name xt_tc_attach_names[] = {
	{ "auto", XT_TC_AUTO }, { "tcx", XT_TC_TCX }, { "cls", XT_TC_CLS },
	{ NULL },
};

/* The choice; the order is --help's. */
const struct xt_name xt_xdp_attach_names[] = {
	{ "auto", XT_XDP_AUTO }, { "dispatcher", XT_XDP_DISPATCHER },
	{ "direct", XT_XDP_DIRECT },
	{ NULL },
};

/* Why auto attached the XDP stage alone. */
static const struct xt_name xdp_alone_why[] = {
	{ "this kernel refuses libxdp's dispatcher (libxdp's check that it runs an extension program in a slot failed)",
	  XT_XDP_ALONE_REFUSED },
	{ "this kernel refuses xdptag in libxdp's dispatcher (kernels 6.13+ and 6.12.y: an extension that changes packet data, as xdptag does, cannot replace a slot of libxdp 1.3's dispatcher, which does not)",
	  XT_XDP_ALONE_PKT_DATA },
	{ "--force replaced the program that was there",
	  XT_XDP_ALONE_REPLACED },
	{ "offload has no dispatcher", XT_XDP_ALONE_OFFLOAD },
	{ NULL },
};

int xt_name_parse(const struct xt_name *t, const char *s, __u32 *val)
{
	for (; t->name; t++)
		if (!strcmp(s, t->name)) {
			*val = t->val;
			return 0;
		}
	return -EINVAL;
}

const char *xt_name_str(const struct xt_name *t, __u32 val)
{
	for (; t->name; t++)
		if (t->val == val)
			return t->name;
	return "?";
}

const char *xt_names_join(const struct xt_name *t, __u32 allowed,
			  const char *sep, const char *last, char *buf,
			  size_t len)
{
	size_t n = 0, k = 0, i;

	for (i = 0; t[i].name; i++)
		n += !allowed || (allowed & (1u << t[i].val));
	buf[0] = '\0';
	for (i = 0; t[i].name; i++) {
		size_t used = strlen(buf);

		if (allowed && !(allowed & (1u << t[i].val)))
			continue;
		snprintf(buf + used, len - used, "%s%s",
			 !k ? "" : k == n - 1 ? last : sep, t[i].name);
		k++;
	}
	return buf;
}

const char *xt_mark_value_str(__u32 what)
{
	return xt_name_str(xt_mark_value_names, what);
}

const char *xt_bridge_str(__u32 bridge)
{
	return xt_name_str(xt_bridge_names, bridge);
}

const char *xt_tc_attach_str(__u32 how)
{
	return xt_name_str(xt_tc_attach_names, how);
}

const char *xt_xdp_alone_why(__u32 how)
{
	return xt_name_str(xdp_alone_why, how);
}

const char *xt_xdp_frags_str(__u32 frags)
{
	return frags ? ", multi-buffer" : "";
}

const char *xt_xdp_attach_str(__u32 how)
{
	static char buf[320];

	if (how == XT_XDP_DIRECT)
		return "";
	if (how == XT_XDP_DISPATCHER)
		return ", in libxdp's dispatcher";
	snprintf(buf, sizeof(buf), ", alone: %s", xt_xdp_alone_why(how));
	return buf;
}
