/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The lock that serialises everything that makes or removes pins (lock.c). */
#ifndef XDPTAG_LOCK_H
#define XDPTAG_LOCK_H

/*
 * The global lock every command that creates or removes pins (or rewrites
 * xt_info) holds: an flock on the XT_PIN_ROOT directory (bpffs holds no
 * regular files).  Blocks until free; returns an fd for xt_unlock, or
 * -errno (message printed).  xt_lock also mounts bpffs and creates
 * XT_PIN_ROOT if needed.
 */
int xt_lock(void);
void xt_unlock(int fd);

#endif
