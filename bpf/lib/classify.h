/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Rule evaluation, BPF side.  One source for every program that classifies
 * (the XDP stage, the TC stage in the tc and auto bridge modes).
 *
 * Cost model: a packet costs one array lookup for the active ruleset, one
 * load per match dimension from that ruleset, and for addresses whose /16
 * holds longer prefixes one table probe (usually one array load) per prefix
 * length the ruleset uses.
 * Nothing here walks the rules or the prefixes, so the cost does not grow
 * with how many of them there are (docs/architecture.md, "Classification design", docs/performance.md).
 */
#ifndef XDPTAG_CLASSIFY_H
#define XDPTAG_CLASSIFY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "parse.h"
#include "maps.h"

/*
 * The clock of the state windows, in ns.  Live traffic uses jiffies
 * (bpf_jiffies64(), which the verifier inlines into one load on 64-bit
 * JITs) times the ns per jiffy that user space found in the kernel's
 * config (xt_state_cfg.jiffy_ns, xt_jiffy_ns() in user/ruleset_load.c):
 * 2.5-3 ns less per stateful packet than the coarse clock's helper call
 * (docs/performance.md).  Where user space could not learn HZ it leaves
 * jiffy_ns 0, and the windows use the coarse monotonic clock
 * (bpf_ktime_get_coarse_ns(), one tick of resolution, as jiffies).  Both
 * are far cheaper than bpf_ktime_get_ns() (30 ns more per stateful packet
 * in the bench; docs/rules.md).  A loader that sets the XDP stage's
 * clock_user option (program tests, replay of a capture; union xt_xdp_cfg)
 * writes each packet's time, in ns, into xt_clock_ns before running it, so
 * that windows follow the test's or the capture's time.
 */
__u64 xt_clock_ns SEC(XT_CLOCK_SEC);

/* Sized view of xt_cls_stats.rule_hits, for the global function's checks. */
struct xt_hits {
	__u64 n[XT_MAX_RULES];
};

struct xt_verdict {
	__u64 rules;
	/* Together, as the tag and the memo entry hold them: one copy. */
	union {
		struct {
			__u8 score;
			__u8 class_id;
		};
		__u16 score_class;
	};
	/* XDP's verdict and whether the tag went in, for the end of the
	 * program and capture: here, not in registers held through it
	 * (10-13 instructions a packet; docs/performance.md, "Instructions
	 * per packet"). */
	__u8 action;
	__u8 tagged;
};

/* The packet being classified and its verdict: each classifying stage's
 * in its slot of its CPU's counters entry (struct xt_cls_cpu). */
struct xt_cls_scratch {
	struct xt_pkt p;
	struct xt_verdict v;
};
_Static_assert(sizeof(struct xt_cls_scratch) ==
	       sizeof(((struct xt_cls_cpu *)0)->scratch[0]),
	       "XT_SCRATCH_WORDS: the size of struct xt_cls_scratch");

/* The scratch entry of stage in its CPU's counters entry cc. */
static __always_inline struct xt_cls_scratch *
cls_scratch(struct xt_cls_cpu *cc, const int stage)
{
	return (struct xt_cls_scratch *)cc->scratch[stage & 1];
}

/*
 * base->arr[i], for a table at a fixed place in the value base points to.
 * clang's BPF backend copies base and adds the scaled index to the copy,
 * base being live on: the x86 JIT makes that a move and an add.  Added
 * into the index's register, which dies here, it is one add.  The
 * verifier takes scalar += pointer as it takes pointer += scalar.
 */
#define xt_elem(base, arr, i) (*({					\
	__u64 __a = (__u64)(i) * sizeof((base)->arr[0]);		\
									\
	asm("%0 += %1" : "+r"(__a) : "r"(base));			\
	(__typeof__(&(base)->arr[0]))((char *)__a +			\
		((char *)&(base)->arr[0] - (char *)(base)));		\
}))

/* Keep the first plen bits of a network-order word array (plen % 8 == 0). */
static __always_inline void pfx_mask(__u32 *dst, const __u32 *src, __u32 plen)
{
	int i;

	for (i = 0; i < 4; i++) {
		__u32 have = plen > 32 * i ? plen - 32 * i : 0;

		if (have >= 32)
			dst[i] = src[i];
		else if (!have)
			dst[i] = 0;
		else
			dst[i] = src[i] & bpf_htonl(~0U << (32 - have));
	}
}

/* One prefix probe: what to look for, in which table, and what was found. */
struct xt_pfx_query {
	__u32 key[4];		/* the address masked to the length */
	__u32 meta;		/* xt_pfx_meta() */
	__u32 gen;		/* whose table */
	__u32 seed;		/* that generation's pfx_seed and pfx_mask */
	__u32 mask;
	__u64 bits;		/* out: the entry's bitmap */
	__u32 longer;		/* out: longer prefixes exist below it */
	__u32 pad;
};

/*
 * Find q's key in table tab: 1 when found (q->bits and q->longer filled),
 * 0 if not.  User space placed every key within XT_PFX_MAX_PROBE slots of
 * its home and left at least half the slots empty, so a miss usually ends
 * at the first empty slot.  v6 is a constant: an IPv4 key is one word
 * (the meta says which family, so the other three need no compare).
 */
static __always_inline int pfx_find(void *tab, struct xt_pfx_query *q,
				    const int v6)
{
	__u32 h = xt_pfx_hash(q->key, q->meta, q->seed) & q->mask;
	__u32 b, off;
	const struct xt_pfx_bucket *bk;
	int j;

#ifdef XT_BENCH_PFX_HASH2	/* bench variant: the hash twice */
	{
		__u32 h2 = xt_pfx_hash(q->key, q->meta, q->seed ^ 1);

		xt_barrier_var(h2);
		h ^= h2 == 0x12345678;
	}
#endif
#ifdef XT_BENCH_PFX_CHAIN	/* bench variant: a multiply more on the chain */
	{
		__u32 zero = 0;

		xt_barrier_var(zero);
		h += (__u32)(((__u64)h * 0x9e3779b97f4a7c15ULL) >> 32) & zero;
	}
#endif
	b = h / XT_PFX_BUCKET;
	off = h % XT_PFX_BUCKET;
#ifdef XT_BENCH_PFX_CALL2	/* bench variant: the table lookup twice */
	bk = bpf_map_lookup_elem(tab, &b);
	xt_barrier_var(bk);
	if (!bk)
		return 0;
#endif
	bk = bpf_map_lookup_elem(tab, &b);

	for (j = 0; j < XT_PFX_MAX_PROBE; j++) {
		const struct xt_pfx_slot *s;

		if (off + j == XT_PFX_BUCKET) {
			/* The chain goes on in the next bucket (or wraps). */
			b = (b + 1) & (q->mask / XT_PFX_BUCKET);
			bk = bpf_map_lookup_elem(tab, &b);
		}
		if (!bk)
			return 0;
		s = &bk->s[(off + j) % XT_PFX_BUCKET];
		if (!s->meta)
			return 0;
		if (s->meta == q->meta && s->addr[0] == q->key[0] &&
		    (!v6 || (s->addr[1] == q->key[1] &&
			     s->addr[2] == q->key[2] &&
			     s->addr[3] == q->key[3]))) {
			q->bits = s->bits;
			q->longer = s->longer;
			return 1;
		}
	}
	return 0;
}

/*
 * pfx_find() for IPv6, as a global function: the verifier checks it once
 * instead of once per length and direction.  Inlined it made the
 * verifier's work 2.6 times larger (89k to 231k instructions on 6.18;
 * a load 0.07 s to 0.18 s here, and seconds under qemu) for 2-3 ns a probe;
 * since IPv6's /17-/32 is directly indexed (pfx_chunk_read()) the bench's
 * IPv6 frame no longer probes here, and the inlined build measures the
 * same (docs/performance.md, "IPv6's probe a global function again").
 * Addresses under longer prefixes, or in /16s without a chunk, pay a call
 * per length probed.
 */
#ifdef XT_BENCH_V6_INLINE	/* bench variant: xdptag.bpf.c */
static __always_inline
#else
__noinline
#endif
int xt_pfx_find6(struct xt_pfx_query *q)
{
	__u32 gen;
	void *tab;

	if (!q)
		return 0;
	gen = q->gen;
	tab = bpf_map_lookup_elem(&xt_prefix, &gen);
	return tab ? pfx_find(tab, q, 1) : 0;
}

/*
 * Where entry a of the chunk starting at element base lies in the table,
 * as one number: the element (a chunk is an array of halves of 128
 * entries) times 128 plus the entry in it.  Computed before the table's
 * lookup, whose call clang sees (the verifier inlines it): one value, not
 * the chunk's parts, then lives across it, and the ruleset keeps its
 * register (7 instructions less on the bench's UDP frame, which takes
 * a chunk, 1 on most others; docs/performance.md, "The chunk's entry as
 * one number").
 */
static __always_inline __u32 pfx_chunk_at(__u32 base, __u32 a)
{
	__u32 x = base * 128 + a;

	/* Here, not after the call: an asm is not moved across one. */
	xt_barrier_var(x);
	return x;
}
_Static_assert(((__u64)XT_PFX_MAX_SLOTS / XT_PFX_BUCKET +
		2 * XT_L1_SLOTS * XT_PFX_CHUNK_ELEMS +
		XT_PFX_V6_CHUNKS * XT_PFX_V6_CHUNK_ELEMS) * 128 <= 0xffffffffULL,
	       "pfx_chunk_at(): the largest table's entries in 32 bits");

/*
 * Entry x (pfx_chunk_at()) of table tab: its answer into *bits; 1 when
 * longer prefixes lie below it, 0 when *bits is the answer (or the table
 * holds no such element, which user space never leaves).
 */
static __always_inline int pfx_chunk_read(const struct xt_ruleset *rs,
					  void *tab, __u32 x, __u64 *bits)
{
	const struct xt_pfx_chunk_half *half;
	__u32 e = x / 128, leaf;

	half = bpf_map_lookup_elem(tab, &e);
	if (!half)
		return 0;
	leaf = half->leaf[x % 128];
	*bits = xt_elem(rs, pfx_leaf, leaf & (XT_PFX_LEAVES - 1));
	return !!(leaf & XT_PFX_LEAF_LONGER);
}

/*
 * gen is the generation's word on the stack, where ruleset_active()
 * wrote it: used as the xt_prefix key as it is, it needs no register
 * across the probes' calls (0.45 ns a packet on average,
 * docs/performance.md, "The classifier inlined").
 */
static __always_inline __u64 pfx_match(const struct xt_ruleset *rs,
				       const __u32 *gen,
				       __u32 v6, __u32 dir, const __u32 *addr)
{
	const struct xt_l1_slot *l1;
	/* The /16's slot at its two bytes as they lie (xt_l1_ix()). */
	__u32 ix = *(const __u16 *)addr, top32, top;
	struct xt_pfx_query q;
	__u64 bits;
	void *tab;
	int i;

	if (v6)
		l1 = &xt_elem(rs, pfx6[dir & 1].s, ix);
	else
		l1 = &xt_elem(rs, by16, ix).pfx4[dir & 1];
	bits = l1->bits;
	/* Most /16s hold no longer prefix: their test is the word's alone. */
	if (!l1->longer)
		return bits;
	/*
	 * 6.1's verifier takes a byte swap's result as unbounded: the masks
	 * below (the chunks' entries) must stay, and read this one swap.
	 */
	top32 = bpf_ntohl(addr[0]);
	xt_barrier_var(top32);
	top = (top32 >> (32 - XT_L1_BITS)) & (XT_L1_SLOTS - 1);
#ifndef XT_BENCH_L1_WHOLE	/* bench variant: one bit per /16 */
	if (!((l1->longer >> xt_l1_part(top32)) & 1))
		return bits;
#endif
#ifdef XT_BENCH_NO_PFX	/* bench variant: xdptag.bpf.c */
	return bits;
#endif
	i = 0;
	tab = NULL;
#ifndef XT_BENCH_PFX_HASH24	/* bench variant: the /24 level hashed */
	if (!v6 && rs->v4_chunked) {
		/* The /24 level directly indexed (include/xdptag.h). */
		__u32 x = pfx_chunk_at(rs->v4_chunk_base[dir & 1] +
				       XT_PFX_CHUNK_ELEMS *
				       rs->v4_chunk[dir & 1][top],
				       (top32 >> 8) & 0xff);

		tab = bpf_map_lookup_elem(&xt_prefix, gen);
		if (!tab)
			return bits;
		if (!pfx_chunk_read(rs, tab, x, &bits))
			return bits;
		i = rs->v4_nlevels > 1;		/* /32, the last level */
	}
#endif

	/*
	 * Probe every length in use, shortest first: a miss at one length
	 * says nothing about longer ones.  Each entry's bitmap already holds
	 * the rules of all shorter prefixes covering it (user space pushes
	 * them down), so the deepest hit is the answer.
	 */
	if (v6) {
		int l;

#ifndef XT_BENCH_PFX_HASH6	/* bench variant: IPv6's /17-/32 hashed */
		if (rs->v6_chunk[dir & 1][top]) {
			/* /17-/32 directly indexed (include/xdptag.h). */
			__u32 x = pfx_chunk_at(rs->v6_chunk_base +
					       XT_PFX_V6_CHUNK_ELEMS *
					       (rs->v6_chunk[dir & 1][top] - 1),
					       top32 & 0xffff);

			tab = bpf_map_lookup_elem(&xt_prefix, gen);
			if (!tab)
				return bits;
			if (!pfx_chunk_read(rs, tab, x, &bits))
				return bits;
			i = rs->v6_first_long;
		}
#endif
		/* From the first level not in a chunk: /24 or beyond /32. */
		l = i;
		q = (struct xt_pfx_query){
			.gen = *gen, .seed = rs->pfx_seed, .mask = rs->pfx_mask,
		};

		/*
		 * Expected to end at once: most addresses have their answer
		 * in their /16's slot or chunk.  Marked so, the probe's call
		 * is a cold path, and clang no longer keeps the context and
		 * the counters' entry on the stack through the whole program
		 * for it: 7-8 instructions less on every frame, IPv4's too
		 * (docs/performance.md, "Instructions per packet").
		 */
		for (i = 0; i < XT_MAX_LEVELS; i++, l++) {
			if (__builtin_expect(l >= rs->v6_nlevels ||
					     l >= XT_MAX_LEVELS, 1))
				break;
			pfx_mask(q.key, addr, rs->v6_levels[l]);
			q.meta = xt_pfx_meta(rs->v6_levels[l], dir, 1);
			if (!xt_pfx_find6(&q))
				continue;
			bits = q.bits;
			if (!q.longer)
				break;
		}
		return bits;
	}
	/* Filled only here: most addresses end above, without a probe. */
	q = (struct xt_pfx_query){
		.gen = *gen, .seed = rs->pfx_seed, .mask = rs->pfx_mask,
	};
	if (!tab)
		tab = bpf_map_lookup_elem(&xt_prefix, gen);
	if (!tab)
		return bits;
	for (; i < 2; i++) {	/* /24, /32 */
		__u32 plen;

		if (i >= rs->v4_nlevels)
			break;
		plen = rs->v4_levels[i];
		/* One word: key[1..3] stay zero, as in the table. */
		q.key[0] = plen >= 32 ? addr[0] :
			   addr[0] & bpf_htonl(~0U << (32 - (plen & 31)));
		q.meta = xt_pfx_meta(plen, dir, 0);
		/* No /24, no /32 below it: user space put a /24 marker
		 * above every /32 (pfx_markers() in user/rules.c), or
		 * the chunks above sent only addresses with /32s here. */
		if (!pfx_find(tab, &q, 0))
			break;
		bits = q.bits;
		if (!q.longer)
			break;
	}
	return bits;
}

/*
 * The verifier bounds the index of a table by its 16 bits, not by what the
 * parser writes (a byte table's XT_IX_BYTE: 0-256; the features: 13 bits;
 * the VLAN id: 12), where a mask would cost an instruction a table: each
 * such access must lie within the value, the last table's farthest.
 */
_Static_assert(__builtin_offsetof(struct xt_ruleset, vlan) +
	       sizeof(__u64) * 65536 <= sizeof(struct xt_ruleset) &&
	       __builtin_offsetof(struct xt_ruleset, by16) +
	       sizeof(struct xt_by16) * 65536 <= sizeof(struct xt_ruleset) &&
	       __builtin_offsetof(struct xt_ruleset, tcp_flags) <
	       __builtin_offsetof(struct xt_ruleset, vlan),
	       "xt_ruleset: a table's 16-bit index out of the value");

/*
 * The rules a packet satisfies: the AND over all dimensions of "rules
 * whose condition on this field holds".  The cheapest and most selective
 * tables come first so that most packets stop before the prefix probes.
 */
static __always_inline __u64 classify_rules(const struct xt_ruleset *rs,
					    const __u32 *gen,
					    const struct xt_pkt *p)
{
	/*
	 * A truncated IP header leaves addresses, TTL and protocol unknown:
	 * they take the "absent" slots, so that zeroes never look like
	 * 0.0.0.0/8 or TTL 0 to a rule.
	 */
	int ip = p->l3_ok;	/* 0, XT_L3_IPV4 or XT_L3_IPV6 */
	__u64 m, len;

	/* The byte tables' indices as the parser left them (XT_IX_BYTE). */
	m = xt_elem(rs, by16, p->features).features;
	m &= xt_elem(rs, proto, p->ix_ip_proto);
	m &= xt_elem(rs, tcp_flags, p->ix_tcp_flags);
	/*
	 * Ports and ICMP's type and code exclude each other (the parser
	 * sets one of ports_ok and icmp_ok at most: fuzz/fuzz_parse.c), so
	 * TCP and UDP take ICMP's "none" with no test of icmp_ok, and a
	 * packet with neither takes both "none"s in one load.
	 */
	if (p->ports_ok) {
		m &= xt_elem(rs, by16, p->dport).dport;
		m &= xt_elem(rs, by16, p->sport).sport;
		m &= rs->no_icmp;
#ifndef XT_BENCH_NO_DIMS	/* bench variant: no icmp, ttl, len, vlan loads */
	} else if (p->icmp_ok) {
		m &= rs->no_ports;
		m &= xt_elem(rs, icmp_type, p->icmp_type);
		m &= xt_elem(rs, icmp_code, p->icmp_code);
#endif
	} else {
		m &= rs->no_l4;
	}
	if (!m)
		return 0;
#ifdef XT_BENCH_NO_DIMS
	xt_barrier_var(m);
	goto addr;
#endif
	m &= xt_elem(rs, ttl, p->ix_ttl);
	/* 64 bits: a 32-bit value needs its zero extension after the
	 * barrier, which keeps the clamp before the scaling. */
	len = p->len < XT_LEN_MAX ? p->len : XT_LEN_MAX;
	xt_barrier_var(len);
	m &= xt_elem(rs, by16, len).len;
	if (p->vlans) {		/* a byte: one test, not an AND and a test */
		m &= xt_elem(rs, vlan, p->vlan_id);
	} else {
		__u64 nv = rs->no_vlan;

		/* Loaded here: clang would select the two addresses and
		 * load once, an add and a move more on the usual path. */
		xt_barrier_var(nv);
		m &= nv;
	}
	if (!m)
		return 0;
#ifdef XT_BENCH_NO_DIMS
addr:
#endif
#ifdef XT_BENCH_NO_ADDR	/* bench variant: no address dimensions */
	xt_barrier_var(m);
	return m;
#endif
	/* The family a constant in each copy: the slots' addresses fold
	 * into the loads (5.6 instructions a frame on the mix).  Told
	 * apart by the one byte, not by l3_ok and then the ethertype;
	 * IPv4, the usual, with one compare. */
	if (ip == XT_L3_IPV4) {
		m &= pfx_match(rs, gen, 0, XT_SRC, p->saddr);
		if (m)
			m &= pfx_match(rs, gen, 0, XT_DST, p->daddr);
	} else if (ip == XT_L3_IPV6) {
		m &= pfx_match(rs, gen, 1, XT_SRC, p->saddr);
		if (m)
			m &= pfx_match(rs, gen, 1, XT_DST, p->daddr);
	} else {
		m &= rs->no_addr;
	}
	return m;
}

/*
 * The score loop: the weights of the rules in m summed into *score, the
 * class of the heaviest into *cls, each rule's hit counted when hits is
 * given.  64-bit unsigned variables (a 32-bit one costs a zero-extension
 * pair per use in BPF) and the class kept in a register, stored once by
 * the caller.  best is the weight plus one of the rule whose class is
 * taken, 0 before the first: ties go to the earlier rule (strictly
 * greater wins).
 */
static __always_inline void score_loop(const struct xt_ruleset *rs, __u64 m,
				       struct xt_hits *hits, __u64 *score,
				       __u64 *cls)
{
	__u64 sum = 0, best = 0, c = 0, n = 0;

	/*
	 * The first rule out of the loop: it always takes the class, so it
	 * needs no compare and no bound, and a packet matching one rule
	 * (the usual case besides none) never enters the loop; up to 1.7 ns
	 * a packet (docs/performance.md, "The fixed cost per packet").
	 */
#ifndef XT_BENCH_SCORE_NOPEEL	/* bench variant: every rule in the loop */
	if (m) {
		__u64 idx = xt_lowest_bit(m) & (XT_MAX_RULES - 1);
		__u64 w = rs->weight[idx];

		m &= m - 1;
		sum = w;
		best = w + 1;
		c = rs->class_of[idx];
		if (hits)
			hits->n[idx]++;
		n = 1;
	}
#endif
	for (; n < XT_MAX_RULES && m; n++) {
		__u64 idx = xt_lowest_bit(m) & (XT_MAX_RULES - 1);
		__u64 w = rs->weight[idx];

		m &= m - 1;
		sum += w;
		if (w + 1 > best) {
			best = w + 1;
			c = rs->class_of[idx];
		}
		if (hits)
			hits->n[idx]++;
	}
	*score = sum;
	*cls = c;
}

/*
 * Score and class from the matched set, counting each rule's hit on the way
 * (the loop runs once per matched rule, usually zero to two times).
 */
static __always_inline void classify_score(const struct xt_ruleset *rs,
					   __u64 m, struct xt_verdict *v,
					   struct xt_hits *hits)
{
	__u64 score = 0, cls = 0;

	v->rules = m;
	v->class_id = 0;
#ifdef XT_BENCH_NO_SCORE	/* bench variant: no score loop */
	xt_barrier_var(m);
	v->score = m;
	return;
#endif
#ifdef XT_BENCH_SCORE_OLD	/* bench variant: the loop it replaced */
	int best = -1, i;

	xt_barrier_var(cls);
	for (i = 0; i < XT_MAX_RULES; i++) {
		__u32 idx, w;

		if (!m)
			break;
		idx = xt_lowest_bit(m);
		m &= m - 1;
		w = rs->weight[idx & (XT_MAX_RULES - 1)];
		score += w;
		if ((int)w > best) {
			best = w;
			v->class_id = rs->class_of[idx & (XT_MAX_RULES - 1)];
		}
		if (hits)
			hits->n[idx & (XT_MAX_RULES - 1)]++;
	}
#else
	/*
	 * Two inlined copies, so that neither tests hits each turn
	 * (docs/performance.md, "A shorter score loop").
	 */
	if (!hits)
		score_loop(rs, m, NULL, &score, &cls);
	else
		score_loop(rs, m, hits, &score, &cls);
	v->class_id = cls;
#endif
	v->score = score > 255 ? 255 : score;
}

/* Which of XT_FANOUT_BITS a destination port or address sets. */
static __always_inline __u32 state_hash(const struct xt_state_cfg *cfg,
					const struct xt_pkt *p, __u32 kind)
{
	__u32 x;

	if (kind == XT_ST_DPORTS)
		x = p->dport;
	else
		x = xt_fan_addr(p->daddr_w[0], p->daddr_w[1]);
	return ((x ^ cfg->hash_seed) * 0x9e3779b1U) >> 25;	/* 7 bits */
}

/*
 * The earlier end of the two windows that start at rate_start and
 * fan_start; with no fan-out rule, the rate window's.
 */
static __always_inline __u64 state_roll_at(const struct xt_state_cfg *cfg,
					   const struct xt_src_state *st)
{
	__u64 rate_end = st->rate_start + XT_RATE_WINDOW_NS;
	__u64 fan_end = st->fan_start + cfg->fan_window_ns;

	if (!cfg->fan_window_ns || (__s64)(rate_end - fan_end) < 0)
		return rate_end;
	return fan_end;
}

/*
 * Start new windows that are due (one compare while none is: roll_at).
 * A rule whose count reached its limit in the window just ended holds
 * through the next one (held), unless that window ended long ago.
 */
static __always_inline void state_roll(const struct xt_ruleset *rs,
				       struct xt_src_state *st, __u64 now)
{
	const struct xt_state_cfg *cfg = &rs->st;
	__u64 rolled = 0, kept = 0;
	__s64 rate_age, fan_age;
	int rate_new, fan_new, k;

	/*
	 * Another CPU may have started the window with a later clock read
	 * than ours: a start in our future is age 0, not a huge age that
	 * would end the window it just began.
	 */
#ifdef XT_BENCH_STATE_ROLL2	/* bench variant: both windows tested */
	if ((__s64)(now - st->rate_start) < (__s64)XT_RATE_WINDOW_NS &&
	    (__s64)(now - st->fan_start) < (__s64)cfg->fan_window_ns)
		return;
#else
	/* Unsigned: no clock here comes within 2^63 of wrapping (ns since
	 * boot or, replayed, since 1970), and one compare, no difference.
	 * Expected: a window ends at most once a second a source. */
	if (__builtin_expect(now < st->roll_at, 1))
		return;
#endif
	rate_age = now - st->rate_start;
	fan_age = now - st->fan_start;
	rate_new = rate_age >= (__s64)XT_RATE_WINDOW_NS;
	fan_new = fan_age >= (__s64)cfg->fan_window_ns;
	for (k = 0; k < XT_MAX_STATEFUL; k++) {
		__u32 kind = cfg->kind[k];

		if (kind == XT_ST_PPS || kind == XT_ST_BPS) {
			if (!rate_new)
				continue;
		} else {
			if (!fan_new)
				continue;
			st->seen[k][0] = 0;
			st->seen[k][1] = 0;
		}
		st->cur[k] = 0;
	}
	/* A window that ended long ago says nothing about now. */
	if (rate_new) {
		rolled = rs->stateful & ~rs->fanout;
		if (rate_age < 2 * (__s64)XT_RATE_WINDOW_NS)
			kept = rolled;
		st->rate_start = now;
	}
	if (fan_new) {
		rolled |= rs->fanout;
		if (fan_age < 2 * (__s64)cfg->fan_window_ns)
			kept |= rs->fanout;
		st->fan_start = now;
		st->fan_new = ~0ULL;	/* the sets are empty again */
	}
	/* held = (held & ~rolled) | (reached & kept), complemented. */
	st->unheld = (st->unheld | rolled) & ~(~st->open & kept);
	st->open |= rolled;
	st->roll_at = state_roll_at(cfg, st);
}

/*
 * The source's entry in its set, or a fresh one: a free way (never used,
 * or of another epoch) first, else the way seen least recently, which is
 * reset for the source.  So a source always gets an entry, and a busy
 * source leaves its set only after XT_STATE_WAYS sources new to the set
 * arrived since its last packet (docs/rules.md, "Per-source state").
 * Two CPUs that miss on one source together may each take a way: the
 * counts split until one way, no longer seen, is taken over.
 */
static __always_inline struct xt_src_state *
state_find(const struct xt_state_cfg *cfg, const struct xt_src_key *key,
	   __u32 idx, __u64 now)
{
	__u64 k0 = key->w[0], k1 = key->w[1];
	__u64 epoch, oldest = ~0ULL;
	struct xt_src_state *st;
	struct xt_src_set *set;
	int i, victim = 0;

#ifdef XT_BENCH_STATE_NO_LOOKUP	/* bench variant: set 0, way 0, no probe */
	idx = 0;
	xt_barrier_var(idx);
	set = bpf_map_lookup_elem(&xt_state, &idx);
	if (!set)
		return NULL;
	set->last[0] = now;
	return &set->w[0];
#endif
	set = bpf_map_lookup_elem(&xt_state, &idx);
	if (!set)
		return NULL;
	epoch = cfg->epoch;	/* read after the call: not kept on the stack */
#ifndef XT_BENCH_STATE_WAY_LOOP	/* bench variant: way 0 in the loop */
	/*
	 * Way 0 on its own, with its own return: in the loop clang merges
	 * the four hits into one block that computes the way's address from
	 * its index; a source alone in its set, or the first to arrive,
	 * finds itself with a store and a constant offset (st-way-loop:
	 * 0.1-0.7 ns more a stateful packet; docs/performance.md, "The
	 * fan-out memo, and the set's way 0").  Marked as the expected
	 * path, as are the other usual cases of the state path and the
	 * allowlist's test: clang then lays them out without jumps, 10
	 * instructions less a frame on the mix (docs/performance.md,
	 * "Branch hints").
	 */
	if (__builtin_expect(set->key[0].w[1] == k1 &&
			     set->key[0].w[0] == k0 &&
			     set->epoch[0] == epoch, 1)) {
		set->last[0] = now;
		return &set->w[0];
	}
	i = 1;
#else
	i = 0;
#endif
	for (; i < XT_STATE_WAYS; i++) {
		if (set->key[i].w[1] == k1 && set->key[i].w[0] == k0 &&
		    set->epoch[i] == epoch) {
			set->last[i] = now;
			return &set->w[i];
		}
	}
	for (i = 0; i < XT_STATE_WAYS; i++) {
		if (set->epoch[i] != epoch) {	/* free: taken first */
			victim = i;
			break;
		}
		if (set->last[i] < oldest) {
			oldest = set->last[i];
			victim = i;
		}
	}
	victim &= XT_STATE_WAYS - 1;
	set->key[victim] = *key;
	set->epoch[victim] = epoch;
	set->last[victim] = now;
	st = &set->w[victim];
	__builtin_memset(st, 0, sizeof(*st));
	st->open = ~0ULL;
	st->unheld = ~0ULL;
	st->fan_new = ~0ULL;
	st->rate_start = now;
	st->fan_start = now;
	st->roll_at = state_roll_at(cfg, st);
	return st;
}

/* The windows' clock, in ns (the comment at xt_clock_ns). */
static __always_inline __u64 state_now(const struct xt_state_cfg *cfg,
				       int clock_user)
{
	/* Read once: across the helper's call clang would load it again. */
	__u64 jiffy_ns = cfg->jiffy_ns;

#ifdef XT_BENCH_STATE_NO_CLOCK	/* bench variant: no clock read */
	return xt_clock_ns;
#endif
	if (clock_user)
		return xt_clock_ns;
#ifdef XT_BENCH_STATE_COARSE	/* bench variant: always the coarse clock */
	jiffy_ns = 0;
#endif
	if (__builtin_expect(jiffy_ns != 0, 1))
		return bpf_jiffies64() * jiffy_ns;
	return bpf_ktime_get_coarse_ns();
}

/*
 * Count the packet in the slots of the stateful rules in count (none of
 * them at its limit yet, none a fan-out rule that already counted this
 * destination), and take those that now reach their limit out of open
 * and unheld (they hold).
 * Only the rules this packet matched (usually one to three), not all n
 * slots: a rule's lowest bit finds its slot, kind and limit in one load
 * (xt_state_cfg.by_bit).  Unrolled (a constant trip count, no exit): no
 * loop counter, and 1.3-2.4 ns less a stateful packet than the loop that
 * broke out once the mask was empty (st-loop; docs/performance.md,
 * "Per-source state").
 */
static __always_inline void state_count(const struct xt_state_cfg *cfg,
					struct xt_src_state *st,
					const struct xt_pkt *p, __u64 count)
{
	__u64 reached = 0;
	int i;

#ifndef XT_BENCH_STATE_LOOP
#pragma clang loop unroll(full)
#endif
	for (i = 0; i < XT_MAX_STATEFUL; i++) {
		const struct xt_state_rule *sr;
		__u32 k, cur, h;
		__u64 *w, b, bit;

#ifdef XT_BENCH_STATE_LOOP	/* bench variant: the loop, not unrolled */
		if (!count)
			break;
#else
		if (!count)
			continue;
#endif
		bit = count & -count;
		count &= count - 1;
		sr = &cfg->by_bit[xt_bit_hash(bit) & (XT_MAX_RULES - 1)];
		k = sr->slot & (XT_MAX_STATEFUL - 1);
		cur = st->cur[k];
		if (sr->kind == XT_ST_PPS) {
			cur++;
		} else if (sr->kind == XT_ST_BPS) {
			cur = cur + p->len < cur ? ~0U : cur + p->len;
		} else {
			h = state_hash(cfg, p, sr->kind);
			w = &st->seen[k][(h >> 6) & 1];
			b = 1ULL << (h & 63);
			if (!(*w & b)) {
				*w |= b;
				cur++;
			}
#ifndef XT_BENCH_STATE_NO_MEMO
			st->fan_new &= ~bit;
#endif
		}
		st->cur[k] = cur;
		if (cur >= sr->limit)	/* once a window: then not counted */
			reached |= bit;
	}
	st->open &= ~reached;
	st->unheld &= ~reached;
}

/*
 * Apply the rate and fan-out conditions of the stateful rules in m (whose
 * stateless conditions held): count the packet for each of them, then
 * keep a rule only if its count has reached its limit, in this window or
 * the one before.  One inlined table lookup per packet, no helper call
 * but the clock.  The table always gives an entry (state_find()); if its
 * lookup fails (it cannot: user space sized the table to cfg->sets), the
 * stateful rules do not match: the packet is never dropped for it.  Both
 * generations share the table: entries carry their epoch.
 */
static __always_inline __u64 state_apply(const struct xt_ruleset *rs,
					 const struct xt_pkt *p, __u64 m,
					 int clock_user)
{
	const struct xt_state_cfg *cfg = &rs->st;
	struct xt_src_state *st;
	struct xt_src_key key;
	__u64 now, todo, count, w01;

	now = state_now(cfg, clock_user);
	w01 = xt_pkt_src_key(cfg, p, &key);
	st = state_find(cfg, &key, xt_src_set_of_xor(w01, cfg->table_seed,
						     cfg->sets), now);
	if (!st)
		return m & ~rs->stateful;
#ifdef XT_BENCH_STATE_NO_COUNT	/* bench variant: lookup, no counting */
	xt_barrier_var(st);
	return m & ~rs->stateful;
#endif
	state_roll(rs, st, now);

	/*
	 * Which rules' counts this packet can change: none at its limit
	 * (it holds until its window ends and through the next one, and
	 * counting on changes nothing), and no fan-out rule whose hash set
	 * already holds this destination's bit (not in fan_new, while
	 * fan_addr and fan_port are this packet's destination's).  A flood in
	 * progress, or a conversation's next packet, changes none: its rules
	 * hold or not by masks, with no turn per rule (docs/performance.md,
	 * "The SYN's state path").  Another destination takes the memo over.
	 * Like the counts, the masks are written without atomics: a packet
	 * of another CPU taking the memo over between this check and the
	 * count can make this packet skip a destination not yet counted,
	 * which its next packet then counts.
	 */
	todo = m & rs->stateful;
#ifndef XT_BENCH_STATE_COUNT_HELD	/* bench variant: count on */
	count = todo & st->open;
#else
	count = todo;
#endif
#ifndef XT_BENCH_STATE_NO_MEMO
	if (count & rs->fanout) {
		/* Not folded as xt_fan_addr() folds: alike all the same. */
		__u64 addr = p->daddr_w[0] ^ p->daddr_w[1];

#ifndef XT_BENCH_STATE_MEMO_MISS	/* bench variant: a scan's packets */
		/* A conversation's next packet, or a flood's: the same. */
		if (__builtin_expect(st->fan_addr != addr ||
				     st->fan_port != p->dport, 0))
#endif
		{
			st->fan_addr = addr;
			st->fan_port = p->dport;
			st->fan_new = ~0ULL;
		}
		count &= st->fan_new;
	}
#endif
	if (count)
		state_count(cfg, st, p, count);
#ifdef XT_BENCH_STATE_NO_HOLD	/* bench variant: counted, never holds */
	return m & ~todo;
#endif
	/* m & (~todo | held): todo is within m. */
	return m ^ (todo & st->unheld);
}

_Static_assert(__builtin_offsetof(struct xt_memo_ent, class_id) ==
	       __builtin_offsetof(struct xt_memo_ent, score) + 1 &&
	       __builtin_offsetof(struct xt_memo_ent, action) ==
	       __builtin_offsetof(struct xt_memo_ent, score) + 2 &&
	       __builtin_offsetof(struct xt_memo_ent, tagged) ==
	       __builtin_offsetof(struct xt_memo_ent, score) + 3 &&
	       __builtin_offsetof(struct xt_verdict, action) ==
	       __builtin_offsetof(struct xt_verdict, score) + 2 &&
	       __builtin_offsetof(struct xt_verdict, tagged) ==
	       __builtin_offsetof(struct xt_verdict, score) + 3,
	       "memo_hit() copies score, class, action and tagged together");

/*
 * A memo entry's verdict for this packet, which it counts: score, class,
 * and for XDP the action and whether a tag is due, in one 32-bit copy.
 */
static __always_inline void memo_hit(struct xt_memo_ent *e,
				     struct xt_verdict *v,
				     const struct xt_pkt *p)
{
	__builtin_memcpy(&v->score_class, &e->score, 4);
	e->pkts++;
	e->bytes += p->len;
}

/*
 * The verdict's action for its score, and whether a tag is due: XDP's by
 * the ruleset's drop threshold; TC decides by the threshold itself.
 */
static __always_inline void verdict_action(const struct xt_ruleset *rs,
					   struct xt_verdict *v, __u64 score,
					   const int stage)
{
	if (stage == XT_MEMO_TC)
		v->action = XT_MEMO_NO_ACTION;
	else
		v->action = xt_drops(rs->drop_threshold, score) ? XDP_DROP :
								  XDP_PASS;
	v->tagged = v->action == XDP_PASS;
}

/*
 * The score, class and action of m from the stage's verdict memo, and the
 * packet counted in m's entry there, in place of the score loop's turn per
 * rule, each rule's hit and the class, byte, band, action and tagged
 * counts (struct xt_memo_ent, include/xdptag.h).  On a miss the score
 * loop computes the verdict, and m takes over a way of its bucket (one
 * held by no set of this ruleset, else, for one packet in
 * XT_MEMO_TAKEOVER, the second) or, with both ways held, is counted in
 * the counters directly, as an entry of one packet folded at once.  A
 * takeover folds what the entry counted into the counters, bracketed by
 * fold_begin and fold_end, so that a reader's copy made meanwhile is
 * taken again (xt_cls_stats_read()); the barriers keep clang from moving
 * stores out of the bracket (on x86 stores are seen in program order;
 * elsewhere a reader may see one takeover torn, for that one read).
 */
static __always_inline void memo_verdict(const struct xt_ruleset *rs,
					 __u64 m, int exempt,
					 struct xt_verdict *v,
					 const struct xt_pkt *p,
					 struct xt_cls_cpu *cc, const int stage)
{
	__u32 key = rs->serial | XT_MEMO_LIVE;
	struct xt_memo_ent *e, *w1;
	__u64 score, cls;
	int direct = 0;
	__u32 b;

	b = xt_memo_slot(m, key) & (XT_MEMO_BUCKETS - 1);
	e = &xt_elem(cc, memo[stage & 1], b * XT_MEMO_WAYS);
	w1 = e + 1;
	v->rules = m;
#ifdef XT_BENCH_MEMO_MISS	/* bench variant: every packet a takeover */
	xt_barrier_var(key);
	if (e->rules == m && e->key == key && !m && m) {
#else
	if (e->rules == m && e->key == key) {
#endif
		memo_hit(e, v, p);
		return;
	}
#ifndef XT_BENCH_MEMO_MISS
	if (w1->rules == m && w1->key == key) {
		memo_hit(w1, v, p);
		return;
	}
#endif
	score_loop(rs, m, NULL, &score, &cls);
	if (exempt) {
		score = 0;
		cls = 0;
	}
	if (score > 255)
		score = 255;
	v->score = score;
	v->class_id = cls;
	/*
	 * From here on the verdict is read back from map memory, whose
	 * values the verifier does not track: the loop's score then needs
	 * no precision, and its turns are not checked one state each.
	 */
	asm volatile("" : : : "memory");
	score = v->score;
	cls = v->class_id;
	if (e->key == key) {
		e = w1;
#ifndef XT_BENCH_MEMO_MISS
		if (e->key == key &&
		    ++cc->conflicts % XT_MEMO_TAKEOVER) {
			/* Both ways held: counted directly, nothing moves. */
			e = &cc->one[stage & 1];
			direct = 1;
		}
#endif
	}
	if (!direct) {
		cc->fold_begin++;
		asm volatile("" : : : "memory");
		xt_memo_fold(&cc->s, e);
	}
	e->rules = m;
	e->key = key;
	e->score = score;
	e->class_id = cls;
	verdict_action(rs, v, score, stage);
	e->action = v->action;
	e->tagged = v->tagged;
	e->pkts = 1;
	e->bytes = p->len;
	if (direct) {
		xt_memo_fold(&cc->s, e);
		return;
	}
	asm volatile("" : : : "memory");
	cc->fold_end++;
}

/*
 * The verdict of the rules in m into *v, the packet counted in cc (NULL:
 * not counted).  exempt: m are allowlist rules, whose verdict is class 0,
 * score 0.
 */
static __always_inline void classify_verdict(const struct xt_ruleset *rs,
					     __u64 m, int exempt,
					     struct xt_verdict *v,
					     const struct xt_pkt *p,
					     struct xt_cls_cpu *cc,
					     const int stage)
{
#ifndef XT_BENCH_NO_MEMO	/* bench variant: the score loop, each count */
	if (cc) {
		memo_verdict(rs, m, exempt, v, p, cc, stage);
		return;
	}
#endif
	classify_score(rs, m, v, cc ? (struct xt_hits *)cc->s.rule_hits :
			       NULL);
	if (exempt) {
		v->score = 0;
		v->class_id = 0;
	}
	if (stage == XT_MEMO_XDP)	/* TC reads the score alone */
		verdict_action(rs, v, v->score, stage);
}

/*
 * The active ruleset and its generation.  The address is opaque to clang:
 * known as xt_rules plus an offset, it kept the offset and added the base
 * again where it needed the ruleset, 14.5 instructions more a frame on
 * the mix (docs/performance.md, "Instructions per packet").
 */
static __always_inline const struct xt_ruleset *ruleset_active(__u32 *gen)
{
	const struct xt_ruleset *rs;

	*gen = xt_active.gen & 1;
	rs = &xt_rules.gen[*gen];
	xt_barrier_var(rs);
	return rs;
}

/*
 * Classify a parsed packet into *v (zeroed by the caller; before the
 * first load the ruleset is all zeroes and matches nothing), counting it
 * in *cc's counters and stage's verdict memo (cc may be NULL: not
 * counted).  Returns the drop threshold of the ruleset used (0: never
 * drop).  Inlined only where *p and *v are memory whose values the
 * verifier does not track (an xt_cls_scratch entry), so that it is
 * checked once whatever path reached it: classify() below.
 */
static __always_inline int classify_packet(const struct xt_pkt *p,
					   struct xt_verdict *v,
					   struct xt_cls_cpu *cc,
					   const int stage, int clock_user)
{
	const struct xt_ruleset *rs;
	__u32 gen = 0;
	__u64 m;

#if defined(XT_BENCH_NO_SCORE) || defined(XT_BENCH_CLS_EMPTY)	/* cc unused: keep it passed */
	asm volatile("" : : "r"(cc));
#endif
#ifdef XT_BENCH_CLS_EMPTY	/* bench variant: the call, nothing in it */
	return 0;
#endif
	rs = ruleset_active(&gen);
	m = classify_rules(rs, &gen, p);
#ifdef XT_BENCH_STATE_SKIP	/* bench variant: stateful rules never hold */
	m &= ~rs->stateful;
#endif
	/* Packets that match no exempt and no stateful rule (the usual
	 * case) stop at this one test. */
	if (m & rs->special) {
		/*
		 * An allowlist rule wins over everything: class 0, score 0,
		 * never dropped, and the source's state is left alone.  The
		 * tag and the hit counters show the exempt rules that
		 * matched.  The exception: the few trusted hosts an
		 * allowlist names.
		 */
		if (__builtin_expect(m & rs->exempt, 0)) {
			classify_verdict(rs, m & rs->exempt, 1, v, p, cc,
					 stage);
			return 0;
		}
		/* A stateful rule's stateless conditions held. */
		m = state_apply(rs, p, m, clock_user);
	}
	classify_verdict(rs, m, 0, v, p, cc, stage);
	return rs->drop_threshold;
}

/*
 * The classifier as both stages run it, inlined: *p and *v are this CPU's
 * xt_cls_scratch entry, zeroed for the parser, whose values the verifier
 * does not track, so it checks the classifier once, not once per parser
 * path.
 * 1-4 ns a packet less than calling it as a global function with *p and
 * *v on the stack: no call, no return through the CPU's return thunk, no
 * register saves, no arguments (docs/performance.md, "The classifier
 * inlined", "The TC stage's classifier inlined").
 *
 * The cls-call bench variant (XT_BENCH_CLS_CALL) builds the path before:
 * xt_classify(), classify_packet() as a global function, which the
 * verifier checks once with *p unknown (inlined with *p on the stack,
 * 6.18 gave up after 114 s); the callers then keep *p and *v on the stack.
 * Nothing else calls it: the shipped objects do not have it.
 */
#ifdef XT_BENCH_CLS_CALL
__noinline int xt_classify(const struct xt_pkt *p, struct xt_verdict *v,
			   struct xt_cls_cpu *cc, int stage, int clock_user)
{
	if (!p || !v)
		return 0;
	return classify_packet(p, v, cc, stage, clock_user);
}
#define classify(p, v, cc, stage, clock_user) \
	xt_classify(p, v, cc, stage, clock_user)
#else
/* clock_user: the state windows on xt_clock_ns, not the live clock. */
static __always_inline int classify(struct xt_pkt *p, struct xt_verdict *v,
				    struct xt_cls_cpu *cc, const int stage,
				    int clock_user)
{
	int drop_at;

	/*
	 * Compiler barriers, no instructions: clang must read *p from the
	 * map here rather than carry the parser's values over in registers,
	 * and the caller must read *v back rather than the classifier's
	 * registers.  Without them the verifier still learns through the
	 * registers what one path knows: 6.18 stopped at a million
	 * instructions, unrolling the score loop with the score's range
	 * kept precise for the band counter's index.
	 */
	asm volatile("" : : : "memory");
	drop_at = classify_packet(p, v, cc, stage, clock_user);
	asm volatile("" : : : "memory");
	return drop_at;
}
#endif

/*
 * Counters for one classified packet besides its verdict memo's entry
 * (which counts its class, bytes, band, action and rules).
 */
static __always_inline void count_verdict(struct xt_cls_stats *st,
					  const struct xt_verdict *v,
					  const struct xt_pkt *p)
{
#ifdef XT_BENCH_NO_MEMO	/* bench variant: each count per packet */
	st->class_pkts[v->class_id]++;
	st->class_bytes[v->class_id] += p->len;
	st->band[XT_BAND(v->score)]++;
#endif
	/* Most packets are neither: one test. */
	if (!(p->features & (XT_F_MALFORMED | XT_F_FRAGMENT)))
		return;
	if (p->features & XT_F_MALFORMED)
		st->malformed++;
	if (p->features & XT_F_FRAGMENT)
		st->fragments++;
}

/* Auto mode: has TC seen metadata go missing (then classify at TC)? */
static __always_inline int bridge_switched(void)
{
	struct xt_bridge_state *b = bpf_map_lookup_elem(&xt_bridge, XT_KEY0);

	return b && b->switched_ns;
}

#endif /* XDPTAG_CLASSIFY_H */
