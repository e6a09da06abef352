// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test program: another mark user's TC filter, run before xdptag's.  It sets
 * a bit outside xdptag's mask, which must survive xdptag's mark write.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int premark(struct __sk_buff *skb)
{
	skb->mark |= 0x80000000;
	/* UNSPEC: let the next filter (xdptag's) run too. */
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
