// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdptag XDP stage: parse, classify, write the tag into the metadata area,
 * count, and pass (or drop above the configured score).
 */
#define XT_OBJ_XDP
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "classify.h"
#include "capture.h"

/*
 * Bench variants (bench/xt_bench.c, docs/performance.md "Where the time
 * goes"): the Makefile builds extra copies of this program with one of
 * these defined, each leaving out or adding one suspect cost.  The shipped
 * object defines none.
 *   XT_BENCH_META_CALL	call bpf_xdp_adjust_meta() on every packet, as
 *			production does, even where the test run's repeat
 *			left our tag in place to rewrite
 *   XT_BENCH_NO_STATS	no per-CPU counter updates
 *   XT_BENCH_PARSE_ONLY	parse, then pass: no classifier, tag, counters
 *   XT_BENCH_NO_CLASSIFY	parse and write an empty tag: no classifier
 *   XT_BENCH_NO_PFX	(classify.h) no prefix table probes
 *   XT_BENCH_V6_INLINE	(classify.h) the IPv6 probe inlined, not called
 *   XT_BENCH_PFX_HASH2	(classify.h) each probe hashes twice
 *   XT_BENCH_PFX_CALL2	(classify.h) each probe looks its table up twice
 *   XT_BENCH_PFX_HASH24	(classify.h) no /24 chunks: IPv4's /24 level
 *			probed in the hash table (xt_bench compiles its
 *			rulesets with xt_pfx_no_chunks)
 *   XT_BENCH_PFX_HASH6	(classify.h) no IPv6 chunks: IPv6's /24 and /32
 *			levels probed in the hash table (xt_bench compiles
 *			its rulesets with xt_pfx_no_v6_chunks)
 *   XT_BENCH_PFX_CHAIN	(classify.h) one multiply, AND and add more on
 *			each probe's chain from address to slot
 *   XT_BENCH_L1_WHOLE	(classify.h) a /16 with longer prefixes anywhere
 *			sends every address of it to the chunk or table,
 *			as before its slot said which /22s hold them
 *   XT_BENCH_PFX_FIXED	(maps.h) every prefix table this many buckets,
 *			without BPF_F_INNER_MAP: the verifier inlines the
 *			lookup (xt_bench installs such tables)
 *   XT_BENCH_STATE_SKIP	(classify.h) stateful rules never hold: no state
 *   XT_BENCH_STATE_NO_COUNT	(classify.h) the state lookup, nothing counted
 *   XT_BENCH_STATE_NO_LOOKUP	(classify.h) a fixed entry, no set probe
 *   XT_BENCH_STATE_NO_CLOCK	(classify.h) no clock read
 *   XT_BENCH_STATE_COARSE	(classify.h) the coarse clock, never jiffies
 *   XT_BENCH_STATE_NO_HOLD	(classify.h) counted, but no stateful rule holds
 *   XT_BENCH_STATE_LOOP	(classify.h) the state counting as a loop, not
 *			unrolled
 *   XT_BENCH_STATE_ROLL2	(classify.h) both windows' ages tested on every
 *			stateful packet, not the entry's roll_at
 *   XT_BENCH_STATE_COUNT_HELD	(classify.h) a rule that already reached its
 *			limit in this window is counted on
 *   XT_BENCH_STATE_NO_MEMO	(classify.h) no fan-out memo: every fan-out
 *			slot hashes the destination and tests its bit
 *   XT_BENCH_STATE_MEMO_MISS	(classify.h) the fan-out memo misses on every
 *			packet, as a scan's would (each destination new):
 *			the hashes, the bit tests, the memo taken over
 *   XT_BENCH_STATE_WAY_LOOP	(classify.h) way 0 of the set probed in the
 *			loop with the others, not on its own
 *   XT_BENCH_NO_HITS	no rule-hit counts (the classifier gets no hits)
 *   XT_BENCH_NO_VCOUNT	classify and tag, then nothing counted but the
 *			rule hits (no class, band, action, tagged counts)
 *   XT_BENCH_NO_MEMO	(classify.h) no verdict memo: the score loop and
 *			each counter per packet, as before "The verdict
 *			memo"; the variants that leave out counts or the
 *			score loop build on it
 *   XT_BENCH_MEMO_MISS	(classify.h) the verdict memo misses on every
 *			packet: each one a takeover, as a set of rules new
 *			to its slot
 *   XT_BENCH_CALL2	one more global function call before the classifier
 *   XT_BENCH_CLS_CALL	(classify.h) the classifier called as a global
 *			function, the packet and verdict on the stack
 *			(before "The classifier inlined")
 *   XT_BENCH_NO_SCORE	(classify.h) no score loop (and no rule hits)
 *   XT_BENCH_SCORE_OLD	(classify.h) the score loop before score_loop():
 *			32-bit variables, the class stored at each
 *			better rule, hits tested each turn
 *   XT_BENCH_NO_DIMS	(classify.h) no ICMP, TTL, length, VLAN loads
 *   XT_BENCH_NO_ADDR	(classify.h) no address dimensions at all
 *   XT_BENCH_CLS_EMPTY	(classify.h) the classifier called, returning at
 *			once
 *   XT_BENCH_SCORE_NOPEEL	(classify.h) the first matched rule in the
 *			score loop too, as before "The fixed cost per packet"
 *   XT_BENCH_PARSE_FIELDS	(parse.h) addresses copied and compared field
 *			by field
 *   XT_BENCH_NO_CAPTURE	no capture check
 *   XT_BENCH_CAP_LOOKUP	(maps.h, capture.h) the capture switch in a map
 *			of .maps, looked up per packet, as before "The
 *			capture switch as a global"
 *   XT_BENCH_FRAGS	as loaded as xdp.frags on a jumbo-frame interface:
 *			the copy that reads its options, the frame's length
 *			from bpf_xdp_get_buff_len()
 *   XT_BENCH_PAD_IND, XT_BENCH_PAD_DEP	calibration: 32 ALU instructions
 *			more, independent or in one chain into the classifier
 * The cpu-v1 variant is this program compiled for BPF ISA v1 (-mcpu=v1),
 * as it was before the Makefile asked for v3.
 */

/*
 * The frags variant runs what a jumbo-frame interface runs: the copy that
 * reads its options, with frags on (the only option attach set).
 */
#ifdef XT_BENCH_FRAGS
#define XT_BENCH_FRAGS_ON	1
#else
#define XT_BENCH_FRAGS_ON	0
#endif

/* Set in the skeleton's rodata before load (union xt_xdp_cfg). */
const volatile union xt_xdp_cfg cfg_xdp;

_Static_assert(__builtin_offsetof(struct xdptag_tag, class_id) ==
	       __builtin_offsetof(struct xdptag_tag, score) + 1 &&
	       __builtin_offsetof(struct xdptag_tag, vlan_id) ==
	       __builtin_offsetof(struct xdptag_tag, features) + 2 &&
	       __builtin_offsetof(struct xdptag_tag, reserved) ==
	       __builtin_offsetof(struct xdptag_tag, features) + 4,
	       "tag_write() copies score and class together, and writes "
	       "features, VLAN and the reserved zero in one store");

/*
 * Make room for the tag and write it.  If the area already holds exactly a
 * tag of this version (BPF_PROG_TEST_RUN with repeat keeps the buffer
 * between runs) it is rewritten in place; otherwise the tag is put in front
 * of whatever is there, another version's tag included.  Returns 0 or the
 * helper's error.
 */
static __always_inline int tag_write(struct xdp_md *ctx,
				     const struct xt_pkt *p,
				     const struct xt_verdict *v, int no_meta)
{
	void *data = (void *)(long)ctx->data;
	struct xdptag_tag *tag = (void *)(long)ctx->data_meta;
	int reuse = 0;
	__u32 head;
	__u64 fv;
	int err;

	if (no_meta)
		return -524;	/* ENOTSUPP: what the helper returns on such drivers */

	/* The range check comes alone: the verifier learns nothing from ==. */
	if ((void *)(tag + 1) <= data)
		reuse = xt_tag_ours(tag) && (void *)(tag + 1) == data;
	/* The bench's XT_BENCH_META_CALL calls the helper on every packet, as
	 * production does, moving nothing when the tag is rewritten. */
#ifndef XT_BENCH_META_CALL
	if (!reuse)
#endif
	{
		err = bpf_xdp_adjust_meta(ctx, reuse ? 0 : -(int)sizeof(*tag));
		if (err)
			return err;
		/* The helper moved data_meta: reload before touching it. */
		data = (void *)(long)ctx->data;
		tag = (void *)(long)ctx->data_meta;
		if ((void *)(tag + 1) > data)
			return -22;
	}
	head = xt_tag_head();
	__builtin_memcpy(tag, &head, sizeof(head));
	/* Fields side by side in both: copied together (struct xt_verdict,
	 * struct xt_pkt). */
	__builtin_memcpy(&tag->score, &v->score_class, sizeof(v->score_class));
	tag->tcp_flags = p->tcp_flags & XT_TAG_TCP_FLAGS_MASK;
	tag->ip_proto = p->ip_proto;
	/* Features and VLAN, and the reserved word's zero, as one word. */
	fv = p->features_vlan;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	fv <<= 32;
#endif
	__builtin_memcpy(&tag->features, &fv, sizeof(fv));
	tag->rules = v->rules;
	return 0;
}

static __always_inline void explain_write(const struct xt_pkt *p,
					  const struct xt_verdict *v,
					  __u32 action)
{
	struct xt_explain *e = bpf_map_lookup_elem(&xt_explain, XT_KEY0);

	if (!e)
		return;
	e->len = p->len;
	e->action = action;
	e->eth_proto = bpf_ntohs(p->eth_proto_be);
	e->sport = p->sport;
	e->dport = p->dport;
	e->vlans = p->vlans;
	e->l4 = p->l4;
	e->tcp_flags = p->tcp_flags;
	e->ttl = p->ttl;
	e->icmp_type = p->icmp_type;
	e->icmp_code = p->icmp_code;
	e->features = p->features;
	e->ip_proto = p->ip_proto;
	e->l3_ok = p->l3_ok;
	e->l4_ok = p->l4_ok;
	e->score = v->score;
	e->class_id = v->class_id;
	e->rules = v->rules;
	e->seq++;
}

#ifdef XT_BENCH_CALL2	/* bench variant: one more global function */
__noinline int xt_bench_nop(const struct xt_pkt *p)
{
	return p && p->len == 1;
}
#endif

/*
 * The stage, with its options (union xt_xdp_cfg) as arguments: constants
 * in the copy that runs with every option at its default, loads from
 * rodata in the other (xdptag_xdp()).
 */
static __always_inline int xdp_stage(struct xdp_md *ctx, __u32 bridge,
				     int no_meta, int explain, int clock_user,
				     int frags)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
#ifdef XT_BENCH_CLS_CALL	/* bench variant: on the stack, as before */
	struct xt_verdict v_stack = { .action = XDP_PASS };
	struct xt_pkt p_stack;
#else
	struct xt_cls_scratch *sc;
#endif
	struct xt_verdict *v;
	struct xt_pkt *p;
	struct xt_cls_cpu *cc;
	struct xt_cls_stats *st;

	cc = bpf_map_lookup_elem(&xt_cls_stats, XT_KEY0);
	if (!cc)
		return XDP_PASS;
	st = &cc->s;
	/* In the tc bridge mode the TC stage classifies: only count here. */
	if (bridge == XT_BRIDGE_TC ||
	    (bridge == XT_BRIDGE_AUTO && bridge_switched())) {
		st->action[XDP_PASS]++;
		return XDP_PASS;
	}

#ifdef XT_BENCH_CLS_CALL
	p = &p_stack;
	v = &v_stack;
#else
	sc = cls_scratch(cc, XT_MEMO_XDP);
	p = &sc->p;
	v = &sc->v;
	/*
	 * Not zeroed: classify() writes every field of the verdict (the
	 * memo's entry copied, or the score loop's and the action's; 3
	 * instructions a frame, docs/performance.md, "Three cuts with
	 * nothing traded").  The variants that skip it start from a pass,
	 * tagged.
	 */
#if defined(XT_BENCH_CLS_EMPTY) || defined(XT_BENCH_NO_CLASSIFY)
	*v = (struct xt_verdict){ .action = XDP_PASS, .tagged = 1 };
#endif
#endif
	xt_pkt_init(p);
	parse_packet(data, data_end, p);
	/*
	 * Multi-buffer (loaded as xdp.frags on an interface whose MTU needs
	 * it): the headers are in the first buffer, which is all the parser
	 * reads; the length rules and the byte counts take the whole
	 * frame's, which only the helper knows.  A call a packet, so only
	 * where the frame may not fit one buffer (user/attach.c).
	 */
	if (frags)
		p->len = bpf_xdp_get_buff_len(ctx);
#ifdef XT_BENCH_PARSE_ONLY
	xt_barrier_var(p->features);
	return XDP_PASS;
#endif
#ifdef XT_BENCH_NO_CLASSIFY
	xt_barrier_var(p->features);
	tag_write(ctx, p, v, no_meta);
	return XDP_PASS;
#endif
#ifdef XT_BENCH_NO_STATS
	classify(p, v, NULL, XT_MEMO_XDP, clock_user);
	if (v->action == XDP_DROP)
		return XDP_DROP;
	tag_write(ctx, p, v, no_meta);
	return XDP_PASS;
#endif
#ifdef XT_BENCH_CALL2
	if (xt_bench_nop(p))
		return XDP_DROP;
#endif
#ifdef XT_BENCH_PAD_IND	/* bench calibration: 32 independent ALU ops */
	{
		__u64 a0 = 1, a1 = 2, a2 = 3, a3 = 4;
		int i;

#pragma clang loop unroll(full)
		for (i = 0; i < 8; i++)
			asm volatile("%0 ^= 5; %1 ^= 5; %2 ^= 5; %3 ^= 5"
				     : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3));
	}
#endif
#ifdef XT_BENCH_PAD_DEP	/* bench calibration: 32 dependent ALU ops */
	{
		__u32 l = p->len;
		int i;

#pragma clang loop unroll(full)
		for (i = 0; i < 8; i++)	/* on p->len, which the classifier reads */
			asm volatile("%0 ^= 5; %0 ^= 5; %0 ^= 5; %0 ^= 5"
				     : "+r"(l));
		p->len = l;
	}
#endif
	/* The verdict's action comes with its score: the drop threshold
	 * classify() returns is for TC. */
#if defined(XT_BENCH_NO_HITS) || defined(XT_BENCH_NO_SCORE)
	classify(p, v, NULL, XT_MEMO_XDP, clock_user);
#else
	classify(p, v, cc, XT_MEMO_XDP, clock_user);
#endif
#ifdef XT_BENCH_NO_VCOUNT
	tag_write(ctx, p, v, no_meta);
	return XDP_PASS;
#endif
	/*
	 * The verdict memo counts the action, and a pass as tagged (the
	 * tag is written on all but drivers without metadata): a pass
	 * whose tag could not be written is taken off.
	 */
	if (v->action != XDP_DROP && tag_write(ctx, p, v, no_meta)) {
		st->meta_fail++;	/* pass untagged: never drop for it */
		v->tagged = 0;
#ifndef XT_BENCH_NO_MEMO
		st->tagged--;
#endif
	}
#ifdef XT_BENCH_NO_MEMO	/* bench variant: each count per packet */
	st->tagged += v->tagged;
#endif

	count_verdict(st, v, p);
#ifdef XT_BENCH_NO_MEMO
	st->action[v->action]++;
#endif
	if (explain)
		explain_write(p, v, v->action);
#ifndef XT_BENCH_NO_CAPTURE	/* bench variant: no capture check */
	capture(ctx, p, v);
#endif
	return v->action;
}

SEC("xdp")
int xdptag_xdp(struct xdp_md *ctx)
{
	/*
	 * Two copies of the stage, and the verifier, which knows rodata's
	 * values, keeps one.  With every option at its default (all that a
	 * plain attach sets) each is a constant, and a packet pays no load
	 * or test for any of them, only the word's (5.5 instructions a
	 * frame on the mix; docs/performance.md, "Instructions per
	 * packet").
	 */
	if (!cfg_xdp.any && !XT_BENCH_FRAGS_ON)
		return xdp_stage(ctx, XT_BRIDGE_META, 0, 0, 0, 0);
	return xdp_stage(ctx, cfg_xdp.bridge, cfg_xdp.no_meta,
			 cfg_xdp.explain, cfg_xdp.clock_user,
			 cfg_xdp.frags || XT_BENCH_FRAGS_ON);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
