/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * `xdptag capture`, BPF side: sample packets with their verdict into a ring
 * buffer.  Runs after the verdict, outside the classifier; a packet pays
 * an ld_imm64 of the switch's address and one load when no capture runs.
 */
#ifndef XDPTAG_CAPTURE_H
#define XDPTAG_CAPTURE_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "classify.h"

#define XT_NSEC_PER_SEC	1000000000ULL

/* Does the packet pass the capture's filter (every condition given)? */
static __always_inline int cap_match(const struct xt_cap_cfg *cfg,
				     const struct xt_verdict *v)
{
	if ((cfg->flags & XT_CAP_CLASS) && v->class_id != cfg->class_id)
		return 0;
	if ((cfg->flags & XT_CAP_DROPPED) && v->action != XDP_DROP)
		return 0;
	if (v->score < cfg->min_score)
		return 0;
	if (cfg->rules && !(v->rules & cfg->rules))
		return 0;
	return 1;
}

/*
 * The per-second limit, shared by all CPUs: a window number and a count in
 * it.  Two CPUs opening the same new window may both reset the count, which
 * can let a few packets too many through at the turn of a second, never
 * more than one per CPU.
 */
static __always_inline int cap_admit(struct xt_cap *c, __u32 rate)
{
	__u64 win = bpf_ktime_get_ns() / XT_NSEC_PER_SEC;

	if (!rate)
		return 1;
	if (c->st.win != win) {
		c->st.win = win;
		c->st.win_n = 0;
	}
	return __sync_fetch_and_add(&c->st.win_n, 1) < rate;
}

/*
 * The record's scratch entry.  Its key is here, not in capture(): clang
 * would store it on the stack before the switch is tested, on every packet.
 */
static __always_inline struct xt_cap_rec *cap_scratch(void)
{
	return bpf_map_lookup_elem(&xt_cap_scratch, XT_KEY0);
}

static __always_inline void capture(struct xdp_md *ctx,
				    const struct xt_pkt *p,
				    const struct xt_verdict *v)
{
	struct xt_cap_rec *r;
	struct xt_cap *c;
	__u32 len;

#ifdef XT_BENCH_CAP_LOOKUP	/* bench variant: the map looked up */
	c = bpf_map_lookup_elem(&xt_cap, &(__u32){ 0 });
	if (!c)
		return;
#else
	c = &xt_cap;
#endif
	if (!c->cfg.on)
		return;		/* the one flag: no capture running */
	if (!cap_match(&c->cfg, v))
		return;
	__sync_fetch_and_add(&c->st.matched, 1);
	if (!cap_admit(c, c->cfg.rate)) {
		__sync_fetch_and_add(&c->st.rate_limited, 1);
		return;
	}
	r = cap_scratch();
	if (!r)
		return;
	len = p->len;
	if (len > c->cfg.snaplen)
		len = c->cfg.snaplen;
	if (len > XT_CAP_SNAP_MAX)
		len = XT_CAP_SNAP_MAX;
	r->ts_ns = bpf_ktime_get_ns();
	r->rules = v->rules;
	r->wire_len = p->len;
	r->score = v->score;
	r->class_id = v->class_id;
	r->action = v->action;
	r->tagged = v->tagged;
	r->features = p->features;
	r->pad = 0;
	/*
	 * The helper wants a size the verifier knows is between 1 and the
	 * buffer's.  len is, but 6.1's verifier learns nothing from
	 * "len != 0" and loses the clamp above on the way: a mask then an
	 * add give the bounds to any verifier (and change nothing, len being
	 * 1 to XT_CAP_SNAP_MAX already).
	 */
	if (len) {
		__u64 n = len;

		n = ((n - 1) & (XT_CAP_SNAP_MAX - 1)) + 1;
		xt_barrier_var(n);
		if (bpf_xdp_load_bytes(ctx, 0, r->data, n))
			len = 0;
	}
	r->cap_len = len;
	if (bpf_ringbuf_output(&xt_cap_ring, r,
			       offsetof(struct xt_cap_rec, data) + len, 0)) {
		__sync_fetch_and_add(&c->st.ring_full, 1);
		return;
	}
	__sync_fetch_and_add(&c->st.sampled, 1);
}

#endif /* XDPTAG_CAPTURE_H */
