// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test program: another tool's TC ingress program that ends the chain, as
 * Cilium's do.  It returns 0, which is TCX_PASS under tcx and TC_ACT_OK
 * for a cls_bpf filter in direct-action mode: either way no program or
 * filter after it runs.  It sets mark bit 30, outside the masks the tests
 * give xdptag, so that nftables can count the packets it saw.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int other_pass(struct __sk_buff *skb)
{
	skb->mark |= 0x40000000;
	return TC_ACT_OK;	/* == TCX_PASS */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
