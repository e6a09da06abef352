// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Test program: someone else's XDP program, which attach must not replace
 * without --force. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
