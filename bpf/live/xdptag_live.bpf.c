// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag replay --live` (user/replay_live.c): the frame injector and the
 * observer behind the TC stage, in a throwaway network namespace.
 *
 * xdptag_inject runs under BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on
 * the sending veth: XDP_TX there sends each frame to the peer, where the
 * pipeline runs on the real receive path.  xdptag_observe is a TC ingress
 * filter on the peer after xdptag's: it reports what TC left in each skb
 * (mark, tag) into a ring buffer.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#define XT_OBJ_LIVE
#include "maps.h"

SEC("xdp")
int xdptag_inject(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("tc")
int xdptag_observe(struct __sk_buff *skb)
{
	struct xdptag_tag *tag = (void *)(long)skb->data_meta;
	void *data = (void *)(long)skb->data;
	struct xt_live_rec *r;

	r = bpf_ringbuf_reserve(&xt_live_ring, sizeof(*r), 0);
	if (!r)
		return TC_ACT_UNSPEC;
	r->len = skb->len;
	r->mark = skb->mark;
	r->tagged = 0;
	r->pad = 0;
	__builtin_memset(&r->tag, 0, sizeof(r->tag));
	if ((void *)(tag + 1) <= data && tag->magic == XDPTAG_MAGIC &&
	    tag->version == XDPTAG_VERSION && tag->len == XDPTAG_TAG_LEN) {
		r->tag = *tag;
		r->tagged = 1;
	}
	bpf_ringbuf_submit(r, 0);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
