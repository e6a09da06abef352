/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The devices stacked on an interface that its packets are delivered on:
 * a bridge port's packets reach the IP layer, and so nftables' inet hooks
 * and iptables, as the bridge's; a VLAN-tagged frame as the VLAN
 * device's.  `xdptag nft` matches all of them (docs/cli.md).
 */
#ifndef XDPTAG_IFSTACK_H
#define XDPTAG_IFSTACK_H

#include <net/if.h>

/* One link of this network namespace, as rtnetlink lists it. */
struct xt_link {
	int ifindex;
	int master;		/* IFLA_MASTER, 0: none */
	int link;		/* IFLA_LINK in this namespace, 0: none */
	char name[IF_NAMESIZE];
	char kind[16];		/* IFLA_INFO_KIND, "" for none */
};

/* Every link of this network namespace into *links (malloc'd); 0 or
 * -errno. */
int xt_links_list(struct xt_link **links, int *n);

/*
 * The devices packets from ifname are delivered on, into out[0..max):
 * ifname first (as listed, or by name alone if links has no such link),
 * then, recursively, a master that takes its ports' packets (bridge,
 * bond, team) and the upper devices that take some of them (vlan,
 * macvlan, ipvlan).  Returns how many.
 */
int xt_if_stack(const struct xt_link *links, int n, const char *ifname,
		struct xt_link *out, int max);

#endif
