// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The floor for XDP: a program that only passes the frame. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int null_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
