/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What an attached interface leaves in bpffs, the only state xdptag keeps:
 * one directory XT_PIN_ROOT/IFNAME whose pins xt_pin_table (user/pins.c)
 * lists, and reading and writing them (pins.c).  Everything a later
 * `xdptag` process needs (status, stats, rules load, detach) is read back
 * from there; nothing is kept elsewhere.
 *
 * XT_PIN_ROOT must be root's, mode 0700, in a parent others cannot rename
 * it out of: whoever can write in it can swap two interfaces' pins, and
 * whoever can open it can hold the lock (an flock on it, user/lock.c).
 * xt_info records the ifindex, and every command checks it against the
 * interface's name.
 */
#ifndef XDPTAG_PINS_H
#define XDPTAG_PINS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include "xdptag.h"
#include "ruleset_load.h"

#define XT_PIN_ROOT	"/sys/fs/bpf/xdptag"
/* XT_PIN_ROOT/IFNAME always fits. */
#define XT_PIN_DIR_LEN	64
#define XT_CLASS_NAME_MAX	32
#define XT_RULE_NAME_MAX	48

/* The pins of an interface's directory: xt_pin_table[] says what each is. */
enum xt_pin {
	XT_PIN_INFO,		/* first made: the record */
	XT_PIN_XDP_PROG,
	XT_PIN_TC_PROG,
	XT_PIN_TC_LINK,
	XT_PIN_RULES,
	XT_PIN_ACTIVE,		/* its generation: removed last, after it */
	XT_PIN_PREFIX,
	XT_PIN_STATE,
	XT_PIN_CLS_STATS,
	XT_PIN_TC_STATS,
	XT_PIN_BRIDGE,
	XT_PIN_CAP,
	XT_PIN_CAP_RING,
	XT_PIN_NR,
};

enum xt_pin_kind { XT_PIN_MAP, XT_PIN_PROG, XT_PIN_LINK };

/* Whose object the pinned fd comes from. */
enum xt_pin_obj { XT_PIN_OBJ_XDP, XT_PIN_OBJ_TC, XT_PIN_OBJ_USER };

/* When the pin exists in a complete directory. */
enum xt_pin_when {
	XT_PIN_ALWAYS,
	XT_PIN_TCX_ONLY,	/* the TC stage went through tcx */
};

/*
 * What this build makes a map pin as.  Pins of another xdptag version may
 * hold another layout, which its programs still read: xt_pins_open() and
 * xt_pin_open() refuse them (tests/unit/test_pins.c checks these against
 * the BPF objects' own definitions).
 */
struct xt_pin_layout {
	__u32 type;		/* enum bpf_map_type */
	__u32 key_size, value_size;
};

struct xt_pin_desc {
	const char *name;	/* file name in the directory */
	enum xt_pin_kind kind;
	enum xt_pin_obj obj;
	const char *bpf_name;	/* map or program in obj; NULL: name */
	enum xt_pin_when when;
	size_t open_at;		/* xt_pins_open keeps its fd at this offset
				   of struct xt_pinned; 0: not opened */
	const char *what;	/* one line, for docs/cli.md */
	struct xt_pin_layout map;	/* maps only */
};

extern const struct xt_pin_desc xt_pin_table[XT_PIN_NR];

/*
 * How far an attach or detach got (docs/robustness.md, crash consistency).
 * attach pins everything (ATTACHING) before it attaches a program and
 * says ATTACHED last; detach says DETACHING first and removes the pins
 * last.  A process killed in between leaves the record the next attach or
 * detach reads to undo the rest.
 */
enum xt_attach_state {
	XT_STATE_ATTACHING = 1,
	XT_STATE_ATTACHED = 2,
	XT_STATE_DETACHING = 3,
};

/*
 * Written at attach, read by all.  xt_info holds one per ruleset
 * generation: entry g describes the interface while xt_active selects g.
 * `rules load` writes the idle entry (names, file, threshold) before it
 * flips xt_active, so the names change with the rules, at the same instant.
 * Fields are only ever added at the end or in padding: what detach needs
 * stays where every version put it (xt_info_read()).
 */
struct xt_attach_info {
	__u32 ifindex;
	__u32 xdp_flags;	/* XDP_FLAGS_SKB_MODE / DRV_MODE / HW_MODE used */
	__u32 xdp_prog_id;
	__u32 tc_prog_id;
	__u32 tc_handle;	/* cls only */
	__u32 tc_prio;		/* cls only */
	__u32 created_clsact;	/* 1: detach removes the clsact qdisc */
	__u32 mark_mask;
	__u32 mark_shift;
	__u32 mark_value;	/* enum xt_mark_value */
	__u32 drop_threshold;
	__u32 nrules;
	__u32 bridge;		/* enum xt_bridge */
	__u32 state;		/* enum xt_attach_state */
	__u32 tc_attach;	/* enum xt_tc_attach (hooks.h); 0, cls, in
				   pins of xdptag before tcx support */
	__u32 xdp_attach;	/* enum xt_xdp_attach (hooks.h), not auto;
				   was padding, 0 in older pins */
	__u64 attached_at;	/* CLOCK_REALTIME seconds */
	char rules_path[256];	/* "" for the built-in default ruleset */
	char class_name[XT_MAX_CLASSES][XT_CLASS_NAME_MAX];
	char rule_name[XT_MAX_RULES][XT_RULE_NAME_MAX];
	__u64 netns;		/* inode of the network namespace attached
				   in (xt_netns_self()); 0: not known */
	__u32 xdp_frags;	/* 1: the XDP program is xdp.frags
				   (multi-buffer); 0 in older pins */
	__u32 pad;
};

/*
 * File descriptors of an attached interface's pins (those of xt_pin_table
 * with an open_at), -1 when not open.
 */
struct xt_pinned {
	char ifname[IF_NAMESIZE];	/* first: offset 0 is no fd */
	int rules, active, prefix;	/* classifier maps */
	int state;			/* per-source state tables */
	int cls_stats, tc_stats;	/* per-CPU counters */
	int info;			/* xt_info map */
	int bridge;			/* xt_bridge map */
	struct xt_attach_info info_val;	/* its content at open time */
};

/*
 * Open every map of xt_pin_table with an open_at for ifname and read
 * xt_info (the active generation's entry).  Returns 0, -ENOENT if nothing
 * is attached under that name, or another -errno (and closes what it
 * opened): -EPERM for a pin root that is not root's alone, -EXDEV,
 * XT_PINS_REUSED or XT_PINS_RENAMED for pins that record the ifindex of
 * another interface (xt_pins_here()), -ESTALE for a directory
 * missing some pins (an attach or detach was killed), -EPROTO for maps of
 * another layout than this build's (pins of another xdptag version;
 * info_val is read all the same, for attach --force to replace them).  An interface that
 * no longer exists is not an error (info_val.ifindex then differs from the
 * name's).
 */
int xt_pins_open(const char *ifname, struct xt_pinned *p);
void xt_pins_close(struct xt_pinned *p);

/*
 * Why the attachment whose pins p holds cannot be acted on (rules load,
 * capture): an attach or detach of it was interrupted, or its interface is
 * gone.  One phrase naming the command that mends it, or NULL when it can.
 */
const char *xt_pinned_unusable(const struct xt_pinned *p);

/*
 * The rules of the attached ruleset: its named slots.  nrules counts slots,
 * which after a hot swap include vacant ones (docs/rules.md, "Hot swap").
 */
unsigned int xt_info_rules(const struct xt_attach_info *info);

/* The id of the map fd refers to, 0 if it cannot be read. */
__u32 xt_map_id(int fd);
/* Move the open pins of src to dst: closing src then closes nothing. */
void xt_pins_take(struct xt_pinned *dst, struct xt_pinned *src);

/* What went wrong in xt_pins_open(), xt_pins_list() or the lock: one line. */
const char *xt_pins_strerror(int err);

/*
 * One pin of ifname's directory: an fd, or -1 with errno set (EPROTO: a
 * map of another layout, xt_pins_strerror(-EPROTO) says which).
 */
int xt_pin_open(const char *ifname, enum xt_pin pin);

/*
 * Names of the attached interfaces (directories under XT_PIN_ROOT), sorted.
 * Fills at most max names; returns how many there are, or -errno
 * (xt_pins_strerror() says why).
 */
int xt_pins_list(char (*names)[IF_NAMESIZE], int max);

/*
 * Call fn for every attached interface, in name order, with its pins open
 * (err 0; closed after fn returns unless fn took them, xt_pins_take()) or
 * with the error of xt_pins_open() (p->ifname is set either way).  fn
 * returns 0 to go on, or a positive value that stops the walk.  Returns
 * that value, 0, or -errno when the interfaces cannot be listed
 * (xt_pins_strerror() says why; no bpffs or no pin root is an empty list).
 */
typedef int (*xt_pins_fn)(struct xt_pinned *p, int err, void *arg);
int xt_pins_foreach(xt_pins_fn fn, void *arg);

/* The classifier maps in the form xt_ruleset_install() takes. */
struct xt_rule_maps xt_pinned_rule_maps(const struct xt_pinned *p);

/* Copy class and rule names and the rule count of f into info. */
struct xt_rules_file;
void xt_info_set_names(struct xt_attach_info *info,
		       const struct xt_rules_file *f);

/* ---- For attach, detach and the lock (attach.c, lock.c) ---- */

/* XT_PIN_ROOT/IFNAME, and where attach --force keeps the pins it replaces
 * until the new ones say ATTACHED (":old-IFNAME", no interface's name). */
void xt_pin_dir(const char *ifname, char *buf, size_t len);
void xt_pin_dir_old(const char *ifname, char *buf, size_t len);

/* XT_PIN_ROOT opened for reading and checked (see above): fd or -errno. */
int xt_pin_root_open(void);

/* One pin of a directory, its layout unchecked: an fd, or -1 with errno. */
int xt_pin_get(const char *dir, enum xt_pin pin);

/*
 * Pin in dir every XT_PIN_ALWAYS pin of the table: programs and maps
 * from the loaded objects xdp and tc, xt_info from info_fd, xt_info first.
 * Prints errors; returns 0 or -errno (dir may then hold some).
 */
struct bpf_object;
int xt_pins_create(const char *dir, struct bpf_object *xdp,
		   struct bpf_object *tc, int info_fd);

/*
 * If map, of a classifying object, is one every such object of an
 * interface (the XDP and TC stages, replay's runners) takes from the XDP
 * object, obj's map of the same part, else NULL: those of .maps, and of
 * the global data only xt_active (the generation: XT_ACTIVE_SEC) and
 * xt_rules (the rulesets: XT_RULES_SEC).  Callers leave out those each
 * has its own.
 */
struct bpf_map;
struct bpf_object;
struct bpf_map *xt_map_twin(const struct bpf_object *obj,
			    const struct bpf_map *map);

/*
 * Remove every pin in dir, then dir: the record (xt_info, then xt_active)
 * last, so that a process killed in here leaves the record of what it was
 * doing.  0 or -errno.
 */
int xt_pins_remove(const char *dir);

/*
 * The entry of xt_info that describes the active generation (active_fd
 * -1: entry 0, a directory whose attach was killed while pinning), and
 * rewriting it (attach and detach hold the lock: no flip comes between).
 * Another xdptag version's xt_info, larger or smaller, is read and written
 * in the fields both know, so that detach and attach --force can undo it.
 */
int xt_info_read(int info_fd, int active_fd, struct xt_attach_info *info);
int xt_info_write_active(int info_fd, int active_fd,
			 const struct xt_attach_info *info);

/*
 * Pins are named by interface name, and names repeat across network
 * namespaces (every container has an eth0): pins under ifname describe
 * the interface of that name here, or none.  -EREMOTE: they were made in
 * another network namespace, which still exists (xt_pins_strerror() says
 * how to run xdptag there); when they record the ifindex of another
 * interface, XT_PINS_REUSED: it runs none of their programs (a deleted
 * one's index reused: the pins are stale), XT_PINS_RENAMED: it does and
 * has no pins of its own (theirs, renamed), -EXDEV: it does and has (the
 * directories were swapped: refused); else 0, with info->ifindex 0 when
 * the namespace they were made in is gone, and its interfaces with it.
 * xt_pins_strerror() says what mends each.
 */
#define XT_PINS_REUSED	(-EIDRM)
#define XT_PINS_RENAMED	(-ENXIO)
int xt_pins_here(const char *ifname, struct xt_attach_info *info);

/* The inode of this process's network namespace, 0 when unknown. */
__u64 xt_netns_self(void);

#endif
