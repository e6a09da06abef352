// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* One rtnetlink dump (nl.h): libbpf has none.  One interface ioctl. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "nl.h"

int xt_nl_dump(const struct nlmsghdr *req, __u16 type, xt_nl_fn fn,
	       void *arg)
{
	static char buf[65536];
	struct nlmsghdr *n;
	int fd, len, err = 0;
	bool done = false;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, req, req->nlmsg_len, 0) < 0) {
		err = -errno;
		goto out;
	}
	while (!done && !err) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len < 0) {
			err = -errno;
			break;
		}
		if (!len)
			break;
		for (n = (void *)buf; NLMSG_OK(n, (__u32)len) && !err;
		     n = NLMSG_NEXT(n, len)) {
			if (n->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (n->nlmsg_type == NLMSG_ERROR) {
				err = ((struct nlmsgerr *)NLMSG_DATA(n))->error;
				break;
			}
			if (n->nlmsg_type == type)
				err = fn(n, arg);
		}
	}
out:
	close(fd);
	return err;
}

int xt_if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}
