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

/*
 * The reason the kernel gave (netlink's extended ack, which libbpf prints
 * at -v only) for the last request it refused since xt_kernel_said_reset(),
 * as " (kernel: ...)" to put after strerror()'s text, or "": ip link shows
 * the same line ("veth: Peer MTU is too large to set XDP").
 */
void xt_kernel_said_reset(void);
const char *xt_kernel_said(void);

/*
 * After a program failed to load: "" on kernels xdptag is tested on, else
 * a sentence naming the running kernel and the oldest tested one, to put
 * at the end of the error line.
 */
const char *xt_kernel_hint(void);
/* The same for a given uname release string (into a static buffer). */
const char *xt_kernel_hint_for(const char *release);

#endif
