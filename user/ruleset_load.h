/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Loading a compiled ruleset into the maps of a loaded XDP object. */
#ifndef XDPTAG_RULESET_LOAD_H
#define XDPTAG_RULESET_LOAD_H

#include "rules.h"

/* File descriptors of the classifier's maps (bpf/lib/classify.h). */
struct xt_rule_maps {
	int rules;	/* xt_rules: two generations */
	int active;	/* xt_active: which one packets use */
	int prefix;	/* xt_prefix: each generation's prefix table */
	int state;	/* xt_state: the per-source table, both generations' */
};

/*
 * The classifier's maps of a loaded object (the XDP or the TC stage's, or
 * a bench variant's), found by name.  The one list of them.
 */
struct bpf_object;
struct xt_rule_maps xt_rule_maps_of(const struct bpf_object *obj);

/*
 * Install c as the ruleset packets use, without a gap and without mixing:
 * fill the idle generation, flip xt_active, wait until no program can still
 * be running with the old generation (an RCU grace period), then drop the
 * old generation's prefix table.  The per-source table stays: c's state
 * epoch decides whether its entries still count (xt_state in
 * bpf/lib/maps.h); it keeps the size it was loaded with, whatever c's
 * state_sources (`rules load` says so).  Returns 0 or -errno.
 *
 * The flip is the commit point: a process killed before it leaves the old
 * ruleset in use, one killed after it the new one (and at worst the old
 * generation's prefix table, which the next install replaces).
 */
int xt_ruleset_install(const struct xt_rule_maps *m, const struct xt_compiled *c);

/* A copy of generation gen of the rulesets in rules_fd.  0 or -errno. */
int xt_ruleset_read(int rules_fd, __u32 gen, struct xt_ruleset *rs);

/*
 * The same, with what names the ruleset (rule and class names, its file:
 * struct xt_attach_info in user/pins.h): info is written to the idle
 * generation's entry of the map info_fd before the flip, so the names in
 * the active generation's entry always describe the rules packets meet,
 * whenever the process dies.
 */
struct xt_attach_info;
int xt_ruleset_install_named(const struct xt_rule_maps *m,
			     const struct xt_compiled *c, int info_fd,
			     const struct xt_attach_info *info);

/*
 * Size the per-source table of an object not loaded yet (its xt_state
 * map) for a rules file's state_sources: the loaded table keeps this size.
 * 0 or -errno.
 */
struct bpf_map;
int xt_state_table_size(struct bpf_map *map, __u32 entries);

/* The sources the loaded per-source table (fd) holds, in *holds; 0 or -errno. */
int xt_state_table_sources(int fd, __u32 *holds);

/*
 * The state windows' clock: ns per jiffy, 1e9 / CONFIG_HZ rounded, from
 * the running kernel's config (/proc/config.gz, else
 * /boot/config-RELEASE), or 0 when neither says (the datapath then reads
 * the coarse clock instead of jiffies).  _from: from that file, gzipped
 * or plain.
 */
__u32 xt_jiffy_ns(void);
__u32 xt_jiffy_ns_from(const char *path);

/*
 * Wait until no XDP or TC program can still be running with what it read
 * before the call (an RCU grace period).  Returns 0.
 */
int xt_rcu_wait(void);

/* The generation packets use now, or -errno. */
int xt_ruleset_active_gen(const struct xt_rule_maps *m);

/*
 * xt_active counts flips (the datapath uses its lowest bit): the count,
 * for readers that must notice a flip between two reads.  0 or -errno.
 */
int xt_ruleset_flips(int active_fd, __u32 *flips);

/*
 * Look key up in the array fd into val, size bytes, or update the bytes
 * of the entry that val's size covers, whatever the map's value size: a
 * map pinned by another xdptag version may hold more or fewer bytes (a
 * plain lookup would write past val).  Bytes the map does not have read
 * as zero.  0 or -errno.
 */
int xt_map_lookup_fit(int fd, __u32 key, void *val, size_t size);
int xt_map_update_fit(int fd, __u32 key, const void *val, size_t size);

#endif
