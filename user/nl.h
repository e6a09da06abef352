/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * One rtnetlink dump, what tc filter show and ip link show ask; one
 * interface ioctl, what ip link and ethtool ask the old way.
 */
#ifndef XDPTAG_NL_H
#define XDPTAG_NL_H

#include <net/if.h>
#include <linux/netlink.h>

/* Called for each message of the dump's type; nonzero stops the dump. */
typedef int (*xt_nl_fn)(const struct nlmsghdr *n, void *arg);

/*
 * Send req (a struct nlmsghdr and its payload, NLM_F_DUMP set) on a route
 * socket of its own and call fn for each message of type in the answer.
 * Returns 0, fn's nonzero value, or the kernel's -errno (an NLMSG_ERROR)
 * or the socket's.
 */
int xt_nl_dump(const struct nlmsghdr *req, __u16 type, xt_nl_fn fn,
	       void *arg);

/*
 * Interface request req (SIOCGIFMTU, SIOCETHTOOL, ...) for ifname, on a
 * socket of its own; ifr's name is filled in.  Returns 0 or -errno.
 */
int xt_if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr);

#endif /* XDPTAG_NL_H */
