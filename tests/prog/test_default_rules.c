// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The built-in ruleset in the real XDP program: for each rule of
 * rules/default.yaml, a frame made to trigger it sets that rule's bit in the
 * tag, and a near miss (one field just outside the rule) leaves it clear.
 * Stateful rules get a run of frames from one source that crosses their
 * rate or fan-out and a shorter run that does not.  Routine LAN control
 * traffic (ND, MLD, IGMP, DHCP, mDNS, LLMNR, OSPF, VRRP) matches no rule.
 * A default rule without a case here fails the coverage test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <time.h>
#include <cmocka.h>
#include "lib/xdp_harness.h"
#include "lib/pkt.h"
#include "rules_file.h"

/* A frame described by the fields the default rules look at. */
struct frame {
	uint32_t src, dst;	/* IPv4, host order; 0: defaults */
	const char *src6;	/* set: IPv6 frame from this address */
	const char *dst6;	/* and to this one (default 2001:4860::1) */
	bool src_zero;		/* IPv4 source 0.0.0.0 */
	bool hbh;		/* IPv6 hop-by-hop header (MLD's router alert) */
	uint8_t icmp_type;	/* 0: echo request */
	uint8_t proto;		/* 0: TCP */
	uint8_t ttl;		/* 0: 64 */
	uint8_t ihl;		/* 0: 5 */
	uint8_t flags;		/* TCP flags */
	uint16_t frag;		/* IPv4 frag_off field */
	uint16_t sport, dport;
	uint32_t len;		/* pad the frame to this length */
	uint32_t cut;		/* drop this many bytes off the end */
};

struct rule_case {
	const char *rule;
	struct frame hit, miss;
};

#define PUBLIC	0x08080808	/* 8.8.8.8 */
#define SERVER	0x5db8d822	/* 93.184.216.34 */
#define SYN	XT_TCP_SYN
#define ACK	XT_TCP_ACK

static const struct rule_case cases[] = {
	{ "bogon-private-src", { .src = 0x0a010203 }, { .src = 0x0b000001 } },
	{ "bogon-private-src", { .src = 0x64400001 }, { .src = 0x64800001 } },
	{ "bogon-doc-src", { .src = 0xc6336407 }, { .src = 0xc6336507 } },
	{ "bogon-doc-src", { .src6 = "2001:db8::1" },
	  { .src6 = "2001:db9::1" } },
	{ "bogon-loopback-src", { .src = 0x7f000001 }, { .src = 0x80000001 } },
	{ "bogon-loopback-src", { .src6 = "::1" }, { .src6 = "::2" } },
	{ "bogon-multicast-src", { .src = 0xe0000005 },
	  { .src = 0xdfffffff } },
	{ "bogon-multicast-src", { .src6 = "ff02::1" },
	  { .src6 = "fe80::1" } },
	{ "bogon-reserved-src", { .src = 0x00010203 }, { .src = 0x01000001 } },
	{ "bogon-reserved-src", { .src_zero = true },
	  { .src_zero = true, .dst = 0xffffffff } },
	{ "bogon-reserved-src", { .src_zero = true, .dst = 0xe0000116 },
	  { .src_zero = true, .dst = 0xe0000016 } },
	{ "bogon-reserved-src", { .src = 0xf0000001 }, { .src = 0xefffffff } },
	{ "tcp-null-scan", { .flags = 0 }, { .flags = ACK } },
	{ "tcp-xmas-scan", { .flags = 0x29 }, { .flags = 0x39 } },
	{ "tcp-fin-scan", { .flags = XT_TCP_FIN },
	  { .flags = XT_TCP_FIN | ACK } },
	{ "tcp-syn-fin", { .flags = SYN | XT_TCP_FIN }, { .flags = SYN } },
	{ "tcp-syn-rst", { .flags = SYN | XT_TCP_RST },
	  { .flags = XT_TCP_RST } },
	{ "admin-new-conn", { .flags = SYN, .dport = 22 },
	  { .flags = SYN, .dport = 2222 } },
	{ "admin-new-conn", { .flags = SYN, .dport = 3389 },
	  { .flags = SYN | ACK, .dport = 22 } },
	{ "admin-new-conn", { .flags = SYN, .dport = 5900 },
	  { .proto = 17, .dport = 23 } },
	{ "udp-reflection-src", { .proto = 17, .sport = 123, .len = 400 },
	  { .proto = 17, .sport = 124, .len = 400 } },
	{ "udp-reflection-src", { .proto = 17, .sport = 11211, .len = 1400 },
	  { .flags = ACK, .sport = 53, .len = 400 } },
	{ "udp-reflection-src", { .proto = 17, .sport = 53, .len = 400 },
	  { .proto = 17, .sport = 53, .len = 399 } },
	{ "ipv4-fragment", { .frag = 0x2000 }, { .frag = 0x4000 } },
	{ "ipv4-fragment", { .frag = 0x0010 }, { .frag = 0 } },
	{ "ip-options", { .ihl = 6 }, { .ihl = 5 } },
	{ "ip-options", { .ihl = 6, .proto = 17 }, { .ihl = 6, .proto = 2 } },
	{ "land", { .src = SERVER }, { .src = SERVER + 1 } },
	{ "low-ttl", { .ttl = 1 }, { .ttl = 2 } },
	{ "low-ttl", { .ttl = 1, .dst = 0xdfffffff },
	  { .ttl = 1, .dst = 0xe0000005 } },
	{ "low-ttl", { .src6 = "fe80::1", .dst6 = "fe80::2", .ttl = 1 },
	  { .src6 = "fe80::1", .dst6 = "ff02::16", .ttl = 1 } },
	{ "icmp-oversized", { .proto = 1, .len = 1101 },
	  { .proto = 1, .len = 1100 } },
	{ "icmp-oversized", { .src6 = "2001:4860::8888", .proto = 58,
			      .len = 1500 },
	  { .src6 = "2001:4860::8888", .proto = 17, .len = 1500 } },
	{ "malformed", { .flags = ACK, .cut = 10 }, { .flags = ACK } },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/*
 * Stateful rules: n frames like f from one source (each case its own),
 * the destination port or address stepping by one when vary says so;
 * the n-th frame must have the rule's bit.  Then `below` frames from
 * another source, none of which may have it.
 */
enum vary { SAME, PORTS, ADDRS };

struct seq_case {
	const char *rule;
	struct frame f;
	enum vary vary;
	unsigned int n, below;
};

#define SCANNER(i)	(0xc6120000 + (i))	/* 198.18.0.i: no bogon */
#define SYN_ONLY	SYN

static const struct seq_case seq_cases[] = {
	{ "syn-fanout-ports", { .src = SCANNER(1), .flags = SYN }, PORTS,
	  30, 8 },
	{ "syn-fanout-ports", { .src6 = "2001:4860:1::1", .flags = SYN },
	  PORTS, 30, 8 },
	{ "syn-fanout-addrs", { .src = SCANNER(2), .flags = SYN,
				.dport = 443 }, ADDRS, 30, 8 },
	{ "ack-fanout-ports", { .src = SCANNER(3), .flags = ACK }, PORTS,
	  30, 8 },
	{ "ack-fanout-ports", { .src = SCANNER(4), .flags = ACK | XT_TCP_FIN },
	  PORTS, 30, 8 },
	{ "ack-fanout-addrs", { .src = SCANNER(5), .flags = ACK,
				.dport = 80 }, ADDRS, 30, 8 },
	{ "udp-fanout-ports", { .src = SCANNER(6), .proto = 17 }, PORTS,
	  30, 8 },
	{ "icmp-sweep", { .src = SCANNER(7), .proto = 1 }, ADDRS, 30, 8 },
	{ "icmp-sweep", { .src = SCANNER(8), .proto = 1, .icmp_type = 13 },
	  ADDRS, 30, 8 },
	{ "icmp-sweep", { .src6 = "2001:4860:2::1", .proto = 58 }, ADDRS,
	  30, 8 },
	{ "syn-flood", { .src = SCANNER(9), .flags = SYN, .dport = 80 },
	  SAME, 1000, 999 },
	{ "syn-flood", { .src = SCANNER(11), .flags = XT_TCP_RST,
			 .dport = 80 }, SAME, 1000, 999 },
	{ "udp-flood", { .src = SCANNER(10), .proto = 17, .dport = 53 },
	  SAME, 5000, 4999 },
};

#define NSEQ (sizeof(seq_cases) / sizeof(seq_cases[0]))

/* Routine LAN control traffic: no default rule may match any of it. */
static const struct { const char *what; struct frame f; } lan[] = {
	{ "MLDv2 report", { .src6 = "fe80::1", .dst6 = "ff02::16", .ttl = 1,
			    .hbh = true, .proto = 58, .icmp_type = 143 } },
	{ "MLDv2 report from ::", { .src6 = "::", .dst6 = "ff02::16",
				    .ttl = 1, .hbh = true, .proto = 58,
				    .icmp_type = 143 } },
	{ "ND neighbour solicitation (DAD)",
	  { .src6 = "::", .dst6 = "ff02::1:ff00:2", .ttl = 255, .proto = 58,
	    .icmp_type = 135 } },
	{ "ND router solicitation", { .src6 = "fe80::1", .dst6 = "ff02::2",
				      .ttl = 255, .proto = 58,
				      .icmp_type = 133 } },
	{ "IGMPv3 report", { .src = SCANNER(20), .dst = 0xe0000016, .ttl = 1,
			     .ihl = 6, .proto = 2 } },
	{ "IGMPv2 report to a group", { .src = SCANNER(20), .dst = 0xeffffffa,
					.ttl = 1, .ihl = 6, .proto = 2 } },
	{ "IGMP from 0.0.0.0", { .src_zero = true, .dst = 0xe0000016, .ttl = 1,
				 .ihl = 6, .proto = 2 } },
	{ "DHCPDISCOVER", { .src_zero = true, .dst = 0xffffffff, .proto = 17,
			    .sport = 68, .dport = 67, .len = 342 } },
	{ "DHCPOFFER", { .src = SCANNER(21), .dst = 0xffffffff, .proto = 17,
			 .sport = 67, .dport = 68, .len = 342 } },
	{ "mDNS", { .src = SCANNER(20), .dst = 0xe00000fb, .ttl = 255,
		    .proto = 17, .sport = 5353, .dport = 5353 } },
	{ "mDNS over IPv6", { .src6 = "fe80::1", .dst6 = "ff02::fb",
			      .ttl = 255, .proto = 17, .sport = 5353,
			      .dport = 5353 } },
	{ "LLMNR", { .src = SCANNER(20), .dst = 0xe00000fc, .ttl = 1,
		     .proto = 17, .sport = 50000, .dport = 5355 } },
	{ "LLMNR over IPv6", { .src6 = "fe80::1", .dst6 = "ff02::1:3",
			       .ttl = 1, .proto = 17, .sport = 50000,
			       .dport = 5355 } },
	{ "OSPF hello", { .src = SCANNER(20), .dst = 0xe0000005, .ttl = 1,
			  .proto = 89 } },
	{ "VRRP advertisement", { .src = SCANNER(20), .dst = 0xe0000012,
				  .ttl = 255, .proto = 112 } },
	{ "DNS answer", { .src = SCANNER(21), .proto = 17, .sport = 53,
			  .dport = 40000, .len = 200 } },
	{ "NTP answer", { .src = SCANNER(21), .proto = 17, .sport = 123,
			  .dport = 123, .len = 90 } },
	{ "ping", { .src = SCANNER(22), .proto = 1 } },
	{ "ping6", { .src6 = "2001:4860:3::1", .proto = 58 } },
};

#define NLAN (sizeof(lan) / sizeof(lan[0]))

static struct xdptag *skel;
static struct xt_rules_file rf;

static void build(const struct frame *f, struct pkt *p)
{
	uint8_t proto = f->proto ? f->proto : 6;
	uint8_t ttl = f->ttl ? f->ttl : 64;
	uint8_t ihl = f->ihl ? f->ihl : 5;
	uint16_t l4 = proto == 6 ? 20 : 8, pad = 0, hdr;

	hdr = 14 + (f->src6 ? 40 + 8 * f->hbh : ihl * 4) + l4;
	if (f->len > hdr)
		pad = f->len - hdr;
	memset(p, 0, sizeof(*p));
	pkt_eth(p, f->src6 ? 0x86dd : 0x0800);
	if (f->src6) {
		pkt_ipv6(p, f->hbh ? 0 : proto, ttl, f->src6,
			 f->dst6 ? f->dst6 : "2001:4860::1",
			 l4 + pad + 8 * f->hbh);
		if (f->hbh)
			pkt_ip6ext(p, proto, 0);
	} else {
		pkt_ipv4(p, ihl, proto, ttl, f->frag,
			 f->src_zero ? 0 : f->src ? f->src : PUBLIC,
			 f->dst ? f->dst : SERVER, l4 + pad);
	}
	if (proto == 6)
		pkt_tcp(p, f->sport ? f->sport : 40000,
			f->dport ? f->dport : 8080, f->flags, 5);
	else if (proto == 17)
		pkt_udp(p, f->sport ? f->sport : 40000,
			f->dport ? f->dport : 8080, pad);
	else
		pkt_icmp(p, f->icmp_type ? f->icmp_type :
			 proto == 58 ? 128 : 8, 0);
	pkt_zero(p, pad);
	p->len -= f->cut;
}

static int slot_of(const char *name)
{
	size_t i;

	for (i = 0; i < rf.nrules; i++)
		if (!strcmp(rf.rules[i].name, name))
			return i;
	return -1;
}

static uint64_t rules_of(const struct frame *f)
{
	static struct pkt p;
	struct xh_result r;

	build(f, &p);
	r = xh_run(skel, p.b, p.len, 1);
	assert_int_equal(r.err, 0);
	assert_true(r.tagged);
	return r.tag.rules;
}

static void run_case(void **state)
{
	const struct rule_case *c = *state;
	int slot = slot_of(c->rule);
	uint64_t bit;

	if (!skel)
		skip();
	if (slot < 0)
		fail_msg("rule '%s' is not in the default ruleset", c->rule);
	bit = 1ULL << slot;
	if (!(rules_of(&c->hit) & bit))
		fail_msg("%s: trigger frame did not set bit %d", c->rule, slot);
	if (rules_of(&c->miss) & bit)
		fail_msg("%s: near-miss frame set bit %d", c->rule, slot);
}

static void frame_step(struct frame *f, enum vary vary, unsigned int i)
{
	static char buf[64];

	if (vary == PORTS) {
		f->dport = 1000 + i;
	} else if (vary == ADDRS) {
		if (f->src6) {
			snprintf(buf, sizeof(buf), "2001:4860:9::%x", i + 1);
			f->dst6 = buf;
		} else {
			f->dst = 0xc6130000 + i + 1;	/* 198.19.0.x */
		}
	}
}

static void run_seq(void **state)
{
	const struct seq_case *c = *state;
	int slot = slot_of(c->rule);
	struct frame f = c->f;
	uint64_t bit, m = 0;
	unsigned int i;

	if (!skel)
		skip();
	if (slot < 0)
		fail_msg("rule '%s' is not in the default ruleset", c->rule);
	bit = 1ULL << slot;
	for (i = 0; i < c->n; i++) {
		frame_step(&f, c->vary, i);
		m = rules_of(&f);
	}
	if (!(m & bit))
		fail_msg("%s: %u frames from one source did not set bit %d",
			 c->rule, c->n, slot);
	/* Another source, fewer frames: the rule must not match. */
	f = c->f;
	if (f.src6)
		f.src6 = "2001:4860:ffff::1";
	else
		f.src = c->f.src + 0x100;
	for (i = 0; i < c->below; i++) {
		frame_step(&f, c->vary, i);
		if (rules_of(&f) & bit)
			fail_msg("%s: frame %u of %u set bit %d", c->rule,
				 i + 1, c->below, slot);
	}
}

/* Routine LAN traffic matches no default rule. */
static void lan_quiet(void **state)
{
	size_t i;
	uint64_t m;

	if (!skel)
		skip();
	for (i = 0; i < NLAN; i++) {
		m = rules_of(&lan[i].f);
		if (m)
			fail_msg("%s matched rules 0x%llx", lan[i].what,
				 (unsigned long long)m);
	}
}

/* A clean frame (public source, ACK to a high port) matches nothing. */
static void clean_frame(void **state)
{
	struct frame f = { .flags = ACK };

	if (!skel)
		skip();
	assert_int_equal(rules_of(&f), 0);
}

/*
 * The XDP program holds two copies of its body and the verifier keeps one
 * (xdptag_xdp(), bpf/xdp/xdptag.bpf.c): the copy with every option at its
 * default, as attach loads it, and the copy that reads the options, as
 * replay and the other tests here load it (the explain record, the test's
 * clock).  Every frame above, each sequence in turn, goes through a fresh
 * object of each kind: the same verdict, the same tag, the same counters.
 * The default copy's windows run on the live clock, the other's stand
 * still: they agree while no window of 1 s ends, so a run that took longer
 * (a stalled machine) is reported as skipped, not compared.
 */
static void agree(struct xdptag *def, struct xdptag *opt,
		  const struct frame *f, const char *what)
{
	static struct pkt p;
	struct xh_result d, o;

	build(f, &p);
	d = xh_run(def, p.b, p.len, 1);
	o = xh_run(opt, p.b, p.len, 1);
	assert_int_equal(d.err, 0);
	assert_int_equal(o.err, 0);
	if (d.action != o.action || d.tagged != o.tagged ||
	    memcmp(&d.tag, &o.tag, sizeof(d.tag)))
		fail_msg("%s: the default copy gave action %u, tagged %d, "
			 "rules 0x%llx, score %u; the other action %u, "
			 "tagged %d, rules 0x%llx, score %u", what, d.action,
			 d.tagged, (unsigned long long)d.tag.rules,
			 d.tag.score, o.action, o.tagged,
			 (unsigned long long)o.tag.rules, o.tag.score);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void copies_agree(void **state)
{
	struct xdptag *def = xh_open_default(), *opt = xh_open_clocked();
	struct xt_cls_stats sd, so;
	double t0 = now_s();
	size_t i;

	if (!skel)
		skip();
	assert_non_null(def);
	assert_non_null(opt);
	assert_int_equal(def->rodata->cfg_xdp.any, 0);
	assert_int_not_equal(opt->rodata->cfg_xdp.any, 0);
	assert_int_equal(xh_rules(def, rf.rules, rf.nrules,
				  rf.settings.drop_threshold), 0);
	assert_int_equal(xh_rules(opt, rf.rules, rf.nrules,
				  rf.settings.drop_threshold), 0);
	for (i = 0; i < NCASES; i++) {
		agree(def, opt, &cases[i].hit, cases[i].rule);
		agree(def, opt, &cases[i].miss, cases[i].rule);
	}
	for (i = 0; i < NLAN; i++)
		agree(def, opt, &lan[i].f, lan[i].what);
	for (i = 0; i < NSEQ; i++) {
		struct frame f = seq_cases[i].f;
		unsigned int j;

		for (j = 0; j < seq_cases[i].n; j++) {
			frame_step(&f, seq_cases[i].vary, j);
			agree(def, opt, &f, seq_cases[i].rule);
		}
	}
	assert_int_equal(xh_cls_stats(def, &sd), 0);
	assert_int_equal(xh_cls_stats(opt, &so), 0);
	if (now_s() - t0 > 0.9) {
		xdptag__destroy(def);
		xdptag__destroy(opt);
		skip();	/* a window may have ended for one copy only */
	}
	assert_int_not_equal(sd.action[XDP_PASS], 0);
	assert_memory_equal(&sd, &so, sizeof(sd));
	xdptag__destroy(def);
	xdptag__destroy(opt);
}

/* Every default rule has a case above. */
static void coverage(void **state)
{
	size_t i, j, k = 0;

	for (i = 0; i < rf.nrules; i++) {
		for (j = 0; j < NCASES; j++)
			if (!strcmp(cases[j].rule, rf.rules[i].name))
				break;
		for (k = 0; j == NCASES && k < NSEQ; k++)
			if (!strcmp(seq_cases[k].rule, rf.rules[i].name))
				break;
		if (j == NCASES && k == NSEQ)
			fail_msg("default rule '%s' has no test case",
				 rf.rules[i].name);
	}
}

static int group_setup(void **state)
{
	if (xt_rules_file_load(NULL, &rf, stderr))
		return -1;
	/* The state clock stands still: all runs fall in one window. */
	skel = xh_open_clocked();
	if (!skel) {
		/* Reported per test as SKIP: no BPF here (not root?). */
		fprintf(stderr, "# cannot load the XDP object: %s\n",
			strerror(errno));
		return 0;
	}
	if (xh_rules(skel, rf.rules, rf.nrules, rf.settings.drop_threshold))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	if (skel)
		xdptag__destroy(skel);
	xt_rules_file_free(&rf);
	return 0;
}

int main(void)
{
	static struct CMUnitTest tests[NCASES + NSEQ + 4];
	static char names[NCASES + NSEQ][64];
	size_t i;

	for (i = 0; i < NCASES; i++) {
		snprintf(names[i], sizeof(names[i]), "%s#%zu", cases[i].rule, i);
		tests[i] = (struct CMUnitTest){
			.name = names[i], .test_func = run_case,
			.initial_state = (void *)&cases[i],
		};
	}
	for (i = 0; i < NSEQ; i++) {
		snprintf(names[NCASES + i], sizeof(names[0]), "%s#seq%zu",
			 seq_cases[i].rule, i);
		tests[NCASES + i] = (struct CMUnitTest){
			.name = names[NCASES + i], .test_func = run_seq,
			.initial_state = (void *)&seq_cases[i],
		};
	}
	tests[NCASES + NSEQ] = (struct CMUnitTest)cmocka_unit_test(clean_frame);
	tests[NCASES + NSEQ + 1] =
		(struct CMUnitTest)cmocka_unit_test(lan_quiet);
	tests[NCASES + NSEQ + 2] =
		(struct CMUnitTest)cmocka_unit_test(coverage);
	tests[NCASES + NSEQ + 3] =
		(struct CMUnitTest)cmocka_unit_test(copies_agree);
	return cmocka_run_group_tests_name("default_rules", tests, group_setup,
					   group_teardown);
}
