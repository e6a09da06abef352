// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Which mark bits the live nftables and iptables rules use (mark_rules.h).
 * A rule "uses" the bits it compares or changes: `meta mark & 0xff00 ==
 * ...` uses 0xff00, `meta mark 5` and `meta mark set 5` the whole mark,
 * `meta mark set meta mark | 0x40` only 0x40.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "mark_rules.h"

#define ALL	0xffffffffu
#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ nft --- */

static bool is_meta_mark(const json_t *e)
{
	const json_t *m = json_object_get(e, "meta");

	return m && json_is_object(m) &&
	       json_is_string(json_object_get(m, "key")) &&
	       !strcmp(json_string_value(json_object_get(m, "key")), "mark");
}

/* [A, B] of a binary operator op in e, or false. */
static bool binop(const json_t *e, const char *op, json_t **a, json_t **b)
{
	json_t *arr = json_object_get(e, op);

	if (!arr || !json_is_array(arr) || json_array_size(arr) != 2)
		return false;
	*a = json_array_get(arr, 0);
	*b = json_array_get(arr, 1);
	return true;
}

/* Bits of the mark that a read of expression e depends on. */
static uint32_t read_bits(const json_t *e)
{
	json_t *a, *b, *v;
	const char *k;
	uint32_t bits = 0;
	size_t i;

	if (json_is_array(e)) {
		json_array_foreach(e, i, v)
			bits |= read_bits(v);
		return bits;
	}
	if (!json_is_object(e))
		return 0;
	if (is_meta_mark(e))
		return ALL;
	if (binop(e, "&", &a, &b) && is_meta_mark(a) && json_is_integer(b))
		return (uint32_t)json_integer_value(b);
	json_object_foreach((json_t *)e, k, v)
		bits |= read_bits(v);
	return bits;
}

/* Bits `meta mark set V` changes. */
static uint32_t set_bits(const json_t *v)
{
	json_t *a, *b, *x, *y;

	/* meta mark | O, or (meta mark & K) | O */
	if (binop(v, "|", &a, &b) && json_is_integer(b)) {
		uint32_t o = json_integer_value(b);

		if (is_meta_mark(a))
			return o;
		if (binop(a, "&", &x, &y) && is_meta_mark(x) &&
		    json_is_integer(y))
			return ~(uint32_t)json_integer_value(y) | o;
	}
	if (binop(v, "&", &a, &b) && is_meta_mark(a) && json_is_integer(b))
		return ~(uint32_t)json_integer_value(b);
	return ALL;
}

/* Bits a rule's expressions read (match) and write (set). */
static void rule_bits(const json_t *expr, uint32_t *rd, uint32_t *wr)
{
	json_t *e, *mg, *key;
	size_t i;

	*rd = *wr = 0;
	json_array_foreach(expr, i, e) {
		mg = json_object_get(e, "mangle");
		key = mg ? json_object_get(mg, "key") : NULL;
		if (key && is_meta_mark(key)) {
			*wr |= set_bits(json_object_get(mg, "value"));
			continue;
		}
		/* `ct mark set meta mark` reads it; so do matches, maps. */
		*rd |= read_bits(e);
	}
}

static bool word_in(const char *word, const char *list)
{
	size_t n = strlen(word);
	const char *p = list;

	while (list && (p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

int xt_mark_rules_nft(const char *nft_json, uint32_t mask,
		      const char *skip_ip, const char *skip_ip6, FILE *f)
{
	json_t *root, *list, *item, *r;
	uint32_t rd, wr;
	size_t i;
	int n = 0;

	root = json_loads(nft_json, 0, NULL);
	list = root ? json_object_get(root, "nftables") : NULL;
	if (!list || !json_is_array(list)) {
		json_decref(root);
		return 0;
	}
	json_array_foreach(list, i, item) {
		const char *fam, *table, *chain;

		r = json_object_get(item, "rule");
		if (!r)
			continue;
		fam = json_string_value(json_object_get(r, "family"));
		table = json_string_value(json_object_get(r, "table"));
		chain = json_string_value(json_object_get(r, "chain"));
		if (!fam || !table || !chain || !strncmp(table, "xdptag", 6))
			continue;
		if ((!strcmp(fam, "ip") && word_in(table, skip_ip)) ||
		    (!strcmp(fam, "ip6") && word_in(table, skip_ip6)))
			continue;
		rule_bits(json_object_get(r, "expr"), &rd, &wr);
		if (!((rd | wr) & mask))
			continue;
		fprintf(f,
			"Warning: nftables rule in table %s %s chain %s (handle %lld) %s mark bits 0x%08x inside xdptag's mask 0x%08x\n",
			fam, table, chain,
			(long long)json_integer_value(json_object_get(r, "handle")),
			wr & mask ? (rd & mask ? "matches and sets" : "sets") :
			"matches", (rd | wr) & mask, mask);
		n++;
	}
	json_decref(root);
	return n;
}

/* ------------------------------------------------------- iptables --- */

/*
 * How an option of an iptables extension (a match after -m, a target after
 * -j) uses skb->mark, per iptables-extensions(8) and the kernel's xt_*
 * modules.  What is not here uses no skb->mark bits: among them the
 * connmark match and CONNMARK --set-xmark, --set-mark, --and-mark,
 * --or-mark, --xor-mark, which read or write ct mark only.  CONNMARK
 * --save-mark and --restore-mark move bits between the two: ipt_bits().
 */
enum ipt_use {
	IPT_READ_VM,	/* value[/mask]: reads mask (all bits without one) */
	IPT_WRITE_VM,	/* value[/mask]: writes mask | value */
	IPT_WRITE_V,	/* bits: writes those (or, xor) */
	IPT_WRITE_NOT_V,	/* bits: writes the others (and) */
	IPT_READ_ALL,	/* reads the whole mark (a route lookup with it) */
	IPT_WRITE_ALL,	/* replaces the whole mark */
	IPT_READ_ZONE,	/* "mark": the zone is the mark's low 16 bits */
};

static const struct ipt_opt {
	const char *ext, *opt;	/* opt NULL: the extension itself */
	enum ipt_use use;
} ipt_opts[] = {
	{ "mark", "--mark", IPT_READ_VM },
	{ "MARK", "--set-xmark", IPT_WRITE_VM },
	{ "MARK", "--set-mark", IPT_WRITE_VM },
	{ "MARK", "--or-mark", IPT_WRITE_V },
	{ "MARK", "--xor-mark", IPT_WRITE_V },
	{ "MARK", "--and-mark", IPT_WRITE_NOT_V },
	{ "TPROXY", "--tproxy-mark", IPT_WRITE_VM },
	{ "HMARK", NULL, IPT_WRITE_ALL },	/* mark = hash % mod + offset */
	{ "SET", "--map-mark", IPT_WRITE_ALL },	/* the set entry's mark */
	{ "socket", "--restore-skmark", IPT_WRITE_ALL },	/* the socket's */
	{ "rpfilter", "--validmark", IPT_READ_ALL },
	{ "CT", "--zone", IPT_READ_ZONE },
	{ "CT", "--zone-orig", IPT_READ_ZONE },
	{ "CT", "--zone-reply", IPT_READ_ZONE },
};

static uint32_t num(const char *s)
{
	return s ? (uint32_t)strtoul(s, NULL, 0) : ALL;
}

/* "V/M" or "V": M, or ALL without a mask. */
static uint32_t slash_mask(const char *s)
{
	const char *sl = s ? strchr(s, '/') : NULL;

	return sl ? num(sl + 1) : ALL;
}

/* The bits option opt of use u reads (*rd) or writes (*wr), given its
 * argument arg (NULL if none). */
static void ipt_use_bits(enum ipt_use u, const char *arg, uint32_t *rd,
			 uint32_t *wr)
{
	switch (u) {
	case IPT_READ_VM:
		*rd |= slash_mask(arg);
		break;
	case IPT_WRITE_VM:
		*wr |= slash_mask(arg) | (arg ? num(arg) : 0);
		break;
	case IPT_WRITE_V:
		*wr |= num(arg);
		break;
	case IPT_WRITE_NOT_V:
		*wr |= arg ? ~num(arg) : ALL;
		break;
	case IPT_READ_ALL:
		*rd |= ALL;
		break;
	case IPT_WRITE_ALL:
		*wr |= ALL;
		break;
	case IPT_READ_ZONE:
		if (arg && !strcmp(arg, "mark"))
			*rd |= 0xffff;
		break;
	}
}

/*
 * The words of a rule line into w[], at most max; a double-quoted word
 * (iptables-save quotes comments, with \" and \\ inside) is one word, so
 * that "--mark" in a comment is no option.
 */
static int ipt_words(char *s, char **w, int max)
{
	int n = 0;

	while (n < max) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		w[n++] = s;
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++)
				if (*s == '\\' && s[1])
					s++;
			if (*s)
				s++;
		}
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		if (*s)
			*s++ = '\0';
	}
	return n;
}

/*
 * CONNMARK --save-mark: ctmark = (ctmark & ~ctmask) ^ shift(nfmark &
 * nfmask) reads the nfmask bits of the mark; --restore-mark: nfmark =
 * (nfmark & ~nfmask) ^ shift(ctmark & ctmask) writes the nfmask bits and
 * those the shifted ctmask XORs in.  --mask M is --nfmask M --ctmask M;
 * both default to all bits.
 */
struct connmark_copy {
	bool save, restore;
	uint32_t nfmask, ctmask;
	int shift;		/* < 0: right */
};

static void connmark_opt(struct connmark_copy *c, const char *opt,
			 const char *arg)
{
	if (!strcmp(opt, "--save-mark"))
		c->save = true;
	else if (!strcmp(opt, "--restore-mark"))
		c->restore = true;
	else if (!strcmp(opt, "--nfmask"))
		c->nfmask = num(arg);
	else if (!strcmp(opt, "--ctmask"))
		c->ctmask = num(arg);
	else if (!strcmp(opt, "--mask"))
		c->nfmask = c->ctmask = num(arg);
	else if (!strcmp(opt, "--left-shift-mark"))
		c->shift = (int)(num(arg) & 31);
	else if (!strcmp(opt, "--right-shift-mark"))
		c->shift = -(int)(num(arg) & 31);
}

void xt_mark_rules_ipt_line(const char *line, uint32_t *rdp, uint32_t *wrp)
{
	struct connmark_copy cm = { .nfmask = ALL, .ctmask = ALL };
	char copy[1024], *w[128];
	const char *ext = "";
	uint32_t rd = 0, wr = 0, ct;
	int n, i;
	size_t k;

	snprintf(copy, sizeof(copy), "%s", line);
	n = ipt_words(copy, w, 128);
	for (i = 0; i < n; i++) {
		const char *next = i + 1 < n ? w[i + 1] : NULL;

		if ((!strcmp(w[i], "-m") || !strcmp(w[i], "-j")) && next) {
			ext = next;
			for (k = 0; k < ARRAY_LEN(ipt_opts); k++)
				if (!ipt_opts[k].opt &&
				    !strcmp(ipt_opts[k].ext, ext))
					ipt_use_bits(ipt_opts[k].use, NULL,
						     &rd, &wr);
			i++;
			continue;
		}
		if (strncmp(w[i], "--", 2))
			continue;
		/* An option's argument is the next word unless that is an
		 * option too (--save-mark, --validmark take none). */
		if (next && !strncmp(next, "--", 2))
			next = NULL;
		if (!strcmp(ext, "CONNMARK"))
			connmark_opt(&cm, w[i], next);
		for (k = 0; k < ARRAY_LEN(ipt_opts); k++)
			if (ipt_opts[k].opt && !strcmp(ipt_opts[k].ext, ext) &&
			    !strcmp(ipt_opts[k].opt, w[i]))
				ipt_use_bits(ipt_opts[k].use, next, &rd, &wr);
	}
	if (cm.save)
		rd |= cm.nfmask;
	if (cm.restore) {
		ct = cm.shift >= 0 ? cm.ctmask << cm.shift :
				     cm.ctmask >> -cm.shift;
		wr |= cm.nfmask | ct;
	}
	*rdp = rd;
	*wrp = wr;
}

int xt_mark_rules_ipt(const char *save, const char *cmd, uint32_t mask,
		      char *tables, size_t tables_len, FILE *f)
{
	char table[64] = "?", chain[64], line[1024];
	const char *p = save, *nl;
	uint32_t rd, wr;
	size_t len;
	int n = 0;

	if (tables_len)
		tables[0] = '\0';
	for (; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(line))
			continue;
		memcpy(line, p, len);
		line[len] = '\0';
		if (line[0] == '*') {
			snprintf(table, sizeof(table), "%.63s", line + 1);
			if (tables && strlen(tables) + strlen(table) + 2 <
				      tables_len) {
				strcat(tables, " ");
				strcat(tables, table);
			}
			continue;
		}
		if (strncmp(line, "-A ", 3) || strstr(line, "xdptag"))
			continue;
		xt_mark_rules_ipt_line(line, &rd, &wr);
		if (!((rd | wr) & mask))
			continue;
		if (sscanf(line, "-A %63s", chain) != 1)
			continue;
		fprintf(f,
			"Warning: %s rule in table %s chain %s %s mark bits 0x%08x inside xdptag's mask 0x%08x: %s\n",
			cmd, table, chain,
			wr & mask ? (rd & mask ? "matches and sets" : "sets") :
			"matches", (rd | wr) & mask, mask, line);
		n++;
	}
	return n;
}

/* ------------------------------------------------------------ run --- */

/* The whole output of a shell command, or NULL. */
static char *slurp(const char *cmd)
{
	FILE *p = popen(cmd, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!p)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		got = fread(buf + len, 1, cap - len - 1, p);
		len += got;
	} while (got);
	pclose(p);
	if (buf)
		buf[len] = '\0';
	return buf;
}

int xt_mark_rules_warn(uint32_t mask, FILE *f)
{
	static const struct {
		const char *cmd, *run;
	} ipt[2] = {
		{ "iptables", "iptables-save 2>/dev/null" },
		{ "ip6tables", "ip6tables-save 2>/dev/null" },
	};
	char skip[2][256] = { "", "" };
	char *out;
	int i, n = 0;

	for (i = 0; i < 2; i++) {
		out = slurp(ipt[i].run);
		if (!out)
			continue;
		n += xt_mark_rules_ipt(out, ipt[i].cmd, mask, skip[i],
				       sizeof(skip[i]), f);
		/* Legacy iptables tables are not nftables tables. */
		if (!strstr(out, "(nf_tables)"))
			skip[i][0] = '\0';
		free(out);
	}
	out = slurp("nft -j list ruleset 2>/dev/null");
	if (out)
		n += xt_mark_rules_nft(out, mask, skip[0], skip[1], f);
	free(out);
	return n;
}
