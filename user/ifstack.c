// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The devices an interface's packets are delivered on (ifstack.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include "ifstack.h"
#include "nl.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Kinds of device stacked on another that packets from it are delivered
 * on.  A master (IFLA_MASTER of the lower device) of these kinds takes
 * over its ports' packets in their rx_handler: the IP layer sees them
 * arrive on the master.  An upper device (IFLA_LINK: the lower device) of
 * these kinds takes those with its VLAN tag or its MAC or IP address.
 * Left out: vrf, whose packets pass prerouting once as the port's and
 * again as the VRF's (matching both would count them twice); veth, whose
 * IFLA_LINK is its peer; tunnels, whose outer packets already arrived as
 * the lower device's.
 */
static const struct {
	const char *kind;
	bool master;		/* reached through IFLA_MASTER, not IFLA_LINK */
} stack_kinds[] = {
	{ "bridge", true },
	{ "bond", true },
	{ "team", true },
	{ "vlan", false },
	{ "macvlan", false },
	{ "ipvlan", false },
};

static void link_parse(const struct ifinfomsg *ifi, int len,
		       struct xt_link *l)
{
	const struct rtattr *rta = IFLA_RTA(ifi), *info;
	bool other_netns = false;
	int ilen;

	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		switch (rta->rta_type) {
		case IFLA_IFNAME:
			snprintf(l->name, sizeof(l->name), "%s",
				 (const char *)RTA_DATA(rta));
			break;
		case IFLA_MASTER:
			l->master = *(const int *)RTA_DATA(rta);
			break;
		case IFLA_LINK:
			l->link = *(const int *)RTA_DATA(rta);
			break;
		case IFLA_LINK_NETNSID:
			other_netns = true;
			break;
		case IFLA_LINKINFO:
			ilen = RTA_PAYLOAD(rta);
			for (info = RTA_DATA(rta); RTA_OK(info, ilen);
			     info = RTA_NEXT(info, ilen))
				if (info->rta_type == IFLA_INFO_KIND)
					snprintf(l->kind, sizeof(l->kind), "%s",
						 (const char *)RTA_DATA(info));
			break;
		}
	}
	/* An ifindex of another namespace names no link of this one. */
	if (other_netns)
		l->link = 0;
}

static int link_add(struct xt_link **links, int *n, int *cap,
		    const struct xt_link *l)
{
	struct xt_link *more;

	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		more = realloc(*links, *cap * sizeof(**links));
		if (!more)
			return -ENOMEM;
		*links = more;
	}
	(*links)[(*n)++] = *l;
	return 0;
}

/* What xt_links_list() hands link_one(). */
struct links_arg {
	struct xt_link **links;
	int *n, cap;
};

static int link_one(const struct nlmsghdr *h, void *arg)
{
	struct links_arg *a = arg;
	struct xt_link l;

	link_parse(NLMSG_DATA(h), IFLA_PAYLOAD(h), &l);
	return link_add(a->links, a->n, &a->cap, &l);
}

int xt_links_list(struct xt_link **links, int *n)
{
	struct {
		struct nlmsghdr n;
		struct ifinfomsg i;
	} req = {
		.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
		.n.nlmsg_type = RTM_GETLINK,
		.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.n.nlmsg_seq = 1,
		.i.ifi_family = AF_UNSPEC,
	};
	struct links_arg a = { links, n, 0 };
	int err;

	*links = NULL;
	*n = 0;
	err = xt_nl_dump(&req.n, RTM_NEWLINK, link_one, &a);
	if (err) {
		free(*links);
		*links = NULL;
		*n = 0;
	}
	return err;
}

/* Whether l is a device of a stack_kinds kind reached as master (or not). */
static bool kind_stacked(const struct xt_link *l, bool master)
{
	size_t k;

	for (k = 0; k < ARRAY_LEN(stack_kinds); k++)
		if (stack_kinds[k].master == master &&
		    !strcmp(stack_kinds[k].kind, l->kind))
			return true;
	return false;
}

static bool in_stack(const struct xt_link *out, int nout, int ifindex)
{
	int i;

	for (i = 0; i < nout; i++)
		if (out[i].ifindex == ifindex)
			return true;
	return false;
}

int xt_if_stack(const struct xt_link *links, int n, const char *ifname,
		struct xt_link *out, int max)
{
	int i, j, nout = 0;

	if (max < 1)
		return 0;
	memset(&out[0], 0, sizeof(out[0]));
	snprintf(out[0].name, sizeof(out[0].name), "%s", ifname);
	for (j = 0; j < n; j++)
		if (!strcmp(links[j].name, ifname))
			out[0] = links[j];
	nout = 1;
	/* Each device found is searched in turn: breadth first, no loops
	 * (a link is added once). */
	for (i = 0; i < nout && out[i].ifindex > 0; i++) {
		for (j = 0; j < n && nout < max; j++) {
			const struct xt_link *l = &links[j];

			if (l->ifindex <= 0 || in_stack(out, nout, l->ifindex))
				continue;
			if ((l->ifindex == out[i].master &&
			     kind_stacked(l, true)) ||
			    (l->link == out[i].ifindex &&
			     kind_stacked(l, false)))
				out[nout++] = *l;
		}
	}
	return nout;
}
