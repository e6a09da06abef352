/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A minimal pcapng writer: one section, one Ethernet interface with
 * nanosecond timestamps, enhanced packet blocks with a comment each (what
 * `xdptag capture` writes; tshark shows the comment as frame.comment).
 */
#ifndef XDPTAG_PCAPNG_H
#define XDPTAG_PCAPNG_H

#include <stdio.h>
#include <linux/types.h>

/* Section and interface headers; 0 or -errno. */
int xt_pcapng_begin(FILE *f, const char *ifname, __u32 snaplen);

/*
 * One packet: ts_ns since the epoch, cap_len bytes of a wire_len frame,
 * comment (NULL: none).  0 or -errno.
 */
int xt_pcapng_packet(FILE *f, __u64 ts_ns, const void *data, __u32 cap_len,
		     __u32 wire_len, const char *comment);

#endif
