// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "log.h"

/* The oldest kernel make test-kernels runs the suite on (docs/kernels.md). */
#define XT_KERNEL_MIN_MAJOR	6
#define XT_KERNEL_MIN_MINOR	1

int xt_verbose;

/* What the kernel last said about a refused netlink request (extack). */
static char kernel_said[200];

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	static const char tag[] = "libbpf: Kernel error message: ";
	char line[sizeof(tag) + sizeof(kernel_said)];
	va_list copy;
	size_t n;

	/* Kept whatever the verbosity: the error line names it.  libbpf
	 * says it at WARN level; the many DEBUG lines are not formatted. */
	if (level == LIBBPF_WARN) {
		va_copy(copy, ap);
		vsnprintf(line, sizeof(line), fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_WARN && !strncmp(line, tag, sizeof(tag) - 1)) {
		snprintf(kernel_said, sizeof(kernel_said), "%.*s",
			 (int)sizeof(kernel_said) - 1, line + sizeof(tag) - 1);
		n = strlen(kernel_said);
		while (n && (kernel_said[n - 1] == '\n' ||
			     kernel_said[n - 1] == '.'))
			kernel_said[--n] = '\0';
	}
	/* The verifier log arrives at WARN level on a failed load: -v. */
	if (xt_verbose < 1 || (level == LIBBPF_DEBUG && xt_verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void xt_kernel_said_reset(void)
{
	kernel_said[0] = '\0';
}

const char *xt_kernel_said(void)
{
	static char out[sizeof(kernel_said) + 16];

	if (!kernel_said[0])
		return "";
	snprintf(out, sizeof(out), " (kernel: %s)", kernel_said);
	return out;
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
