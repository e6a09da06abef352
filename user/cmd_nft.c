// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdptag nft [--connmark] [IFACE]
 *
 * Prints an nftables ruleset that matches each class (or score band, with
 * mark_value score) by the mark the TC stage writes, with a named counter
 * per class, followed by the iptables equivalent as comments.  The ruleset
 * lives in a table of its own and only counts: its chain accepts everything,
 * so loading it changes no verdict.  With --connmark, a second table
 * carries each connection's class in ct mark (docs/marks.md).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "cmd.h"
#include "ifstack.h"
#include "log.h"
#include "nft_quote.h"
#include "privs.h"
#include "nft.h"
#include "rules_file.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

#define NFT_IIF_MAX	64	/* devices matched per interface */

/*
 * One interface's mark layout and names; ifname "" matches any interface.
 * iif: ifname and the devices stacked on it that its packets arrive on
 * (ifstack.h); by[i]: the source whose rules match iif[i], -1 for none.
 */
struct nft_src {
	char ifname[IF_NAMESIZE];
	struct xt_attach_info info;
	struct xt_link iif[NFT_IIF_MAX];
	int by[NFT_IIF_MAX];
	int niif;
};

/* One match: the mark under mask equals value; counted in counter. */
struct nft_match {
	__u32 mask, value;
	char counter[64];
	char what[64];		/* "class scan", "score band 3" */
};

/*
 * The bits of the mark that the counters match and --connmark carries, in
 * nft and iptables alike: the class's (the band's with mark_value score);
 * with mark_value both (class << 4 | band) the band's bits are left out.
 */
static __u32 nft_class_mask(const struct xt_attach_info *in)
{
	__u32 sh = in->mark_shift & 31;

	if (in->mark_value == XT_MARK_BOTH)
		return (0xff0u << sh) & in->mark_mask;
	return in->mark_mask;
}

/*
 * The matches a source needs: one per class shown (unclassified and every
 * declared class) or, when the mark holds only the score band, one per band.
 * Counter names carry a prefix so that no class name can collide with an
 * nft keyword ("drop", "counter", ...).
 */
static int nft_matches(const struct xt_attach_info *in, struct nft_match *m)
{
	__u32 sh = in->mark_shift & 31, mask = nft_class_mask(in);
	int i, n = 0;

	if (in->mark_value == XT_MARK_BAND) {
		for (i = 0; i < XT_BANDS; i++, n++) {
			m[n].mask = mask;
			m[n].value = ((__u32)i << sh) & mask;
			snprintf(m[n].counter, sizeof(m[n].counter),
				 "xt_band_%d", i);
			snprintf(m[n].what, sizeof(m[n].what),
				 "score band %d (scores %d-%d)", i, i * 16,
				 i * 16 + 15);
		}
		return n;
	}
	for (i = 0; i < XT_MAX_CLASSES; i++) {
		const char *name = in->class_name[i];

		if (i && !name[0])
			continue;
		if (!i && !name[0])
			name = "unclassified";
		m[n].mask = mask;
		m[n].value = ((__u32)i << (in->mark_value == XT_MARK_BOTH ?
					   4 : 0) << sh) & mask;
		snprintf(m[n].counter, sizeof(m[n].counter), "xt_class_%s",
			 name);
		snprintf(m[n].what, sizeof(m[n].what), "class %d %s", i, name);
		n++;
	}
	return n;
}

/* How one kind of ruleset writes a mark match: nft's words or iptables'. */
struct rule_syntax {
	int (*quote)(const char *name, char *out, size_t len);
	const char *iif;	/* the interface match, given the quoted name */
	const char *iif_set;	/* the same for a set of names, or NULL:
				   one rule per name */
	void (*line)(FILE *f, const char *iif, const struct nft_match *m);
};

static void nft_line(FILE *f, const char *iif, const struct nft_match *m)
{
	fprintf(f, "\t\t%smeta mark & 0x%08x == 0x%08x counter name \"%s\" "
		   "comment \"%s\"\n", iif, m->mask, m->value, m->counter,
		m->what);
}

static void iptables_line(FILE *f, const char *iif, const struct nft_match *m)
{
	fprintf(f, "# iptables -t mangle -A PREROUTING %s-m mark --mark "
		   "0x%x/0x%x -m comment --comment \"xdptag %s\"\n",
		iif, m->value, m->mask, m->what);
}

static const struct rule_syntax nft_syntax = {
	.quote = xt_nft_string, .iif = "iifname %s ",
	.iif_set = "iifname { %s } ", .line = nft_line,
};
static const struct rule_syntax iptables_syntax = {
	.quote = xt_shell_word, .iif = "-i %s ", .line = iptables_line,
};

#define IIF_LEN	(NFT_IIF_MAX * (4 * IF_NAMESIZE + 4) + 32)

/*
 * The interface match of source s into iif: of its k-th device matched
 * (k >= 0, for a syntax without sets), or of all of them (k < 0).  False
 * when there is no k-th.  "" for a source of any interface.  nft_check()
 * made sure every name can be written in both syntaxes.
 */
static bool iif_match(const struct nft_src *src, int s, int k,
		      const struct rule_syntax *syn, char *iif)
{
	char word[4 * IF_NAMESIZE + 8], set[IIF_LEN];
	int i, n = 0;

	iif[0] = set[0] = '\0';
	if (!src[s].ifname[0])
		return k <= 0;
	for (i = 0; i < src[s].niif; i++) {
		if (src[s].by[i] != s || (k >= 0 && n++ != k) ||
		    syn->quote(src[s].iif[i].name, word, sizeof(word)))
			continue;
		if (k >= 0) {
			snprintf(iif, IIF_LEN, syn->iif, word);
			return true;
		}
		snprintf(set + strlen(set), sizeof(set) - strlen(set),
			 "%s%s", set[0] ? ", " : "", word);
		n++;
	}
	if (k >= 0)
		return false;
	/* One name as before: a set of one reads the same, but longer. */
	if (n == 1)
		snprintf(iif, IIF_LEN, syn->iif, set);
	else
		snprintf(iif, IIF_LEN, syn->iif_set, set);
	return true;
}

/* One rule per source and mark match (and per device without sets). */
static void nft_rules(FILE *f, const struct nft_src *src, int nsrc,
		      const struct rule_syntax *syn)
{
	static struct nft_match m[XT_MAX_CLASSES + XT_BANDS];
	static char iif[IIF_LEN];
	int s, i, n, k;

	for (s = 0; s < nsrc; s++) {
		n = nft_matches(&src[s].info, m);
		if (syn->iif_set) {
			iif_match(src, s, -1, syn, iif);
			for (i = 0; i < n; i++)
				syn->line(f, iif, &m[i]);
			continue;
		}
		for (k = 0; iif_match(src, s, k, syn, iif); k++)
			for (i = 0; i < n; i++)
				syn->line(f, iif, &m[i]);
	}
}

/* Whether some source matches more devices than its own. */
static bool stacked(const struct nft_src *src, int nsrc)
{
	int s, i;

	for (s = 0; s < nsrc; s++)
		for (i = 1; i < src[s].niif; i++)
			if (src[s].by[i] == s)
				return true;
	return false;
}

/* Comments saying which devices each source's rules match, and why. */
static void stack_notes(FILE *f, const struct nft_src *src, int nsrc)
{
	const struct xt_link *l;
	int s, i, by;

	for (s = 0; s < nsrc; s++) {
		for (i = 1; i < src[s].niif; i++) {
			l = &src[s].iif[i];
			by = src[s].by[i];
			if (by == s)
				fprintf(f, "# %s: its packets reach the IP layer "
					   "on %s (%s): matched there too.\n",
					src[s].ifname, l->name, l->kind);
			else if (by >= 0 && !strcmp(src[by].ifname, l->name))
				fprintf(f, "# %s: its packets reach the IP layer "
					   "on %s (%s), which has xdptag "
					   "attached: %s's rules match there.\n",
					src[s].ifname, l->name, l->kind,
					l->name);
			else if (by >= 0)
				fprintf(f, "# %s: its packets reach the IP layer "
					   "on %s (%s), matched by the rules of "
					   "%s (same mark settings).\n",
					src[s].ifname, l->name, l->kind,
					src[by].ifname);
			else
				fprintf(f, "# %s: its packets reach the IP layer "
					   "on %s (%s), not matched there: so "
					   "do those of an interface with other "
					   "mark settings.\n",
					src[s].ifname, l->name, l->kind);
		}
	}
	if (stacked(src, nsrc))
		fprintf(f,
			"# A packet is matched on the device the IP layer sees "
			"it arrive on: a bridge\n"
			"# or bond port's on the bridge or bond, a tagged "
			"frame's on its VLAN device.\n"
			"# Frames a bridge forwards pass here only with "
			"br_netfilter; packets of the\n"
			"# other ports match too, as class 0 if xdptag did "
			"not tag them.\n");
}

static void nft_print(FILE *f, const struct nft_src *src, int nsrc,
		      bool netdev)
{
	static struct nft_match m[XT_MAX_CLASSES + XT_BANDS];
	char (*seen)[sizeof(m[0].counter)];
	int s, i, n, k, nseen = 0;

	fprintf(f,
		"#!/usr/sbin/nft -f\n"
		"# Generated by 'xdptag nft': counts packets by the mark "
		"xdptag writes.\n"
		"# Load with 'nft -f FILE'; reloading replaces the table.  It "
		"only counts:\n"
		"# read with 'nft list counters table inet xdptag'.\n");
	for (s = 0; s < nsrc; s++) {
		const struct xt_attach_info *in = &src[s].info;

		fprintf(f, "# %s: mark_value %s, mark_mask 0x%x, mark_shift "
			   "%u\n", src[s].ifname[0] ? src[s].ifname :
			"any interface (default rules)",
			xt_mark_value_str(in->mark_value), in->mark_mask,
			in->mark_shift);
	}
	stack_notes(f, src, nsrc);
	/* Declaring then deleting makes the load work whether or not the
	 * table exists yet. */
	fprintf(f, "\ntable %1$s xdptag\ndelete table %1$s xdptag\n\n"
		   "table %1$s xdptag {\n", netdev ? "netdev" : "inet");

	/* Counters are shared between interfaces: one per name. */
	seen = calloc((size_t)nsrc * ARRAY_LEN(m), sizeof(*seen));
	for (s = 0; s < nsrc; s++) {
		n = nft_matches(&src[s].info, m);
		for (i = 0; i < n; i++) {
			for (k = 0; seen && k < nseen; k++)
				if (!strcmp(seen[k], m[i].counter))
					break;
			if (seen && k < nseen)
				continue;
			if (seen)
				strcpy(seen[nseen++], m[i].counter);
			fprintf(f, "\tcounter %s {\n\t}\n", m[i].counter);
		}
	}
	free(seen);

	if (netdev)
		fprintf(f, "\n\tchain ingress {\n\t\ttype filter hook ingress "
			   "device \"%s\" priority 0; policy accept;\n",
			src[0].ifname);
	else
		fprintf(f, "\n\tchain prerouting {\n\t\ttype filter hook "
			   "prerouting priority 0; policy accept;\n");
	nft_rules(f, src, nsrc, &nft_syntax);
	fprintf(f, "\t}\n}\n");
	if (netdev)
		return;

	fprintf(f, "\n# The same with iptables (ip6tables likewise); read "
		   "the counters with\n"
		   "# 'iptables -t mangle -L PREROUTING -v -x'.\n");
	if (stacked(src, nsrc))
		fprintf(f, "# iptables -i takes one name: one rule per device, "
			   "their counters add up.\n");
	nft_rules(f, src, nsrc, &iptables_syntax);
	fprintf(f, "# Class 0 also matches packets xdptag did not tag (mark "
		   "bits left as they were).\n");
}

/*
 * An interface name nft would read as something else: refused.  on: the
 * interface ifn is stacked on, or NULL.
 */
static int nft_ifname_check(const char *ifn, const char *on)
{
	char word[4 * IF_NAMESIZE + 8], shown[4 * XT_NAME_MAX + 8];
	char shown_on[4 * XT_NAME_MAX + 8];

	if (!ifn[0] || !xt_nft_string(ifn, word, sizeof(word)))
		return 0;
	xt_escaped(ifn, shown, sizeof(shown));
	if (on)
		pr_err("%s: interface name '%s' of the device its packets arrive on cannot be written literally in nft (it has a '\"', a '\\', a trailing '*' or a byte that is not printable ASCII); rename that interface",
		       xt_escaped(on, shown_on, sizeof(shown_on)), shown);
	else
		pr_err("interface name '%s' cannot be written literally in nft (it has a '\"', a '\\', a trailing '*' or a byte that is not printable ASCII); rename the interface",
		       shown);
	return XT_EXIT_USAGE;
}

/*
 * Refuse what cannot be printed literally: an interface name nft would read
 * as something else, a class name (from the pins) that is no identifier.
 */
static int nft_check(const struct nft_src *src, int nsrc)
{
	static struct nft_match m[XT_MAX_CLASSES + XT_BANDS];
	char shown[4 * XT_NAME_MAX + 8];
	int s, i, n;

	for (s = 0; s < nsrc; s++) {
		const char *ifn = src[s].ifname;

		if (nft_ifname_check(ifn, NULL))
			return XT_EXIT_USAGE;
		for (i = 1; i < src[s].niif; i++)
			if (src[s].by[i] == s &&
			    nft_ifname_check(src[s].iif[i].name, ifn))
				return XT_EXIT_USAGE;
		n = nft_matches(&src[s].info, m);
		for (i = 0; i < n; i++)
			if (!xt_nft_ident_ok(m[i].counter)) {
				pr_err("%s: class name '%s' is not a plain name (pins damaged?)",
				       ifn, xt_escaped(m[i].counter, shown,
						       sizeof(shown)));
				return XT_EXIT_FAIL;
			}
	}
	return 0;
}

/* Each source matched on its own name only. */
static void stack_alone(struct nft_src *src, int nsrc)
{
	int s;

	for (s = 0; s < nsrc; s++) {
		memset(&src[s].iif[0], 0, sizeof(src[s].iif[0]));
		snprintf(src[s].iif[0].name, IF_NAMESIZE, "%s", src[s].ifname);
		src[s].by[0] = s;
		src[s].niif = 1;
	}
}

/* Whether a and b count the same packets under the same counters. */
static bool same_matches(const struct xt_attach_info *a,
			 const struct xt_attach_info *b)
{
	return a->mark_mask == b->mark_mask &&
	       a->mark_shift == b->mark_shift &&
	       a->mark_value == b->mark_value &&
	       !memcmp(a->class_name, b->class_name, sizeof(a->class_name));
}

static bool stack_has(const struct nft_src *src, const char *name)
{
	int i;

	for (i = 1; i < src->niif; i++)
		if (!strcmp(src->iif[i].name, name))
			return true;
	return false;
}

/*
 * The devices each source's packets arrive on (ifstack.h), and whose rules
 * match each: a device is matched once, or a packet would count twice.
 * One with xdptag attached itself gets its own rules; one that several
 * sources reach gets the first one's if their matches are the same, and
 * none if they differ (its packets cannot be told apart).
 */
static void nft_stacks(struct nft_src *src, int nsrc)
{
	struct xt_link *links;
	int s, t, i, nl, err;
	const char *name;

	err = xt_links_list(&links, &nl);
	if (err) {
		pr_warn("cannot list this namespace's interfaces (%s): matching each interface by its own name only",
			strerror(-err));
		stack_alone(src, nsrc);
		return;
	}
	for (s = 0; s < nsrc; s++) {
		if (!src[s].ifname[0]) {
			stack_alone(&src[s], 1);
			continue;
		}
		src[s].niif = xt_if_stack(links, nl, src[s].ifname,
					  src[s].iif, NFT_IIF_MAX);
		if (src[s].niif == NFT_IIF_MAX)
			pr_warn("%s: more than %d devices stacked on it; matching the first %d",
				src[s].ifname, NFT_IIF_MAX - 1,
				NFT_IIF_MAX - 1);
		for (i = 0; i < src[s].niif; i++)
			src[s].by[i] = s;
	}
	free(links);

	for (s = 0; s < nsrc; s++) {
		for (i = 1; i < src[s].niif; i++) {
			name = src[s].iif[i].name;
			for (t = 0; t < nsrc; t++) {
				if (t == s)
					continue;
				if (!strcmp(src[t].ifname, name)) {
					src[s].by[i] = t;
					break;
				}
				if (!stack_has(&src[t], name))
					continue;
				if (!same_matches(&src[s].info, &src[t].info))
					src[s].by[i] = -1;
				else if (src[s].by[i] > t)
					src[s].by[i] = t;
			}
		}
	}
}

int xt_nft_ruleset(FILE *f, const char *ifname,
		   const struct xt_attach_info *info, bool netdev)
{
	struct nft_src *src = calloc(1, sizeof(*src));

	if (!src)
		return -ENOMEM;
	snprintf(src->ifname, sizeof(src->ifname), "%s", ifname);
	src->info = *info;
	stack_alone(src, 1);
	if (nft_check(src, 1)) {
		free(src);
		return -EINVAL;
	}
	nft_print(f, src, 1, netdev);
	free(src);
	return 0;
}

/*
 * --connmark: the class of a connection's first packet saved into ct mark
 * under the mask, restored into the mark of its later packets and of the
 * replies (prerouting for those that arrive, output for local ones).  One
 * rule per class with constants: nftables 1.0.6 (Debian 12) refuses the
 * one-rule form 'ct mark set ct mark & ~M | meta mark & M' ("Right hand
 * side of binary operation (|) must be constant").  Value 0 (class 0,
 * unclassified) is neither saved nor restored: restoring it would clear
 * the bits of connections xdptag never saw.
 */
static void connmark_print(FILE *f, const struct nft_src *src, int nsrc)
{
	static struct nft_match m[XT_MAX_CLASSES + XT_BANDS];
	static const char *const restore =
		"meta mark set meta mark & 0x%08x | 0x%08x comment \"restore %s\"\n";
	static char iif[IIF_LEN];
	int s, i, n, k;

	fprintf(f,
		"\n# --connmark: each connection's class in ct mark.  The first packet (ct state\n"
		"# new) saves its class; later packets and replies get it back.  One rule per\n"
		"# class: nftables 1.0.6 (Debian 12) cannot merge a masked mark into ct mark in\n"
		"# one rule ('ct mark set ct mark & ~M | meta mark & M' is refused: the right\n"
		"# side of '|' must be a constant).  Class 0 is not carried.\n"
		"table inet xdptag_connmark\ndelete table inet xdptag_connmark\n\n"
		"table inet xdptag_connmark {\n\tchain prerouting {\n"
		"\t\ttype filter hook prerouting priority mangle; policy accept;\n");
	for (s = 0; s < nsrc; s++) {
		n = nft_matches(&src[s].info, m);
		iif_match(src, s, -1, &nft_syntax, iif);
		for (i = 0; i < n; i++)
			if (m[i].value)
				fprintf(f,
					"\t\tct state new %smeta mark & 0x%08x == 0x%08x ct mark set ct mark & 0x%08x | 0x%08x comment \"save %s\"\n",
					iif, m[i].mask, m[i].value, ~m[i].mask,
					m[i].value, m[i].what);
	}
	for (s = 0; s < nsrc; s++) {
		n = nft_matches(&src[s].info, m);
		for (i = 0; i < n; i++) {
			if (!m[i].value)
				continue;
			fprintf(f, "\t\tct state != new ct mark & 0x%08x == 0x%08x ",
				m[i].mask, m[i].value);
			fprintf(f, restore, ~m[i].mask, m[i].value, m[i].what);
		}
	}
	/* type route: a changed mark reroutes the reply (ip rule fwmark). */
	fprintf(f, "\t}\n\n\tchain output {\n"
		   "\t\ttype route hook output priority mangle; policy accept;\n");
	for (s = 0; s < nsrc; s++) {
		n = nft_matches(&src[s].info, m);
		for (i = 0; i < n; i++) {
			if (!m[i].value)
				continue;
			fprintf(f, "\t\tct mark & 0x%08x == 0x%08x ", m[i].mask,
				m[i].value);
			fprintf(f, restore, ~m[i].mask, m[i].value, m[i].what);
		}
	}
	fprintf(f, "\t}\n}\n\n# The same with iptables (ip6tables likewise):\n");
	for (s = 0; s < nsrc; s++) {
		__u32 cm = nft_class_mask(&src[s].info);

		for (k = 0; iif_match(src, s, k, &iptables_syntax, iif); k++)
			fprintf(f,
				"# iptables -t mangle -A PREROUTING %s-m conntrack --ctstate NEW -m mark ! --mark 0/0x%x -j CONNMARK --save-mark --nfmask 0x%x --ctmask 0x%x\n",
				iif, cm, cm, cm);
	}
	for (s = 0; s < nsrc; s++) {
		__u32 k = nft_class_mask(&src[s].info);

		fprintf(f,
			"# iptables -t mangle -A PREROUTING -m conntrack ! --ctstate NEW -m connmark ! --mark 0/0x%x -j CONNMARK --restore-mark --nfmask 0x%x --ctmask 0x%x\n"
			"# iptables -t mangle -A OUTPUT -m connmark ! --mark 0/0x%x -j CONNMARK --restore-mark --nfmask 0x%x --ctmask 0x%x\n",
			k, k, k, k, k, k);
	}
}

/* Nothing attached: the default ruleset's classes and settings. */
static int src_default(struct nft_src *src)
{
	struct xt_rules_file *rf = calloc(1, sizeof(*rf));
	const struct xt_settings *st;

	if (!rf)
		return -ENOMEM;
	if (xt_rules_file_load(NULL, rf, stderr)) {
		free(rf);
		return -EINVAL;
	}
	memset(src, 0, sizeof(*src));
	xt_info_set_names(&src->info, rf);
	st = &rf->settings;
	/* The loader put the defaults in where the file is silent. */
	src->info.mark_mask = st->mark_mask;
	src->info.mark_shift = st->mark_shift;
	src->info.mark_value = st->mark_value;
	xt_rules_file_free(rf);
	free(rf);
	return 0;
}

/* Why the pins of ifname could not be read: an exit status, 0 if they could. */
static int src_error(const char *ifname, int err)
{
	if (err == -ENOENT) {
		pr_err("%s: xdptag is not attached (try 'xdptag attach %s')",
		       ifname, ifname);
		return XT_EXIT_STATE;
	}
	if (err) {
		pr_err("%s: cannot open pins under %s: %s", ifname,
		       XT_PIN_ROOT, xt_pins_strerror(err));
		return XT_EXIT_FAIL;
	}
	return 0;
}

static int src_pinned(const char *ifname, struct nft_src *src)
{
	struct xt_pinned p;
	int err = xt_pins_open(ifname, &p);

	snprintf(src->ifname, sizeof(src->ifname), "%s", ifname);
	src->info = p.info_val;
	xt_pins_close(&p);
	return src_error(ifname, err);
}

/* Every attached interface, read before any is judged. */
struct src_all {
	struct nft_src *src;
	int *err;		/* xt_pins_open()'s, per source */
	int n, cap;
};

static int src_add(struct xt_pinned *p, int err, void *arg)
{
	struct src_all *a = arg;
	void *more;

	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 4;
		more = realloc(a->src, a->cap * sizeof(*a->src));
		if (!more)
			return XT_EXIT_FAIL;
		a->src = more;
		more = realloc(a->err, a->cap * sizeof(*a->err));
		if (!more)
			return XT_EXIT_FAIL;
		a->err = more;
	}
	snprintf(a->src[a->n].ifname, IF_NAMESIZE, "%s", p->ifname);
	a->src[a->n].info = p->info_val;
	a->err[a->n++] = err;
	return 0;
}

/*
 * The sources of every attached interface into *src (malloc'd), or of the
 * default rules if none: 0 or an exit status (message printed).
 */
static int src_attached(struct nft_src **src, int *n)
{
	struct src_all a = { 0 };
	int i, rc;

	rc = xt_pins_foreach(src_add, &a);
	if (rc < 0) {
		pr_err("cannot list %s: %s", XT_PIN_ROOT, xt_pins_strerror(rc));
		rc = XT_EXIT_FAIL;
	}
	/* One bad name refuses the whole ruleset, before any pins are
	 * judged (those of another network namespace's interface may fail
	 * the ifindex check). */
	for (i = 0; i < a.n && !rc; i++)
		rc = nft_ifname_check(a.src[i].ifname, NULL);
	for (i = 0; i < a.n && !rc; i++)
		rc = src_error(a.src[i].ifname, a.err[i]);
	if (!rc && !a.n) {
		a.src = calloc(1, sizeof(*a.src));
		rc = !a.src || src_default(&a.src[0]) ? XT_EXIT_FAIL : 0;
		a.n = 1;
	}
	free(a.err);
	*src = a.src;
	*n = a.n;
	return rc;
}

struct nft_cfg {
	const char *ifname;		/* NULL: every attached interface */
	bool connmark;
};

static int nft_run(void *cfg)
{
	const struct nft_cfg *c = cfg;
	struct nft_src *src = NULL;
	const char *ifname = c->ifname;
	bool connmark = c->connmark;
	int n = 0, rc = XT_EXIT_OK;

	/* Both forms read the pins (all of them to list them). */
	if (xt_privs_check("nft", XT_PRIV_PINS))
		return XT_EXIT_FAIL;
	if (ifname) {
		src = calloc(1, sizeof(*src));
		rc = src ? src_pinned(ifname, &src[0]) : XT_EXIT_FAIL;
		n = 1;
	} else {
		rc = src_attached(&src, &n);
	}
	if (!rc)
		nft_stacks(src, n);
	if (!rc)
		rc = nft_check(src, n);
	if (!rc)
		nft_print(stdout, src, n, false);
	if (!rc && connmark)
		connmark_print(stdout, src, n);
	free(src);
	return rc;
}

static const struct xt_opt nft_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", struct nft_cfg, ifname,
	       .optional = true, .what = "at most one interface"),
	XT_OPTION(XT_OPT_FLAG, "connmark", struct nft_cfg, connmark,
		  .help = "also carry each connection's class in ct mark to its\n"
			  "later packets and its replies"),
	XT_OPT_TABLE_END,
};

const struct xt_cmd xt_cmd_nft = XT_COMMAND("nft",
	"print an nftables ruleset matching the marks",
	nft_run, nft_opts, struct nft_cfg,
	.doc = "Print an nftables ruleset counting packets by xdptag class (nft -f -).\n"
	       "Without IFACE: every attached interface, or the default rules if none.\n");
