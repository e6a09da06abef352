/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One rtnetlink dump: what tc filter show and ip link show ask. */
#ifndef XDPTAG_NL_H
#define XDPTAG_NL_H

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

#endif /* XDPTAG_NL_H */
