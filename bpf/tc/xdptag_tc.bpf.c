// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdptag TC ingress stage: find the XDP stage's tag in the skb metadata and
 * fold the configured field into skb->mark under the configured mask.  In
 * the tc and auto bridge modes it also classifies packets that arrive
 * without a tag, with the same classifier the XDP stage uses.
 */
#define XT_OBJ_TC
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "classify.h"

/* Settings fixed at attach time (rodata: no map lookup per packet). */
const volatile __u32 cfg_mark_mask = XT_MARK_MASK_DEFAULT;
const volatile __u32 cfg_mark_shift;
const volatile __u32 cfg_mark_value = XT_MARK_CLASS;
const volatile __u32 cfg_bridge = XT_BRIDGE_META;	/* enum xt_bridge */

/* Bytes made linear before parsing at TC: room for VLANs, IPv6 and a few
 * extension headers; a chain running past it is parsed as truncated. */
#define XT_TC_PULL	256

static __always_inline void mark_write(struct __sk_buff *skb,
				       const struct xdptag_tag *tag,
				       struct xt_tc_stats *st)
{
	__u32 mark = xt_mark_apply(skb->mark,
				   xt_mark_value(tag, cfg_mark_value),
				   cfg_mark_mask, cfg_mark_shift);

	/*
	 * The verifier takes a context field's store only at the context
	 * pointer plus a constant: the barrier keeps clang from computing
	 * &skb->mark once, into a register, for the load and the store.
	 */
	xt_barrier_var(skb);
	skb->mark = mark;
	st->marked++;
}

/*
 * Bench variants (bench/xt_bench.c's tc tier; the Makefile's
 * BENCH_TC_VARIANTS builds this file with a flag of its
 * BENCH_VARIANT_FLAGS_* table).  The shipped object defines none.
 *   XT_BENCH_CLS_CALL	the parser and the classifier (classify.h) called
 *			as global functions, the packet and verdict on the
 *			stack (before "The TC stage's classifier inlined")
 */

/*
 * Make the headers linear and parse them into *p, inlined: *p is the
 * scratch entry, so the classifier after it is checked once whatever the
 * parser's path (classify(), classify.h).  The cls-call variant calls it
 * as a global function, as before.
 */
#ifdef XT_BENCH_CLS_CALL
__noinline int
#else
static __always_inline int
#endif
tc_parse(struct __sk_buff *skb, struct xt_pkt *p)
{
	__u32 want;

	if (!skb || !p)
		return 0;
	want = skb->len < XT_TC_PULL ? skb->len : XT_TC_PULL;
	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
	parse_packet((void *)(long)skb->data, (void *)(long)skb->data_end, p);
	p->len = skb->len;
	/*
	 * The kernel moved the outermost VLAN tag out of the frame, into the
	 * skb, before TC (skb_vlan_untag(), or the driver's VLAN offload):
	 * put it back where XDP found it, as the outermost tag, with its 4
	 * bytes in the length, so that vlan and len rules match alike.
	 */
	if (skb->vlan_present) {
		p->len += 4;
		p->vlan_id = skb->vlan_tci & 0x0fff;
		p->features |= XT_F_VLAN;
		p->vlans++;
	}
	return 0;
}

/*
 * Classify here what XDP could not tag.  count: fill the histograms too
 * (not when XDP already counted this packet before its tag got lost).
 */
static __always_inline int tc_classify(struct __sk_buff *skb,
				       struct xt_tc_stats *st, int count)
{
#ifdef XT_BENCH_CLS_CALL	/* bench variant: on the stack, as before */
	struct xt_verdict v_stack = {};
	struct xt_pkt p_stack;
#else
	struct xt_cls_scratch *sc;
#endif
	struct xt_cls_cpu *cc;
	struct xdptag_tag tag = {};
	struct xt_verdict *v;
	struct xt_pkt *p;
	int drop_at;

	cc = bpf_map_lookup_elem(&xt_cls_stats, XT_KEY0);
	if (!cc)
		return TC_ACT_UNSPEC;
#ifdef XT_BENCH_CLS_CALL
	p = &p_stack;
	v = &v_stack;
#else
	sc = cls_scratch(cc, XT_MEMO_TC);
	p = &sc->p;
	v = &sc->v;	/* classify() writes what TC reads of it */
#endif
	xt_pkt_init(p);
	tc_parse(skb, p);
	drop_at = classify(p, v, count ? cc : NULL, XT_MEMO_TC, 0);	/* live clock */
	st->classified++;
	if (count)
		count_verdict(&cc->s, v, p);
	if (xt_drops(drop_at, v->score)) {
		st->dropped++;
		return TC_ACT_SHOT;
	}
	tag.score = v->score;
	tag.class_id = v->class_id;
	mark_write(skb, &tag, st);
	return TC_ACT_UNSPEC;
}

/*
 * No valid tag: per mode, leave the packet alone or classify it here.
 * One call of tc_classify(), which holds the parser and the classifier
 * inlined: a second would double the program.
 */
static __always_inline int untagged(struct __sk_buff *skb,
				    struct xt_tc_stats *st)
{
	struct xt_bridge_state *b;
	int count = 1;

	if (cfg_bridge == XT_BRIDGE_META)
		return TC_ACT_UNSPEC;
	/* auto: the first untagged packet flips the switch; XDP then stops
	 * classifying and the histograms are counted here from the next one. */
	if (cfg_bridge != XT_BRIDGE_TC) {
		b = bpf_map_lookup_elem(&xt_bridge, XT_KEY0);
		if (!b)
			return TC_ACT_UNSPEC;
		count = b->switched_ns != 0;
		if (!count)
			b->switched_ns = bpf_ktime_get_ns();
		__sync_fetch_and_add(&b->trigger, 1);
	}
	return tc_classify(skb, st, count);
}

/* Metadata lengths in front of the tag that tag_find() looks through. */
#define XT_TC_META_SCAN	8

/*
 * Where xdptag's tag is in [meta, data): at data_meta, where the XDP stage
 * writes it (over nothing, or in front of what an XDP program that ran
 * before it left), or immediately before data when an XDP program that ran
 * after it grew the area in front of the tag (bpf_xdp_adjust_meta() moves
 * data_meta, never data).  The caller checked meta + tag <= data.  Returns
 * the place that holds our magic, version and length, or NULL.
 */
static __always_inline struct xdptag_tag *tag_find(void *meta, void *data)
{
	struct xdptag_tag *t = meta;
	int i;

	if (xt_tag_ours(t))
		return t;
	/* Constant offsets, 4 bytes apart (metadata lengths are multiples of
	 * 4): the verifier tracks no variable offset from data_meta. */
#pragma unroll
	for (i = 1; i <= XT_TC_META_SCAN; i++) {
		t = meta + 4 * i;
		if ((void *)(t + 1) > data)
			return NULL;
		if ((void *)(t + 1) < data)
			continue;
		if (xt_tag_ours(t))
			return t;
		return NULL;
	}
	return NULL;
}

/*
 * Returns TC_ACT_UNSPEC (but for drops in tc mode): xdptag only annotates,
 * so filters after it and the default path see the packet as they would.
 * Under tcx the same value is TCX_NEXT: the programs after it still run.
 */
SEC("tc")
int xdptag_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct xdptag_tag *tag = (void *)(long)skb->data_meta, *found;
	struct xt_tc_stats *st;

	st = bpf_map_lookup_elem(&xt_tc_stats, XT_KEY0);
	if (!st)
		return TC_ACT_UNSPEC;
	/* XDP saw each segment GRO merged into this skb. */
	st->seen_segs += skb->gso_segs > 1 ? skb->gso_segs : 1;

	/* One call site for untagged(): each inlined copy of the parser
	 * costs the verifier a full walk of its paths. */
	if ((void *)tag >= data)
		st->no_meta++;
	else if ((void *)(tag + 1) > data)
		st->short_meta++;
	else if (!(found = tag_find(tag, data)))
		st->foreign++;
	else {
		st->valid++;
		mark_write(skb, found, st);
		return TC_ACT_UNSPEC;
	}
	return untagged(skb, st);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
