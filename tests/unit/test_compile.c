// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rule compiler (user/rules.c) in user space: the tables xt_compile()
 * produces for each kind of condition, prefix expansion and push-down, the
 * limits with their exact messages, and prefix parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "lib/rule_build.h"
#include "rules.h"

static struct xt_rule rule(const char *name)
{
	return xt_test_rule(name, 1, 0);
}

static void compile_ok(struct xt_rule *r, size_t n, struct xt_compiled *c)
{
	char err[256];
	size_t i;

	assert_int_equal(xt_compile(r, n, 0, c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	for (i = 0; i < n; i++)
		xt_rule_free(&r[i]);
}

/* xt_compile fails with exactly this message. */
static void compile_err(struct xt_rule *r, size_t n, unsigned int drop,
			const char *want)
{
	struct xt_compiled c;
	char err[256];
	size_t i;

	assert_int_equal(xt_compile(r, n, drop, &c, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, want);
	assert_null(c.rs);
	for (i = 0; i < n; i++)
		xt_rule_free(&r[i]);
}

/* stride: XT_BY16_STRIDE for a field of struct xt_by16, else 1 */
static void all_set(const __u64 *tab, size_t stride, size_t n, __u64 bit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((tab[i * stride] & bit) != bit)
			fail_msg("slot %zu of %zu lacks the bit", i, n);
}

static void l1_all_set(const struct xt_ruleset *rs, int v6, int dir,
		       __u64 bit)
{
	size_t i;

	for (i = 0; i < XT_L1_SLOTS; i++)
		if ((xt_l1_at(rs, v6, dir, i)->bits & bit) != bit)
			fail_msg("/16 slot %zu lacks the bit", i);
}

static void wildcard_everywhere(void **state)
{
	struct xt_rule r[2] = { rule("other"), rule("any") };
	struct xt_compiled c;
	const __u64 b = 2;
	int f, d;

	/* slot 0 constrains everything, so its bits do not hide slot 1's */
	assert_int_equal(xt_ranges_add(&r[0].dport, 1, 1), 0);
	compile_ok(r, 2, &c);
	all_set(c.rs->proto, 1, XT_BYTE_SLOTS, b);
	all_set(c.rs->ttl, 1, XT_BYTE_SLOTS, b);
	all_set(c.rs->tcp_flags, 1, XT_BYTE_SLOTS, b);
	all_set(c.rs->icmp_type, 1, XT_BYTE_SLOTS, b);
	all_set(c.rs->icmp_code, 1, XT_BYTE_SLOTS, b);
	all_set(c.rs->vlan, 1, XT_VLAN_SLOTS, b);
	all_set(&c.rs->by16[0].features, XT_BY16_STRIDE, XT_F_SLOTS, b);
	all_set(&c.rs->by16[0].len, XT_BY16_STRIDE, XT_LEN_SLOTS, b);
	all_set(&c.rs->by16[0].sport, XT_BY16_STRIDE, XT_PORT_SLOTS, b);
	all_set(&c.rs->by16[0].dport, XT_BY16_STRIDE, XT_PORT_SLOTS, b);
	for (f = 0; f < 2; f++)
		for (d = 0; d < 2; d++)
			l1_all_set(c.rs, f, d, b);
	assert_int_equal(c.rs->proto[XT_BYTE_NONE], 3);
	assert_int_equal(c.rs->vlan[XT_VLAN_NONE], 3);
	assert_int_equal(c.rs->no_addr, 3);
	assert_int_equal(c.rs->no_ports, 2);	/* slot 0 has a port */
	assert_int_equal(c.rs->no_icmp, 3);
	assert_int_equal(c.rs->no_vlan, 3);
	assert_int_equal(c.rs->nrules, 2);
	assert_int_equal(c.nentries, 0);
	xt_compiled_free(&c);
}

/* What packets without ports, not ICMP, or untagged take from the tables
 * is in one word each, the datapath's one load: an ICMP type fails the
 * packets that are not ICMP, a VLAN the untagged ones, a port those
 * without ports; and a packet with neither ports nor ICMP both. */
static void none_words(void **state)
{
	struct xt_rule r[3] = { rule("echo"), rule("vlan"), rule("port") };
	struct xt_compiled c;

	(void)state;
	assert_int_equal(xt_ranges_add(&r[0].icmp_type, 8, 8), 0);
	assert_int_equal(xt_ranges_add(&r[1].vlan, 100, 100), 0);
	assert_int_equal(xt_ranges_add(&r[2].dport, 22, 22), 0);
	compile_ok(r, 3, &c);
	assert_int_equal(c.rs->icmp_type[XT_BYTE_NONE], 6);
	assert_int_equal(c.rs->no_icmp, 6);
	assert_int_equal(c.rs->no_ports, 3);
	/* Neither header: both "none"s, for the packet's one load. */
	assert_int_equal(c.rs->no_l4, 2);
	assert_int_equal(c.rs->vlan[XT_VLAN_NONE], 5);
	assert_int_equal(c.rs->no_vlan, 5);
	xt_compiled_free(&c);
}

/* The usual packet's one test: the exempt and the stateful rules. */
static void special_rules(void **state)
{
	struct xt_rule r[3] = { rule("plain"), rule("allow"), rule("rate") };
	struct xt_compiled c;

	(void)state;
	r[1].exempt = true;
	r[2].st_kind = XT_ST_PPS;
	r[2].st_limit = 10;
	compile_ok(r, 3, &c);
	assert_int_equal(c.rs->exempt, 2);
	assert_int_equal(c.rs->stateful, 4);
	assert_int_equal(c.rs->special, 6);
	xt_compiled_free(&c);
}

static void port_range_slots(void **state)
{
	struct xt_rule r = rule("ports");
	struct xt_compiled c;
	unsigned int v;

	assert_int_equal(xt_ranges_add(&r.dport, 1000, 1009), 0);
	compile_ok(&r, 1, &c);
	for (v = 0; v < XT_PORT_SLOTS; v++)
		assert_int_equal(c.rs->by16[v].dport, v >= 1000 && v <= 1009);
	/* no ports in the packet: neither table may pass the rule */
	assert_int_equal(c.rs->by16[XT_PORT_NONE].dport, 0);
	assert_int_equal(c.rs->by16[XT_PORT_NONE].sport, 0);
	assert_int_equal(c.rs->no_ports, 0);
	assert_int_equal(c.rs->no_icmp, 1);
	assert_int_equal(c.rs->by16[0].sport, 1);
	assert_int_equal(c.rs->by16[65535].sport, 1);
	xt_compiled_free(&c);
}

static void tcp_flag_alternatives(void **state)
{
	struct xt_rule r = rule("flags");
	struct xt_compiled c;
	unsigned int f;

	r.ntcp = 2;
	r.tcp[0] = (struct xt_tcp_cond){ .mask = 0x12, .value = 0x02 };
	r.tcp[1] = (struct xt_tcp_cond){ .mask = 0x05, .value = 0x05 };
	compile_ok(&r, 1, &c);
	for (f = 0; f < 256; f++)
		assert_int_equal(c.rs->tcp_flags[f],
				 (f & 0x12) == 0x02 || (f & 0x05) == 0x05);
	assert_int_equal(c.rs->tcp_flags[0x02], 1);
	assert_int_equal(c.rs->tcp_flags[0x12], 0);
	assert_int_equal(c.rs->tcp_flags[0x15], 1);
	/* a flags condition implies TCP */
	assert_int_equal(c.rs->tcp_flags[XT_BYTE_NONE], 0);
	xt_compiled_free(&c);
}

static void features_set_clear(void **state)
{
	struct xt_rule r = rule("feat");
	struct xt_compiled c;
	unsigned int f;

	r.feat_set = XT_F_FRAGMENT | XT_F_IPV4;
	r.feat_clear = XT_F_MALFORMED;
	compile_ok(&r, 1, &c);
	for (f = 0; f < XT_F_SLOTS; f++)
		assert_int_equal(c.rs->by16[f].features,
				 (f & (XT_F_FRAGMENT | XT_F_IPV4)) ==
				 (XT_F_FRAGMENT | XT_F_IPV4) &&
				 !(f & XT_F_MALFORMED));
	assert_int_equal(c.rs->by16[XT_F_FRAGMENT | XT_F_IPV4 |
				    XT_F_UDP].features, 1);
	assert_int_equal(c.rs->by16[XT_F_FRAGMENT | XT_F_IPV4 |
				    XT_F_MALFORMED].features, 0);

	r = rule("both");
	r.feat_set = r.feat_clear = XT_F_LAND;
	compile_err(&r, 1, 0,
		    "rule 'both': a feature is both required and excluded");
	xt_compiled_free(&c);
}

static void length_clamp(void **state)
{
	struct xt_rule r = rule("big");
	struct xt_compiled c;
	unsigned int v;

	assert_int_equal(xt_ranges_add(&r.len, 1000, 20000), 0);
	compile_err(&r, 1, 0,
		    "rule 'big': length range up to 20000: ranges must end below 16383 or at 65535");

	r = rule("big");
	assert_int_equal(xt_ranges_add(&r.len, 1000, 16383), 0);
	compile_err(&r, 1, 0,
		    "rule 'big': length range up to 16383: ranges must end below 16383 or at 65535");

	r = rule("big");
	assert_int_equal(xt_ranges_add(&r.len, 1000, 65535), 0);
	compile_ok(&r, 1, &c);
	for (v = 0; v < XT_LEN_SLOTS; v++)
		assert_int_equal(c.rs->by16[v].len, v >= 1000);
	xt_compiled_free(&c);

	r = rule("big");
	assert_int_equal(xt_ranges_add(&r.len, 100, 16382), 0);
	compile_ok(&r, 1, &c);
	assert_int_equal(c.rs->by16[16382].len, 1);
	assert_int_equal(c.rs->by16[XT_LEN_MAX].len, 0);
	xt_compiled_free(&c);
}

static const struct xt_pfx_entry *find(const struct xt_compiled *c,
				       int dir, const char *pfx)
{
	struct xt_prefix p;
	size_t i;

	const struct xt_pfx_entry *e = NULL;
	const struct xt_pfx_slot *s;
	__u32 key[4];

	assert_int_equal(xt_prefix_parse(pfx, &p), 0);
	for (i = 0; i < c->nentries; i++) {
		const struct xt_pfx_key *k = &c->entries[i].key;

		if (k->dir == dir && k->family == p.family &&
		    k->plen == p.plen && !memcmp(k->addr, p.addr, 16))
			e = &c->entries[i];
	}
	/* The slot table the datapath reads must say the same. */
	memcpy(key, p.addr, sizeof(key));
	s = xt_pfx_find(c, key, xt_pfx_meta(p.plen, dir, p.family == 6));
	if ((c->rs->v4_chunked && p.family == 4 && p.plen == 24) ||
	    (p.family == 6 && p.plen <= 32 &&
	     c->rs->v6_chunk[dir & 1][p.addr[0] << 8 | p.addr[1]])) {
		/* Its chunk does, and the slot table has none. */
		int leaf = xt_pfx_chunk_leaf(c, dir, p.family, p.addr);
		const struct xt_l1_slot *l1 =
			xt_l1_at(c->rs, p.family == 6, dir,
				 p.addr[0] << 8 | p.addr[1]);

		assert_null(s);
		if (!e && leaf < 0)
			return NULL;
		assert_true(leaf >= 0);
		assert_int_equal(c->rs->pfx_leaf[leaf & (XT_PFX_LEAVES - 1)],
				 e ? e->val.bits :
				 l1->bits);
		/* An IPv6 entry's flag is for its /32: longer than /32 below. */
		if (p.family == 4 || p.plen == 32)
			assert_int_equal(!!(leaf & XT_PFX_LEAF_LONGER),
					 e && e->val.longer);
		return e;
	}
	assert_int_equal(!!s, !!e);
	if (e) {
		assert_int_equal(s->bits, e->val.bits);
		assert_int_equal(s->longer, !!e->val.longer);
	}
	return e;
}

/* Which /22s of a /16 hold longer prefixes: bit n for n.0/22 ... */
static __u64 l1_longer(const struct xt_ruleset *rs, unsigned int slot)
{
	return xt_l1_at(rs, 0, XT_SRC, slot)->longer;
}

static void prefix_expansion(void **state)
{
	struct xt_rule r = rule("p20");
	struct xt_compiled c;
	char buf[64];
	int i;

	add_pfx(&r.src, "10.1.16.0/20");
	compile_ok(&r, 1, &c);
	assert_int_equal(c.nentries, 16);
	for (i = 0; i < 16; i++) {
		const struct xt_pfx_entry *e;

		snprintf(buf, sizeof(buf), "10.1.%d.0/24", 16 + i);
		e = find(&c, XT_SRC, buf);
		assert_non_null(e);
		assert_int_equal(e->val.bits, 1);
		assert_int_equal(e->val.longer, 0);
	}
	assert_null(find(&c, XT_SRC, "10.1.32.0/24"));
	assert_int_equal(c.rs->v4_nlevels, 1);
	assert_int_equal(c.rs->v4_levels[0], 24);
	/* 10.1.16.0-10.1.31.255: the /22s 4 to 7 of 10.1.0.0/16 */
	assert_int_equal(l1_longer(c.rs, 0x0a01), 0xf0);
	assert_int_equal(xt_l1_at(c.rs, 0, XT_SRC, 0x0a01)->bits, 0);
	xt_compiled_free(&c);

	r = rule("p23");
	add_pfx(&r.dst, "192.0.2.0/23");
	compile_ok(&r, 1, &c);
	assert_int_equal(c.nentries, 2);
	assert_non_null(find(&c, XT_DST, "192.0.2.0/24"));
	assert_non_null(find(&c, XT_DST, "192.0.3.0/24"));
	xt_compiled_free(&c);
}

static void prefix_push_down(void **state)
{
	struct xt_rule r[3] = { rule("p8"), rule("p24"), rule("p32") };
	const struct xt_pfx_entry *e24, *e32;
	struct xt_compiled c;

	add_pfx(&r[0].src, "10.0.0.0/8");
	add_pfx(&r[1].src, "10.1.2.0/24");
	add_pfx(&r[2].src, "10.1.2.3/32");
	compile_ok(r, 3, &c);
	assert_int_equal(xt_l1_at(c.rs, 0, XT_SRC, 0x0a00)->bits, 1);
	assert_int_equal(xt_l1_at(c.rs, 0, XT_SRC, 0x0aff)->bits, 1);
	assert_int_equal(xt_l1_at(c.rs, 0, XT_SRC, 0x0b00)->bits, 0);
	assert_int_equal(l1_longer(c.rs, 0x0a01), 1);	/* 10.1.0.0/22 */
	assert_int_equal(l1_longer(c.rs, 0x0a02), 0);

	assert_int_equal(c.nentries, 2);
	e24 = find(&c, XT_SRC, "10.1.2.0/24");
	e32 = find(&c, XT_SRC, "10.1.2.3/32");
	assert_non_null(e24);
	assert_non_null(e32);
	assert_int_equal(e24->val.bits, 0x3);	/* the /8 pushed down */
	assert_int_equal(e24->val.longer, 1);
	assert_int_equal(e32->val.bits, 0x7);
	assert_int_equal(e32->val.longer, 0);
	assert_int_equal(c.rs->v4_nlevels, 2);
	assert_int_equal(c.rs->v4_levels[0], 24);
	assert_int_equal(c.rs->v4_levels[1], 32);
	xt_compiled_free(&c);
}

/*
 * A blocklist of the size the bench uses: every entry within reach of the
 * datapath's bounded probe, at most half the slots used, and the slots
 * exactly the entries.
 */
static void prefix_table_large(void **state)
{
	struct xt_rule r = rule("block");
	unsigned int seed = 7, i, used = 0, n32 = 0;
	struct xt_compiled c;

	for (i = 0; i < 100000; i++) {
		struct xt_prefix p = { .family = 4, .plen = i % 2 ? 32 : 24 };
		__u32 a = htonl(rand_r(&seed) << 1 ^ rand_r(&seed));

		memcpy(p.addr, &a, 4);
		if (p.plen == 24)
			p.addr[3] = 0;
		assert_int_equal(xt_prefixes_add(&r.src, &p), 0);
	}
	compile_ok(&r, 1, &c);
	assert_true(c.nentries > 99000);
	/* The /24s (and the /32s' markers) are in the chunks. */
	assert_int_equal(c.rs->v4_chunked, 1);
	for (i = 0; i < c.nentries; i++)
		n32 += c.entries[i].key.plen == 32;
	assert_true(n32 > 49000);
	assert_true(c.nslots >= 2 * n32);
	assert_int_equal(c.nslots & (c.nslots - 1), 0);
	for (i = 0; i < c.nslots; i++)
		used += !!c.slots[i].meta;
	assert_int_equal(used, n32);
	for (i = 0; i < c.nentries; i++) {
		const struct xt_pfx_entry *e = &c.entries[i];
		const struct xt_pfx_slot *s;
		__u32 key[4];
		int leaf;

		if (e->key.plen == 24) {
			leaf = xt_pfx_chunk_leaf(&c, e->key.dir, 4, e->key.addr);
			assert_true(leaf >= 0);
			assert_int_equal(c.rs->pfx_leaf[leaf & (XT_PFX_LEAVES - 1)],
					 e->val.bits);
			assert_int_equal(!!(leaf & XT_PFX_LEAF_LONGER),
					 !!e->val.longer);
			continue;
		}
		memcpy(key, e->key.addr, sizeof(key));
		s = xt_pfx_find(&c, key,
				xt_pfx_meta(e->key.plen, e->key.dir, 0));
		assert_non_null(s);
		assert_int_equal(s->bits, e->val.bits);
	}
	xt_compiled_free(&c);
}

/*
 * A big table starts at most 3/8 full (tab_build()): 105,000 /32s take
 * 2^19 slots at once, where twice the entries (2^18 slots, 0.40 full)
 * failed for every seed, each a wasted insertion pass.  One pass,
 * the first seed at the first size, places them all.  (/32s: /24s go to
 * the chunks, not to this table.)
 */
static void prefix_table_sized_once(void **state)
{
	struct xt_rule r = rule("block");
	unsigned int seed = 11, i;
	struct xt_compiled c;

	for (i = 0; i < 105000; i++) {
		struct xt_prefix p = { .family = 4, .plen = 32 };
		__u32 a = htonl(rand_r(&seed) << 1 ^ rand_r(&seed));

		memcpy(p.addr, &a, 4);
		assert_int_equal(xt_prefixes_add(&r.src, &p), 0);
	}
	compile_ok(&r, 1, &c);
	assert_true(c.nentries > 104000);
	assert_int_equal(c.nslots, 1 << 19);
	assert_int_equal(c.tab_passes, 1);
	xt_compiled_free(&c);
}

/* The chunk entry of IPv6 address a (no length) in direction dir. */
static int leaf6(const struct xt_compiled *c, int dir, const char *a,
		 __u64 *bits)
{
	struct xt_prefix p;
	int leaf;

	assert_int_equal(xt_prefix_parse(a, &p), 0);
	leaf = xt_pfx_chunk_leaf(c, dir, 6, p.addr);
	if (leaf >= 0)
		*bits = c->rs->pfx_leaf[leaf & (XT_PFX_LEAVES - 1)];
	return leaf;
}

static __u64 leaf6_bits(const struct xt_compiled *c, int dir, const char *a,
			int longer)
{
	__u64 bits = ~0ULL;
	int leaf = leaf6(c, dir, a, &bits);

	assert_true(leaf >= 0);
	assert_int_equal(!!(leaf & XT_PFX_LEAF_LONGER), longer);
	return bits;
}

/* The slot of IPv6 prefix pfx in the hash table (NULL: none). */
static const struct xt_pfx_slot *slot6(const struct xt_compiled *c, int dir,
				       const char *pfx)
{
	struct xt_prefix p;
	__u32 key[4];

	assert_int_equal(xt_prefix_parse(pfx, &p), 0);
	memcpy(key, p.addr, sizeof(key));
	return xt_pfx_find(c, key, xt_pfx_meta(p.plen, dir, 1));
}

/* Rules a-c of prefix_v6_chunks_or_hash, with 17 destination /16s. */
static void v6_chunk_rules(struct xt_rule *r)
{
	char buf[32];
	int i;

	r[0] = rule("a");
	r[1] = rule("b");
	r[2] = rule("c");
	add_pfx(&r[0].src, "2001:d00::/24");
	add_pfx(&r[0].src, "2001:8000::/17");	/* expands to 128 /24s */
	add_pfx(&r[1].src, "2001:db0::/28");	/* expands to 16 /32s */
	add_pfx(&r[1].dst, "2001:db8::/32");
	add_pfx(&r[2].src, "2001:db8:1::/48");
	for (i = 0; i < 17; i++) {
		snprintf(buf, sizeof(buf), "%x:1::/32", 0x3000 + i);
		add_pfx(&r[2].dst, buf);
	}
}

/*
 * 4,091 IPv4 answers (xt_test_many_answers()) and n IPv6 /32s, each a
 * rule and an answer of its own: 4,091 + n answers, compiled into c.
 */
static void many_answers_v6(struct xt_rule *r, int n, struct xt_compiled *c)
{
	char buf[32];
	int i;

	xt_test_many_answers(r, 4090);
	for (i = 0; i < n; i++) {
		struct xt_rule *k = &r[XT_TEST_MANY_RULES + i];

		snprintf(buf, sizeof(buf), "v6-%d", i);
		*k = rule(buf);
		snprintf(buf, sizeof(buf), "2001:%x::/32", i + 1);
		add_pfx(&k->src, buf);
	}
	compile_ok(r, XT_TEST_MANY_RULES + n, c);
}

/*
 * IPv6's /17-/32 answers go to chunks for the first XT_PFX_V6_CHUNKS /16s
 * holding longer prefixes (source first, by address); the other /16s,
 * every /16 when the answers do not fit beside IPv4's, and rulesets
 * compiled with xt_pfx_no_v6_chunks keep their /24s and /32s in the hash
 * table (include/xdptag.h).  Lengths 17-31 pushed down, the longest wins,
 * a flag where lengths above /32 lie below.
 */
static void prefix_v6_chunks_or_hash(void **state)
{
	struct xt_rule r[XT_TEST_MANY_RULES + 6];
	struct xt_compiled c;
	__u64 bits;
	int i;

	v6_chunk_rules(r);
	compile_ok(r, 3, &c);
	assert_int_equal(c.rs->v6_nchunks, XT_PFX_V6_CHUNKS);
	assert_int_equal(c.rs->v6_chunk[XT_SRC][0x2001], 1);
	assert_int_equal(c.rs->v6_chunk[XT_DST][0x2001], 2);
	assert_int_equal(c.rs->v6_chunk[XT_DST][0x3000], 3);
	assert_int_equal(c.rs->v6_chunk[XT_DST][0x300d], 16);
	assert_int_equal(c.rs->v6_chunk[XT_DST][0x300e], 0);
	assert_int_equal(c.nchunk_elems, 16 * XT_PFX_V6_CHUNK_ELEMS);
	assert_int_equal(c.rs->v6_nlevels, 3);	/* /24, /32, /48 */
	assert_int_equal(c.rs->v6_first_long, 2);
	/* Source: /16 (no rule), /17, /24, /28, /32 with the /48 below. */
	assert_int_equal(leaf6_bits(&c, XT_SRC, "2001:7fff::", 0), 0);
	assert_int_equal(leaf6_bits(&c, XT_SRC, "2001:9000::", 0), 1);
	assert_int_equal(leaf6_bits(&c, XT_SRC, "2001:dc0::", 0), 1);
	assert_int_equal(leaf6_bits(&c, XT_SRC, "2001:db9::", 0), 3);
	assert_int_equal(leaf6_bits(&c, XT_SRC, "2001:db8::", 1), 3);
	/* Destination: rule a holds for every one (no dst condition). */
	assert_int_equal(leaf6_bits(&c, XT_DST, "2001:db8::", 0), 3);
	assert_int_equal(leaf6_bits(&c, XT_DST, "2001:db9::", 0), 1);
	assert_int_equal(leaf6_bits(&c, XT_DST, "300d:1::", 0), 5);
	assert_int_equal(leaf6_bits(&c, XT_DST, "300d:2::", 0), 1);
	/* The hash table: the /48 and the three /16s without a chunk. */
	assert_int_equal(leaf6(&c, XT_DST, "300e:1::", &bits), -1);
	assert_non_null(slot6(&c, XT_DST, "300e:1::/32"));
	assert_int_equal(slot6(&c, XT_DST, "300f:1::/32")->bits, 5);
	assert_int_equal(slot6(&c, XT_SRC, "2001:db8:1::/48")->bits, 7);
	assert_null(slot6(&c, XT_SRC, "2001:db8::/32"));
	assert_null(slot6(&c, XT_SRC, "2001:d00::/24"));
	assert_null(slot6(&c, XT_DST, "300d:1::/32"));
	for (bits = 0, i = 0; i < (int)c.nslots; i++)
		bits += !!c.slots[i].meta;
	assert_int_equal(bits, 4);
	xt_compiled_free(&c);

	/* Without chunks (the bench's pfx-hash6): all in the hash table. */
	xt_pfx_no_v6_chunks = 1;
	v6_chunk_rules(r);
	compile_ok(r, 3, &c);
	xt_pfx_no_v6_chunks = 0;
	assert_int_equal(c.rs->v6_nchunks, 0);
	assert_int_equal(c.nchunk_elems, 0);
	assert_int_equal(leaf6(&c, XT_SRC, "2001:db8::", &bits), -1);
	assert_int_equal(slot6(&c, XT_SRC, "2001:db8::/32")->bits, 3);
	assert_int_equal(slot6(&c, XT_SRC, "2001:d00::/24")->bits, 1);
	xt_compiled_free(&c);

	/* 4,097 answers, over XT_PFX_LEAVES: IPv4 keeps its chunks, IPv6
	 * gets none. */
	many_answers_v6(r, 6, &c);
	assert_int_equal(c.rs->v4_chunked, 1);
	assert_int_equal(c.rs->pfx_nleaves, 4091);
	assert_int_equal(c.rs->v6_nchunks, 0);
	assert_int_equal(c.rs->v6_chunk[XT_SRC][0x2001], 0);
	assert_int_equal(c.nchunk_elems, 16 * XT_PFX_CHUNK_ELEMS);
	assert_int_equal(slot6(&c, XT_SRC, "2001:6::/32")->bits,
			 1ULL << 12 | 1ULL << (XT_TEST_MANY_RULES + 5));
	xt_compiled_free(&c);
	/* Five fit: 4,096. */
	many_answers_v6(r, 5, &c);
	assert_int_equal(c.rs->pfx_nleaves, 4096);
	assert_int_equal(c.rs->v6_nchunks, 1);
	assert_int_equal(leaf6_bits(&c, XT_SRC, "2001:5::", 0),
			 1ULL << 12 | 1ULL << (XT_TEST_MANY_RULES + 4));
	xt_compiled_free(&c);
}

static void v6_levels_sorted(void **state)
{
	struct xt_rule r[3] = { rule("a"), rule("b"), rule("c") };
	struct xt_compiled c;

	add_pfx(&r[0].dst, "2001:db8:1::5/128");
	add_pfx(&r[1].dst, "2001:db8:1::/48");
	add_pfx(&r[2].src, "2001:db8:1:2::/60");	/* expands to /64 */
	compile_ok(r, 3, &c);
	assert_int_equal(c.rs->v6_nlevels, 3);
	assert_int_equal(c.rs->v6_levels[0], 48);
	assert_int_equal(c.rs->v6_levels[1], 64);
	assert_int_equal(c.rs->v6_levels[2], 128);
	assert_int_equal(c.rs->v4_nlevels, 0);
	assert_int_equal(c.nentries, 1 + 1 + 16);
	/* rule c has no dst condition: its bit is in every dst slot */
	assert_int_equal(find(&c, XT_DST, "2001:db8:1::5/128")->val.bits, 7);
	assert_int_equal(find(&c, XT_DST, "2001:db8:1::/48")->val.bits, 6);
	assert_int_equal(find(&c, XT_DST, "2001:db8:1::/48")->val.longer, 1);
	assert_non_null(find(&c, XT_SRC, "2001:db8:1:f::/64"));
	assert_null(find(&c, XT_SRC, "2001:db8:1:10::/64"));
	xt_compiled_free(&c);
}

/*
 * IPv4's /24 level goes to chunks while the ruleset has at most
 * XT_PFX_LEAVES distinct answers, and stays in the hash table above that
 * (include/xdptag.h); either way each /24 says what its entry says.
 */
static void prefix_chunks_or_hash(void **state)
{
	struct xt_rule r[XT_TEST_MANY_RULES];
	const struct xt_pfx_entry *e;
	struct xt_compiled c;

	xt_test_many_answers(r, 4000);
	compile_ok(r, XT_TEST_MANY_RULES, &c);
	assert_int_equal(c.rs->v4_chunked, 1);
	/* 4,000 /24s and their /16s' answer (no rule) */
	assert_int_equal(c.rs->pfx_nleaves, 4001);
	assert_int_equal(c.nchunk_elems, 16 * XT_PFX_CHUNK_ELEMS);
	assert_int_equal(c.nslots, 0);
	/* The last rule has no /24 below 4096: its bit is everywhere. */
	e = find(&c, XT_SRC, "11.0.5.0/24");
	assert_non_null(e);
	assert_int_equal(e->val.bits, 0x1000 | 5);
	e = find(&c, XT_SRC, "11.15.160.0/24");	/* 4000 */
	assert_non_null(e);
	assert_int_equal(e->val.bits, 0x1000 | 4000);
	assert_null(find(&c, XT_SRC, "11.15.161.0/24"));
	assert_null(find(&c, XT_DST, "11.0.5.0/24"));
	xt_compiled_free(&c);

	xt_test_many_answers(r, 4200);
	compile_ok(r, XT_TEST_MANY_RULES, &c);
	assert_int_equal(c.rs->v4_chunked, 0);
	assert_int_equal(c.rs->pfx_nleaves, 0);
	assert_int_equal(c.nchunk_elems, 0);
	assert_int_equal(c.nentries, 4200);
	e = find(&c, XT_SRC, "11.16.100.0/24");	/* 4196, in the slots */
	assert_non_null(e);
	assert_int_equal(e->val.bits, 4196);
	xt_compiled_free(&c);
}

static void limits(void **state)
{
	struct xt_rule r[XT_MAX_RULES + 1];
	size_t i;

	for (i = 0; i < XT_MAX_RULES + 1; i++)
		r[i] = (struct xt_rule){ .weight = 1 };
	for (i = 0; i < XT_MAX_RULES + 1; i++)
		snprintf(r[i].name, sizeof(r[i].name), "r%zu", i);
	compile_err(r, XT_MAX_RULES + 1, 0,
		    "65 rules: the datapath holds at most 64");

	snprintf(r[40].name, sizeof(r[40].name), "r3");
	compile_err(r, XT_MAX_RULES, 0, "two rules named 'r3'");

	compile_err(r, 1, 256, "drop threshold 256: scores go up to 255");
}

/*
 * Vacant slots (what a hot swap leaves where rules were removed) are not
 * rules: any number of them compile, with no name check, and their bits
 * are nowhere, wildcard or not.
 */
static void vacant_slots(void **state)
{
	struct xt_rule r[4] = { rule("x"), rule(""), rule("x"), rule("y") };
	struct xt_compiled c;
	size_t i;

	r[1].vacant = true;
	r[2].vacant = true;
	compile_ok(r, 4, &c);
	assert_int_equal(c.rs->nrules, 4);
	for (i = 0; i < XT_PORT_SLOTS; i++)
		assert_int_equal(c.rs->by16[i].dport, 0x9);
	for (i = 0; i < XT_F_SLOTS; i++)
		assert_int_equal(c.rs->by16[i].features, 0x9);
	assert_int_equal(c.rs->no_addr, 0x9);
	assert_int_equal(c.rs->weight[1] | c.rs->weight[2], 0);
	xt_compiled_free(&c);
}

static void prefix_parse(void **state)
{
	static const char *const bad[] = {
		"bad", "10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0/8",
		"2001:db8::/129", "10.0.0.0/8x", "", "10.0.0.0/+8",
	};
	struct xt_prefix p;
	char buf[64];
	size_t i;

	assert_int_equal(xt_prefix_parse("10.0.0.0/8", &p), 0);
	assert_int_equal(p.family, 4);
	assert_int_equal(p.plen, 8);
	assert_int_equal(p.addr[0], 10);

	assert_int_equal(xt_prefix_parse("192.0.2.1", &p), 0);
	assert_int_equal(p.plen, 32);
	assert_string_equal(xt_prefix_str(&p, buf, sizeof(buf)),
			    "192.0.2.1/32");

	/* host bits below the length are cleared, as ip(8) does */
	assert_int_equal(xt_prefix_parse("192.0.2.77/25", &p), 0);
	assert_string_equal(xt_prefix_str(&p, buf, sizeof(buf)),
			    "192.0.2.0/25");
	assert_int_equal(xt_prefix_parse("2001:db8:ffff::1/36", &p), 0);
	assert_int_equal(p.family, 6);
	assert_string_equal(xt_prefix_str(&p, buf, sizeof(buf)),
			    "2001:db8:f000::/36");
	assert_int_equal(xt_prefix_parse("::/0", &p), 0);
	assert_int_equal(p.plen, 0);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (xt_prefix_parse(bad[i], &p) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wildcard_everywhere),
		cmocka_unit_test(none_words),
		cmocka_unit_test(special_rules),
		cmocka_unit_test(port_range_slots),
		cmocka_unit_test(tcp_flag_alternatives),
		cmocka_unit_test(features_set_clear),
		cmocka_unit_test(length_clamp),
		cmocka_unit_test(prefix_expansion),
		cmocka_unit_test(prefix_push_down),
		cmocka_unit_test(v6_levels_sorted),
		cmocka_unit_test(prefix_table_large),
		cmocka_unit_test(prefix_table_sized_once),
		cmocka_unit_test(prefix_chunks_or_hash),
		cmocka_unit_test(prefix_v6_chunks_or_hash),
		cmocka_unit_test(limits),
		cmocka_unit_test(vacant_slots),
		cmocka_unit_test(prefix_parse),
	};

	return cmocka_run_group_tests_name("compile", tests, NULL, NULL);
}
