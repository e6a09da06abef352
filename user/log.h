/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Messages to stderr.  Errors are one line, "Error: ...", as bpftool does;
 * libbpf's own chatter shows only at -v (verbose >= 1), debug at -vv.
 */
#ifndef XDPTAG_LOG_H
#define XDPTAG_LOG_H

#include <stdio.h>

extern int xt_verbose;

#define pr_err(fmt, ...)  fprintf(stderr, "Error: " fmt "\n", ##__VA_ARGS__)
#define pr_warn(fmt, ...) fprintf(stderr, "Warning: " fmt "\n", ##__VA_ARGS__)
#define pr_info(fmt, ...) fprintf(stderr, fmt "\n", ##__VA_ARGS__)
#define pr_debug(fmt, ...) \
	do { if (xt_verbose >= 2) fprintf(stderr, fmt "\n", ##__VA_ARGS__); } while (0)

/* Route libbpf's messages through xt_verbose. */
void xt_log_setup(void);

#endif
