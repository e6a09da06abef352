// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The built-in ruleset in the real XDP program: for each rule of
 * rules/default.yaml, a frame made to trigger it sets that rule's bit in the
 * tag, and a near miss (one field just outside the rule) leaves it clear.
 * A default rule without a case here fails the coverage test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "lib/xdp_harness.h"
#include "lib/pkt.h"
#include "rules_file.h"

/* A frame described by the fields the default rules look at. */
struct frame {
	uint32_t src, dst;	/* IPv4, host order; 0: defaults */
	const char *src6;	/* set: IPv6 frame from this address */
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
	{ "udp-reflection-src", { .proto = 17, .sport = 123 },
	  { .proto = 17, .sport = 124 } },
	{ "udp-reflection-src", { .proto = 17, .sport = 11211 },
	  { .flags = ACK, .sport = 53 } },
	{ "ipv4-fragment", { .frag = 0x2000 }, { .frag = 0x4000 } },
	{ "ipv4-fragment", { .frag = 0x0010 }, { .frag = 0 } },
	{ "ip-options", { .ihl = 6 }, { .ihl = 5 } },
	{ "land", { .src = SERVER }, { .src = SERVER + 1 } },
	{ "low-ttl", { .ttl = 1 }, { .ttl = 2 } },
	{ "icmp-oversized", { .proto = 1, .len = 1101 },
	  { .proto = 1, .len = 1100 } },
	{ "icmp-oversized", { .src6 = "2001:4860::8888", .proto = 58,
			      .len = 1500 },
	  { .src6 = "2001:4860::8888", .proto = 17, .len = 1500 } },
	{ "malformed", { .flags = ACK, .cut = 10 }, { .flags = ACK } },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct xdptag *skel;
static struct xt_rules_file rf;

static void build(const struct frame *f, struct pkt *p)
{
	uint8_t proto = f->proto ? f->proto : 6;
	uint8_t ttl = f->ttl ? f->ttl : 64;
	uint8_t ihl = f->ihl ? f->ihl : 5;
	uint16_t l4 = proto == 6 ? 20 : 8, pad = 0, hdr;

	hdr = 14 + (f->src6 ? 40 : ihl * 4) + l4;
	if (f->len > hdr)
		pad = f->len - hdr;
	memset(p, 0, sizeof(*p));
	pkt_eth(p, f->src6 ? 0x86dd : 0x0800);
	if (f->src6)
		pkt_ipv6(p, proto, ttl, f->src6, "2001:4860::1", l4 + pad);
	else
		pkt_ipv4(p, ihl, proto, ttl, f->frag, f->src ? f->src : PUBLIC,
			 SERVER, l4 + pad);
	if (proto == 6)
		pkt_tcp(p, f->sport ? f->sport : 40000,
			f->dport ? f->dport : 8080, f->flags, 5);
	else if (proto == 17)
		pkt_udp(p, f->sport ? f->sport : 40000,
			f->dport ? f->dport : 8080, pad);
	else
		pkt_icmp(p, proto == 58 ? 128 : 8, 0);
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

/* A clean frame (public source, ACK to a high port) matches nothing. */
static void clean_frame(void **state)
{
	struct frame f = { .flags = ACK };

	if (!skel)
		skip();
	assert_int_equal(rules_of(&f), 0);
}

/* Every default rule has a case above. */
static void coverage(void **state)
{
	size_t i, j;

	for (i = 0; i < rf.nrules; i++) {
		for (j = 0; j < NCASES; j++)
			if (!strcmp(cases[j].rule, rf.rules[i].name))
				break;
		if (j == NCASES)
			fail_msg("default rule '%s' has no test case",
				 rf.rules[i].name);
	}
}

static int group_setup(void **state)
{
	if (xt_rules_file_load(NULL, &rf, stderr))
		return -1;
	skel = xh_open(0);
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
	static struct CMUnitTest tests[NCASES + 2];
	static char names[NCASES][64];
	size_t i;

	for (i = 0; i < NCASES; i++) {
		snprintf(names[i], sizeof(names[i]), "%s#%zu", cases[i].rule, i);
		tests[i] = (struct CMUnitTest){
			.name = names[i], .test_func = run_case,
			.initial_state = (void *)&cases[i],
		};
	}
	tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(clean_frame);
	tests[NCASES + 1] = (struct CMUnitTest)cmocka_unit_test(coverage);
	return cmocka_run_group_tests_name("default_rules", tests, group_setup,
					   group_teardown);
}
