// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the packet parser: the very header the BPF programs
 * include (bpf/lib/parse.h), compiled for user space.  libFuzzer hands over
 * a buffer of exactly `size` bytes, so AddressSanitizer flags any read past
 * what the parser would see as data_end.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

static void invariant(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xt_pkt p;
	int i;

	/* The scratch entry holds the last packet's: the parser must write
	 * what xt_pkt_init() leaves on every path. */
	memset(&p, 0xa5, sizeof(p));
	xt_pkt_init(&p);
	parse_packet((void *)data, (void *)(data + size), &p);

	/* What the classifier relies on. */
	invariant(p.len == size);
	invariant(p.vlans <= XT_MAX_VLANS);
	invariant(!(p.features & ~(XT_F_SLOTS - 1)));
	invariant(!(p.features & XT_F_IPV4) || !(p.features & XT_F_IPV6));
	invariant(!p.l4_ok || p.l4 != XT_L4_NONE);
	/* The family by l3_ok alone, as the classifier tells it. */
	invariant(p.l3_ok == 0 ||
		  (p.l3_ok == XT_L3_IPV4 && (p.features & XT_F_IPV4)) ||
		  (p.l3_ok == XT_L3_IPV6 && (p.features & XT_F_IPV6)));
	invariant(!p.l3_ok == (p.l4 == XT_L4_NONE));	/* no IP, no L4 */
	invariant(!(p.features & XT_F_VLAN) == !p.vlans);	/* either tests */
	invariant(xt_pkt_ipv6(&p) == !!(p.features & XT_F_IPV6));
	invariant(p.vlan_id < XT_VLAN_SLOTS - 1);	/* the table's index */
	invariant(p.ports_ok == (p.l4_ok && (p.l4 == XT_L4_TCP ||
					     p.l4 == XT_L4_UDP)));
	invariant(p.ports_ok || !p.ports);	/* no ports: both 0 */
	invariant(p.icmp_ok == (p.l4_ok && (p.l4 == XT_L4_ICMP ||
					    p.l4 == XT_L4_ICMPV6)));
	/* The tables' indices: the byte, or "none" without its header. */
	invariant(p.ix_ip_proto == (p.l3_ok ? p.ip_proto : XT_BYTE_NONE));
	invariant(p.ix_ttl == (p.l3_ok ? p.ttl : XT_BYTE_NONE));
	/* Addresses: IPv4's in [0], none without a whole IP header. */
	for (i = 0; i < 4; i++) {
		invariant((p.l3_ok && (i == 0 || (p.features & XT_F_IPV6))) ||
			  (!p.saddr[i] && !p.daddr[i]));
	}
	invariant(p.ix_tcp_flags == (p.l4_ok && p.l4 == XT_L4_TCP ?
				     p.tcp_flags : XT_BYTE_NONE));
	return 0;
}
