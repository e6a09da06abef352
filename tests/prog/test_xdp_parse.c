// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Parser cases through the real XDP object: for each frame, every byte of
 * the tag that comes back in the metadata, the verdict, and what the
 * explain record says the parser saw.  One wildcard rule is loaded so that
 * the tag also proves the classifier ran on every path (rules = 1).
 */
#include <sched.h>	/* sched_setaffinity(), sched_getcpu(): _GNU_SOURCE from the Makefile */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "lib/xdp_harness.h"
#include "lib/pkt.h"

#define ANY_WEIGHT	7
#define ANY_CLASS	2

#define A_SRC	0x0a010203	/* 10.1.2.3 */
#define A_DST	0xc0000209	/* 192.0.2.9 */
#define S6	"2001:db8::1"
#define D6	"2001:db8::2"

static struct xdptag *skel;

static int setup(void **state)
{
	struct xt_rule any = { .name = "any", .weight = ANY_WEIGHT,
			       .class_id = ANY_CLASS };

	skel = xh_open(0);
	if (!skel || xh_rules(skel, &any, 1, 0))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	xdptag__destroy(skel);
	return 0;
}

/* What every field of the tag must be, given what the parser should find. */
struct want {
	__u16 features;
	__u8 ip_proto;
	__u8 tcp_flags;		/* full flags byte; the tag drops PSH */
	__u16 vlan_id;
	__u8 vlans;
	__u8 l4;
	__u16 eth_proto;
	__u16 sport, dport;
	__u8 ttl;
	__u8 icmp_type, icmp_code;
	__u32 len;		/* frame length the program sees; 0: all */
};

/* p through skeleton sk: its tag and explain record must be as w says. */
static struct xh_result run_check_on(struct xdptag *sk, const struct pkt *p,
				     const struct want *w)
{
	struct xdptag_tag t = {
		.magic = XDPTAG_MAGIC, .version = XDPTAG_VERSION,
		.len = XDPTAG_TAG_LEN, .score = ANY_WEIGHT,
		.class_id = ANY_CLASS,
		.tcp_flags = w->tcp_flags & XT_TAG_TCP_FLAGS_MASK,
		.ip_proto = w->ip_proto, .features = w->features,
		.vlan_id = w->vlan_id, .reserved = 0, .rules = 1,
	};
	struct xh_result r = xh_run(sk, p->b, p->len, 1);

	assert_int_equal(r.err, 0);
	assert_int_equal(r.action, XDP_PASS);
	assert_true(r.tagged);
	assert_int_equal(r.tag.magic, XDPTAG_MAGIC);
	assert_int_equal(r.tag.version, XDPTAG_VERSION);
	assert_int_equal(r.tag.len, XDPTAG_TAG_LEN);
	assert_int_equal(r.tag.score, ANY_WEIGHT);
	assert_int_equal(r.tag.class_id, ANY_CLASS);
	assert_int_equal(r.tag.features, w->features);
	assert_int_equal(r.tag.ip_proto, w->ip_proto);
	assert_int_equal(r.tag.tcp_flags, w->tcp_flags & XT_TAG_TCP_FLAGS_MASK);
	assert_int_equal(r.tag.vlan_id, w->vlan_id);
	assert_int_equal(r.tag.reserved, 0);
	assert_int_equal(r.tag.rules, 1);
	/* and nothing else: the whole 24 bytes */
	assert_memory_equal(&r.tag, &t, sizeof(t));

	assert_int_equal(r.ex.len, w->len ? w->len : p->len);
	assert_int_equal(r.ex.action, XDP_PASS);
	assert_int_equal(r.ex.vlans, w->vlans);
	assert_int_equal(r.ex.l4, w->l4);
	assert_int_equal(r.ex.eth_proto, w->eth_proto);
	assert_int_equal(r.ex.sport, w->sport);
	assert_int_equal(r.ex.dport, w->dport);
	assert_int_equal(r.ex.tcp_flags, w->tcp_flags);
	assert_int_equal(r.ex.ttl, w->ttl);
	assert_int_equal(r.ex.icmp_type, w->icmp_type);
	assert_int_equal(r.ex.icmp_code, w->icmp_code);
	return r;
}

static struct xh_result run_check(const struct pkt *p, const struct want *w)
{
	return run_check_on(skel, p, w);
}

/* The XDP stage's fragments counter (xt_cls_stats.fragments) so far. */
static __u64 fragments_now(void)
{
	struct xt_cls_stats st;

	assert_int_equal(xh_cls_stats(skel, &st), 0);
	return st.fragments;
}

static void ipv4_tcp(void **state)
{
	struct pkt p = { 0 };
	/* SYN|ACK|PSH: the tag must carry SYN|ACK only */
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP, .ip_proto = 6,
			  .tcp_flags = 0x1a, .l4 = XT_L4_TCP,
			  .eth_proto = 0x0800, .sport = 1234, .dport = 80,
			  .ttl = 64 };
	__u64 frags = fragments_now();

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 1234, 80, 0x1a, 5);
	run_check(&p, &w);
	assert_int_equal(fragments_now(), frags);	/* not a fragment */
}

static void ipv4_options(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_IP_OPTIONS | XT_F_TCP,
			  .ip_proto = 6, .tcp_flags = 0x10, .l4 = XT_L4_TCP,
			  .eth_proto = 0x0800, .sport = 5555, .dport = 443,
			  .ttl = 3 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 7, 6, 3, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 5555, 443, 0x10, 5);
	run_check(&p, &w);
}

static void ipv4_first_fragment(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_FRAGMENT | XT_F_UDP,
			  .ip_proto = 17, .l4 = XT_L4_UDP, .eth_proto = 0x0800,
			  .sport = 53, .dport = 3333, .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 17, 64, 0x2000 /* MF, offset 0 */, A_SRC, A_DST, 8);
	pkt_udp(&p, 53, 3333, 0);
	run_check(&p, &w);
}

static void ipv4_later_fragment(void **state)
{
	struct pkt p = { 0 };
	/* What follows the header is payload: ports must stay 0. */
	struct want w = { .features = XT_F_IPV4 | XT_F_FRAGMENT,
			  .ip_proto = 17, .l4 = XT_L4_OTHER,
			  .eth_proto = 0x0800, .ttl = 64 };
	__u64 frags = fragments_now();

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 17, 64, 185 /* offset 1480, last */, A_SRC, A_DST, 8);
	pkt_udp(&p, 53, 3333, 0);
	run_check(&p, &w);
	assert_int_equal(fragments_now(), frags + 1);	/* counted once */
}

static void ipv6_ext_chain_first_fragment(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV6 | XT_F_IPV6_EXT |
				      XT_F_FRAGMENT | XT_F_TCP,
			  .ip_proto = 6, .tcp_flags = 0x02, .l4 = XT_L4_TCP,
			  .eth_proto = 0x86dd, .sport = 40000, .dport = 22,
			  .ttl = 9 };

	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_HOPOPTS, 9, S6, D6, 8 + 16 + 8 + 20);
	pkt_ip6ext(&p, IPPROTO_ROUTING, 0);
	pkt_ip6ext(&p, IPPROTO_FRAGMENT, 1);
	pkt_ip6frag(&p, IPPROTO_TCP, 0, 1);
	pkt_tcp(&p, 40000, 22, 0x02, 5);
	run_check(&p, &w);
}

static void ipv6_later_fragment(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV6 | XT_F_IPV6_EXT |
				      XT_F_FRAGMENT,
			  .ip_proto = 17, .l4 = XT_L4_OTHER,
			  .eth_proto = 0x86dd, .ttl = 64 };

	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_FRAGMENT, 64, S6, D6, 8 + 8);
	pkt_ip6frag(&p, IPPROTO_UDP, 10, 0);
	pkt_udp(&p, 53, 3333, 0);
	run_check(&p, &w);
}

static void vlan_one(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_VLAN | XT_F_IPV4 | XT_F_UDP,
			  .ip_proto = 17, .vlan_id = 100, .vlans = 1,
			  .l4 = XT_L4_UDP, .eth_proto = 0x0800, .sport = 1,
			  .dport = 2, .ttl = 64 };

	pkt_eth(&p, 0x8100);
	pkt_vlan(&p, 0x2000 | 100 /* priority 1 must not leak in */, 0x0800);
	pkt_ipv4(&p, 5, 17, 64, 0, A_SRC, A_DST, 8);
	pkt_udp(&p, 1, 2, 0);
	run_check(&p, &w);
}

static void vlan_qinq_88a8(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_VLAN | XT_F_IPV4 | XT_F_TCP,
			  .ip_proto = 6, .tcp_flags = 0x11, .vlan_id = 200,
			  .vlans = 2, .l4 = XT_L4_TCP, .eth_proto = 0x0800,
			  .sport = 7, .dport = 8, .ttl = 64 };

	pkt_eth(&p, 0x88a8);
	pkt_vlan(&p, 200, 0x8100);
	pkt_vlan(&p, 300, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 7, 8, 0x11, 5);
	run_check(&p, &w);
}

static void vlan_qinq_9100(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_VLAN | XT_F_IPV6 | XT_F_UDP,
			  .ip_proto = 17, .vlan_id = 4094, .vlans = 2,
			  .l4 = XT_L4_UDP, .eth_proto = 0x86dd, .sport = 9,
			  .dport = 10, .ttl = 1 };

	pkt_eth(&p, 0x9100);
	pkt_vlan(&p, 0xe000 | 4094, 0x8100);
	pkt_vlan(&p, 5, 0x86dd);
	pkt_ipv6(&p, IPPROTO_UDP, 1, S6, D6, 8);
	pkt_udp(&p, 9, 10, 0);
	run_check(&p, &w);
}

static void arp(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_ARP, .eth_proto = 0x0806 };

	pkt_eth(&p, 0x0806);
	pkt_u16(&p, 1);
	pkt_u16(&p, 0x0800);
	pkt_u8(&p, 6);
	pkt_u8(&p, 4);
	pkt_u16(&p, 1);
	pkt_zero(&p, 20);
	run_check(&p, &w);
}

/*
 * The parser writes into one per-CPU scratch entry that every packet
 * reuses (struct xt_cls_cpu's scratch): an ARP frame, which sets none of the IP,
 * port, flag, TTL, ICMP and VLAN fields, must not carry over those of
 * the VLAN TCP and ICMP frames run just before it on the same CPU
 * (pin_cpu() pins the test to one, so that all three share the entry;
 * unpin_cpu() undoes it whatever the test's outcome).
 */
static cpu_set_t cpus_before;

static int pin_cpu(void **state)
{
	cpu_set_t one;

	if (sched_getaffinity(0, sizeof(cpus_before), &cpus_before))
		return -1;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	return sched_setaffinity(0, sizeof(one), &one);
}

static int unpin_cpu(void **state)
{
	return sched_setaffinity(0, sizeof(cpus_before), &cpus_before);
}

static void no_stale_fields(void **state)
{
	struct want tcp = { .features = XT_F_VLAN | XT_F_IPV4 | XT_F_TCP,
			    .ip_proto = 6, .tcp_flags = 0x02, .vlan_id = 7,
			    .vlans = 1, .l4 = XT_L4_TCP, .eth_proto = 0x0800,
			    .sport = 4321, .dport = 22, .ttl = 33 };
	struct want icmp = { .features = XT_F_VLAN | XT_F_IPV4 | XT_F_ICMP,
			     .ip_proto = 1, .vlan_id = 7, .vlans = 1,
			     .l4 = XT_L4_ICMP, .eth_proto = 0x0800, .ttl = 33,
			     .icmp_type = 8, .icmp_code = 4 };
	struct pkt p = { 0 };

	pkt_eth(&p, 0x8100);
	pkt_vlan(&p, 7, 0x0800);
	pkt_ipv4(&p, 5, 6, 33, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 4321, 22, 0x02, 5);
	run_check(&p, &tcp);
	p = (struct pkt){ 0 };
	pkt_eth(&p, 0x8100);
	pkt_vlan(&p, 7, 0x0800);
	pkt_ipv4(&p, 5, 1, 33, 0, A_SRC, A_DST, 8);
	pkt_icmp(&p, 8, 4);
	run_check(&p, &icmp);
	arp(state);
}

static void truncated_eth(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_MALFORMED };
	struct xh_result r;

	pkt_zero(&p, 10);
	r = xh_run(skel, p.b, p.len, 1);
	if (r.err == -EINVAL) {
		print_message("# BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header\n");
		skip();
	}
	run_check(&p, &w);
}

static void truncated_ipv4(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_MALFORMED,
			  .eth_proto = 0x0800 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	p.len = 14 + 10;
	run_check(&p, &w);
}

static void ipv4_ihl_below_5(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_MALFORMED,
			  .eth_proto = 0x0800 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	p.b[14] = 0x44;
	pkt_tcp(&p, 1, 2, 0x02, 5);
	run_check(&p, &w);
}

/* Versions other than 4 under the IPv4 ethertype, at each ihl's edge. */
static void ipv4_version_not_4(void **state)
{
	static const __u8 vihl[] = { 0x35, 0x3f, 0x55, 0x5f, 0x65, 0x05,
				     0xf5, 0x40, 0x50 };
	struct want w = { .features = XT_F_IPV4 | XT_F_MALFORMED,
			  .eth_proto = 0x0800 };
	size_t i;

	for (i = 0; i < sizeof(vihl); i++) {
		struct pkt p = { 0 };

		pkt_eth(&p, 0x0800);
		pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
		p.b[14] = vihl[i];
		pkt_tcp(&p, 1, 2, 0x02, 5);
		run_check(&p, &w);
	}
}

static void ipv4_header_past_frame(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_MALFORMED,
			  .eth_proto = 0x0800 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	p.b[14] = 0x4f;		/* 60-byte header in a 14 + 30 byte frame */
	pkt_zero(&p, 10);
	run_check(&p, &w);
}

static void truncated_tcp(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP | XT_F_MALFORMED,
			  .ip_proto = 6, .l4 = XT_L4_TCP, .eth_proto = 0x0800,
			  .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 1111, 2222, 0x02, 5);
	p.len -= 10;
	run_check(&p, &w);
}

static void tcp_doff_below_5(void **state)
{
	struct pkt p = { 0 };
	/* The fixed header is there: ports and flags are read, then flagged. */
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP | XT_F_MALFORMED,
			  .ip_proto = 6, .tcp_flags = 0x02, .l4 = XT_L4_TCP,
			  .eth_proto = 0x0800, .sport = 1111, .dport = 2222,
			  .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 1111, 2222, 0x02, 4);
	run_check(&p, &w);
}

/*
 * The IP header's length bounds the headers above it: what lies past the
 * datagram is padding or a trailer, which the kernel trims away.  Here 20
 * trailer bytes shaped as an XMAS TCP header after a datagram of its IPv4
 * header alone: TCP cut short, no ports, no flags.
 */
static void ipv4_trailer_not_tcp(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP | XT_F_MALFORMED,
			  .ip_proto = 6, .l4 = XT_L4_TCP, .eth_proto = 0x0800,
			  .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 0);
	pkt_tcp(&p, 1234, 80, 0x29, 5);
	run_check(&p, &w);
}

/* Ethernet's padding to 60 bytes is no header: a 54-byte segment padded. */
static void ipv4_padding(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP, .ip_proto = 6,
			  .tcp_flags = 0x10, .l4 = XT_L4_TCP,
			  .eth_proto = 0x0800, .sport = 40000, .dport = 22,
			  .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 40000, 22, 0x10, 5);
	pkt_zero(&p, 6);
	assert_int_equal(p.len, 60);
	run_check(&p, &w);
}

/* A total length below the header's: no room for UDP's 8 bytes. */
static void ipv4_len_below_header(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_UDP | XT_F_MALFORMED,
			  .ip_proto = 17, .l4 = XT_L4_UDP, .eth_proto = 0x0800,
			  .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 17, 64, 0, A_SRC, A_DST, 8);
	p.b[14 + 3] = 8;	/* total length 8 */
	pkt_udp(&p, 53, 53, 0);
	run_check(&p, &w);
}

/*
 * Longer than the frame: not flagged, the headers there parsed whole.  What
 * a program sees may be less than the packet (TC's linear part, a test
 * run's first page, a capture's snaplen).
 */
static void ipv4_len_past_frame(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP,
			  .ip_proto = 6, .tcp_flags = 0x02, .l4 = XT_L4_TCP,
			  .eth_proto = 0x0800, .sport = 1111, .dport = 2222,
			  .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 1380);
	pkt_tcp(&p, 1111, 2222, 0x02, 5);
	run_check(&p, &w);
}

/* TCP's data offset past the datagram, inside the frame's trailer. */
static void tcp_doff_past_datagram(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP | XT_F_MALFORMED,
			  .ip_proto = 6, .tcp_flags = 0x02, .l4 = XT_L4_TCP,
			  .eth_proto = 0x0800, .sport = 1111, .dport = 2222,
			  .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 1111, 2222, 0x02, 15);	/* 60 bytes, all in the frame */
	run_check(&p, &w);
}

/*
 * IPv6 payload length 0: a GSO packet's (BIG TCP) or a jumbogram's, bounded
 * by the frame alone, as is IPv4's total length 0.
 */
static void zero_lengths(void **state)
{
	struct pkt p = { 0 };
	struct want w6 = { .features = XT_F_IPV6 | XT_F_TCP, .ip_proto = 6,
			   .tcp_flags = 0x10, .l4 = XT_L4_TCP,
			   .eth_proto = 0x86dd, .sport = 1234, .dport = 80,
			   .ttl = 64 };
	struct want w4 = { .features = XT_F_IPV4 | XT_F_TCP, .ip_proto = 6,
			   .tcp_flags = 0x10, .l4 = XT_L4_TCP,
			   .eth_proto = 0x0800, .sport = 1234, .dport = 80,
			   .ttl = 64 };

	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_TCP, 64, S6, D6, 0);
	pkt_tcp(&p, 1234, 80, 0x10, 5);
	run_check(&p, &w6);

	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	p.b[14 + 2] = p.b[14 + 3] = 0;
	pkt_tcp(&p, 1234, 80, 0x10, 5);
	run_check(&p, &w4);
}

/* An extension header longer than the payload length leaves room for. */
static void ipv6_ext_past_datagram(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV6 | XT_F_IPV6_EXT |
				      XT_F_MALFORMED,
			  .ip_proto = IPPROTO_DSTOPTS, .l4 = XT_L4_OTHER,
			  .eth_proto = 0x86dd, .ttl = 64 };

	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_DSTOPTS, 64, S6, D6, 8);
	pkt_ip6ext(&p, IPPROTO_UDP, 1);		/* 16 bytes */
	pkt_udp(&p, 5, 6, 0);
	run_check(&p, &w);
}

/* An IPv6 datagram longer than the frame: as IPv4's. */
static void ipv6_len_past_frame(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV6 | XT_F_UDP,
			  .ip_proto = 17, .l4 = XT_L4_UDP, .eth_proto = 0x86dd,
			  .sport = 5, .dport = 6, .ttl = 64 };

	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_UDP, 64, S6, D6, 1000);
	pkt_udp(&p, 5, 6, 992);
	run_check(&p, &w);
}

static void ipv6_ah_length(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV6 | XT_F_IPV6_EXT | XT_F_UDP,
			  .ip_proto = 17, .l4 = XT_L4_UDP, .eth_proto = 0x86dd,
			  .sport = 4500, .dport = 4501, .ttl = 64 };
	int i;

	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_AH, 64, S6, D6, 24 + 8);
	/* AH length 4: (4 + 2) * 4 = 24 bytes; the 8-byte-unit reading
	 * would skip 40 and find no UDP ports where they are. */
	pkt_u8(&p, IPPROTO_UDP);
	pkt_u8(&p, 4);
	for (i = 0; i < 22; i++)
		pkt_u8(&p, 0xee);
	pkt_udp(&p, 4500, 4501, 0);
	pkt_zero(&p, 16);
	run_check(&p, &w);
}

/*
 * Eight extension headers at most, whether or not the first is hop-by-hop
 * options, which counts as one of them (16 bytes long here, so that a
 * length read wrongly would stop short).
 */
static void ipv6_ext_limit(void **state)
{
	static const __u8 first[] = { IPPROTO_DSTOPTS, IPPROTO_HOPOPTS };
	struct pkt p;
	struct want w8 = { .features = XT_F_IPV6 | XT_F_IPV6_EXT | XT_F_UDP,
			   .ip_proto = 17, .l4 = XT_L4_UDP,
			   .eth_proto = 0x86dd, .sport = 1, .dport = 2,
			   .ttl = 64 };
	struct want w9 = { .features = XT_F_IPV6 | XT_F_IPV6_EXT |
				       XT_F_MALFORMED,
			   .ip_proto = IPPROTO_DSTOPTS, .l4 = XT_L4_OTHER,
			   .eth_proto = 0x86dd, .ttl = 64 };
	int i, f, n;

	/* Eight headers are the most the parser walks, a ninth makes the
	 * packet malformed. */
	for (f = 0; f < 2; f++) {
		for (n = 8; n <= 9; n++) {
			memset(&p, 0, sizeof(p));
			pkt_eth(&p, 0x86dd);
			pkt_ipv6(&p, first[f], 64, S6, D6, n * 8 + 8 + 8);
			pkt_ip6ext(&p, IPPROTO_DSTOPTS, 1);
			for (i = 0; i < n - 2; i++)
				pkt_ip6ext(&p, IPPROTO_DSTOPTS, 0);
			pkt_ip6ext(&p, IPPROTO_UDP, 0);
			pkt_udp(&p, 1, 2, 0);
			run_check(&p, n == 8 ? &w8 : &w9);
		}
	}
}

static void icmp_type_code(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_ICMP, .ip_proto = 1,
			  .l4 = XT_L4_ICMP, .eth_proto = 0x0800, .ttl = 64,
			  .icmp_type = 3, .icmp_code = 1 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 1, 64, 0, A_SRC, A_DST, 8);
	pkt_icmp(&p, 3, 1);
	run_check(&p, &w);
}

static void icmpv6_type_code(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV6 | XT_F_ICMPV6, .ip_proto = 58,
			  .l4 = XT_L4_ICMPV6, .eth_proto = 0x86dd, .ttl = 255,
			  .icmp_type = 1, .icmp_code = 4 };

	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_ICMPV6, 255, S6, D6, 8);
	pkt_icmp(&p, 1, 4);
	run_check(&p, &w);
}

static void land(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP | XT_F_LAND,
			  .ip_proto = 6, .tcp_flags = 0x02, .l4 = XT_L4_TCP,
			  .eth_proto = 0x0800, .sport = 139, .dport = 139,
			  .ttl = 64 };
	struct want w6 = { .features = XT_F_IPV6 | XT_F_UDP | XT_F_LAND,
			   .ip_proto = 17, .l4 = XT_L4_UDP,
			   .eth_proto = 0x86dd, .sport = 7, .dport = 7,
			   .ttl = 64 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_DST, A_DST, 20);
	pkt_tcp(&p, 139, 139, 0x02, 5);
	run_check(&p, &w);

	memset(&p, 0, sizeof(p));
	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_UDP, 64, S6, S6, 8);
	pkt_udp(&p, 7, 7, 0);
	run_check(&p, &w6);
}

/*
 * A 9,000-byte IPv4/UDP frame through sk, whose tag and record must be
 * whole and whose length dimension sees len.  The test run puts what does
 * not fit in one page into fragments; the parser reads the linear part.
 * False (nothing checked) on kernels without multi-buffer test runs.
 */
static bool jumbo_check(struct xdptag *sk, __u32 len)
{
	struct want w = { .features = XT_F_IPV4 | XT_F_UDP, .ip_proto = 17,
			  .l4 = XT_L4_UDP, .eth_proto = 0x0800, .sport = 5001,
			  .dport = 5002, .ttl = 64, .len = len };
	struct pkt p = { 0 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 17, 64, 0, A_SRC, A_DST, 9000 - 34);
	pkt_udp(&p, 5001, 5002, 9000 - 42);
	pkt_zero(&p, 9000 - 42);
	assert_int_equal(p.len, 9000);
	if (xh_run(sk, p.b, p.len, 1).err == -EINVAL) {
		print_message("# BPF_PROG_TEST_RUN refused 9000 bytes\n");
		return false;
	}
	run_check_on(sk, &p, &w);
	return true;
}

/*
 * A program without xdp.frags sees the linear part only: 4096 - 256
 * (headroom) - 320 (skb_shared_info) bytes.
 */
static void jumbo_9000(void **state)
{
	if (!jumbo_check(skel, 3520))
		skip();
}

/*
 * As attach loads it on a jumbo-frame interface (xdp.frags): the length
 * dimension sees the whole frame's 9000 bytes.
 */
static void jumbo_9000_frags(void **state)
{
	struct xt_rule any = { .name = "any", .weight = ANY_WEIGHT,
			       .class_id = ANY_CLASS };
	struct xdptag *fs = xh_open_frags();
	bool ran;

	assert_non_null(fs);
	assert_int_equal(xh_rules(fs, &any, 1, 0), 0);
	ran = jumbo_check(fs, 9000);
	xdptag__destroy(fs);
	if (!ran)
		skip();
}

static void repeat_keeps_one_tag(void **state)
{
	struct pkt p = { 0 };
	struct want w = { .features = XT_F_IPV4 | XT_F_TCP, .ip_proto = 6,
			  .tcp_flags = 0x02, .l4 = XT_L4_TCP,
			  .eth_proto = 0x0800, .sport = 1, .dport = 2,
			  .ttl = 64 };
	struct xt_cls_stats before, after;
	struct xh_result r;

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 1, 2, 0x02, 5);
	assert_int_equal(xh_cls_stats(skel, &before), 0);
	/* xh_run reports tagged only if the metadata is exactly 24 bytes */
	r = xh_run(skel, p.b, p.len, 1000);
	assert_int_equal(r.err, 0);
	assert_true(r.tagged);
	assert_int_equal(xh_cls_stats(skel, &after), 0);
	assert_int_equal(after.tagged - before.tagged, 1000);
	assert_int_equal(after.meta_fail - before.meta_fail, 0);
	run_check(&p, &w);
}

static void no_meta_driver(void **state)
{
	struct xdptag *nm = xh_open(1);
	struct xt_rule any = { .name = "any", .weight = 1 };
	struct xt_cls_stats st;
	struct xh_result r;
	struct pkt p = { 0 };

	assert_non_null(nm);
	assert_int_equal(xh_rules(nm, &any, 1, 0), 0);
	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, 6, 64, 0, A_SRC, A_DST, 20);
	pkt_tcp(&p, 1, 2, 0x02, 5);
	r = xh_run(nm, p.b, p.len, 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.action, XDP_PASS);
	assert_false(r.tagged);
	assert_int_equal(xh_cls_stats(nm, &st), 0);
	assert_int_equal(st.meta_fail, 1);
	assert_int_equal(st.tagged, 0);
	assert_int_equal(st.action[XDP_PASS], 1);
	xdptag__destroy(nm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_tcp),
		cmocka_unit_test(ipv4_options),
		cmocka_unit_test(ipv4_first_fragment),
		cmocka_unit_test(ipv4_later_fragment),
		cmocka_unit_test(ipv6_ext_chain_first_fragment),
		cmocka_unit_test(ipv6_later_fragment),
		cmocka_unit_test(vlan_one),
		cmocka_unit_test(vlan_qinq_88a8),
		cmocka_unit_test(vlan_qinq_9100),
		cmocka_unit_test(arp),
		cmocka_unit_test_setup_teardown(no_stale_fields, pin_cpu,
						unpin_cpu),
		cmocka_unit_test(truncated_eth),
		cmocka_unit_test(truncated_ipv4),
		cmocka_unit_test(ipv4_ihl_below_5),
		cmocka_unit_test(ipv4_version_not_4),
		cmocka_unit_test(ipv4_header_past_frame),
		cmocka_unit_test(truncated_tcp),
		cmocka_unit_test(tcp_doff_below_5),
		cmocka_unit_test(ipv4_trailer_not_tcp),
		cmocka_unit_test(ipv4_padding),
		cmocka_unit_test(ipv4_len_below_header),
		cmocka_unit_test(ipv4_len_past_frame),
		cmocka_unit_test(tcp_doff_past_datagram),
		cmocka_unit_test(zero_lengths),
		cmocka_unit_test(ipv6_ext_past_datagram),
		cmocka_unit_test(ipv6_len_past_frame),
		cmocka_unit_test(ipv6_ah_length),
		cmocka_unit_test(ipv6_ext_limit),
		cmocka_unit_test(icmp_type_code),
		cmocka_unit_test(icmpv6_type_code),
		cmocka_unit_test(land),
		cmocka_unit_test(jumbo_9000),
		cmocka_unit_test(jumbo_9000_frags),
		cmocka_unit_test(repeat_keeps_one_tag),
		cmocka_unit_test(no_meta_driver),
	};

	return cmocka_run_group_tests_name("xdp_parse", tests, setup, teardown);
}
