// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag rules check|show|load`: validate a rules file, print what it
 * compiles to, or swap it into an attached interface (docs/rules.md).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "cmd.h"
#include "log.h"
#include "privs.h"
#include "rules_file.h"

/* What the three commands read from the command line. */
struct rules_cfg {
	const char *ifname;
	const char *path;	/* NULL: the built-in ruleset (show) */
};

static int load_file(const char *path, struct xt_rules_file *f)
{
	if (xt_rules_file_load(path, f, stderr)) {
		pr_err("invalid rules file '%s'", path ? path : "default");
		return -EINVAL;
	}
	return 0;
}

static int rules_check(void *cfg)
{
	const struct rules_cfg *rc = cfg;
	struct xt_rules_file f;

	if (load_file(rc->path, &f))
		return XT_EXIT_USAGE;
	printf("%s: ok, %zu rules, %zu classes\n", rc->path, f.nrules,
	       f.nclasses);
	xt_rules_file_free(&f);
	return XT_EXIT_OK;
}

/* ---------------------------------------------------------------- show --- */

/*
 * A description is any YAML string: "\e[2J" in it would clear the reader's
 * terminal.  Control characters, C0 and C1 (U+0080-U+009F), are printed
 * as escapes; the rest of UTF-8 as it is (the loader checked it).
 */
static void print_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			printf("\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			printf("\\u%04x", *++p);
		else
			putchar(*p);
	}
}

static const char *proto_name(uint32_t p)
{
	switch (p) {
	case 1: return "icmp";
	case 2: return "igmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "icmpv6";
	case 132: return "sctp";
	}
	return NULL;
}

static void print_ranges(const char *key, const struct xt_ranges *rg,
			 bool protos)
{
	size_t i;

	if (!rg->n)
		return;
	printf("      %-10s", key);
	for (i = 0; i < rg->n; i++) {
		const struct xt_range *r = &rg->r[i];
		const char *n = protos && r->lo == r->hi ?
				proto_name(r->lo) : NULL;

		printf("%s%s", i ? "," : "", r->neg ? "!" : "");
		if (n)
			printf("%s", n);
		else if (r->lo == r->hi)
			printf("%u", r->lo);
		else
			printf("%u-%u", r->lo, r->hi);
	}
	printf("\n");
}

static void print_prefixes(const char *key, const struct xt_prefixes *ps)
{
	char buf[64];
	size_t i;

	if (!ps->n)
		return;
	printf("      %-10s", key);
	/* Long lists come from prefix files: a sample says enough. */
	for (i = 0; i < ps->n && i < 8; i++)
		printf("%s%s%s", i ? "," : "", ps->p[i].neg ? "!" : "",
		       xt_prefix_str(&ps->p[i], buf, sizeof(buf)));
	if (ps->n > 8)
		printf(",... (%zu prefixes)", ps->n);
	printf("\n");
}

static void print_flags(uint8_t v)
{
	static const char *const names[] = { "fin", "syn", "rst", "psh",
					     "ack", "urg", "ecn", "cwr" };
	int i, n = 0;

	if (!v) {
		printf("0x0");
		return;
	}
	for (i = 0; i < 8; i++)
		if (v & (1 << i))
			printf("%s%s", n++ ? "," : "", names[i]);
}

static void print_rule(const struct xt_rules_file *f, size_t slot)
{
	const struct xt_rule *r = &f->rules[slot];
	const char *cn = xt_class_name(f, r->class_id);
	size_t i;
	int n = 0;

	if (r->exempt)
		printf("  %2zu  %-24s exempt (class 0, score 0, never dropped)\n",
		       slot, r->name);
	else
		printf("  %2zu  %-24s class %u (%s) weight %u\n", slot,
		       r->name, r->class_id, cn ? cn : "?", r->weight);
	if (f->descr[slot]) {
		printf("      %-10s", "descr");
		print_text(f->descr[slot]);
		printf("\n");
	}
	print_prefixes("src", &r->src);
	print_prefixes("dst", &r->dst);
	print_ranges("proto", &r->proto, true);
	print_ranges("sport", &r->sport, false);
	print_ranges("dport", &r->dport, false);
	if (r->ntcp) {
		printf("      %-10s", "tcp_flags");
		for (i = 0; i < r->ntcp; i++) {
			printf("%s", i ? " | " : "");
			print_flags(r->tcp[i].value);
			printf(" / ");
			print_flags(r->tcp[i].mask);
		}
		printf("\n");
	}
	print_ranges("icmp_type", &r->icmp_type, false);
	print_ranges("icmp_code", &r->icmp_code, false);
	print_ranges("len", &r->len, false);
	print_ranges("ttl", &r->ttl, false);
	print_ranges("vlan", &r->vlan, false);
	if (r->feat_set || r->feat_clear) {
		printf("      %-10s", "features");
		for (i = 0; xt_feature_names[i]; i++) {
			if (r->feat_set & (1 << i))
				printf("%s%s", n++ ? "," : "",
				       xt_feature_names[i]);
			if (r->feat_clear & (1 << i))
				printf("%s!%s", n++ ? "," : "",
				       xt_feature_names[i]);
		}
		printf("\n");
	}
	if (r->st_kind == XT_ST_PPS || r->st_kind == XT_ST_BPS)
		printf("      %-10s%u %s from one source\n", "rate",
		       r->st_limit,
		       r->st_kind == XT_ST_PPS ? "packets/s" : "bytes/s");
	else if (r->st_kind)
		printf("      %-10s%u distinct destination %s from one source in %llu ms\n",
		       "fanout", r->st_limit,
		       r->st_kind == XT_ST_DPORTS ? "ports" : "addresses",
		       (unsigned long long)(r->st_window_ns / 1000000));
}

/*
 * Slots holding a bit of a rule that constrains this field: rules that do
 * not constrain it are in every slot, so they are masked out first.  The
 * "field absent" slot is left out of the count (callers pass n without it).
 */
static size_t nonzero_every(const __u64 *t, size_t n, size_t step)
{
	__u64 everywhere = ~0ULL;
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		everywhere &= t[i * step];
	for (i = 0; i < n; i++)
		k += !!(t[i * step] & ~everywhere);
	return k;
}

static size_t nonzero(const __u64 *t, size_t n)
{
	return nonzero_every(t, n, 1);
}

static void print_compiled(const struct xt_compiled *c)
{
	const struct xt_ruleset *rs = c->rs;
	static const char *const dir[] = { "src", "dst" };
	size_t cnt[2][2] = { { 0 } }, i;
	size_t v6_elems = (size_t)rs->v6_nchunks * XT_PFX_V6_CHUNK_ELEMS;
	size_t v4_elems = c->nchunk_elems - v6_elems;
	int fam, d;

	if (rs->st.n)
		printf("per-source state: %u stateful rules, table of %u sources (IPv6 /%u), %zu KiB, epoch %016llx\n",
		       rs->st.n, xt_state_sets(rs->st.entries) * XT_STATE_WAYS,
		       rs->st.v6_plen,
		       (size_t)xt_state_sets(rs->st.entries) *
			       sizeof(struct xt_src_set) / 1024,
		       (unsigned long long)rs->st.epoch);
	else
		printf("per-source state: none (no rate or fanout rule)\n");

	printf("prefix entries: %zu, in a table of %zu slots (%zu KiB)\n",
	       c->nentries, c->nslots,
	       c->nslots * sizeof(struct xt_pfx_slot) / 1024);
	if (rs->v4_chunked)
		printf("ipv4 /24 level: %zu chunks of 256 /24s (%zu KiB), %u distinct answers\n",
		       v4_elems / XT_PFX_CHUNK_ELEMS,
		       v4_elems * sizeof(*c->chunks) / 1024, rs->pfx_nleaves);
	else if (rs->v4_nlevels)
		printf("ipv4 /24 level: in the table above\n");
	if (rs->v6_nchunks)
		printf("ipv6 /17-/32: %u chunks of 65536 entries (%zu KiB), %u distinct answers\n",
		       rs->v6_nchunks,
		       v6_elems * sizeof(*c->chunks) / 1024, rs->pfx_nleaves);
	for (i = 0; i < c->nentries; i++)
		cnt[c->entries[i].key.family == 6][c->entries[i].key.dir & 1]++;
	for (fam = 0; fam < 2; fam++) {
		const __u8 *lv = fam ? rs->v6_levels : rs->v4_levels;
		unsigned int nlv = fam ? rs->v6_nlevels : rs->v4_nlevels;

		for (d = 0; d < 2; d++)
			printf("  %s %s: %zu entries, %zu of %u /16 slots used\n",
			       fam ? "ipv6" : "ipv4", dir[d], cnt[fam][d],
			       nonzero_every(&xt_l1_at_ix(rs, fam, d, 0)->bits,
					     XT_L1_SLOTS,
					     (fam ? sizeof(struct xt_l1_slot) :
						    sizeof(struct xt_by16)) /
						     sizeof(__u64)),
			       XT_L1_SLOTS);
		printf("  %s levels:", fam ? "ipv6" : "ipv4");
		for (i = 0; i < nlv; i++)
			printf(" /%u", lv[i]);
		printf("%s\n", nlv ? "" : " none");
	}
	printf("table slots used by rules that constrain the field (used / total):\n");
	printf("  proto      %6zu / %u\n", nonzero(rs->proto, XT_BYTE_SLOTS - 1),
	       XT_BYTE_SLOTS - 1);
	printf("  ttl        %6zu / %u\n", nonzero(rs->ttl, XT_BYTE_SLOTS - 1),
	       XT_BYTE_SLOTS - 1);
	printf("  tcp_flags  %6zu / %u\n",
	       nonzero(rs->tcp_flags, XT_BYTE_SLOTS - 1),
	       XT_BYTE_SLOTS - 1);
	printf("  icmp_type  %6zu / %u\n",
	       nonzero(rs->icmp_type, XT_BYTE_SLOTS - 1),
	       XT_BYTE_SLOTS - 1);
	printf("  icmp_code  %6zu / %u\n",
	       nonzero(rs->icmp_code, XT_BYTE_SLOTS - 1),
	       XT_BYTE_SLOTS - 1);
	printf("  vlan       %6zu / %u\n", nonzero(rs->vlan, XT_VLAN_SLOTS - 1),
	       XT_VLAN_SLOTS - 1);
	printf("  features   %6zu / %u\n",
	       nonzero_every(&rs->by16[0].features, XT_F_SLOTS,
			     XT_BY16_STRIDE), XT_F_SLOTS);
	printf("  len        %6zu / %u\n",
	       nonzero_every(&rs->by16[0].len, XT_LEN_SLOTS, XT_BY16_STRIDE),
	       XT_LEN_SLOTS);
	printf("  sport      %6zu / %u\n",
	       nonzero_every(&rs->by16[0].sport, XT_PORT_SLOTS - 1,
			     XT_BY16_STRIDE), XT_PORT_SLOTS - 1);
	printf("  dport      %6zu / %u\n",
	       nonzero_every(&rs->by16[0].dport, XT_PORT_SLOTS - 1,
			     XT_BY16_STRIDE), XT_PORT_SLOTS - 1);
}

static int rules_show(void *cfg)
{
	const char *path = ((const struct rules_cfg *)cfg)->path;
	struct xt_rules_file f;
	struct xt_compiled c;
	size_t i;

	if (load_file(path, &f))
		return XT_EXIT_USAGE;
	if (xt_rules_file_compile(&f, &c, stderr)) {
		xt_rules_file_free(&f);
		return XT_EXIT_USAGE;
	}
	printf("file: %s\n", f.path);
	printf("settings: mark_mask 0x%x mark_shift %u mark_value %s drop_threshold %u\n",
	       f.settings.mark_mask, f.settings.mark_shift,
	       xt_mark_value_str(f.settings.mark_value),
	       f.settings.drop_threshold);
	printf("classes:");
	for (i = 0; i < f.nclasses; i++)
		printf(" %u=%s", f.classes[i].id, f.classes[i].name);
	printf("\nrules: %zu of %d\n", f.nrules, XT_MAX_RULES);
	for (i = 0; i < f.nrules; i++)
		print_rule(&f, i);
	print_compiled(&c);
	xt_compiled_free(&c);
	xt_rules_file_free(&f);
	return XT_EXIT_OK;
}

/* ---------------------------------------------------------------- load --- */

/* Marks are part of the attachment (other mark users rely on them). */
static int marks_same(const struct xt_settings *s,
		      const struct xt_attach_info *info, const char *ifname)
{
	if (s->has_mark_mask && s->mark_mask != info->mark_mask) {
		pr_err("rules file sets mark_mask 0x%x, %s is attached with 0x%x: marks are fixed at attach (detach and attach again to change them)",
		       s->mark_mask, ifname, info->mark_mask);
		return -EINVAL;
	}
	if (s->has_mark_shift && s->mark_shift != info->mark_shift) {
		pr_err("rules file sets mark_shift %u, %s is attached with %u: marks are fixed at attach (detach and attach again to change them)",
		       s->mark_shift, ifname, info->mark_shift);
		return -EINVAL;
	}
	if (s->has_mark_value && s->mark_value != info->mark_value) {
		pr_err("rules file sets mark_value %s, %s is attached with %s: marks are fixed at attach (detach and attach again to change them)",
		       xt_mark_value_str(s->mark_value), ifname,
		       xt_mark_value_str(info->mark_value));
		return -EINVAL;
	}
	return 0;
}

/*
 * Swap path (NULL: the built-in ruleset) into attached ifname: shared by
 * `rules load` and `service reload`.  Returns an enum xt_exit.
 */
int xt_rules_swap(const char *ifname, const char *path)
{
	static struct xt_rules_file f, placed;
	struct xt_attach_info info;
	struct xt_rule_maps maps;
	struct xt_pinned p;
	struct xt_compiled c;
	char abs[PATH_MAX], errbuf[160];
	int lock, ret = XT_EXIT_FAIL, err;
	const char *why;
	__u32 holds;

	if (load_file(path, &f))
		return XT_EXIT_USAGE;
	lock = xt_lock();	/* says why it failed */
	if (lock < 0)
		goto out_file;
	err = xt_pins_open(ifname, &p);
	if (err) {
		if (err == -ENOENT)
			pr_err("%s: not attached (run 'xdptag attach %s' first)",
			       ifname, ifname);
		else
			pr_err("%s: cannot open pins: %s", ifname,
			       xt_pins_strerror(err));
		ret = err == -ENOENT ? XT_EXIT_STATE : XT_EXIT_FAIL;
		goto out_lock;
	}
	info = p.info_val;
	why = xt_pinned_unusable(&p);
	if (why) {
		pr_err("%s: %s", ifname, why);
		ret = XT_EXIT_STATE;
		goto out_pins;
	}
	if (marks_same(&f.settings, &info, ifname)) {
		ret = XT_EXIT_USAGE;
		goto out_pins;
	}
	/* The mark field was sized from the attached ruleset's classes. */
	if (xt_mark_check(info.mark_mask, info.mark_shift, info.mark_value,
			  xt_rules_file_max_class(&f), errbuf,
			  sizeof(errbuf))) {
		pr_err("%s: %s (detach and attach again with a wider --mark-mask)",
		       path, errbuf);
		ret = XT_EXIT_USAGE;
		goto out_pins;
	}
	/* Without its own threshold the file keeps the attached one. */
	if (!f.settings.has_drop_threshold)
		f.settings.drop_threshold = info.drop_threshold;
	xt_rules_file_place(&f, info.rule_name,
			    info.nrules < XT_MAX_RULES ? info.nrules :
							 XT_MAX_RULES, &placed);
	if (xt_rules_file_compile(&placed, &c, stderr)) {
		pr_err("invalid rules file '%s'", path ? path : "default");
		ret = XT_EXIT_USAGE;
		goto out_pins;
	}
	/* What names the new generation goes in with it, before the flip. */
	xt_info_set_names(&info, &placed);
	info.drop_threshold = placed.settings.drop_threshold;
	if (!path)
		abs[0] = '\0';		/* status shows "default" */
	else if (!realpath(path, abs) ||
		 strlen(abs) >= sizeof(info.rules_path))
		snprintf(abs, sizeof(abs), "%s", path);
	snprintf(info.rules_path, sizeof(info.rules_path), "%.*s",
		 (int)sizeof(info.rules_path) - 1, abs);
	maps = xt_pinned_rule_maps(&p);
	if (c.rs->stateful && !xt_state_table_sources(maps.state, &holds) &&
	    holds != xt_state_sets(c.rs->st.entries) * XT_STATE_WAYS)
		pr_warn("%s: the per-source table keeps its %u sources (state_sources %u takes effect at the next attach)",
			ifname, holds, c.rs->st.entries);
	err = xt_ruleset_install_named(&maps, &c, p.info, &info);
	xt_compiled_free(&c);
	if (err) {
		pr_err("%s: cannot install ruleset: %s", ifname, strerror(-err));
		goto out_pins;
	}
	printf("%s: loaded %s, %zu rules\n", ifname,
	       path ? path : "the built-in ruleset", f.nrules);
	ret = XT_EXIT_OK;
out_pins:
	xt_pins_close(&p);
out_lock:
	xt_unlock(lock);
out_file:
	xt_rules_file_free(&f);
	return ret;
}

static int rules_load(void *cfg)
{
	const struct rules_cfg *c = cfg;

	if (xt_privs_check("rules load", XT_PRIV_PINS))
		return XT_EXIT_FAIL;
	return xt_rules_swap(c->ifname, c->path);
}

#define R struct rules_cfg
static const struct xt_opt check_opts[] = {
	XT_ARG(XT_OPT_FILE, "FILE", R, path, .what = "one rules file"),
	XT_OPT_TABLE_END,
};

static const struct xt_opt show_opts[] = {
	XT_ARG(XT_OPT_FILE, "FILE", R, path, .optional = true,
	       .what = "at most one rules file"),
	XT_OPT_TABLE_END,
};

static const struct xt_opt load_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", R, ifname, .what = "one interface"),
	XT_ARG(XT_OPT_FILE, "FILE", R, path, .what = "one rules file"),
	XT_OPT_TABLE_END,
};
#undef R

static const struct xt_cmd rules_check_cmd = XT_COMMAND("check",
	"validate FILE (syntax, names, limits); touches nothing",
	rules_check, check_opts, struct rules_cfg);

static const struct xt_cmd rules_show_cmd = XT_COMMAND("show",
	"print FILE (default: the built-in ruleset) as compiled:\n"
	"rules by slot, prefix entries, table occupancy",
	rules_show, show_opts, struct rules_cfg);

static const struct xt_cmd rules_load_cmd = XT_COMMAND("load",
	"replace the ruleset of attached IFACE without a gap;\n"
	"rules keep their slot (and counters) by name",
	rules_load, load_opts, struct rules_cfg);

static const struct xt_cmd *const rules_cmds[] = {
	&rules_check_cmd, &rules_show_cmd, &rules_load_cmd, NULL,
};

const struct xt_cmd xt_cmd_rules = XT_GROUP("rules",
	"check, show or hot-swap a rules file", rules_cmds);
