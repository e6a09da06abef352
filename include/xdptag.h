/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdptag ABI: the one header shared by the BPF programs and user space.
 *
 * Everything here is plain C with fixed-width types so that clang -target bpf
 * and the host compiler lay the structures out identically.  Map definitions
 * live on the BPF side only; this file holds what crosses the boundary: the
 * tag written into XDP metadata, the rule tables user space compiles, the
 * counter layouts, and the mark arithmetic the TC stage applies.
 *
 * docs/tag-format.md documents the tag byte by byte; keep the two in step.
 */
#ifndef XDPTAG_H
#define XDPTAG_H

#include <linux/bpf.h>	/* enum xdp_action */
#include <linux/types.h>

/* ---------------------------------------------------------------- tag --- */

#define XDPTAG_MAGIC	0x7854	/* bytes 0x54 0x78, "Tx", in host order */
#define XDPTAG_VERSION	1

/* Parsed features, one bit each, in xdptag_tag.features. */
enum xt_feature {
	XT_F_VLAN	= 1 << 0,	/* at least one 802.1Q/802.1ad tag */
	XT_F_IPV4	= 1 << 1,
	XT_F_IPV6	= 1 << 2,
	XT_F_ARP	= 1 << 3,
	XT_F_IP_OPTIONS	= 1 << 4,	/* IPv4 IHL > 5 */
	XT_F_IPV6_EXT	= 1 << 5,	/* at least one IPv6 extension header */
	XT_F_FRAGMENT	= 1 << 6,	/* MF set or offset != 0 (v4 or v6) */
	XT_F_TCP	= 1 << 7,
	XT_F_UDP	= 1 << 8,
	XT_F_ICMP	= 1 << 9,
	XT_F_ICMPV6	= 1 << 10,
	XT_F_MALFORMED	= 1 << 11,	/* truncated or inconsistent header */
	XT_F_LAND	= 1 << 12,	/* IP source address == destination */
};
#define XT_F_BITS	13
#define XT_F_SLOTS	(1 << XT_F_BITS)

/* TCP flag bits as they appear in the flags byte (byte 13 of the header). */
enum xt_tcp_flag {
	XT_TCP_FIN = 0x01, XT_TCP_SYN = 0x02, XT_TCP_RST = 0x04,
	XT_TCP_PSH = 0x08, XT_TCP_ACK = 0x10, XT_TCP_URG = 0x20,
	XT_TCP_ECE = 0x40, XT_TCP_CWR = 0x80,
};

/*
 * PSH is left out of the tag's copy of the TCP flags: GRO merges segments
 * whose flags differ only in PSH, FIN or CWR, but never two packets whose
 * metadata differ, so carrying PSH would split every stream at each push.
 * Rules still see the full flags byte.
 */
#define XT_TAG_TCP_FLAGS_MASK	((__u8)~XT_TCP_PSH)

/*
 * The tag, written by XDP at data_meta, in host byte order (metadata never
 * leaves the host).  Fixed 24 bytes: 6.1 caps metadata at 32 bytes and
 * wants a multiple of 4.  Consumers must check magic, version and len before
 * trusting anything else.
 */
struct xdptag_tag {
	__u16 magic;		/* XDPTAG_MAGIC */
	__u8  version;		/* XDPTAG_VERSION */
	__u8  len;		/* sizeof(struct xdptag_tag) */
	__u8  score;		/* sum of matched rule weights, capped at 255 */
	__u8  class_id;		/* class of the highest-weighted matched rule */
	__u8  tcp_flags;	/* flags byte & XT_TAG_TCP_FLAGS_MASK; 0 if not TCP */
	__u8  ip_proto;		/* L4 protocol after IPv6 ext headers; 0 if no IP */
	__u16 features;		/* enum xt_feature */
	__u16 vlan_id;		/* outermost VLAN id; 0 without XT_F_VLAN */
	__u32 reserved;		/* zero in version 1 */
	__u64 rules;		/* bit i set: rule slot i matched */
};

#define XDPTAG_TAG_LEN	24

/*
 * The tag's first word (magic, version, len) as one 32-bit value: the XDP
 * stage writes it in one store, and a consumer tests whether a tag is
 * this version's with one load and one compare (xt_tag_ours()), where
 * each field took a load and a compare (3 instructions a packet at XDP;
 * docs/performance.md, "The tag's first word, and two tests").
 */
static inline __u32 xt_tag_head(void)
{
	const struct xdptag_tag h = { .magic = XDPTAG_MAGIC,
				      .version = XDPTAG_VERSION,
				      .len = XDPTAG_TAG_LEN };
	__u32 w;

	__builtin_memcpy(&w, &h, sizeof(w));
	return w;
}

/* Whether t holds a tag of this version: magic, version and len. */
static inline int xt_tag_ours(const struct xdptag_tag *t)
{
	__u32 w;

	__builtin_memcpy(&w, t, sizeof(w));
	return w == xt_tag_head();
}

/* Score bands: the histogram groups scores 16 at a time (band = score >> 4). */
#define XT_BANDS	16
#define XT_BAND(score)	((score) >> 4)

/* --------------------------------------------------------------- marks --- */

/* What the TC stage folds into skb->mark. */
/* The bits of skb->mark xdptag writes unless told otherwise. */
#define XT_MARK_MASK_DEFAULT	0xff

enum xt_mark_value {
	XT_MARK_CLASS = 0,	/* class id (0-255) */
	XT_MARK_BAND  = 1,	/* score band (0-15) */
	XT_MARK_BOTH  = 2,	/* class << 4 | band (0-4095) */
};

static inline __u32 xt_mark_value(const struct xdptag_tag *tag, __u32 what)
{
	__u32 band = XT_BAND(tag->score);

	if (what == XT_MARK_BAND)
		return band;
	if (what == XT_MARK_BOTH)
		return ((__u32)tag->class_id << 4) | band;
	return tag->class_id;
}

/*
 * The whole contract with other mark users: bits outside mask are never
 * touched.  shift is taken modulo 32 so the expression is defined for any
 * input (the CLI refuses shifts that do not fit anyway).
 */
static inline __u32 xt_mark_apply(__u32 old, __u32 value, __u32 mask,
				  __u32 shift)
{
	return (old & ~mask) | ((value << (shift & 31)) & mask);
}

/*
 * The largest value a setting produces when the ruleset's classes go up to
 * max_class: the mark field is sized from the ruleset, not from the byte
 * (the built-in classes 0-8 fit in 4 bits).
 */
static inline __u32 xt_mark_value_top(__u32 what, __u32 max_class)
{
	return what == XT_MARK_BOTH ? (max_class & 0xff) << 4 | 0xf :
	       what == XT_MARK_BAND ? 0xf : max_class & 0xff;
}

/* The largest value a setting can produce with any ruleset. */
static inline __u32 xt_mark_value_max(__u32 what)
{
	return xt_mark_value_top(what, 0xff);
}

/* ------------------------------------------------------------- rules --- */

#define XT_MAX_RULES	64	/* one bit per rule in a __u64 */
#define XT_MAX_CLASSES	256	/* class ids are one byte */

/*
 * Table slots.  Every small dimension has one extra slot for "this packet
 * has no such field" (no IP, no ports, not ICMP, no VLAN), which holds the
 * rules that do not constrain that dimension.
 */
#define XT_BYTE_SLOTS	257	/* protocol, TTL, TCP flags, ICMP type/code */
#define XT_BYTE_NONE	256
#define XT_PORT_SLOTS	65537
#define XT_PORT_NONE	65536
#define XT_VLAN_SLOTS	4097
#define XT_VLAN_NONE	4096
#define XT_LEN_SLOTS	16384	/* frame lengths >= 16383 share the last slot */
#define XT_LEN_MAX	(XT_LEN_SLOTS - 1)

/*
 * Prefixes: the top 16 bits of an address index a direct table (leaf-pushed
 * bitmaps of all prefixes up to /16, plus where longer prefixes lie below).
 * Longer prefixes are expanded to a multiple of 8 bits and stored in a
 * static hash table that user space builds for each ruleset (struct
 * xt_pfx_slot), or in the chunks below; the program probes only the
 * lengths the ruleset uses.
 */
#define XT_L1_BITS	16
#define XT_L1_SLOTS	(1 << XT_L1_BITS)
#define XT_L1_PART_SHIFT	(32 - XT_L1_BITS - 6)	/* a /22: 64 per /16 */
#define XT_MAX_LEVELS	14	/* /24, /32, ... /128 */
#define XT_MAX_PREFIX_ENTRIES	(1 << 20)	/* per ruleset, after expansion */

enum xt_dir { XT_SRC = 0, XT_DST = 1 };

/*
 * A /16's slot: the rules of the prefixes up to /16 covering it, and a bit
 * per /22 of it saying that longer prefixes lie in that /22.  An address
 * whose /22 holds none has its answer here, without a probe: a big
 * blocklist puts some long prefix in most /16s, but in few of their /22s
 * (docs/performance.md, "The /16's slot says which /22s").  Both words in
 * one slot, so that the answer and the test share a cache line.
 */
struct xt_l1_slot {
	__u64 bits;
	__u64 longer;		/* bit xt_l1_part(): longer prefixes below */
};

struct xt_l1 {
	struct xt_l1_slot s[XT_L1_SLOTS];
};

/* The /22 of a /16 an address is in, from its first 32 bits (host order). */
static inline __u32 xt_l1_part(__u32 top32)
{
	return (top32 >> XT_L1_PART_SHIFT) & 63;
}

/*
 * The table of prefixes longer than /16: open addressing with linear
 * probing, filled by user space (Robin Hood insertion) so that every entry
 * sits at most XT_PFX_MAX_PROBE - 1 slots after its home slot, and at most
 * half the slots are used.  A lookup then reads at most XT_PFX_MAX_PROBE
 * slots and ends early at an empty one.  An ARRAY map does this with plain
 * loads; a kernel hash map costs a jhash and a bucket walk per probe
 * (docs/performance.md).  Each generation has its own table, sized to its
 * ruleset, in the xt_prefix array of maps.
 */
#define XT_PFX_MAX_PROBE	8
#define XT_PFX_MAX_SLOTS	(1 << 22)
#define XT_PFX_USED		(1U << 31)
#define XT_PFX_BUCKET		8	/* slots per map element */

struct xt_pfx_slot {
	__u32 addr[4];		/* masked to the length; IPv4 in addr[0] */
	__u32 meta;		/* xt_pfx_meta(); 0: an empty slot */
	__u32 longer;		/* nonzero: longer prefixes exist below */
	__u64 bits;		/* rules matching any address of this block */
};

/*
 * The table's map element: XT_PFX_BUCKET consecutive slots.  Each map
 * lookup that the verifier cannot inline is a call, dear on CPUs whose
 * return-stack mitigations make every return slow (about 8 ns here,
 * docs/performance.md), so one lookup brings a probe chain's slots, and a
 * second is needed only when the chain crosses into the next bucket.
 */
struct xt_pfx_bucket {
	struct xt_pfx_slot s[XT_PFX_BUCKET];
};

/*
 * IPv4's /24 level, directly indexed (DIR-24-8 style): a /16 whose slot of
 * struct xt_l1 says "longer prefixes" has a chunk of 256 entries, one per
 * /24 under it, in the same table as the hash slots (after them: two
 * elements of XT_PFX_BUCKET slots' size per chunk).  An entry is an index
 * into xt_ruleset.pfx_leaf, the ruleset's distinct answers, plus a flag
 * saying that /32 entries lie below (probed in the hash table, as IPv6's
 * lengths are).  Two dependent loads where a hash probe has a hash, a
 * stored key and a compare (docs/performance.md, "The prefix probes").
 * The hash table then holds no IPv4 /24.  Chunks take 512 bytes, at most
 * 64 MB for every /16 in both directions.  A ruleset with more distinct
 * answers than XT_PFX_LEAVES keeps its /24 level in the hash table
 * (xt_ruleset.v4_chunked 0), as every ruleset did before.
 */
#define XT_PFX_LEAVES		4096
#define XT_PFX_LEAF_LONGER	0x8000	/* /32 entries below this /24 */
#define XT_PFX_CHUNK_ELEMS	2	/* table elements per chunk */

struct xt_pfx_chunk_half {
	__u16 leaf[256 / XT_PFX_CHUNK_ELEMS];
};
_Static_assert(sizeof(struct xt_pfx_chunk_half) == sizeof(struct xt_pfx_bucket),
	       "a half chunk is one element of the prefix table");

/*
 * IPv6's /17-/32 answer, directly indexed the same way: a /16 holding
 * longer IPv6 prefixes may have a chunk of 65,536 entries (128 KB, 512
 * table elements, after the IPv4 chunks) indexed by address bits 16-31,
 * each an index into xt_ruleset.pfx_leaf (shared with IPv4's chunks) plus
 * XT_PFX_LEAF_LONGER when prefixes longer than /32 lie below, which are
 * then probed in the hash table from xt_ruleset.v6_first_long on.  At
 * most XT_PFX_V6_CHUNKS of them (4 MB of table), given to the /16s in
 * order (source first, then by address); the other /16s, and every /16
 * of a ruleset whose answers do not fit in XT_PFX_LEAVES, keep their /24
 * and /32 entries in the hash table (docs/performance.md).
 */
#define XT_PFX_V6_CHUNKS	16
#define XT_PFX_V6_CHUNK_ELEMS	(65536 / (256 / XT_PFX_CHUNK_ELEMS))

/* What a slot is for besides its address: length, direction, family. */
#define XT_PFX_V6	(1U << 9)
static inline __u32 xt_pfx_meta(__u32 plen, __u32 dir, __u32 v6)
{
	return XT_PFX_USED | (v6 ? XT_PFX_V6 : 0) | (dir & 1) << 8 |
	       (plen & 0xff);
}

/*
 * The home slot of a key, shared by the builder and the lookup.  Multiply
 * and xor: a handful of instructions, and every key bit reaches the high
 * half of the product, whose bits the slot index is taken from.  The seed
 * is the builder's to choose (struct xt_ruleset.pfx_seed).
 */
static inline __u32 xt_pfx_hash(const __u32 *addr, __u32 meta, __u32 seed)
{
	const __u64 k = 0x9e3779b97f4a7c15ULL;
	__u64 h = ((__u64)seed << 32 | meta) * k;

	h = (h ^ addr[0]) * k;
	/*
	 * Only the words the prefix length reaches: the rest of a key is
	 * zero (an IPv4 key is one word, an IPv6 /32 too).  Each word is a
	 * multiplication more on the probe's dependent chain: hashing all
	 * four cost the /32 probe of an IPv6 packet about 3 ns
	 * (docs/performance.md).  The length is in the meta, so keys that
	 * share a meta are hashed alike.
	 */
	if (meta & XT_PFX_V6) {
		__u32 plen = meta & 0xff;

		if (plen > 32)
			h = (h ^ addr[1]) * k;
		if (plen > 64)
			h = (h ^ addr[2]) * k;
		if (plen > 96)
			h = (h ^ addr[3]) * k;
	}
	return h >> 32;
}

/* ------------------------------------------------- per-source state --- */

/*
 * Rate and fan-out conditions (docs/rules.md, "Per-source state").  A rule
 * with one has its bit in xt_ruleset.stateful; only packets whose stateless
 * conditions already matched such a rule touch the state table, one entry
 * per source (an IPv4 address, or an IPv6 prefix of st.v6_plen bits) in a
 * set-associative table of the datapath's own (struct xt_src_set), sized
 * from the rules file when the program is loaded.  Each stateful rule k
 * owns slot k of the entry: its own packets feed its own counter.
 */
#define XT_MAX_STATEFUL	8	/* stateful rules per ruleset */
#define XT_FANOUT_BITS	128	/* hashed destinations per fan-out slot */
#define XT_RATE_WINDOW_NS	1000000000ULL	/* rates are per second */

enum xt_state_kind {
	XT_ST_PPS = 1,		/* packets in the window */
	XT_ST_BPS,		/* bytes in the window (frame lengths) */
	XT_ST_DPORTS,		/* distinct destination ports (hashed) */
	XT_ST_DADDRS,		/* distinct destination addresses (hashed) */
};

/*
 * A one-bit word's place in a 64-entry table: the top six bits of its
 * product with a de Bruijn sequence are distinct for each of the 64 bits
 * (BPF has no count-trailing-zeros instruction).
 */
#define XT_DEBRUIJN64	0x03f79d71b4cb0a89ULL
static inline __u32 xt_bit_hash(__u64 bit)
{
	return (bit * XT_DEBRUIJN64) >> 58;
}

/* A stateful rule's slot, kind and limit (xt_state_cfg.by_bit). */
struct xt_state_rule {
	__u32 limit;		/* limit[slot] */
	__u8  slot;		/* rule[slot] is this rule */
	__u8  kind;		/* kind[slot] */
	__u8  pad[2];
};

struct xt_state_cfg {
	__u64 epoch;		/* layout id; entries of another epoch reset */
	__u64 fan_window_ns;	/* fan-out window shared by the ruleset */
	union {			/* IPv6 source key: the address & this */
		__u32 v6_mask[4];
		__u64 v6_mask_w[2];	/* the datapath ANDs words */
	};
	__u32 entries;		/* sources the rules file asks for */
	__u32 hash_seed;	/* fan-out hash seed */
	__u32 sets;		/* sets of the table (xt_state_sets(entries)) */
	__u32 table_seed;	/* xt_src_set_of() seed, random, kept by swaps */
	__u32 jiffy_ns;		/* ns per jiffy (1e9 / CONFIG_HZ), kept by
				 * swaps; 0: the coarse clock (classify.h) */
	__u32 pad32;
	__u32 limit[XT_MAX_STATEFUL];	/* holds when count >= limit */
	__u8  rule[XT_MAX_STATEFUL];	/* rule slot of stateful slot k */
	__u8  kind[XT_MAX_STATEFUL];	/* enum xt_state_kind */
	__u8  n;		/* stateful slots in use */
	__u8  v6_plen;
	__u8  pad[6];
	/*
	 * The same slots seen from the rules, for the datapath, which
	 * visits only the stateful rules a packet matched: entry
	 * xt_bit_hash(1 << r) describes rule r (if it is stateful), so the
	 * rule's lowest set bit leads to its slot, kind and limit with one
	 * load and no bit-index table.
	 */
	struct xt_state_rule by_bit[XT_MAX_RULES];
};

/* The table's key: IPv4 as ::ffff:a.b.c.d, IPv6 masked to v6_plen. */
struct xt_src_key {
	union {
		__u32 addr[4];
		__u64 w[2];	/* the datapath compares two words */
	};
};

/*
 * One source's windows and counts: 64 + 8 * 4 + 8 * 16 = 224 bytes.
 * roll_at is the earlier of the two windows' ends, so that a packet with
 * no window due tests one time, not two.  open and unheld hold rule bits
 * (those of xt_ruleset.stateful, which the epoch fixes), each stored as
 * the complement of what it says, so that the packet's path ANDs them
 * as loaded (BPF has no and-not): open the rules whose count has not
 * reached their limit in this window, unheld those that do not hold (a
 * rule holds when its count reached its limit in this window or the one
 * before: one mask for the packet's verdict, not two).  A rule not open
 * is not counted on (that changes nothing until its window ends).
 * fan_addr and fan_port are the last destination the fan-out slots
 * counted (its address words xored, as xt_fan_addr() takes them, and its
 * port), fan_new the fan-out rules whose hash set may not hold its bit
 * yet: those whose set holds it are not hashed again.  So a packet that
 * changes no count (a flood in progress, a conversation's next packet)
 * tests masks only (docs/performance.md, "The SYN's state path").  A new
 * entry has all three at ~0.  Slot k's count and hash set are cur[k] and
 * seen[k].
 */
struct xt_src_state {
	__u64 rate_start;	/* ns: start of the current rate window */
	__u64 fan_start;	/* ns: start of the current fan-out window */
	__u64 roll_at;		/* ns: the first window end to come */
	__u64 fan_addr;		/* fan_new's destination: address words ^ */
	__u64 fan_new;		/* fan-out rules whose set may lack its bit */
	__u64 open;		/* rules not at their limit in this window */
	__u64 unheld;		/* rules that do not hold (~held) */
	__u16 fan_port;		/* fan_new's destination: port */
	__u8  pad[6];
	__u32 cur[XT_MAX_STATEFUL];	/* this window: packets, bytes or bits set */
	__u64 seen[XT_MAX_STATEFUL][XT_FANOUT_BITS / 64];	/* fan-out: hashes seen */
};
/*
 * Which layout of struct xt_src_state, and which xt_src_set_of(), the
 * epoch is of (user/rules.c state_epoch()): a table pinned by an xdptag of
 * another layout or set hash starts afresh, each entry when its source is
 * next seen.
 */
#define XT_SRC_STATE_LAYOUT	5

/*
 * A destination address as the fan-out hash takes it: its words xored,
 * then folded.  Two packets whose words xor alike (xt_src_state.fan_addr)
 * and whose ports are alike set the same bits in every fan-out slot.
 */
static inline __u32 xt_fan_addr(__u64 daddr_w0, __u64 daddr_w1)
{
	__u64 a = daddr_w0 ^ daddr_w1;

	return a ^ a >> 32;
}

/*
 * The per-source table is an array of sets; a source lives in one way of
 * the set its key hashes to (xt_src_set_of()).  Keys, epochs and times of
 * the ways first, so a probe reads two cache lines before the way it
 * finds.  A way whose epoch is not the ruleset's is free: never used, or
 * counted under other stateful rules (a hot swap that changed them).  A
 * source not in its set takes a free way, else the way seen least
 * recently (docs/rules.md, "Per-source state").  1024 bytes a set: a
 * power of two, so that the verifier's inlined lookup finds the set with
 * a shift, not a multiply.
 */
#define XT_STATE_WAYS	4
#define XT_STATE_ENTRIES	65536	/* state_sources when the file says none */
#define XT_STATE_DEFAULT_SETS	(XT_STATE_ENTRIES / XT_STATE_WAYS)
struct xt_src_set {
	struct xt_src_key key[XT_STATE_WAYS];
	__u64 epoch[XT_STATE_WAYS];	/* xt_state_cfg.epoch, 0: never used */
	__u64 last[XT_STATE_WAYS];	/* ns: the way's last packet */
	struct xt_src_state w[XT_STATE_WAYS];
};
_Static_assert(sizeof(struct xt_src_set) == 1024,
	       "a set is a power of two: the inlined lookup shifts");

/* Sets for a table of `entries` sources (the array's max_entries). */
static inline __u32 xt_state_sets(__u32 entries)
{
	return (entries + XT_STATE_WAYS - 1) / XT_STATE_WAYS;
}

/*
 * The set of a source key: multiply-shift over the key's two words xored
 * (an IPv4 key's address is all in w[1], an IPv6 /64's in w[0]) and the
 * table's random seed, the product's top 32 bits (which every bit of the
 * key reaches) scaled to [0, sets) (any number of sets, no power of two
 * needed).  One multiply and the scaling's on the chain from the address
 * to the entry, where a second round took 3 ns a stateful packet more
 * (docs/performance.md, "The verdict memo").  Not a cryptographic hash:
 * the seed keeps which sources share a set unknown to whoever cannot
 * read it.  Shared by the datapath and by user space, which reads entries
 * in tests.
 */
#define XT_SRC_HASH_K	0x9e3779b97f4a7c15ULL
static inline __u32 xt_src_set_of_xor(__u64 w01, __u32 seed, __u32 sets)
{
	__u64 h = (w01 ^ seed) * XT_SRC_HASH_K;

	return ((h >> 32) * sets) >> 32;
}

static inline __u32 xt_src_set_of(const struct xt_src_key *k, __u32 seed,
				  __u32 sets)
{
	return xt_src_set_of_xor(k->w[0] ^ k->w[1], seed, sets);
}

/*
 * Element i of the tables indexed by 16 bits, side by side: the features,
 * length and port tables, and IPv4's /16 slots (the /16 i, for each
 * direction).  One table whose start is within reach, where six tables of
 * their own (each starting past the one before, megabytes in) cost an IPv4
 * packet an add each.  An index past a field's slots is unused (features <
 * XT_F_SLOTS, len < XT_LEN_SLOTS, every field's XT_PORT_NONE but the
 * ports').  User space walks a 64-bit field as a table of stride
 * XT_BY16_STRIDE (user/rules.c table_fill()), a /16 slot through
 * xt_l1_at().
 */
struct xt_by16 {
	__u64 features;
	__u64 len;
	__u64 sport;
	__u64 dport;
	struct xt_l1_slot pfx4[2];	/* [enum xt_dir] */
};
#define XT_BY16_STRIDE	(sizeof(struct xt_by16) / sizeof(__u64))
_Static_assert((sizeof(struct xt_by16) & (sizeof(struct xt_by16) - 1)) == 0,
	       "xt_by16: a power of two, the index scaled by a shift");

/*
 * One compiled ruleset.  Two live in xt_rules (struct xt_rulesets,
 * generation 0 and 1); xt_active says which one packets use.  Each table
 * maps a packet field to the bitmap of rules whose condition on that
 * field holds; a rule that does not constrain a field has its bit set in
 * every slot.  The rules a packet matches are the AND of one load per
 * table.
 *
 * The order is the datapath's: a BPF load reaches 32 KB past its pointer
 * with its own 16-bit offset, and each field beyond costs an add, or
 * three instructions for a constant one.  So the scalars a packet reads
 * come first, then the byte-indexed tables, then the tables indexed by 16
 * bits, interleaved (struct xt_by16) so that all of them start within
 * reach, then the rest (docs/performance.md, "Instructions per packet").
 */
struct xt_ruleset {
	__u32 nrules;
	__u16 drop_threshold;	/* drop when score >= this; 0 never drops:
				   xt_drops() */
	__u8  v4_nlevels;
	__u8  v6_nlevels;
	__u32 pfx_mask;		/* slots of this generation's table - 1 */
	__u32 pfx_seed;		/* xt_pfx_hash() seed the table was built with */
	__u32 serial;		/* this install's: the verdict memo's key */
	__u32 serial_pad;
	__u64 exempt;		/* allowlist rules: class 0, score 0, no drop */
	__u64 stateful;		/* rules with a rate or fan-out condition */
	__u64 fanout;		/* those of them with a fan-out condition */
	__u64 special;		/* exempt | stateful: the usual packet's one
				   test (classify_packet()) */
	__u64 no_addr;		/* rules with no address condition (non-IP) */
	/* What the tables give a packet without the field, in one load
	 * within reach (set by xt_compile(), user/rules.c). */
	__u64 no_ports;		/* by16[XT_PORT_NONE]'s dport & sport */
	__u64 no_icmp;		/* icmp_type[XT_BYTE_NONE] & icmp_code[...] */
	__u64 no_vlan;		/* vlan[XT_VLAN_NONE], out of reach there */
	__u64 no_l4;		/* no_ports & no_icmp: neither header */
	/* The /24 chunks (above); v4_chunk[dir][/16] counts from that
	 * direction's v4_chunk_base, a table element index. */
	__u32 v4_chunked;
	__u32 v4_chunk_base[2];
	__u32 pfx_nleaves;
	/* IPv6's chunks (above): v6_chunk[dir][/16] is 0 (none) or the
	 * chunk's number + 1, counted from v6_chunk_base, a table element
	 * index; v6_first_long indexes v6_levels' first length above /32. */
	__u32 v6_chunk_base;
	__u8  v6_first_long;
	__u8  v6_nchunks;
	__u16 v6_pad;
	struct xt_state_cfg st;	/* what the stateful rules ask of xt_state */
	__u8  v4_levels[XT_MAX_LEVELS];
	__u8  v6_levels[XT_MAX_LEVELS];
	__u8  weight[XT_MAX_RULES];
	__u8  class_of[XT_MAX_RULES];
	__u64 proto[XT_BYTE_SLOTS];
	__u64 ttl[XT_BYTE_SLOTS];
	__u64 tcp_flags[XT_BYTE_SLOTS];
	__u64 icmp_type[XT_BYTE_SLOTS];
	__u64 icmp_code[XT_BYTE_SLOTS];
	struct xt_by16 by16[XT_PORT_SLOTS];
	__u64 vlan[XT_VLAN_SLOTS];
	struct xt_l1 pfx6[2];	/* IPv6's /16 slots [enum xt_dir] */
	__u64 pfx_leaf[XT_PFX_LEAVES];
	__u16 v4_chunk[2][XT_L1_SLOTS];
	__u8  v6_chunk[2][XT_L1_SLOTS];
};

/* xt_rules' one value: the two generations, indexed by xt_active's bit. */
struct xt_rulesets {
	struct xt_ruleset gen[2];
};

/* The interleaved tables start within a load's reach, and so everything
 * before them, the byte tables' "none" slots too (the comment above). */
_Static_assert(__builtin_offsetof(struct xt_ruleset, by16) +
	       sizeof(struct xt_by16) < 32768,
	       "xt_ruleset: a field the datapath reads out of a load's reach");

/*
 * Where the /16 top (host order) has its slot: at the address's first two
 * bytes as one 16-bit load reads them, so that the datapath indexes the
 * slot with that load alone, no byte swap and no shift (pfx_match(),
 * bpf/lib/classify.h; docs/performance.md, "Five cuts, 17 instructions a
 * frame").  Only the slots: the chunks' numbers (v4_chunk, v6_chunk) are
 * indexed by top itself, read on the rarer path that swaps anyway.
 */
static inline __u32 xt_l1_ix(__u32 top)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (top >> 8 & 0xff) | (top & 0xff) << 8;
#else
	return top & 0xffff;
#endif
}

/*
 * The slot at index ix of family v6 (0: IPv4, 1: IPv6) and direction dir:
 * for loops over every slot, which then walk memory in order (walked by
 * /16, the compile of the default rules took 2.5 times as long).
 */
#define xt_l1_at_ix(rs, v6, dir, ix)					\
	((v6) ? &(rs)->pfx6[(dir) & 1].s[ix] : &(rs)->by16[ix].pfx4[(dir) & 1])

/* The /16 top's slot. */
#define xt_l1_at(rs, v6, dir, top)	xt_l1_at_ix(rs, v6, dir, xt_l1_ix(top))

struct xt_active {
	__u32 gen;		/* 0 or 1: the ruleset packets use */
	__u32 pad;
};

/* Does a drop threshold of at drop a packet of this score? 0 never drops. */
static inline int xt_drops(__u32 at, __u32 score)
{
	return at && score >= at;
}

/* ----------------------------------------------------------- counters --- */

/* XDP's actions, aborted to redirect: what the counters and every
 * listing of actions count (xt_action_names, user/counters.c). */
#define XT_XDP_ACTIONS	(XDP_REDIRECT + 1)

/*
 * The classifier's counters, as readers see them: the CPUs summed, the
 * verdict memo folded in (below).  Per CPU, in struct xt_cls_cpu, written
 * by whichever stage classifies (bpf/lib/maps.h).
 */
struct xt_cls_stats {
	__u64 class_pkts[XT_MAX_CLASSES];
	__u64 class_bytes[XT_MAX_CLASSES];
	__u64 band[XT_BANDS];
	__u64 rule_hits[XT_MAX_RULES];
	__u64 action[XT_XDP_ACTIONS];	/* by XDP action */
	__u64 tagged;		/* tag written into metadata */
	__u64 meta_fail;	/* bpf_xdp_adjust_meta refused: passed untagged */
	__u64 malformed;	/* packets with XT_F_MALFORMED */
	__u64 fragments;	/* packets with XT_F_FRAGMENT (was pad) */
};

/*
 * The verdict memo: the score, class and action of a set of matched rules
 * (the classifier's m), computed once per ruleset, and the packets and
 * bytes of that set counted in its entry instead of in the five counters
 * and the rule hits they stand for.  Per CPU and per classifying stage,
 * XT_MEMO_BUCKETS buckets of XT_MEMO_WAYS entries, the bucket
 * xt_memo_slot()'s.  A set new to its bucket takes over a way held by no
 * set of this ruleset; with both ways held, one packet in
 * XT_MEMO_TAKEOVER takes over the second way, and the others are counted
 * in the counters directly, so two or three frequent sets that share a
 * bucket neither evict each other at every packet nor move counts at a
 * rate that readers could not copy between.  An entry taken over is first
 * folded into the counters (xt_memo_fold()), and readers fold the entries
 * in use into what they read (xt_cls_cpus_sum()).  A few dozen sets of
 * rules are usual: one entry each, found with one or two compares where
 * the score loop took a turn per rule and each counter a read-modify-write
 * (docs/performance.md, "The verdict memo").
 */
#define XT_MEMO_BITS	7
#define XT_MEMO_BUCKETS	(1 << XT_MEMO_BITS)
#define XT_MEMO_WAYS	2
#define XT_MEMO_SLOTS	(XT_MEMO_BUCKETS * XT_MEMO_WAYS)
#define XT_MEMO_TAKEOVER	16	/* a power of two */
#define XT_MEMO_LIVE	0x80000000U	/* in every key: 0 is an empty entry */
#define XT_MEMO_NO_ACTION	0xff	/* the TC stage: no action counted */

enum xt_memo_stage {
	XT_MEMO_XDP,
	XT_MEMO_TC,
	XT_MEMO_STAGES,
};

struct xt_memo_ent {
	__u64 rules;		/* the matched set: the key, with key */
	__u32 key;		/* the ruleset's serial | XT_MEMO_LIVE; 0: empty */
	__u8  score;
	__u8  class_id;
	__u8  action;		/* XDP action counted, or XT_MEMO_NO_ACTION */
	__u8  tagged;		/* XDP: a pass, whose tag goes in unless it
				   fails; copied with the three before it */
	__u64 pkts;		/* packets of this set since the entry was taken */
	__u64 bytes;
};

/*
 * One CPU's entry of the xt_cls_stats map.  fold_begin and fold_end
 * bracket each fold of a memo entry into the counters (a fold_begin++,
 * the fold, a fold_end++); a reader's copy, made from the first byte to
 * the last, that finds them equal saw no fold half done.
 */
/* The size of struct xt_cls_scratch (bpf/lib/classify.h), in words. */
#define XT_SCRATCH_WORDS	10

struct xt_cls_cpu {
	__u64 fold_end;		/* first: copied first */
	struct xt_cls_stats s;
	struct xt_memo_ent memo[XT_MEMO_STAGES][XT_MEMO_SLOTS];
	/* A packet counted directly, as an entry folded at once: map
	 * memory, whose values the verifier does not track, not the stack. */
	struct xt_memo_ent one[XT_MEMO_STAGES];
	__u64 conflicts;	/* misses with both ways held (for takeovers) */
	/*
	 * Not counters, and summed by no reader: each stage's packet being
	 * classified and its verdict (struct xt_cls_scratch,
	 * bpf/lib/classify.h), in map memory so that the verifier knows
	 * nothing of their values: every parser path then reaches the
	 * inlined classifier in the same state and it is checked once
	 * (docs/performance.md, "The classifier inlined").  Here, in the
	 * entry the stage looks up anyway, not in a map of their own: one
	 * lookup less a packet ("Instructions per packet").  One slot per
	 * stage, so that a stage interrupted on its CPU by the other (a
	 * test run, by a softirq) finds its own packet there afterwards
	 * (tests/prog/test_bridge.c, stages_keep_their_scratch);
	 * replay's runners each have their own xt_cls_stats for the same
	 * reason (user/replay.c).
	 */
	__u64 scratch[XT_MEMO_STAGES][XT_SCRATCH_WORDS];
	__u64 fold_begin;	/* last: copied last */
};
/* The kernel refuses per-CPU values over PCPU_MIN_UNIT_SIZE (32 KB): the
 * memo can have 256 slots a stage, not 512. */
_Static_assert(sizeof(struct xt_cls_cpu) <= 32768,
	       "a per-CPU map value is at most 32 KB");

/* The bucket of its stage's memo the set of rules m of ruleset key is in. */
static inline __u32 xt_memo_slot(__u64 m, __u32 key)
{
	return ((m ^ (__u64)key << 32) * 0x9e3779b97f4a7c15ULL) >>
	       (64 - XT_MEMO_BITS);
}

/*
 * The index of the lowest set bit of v (not 0), by its place in a de
 * Bruijn sequence (xt_bit_hash()).
 */
static const __u8 xt_debruijn64[64] = {
	0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6,
};

static inline __u32 xt_lowest_bit(__u64 v)
{
	return xt_debruijn64[xt_bit_hash(v & -v)];
}

/*
 * Add what memo entry e counted to the counters s stands for: its class's
 * packets and bytes, its score's band, its action (and, passed by XDP,
 * tagged: a tag that could not be written took its packet off tagged when
 * it happened), and each of its rules' hits.  The datapath when it takes
 * the entry over, readers for each entry in use: one definition, so the
 * two agree.
 */
static inline void xt_memo_fold(struct xt_cls_stats *s,
				const struct xt_memo_ent *e)
{
	__u64 n = e->pkts, m = e->rules;
	int i;

	if (!(e->key & XT_MEMO_LIVE) || !n)
		return;
	s->class_pkts[e->class_id] += n;
	s->class_bytes[e->class_id] += e->bytes;
	s->band[XT_BAND(e->score)] += n;
	if (e->action < XT_XDP_ACTIONS) {
		s->action[e->action] += n;
		if (e->action == XDP_PASS)
			s->tagged += n;
	}
	for (i = 0; i < XT_MAX_RULES && m; i++) {
		s->rule_hits[xt_lowest_bit(m) & (XT_MAX_RULES - 1)] += n;
		m &= m - 1;
	}
}

/* Per-CPU, one entry, written by the TC stage. */
struct xt_tc_stats {
	__u64 valid;		/* a tag of ours, right version and length */
	__u64 no_meta;		/* no metadata at all */
	__u64 foreign;		/* metadata present, not our magic/version/len */
	__u64 short_meta;	/* metadata shorter than a tag */
	__u64 marked;		/* skb->mark written */
	__u64 classified;	/* classified at TC (bridge tc, or auto fallback) */
	__u64 dropped;		/* TC_ACT_SHOT above the drop threshold (tc) */
	__u64 seen_segs;	/* packets TC saw, a GRO-merged skb counted
				   once per segment: compared with the
				   packets XDP passed, it tells whether TC ran */
};

/*
 * Where classification happens (chosen at attach, docs/metadata-bridge.md):
 * meta: XDP classifies and tags, TC reads the tag;
 * tc:   XDP only counts, TC parses and classifies (drivers without metadata);
 * auto: as meta until TC sees a packet without a valid tag, then as tc.
 */
enum xt_bridge {
	XT_BRIDGE_META = 0,
	XT_BRIDGE_TC = 1,
	XT_BRIDGE_AUTO = 2,
};

/*
 * The XDP stage's options, in its rodata (cfg_xdp), set before load.  All
 * zero is every option at its default (the metadata bridge, metadata
 * written, no explain record, the live clock): the program then runs a
 * copy of its body with each option a constant, and the verifier, which
 * knows rodata's values, keeps only that copy; the other reads the options
 * (bpf/xdp/xdptag.bpf.c, docs/performance.md "Instructions per packet").
 */
union xt_xdp_cfg {
	struct {
		__u8 bridge;		/* enum xt_bridge */
		__u8 no_meta;		/* act as a driver without metadata */
		__u8 explain;		/* fill xt_explain (replay, tests) */
		__u8 clock_user;	/* state windows on xt_clock_ns */
		__u8 frags;		/* loaded as xdp.frags: the frame's
					   length from the helper */
	};
	__u64 any;			/* 0: every option at its default */
};

/* One entry, shared by both stages: the auto mode's switch. */
struct xt_bridge_state {
	__u64 switched_ns;	/* bpf_ktime_get_ns() of the switch; 0: not */
	__u64 trigger;		/* packets that reached TC untagged in auto */
};

/* ------------------------------------------------------------ explain --- */

enum xt_l4 {
	XT_L4_NONE = 0,		/* no IP layer */
	XT_L4_TCP,
	XT_L4_UDP,
	XT_L4_ICMP,
	XT_L4_ICMPV6,
	XT_L4_OTHER,		/* IP, but not one of the above or not parsed */
};

/*
 * What the parser saw, beyond the tag.  Filled only when the XDP object is
 * loaded with cfg_explain set (replay, tests); production loads compile the
 * store away.
 */
struct xt_explain {
	__u32 len;		/* frame length seen by the program */
	__u32 action;		/* XDP verdict */
	__u16 eth_proto;	/* ethertype after VLAN tags, host order */
	__u16 sport;
	__u16 dport;
	__u8  vlans;
	__u8  l4;		/* enum xt_l4 */
	__u8  tcp_flags;	/* full flags byte */
	__u8  ttl;
	__u8  icmp_type;
	__u8  icmp_code;
	__u32 seq;		/* bumped per packet: tells a stale record */
	/* The verdict, also for dropped packets, which carry no tag. */
	__u16 features;		/* enum xt_feature */
	__u8  ip_proto;
	__u8  l4_ok;		/* the L4 header held ports / flags / type */
	__u8  score;
	__u8  class_id;
	__u8  l3_ok;		/* the IP header was complete */
	__u8  pad;
	__u64 rules;
};

/* ------------------------------------------------------------ capture --- */

/*
 * `xdptag capture` (docs/capture.md).  The XDP stage reads one flag per
 * packet (xt_cap.cfg.on); only while a capture runs does it test the
 * packet against the filter, apply the per-second limit and copy the
 * first snaplen bytes with the verdict into the xt_cap_ring ring buffer.
 * The capturing process writes cfg through a memory mapping of xt_cap and
 * reads st from it; the program writes only st.
 */
#define XT_CAP_SNAP_MAX	2048	/* a power of 2 (bpf/xdp/capture.h) */

/*
 * The ELF section the XDP object keeps its struct xt_cap in (bpf/lib/
 * maps.h), and so the name libbpf gives that map in the object
 * (bpf_map__name(), bpf_object__find_map_by_name()) and in the kernel.  It
 * is pinned as xt_cap all the same (user/pins.c).
 */
#define XT_CAP_SEC	".data.xt_cap"
/* The same for struct xt_active, pinned as xt_active. */
#define XT_ACTIVE_SEC	".data.xt_active"
/*
 * The same for struct xt_rulesets, pinned as xt_rules: the one global in
 * the objects' .bss, whose map libbpf makes mmapable and the programs
 * reach by address, without a map lookup's key on the stack, bounds test
 * and NULL test (3.2 instructions a frame on the mix; docs/performance.md,
 * "Instructions per packet").  Not a .data.* section: the object would
 * carry its 13 MB of zeroes; nor .bss.*, which Debian 12's libbpf (1.1)
 * skips.  User space refuses the map at another size (rulesets_map(),
 * user/ruleset_load.c), so a second zeroed global, which would share the
 * section, fails at the first load.
 */
#define XT_RULES_SEC	".bss"
/* The replay's clock (bpf/lib/classify.h, xt_clock_ns): not in .bss. */
#define XT_CLOCK_SEC	".data.xt_clock"

enum xt_cap_flag {
	XT_CAP_CLASS	= 1 << 0,	/* class_id must equal cfg.class_id */
	XT_CAP_DROPPED	= 1 << 1,	/* only packets the stage drops */
};

struct xt_cap_cfg {
	__u32 on;		/* nonzero: a capture is running */
	__u32 owner;		/* its process id, for a stale flag's owner */
	__u32 snaplen;		/* bytes of each packet, 1-XT_CAP_SNAP_MAX */
	__u32 rate;		/* packets per second at most, 0: no limit */
	__u32 flags;		/* enum xt_cap_flag */
	__u8  class_id;		/* with XT_CAP_CLASS */
	__u8  min_score;	/* score at least this */
	__u16 pad;
	__u64 rules;		/* any of these rules matched; 0: any packet */
};

/* Written by the program (atomic adds: every CPU shares one entry). */
struct xt_cap_state {
	__u64 win;		/* the one-second window win_n counts in */
	__u64 win_n;		/* packets sampled, or refused, in win */
	__u64 matched;		/* packets that passed the filter */
	__u64 sampled;		/* records submitted to the ring */
	__u64 rate_limited;	/* matched, over the per-second limit */
	__u64 ring_full;	/* matched, no room in the ring */
};

struct xt_cap {
	struct xt_cap_cfg cfg;
	struct xt_cap_state st;
};

/* One ring-buffer record: the verdict, then the packet's first bytes. */
struct xt_cap_rec {
	__u64 ts_ns;		/* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u64 rules;		/* matched rule bitmap */
	__u32 wire_len;		/* frame length the program saw */
	__u32 cap_len;		/* bytes in data */
	__u8  score;
	__u8  class_id;
	__u8  action;		/* XDP verdict */
	__u8  tagged;		/* the tag went into the metadata */
	__u16 features;		/* enum xt_feature */
	__u16 pad;
	__u8  data[XT_CAP_SNAP_MAX];
};

/* What `replay --live`'s observer saw of a packet at TC, after xdptag. */
struct xt_live_rec {
	__u32 len;		/* skb->len */
	__u32 mark;		/* skb->mark after xdptag's TC stage */
	__u32 tagged;		/* a valid tag of ours in the metadata */
	__u32 pad;
	struct xdptag_tag tag;
};

#endif /* XDPTAG_H */
