// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdptag TC ingress stage: find the XDP stage's tag in the skb metadata and
 * fold the configured field into skb->mark under the configured mask.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "xdptag.h"

/* Mark settings, fixed at attach time (rodata: no map lookup per packet). */
const volatile __u32 cfg_mark_mask = 0xff;
const volatile __u32 cfg_mark_shift;
const volatile __u32 cfg_mark_value = XT_MARK_CLASS;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xt_tc_stats);
} xt_tc_stats SEC(".maps");

/*
 * Returns TC_ACT_UNSPEC everywhere: xdptag only annotates, so filters after
 * it (and the default path) must see the packet exactly as they would have.
 */
SEC("tc")
int xdptag_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct xdptag_tag *tag = (void *)(long)skb->data_meta;
	struct xt_tc_stats *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&xt_tc_stats, &zero);
	if (!st)
		return TC_ACT_UNSPEC;

	if ((void *)tag >= data) {
		st->no_meta++;
		return TC_ACT_UNSPEC;
	}
	if ((void *)(tag + 1) > data) {
		st->short_meta++;
		return TC_ACT_UNSPEC;
	}
	if (tag->magic != XDPTAG_MAGIC || tag->version != XDPTAG_VERSION ||
	    tag->len != XDPTAG_TAG_LEN) {
		st->foreign++;
		return TC_ACT_UNSPEC;
	}
	st->valid++;
	skb->mark = xt_mark_apply(skb->mark, xt_mark_value(tag, cfg_mark_value),
				  cfg_mark_mask, cfg_mark_shift);
	st->marked++;
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
