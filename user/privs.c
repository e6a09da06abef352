// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Capability checks with capget(2): libcap would be one more dependency for
 * reading two words.  The sets are what the kernel asks for, measured on
 * 6.18: loading XDP and TC programs takes CAP_BPF and CAP_NET_ADMIN (both
 * are "net admin" program types) and CAP_PERFMON (without it the verifier
 * applies the Spectre restrictions and refuses our programs); the netlink
 * attach takes CAP_NET_ADMIN; BPF_PROG_GET_FD_BY_ID (detach checks the
 * program on the interface is still ours) takes CAP_SYS_ADMIN, as do
 * mounting bpffs and joining a mount namespace under `ip netns exec` (which
 * also takes CAP_SYS_CHROOT: the join keeps the ancestor's root, user/bpffs.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "log.h"
#include "privs.h"

static bool cap_has(const struct __user_cap_data_struct *d, int cap)
{
	return d[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

int xt_privs_check(const char *cmd, enum xt_privs what)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };
	bool admin, ok;

	/* No glibc wrapper: capget is libcap's, so call the kernel. */
	if (syscall(SYS_capget, &h, d))
		return 0;	/* cannot tell: let the kernel decide */
	admin = cap_has(d, CAP_SYS_ADMIN);
	switch (what) {
	case XT_PRIV_LOAD:
		ok = cap_has(d, CAP_NET_ADMIN) &&
		     (admin || (cap_has(d, CAP_BPF) &&
				cap_has(d, CAP_PERFMON)));
		if (!ok)
			pr_err("xdptag %s needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (or CAP_SYS_ADMIN); run it as root",
			       cmd);
		break;
	case XT_PRIV_PINS:
		ok = admin || cap_has(d, CAP_BPF);
		if (!ok)
			pr_err("xdptag %s needs CAP_BPF (or CAP_SYS_ADMIN) to read the pins under /sys/fs/bpf/xdptag; run it as root",
			       cmd);
		break;
	case XT_PRIV_DETACH:
	default:
		ok = admin && cap_has(d, CAP_NET_ADMIN);
		if (!ok)
			pr_err("xdptag %s needs CAP_SYS_ADMIN and CAP_NET_ADMIN; run it as root",
			       cmd);
		break;
	}
	return ok ? 0 : -EPERM;
}
