// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "mark_owners.h"

/* Defaults of each project; sites can reconfigure most of them. */
const struct xt_mark_owner xt_mark_owners[] = {
	{ "kube-proxy", 0x00004000, "masquerade mark (iptables mode)" },
	{ "kube-proxy", 0x00008000, "drop mark (iptables mode)" },
	{ "Cilium", 0x00000f00, "MARK_MAGIC_* packet type bits" },
	{ "Cilium", 0xffff0000, "security identity carried in the mark" },
	{ "Calico", 0xffff0000, "default iptablesMarkMask" },
	{ "Tailscale", 0x00ff0000, "fwmark bits (0x40000 subnet, 0x80000 bypass)" },
	{ "Weave Net", 0x00020000, "NPC drop mark" },
	{ NULL, 0, NULL },
};

int xt_mark_owners_warn(uint32_t mask, FILE *f)
{
	const struct xt_mark_owner *o;
	int n = 0;

	for (o = xt_mark_owners; o->who; o++) {
		if (!(mask & o->bits))
			continue;
		fprintf(f,
			"Warning: mark mask 0x%08x overlaps %s's bits 0x%08x (%s)\n",
			mask, o->who, o->bits, o->use);
		n++;
	}
	return n;
}
