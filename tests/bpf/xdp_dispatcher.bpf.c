// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test program: stands in for libxdp's multiprog dispatcher, which attach
 * recognises by its program name.  (Debian 12's libxdp 1.3.1 builds no
 * dispatcher on kernel 6.18: its compatibility check fails with EPERM and
 * it falls back to a single program.)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_dispatcher(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
