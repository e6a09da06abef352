// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <bpf/libbpf.h>
#include "log.h"

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
