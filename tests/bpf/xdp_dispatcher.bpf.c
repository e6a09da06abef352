// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test program: named like libxdp's multiprog dispatcher, without its
 * configuration, so libxdp does not take it for one: attach must refuse it
 * like any other program (tests/e2e/test_coexist.sh), not try to join it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_dispatcher(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
