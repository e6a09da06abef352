/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Attaching the pipeline to an interface and detaching it (attach.c): the
 * transaction that makes the pins (user/pins.h) and attaches both stages,
 * or undoes what an interrupted one left; the names of the settings.
 * Includes what its callers need with it: the pins and the lock.
 */
#ifndef XDPTAG_ATTACH_H
#define XDPTAG_ATTACH_H

#include <stdbool.h>
#include <net/if.h>
#include "names.h"
#include "lock.h"
#include "pins.h"
#include "rules_file.h"
#include "ruleset_load.h"

/* Our TC filter: one fixed handle, priority 100 unless --tc-prio says. */
#define XT_TC_HANDLE		0x7854
#define XT_TC_PRIO_DEFAULT	100

enum xt_mode {
	XT_MODE_AUTO = 0,	/* native, falling back to generic */
	XT_MODE_NATIVE,
	XT_MODE_GENERIC,
	XT_MODE_OFFLOAD,
};

struct xt_attach_opts {
	const char *ifname;
	const char *rules_path;		/* NULL: the built-in default ruleset */
	enum xt_mode mode;
	bool force;			/* replace another XDP program, or
					   the xdptag attached to ifname */
	bool no_force;			/* the command has no --force (probe):
					   refusals do not offer it */
	unsigned int tc_prio;		/* 1-65535 */
	__u32 tc_attach;		/* enum xt_tc_attach: set it, 0 is cls */
	__u32 bridge;			/* enum xt_bridge */
	bool no_meta;			/* XDP acts as if adjust_meta failed */
	__u32 xdp_attach;		/* enum xt_xdp_attach: set it, 0 is
					   direct */
	/* Command-line settings; each has_* overrides the rules file's. */
	struct xt_settings set;
};

/* "native", "generic", "offload" or "none" for XDP_FLAGS_*_MODE. */
const char *xt_mode_str(__u32 xdp_flags);

/*
 * Check mark settings: mask nonzero, shift <= 31, and every value the
 * setting can produce with classes 0..max_class (the highest class a rule
 * of the ruleset gives) fits under mask after the shift.  On error writes
 * a one-line reason into err and returns -EINVAL.
 */
int xt_mark_check(__u32 mask, __u32 shift, __u32 what, __u32 max_class,
		  char *err, size_t errlen);

/*
 * Attach both stages to o->ifname, install the ruleset and pin everything.
 * Prints errors itself and the mode obtained on stdout.  On any failure
 * the interface is left as it was.  Returns an enum xt_exit.
 */
int xt_attach(const struct xt_attach_opts *o);

/*
 * The options of o that the attachment info records otherwise, as a list
 * of option names in buf ("--mode, --bridge"): how many.  Options left at
 * auto, and --no-meta and --force, which info does not record, never
 * differ.
 */
int xt_attach_differs(const struct xt_attach_opts *o,
		      const struct xt_attach_info *info, char *buf,
		      size_t len);

/*
 * Have skel's XDP program loaded as xdp.frags (multi-buffer): drivers then
 * take it on an interface whose frames do not fit one receive buffer, and
 * it reads each frame's whole length from the kernel (cfg_xdp.frags).
 * Before load.
 */
struct xdptag;
void xt_xdp_frags_set(struct xdptag *skel);

/* Remove what xt_attach added.  Prints errors; returns an enum xt_exit. */
int xt_detach(const char *ifname);

#endif
