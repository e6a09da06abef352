/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Mark bits that well-known software uses (docs/marks.md).  xdptag never
 * writes outside its mask, but a mask that overlaps someone else's bits
 * would still corrupt their marks: attach warns, naming who.
 */
#ifndef XDPTAG_MARK_OWNERS_H
#define XDPTAG_MARK_OWNERS_H

#include <stdint.h>
#include <stdio.h>

struct xt_mark_owner {
	const char *who;
	uint32_t bits;
	const char *use;
};

/* Terminated by an entry with who == NULL. */
extern const struct xt_mark_owner xt_mark_owners[];

/* One "Warning: ..." line on f per owner whose bits overlap mask; returns
 * how many there were. */
int xt_mark_owners_warn(uint32_t mask, FILE *f);

#endif
