// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Negation, allowlists and per-source state through the real XDP object,
 * with the state clock set by the test (cfg_xdp.clock_user): rates and
 * fan-out per source, their windows, the set-associative table when a set is
 * full, what a hot swap keeps, and that packets no stateful rule can match
 * never touch the table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>
#include "lib/rule_build.h"
#include "lib/xdp_harness.h"
#include "lib/pkt.h"

#define SEC_NS	1000000000ULL

static int setup(void **state)
{
	*state = xh_open_clocked();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	xdptag__destroy(*state);
	return 0;
}

/* IPv4: proto 6 TCP (flags), 17 UDP, 1 ICMP (dport = type). */
static struct pkt v4(const char *src, const char *dst, uint8_t proto,
		     uint16_t dport, uint8_t flags)
{
	struct pkt p = { 0 };

	pkt_eth(&p, 0x0800);
	pkt_ipv4(&p, 5, proto, 64, 0, ip4(src), ip4(dst),
		 proto == 6 ? 20 : 8);
	if (proto == 6)
		pkt_tcp(&p, 40000, dport, flags, 5);
	else if (proto == 17)
		pkt_udp(&p, 40000, dport, 0);
	else
		pkt_icmp(&p, dport, 0);
	return p;
}

static struct pkt syn6(const char *src, const char *dst, uint16_t dport)
{
	struct pkt p = { 0 };

	pkt_eth(&p, 0x86dd);
	pkt_ipv6(&p, IPPROTO_TCP, 64, src, dst, 20);
	pkt_tcp(&p, 40000, dport, XT_TCP_SYN, 5);
	return p;
}

static struct xh_result run(void **state, const struct pkt *p)
{
	struct xh_result r = xh_run(*state, p->b, p->len, 1);

	assert_int_equal(r.err, 0);
	return r;
}

/* The rules bitmap a packet leaves XDP with (it must pass tagged). */
static __u64 rules_of(void **state, const struct pkt *p)
{
	struct xh_result r = run(state, p);

	assert_int_equal(r.action, XDP_PASS);
	assert_true(r.tagged);
	return r.tag.rules;
}

static struct xt_rule rule(const char *name)
{
	return xt_test_rule(name, 10, 1);
}

/* Compile with a state table of `entries` sources, install, free. */
static void load_sized(void **state, struct xt_rule *r, size_t n,
		       unsigned int drop, uint32_t entries)
{
	struct xt_rule_maps m = xh_maps(*state);
	struct xt_compiled c;
	char err[256];
	size_t i;

	if (xt_compile(r, n, drop, &c, err, sizeof(err)))
		fail_msg("compile: %s", err);
	if (entries)
		xt_state_size(c.rs, entries, XT_STATE_V6_PLEN);
	assert_int_equal(xt_ruleset_install(&m, &c), 0);
	xt_compiled_free(&c);
	for (i = 0; i < n; i++)
		xt_rule_free(&r[i]);
}

static void load(void **state, struct xt_rule *r, size_t n, unsigned int drop)
{
	load_sized(state, r, n, drop, 0);
}

/* The ruleset packets use now (caller frees). */
static struct xt_ruleset *active_rs(void **state)
{
	struct xt_rule_maps m = xh_maps(*state);
	__u32 gen = xt_ruleset_active_gen(&m);
	struct xt_ruleset *rs = malloc(sizeof(*rs));

	assert_non_null(rs);
	assert_int_equal(xt_ruleset_read(m.rules, gen, rs), 0);
	return rs;
}

/* Sources with an entry that counts: ways of the active epoch. */
static int state_entries(void **state)
{
	struct xt_rule_maps m = xh_maps(*state);
	struct xt_ruleset *rs = active_rs(state);
	struct xt_src_set set;
	__u32 i, holds;
	int w, n = 0;

	assert_int_equal(xt_state_table_sources(m.state, &holds), 0);
	for (i = 0; i < holds / XT_STATE_WAYS; i++) {
		assert_int_equal(bpf_map_lookup_elem(m.state, &i, &set), 0);
		for (w = 0; w < XT_STATE_WAYS; w++)
			n += rs->stateful && set.epoch[w] == rs->st.epoch;
	}
	free(rs);
	return n;
}

/* The state key of an IPv4 source, as xt_pkt_src_key() makes it. */
static struct xt_src_key src4(const char *a)
{
	struct xt_src_key k = { .addr = { 0, 0, htonl(0xffff), htonl(ip4(a)) } };

	return k;
}

/*
 * n sources 198.18.x.y that share one set under the active ruleset (the
 * set of the first), written into out as strings of 32 bytes.
 */
static void same_set4(void **state, char (*out)[32], int n)
{
	struct xt_ruleset *rs = active_rs(state);
	__u32 want = 0;
	int i, found = 0;

	for (i = 0; i < 60000 && found < n; i++) {
		struct xt_src_key k;
		__u32 set;

		snprintf(out[found], 32, "198.18.%d.%d", i / 250, i % 250 + 1);
		k = src4(out[found]);
		set = xt_src_set_of(&k, rs->st.table_seed, rs->st.sets);
		if (!found)
			want = set;
		if (set == want)
			found++;
	}
	free(rs);
	assert_int_equal(found, n);
}

/* Replace the test's object with one whose table holds `sources`. */
static void reopen_sized(void **state, __u32 sources)
{
	xdptag__destroy(*state);
	*state = xh_open_clocked_sized(sources);
	assert_non_null(*state);
}

/* ------------------------------------------------------------ negation --- */

static void negated_ranges(void **state)
{
	struct xt_rule r[2] = { rule("not-dns"), rule("not-icmp-low-ttl") };
	struct pkt p;

	assert_int_equal(xt_ranges_add_not(&r[0].dport, 53, 53), 0);
	assert_int_equal(xt_ranges_add_not(&r[0].dport, 5353, 5353), 0);
	assert_int_equal(xt_ranges_add_not(&r[1].proto, 1, 1), 0);
	assert_int_equal(xt_ranges_add(&r[1].ttl, 60, 70), 0);
	assert_int_equal(xt_ranges_add_not(&r[1].ttl, 64, 64), 0);
	load(state, r, 2, 0);

	p = v4("198.18.0.1", "198.18.0.2", 17, 53, 0);
	assert_int_equal(rules_of(state, &p), 0);	/* TTL 64 taken out */
	p = v4("198.18.0.1", "198.18.0.2", 17, 5353, 0);
	assert_int_equal(rules_of(state, &p), 0);
	p = v4("198.18.0.1", "198.18.0.2", 17, 54, 0);
	assert_int_equal(rules_of(state, &p), 1);
	/* "!53" still implies ports: ICMP has none. */
	p = v4("198.18.0.1", "198.18.0.2", 1, 8, 0);
	assert_int_equal(rules_of(state, &p), 0);
}

static void negated_prefixes(void **state)
{
	struct xt_rule r[3] = { rule("not-mcast"), rule("ten-but-not-ten-one"),
				rule("ten-one-two") };
	struct pkt p;

	add_pfx(&r[0].dst, "!224.0.0.0/4");
	add_pfx(&r[0].dst, "!198.18.7.0/24");
	add_pfx(&r[1].dst, "10.0.0.0/8");
	add_pfx(&r[1].dst, "!10.1.0.0/16");
	add_pfx(&r[1].dst, "!10.2.3.4");
	/* An entry under the negated /16 must not bring rule 1 back. */
	add_pfx(&r[2].dst, "10.1.2.0/24");
	load(state, r, 3, 0);

	p = v4("198.18.0.1", "198.18.0.2", 6, 80, XT_TCP_ACK);
	assert_int_equal(rules_of(state, &p), 1);
	p = v4("198.18.0.1", "224.0.0.251", 17, 5353, 0);
	assert_int_equal(rules_of(state, &p), 0);
	p = v4("198.18.0.1", "198.18.7.9", 17, 5353, 0);
	assert_int_equal(rules_of(state, &p), 0);
	p = v4("198.18.0.1", "10.9.0.1", 17, 5353, 0);
	assert_int_equal(rules_of(state, &p), 1 | 2);
	p = v4("198.18.0.1", "10.1.0.1", 17, 5353, 0);
	assert_int_equal(rules_of(state, &p), 1);
	p = v4("198.18.0.1", "10.1.2.3", 17, 5353, 0);
	assert_int_equal(rules_of(state, &p), 1 | 4);
	p = v4("198.18.0.1", "10.2.3.4", 17, 5353, 0);
	assert_int_equal(rules_of(state, &p), 1);
	p = v4("198.18.0.1", "10.2.3.5", 17, 5353, 0);
	assert_int_equal(rules_of(state, &p), 1 | 2);
	/* Only negated IPv4 prefixes: IPv6 addresses all match. */
	p = syn6("fd00::1", "ff02::fb", 80);
	assert_int_equal(rules_of(state, &p), 1);
}

/* ------------------------------------------------------------- exempt --- */

/*
 * An exempt rule wins over a heavier rule and over the drop threshold:
 * class 0, score 0, passed, only the exempt bit in the tag and in the hit
 * counters; the same packet from elsewhere is dropped.
 */
static void exempt_precedence(void **state)
{
	struct xt_rule r[2] = { xt_test_rule("heavy", 200, 2),
				rule("trusted") };
	struct pkt p;
	struct xh_result res;
	struct xt_cls_stats st;

	assert_int_equal(xt_ranges_add(&r[0].proto, 6, 6), 0);
	add_pfx(&r[1].src, "198.18.9.9");
	r[1].exempt = true;
	load(state, r, 2, 100);

	p = v4("198.18.9.9", "198.18.0.2", 6, 22, XT_TCP_SYN);
	res = run(state, &p);
	assert_int_equal(res.action, XDP_PASS);
	assert_true(res.tagged);
	assert_int_equal(res.tag.class_id, 0);
	assert_int_equal(res.tag.score, 0);
	assert_int_equal(res.tag.rules, 2);

	p = v4("198.18.9.8", "198.18.0.2", 6, 22, XT_TCP_SYN);
	res = run(state, &p);
	assert_int_equal(res.action, XDP_DROP);

	assert_int_equal(xh_cls_stats(*state, &st), 0);
	assert_int_equal(st.rule_hits[0], 1);
	assert_int_equal(st.rule_hits[1], 1);
	assert_int_equal(st.class_pkts[0], 1);
	assert_int_equal(st.class_pkts[2], 1);
}

/* Exempt sources do not feed the state table either. */
static void exempt_skips_state(void **state)
{
	struct xt_rule r[2] = { rule("rate"), rule("trusted") };
	struct pkt p = v4("198.18.9.9", "198.18.0.2", 17, 53, 0);

	r[0].st_kind = XT_ST_PPS;
	r[0].st_limit = 1;
	add_pfx(&r[1].src, "198.18.9.9");
	r[1].exempt = true;
	load(state, r, 2, 0);
	assert_int_equal(rules_of(state, &p), 2);
	assert_int_equal(state_entries(state), 0);
}

/* --------------------------------------------------------------- rate --- */

/* One rule, "udp-rate": UDP at limit packets a second or more. */
static void load_udp_pps(void **state, __u32 limit)
{
	struct xt_rule r = rule("udp-rate");

	assert_int_equal(xt_ranges_add(&r.proto, 17, 17), 0);
	r.st_kind = XT_ST_PPS;
	r.st_limit = limit;
	load(state, &r, 1, 0);
}

/*
 * pps 5: the fifth packet of a second matches; the next second matches
 * from its first packet (the one before reached the rate); a second after
 * a quiet one does not.
 */
static void rate_pps_windows(void **state)
{
	struct pkt p = v4("198.18.0.1", "198.18.0.2", 17, 53, 0);
	struct pkt other = v4("198.18.0.3", "198.18.0.2", 17, 53, 0);
	int i;

	load_udp_pps(state, 5);

	xh_clock(*state, 10 * SEC_NS);
	for (i = 1; i <= 4; i++)
		assert_int_equal(rules_of(state, &p), 0);
	assert_int_equal(rules_of(state, &p), 1);
	assert_int_equal(rules_of(state, &other), 0);	/* its own count */
	xh_clock(*state, 11 * SEC_NS + SEC_NS / 2);
	assert_int_equal(rules_of(state, &p), 1);
	xh_clock(*state, 13 * SEC_NS + SEC_NS / 2 + 1);
	assert_int_equal(rules_of(state, &p), 0);
	assert_int_equal(state_entries(state), 2);
}

/*
 * A window is [start, start + 1 s): a source's packet 1 ns before its end
 * still counts in it, one at the end starts the next (the roll test,
 * state_roll()).  Each source sends four packets at 10 s, under the limit
 * of five, and a fifth at the edge.
 */
static void rate_window_ends_at_its_length(void **state)
{
	struct pkt a = v4("198.18.0.1", "198.18.0.2", 17, 53, 0);
	struct pkt b = v4("198.18.0.3", "198.18.0.2", 17, 53, 0);
	int i;

	load_udp_pps(state, 5);

	xh_clock(*state, 10 * SEC_NS);
	for (i = 0; i < 4; i++) {
		assert_int_equal(rules_of(state, &a), 0);
		assert_int_equal(rules_of(state, &b), 0);
	}
	xh_clock(*state, 11 * SEC_NS - 1);
	assert_int_equal(rules_of(state, &a), 1);	/* the fifth */
	xh_clock(*state, 11 * SEC_NS);
	assert_int_equal(rules_of(state, &b), 0);	/* the next's first */
}

/*
 * Stateful rules between stateless ones, each packet matching some of
 * them: each rule counts in its own slot (the datapath finds a matched
 * rule's slot from its index, xt_state_cfg.slot_of[]).  Rules 1 and 3
 * count UDP to ports 1000 and 2000, rule 4 both; rules 0 and 2 are
 * stateless and match nothing here.
 */
static void rate_slots_per_rule(void **state)
{
	struct xt_rule r[5] = { rule("icmp"), rule("to-1000"), rule("tcp"),
				rule("to-2000"), rule("udp") };
	struct pkt a = v4("198.18.0.1", "198.18.0.2", 17, 1000, 0);
	struct pkt b = v4("198.18.0.1", "198.18.0.2", 17, 2000, 0);

	assert_int_equal(xt_ranges_add(&r[0].proto, 1, 1), 0);
	assert_int_equal(xt_ranges_add(&r[1].dport, 1000, 1000), 0);
	r[1].st_kind = XT_ST_PPS;
	r[1].st_limit = 3;
	assert_int_equal(xt_ranges_add(&r[2].proto, 6, 6), 0);
	assert_int_equal(xt_ranges_add(&r[3].dport, 2000, 2000), 0);
	r[3].st_kind = XT_ST_PPS;
	r[3].st_limit = 2;
	assert_int_equal(xt_ranges_add(&r[4].proto, 17, 17), 0);
	r[4].st_kind = XT_ST_PPS;
	r[4].st_limit = 4;
	load(state, r, 5, 0);

	xh_clock(*state, 10 * SEC_NS);
	assert_int_equal(rules_of(state, &b), 0);		/* 2000: 1, udp: 1 */
	assert_int_equal(rules_of(state, &b), 1ULL << 3);	/* 2000: 2, udp: 2 */
	assert_int_equal(rules_of(state, &a), 0);		/* 1000: 1, udp: 3 */
	assert_int_equal(rules_of(state, &a), 1ULL << 4);	/* 1000: 2, udp: 4 */
	assert_int_equal(rules_of(state, &a),
			 1ULL << 1 | 1ULL << 4);		/* 1000: 3, udp: 5 */
	assert_int_equal(rules_of(state, &b),
			 1ULL << 3 | 1ULL << 4);		/* 2000: 3, udp: 6 */
}

static void rate_bps(void **state)
{
	struct xt_rule r = rule("bytes");
	struct pkt p = v4("198.18.0.1", "198.18.0.2", 17, 53, 0);

	r.st_kind = XT_ST_BPS;
	r.st_limit = 3 * p.len;
	load(state, &r, 1, 0);
	xh_clock(*state, SEC_NS);
	assert_int_equal(rules_of(state, &p), 0);
	assert_int_equal(rules_of(state, &p), 0);
	assert_int_equal(rules_of(state, &p), 1);
}

/* ------------------------------------------------------------- fan-out --- */

static struct xt_rule syn_fanout(const char *name, uint8_t kind,
				 uint32_t limit)
{
	struct xt_rule r = rule(name);

	r.ntcp = 1;
	r.tcp[0] = (struct xt_tcp_cond){ .mask = XT_TCP_SYN | XT_TCP_ACK,
					 .value = XT_TCP_SYN };
	r.st_kind = kind;
	r.st_limit = limit;
	r.st_window_ns = 10 * SEC_NS;
	return r;
}

/*
 * dst_ports 10: nine distinct ports never reach it (a hash set holds at
 * most as many bits as values), repeats of one port never do, twenty
 * distinct ports do; another source has its own count.
 */
static void fanout_ports(void **state)
{
	struct xt_rule r = syn_fanout("scan", XT_ST_DPORTS, 10);
	struct pkt p;
	int port, first = 0;

	load(state, &r, 1, 0);
	xh_clock(*state, SEC_NS);
	for (port = 0; port < 30; port++) {
		p = v4("198.18.0.1", "198.18.0.2", 6, 7, XT_TCP_SYN);
		assert_int_equal(rules_of(state, &p), 0);
	}
	for (port = 1; port <= 20; port++) {
		__u64 m;

		p = v4("198.18.0.1", "198.18.0.2", 6, 1000 + port, XT_TCP_SYN);
		m = rules_of(state, &p);
		if (port < 9)
			assert_int_equal(m, 0);
		if (m && !first)
			first = port;
	}
	assert_in_range(first, 9, 20);
	/* Within the window every further SYN matches, even to old ports. */
	p = v4("198.18.0.1", "198.18.0.2", 6, 1001, XT_TCP_SYN);
	assert_int_equal(rules_of(state, &p), 1);
	/* Another source: its own count. */
	p = v4("198.18.0.5", "198.18.0.2", 6, 1001, XT_TCP_SYN);
	assert_int_equal(rules_of(state, &p), 0);
	/* The next window knows the last one reached the limit ... */
	xh_clock(*state, 12 * SEC_NS);
	p = v4("198.18.0.1", "198.18.0.2", 6, 1001, XT_TCP_SYN);
	assert_int_equal(rules_of(state, &p), 1);
	/* ... the one after a quiet window does not. */
	xh_clock(*state, 40 * SEC_NS);
	assert_int_equal(rules_of(state, &p), 0);
}

/*
 * A destination repeated skips the hash (the entry's fan-out memo), but
 * not into the next window: there its bit is new again.  dst_ports 2
 * (two bits): port 7 in one window, then 7 and 8 in the next reach it
 * only if 7 is counted again there.
 */
static void fanout_memo_per_window(void **state)
{
	struct xt_rule r = syn_fanout("scan", XT_ST_DPORTS, 2);
	struct pkt p7 = v4("198.18.0.1", "198.18.0.2", 6, 7, XT_TCP_SYN);
	struct pkt p8 = v4("198.18.0.1", "198.18.0.2", 6, 8, XT_TCP_SYN);

	load(state, &r, 1, 0);
	xh_clock(*state, SEC_NS);
	assert_int_equal(rules_of(state, &p7), 0);
	assert_int_equal(rules_of(state, &p7), 0);
	xh_clock(*state, 12 * SEC_NS);
	assert_int_equal(rules_of(state, &p7), 0);
	assert_int_equal(rules_of(state, &p8), 1);
}

/*
 * A rate rule and a fan-out rule on the same SYNs: their windows (1 s and
 * 10 s) end apart, and each end carries only its own rules' "reached in
 * the window before" (the entry keeps both as masks of rule bits).  Rule
 * 0 is dst_ports 2, rule 1 pps 3.
 */
static void windows_roll_apart(void **state)
{
	struct xt_rule r[2] = { syn_fanout("scan", XT_ST_DPORTS, 2),
				syn_fanout("flood", XT_ST_PPS, 3) };
	struct pkt p1 = v4("198.18.0.1", "198.18.0.2", 6, 1, XT_TCP_SYN);
	struct pkt p2 = v4("198.18.0.1", "198.18.0.2", 6, 2, XT_TCP_SYN);

	r[1].st_window_ns = 0;
	load(state, r, 2, 0);
	xh_clock(*state, 10 * SEC_NS);
	assert_int_equal(rules_of(state, &p1), 0);
	assert_int_equal(rules_of(state, &p2), 1);		/* 2 ports */
	assert_int_equal(rules_of(state, &p2), 3);		/* 3 SYNs */
	/* Both windows end: the fan-out rule holds on, the rate went quiet. */
	xh_clock(*state, 20 * SEC_NS + SEC_NS / 2);
	assert_int_equal(rules_of(state, &p1), 1);
	xh_clock(*state, 21 * SEC_NS);
	assert_int_equal(rules_of(state, &p1), 1);
	assert_int_equal(rules_of(state, &p1), 3);		/* 3 this second */
	/* Only the rate window ends: both hold on, each by its own window. */
	xh_clock(*state, 22 * SEC_NS);
	assert_int_equal(rules_of(state, &p1), 3);
	/* Only the rate window ends again: the fan-out rule still holds. */
	xh_clock(*state, 23 * SEC_NS + SEC_NS / 2);
	assert_int_equal(rules_of(state, &p1), 1);
	assert_int_equal(rules_of(state, &p1), 1);
	assert_int_equal(rules_of(state, &p1), 3);
	/* A new second long after: the rate starts over. */
	xh_clock(*state, 30 * SEC_NS);
	assert_int_equal(rules_of(state, &p1), 1);
	assert_int_equal(rules_of(state, &p1), 1);
	assert_int_equal(rules_of(state, &p1), 3);
	/* The fan-out window ends, one port in it: only the rate holds. */
	xh_clock(*state, 30 * SEC_NS + SEC_NS / 2 + 1);
	assert_int_equal(rules_of(state, &p1), 2);
}

/* dst_addrs over IPv6: the sources of one /64 share a count. */
static void fanout_addrs_v6_prefix(void **state)
{
	struct xt_rule r = syn_fanout("sweep", XT_ST_DADDRS, 10);
	char src[64], dst[64];
	struct pkt p;
	int i;

	load(state, &r, 1, 0);
	xh_clock(*state, SEC_NS);
	for (i = 1; i <= 30; i++) {
		snprintf(src, sizeof(src), "fd00:1:2:3::%x", i);
		snprintf(dst, sizeof(dst), "fd00:9::%x", i);
		p = syn6(src, dst, 443);
		rules_of(state, &p);
	}
	p = syn6("fd00:1:2:3::ffff", "fd00:9::1", 443);
	assert_int_equal(rules_of(state, &p), 1);
	p = syn6("fd00:1:2:4::1", "fd00:9::1", 443);
	assert_int_equal(rules_of(state, &p), 0);
	assert_int_equal(state_entries(state), 2);
}

/*
 * Packets that no stateful rule's stateless conditions match never reach
 * the table: a thousand established-looking ACKs from a thousand sources
 * leave it empty.
 */
static void stateless_packets_skip_state(void **state)
{
	struct xt_rule r = syn_fanout("scan", XT_ST_DPORTS, 10);
	char src[32];
	struct pkt p;
	int i;

	load(state, &r, 1, 0);
	for (i = 0; i < 1000; i++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		p = v4(src, "198.18.200.1", 6, 443, XT_TCP_ACK);
		assert_int_equal(rules_of(state, &p), 0);
	}
	assert_int_equal(state_entries(state), 0);
	p = v4("198.18.0.1", "198.18.200.1", 6, 443, XT_TCP_SYN);
	rules_of(state, &p);
	assert_int_equal(state_entries(state), 1);
}

/*
 * A table of 8 sources (two sets) and 500 sources in rotation: every
 * packet is still classified (a way is replaced, never the packet
 * refused), the table never holds more than its size.
 */
static void full_table_evicts(void **state)
{
	struct xt_rule r = rule("any-rate");
	char src[32];
	struct pkt p;
	int i;

	reopen_sized(state, 8);
	r.st_kind = XT_ST_PPS;
	r.st_limit = 1;
	load(state, &r, 1, 0);
	xh_clock(*state, SEC_NS);
	for (i = 0; i < 500; i++) {
		snprintf(src, sizeof(src), "198.18.%d.%d", i / 250, i % 250 + 1);
		p = v4(src, "198.18.200.1", 17, 53, 0);
		assert_int_equal(rules_of(state, &p), 1);
	}
	assert_int_equal(state_entries(state), 8);
}

static __u64 udp_from(void **state, const char *src, __u64 ns)
{
	struct pkt p = v4(src, "198.18.200.1", 17, 53, 0);

	xh_clock(*state, ns);
	return rules_of(state, &p);
}

/*
 * A full set takes a new source into the way seen least recently: a
 * source that keeps sending (h) keeps its count while new sources pass
 * through its set; the way of a source gone quiet (a) goes, and a's
 * count starts again.  pps 3, all in one second.
 */
static void full_set_replaces_least_recent(void **state)
{
	struct xt_rule r = rule("udp-rate");
	char s[6][32];	/* h, a, b, c, d, e: one set */
	__u64 t = 10 * SEC_NS, ms = SEC_NS / 1000;

	reopen_sized(state, 64);	/* 16 sets: sources that share one abound */
	r.st_kind = XT_ST_PPS;
	r.st_limit = 3;
	load(state, &r, 1, 0);
	same_set4(state, s, 6);
	assert_int_equal(udp_from(state, s[0], t + 0 * ms), 0);   /* h: 1 */
	assert_int_equal(udp_from(state, s[1], t + 1 * ms), 0);   /* a: 1 */
	assert_int_equal(udp_from(state, s[2], t + 2 * ms), 0);   /* b: 1 */
	assert_int_equal(udp_from(state, s[3], t + 3 * ms), 0);   /* c: 1 */
	assert_int_equal(state_entries(state), 4);		   /* full */
	assert_int_equal(udp_from(state, s[0], t + 4 * ms), 0);   /* h: 2 */
	assert_int_equal(udp_from(state, s[4], t + 5 * ms), 0);   /* d: a goes */
	assert_int_equal(udp_from(state, s[0], t + 6 * ms), 1);   /* h: 3 */
	assert_int_equal(udp_from(state, s[2], t + 7 * ms), 0);   /* b: 2 */
	assert_int_equal(udp_from(state, s[2], t + 8 * ms), 1);   /* b: 3 */
	/* a again: c (seen at 3 ms) goes; a counts from 1, not from 2. */
	assert_int_equal(udp_from(state, s[1], t + 9 * ms), 0);   /* a: 1 */
	assert_int_equal(udp_from(state, s[1], t + 10 * ms), 0);  /* a: 2 */
	assert_int_equal(udp_from(state, s[1], t + 11 * ms), 1);  /* a: 3 */
	/* A flood of new sources into the set between two of h's packets:
	 * fewer than the ways leave h's count alone ... */
	assert_int_equal(udp_from(state, s[5], t + 12 * ms), 0);  /* e: d goes */
	assert_int_equal(udp_from(state, s[0], t + 13 * ms), 1);  /* h: 4 */
	assert_int_equal(state_entries(state), 4);
}

/* ... as many as the ways take h's way too: h counts from 1 again. */
static void set_flood_evicts(void **state)
{
	struct xt_rule r = rule("udp-rate");
	char s[5][32];
	__u64 t = 10 * SEC_NS, ms = SEC_NS / 1000;
	int i;

	reopen_sized(state, 64);	/* 16 sets: sources that share one abound */
	r.st_kind = XT_ST_PPS;
	r.st_limit = 2;
	load(state, &r, 1, 0);
	same_set4(state, s, 5);
	assert_int_equal(udp_from(state, s[0], t), 0);		/* h: 1 */
	for (i = 1; i <= XT_STATE_WAYS; i++)
		assert_int_equal(udp_from(state, s[i], t + i * ms), 0);
	assert_int_equal(udp_from(state, s[0], t + 9 * ms), 0);	/* h: 1 */
	assert_int_equal(udp_from(state, s[0], t + 10 * ms), 1);	/* h: 2 */
}

/* Two sources of one set have their own counts (and a third's). */
static void colliding_sources_apart(void **state)
{
	struct xt_rule r = rule("udp-rate");
	char s[2][32];
	__u64 t = 10 * SEC_NS;

	reopen_sized(state, 64);	/* 16 sets: sources that share one abound */
	r.st_kind = XT_ST_PPS;
	r.st_limit = 3;
	load(state, &r, 1, 0);
	same_set4(state, s, 2);
	assert_string_not_equal(s[0], s[1]);
	assert_int_equal(udp_from(state, s[0], t + 1), 0);
	assert_int_equal(udp_from(state, s[0], t + 2), 0);
	assert_int_equal(udp_from(state, s[1], t + 3), 0);
	assert_int_equal(udp_from(state, s[0], t + 4), 1);	/* 3 */
	assert_int_equal(udp_from(state, s[1], t + 5), 0);	/* 2 */
	assert_int_equal(udp_from(state, s[1], t + 6), 1);	/* 3 */
	assert_int_equal(state_entries(state), 2);
}

/*
 * A free way is taken before any way in use is replaced, whatever the
 * times say: four sources of one set seen at the same instant (clock 0,
 * as a capture without times gives) all keep their counts.
 */
static void free_ways_first(void **state)
{
	struct xt_rule r = rule("udp-rate");
	char s[4][32];
	int i;

	reopen_sized(state, 64);
	r.st_kind = XT_ST_PPS;
	r.st_limit = 2;
	load(state, &r, 1, 0);
	same_set4(state, s, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(udp_from(state, s[i], 0), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(udp_from(state, s[i], 0), 1);
	assert_int_equal(state_entries(state), 4);
}

/*
 * Hot swap: the same stateful rules keep the counts (and the table's
 * seed); a changed limit starts counting again: every entry of the old
 * epoch is free.
 */
static void hot_swap_keeps_or_resets(void **state)
{
	struct xt_rule r;
	struct xt_ruleset *rs;
	struct pkt p;
	__u32 seed;
	int port;

	r = syn_fanout("scan", XT_ST_DPORTS, 10);
	load(state, &r, 1, 0);
	rs = active_rs(state);
	seed = rs->st.table_seed;
	assert_int_not_equal(seed, 0);
	free(rs);
	xh_clock(*state, SEC_NS);
	for (port = 1; port <= 40; port++) {
		p = v4("198.18.0.1", "198.18.0.2", 6, port, XT_TCP_SYN);
		rules_of(state, &p);
	}
	assert_int_equal(rules_of(state, &p), 1);
	p = v4("198.18.0.7", "198.18.0.2", 6, 1, XT_TCP_SYN);
	assert_int_equal(rules_of(state, &p), 0);	/* one port */
	assert_int_equal(state_entries(state), 2);

	r = syn_fanout("scan", XT_ST_DPORTS, 10);
	load(state, &r, 1, 0);
	rs = active_rs(state);
	assert_int_equal(rs->st.table_seed, seed);
	free(rs);
	assert_int_equal(state_entries(state), 2);
	p = v4("198.18.0.1", "198.18.0.2", 6, 1, XT_TCP_SYN);
	assert_int_equal(rules_of(state, &p), 1);

	r = syn_fanout("scan", XT_ST_DPORTS, 11);
	load(state, &r, 1, 0);
	assert_int_equal(state_entries(state), 0);
	assert_int_equal(rules_of(state, &p), 0);
	assert_int_equal(state_entries(state), 1);
}

/*
 * The table keeps the size it was loaded with: a ruleset asking for
 * another state_sources gets the loaded table's sets, and counts as
 * before (the size is not part of the epoch).
 */
static void size_kept_from_load(void **state)
{
	struct xt_rule r = rule("udp-rate");
	struct xt_ruleset *rs;
	__u64 t = 10 * SEC_NS;

	reopen_sized(state, 8);
	r.st_kind = XT_ST_PPS;
	r.st_limit = 2;
	load_sized(state, &r, 1, 0, 1000);
	rs = active_rs(state);
	assert_int_equal(rs->st.entries, 1000);
	assert_int_equal(rs->st.sets, 2);
	free(rs);
	assert_int_equal(udp_from(state, "198.18.0.1", t + 1), 0);
	r = rule("udp-rate");
	r.st_kind = XT_ST_PPS;
	r.st_limit = 2;
	load_sized(state, &r, 1, 0, 8);
	assert_int_equal(udp_from(state, "198.18.0.1", t + 2), 1);
	assert_int_equal(state_entries(state), 1);
}

/* The last-seen time of an IPv4 source's entry (it must have one). */
static __u64 last_seen4(void **state, const char *a)
{
	struct xt_rule_maps m = xh_maps(*state);
	struct xt_ruleset *rs = active_rs(state);
	struct xt_src_key k = src4(a);
	__u32 i = xt_src_set_of(&k, rs->st.table_seed, rs->st.sets);
	struct xt_src_set set;
	__u64 t = 0;
	int w;

	assert_int_equal(bpf_map_lookup_elem(m.state, &i, &set), 0);
	for (w = 0; w < XT_STATE_WAYS; w++)
		if (set.epoch[w] == rs->st.epoch &&
		    !memcmp(&set.key[w], &k, sizeof(k)))
			t = set.last[w];
	free(rs);
	assert_int_not_equal(t, 0);
	return t;
}

/*
 * The live clock, in the object as attach loads it (xh_open_default()):
 * jiffies times the ns per jiffy user space read from the kernel's
 * config, or the coarse clock where it could not.  Two packets 300 ms
 * apart by the wall clock are 300 ms apart in the table, within a few
 * ticks: a wrong HZ would be off by a factor of 2.5 at least (100, 250,
 * 300, 1000).
 */
static void live_clock_runs_at_wall_rate(void **state)
{
	struct xt_rule r = rule("udp-rate");
	struct pkt p = v4("198.18.0.1", "198.18.0.2", 17, 53, 0);
	struct xt_ruleset *rs;
	__u64 t0, t1;

	xdptag__destroy(*state);
	*state = xh_open_default();
	assert_non_null(*state);
	r.st_kind = XT_ST_PPS;
	r.st_limit = 1000;
	load(state, &r, 1, 0);
	rs = active_rs(state);
	assert_int_equal(rs->st.jiffy_ns, xt_jiffy_ns());
	free(rs);
	rules_of(state, &p);
	t0 = last_seen4(state, "198.18.0.1");
	usleep(300 * 1000);
	rules_of(state, &p);
	t1 = last_seen4(state, "198.18.0.1");
	assert_in_range(t1 - t0, 280 * 1000 * 1000ULL, 600 * 1000 * 1000ULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(negated_ranges), T(negated_prefixes), T(exempt_precedence),
		T(exempt_skips_state), T(rate_pps_windows),
		T(rate_window_ends_at_its_length),
		T(rate_slots_per_rule), T(rate_bps),
		T(fanout_ports), T(fanout_memo_per_window),
		T(windows_roll_apart),
		T(fanout_addrs_v6_prefix),
		T(stateless_packets_skip_state), T(full_table_evicts),
		T(full_set_replaces_least_recent), T(set_flood_evicts),
		T(colliding_sources_apart), T(free_ways_first),
		T(hot_swap_keeps_or_resets),
		T(size_kept_from_load), T(live_clock_runs_at_wall_rate),
	};

	return cmocka_run_group_tests_name("xdp_state", tests, NULL, NULL);
}
