/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Packet parser shared by the XDP and TC programs, and compiled for user
 * space too (fuzzing), so it uses no BPF helper.
 *
 * Cursor style: each parse_*() checks that its header lies before `end`,
 * records what it found, advances the cursor and returns the next protocol,
 * or XT_PARSE_STOP when there is nothing more to parse.  Truncated or
 * inconsistent headers set XT_F_MALFORMED and stop; the packet is still
 * classified and passed.  Nothing is read past `end`: every access follows a
 * comparison the verifier can see, re-done after each variable advance.
 *
 * Above IP a header must also lie within the datagram, as the IP header's
 * length gives it (`room`), not only within the frame: the bytes after it
 * are Ethernet padding or a trailer, which the kernel trims before TCP or
 * UDP sees them, and a header read from them would be classified as
 * traffic no stack receives (an XMAS scan made of trailer bytes).  A
 * datagram longer than the frame is not flagged: what the parser sees may
 * be less than the packet (TC's linear part, a test run's first page, a
 * capture's snaplen), and the headers it finds are whole.
 */
#ifndef XDPTAG_PARSE_H
#define XDPTAG_PARSE_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "xdptag.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#ifndef XT_MAX_VLANS
#define XT_MAX_VLANS	4
#endif
#ifndef XT_MAX_EXTHDRS
#define XT_MAX_EXTHDRS	8
#endif
#define XT_PARSE_STOP	(-1)

#ifndef ETH_P_8021AD
#define ETH_P_8021AD	0x88A8
#endif
#define XT_ETH_P_QINQ1	0x9100	/* pre-standard QinQ TPID */

#ifndef IPPROTO_MH
#define IPPROTO_MH	135
#endif

struct xt_cursor {
	void *pos;
	void *end;
	/* Datagram bytes from pos on, set by the IP parsers. */
	int room;
};

/*
 * The room of a datagram whose length field is zero, bounded by the frame
 * alone: the stack's GSO packets over 64 KiB (BIG TCP) leave IPv4's total
 * length and IPv6's payload length zero, at TC and in captures taken on a
 * host, and so does an IPv6 jumbogram (RFC 2675).
 */
#define XT_ROOM_ANY	0x7fffffff

/*
 * A byte a table of the classifier is indexed by, with its "none" byte
 * above it: the 16 bits together are the table's index, the byte itself
 * or XT_BYTE_NONE (256) while the parser has not set it (xt_pkt_init() sets
 * the none byte, and the parser writes the field as 16 bits, clearing it,
 * where it learns the byte).  The classifier then loads the index, with no
 * test of whether the header was there (docs/performance.md, "Instructions
 * per packet").
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define XT_IX_BYTE(f)	union { __u16 ix_##f; struct { __u8 f; __u8 f##_none; }; }
#else
#define XT_IX_BYTE(f)	union { __u16 ix_##f; struct { __u8 f##_none; __u8 f; }; }
#endif

/* xt_pkt.l3_ok: which IP header was complete, the classifier's one
 * test of the family (classify_rules()). */
#define XT_L3_IPV4	1
#define XT_L3_IPV6	2

/* Everything the classifier needs from one packet. */
struct xt_pkt {
	union {
		struct {
			__u32 len;	/* frame length */
			/* Together, as the tag carries them: one copy. */
			union {
				struct {
					__u16 features;	/* enum xt_feature */
					__u16 vlan_id;	/* outermost tag */
				};
				__u32 features_vlan;
			};
		};
		__u64 len_word;	/* the length, with no features yet */
	};
	union {
		struct {
			XT_IX_BYTE(ip_proto);	/* set with l3_ok */
			XT_IX_BYTE(ttl);	/* set with l3_ok */
			XT_IX_BYTE(tcp_flags);	/* set with l4_ok, TCP */
			__be16 eth_proto_be;	/* after VLAN tags, as on
						   the wire: no swap */
		};
		__u64 ix_word;	/* xt_pkt_init()'s one store */
	};
	__u8  vlans;
	__u8  l4;		/* enum xt_l4 */
	__u8  icmp_type;
	__u8  icmp_code;
	__u8  l4_ok;		/* L4 header long enough for its fields */
	__u8  ports_ok;		/* and they hold ports (TCP, UDP): the parser
				   sets both in one store, the classifier
				   tests one byte */
	__u8  l3_ok;		/* IP header complete: addresses, TTL valid;
				   XT_L3_IPV4 or XT_L3_IPV6 */
	__u8  icmp_ok;		/* l4_ok, and ICMP or ICMPv6: the type and
				   code tables' test, one byte (pad before) */
	/* Host order, each; side by side as TCP and UDP carry them, so
	 * that one load, one byte swap and one store fill both (ports). */
	union {
		struct {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			__u16 dport;
			__u16 sport;
#else
			__u16 sport;
			__u16 dport;
#endif
		};
		__u32 ports;
	};
	/* Last: xt_pkt_init() leaves them to the parser. */
	union {			/* 8-byte aligned: the state key reads words */
		__u32 saddr[4];	/* network order; IPv4 in [0] */
		__u64 saddr_w[2];
	};
	union {
		__u32 daddr[4];
		__u64 daddr_w[2];
	};
};

/* A 32-bit word as the first of a 64-bit pair's (saddr[0] in saddr_w[0]). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define XT_W0_OF(x)	((__u64)(x))
#else
#define XT_W0_OF(x)	((__u64)(x) << 32)
#endif

/*
 * What struct xt_pkt starts as: zero, but the indices of ix_word, which are
 * XT_BYTE_NONE, in one store (field by field, or by an initializer, clang
 * stored them a byte or 16 bits at a time).
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define XT_IX_WORD_NONE	((__u64)XT_BYTE_NONE << 32 | XT_BYTE_NONE << 16 | \
			 XT_BYTE_NONE)
#else
#define XT_IX_WORD_NONE	((__u64)XT_BYTE_NONE << 48 | \
			 (__u64)XT_BYTE_NONE << 32 | XT_BYTE_NONE << 16)
#endif

/*
 * All but the addresses' first words, which the parser writes on every
 * path (IPv4's address with the word's zero, none as zero: xt_no_addr()):
 * stored once, not zeroed first (2 instructions less an IP frame).
 */
static __always_inline void xt_pkt_init(struct xt_pkt *p)
{
	__builtin_memset(p, 0, __builtin_offsetof(struct xt_pkt, saddr));
	p->saddr_w[1] = 0;
	p->daddr_w[1] = 0;
	p->ix_word = XT_IX_WORD_NONE;
}

/* A frame without an IP header's addresses: both zero. */
static __always_inline void xt_no_addr(struct xt_pkt *p)
{
	p->saddr_w[0] = 0;
	p->daddr_w[0] = 0;
}

static __always_inline int xt_malformed(struct xt_pkt *p)
{
	p->features |= XT_F_MALFORMED;
	return XT_PARSE_STOP;
}

/* An IP header cut short or not IP: no addresses either. */
static __always_inline int xt_l3_malformed(struct xt_pkt *p)
{
	xt_no_addr(p);
	return xt_malformed(p);
}

/*
 * Ethernet, then up to XT_MAX_VLANS stacked tags; returns the ethertype in
 * network order, compared with swapped constants (a swap and a zero
 * extension less a frame).
 */
static __always_inline int parse_eth(struct xt_cursor *c, struct xt_pkt *p)
{
	struct ethhdr *eth = c->pos;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return xt_malformed(p);
	/* One 16-bit load, as the VLAN tags': struct ethhdr is packed, and
	 * through it clang reads the type as two bytes and merges them. */
	proto = ((__be16 *)eth)[6];
	c->pos = eth + 1;

	for (i = 0; i < XT_MAX_VLANS; i++) {
		/* struct vlan_hdr is kernel-internal: TCI then inner type. */
		__be16 *vh = c->pos;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD) &&
		    proto != bpf_htons(XT_ETH_P_QINQ1))
			break;
		if ((void *)(vh + 2) > c->end)
			return xt_malformed(p);
		if (!p->vlans) {
			p->vlan_id = bpf_ntohs(vh[0]) & 0x0fff;
			p->features |= XT_F_VLAN;
		}
		p->vlans++;
		proto = vh[1];
		c->pos = vh + 2;
	}
	p->eth_proto_be = proto;
	return proto;
}

static __always_inline int parse_ipv4(struct xt_cursor *c, struct xt_pkt *p)
{
	struct iphdr *iph = c->pos;
	__u32 vihl, hlen, proto, tot;
	__u16 frag;

	p->features |= XT_F_IPV4;
	if ((void *)(iph + 1) > c->end)
		return xt_l3_malformed(p);
	/* Version 4 and a length of 5 to 15 words: 0x45-0x4f, one compare. */
	vihl = *(__u8 *)iph;
	if (vihl - 0x45 > 0x4f - 0x45)
		return xt_l3_malformed(p);
	hlen = (vihl & 0xf) * 4;
	if (c->pos + hlen > c->end)
		return xt_l3_malformed(p);
	if (hlen > sizeof(*iph))
		p->features |= XT_F_IP_OPTIONS;

	p->l3_ok = XT_L3_IPV4;
	proto = iph->protocol;	/* read once: the stores between may alias */
	p->ix_ip_proto = proto;
	p->ix_ttl = iph->ttl;
	/* A total length below the header's leaves the datagram no room
	 * (negative): each L4 parser then finds its header cut short.  One
	 * test on the usual path, zero's (XT_ROOM_ANY) behind it. */
	tot = bpf_ntohs(iph->tot_len);
	c->room = (int)tot - (int)hlen;
	if (__builtin_expect(c->room < 0, 0)) {
		if (tot)
			p->features |= XT_F_MALFORMED;
		else
			c->room = XT_ROOM_ANY;
	}
	/* Compared as loaded: no second read of the header. */
#ifndef XT_BENCH_PARSE_FIELDS	/* bench variant: field by field */
	{
		__u32 sa = iph->saddr, da = iph->daddr;

		/* In [0], with [1] zero, as a word. */
		p->saddr_w[0] = XT_W0_OF(sa);
		p->daddr_w[0] = XT_W0_OF(da);
		if (sa == da)
			p->features |= XT_F_LAND;
	}
#else
	xt_no_addr(p);
	p->saddr[0] = iph->saddr;
	p->daddr[0] = iph->daddr;
	if (iph->saddr == iph->daddr)
		p->features |= XT_F_LAND;
#endif

	/* Tested as it is on the wire: most packets are no fragment. */
	if (iph->frag_off & bpf_htons(0x3fff)) {	/* MF or an offset */
		frag = bpf_ntohs(iph->frag_off);
		p->features |= XT_F_FRAGMENT;
		if (frag & 0x1fff)
			return XT_PARSE_STOP;	/* no L4 header here */
	}
	c->pos += hlen;
	return proto;
}

/*
 * The IPv6 extension headers the chain walk crosses, by next-header value:
 * 0 for any other (an upper layer, or unknown: the chain ends there), else
 * 1 + the bytes its length field counts past the first 8: 8, but 4 for AH
 * and 0 for the fragment header, which is always 8 bytes (its second byte
 * is reserved).  A header is then 8 + len * (t - 1) bytes, one load and a
 * multiply where each kind took compares (docs/performance.md, "The IPv6
 * frame").
 */
static const __u8 xt_ipv6_ext[256] = {
	[IPPROTO_HOPOPTS] = 9, [IPPROTO_ROUTING] = 9, [IPPROTO_DSTOPTS] = 9,
	[IPPROTO_MH] = 9, [IPPROTO_AH] = 5, [IPPROTO_FRAGMENT] = 1,
};

/*
 * Hide a value from the compiler so that the mask after it stays: older
 * verifiers (6.1) lose the bounds of byte swaps, products and variable
 * shifts, and clang would drop a mask it can prove redundant, leaving the
 * verifier without the bound it needs.  Works for BPF and user space.
 */
#define xt_barrier_var(v)	__asm__ __volatile__("" : "+r"(v))

/*
 * Walk the extension-header chain.  Each header starts with (next header,
 * length); lengths count 8-byte units past the first 8, except AH, which
 * counts 4-byte units past the first 8, and the fragment header, which is
 * always 8 bytes (its second byte is reserved).
 *
 * The length is computed without branches on purpose (xt_ipv6_ext): if
 * each header kind took its own path, the verifier would walk 3^8 paths
 * through this loop.
 *
 * f is the packet's features so far, kept in a register and stored once
 * on each way out, and the chain ends where its first upper-layer header
 * is found, tested once, where p->features was read and written at each
 * header and the end tested again after the loop (docs/performance.md,
 * "The IPv6 frame").
 */
static __always_inline int parse_ipv6_ext(struct xt_cursor *c,
					  struct xt_pkt *p, __u32 nh, __u32 f)
{
	int i;

	for (i = 0; i < XT_MAX_EXTHDRS; i++) {
		__u8 *h = c->pos;
		__u32 t, hlen;

		/* TCP and UDP first: they end most chains. */
		if (nh == IPPROTO_TCP || nh == IPPROTO_UDP ||
		    !(t = xt_ipv6_ext[nh & 0xff])) {
			p->features = f;
			p->ix_ip_proto = nh;
			return nh;
		}
		f |= XT_F_IPV6_EXT;
		if ((void *)(h + 8) > c->end)
			goto malformed;

		hlen = 8 + h[1] * (t - 1);
		/* At most 2048, a multiple of 4: the mask keeps every valid
		 * length and gives the verifier its bound. */
		xt_barrier_var(hlen);
		hlen &= 0xffc;
		/* Past the datagram: a trailer's bytes (at least 8 tested). */
		if ((int)hlen > c->room)
			goto malformed;

		if (nh == IPPROTO_FRAGMENT) {
			/* Offset in the top 13 bits, M in bit 0. */
			__u16 fo = ((__u16)h[2] << 8) | h[3];

			if (fo & 0xfff9)
				f |= XT_F_FRAGMENT;
			if (fo & 0xfff8) {
				p->features = f;
				p->ix_ip_proto = h[0];
				return XT_PARSE_STOP;	/* no L4 header here */
			}
		}
		nh = h[0];
		if (c->pos + hlen > c->end)
			goto malformed;
		c->pos += hlen;
		c->room -= hlen;
	}
	p->ix_ip_proto = nh;
	if (xt_ipv6_ext[nh & 0xff])	/* more than XT_MAX_EXTHDRS headers */
		goto malformed;
	p->features = f;
	return nh;
malformed:
	p->features = f;
	return xt_malformed(p);
}

/*
 * n 64-bit words from packet bytes at src (any alignment) into dst.  BPF
 * loads them as words, which the verifier allows on the architectures
 * with efficient unaligned access; user space (the fuzzers, under UBSan)
 * copies bytes.
 */
static __always_inline void xt_load64(__u64 *dst, const void *src, int n)
{
	int i;

	for (i = 0; i < n; i++)
#ifdef __bpf__
		dst[i] = ((const __u64 *)src)[i];
#else
		__builtin_memcpy(&dst[i], (const char *)src + 8 * i, 8);
#endif
}

static __always_inline int parse_ipv6(struct xt_cursor *c, struct xt_pkt *p)
{
	struct ipv6hdr *ip6 = c->pos;
	__u32 f = p->features | XT_F_IPV6, nh, plen;
#ifdef XT_BENCH_PARSE_FIELDS
	int i;
#endif

	if ((void *)(ip6 + 1) > c->end || ip6->version != 6) {
		p->features = f;
		return xt_l3_malformed(p);
	}

	p->l3_ok = XT_L3_IPV6;
	p->ix_ttl = ip6->hop_limit;
	nh = ip6->nexthdr;
	p->ix_ip_proto = nh;	/* what a malformed chain leaves */
	plen = bpf_ntohs(ip6->payload_len);
	c->room = plen;
	if (__builtin_expect(!plen, 0))
		c->room = XT_ROOM_ANY;
	/*
	 * As four words: half the loads and stores, and the land test in
	 * registers instead of on what was just stored (about 1 ns of an
	 * IPv6 packet; docs/performance.md, "The fixed cost per packet").
	 */
#ifndef XT_BENCH_PARSE_FIELDS	/* bench variant: field by field */
	{
		__u64 a[4];

		xt_load64(a, &ip6->saddr, 4);
		p->saddr_w[0] = a[0];
		p->saddr_w[1] = a[1];
		p->daddr_w[0] = a[2];
		p->daddr_w[1] = a[3];
		if (a[0] == a[2] && a[1] == a[3])
			f |= XT_F_LAND;
	}
#else
	for (i = 0; i < 4; i++) {
		p->saddr[i] = ip6->saddr.in6_u.u6_addr32[i];
		p->daddr[i] = ip6->daddr.in6_u.u6_addr32[i];
	}
	if (p->saddr[0] == p->daddr[0] && p->saddr[1] == p->daddr[1] &&
	    p->saddr[2] == p->daddr[2] && p->saddr[3] == p->daddr[3])
		f |= XT_F_LAND;
#endif
	c->pos = ip6 + 1;
	return parse_ipv6_ext(c, p, nh, f);
}

static __always_inline void parse_tcp(struct xt_cursor *c, struct xt_pkt *p)
{
	struct tcphdr *th = c->pos;
	__u8 *raw = c->pos;
	__u32 doff;

	p->features |= XT_F_TCP;
	p->l4 = XT_L4_TCP;
	if ((void *)(th + 1) > c->end) {
		xt_malformed(p);
		return;
	}
	/* The data offset from its byte: the bitfield reads 16 bits and
	 * masks them. */
	doff = raw[12] >> 4;
	/* The usual segment passes one test of the datagram's room: its
	 * whole header's.  Past it, the fixed part may still be inside. */
	if (doff < 5 || c->pos + doff * 4 > c->end ||
	    (int)doff * 4 > c->room) {
		xt_malformed(p);
		if (c->room < (int)sizeof(*th))
			return;
	}
	p->ports = bpf_ntohl(*(__u32 *)th);	/* source, dest */
	p->l4_ok = 1;
	p->ports_ok = 1;
	p->ix_tcp_flags = raw[13];
}

static __always_inline void parse_udp(struct xt_cursor *c, struct xt_pkt *p)
{
	struct udphdr *uh = c->pos;

	p->features |= XT_F_UDP;
	p->l4 = XT_L4_UDP;
	if ((void *)(uh + 1) > c->end || c->room < (int)sizeof(*uh)) {
		xt_malformed(p);
		return;
	}
	p->ports = bpf_ntohl(*(__u32 *)uh);	/* source, dest */
	p->l4_ok = 1;
	p->ports_ok = 1;
}

/* ICMP and ICMPv6 share the layout of type, code and checksum. */
static __always_inline void parse_icmp(struct xt_cursor *c, struct xt_pkt *p,
				       int v6)
{
	__u8 *h = c->pos;

	p->features |= v6 ? XT_F_ICMPV6 : XT_F_ICMP;
	p->l4 = v6 ? XT_L4_ICMPV6 : XT_L4_ICMP;
	if ((void *)(h + 4) > c->end || c->room < 4) {
		xt_malformed(p);
		return;
	}
	p->icmp_type = h[0];
	p->icmp_code = h[1];
	p->l4_ok = 1;
	p->icmp_ok = 1;
}

/*
 * Whether the packet is IPv6 (XT_F_IPV6), by the ethertype parse_eth()
 * stored: that is IPv6 exactly when parse_ipv6() ran and set the bit, and
 * its compare is one instruction less than the bit's AND and test
 * (docs/performance.md, "The tag's first word, and two tests").
 */
static __always_inline int xt_pkt_ipv6(const struct xt_pkt *p)
{
	return p->eth_proto_be == bpf_htons(ETH_P_IPV6);
}

/* Parse a whole frame from data to data_end into *p (xt_pkt_init()). */
static __always_inline void parse_packet(void *data, void *data_end,
					 struct xt_pkt *p)
{
	struct xt_cursor c = { .pos = data, .end = data_end };
	int proto;

	/* With the features' and VLAN's zeroes: xt_pkt_init()'s store of
	 * them is then dead, and clang drops it. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	p->len_word = (__u32)(data_end - data);
#else
	p->len_word = (__u64)(__u32)(data_end - data) << 32;
#endif
	proto = parse_eth(&c, p);
	if (__builtin_expect(proto == bpf_htons(ETH_P_IP), 1))
		proto = parse_ipv4(&c, p);
	else if (proto == bpf_htons(ETH_P_IPV6))
		proto = parse_ipv6(&c, p);
	else {
		xt_no_addr(p);
		if (proto == bpf_htons(ETH_P_ARP)) {
			p->features |= XT_F_ARP;
			/* Fixed part: hardware/protocol types, sizes, op. */
			if (c.pos + 8 > c.end)
				xt_malformed(p);
		}
		return;
	}

	/* The likely kinds first, in the order written (clang otherwise
	 * made a search of the values, which IPv4 and TCP paid most). */
	if (__builtin_expect(proto == IPPROTO_TCP, 1))
		parse_tcp(&c, p);
	else if (proto == IPPROTO_UDP)
		parse_udp(&c, p);
	else if (proto == IPPROTO_ICMP && (p->features & XT_F_IPV4))
		parse_icmp(&c, p, 0);
	else if (proto == IPPROTO_ICMPV6 && (p->features & XT_F_IPV6))
		parse_icmp(&c, p, 1);
	else if (p->l3_ok)	/* set here, not stored twice on TCP and UDP */
		p->l4 = XT_L4_OTHER;	/* another, or none here (fragment) */
}

/*
 * The source's key in the per-source state table (IPv4 as
 * ::ffff:a.b.c.d, IPv6 masked to the ruleset's prefix), built as two
 * words; returns them xored, for xt_src_set_of_xor() (IPv4's first word
 * is 0).  Here, beside the parser, so that replay finds a frame's set
 * with the very code the classifier uses (user/replay.c, frame_route()).
 */
static __always_inline __u64 xt_pkt_src_key(const struct xt_state_cfg *cfg,
					    const struct xt_pkt *p,
					    struct xt_src_key *k)
{
	if (xt_pkt_ipv6(p)) {
		k->w[0] = p->saddr_w[0] & cfg->v6_mask_w[0];
		k->w[1] = p->saddr_w[1] & cfg->v6_mask_w[1];
		return k->w[0] ^ k->w[1];
	}
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* As words: stores of the 32-bit halves left clang merging them
	 * back with three instructions more. */
	k->w[0] = 0;
	k->w[1] = (__u64)p->saddr[0] << 32 | bpf_htonl(0xffff);
#else
	k->addr[0] = 0;
	k->addr[1] = 0;
	k->addr[2] = bpf_htonl(0xffff);
	k->addr[3] = p->saddr[0];
#endif
	return k->w[1];
}

#endif /* XDPTAG_PARSE_H */
