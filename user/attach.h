/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Attaching the pipeline to an interface, detaching it, and reading an
 * attached interface back from its pins (user/pins.h).  `attach`, `detach`
 * and `status` are built on this; `stats` and `rules load` use the pins half.
 */
#ifndef XDPTAG_ATTACH_H
#define XDPTAG_ATTACH_H

#include <stdbool.h>
#include <net/if.h>
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
	unsigned int tc_prio;		/* 1-65535 */
	__u32 tc_attach;		/* enum xt_tc_attach: set it, 0 is cls */
	__u32 bridge;			/* enum xt_bridge */
	bool no_meta;			/* XDP acts as if adjust_meta failed */
	/* Command-line settings; each has_* overrides the rules file's. */
	struct xt_settings set;
};

/* "auto" etc. to enum xt_mode: 0 or -EINVAL. */
int xt_mode_parse(const char *s, enum xt_mode *mode);
/* "native", "generic", "offload" or "none" for XDP_FLAGS_*_MODE. */
const char *xt_mode_str(__u32 xdp_flags);
/* "meta", "tc", "auto" for enum xt_bridge; parse returns 0 or -EINVAL. */
const char *xt_bridge_str(__u32 bridge);
int xt_bridge_parse(const char *s, __u32 *bridge);
/* "class", "score", "both"; parse returns 0 or -EINVAL. */
const char *xt_mark_value_str(__u32 what);
int xt_mark_value_parse(const char *s, __u32 *what);

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

/* Remove what xt_attach added.  Prints errors; returns an enum xt_exit. */
int xt_detach(const char *ifname);

/*
 * The global lock every command that creates or removes pins (or rewrites
 * xt_info) holds: an flock on the XT_PIN_ROOT directory (bpffs holds no
 * regular files).  Blocks until free; returns an fd for xt_unlock, or
 * -errno.  xt_lock also mounts bpffs and creates XT_PIN_ROOT if needed.
 */
int xt_lock(void);
void xt_unlock(int fd);

/* File descriptors of an attached interface's pins, -1 when not open. */
struct xt_pinned {
	char ifname[IF_NAMESIZE];
	int rules, active, prefix;	/* classifier maps */
	int state;			/* per-source state tables */
	int cls_stats, tc_stats;	/* per-CPU counters */
	int info;			/* xt_info map */
	int bridge;			/* xt_bridge map */
	struct xt_attach_info info_val;	/* its content at open time */
};

/*
 * Open every map pinned for ifname and read xt_info (the active
 * generation's entry).  Returns 0, -ENOENT if nothing is attached under
 * that name, or another -errno (and closes what it opened): -EPERM for a
 * pin root that is not root's alone, -EXDEV for pins that record the
 * ifindex of another interface, -ESTALE for a directory missing some pins
 * (an attach or detach was killed).  An interface that no longer exists is not
 * an error (info_val.ifindex then differs from the name's).
 */
int xt_pins_open(const char *ifname, struct xt_pinned *p);
void xt_pins_close(struct xt_pinned *p);

/* What went wrong in xt_pins_open() or xt_pins_list(): one line. */
const char *xt_pins_strerror(int err);

/* The classifier maps in the form xt_ruleset_install() takes. */
struct xt_rule_maps xt_pinned_rule_maps(const struct xt_pinned *p);

/* Copy class and rule names and the rule count of f into info. */
void xt_info_set_names(struct xt_attach_info *info,
		       const struct xt_rules_file *f);

/*
 * Names of the attached interfaces (directories under XT_PIN_ROOT), sorted.
 * Fills at most max names; returns how many there are, or -errno
 * (xt_pins_strerror() says why).
 */
int xt_pins_list(char (*names)[IF_NAMESIZE], int max);

#endif
