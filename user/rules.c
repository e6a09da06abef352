// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Rule compiler: turns a list of rules into the per-dimension bitmap tables
 * of struct xt_ruleset and the prefix slot table (see include/xdptag.h for
 * the layout and docs/rules.md for the semantics).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules.h"
#include "rules_file.h"

const char *const xt_feature_names[] = {
	"vlan", "ipv4", "ipv6", "arp", "ip_options", "ipv6_ext", "fragment",
	"tcp", "udp", "icmp", "icmpv6", "malformed", "land", NULL,
};

int xt_feature_lookup(const char *name)
{
	int i;

	for (i = 0; xt_feature_names[i]; i++)
		if (!strcmp(name, xt_feature_names[i]))
			return 1 << i;
	return -1;
}

static void *grow(void *p, size_t n, size_t size)
{
	/* Double at powers of two: amortised O(1) appends. */
	if (n && (n & (n - 1)))
		return p;
	return realloc(p, (n ? 2 * n : 4) * size);
}

int xt_ranges_add(struct xt_ranges *rs, uint32_t lo, uint32_t hi)
{
	struct xt_range *r = grow(rs->r, rs->n, sizeof(*r));

	if (!r)
		return -ENOMEM;
	rs->r = r;
	rs->r[rs->n++] = (struct xt_range){ lo, hi };
	return 0;
}

int xt_ranges_add_not(struct xt_ranges *rs, uint32_t lo, uint32_t hi)
{
	int err = xt_ranges_add(rs, lo, hi);

	if (!err)
		rs->r[rs->n - 1].neg = true;
	return err;
}

int xt_prefixes_add(struct xt_prefixes *ps, const struct xt_prefix *p)
{
	struct xt_prefix *np = grow(ps->p, ps->n, sizeof(*np));

	if (!np)
		return -ENOMEM;
	ps->p = np;
	ps->p[ps->n++] = *p;
	return 0;
}

void xt_rule_free(struct xt_rule *r)
{
	struct xt_ranges *all[] = { &r->proto, &r->sport, &r->dport,
				    &r->icmp_type, &r->icmp_code, &r->len,
				    &r->ttl, &r->vlan };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		free(all[i]->r);
		*all[i] = (struct xt_ranges){ 0 };
	}
	free(r->src.p);
	free(r->dst.p);
	r->src = r->dst = (struct xt_prefixes){ 0 };
}

/* Clear the host bits of addr beyond plen. */
static void prefix_mask(uint8_t *addr, unsigned int plen, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		if (plen >= 8 * (i + 1))
			continue;
		if (plen <= 8 * i)
			addr[i] = 0;
		else
			addr[i] &= (uint8_t)(0xff << (8 - (plen - 8 * i)));
	}
}

int xt_prefix_parse(const char *s, struct xt_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long plen;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	memset(p, 0, sizeof(*p));
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->family = 4;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->family = 6;
	else
		return -EINVAL;

	plen = p->family == 4 ? 32 : 128;
	if (slash) {
		unsigned long max = plen;

		if (!*slash || *slash == '-' || *slash == '+')
			return -EINVAL;
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (errno || *end || plen > max)
			return -EINVAL;
	}
	p->plen = plen;
	/* Host bits set below the prefix length are cleared, not refused:
	 * "192.0.2.1/24" means the /24, as in ip(8) and nft(8). */
	prefix_mask(p->addr, p->plen, 16);
	return 0;
}

const char *xt_prefix_str(const struct xt_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->plen);
	return buf;
}

/* ---------------------------------------------------------- compiling --- */

struct cc {
	struct xt_ruleset *rs;
	/* [family][dir]: "!prefix" up to /16 (l1neg_at()) */
	__u64 (*l1neg)[2][XT_L1_SLOTS];
	struct xt_pfx_entry *ent;
	size_t nent;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int cc_err(struct cc *cc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cc->err, cc->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Fill one table: slot v gets the rule's bit when v is in one of its
 * plain ranges (or in any slot, when it has only negated ones) and in none
 * of its negated ranges.  A rule without ranges has its bit everywhere,
 * including the "field absent" slot (none_slot, or -1 if the table has
 * none); a rule with ranges, negated or not, never has it there.  Negation
 * thus costs the datapath nothing: it is still one load per table.
 */
static int table_fill(struct cc *cc, const struct xt_rule *r, uint64_t bit,
		      const struct xt_ranges *rg, __u64 *tab, size_t stride,
		      size_t slots, long none_slot, const char *what)
{
/* stride: XT_BY16_STRIDE for a field of struct xt_by16, else 1 */
#define TAB(i) tab[(i) * stride]
	size_t last = none_slot >= 0 ? slots - 2 : slots - 1;
	bool plain = false;
	size_t i;
	int pass;

	if (!rg->n) {
		for (i = 0; i < slots; i++)
			TAB(i) |= bit;
		return 0;
	}
	for (i = 0; i < rg->n; i++) {
		if (rg->r[i].lo > rg->r[i].hi || rg->r[i].lo > last)
			return cc_err(cc, "rule '%s': %s %u-%u out of range 0-%zu",
				      r->name, what, rg->r[i].lo, rg->r[i].hi,
				      last);
		plain |= !rg->r[i].neg;
	}
	if (!plain)
		for (i = 0; i <= last; i++)
			TAB(i) |= bit;
	/* Plain ranges first, then the negated ones take their values out. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < rg->n; i++) {
			uint32_t lo = rg->r[i].lo, hi = rg->r[i].hi, v;

			if (rg->r[i].neg != pass)
				continue;
			if (hi > last)
				hi = last;
			for (v = lo; v <= hi; v++)
				TAB(v) = pass ? TAB(v) & ~bit : TAB(v) | bit;
		}
	}
	return 0;
#undef TAB
}

/* Lengths: the last slot stands for every length from XT_LEN_MAX up. */
static int len_fill(struct cc *cc, const struct xt_rule *r, uint64_t bit)
{
	size_t i;

	for (i = 0; i < r->len.n; i++) {
		uint32_t hi = r->len.r[i].hi;

		if (hi >= XT_LEN_MAX && hi < 65535)
			return cc_err(cc,
				      "rule '%s': length range up to %u: ranges must end below %u or at 65535",
				      r->name, hi, XT_LEN_MAX);
	}
	return table_fill(cc, r, bit, &r->len, &cc->rs->by16[0].len,
			  XT_BY16_STRIDE, XT_LEN_SLOTS, -1, "length");
}

static int entry_cmp(const void *a, const void *b)
{
	const struct xt_pfx_key *x = a, *y = b;

	/* Order by direction, family, length, then address. */
	return memcmp(x, y, sizeof(*x));
}

static struct xt_pfx_entry *entry_find(struct cc *cc, size_t n,
				       const struct xt_pfx_key *k)
{
	return bsearch(k, cc->ent, n, sizeof(*cc->ent), entry_cmp);
}

static int entry_add(struct cc *cc, const struct xt_pfx_key *k, uint64_t bit,
		     bool neg)
{
	struct xt_pfx_entry *e;

	if (cc->nent >= XT_MAX_PREFIX_ENTRIES)
		return cc_err(cc,
			      "prefixes expand to more than %d table entries (limit)",
			      XT_MAX_PREFIX_ENTRIES);
	e = grow(cc->ent, cc->nent, sizeof(*e));
	if (!e)
		return cc_err(cc, "out of memory");
	cc->ent = e;
	memset(&e[cc->nent], 0, sizeof(*e));
	e[cc->nent].key = *k;
	if (neg)
		e[cc->nent].val.neg = bit;
	else
		e[cc->nent].val.bits = bit;
	cc->nent++;
	return 0;
}

static uint32_t l1_slot(const uint8_t *addr)
{
	return (uint32_t)addr[0] << 8 | addr[1];
}

/* The negated blocks' word of the /16 top, kept in the slots' order so
 * that pfx_finish() walks both in step (xt_l1_at_ix()). */
static __u64 *l1neg_at(struct cc *cc, int v6, int dir, uint32_t top)
{
	return &cc->l1neg[v6][dir & 1][xt_l1_ix(top)];
}

/* An entry (a prefix longer than /16) at addr: its /22 is flagged. */
static void l1_set_longer(struct xt_ruleset *rs, int v6, int dir,
			  const uint8_t *addr)
{
	uint32_t top32 = (uint32_t)addr[0] << 24 | addr[1] << 16 |
			 addr[2] << 8 | addr[3];

	xt_l1_at(rs, v6, dir, l1_slot(addr))->longer |=
		1ULL << xt_l1_part(top32);
}

/* Any longer prefix below this /16 (it then has its chunk, if any)? */
static bool l1_longer(const struct xt_ruleset *rs, int v6, int dir,
		      uint32_t slot)
{
	return xt_l1_at(rs, v6, dir, slot)->longer != 0;
}

/* Prefixes up to /16 go to the direct table, longer ones to entries. */
static int pfx_add(struct cc *cc, const struct xt_prefix *p, int dir,
		   uint64_t bit)
{
	int v6 = p->family == 6;
	struct xt_pfx_key k = { .dir = dir, .family = p->family };
	unsigned int level, j, n, bytes = p->family == 6 ? 16 : 4;
	uint32_t s, first;

	if (p->plen <= XT_L1_BITS) {
		first = l1_slot(p->addr) & ~((1U << (XT_L1_BITS - p->plen)) - 1);
		for (s = first; s < first + (1U << (XT_L1_BITS - p->plen)); s++)
			*(p->neg ? l1neg_at(cc, v6, dir, s) :
				   &xt_l1_at(cc->rs, v6, dir, s)->bits) |= bit;
		return 0;
	}
	/* Expand to the next multiple of 8 bits: at most 128 entries. */
	level = (p->plen + 7) & ~7U;
	n = 1U << (level - p->plen);
	k.plen = level;
	memcpy(k.addr, p->addr, bytes);
	prefix_mask(k.addr, p->plen, bytes);
	for (j = 0; j < n; j++) {
		/* The expansion bits sit in the last byte of the level. */
		k.addr[level / 8 - 1] = (k.addr[level / 8 - 1] & ~(n - 1)) | j;
		if (entry_add(cc, &k, bit, p->neg))
			return -EINVAL;
	}
	return 0;
}

static void level_note(uint8_t *levels, uint8_t *n, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (levels[i] == plen)
			return;
	levels[(*n)++] = plen;
}

static int u8cmp(const void *a, const void *b)
{
	return *(const uint8_t *)a - *(const uint8_t *)b;
}

/*
 * IPv4 markers: when the ruleset has /24 entries, every /32 entry gets the
 * /24 above it too (an entry of no rule of its own where no prefix made
 * one; the push-down below gives it the covering rules), so the datapath
 * stops at a /24 miss: one probe instead of two for an address under no
 * long prefix, the common case in a blocklist (docs/performance.md).
 * Markers do not count against XT_MAX_PREFIX_ENTRIES.  In a ruleset whose
 * /24 level is in chunks (pfx_chunks()) a marker is the flag on its /24's
 * chunk entry instead, and no slot.
 */
static int pfx_markers(struct cc *cc)
{
	size_t i, n = cc->nent;
	int has24 = 0;

	for (i = 0; i < n && !has24; i++)
		has24 = cc->ent[i].key.family == 4 && cc->ent[i].key.plen == 24;
	for (i = 0; has24 && i < n; i++) {
		struct xt_pfx_key k = cc->ent[i].key;
		struct xt_pfx_entry *e;

		if (k.family != 4 || k.plen != 32)
			continue;
		k.plen = 24;
		k.addr[3] = 0;
		e = grow(cc->ent, cc->nent, sizeof(*e));
		if (!e)
			return cc_err(cc, "out of memory");
		cc->ent = e;
		memset(&e[cc->nent], 0, sizeof(*e));
		e[cc->nent++].key = k;
	}
	return 0;
}

/*
 * Merge duplicate entries, then push down: each entry's bitmap takes the
 * rules of the direct-table slot and of every shorter entry covering it, so
 * the deepest hit in a lookup is the whole answer; covering entries learn
 * that longer ones exist below them.
 */
static int pfx_finish(struct cc *cc)
{
	struct xt_ruleset *rs = cc->rs;
	size_t i, n = 0;

	if (pfx_markers(cc))
		return -ENOMEM;

	/* No prefix at all leaves ent NULL, which qsort must not be given. */
	if (cc->nent)
		qsort(cc->ent, cc->nent, sizeof(*cc->ent), entry_cmp);
	for (i = 0; i < cc->nent; i++) {
		if (n && !entry_cmp(&cc->ent[n - 1].key, &cc->ent[i].key)) {
			cc->ent[n - 1].val.bits |= cc->ent[i].val.bits;
			cc->ent[n - 1].val.neg |= cc->ent[i].val.neg;
		} else {
			cc->ent[n++] = cc->ent[i];
		}
	}
	cc->nent = n;

	/*
	 * Negated prefixes: a rule's bit holds for an address when some plain
	 * prefix of the rule covers it and no negated one does.  The direct
	 * table loses the bits of negated blocks up to /16 here; entries
	 * gather the negations covering them (their own, the direct table's,
	 * shorter entries') as they gather the plain bits, and drop them.
	 */
	for (i = 0; i < 4; i++) {
		size_t s;

		for (s = 0; s < XT_L1_SLOTS; s++)
			xt_l1_at_ix(rs, i / 2, i % 2, s)->bits &=
				~cc->l1neg[i / 2][i % 2][s];
	}

	for (i = 0; i < n; i++) {
		struct xt_pfx_entry *e = &cc->ent[i];
		int v6 = e->key.family == 6;
		uint32_t slot = l1_slot(e->key.addr);
		unsigned int lv;

		if (v6)
			level_note(rs->v6_levels, &rs->v6_nlevels, e->key.plen);
		else
			level_note(rs->v4_levels, &rs->v4_nlevels, e->key.plen);
		l1_set_longer(rs, v6, e->key.dir, e->key.addr);
		e->val.bits |= xt_l1_at(rs, v6, e->key.dir, slot)->bits;
		e->val.neg |= *l1neg_at(cc, v6, e->key.dir, slot);
		/* Sorted by length: covering entries are already final. */
		for (lv = 24; lv < e->key.plen; lv += 8) {
			struct xt_pfx_key up = e->key;
			struct xt_pfx_entry *a;

			up.plen = lv;
			prefix_mask(up.addr, lv, 16);
			a = entry_find(cc, n, &up);
			if (a) {
				e->val.bits |= a->val.bits;
				e->val.neg |= a->val.neg;
				a->val.longer = 1;
			}
		}
		e->val.bits &= ~e->val.neg;
	}
	qsort(rs->v4_levels, rs->v4_nlevels, 1, u8cmp);
	qsort(rs->v6_levels, rs->v6_nlevels, 1, u8cmp);
	while (rs->v6_first_long < rs->v6_nlevels &&
	       rs->v6_levels[rs->v6_first_long] <= 32)
		rs->v6_first_long++;
	return 0;
}

/* ------------------------------------------------ IPv4's /24 chunks --- */

#define LEAF_HASH_SLOTS	(2 * XT_PFX_LEAVES)

/*
 * The index of answer v in rs->pfx_leaf, added if new; -1 when the ruleset
 * has more distinct answers than XT_PFX_LEAVES.  ht: LEAF_HASH_SLOTS
 * words, leaf index + 1 (0: empty).
 */
static int leaf_of(struct xt_ruleset *rs, __u32 *ht, __u64 v)
{
	__u32 h = (v * 0x9e3779b97f4a7c15ULL) >> 32;

	for (;; h++) {
		__u32 *at = &ht[h % LEAF_HASH_SLOTS];

		if (!*at) {
			if (rs->pfx_nleaves >= XT_PFX_LEAVES)
				return -1;
			rs->pfx_leaf[rs->pfx_nleaves] = v;
			*at = ++rs->pfx_nleaves;
			return *at - 1;
		}
		if (rs->pfx_leaf[*at - 1] == v)
			return *at - 1;
	}
}

static __u16 *chunk_entry(struct xt_compiled *c, const __u32 *first,
			  int dir, const uint8_t *addr)
{
	size_t k = first[dir] + c->rs->v4_chunk[dir][l1_slot(addr)];

	return &c->chunks[XT_PFX_CHUNK_ELEMS * k + addr[2] / 128].leaf[addr[2] % 128];
}

/* IPv6 address bits 16-31: the entry's place in its /16's chunk. */
static uint32_t v6_chunk_index(const uint8_t *addr)
{
	return (uint32_t)addr[2] << 8 | addr[3];
}

static __u16 *chunk6_entry(struct xt_compiled *c, size_t first, int chunk,
			   uint32_t idx)
{
	size_t e = first + (size_t)XT_PFX_V6_CHUNK_ELEMS * chunk + idx / 128;

	return &c->chunks[e].leaf[idx % 128];
}

int xt_pfx_chunk_leaf(const struct xt_compiled *c, int dir, int family,
		      const uint8_t *addr)
{
	const struct xt_ruleset *rs = c->rs;
	uint32_t slot = l1_slot(addr), idx = v6_chunk_index(addr);
	size_t e;

	dir &= 1;
	if (family == 6) {
		if (!rs->v6_chunk[dir][slot])
			return -1;
		e = rs->v6_chunk_base - c->nslots / XT_PFX_BUCKET +
		    (size_t)XT_PFX_V6_CHUNK_ELEMS *
			    (rs->v6_chunk[dir][slot] - 1) + idx / 128;
		return c->chunks[e].leaf[idx % 128];
	}
	if (!rs->v4_chunked ||
	    !l1_longer(rs, 0, dir, slot))
		return -1;
	e = rs->v4_chunk_base[dir] - c->nslots / XT_PFX_BUCKET +
	    XT_PFX_CHUNK_ELEMS * rs->v4_chunk[dir][slot] + addr[2] / 128;
	return c->chunks[e].leaf[addr[2] % 128];
}

/*
 * Whether the hash table holds entry e: all but chunked IPv4 /24s and the
 * IPv6 /24s and /32s of a /16 with a chunk.
 */
static bool in_hash(const struct xt_ruleset *rs, const struct xt_pfx_entry *e)
{
	if (e->key.family == 6)
		return e->key.plen > 32 ||
		       !rs->v6_chunk[e->key.dir & 1][l1_slot(e->key.addr)];
	return !(rs->v4_chunked && e->key.plen == 24);
}

/*
 * Build the /24 chunks from the final entries (pfx_finish(): every entry
 * holds the rules of all shorter prefixes covering it): a chunk per /16
 * holding longer IPv4 prefixes, each /24 of it the /16's answer unless a
 * /24 entry gives its own, flagged where /32 entries lie below; tab_build()
 * then leaves the IPv4 /24 entries (and markers) out of the hash table.
 * Leaves the ruleset unchunked, its /24 level in the hash table, when it
 * has more distinct answers than XT_PFX_LEAVES (or xt_pfx_no_chunks).
 */
int xt_pfx_no_chunks;

static int pfx_chunks4(struct cc *cc, struct xt_compiled *c, __u32 *ht)
{
	struct xt_ruleset *rs = cc->rs;
	__u32 first[2] = { 0 }, n = 0;
	size_t i, s;
	int d, leaf;

	if (xt_pfx_no_chunks)
		return 0;

	for (d = 0; d < 2; d++) {
		first[d] = n;
		for (s = 0; s < XT_L1_SLOTS; s++)
			if (l1_longer(rs, 0, d, s))
				rs->v4_chunk[d][s] = n++ - first[d];
	}
	if (!n)
		goto unchunked;
	c->chunks = calloc((size_t)n * XT_PFX_CHUNK_ELEMS, sizeof(*c->chunks));
	if (!c->chunks)
		return cc_err(cc, "out of memory");
	/* Every /24 of a chunk first takes its /16's answer. */
	for (d = 0; d < 2; d++) {
		for (s = 0; s < XT_L1_SLOTS; s++) {
			__u16 *e;

			if (!l1_longer(rs, 0, d, s))
				continue;
			leaf = leaf_of(rs, ht, xt_l1_at(rs, 0, d, s)->bits);
			if (leaf < 0)
				goto too_many;
			e = c->chunks[XT_PFX_CHUNK_ELEMS *
				      (first[d] + rs->v4_chunk[d][s])].leaf;
			for (i = 0; i < 256; i++)
				e[i] = leaf;
		}
	}
	/* Then the /24 entries their own; a /32 flags its /24. */
	for (i = 0; i < c->nentries; i++) {
		const struct xt_pfx_entry *e = &c->entries[i];
		__u16 *at;

		if (e->key.family != 4)
			continue;
		at = chunk_entry(c, first, e->key.dir, e->key.addr);
		if (e->key.plen == 24) {
			leaf = leaf_of(rs, ht, e->val.bits);
			if (leaf < 0)
				goto too_many;
			*at = leaf | (*at & XT_PFX_LEAF_LONGER) |
			      (e->val.longer ? XT_PFX_LEAF_LONGER : 0);
		} else {
			*at |= XT_PFX_LEAF_LONGER;
		}
	}
	c->nchunk_elems = (size_t)n * XT_PFX_CHUNK_ELEMS;
	rs->v4_chunked = 1;
	/* The chunks follow the hash table's elements: tab_build() adds
	 * how many there are. */
	for (d = 0; d < 2; d++)
		rs->v4_chunk_base[d] = first[d] * XT_PFX_CHUNK_ELEMS;
	return 0;
too_many:
	free(c->chunks);
	c->chunks = NULL;
	memset(ht, 0, LEAF_HASH_SLOTS * sizeof(*ht));
unchunked:
	memset(rs->v4_chunk, 0, sizeof(rs->v4_chunk));
	memset(rs->pfx_leaf, 0, sizeof(rs->pfx_leaf));
	rs->pfx_nleaves = 0;
	return 0;
}

/*
 * IPv6's chunks (include/xdptag.h), after IPv4's: one for each of the
 * first XT_PFX_V6_CHUNKS /16s holding longer IPv6 prefixes (source first,
 * by address), every entry its /16's answer unless a /24 or /32 entry
 * covering it gives its own, flagged where longer entries lie below.
 * When the answers do not fit beside IPv4's, no /16 has one.
 */
int xt_pfx_no_v6_chunks;

static int pfx_chunks6(struct cc *cc, struct xt_compiled *c, __u32 *ht)
{
	struct xt_ruleset *rs = cc->rs;
	size_t first = c->nchunk_elems, i, s, total;
	__u32 nleaves = rs->pfx_nleaves;
	struct xt_pfx_chunk_half *grown;
	int d, leaf, n = 0;

	if (xt_pfx_no_v6_chunks)
		return 0;
	for (d = 0; d < 2 && n < XT_PFX_V6_CHUNKS; d++)
		for (s = 0; s < XT_L1_SLOTS && n < XT_PFX_V6_CHUNKS; s++)
			if (l1_longer(rs, 1, d, s))
				rs->v6_chunk[d][s] = ++n;
	if (!n)
		return 0;
	total = first + (size_t)n * XT_PFX_V6_CHUNK_ELEMS;
	grown = realloc(c->chunks, total * sizeof(*c->chunks));
	if (!grown)
		return cc_err(cc, "out of memory");
	c->chunks = grown;
	/* Every entry of a chunk first takes its /16's answer. */
	for (d = 0; d < 2; d++) {
		for (s = 0; s < XT_L1_SLOTS; s++) {
			int k = rs->v6_chunk[d][s];

			if (!k)
				continue;
			leaf = leaf_of(rs, ht, xt_l1_at(rs, 1, d, s)->bits);
			if (leaf < 0)
				goto too_many;
			for (i = 0; i < 65536; i++)
				*chunk6_entry(c, first, k - 1, i) = leaf;
		}
	}
	/* Sorted by length: /24s, then /32s over them, then what is below. */
	for (i = 0; i < c->nentries; i++) {
		const struct xt_pfx_entry *e = &c->entries[i];
		uint32_t idx = v6_chunk_index(e->key.addr), j;
		int k = rs->v6_chunk[e->key.dir & 1][l1_slot(e->key.addr)];

		if (e->key.family != 6 || !k)
			continue;
		if (e->key.plen > 32) {
			*chunk6_entry(c, first, k - 1, idx) |=
				XT_PFX_LEAF_LONGER;
			continue;
		}
		leaf = leaf_of(rs, ht, e->val.bits);
		if (leaf < 0)
			goto too_many;
		for (j = 0; j < (e->key.plen == 24 ? 256u : 1u); j++)
			*chunk6_entry(c, first, k - 1, idx + j) = leaf;
	}
	c->nchunk_elems = total;
	rs->v6_nchunks = n;
	/* After the hash table's elements too: tab_build() adds them. */
	rs->v6_chunk_base = first;
	return 0;
too_many:
	memset(rs->v6_chunk, 0, sizeof(rs->v6_chunk));
	memset(&rs->pfx_leaf[nleaves], 0,
	       (XT_PFX_LEAVES - nleaves) * sizeof(rs->pfx_leaf[0]));
	rs->pfx_nleaves = nleaves;
	return 0;
}

/* The chunks of both families, which share their distinct answers. */
static int pfx_chunks(struct cc *cc, struct xt_compiled *c)
{
	__u32 *ht = calloc(LEAF_HASH_SLOTS, sizeof(*ht));
	int err;

	if (!ht)
		return cc_err(cc, "out of memory");
	err = pfx_chunks4(cc, c, ht);
	if (!err)
		err = pfx_chunks6(cc, c, ht);
	free(ht);
	return err;
}

/* ---------------------------------------------------- the slot table --- */

struct tab {
	struct xt_pfx_slot *slot;
	__u32 *home;		/* home slot of what each slot holds */
	__u32 mask, seed;
};

static void slot_from_entry(struct xt_pfx_slot *s, const struct xt_pfx_entry *e)
{
	memset(s, 0, sizeof(*s));
	memcpy(s->addr, e->key.addr, sizeof(s->addr));
	s->meta = xt_pfx_meta(e->key.plen, e->key.dir, e->key.family == 6);
	s->longer = !!e->val.longer;
	s->bits = e->val.bits;
}

/*
 * Robin Hood insertion: walking from its home, an entry takes the slot of
 * any resident closer to its own home than the entry is, and that resident
 * walks on.  It evens out the distances, so that all of them stay below
 * XT_PFX_MAX_PROBE at a load of one half.  Returns 0, or -1 when some entry
 * would land too far (the caller tries another seed or a bigger table).
 */
static int tab_insert(struct tab *t, struct xt_pfx_slot s)
{
	__u32 home = xt_pfx_hash(s.addr, s.meta, t->seed), pos = home, d = 0;

	for (;;) {
		struct xt_pfx_slot *cur = &t->slot[pos & t->mask];
		__u32 *ch = &t->home[pos & t->mask], cd;

		if (d >= XT_PFX_MAX_PROBE)
			return -1;
		if (!cur->meta) {
			*cur = s;
			*ch = home;
			return 0;
		}
		cd = (pos - *ch) & t->mask;
		if (cd < d) {
			struct xt_pfx_slot tmp = *cur;
			__u32 th = *ch;

			*cur = s;
			*ch = home;
			s = tmp;
			home = th;
			d = cd;
		}
		pos++;
		d++;
	}
}

/*
 * Large tables are started at no more than 3/8 full: with more entries,
 * more of them land far from home, and from 2^18 slots on a half-full
 * table (2^21 and more: 0.43 full) left some entry XT_PFX_MAX_PROBE or
 * more slots away for nearly every seed, each failure a wasted insertion
 * pass (1,000,000 /24s: four passes over 2^21 slots before 2^22 worked).
 * At 3/8 every seed tried worked, from 2^16 to 2^22 slots.
 */
#define TAB_BIG_SLOTS	(1u << 18)

/*
 * Build c->slots from c->entries: at least twice as many slots as entries
 * (8/3 as many in big tables), a power of two, with the first seed that
 * places every entry close enough to home, doubling the table if a few
 * seeds do not.
 */
static int tab_build(struct cc *cc, struct xt_compiled *c)
{
	size_t nslots = 64, i, n = 0;
	struct tab t = { 0 };
	__u32 seed;
	int d;

	for (i = 0; i < c->nentries; i++)
		n += in_hash(c->rs, &c->entries[i]);
	if (!n)
		return 0;
	/* The largest size allowed is still tried, however full. */
	while (nslots < 2 * n ||
	       (nslots >= TAB_BIG_SLOTS && nslots < XT_PFX_MAX_SLOTS &&
		8 * n > 3 * nslots))
		nslots *= 2;
	for (; nslots <= XT_PFX_MAX_SLOTS; nslots *= 2) {
		t.slot = calloc(nslots, sizeof(*t.slot));
		t.home = calloc(nslots, sizeof(*t.home));
		if (!t.slot || !t.home)
			break;
		t.mask = nslots - 1;
		for (seed = 1; seed <= 4; seed++) {
			struct xt_pfx_slot s;

			t.seed = seed;
			c->tab_passes++;
			memset(t.slot, 0, nslots * sizeof(*t.slot));
			for (i = 0; i < c->nentries; i++) {
				if (!in_hash(c->rs, &c->entries[i]))
					continue;
				slot_from_entry(&s, &c->entries[i]);
				if (tab_insert(&t, s))
					break;
			}
			if (i == c->nentries) {
				free(t.home);
				c->slots = t.slot;
				c->nslots = nslots;
				c->rs->pfx_mask = t.mask;
				c->rs->pfx_seed = seed;
				for (d = 0; d < 2 && c->rs->v4_chunked; d++)
					c->rs->v4_chunk_base[d] +=
						nslots / XT_PFX_BUCKET;
				if (c->rs->v6_nchunks)
					c->rs->v6_chunk_base +=
						nslots / XT_PFX_BUCKET;
				return 0;
			}
		}
		free(t.slot);
		free(t.home);
		t.slot = NULL;
		t.home = NULL;
	}
	free(t.slot);
	free(t.home);
	return cc_err(cc, "cannot build the prefix table for %zu entries", n);
}

const struct xt_pfx_slot *xt_pfx_find(const struct xt_compiled *c,
				      const __u32 *key, __u32 meta)
{
	__u32 h, j;

	if (!c->nslots)
		return NULL;
	h = xt_pfx_hash(key, meta, c->rs->pfx_seed);
	for (j = 0; j < XT_PFX_MAX_PROBE; j++) {
		const struct xt_pfx_slot *s = &c->slots[(h + j) & c->rs->pfx_mask];

		if (!s->meta)
			return NULL;
		if (s->meta == meta && !memcmp(s->addr, key, sizeof(s->addr)))
			return s;
	}
	return NULL;
}

static int prefixes_fill(struct cc *cc, const struct xt_rule *r, uint64_t bit,
			 const struct xt_prefixes *ps, int dir)
{
	size_t i, f, s, plain = 0;

	for (i = 0; i < ps->n; i++)
		plain += !ps->p[i].neg;
	if (!plain) {
		/* No condition, or only negated prefixes: every address of
		 * both families, before the negations take theirs out. */
		for (f = 0; f < 2; f++)
			for (s = 0; s < XT_L1_SLOTS; s++)
				xt_l1_at_ix(cc->rs, f, dir, s)->bits |= bit;
	}
	for (i = 0; i < ps->n; i++) {
		const struct xt_prefix *p = &ps->p[i];

		if ((p->family != 4 && p->family != 6) ||
		    p->plen > (p->family == 4 ? 32 : 128))
			return cc_err(cc, "rule '%s': bad prefix", r->name);
		if (pfx_add(cc, p, dir, bit))
			return -EINVAL;
	}
	return 0;
}

static __u64 fnv(__u64 h, __u64 v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		h = (h ^ (v & 0xff)) * 0x100000001b3ULL;
	return h;
}

/*
 * The state epoch: a digest of everything that gives a table entry its
 * meaning (the entry's layout, which rule owns which slot, kinds, limits,
 * window, key).  Not the size: the table keeps the size it was loaded
 * with.
 * A hot swap with the same epoch keeps the table; an entry counted under
 * another epoch is reset when its source is next seen.
 */
static void state_epoch(struct xt_ruleset *rs)
{
	struct xt_state_cfg *st = &rs->st;
	__u64 h = 0xcbf29ce484222325ULL;
	unsigned int k;

	h = fnv(h, XT_SRC_STATE_LAYOUT);
	h = fnv(h, st->n);
	h = fnv(h, st->fan_window_ns);
	h = fnv(h, st->v6_plen);
	for (k = 0; k < st->n; k++) {
		h = fnv(h, st->rule[k]);
		h = fnv(h, st->kind[k]);
		h = fnv(h, st->limit[k]);
	}
	st->epoch = h ? h : 1;	/* 0 is what a fresh entry holds */
	st->hash_seed = (__u32)(h >> 32) ^ (__u32)h;
}

void xt_state_size(struct xt_ruleset *rs, uint32_t entries, uint32_t v6_plen)
{
	unsigned int i;

	rs->st.entries = entries;
	rs->st.v6_plen = v6_plen;
	for (i = 0; i < 4; i++) {
		unsigned int have = v6_plen > 32 * i ? v6_plen - 32 * i : 0;

		rs->st.v6_mask[i] = have >= 32 ? ~0U :
				    have ? htonl(~0U << (32 - have)) : 0;
	}
	state_epoch(rs);
}

/*
 * Bits of a fan-out slot that N distinct hashed values set on average
 * (linear counting: m (1 - (1 - 1/m)^N)), rounded: the slot's count is a
 * number of bits, never above the number of distinct values.
 */
static __u32 fanout_bits(__u32 n)
{
	double left = 1.0;
	__u32 i;

	for (i = 0; i < n; i++)
		left *= 1.0 - 1.0 / XT_FANOUT_BITS;
	return (__u32)(XT_FANOUT_BITS * (1.0 - left) + 0.5);
}

static int state_add(struct cc *cc, const struct xt_rule *r, unsigned int i)
{
	struct xt_state_cfg *st = &cc->rs->st;
	bool fan = r->st_kind == XT_ST_DPORTS || r->st_kind == XT_ST_DADDRS;

	if (st->n >= XT_MAX_STATEFUL)
		return cc_err(cc, "rule '%s': more than %d rules with rate or fan-out conditions",
			      r->name, XT_MAX_STATEFUL);
	if (r->st_kind < XT_ST_PPS || r->st_kind > XT_ST_DADDRS || !r->st_limit)
		return cc_err(cc, "rule '%s': bad rate or fan-out condition",
			      r->name);
	if (fan && (r->st_limit > XT_FANOUT_MAX || !r->st_window_ns))
		return cc_err(cc, "rule '%s': fan-out counts 1-%d distinct values in a window",
			      r->name, XT_FANOUT_MAX);
	if (fan && st->fan_window_ns && st->fan_window_ns != r->st_window_ns)
		return cc_err(cc, "rule '%s': every fan-out rule of a ruleset must use the same window",
			      r->name);
	if (fan)
		st->fan_window_ns = r->st_window_ns;
	st->rule[st->n] = i;
	st->kind[st->n] = r->st_kind;
	st->limit[st->n] = fan ? fanout_bits(r->st_limit) : r->st_limit;
	st->by_bit[xt_bit_hash(1ULL << i)] = (struct xt_state_rule){
		.limit = st->limit[st->n], .slot = st->n, .kind = r->st_kind,
	};
	st->n++;
	cc->rs->stateful |= 1ULL << i;
	if (fan)
		cc->rs->fanout |= 1ULL << i;
	return 0;
}

static int rule_compile(struct cc *cc, const struct xt_rule *r, unsigned int i)
{
	struct xt_ruleset *rs = cc->rs;
	uint64_t bit = 1ULL << i;
	size_t f, k;

	if (!r->name[0])
		return cc_err(cc, "rule %u has no name", i);
	if (r->feat_set & r->feat_clear)
		return cc_err(cc, "rule '%s': a feature is both required and excluded",
			      r->name);
	if (r->ntcp > sizeof(r->tcp) / sizeof(r->tcp[0]))
		return cc_err(cc, "rule '%s': more than %zu TCP flag conditions",
			      r->name, sizeof(r->tcp) / sizeof(r->tcp[0]));

	if (r->exempt && r->st_kind)
		return cc_err(cc, "rule '%s': an exempt rule cannot have a rate or fan-out condition",
			      r->name);
	rs->weight[i] = r->exempt ? 0 : r->weight;
	rs->class_of[i] = r->exempt ? 0 : r->class_id;
	if (r->exempt)
		rs->exempt |= bit;
	if (r->st_kind && state_add(cc, r, i))
		return -EINVAL;
	if (!r->src.n && !r->dst.n)
		rs->no_addr |= bit;

	for (f = 0; f < XT_F_SLOTS; f++)
		if ((f & r->feat_set) == r->feat_set && !(f & r->feat_clear))
			rs->by16[f].features |= bit;

	for (f = 0; f < XT_BYTE_SLOTS; f++) {
		int hit = !r->ntcp;

		for (k = 0; f < 256 && k < r->ntcp; k++)
			hit |= (f & r->tcp[k].mask) == r->tcp[k].value;
		if (hit)
			rs->tcp_flags[f] |= bit;
	}

	if (table_fill(cc, r, bit, &r->proto, rs->proto, 1, XT_BYTE_SLOTS,
		       XT_BYTE_NONE, "protocol") ||
	    table_fill(cc, r, bit, &r->ttl, rs->ttl, 1, XT_BYTE_SLOTS,
		       XT_BYTE_NONE, "ttl") ||
	    table_fill(cc, r, bit, &r->icmp_type, rs->icmp_type, 1,
		       XT_BYTE_SLOTS, XT_BYTE_NONE, "icmp type") ||
	    table_fill(cc, r, bit, &r->icmp_code, rs->icmp_code, 1,
		       XT_BYTE_SLOTS, XT_BYTE_NONE, "icmp code") ||
	    table_fill(cc, r, bit, &r->vlan, rs->vlan, 1, XT_VLAN_SLOTS,
		       XT_VLAN_NONE, "vlan") ||
	    table_fill(cc, r, bit, &r->sport, &rs->by16[0].sport,
		       XT_BY16_STRIDE, XT_PORT_SLOTS, XT_PORT_NONE,
		       "source port") ||
	    table_fill(cc, r, bit, &r->dport, &rs->by16[0].dport,
		       XT_BY16_STRIDE, XT_PORT_SLOTS, XT_PORT_NONE,
		       "destination port") ||
	    len_fill(cc, r, bit))
		return -EINVAL;

	/* ICMP type and code: a rule naming only one leaves the other free
	 * for ICMP packets but must still refuse packets that are not ICMP. */
	if (r->icmp_type.n && !r->icmp_code.n)
		rs->icmp_code[XT_BYTE_NONE] &= ~bit;
	if (r->icmp_code.n && !r->icmp_type.n)
		rs->icmp_type[XT_BYTE_NONE] &= ~bit;
	/* Likewise for ports. */
	if (r->sport.n && !r->dport.n)
		rs->by16[XT_PORT_NONE].dport &= ~bit;
	if (r->dport.n && !r->sport.n)
		rs->by16[XT_PORT_NONE].sport &= ~bit;

	if (prefixes_fill(cc, r, bit, &r->src, XT_SRC) ||
	    prefixes_fill(cc, r, bit, &r->dst, XT_DST))
		return -EINVAL;
	return 0;
}

int xt_compile(const struct xt_rule *rules, size_t nrules,
	       unsigned int drop_threshold, struct xt_compiled *out,
	       char *err, size_t errlen)
{
	struct cc cc = { .err = err, .errlen = errlen };
	size_t i, j;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (nrules > XT_MAX_RULES)
		return cc_err(&cc, "%zu rules: the datapath holds at most %d",
			      nrules, XT_MAX_RULES);
	if (drop_threshold > 255)
		return cc_err(&cc, "drop threshold %u: scores go up to 255",
			      drop_threshold);
	for (i = 0; i < nrules; i++)
		for (j = 0; j < i && !rules[i].vacant; j++)
			if (!rules[j].vacant &&
			    !strcmp(rules[i].name, rules[j].name))
				return cc_err(&cc, "two rules named '%s'",
					      rules[i].name);

	cc.rs = calloc(1, sizeof(*cc.rs));
	if (!cc.rs)
		return cc_err(&cc, "out of memory");
	cc.l1neg = calloc(2, sizeof(*cc.l1neg));
	if (!cc.l1neg) {
		free(cc.rs);
		return cc_err(&cc, "out of memory");
	}
	cc.rs->nrules = nrules;
	cc.rs->drop_threshold = drop_threshold;
	/* A vacant slot has its bit nowhere: it never matches. */
	for (i = 0; i < nrules; i++)
		if (!rules[i].vacant && rule_compile(&cc, &rules[i], i))
			goto fail;
	if (!cc.rs->st.fan_window_ns)
		cc.rs->st.fan_window_ns = XT_FANOUT_WINDOW_NS;
	/* What a packet without ports, not ICMP, or untagged takes from
	 * the tables, in one word within a load's reach (include/xdptag.h). */
	cc.rs->no_ports = cc.rs->by16[XT_PORT_NONE].dport &
			  cc.rs->by16[XT_PORT_NONE].sport;
	cc.rs->no_icmp = cc.rs->icmp_type[XT_BYTE_NONE] &
			 cc.rs->icmp_code[XT_BYTE_NONE];
	cc.rs->no_vlan = cc.rs->vlan[XT_VLAN_NONE];
	cc.rs->no_l4 = cc.rs->no_ports & cc.rs->no_icmp;
	cc.rs->special = cc.rs->exempt | cc.rs->stateful;
	if (pfx_finish(&cc))
		goto fail;
	free(cc.l1neg);
	xt_state_size(cc.rs, XT_STATE_ENTRIES, XT_STATE_V6_PLEN);
	out->rs = cc.rs;
	out->entries = cc.ent;
	out->nentries = cc.nent;
	if (pfx_chunks(&cc, out) || tab_build(&cc, out)) {
		xt_compiled_free(out);
		return -EINVAL;
	}
	return 0;
fail:
	free(cc.l1neg);
	free(cc.rs);
	free(cc.ent);
	return -EINVAL;
}

void xt_compiled_free(struct xt_compiled *c)
{
	free(c->rs);
	free(c->entries);
	free(c->slots);
	free(c->chunks);
	memset(c, 0, sizeof(*c));
}
