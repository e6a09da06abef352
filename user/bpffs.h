/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Finding, joining or mounting the bpffs that holds the pins (bpffs.c). */
#ifndef XDPTAG_BPFFS_H
#define XDPTAG_BPFFS_H

#include <stdbool.h>
#include <stdio.h>

#define XT_BPFFS	"/sys/fs/bpf"

/*
 * Make XT_BPFFS the bpffs every xdptag process on this host uses, joining
 * an ancestor's mount namespace if that is where it is.  With create, mount
 * one if there is none.  Returns 0, -ENOENT (none, and !create), or -errno.
 * Call it before the process has threads: setns refuses threaded callers.
 */
int xt_bpffs_find(bool create);

/* "the bpffs at ... of mount namespace ...", for status; nothing before
 * xt_bpffs_find has succeeded. */
void xt_bpffs_where_print(FILE *out);

#endif
