/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Rules, user-space side: the C API that describes rules and compiles them
 * into the tables the BPF classifier reads (struct xt_ruleset plus the prefix
 * slot table).  The rules file (YAML) is parsed into these structures by
 * rules_file.c; tests and tools may build them directly.
 */
#ifndef XDPTAG_RULES_H
#define XDPTAG_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "xdptag.h"

#define XT_NAME_MAX	48

/*
 * Inclusive range of values; a list of them is a set.  A negated range
 * ("!53") takes its values out: the set is the union of the plain ranges
 * (every value if there are none) minus the negated ones.
 */
struct xt_range {
	uint32_t lo, hi;
	bool neg;
};

struct xt_ranges {
	size_t n;		/* 0: the rule does not constrain this field */
	struct xt_range *r;
};

struct xt_prefix {
	uint8_t family;		/* 4 or 6 */
	uint8_t plen;
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes */
	bool neg;		/* "!prefix": addresses under it never match */
};

struct xt_prefixes {
	size_t n;		/* 0: any address */
	struct xt_prefix *p;
};

/* (flags & mask) == value; a rule may list alternatives (any one matches). */
struct xt_tcp_cond {
	uint8_t mask, value;
};

struct xt_rule {
	char name[XT_NAME_MAX];
	/*
	 * Not a rule: a slot kept empty by a hot swap (a removed rule's, so no
	 * other rule inherits its counter).  It has no name, takes no part in
	 * the name check and matches nothing; the other fields are ignored.
	 */
	bool vacant;
	uint8_t weight;
	uint8_t class_id;
	struct xt_prefixes src, dst;
	struct xt_ranges proto;		/* IP protocol (after IPv6 ext) */
	struct xt_ranges sport, dport;	/* implies a TCP/UDP header */
	size_t ntcp;			/* 0: flags not constrained */
	struct xt_tcp_cond tcp[8];	/* implies TCP */
	struct xt_ranges icmp_type;	/* implies ICMP or ICMPv6 */
	struct xt_ranges icmp_code;
	struct xt_ranges len;		/* frame length */
	struct xt_ranges ttl;		/* TTL / hop limit; implies IP */
	struct xt_ranges vlan;		/* outermost VLAN id; implies a tag */
	uint16_t feat_set;		/* these features must all be set */
	uint16_t feat_clear;		/* and these all clear */
	bool exempt;			/* allowlist: class 0, score 0, no drop */
	uint8_t st_kind;		/* enum xt_state_kind; 0: stateless */
	uint32_t st_limit;		/* pps, bytes/s, or distinct count */
	uint64_t st_window_ns;		/* fan-out window */
};

/* Per-source state defaults (settings state_sources, state_ipv6_prefix;
 * XT_STATE_ENTRIES is in xdptag.h, where the map's default size reads it). */
#define XT_STATE_V6_PLEN	64
#define XT_FANOUT_WINDOW_NS	(10ULL * 1000000000ULL)
#define XT_FANOUT_MAX		100	/* distinct values a fan-out can count */
#define XT_STATE_MAX_ENTRIES	(1U << 24)

/*
 * A compiled ruleset: the tables, the prefix entries beyond /16 (expanded
 * to a multiple of 8 bits), and the slot table built from those entries,
 * which is what the datapath reads (struct xt_pfx_slot in xdptag.h).
 */
struct xt_pfx_key {
	__u8 dir;		/* enum xt_dir */
	__u8 family;		/* 4 or 6 */
	__u8 plen;		/* a multiple of 8, > 16 */
	__u8 pad;
	__u8 addr[16];		/* masked to plen; IPv4 in the first 4 bytes */
};

struct xt_pfx_val {
	__u64 bits;		/* rules matching any address of this block */
	__u64 longer;		/* nonzero: longer prefixes exist below */
	__u64 neg;		/* rules excluding this block ("!prefix") */
};

struct xt_pfx_entry {
	struct xt_pfx_key key;
	struct xt_pfx_val val;
};

struct xt_compiled {
	struct xt_ruleset *rs;	/* ~5.9 MB, malloc'd */
	size_t nentries;
	struct xt_pfx_entry *entries;
	size_t nslots;		/* 0 when there are no entries */
	struct xt_pfx_slot *slots;
	size_t nchunk_elems;	/* the chunks' table elements (IPv4's, then
				 * IPv6's), after the slots' (include/xdptag.h);
				 * 0: none */
	struct xt_pfx_chunk_half *chunks;
	unsigned int tab_passes;	/* insertion passes (sizes x seeds) tried */
};

/* Compile nrules rules (slot i = rules[i]) with a drop threshold (0: off). */
int xt_compile(const struct xt_rule *rules, size_t nrules,
	       unsigned int drop_threshold, struct xt_compiled *out,
	       char *err, size_t errlen);
void xt_compiled_free(struct xt_compiled *c);

/*
 * Size the per-source table and the IPv6 source key of a compiled ruleset
 * (xt_compile uses XT_STATE_ENTRIES and XT_STATE_V6_PLEN); recomputes the
 * state epoch, which says whether a hot swap may keep the old table.
 */
void xt_state_size(struct xt_ruleset *rs, uint32_t entries, uint32_t v6_plen);

/*
 * Nonzero: xt_compile() leaves IPv4's /24 level in the hash table, as
 * before the chunks (the bench's pfx-hash24 rows, docs/performance.md).
 */
extern int xt_pfx_no_chunks;

/* The same for IPv6's /24 and /32 levels (the bench's pfx-hash6 rows). */
extern int xt_pfx_no_v6_chunks;

/*
 * The chunk entry that the datapath reads for address addr of family
 * (4 or 6) in direction dir (an index into rs->pfx_leaf, with
 * XT_PFX_LEAF_LONGER), or -1 when c has no chunk for its /16 (tests).
 */
int xt_pfx_chunk_leaf(const struct xt_compiled *c, int dir, int family,
		      const uint8_t *addr);

/*
 * The slot the datapath would find for key and meta in c's hash table, or
 * NULL (a chunked ruleset's IPv4 /24s are not there: xt_pfx_chunk_leaf()).
 */
const struct xt_pfx_slot *xt_pfx_find(const struct xt_compiled *c,
				      const __u32 *key, __u32 meta);

/* Free the dynamic parts of a rule (its range and prefix lists). */
void xt_rule_free(struct xt_rule *r);

/* Append helpers for building rules in C; return -ENOMEM on failure. */
int xt_ranges_add(struct xt_ranges *rs, uint32_t lo, uint32_t hi);
int xt_ranges_add_not(struct xt_ranges *rs, uint32_t lo, uint32_t hi);
int xt_prefixes_add(struct xt_prefixes *ps, const struct xt_prefix *p);

/* "10.0.0.0/8", "2001:db8::/32", "192.0.2.1" (a host): 0 or -EINVAL. */
int xt_prefix_parse(const char *s, struct xt_prefix *p);
/* The inverse, into buf (at least 64 bytes). */
const char *xt_prefix_str(const struct xt_prefix *p, char *buf, size_t len);

/* Names of the features, bit i = 1 << i; NULL-terminated. */
extern const char *const xt_feature_names[];
int xt_feature_lookup(const char *name);	/* bit value, or -1 */

#endif /* XDPTAG_RULES_H */
