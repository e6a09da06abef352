/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Up-front capability checks, so that a command run without rights says
 * which ones it lacks instead of failing halfway with EPERM.  What each set
 * stands for was measured on kernel 6.18 (docs/cli.md, "Privileges").
 */
#ifndef XDPTAG_PRIVS_H
#define XDPTAG_PRIVS_H

enum xt_privs {
	/* Load XDP/TC programs and attach them: CAP_BPF + CAP_NET_ADMIN +
	 * CAP_PERFMON (the verifier refuses our programs without PERFMON),
	 * CAP_SYS_ADMIN standing in for BPF and PERFMON. */
	XT_PRIV_LOAD,
	/* Open and update pinned maps: CAP_BPF, or CAP_SYS_ADMIN. */
	XT_PRIV_PINS,
	/* Detach: also reopen programs by id, which takes CAP_SYS_ADMIN. */
	XT_PRIV_DETACH,
};

/*
 * 0 when the process holds the effective capabilities cmd needs for what;
 * otherwise prints "Error: xdptag CMD needs ...; run it as root" and
 * returns -EPERM.  cmd is the command as the user typed it ("rules load").
 */
int xt_privs_check(const char *cmd, enum xt_privs what);

#endif
