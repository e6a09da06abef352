// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "log.h"

/* The oldest kernel make test-kernels runs the suite on (docs/kernels.md). */
#define XT_KERNEL_MIN_MAJOR	6
#define XT_KERNEL_MIN_MINOR	1

int xt_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* The verifier log arrives at WARN level on a failed load: -v. */
	if (xt_verbose < 1 || (level == LIBBPF_DEBUG && xt_verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void xt_log_setup(void)
{
	libbpf_set_print(libbpf_print);
}

const char *xt_kernel_hint_for(const char *release)
{
	static char hint[160];
	int major, minor;

	if (sscanf(release, "%d.%d", &major, &minor) != 2)
		return "";
	if (major > XT_KERNEL_MIN_MAJOR ||
	    (major == XT_KERNEL_MIN_MAJOR && minor >= XT_KERNEL_MIN_MINOR))
		return "";
	snprintf(hint, sizeof(hint),
		 "; kernel %.40s is older than %d.%d, the oldest xdptag is tested on (docs/kernels.md)",
		 release, XT_KERNEL_MIN_MAJOR, XT_KERNEL_MIN_MINOR);
	return hint;
}

const char *xt_kernel_hint(void)
{
	struct utsname u;

	return uname(&u) ? "" : xt_kernel_hint_for(u.release);
}
