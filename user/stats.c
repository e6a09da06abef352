// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Counters: collect (sum per-CPU values) and print as a table, JSON or
 * Prometheus text.  docs/output.md documents the JSON keys and the metric
 * names; keep them in step with the printers below.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "stats.h"

const char *const xt_action_names[5] = {
	"aborted", "drop", "pass", "tx", "redirect",
};

void xt_percpu_sum(const void *percpu, size_t size, int ncpus, void *out)
{
	const __u64 *in = percpu;
	__u64 *o = out;
	size_t i, n = size / sizeof(__u64);
	int cpu;

	memset(out, 0, size);
	for (cpu = 0; cpu < ncpus; cpu++)
		for (i = 0; i < n; i++)
			o[i] += in[(size_t)cpu * n + i];
}

int xt_percpu_read(int fd, size_t size, void *out)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 zero = 0;
	void *buf;
	int err = 0;

	if (ncpus < 0)
		return ncpus;
	buf = calloc(ncpus, size);
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, buf))
		err = -errno;
	else
		xt_percpu_sum(buf, size, ncpus, out);
	free(buf);
	return err;
}

int xt_counters_read(int cls_stats_fd, int tc_stats_fd, struct xt_counters *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = xt_percpu_read(cls_stats_fd, sizeof(out->xdp), &out->xdp);
	if (!err && tc_stats_fd >= 0)
		err = xt_percpu_read(tc_stats_fd, sizeof(out->tc), &out->tc);
	return err;
}

/* ------------------------------------------------------------ naming --- */

/* Names are the same in every format, so a dashboard can join them. */
static const char *class_name(const struct xt_attach_info *names,
			      unsigned int id, char *buf, size_t len)
{
	if (names && names->class_name[id][0])
		return names->class_name[id];
	if (id == 0)
		return "unclassified";
	snprintf(buf, len, "class-%u", id);
	return buf;
}

static const char *rule_name(const struct xt_attach_info *names,
			     unsigned int slot, char *buf, size_t len)
{
	if (names && names->rule_name[slot][0])
		return names->rule_name[slot];
	snprintf(buf, len, "rule-%u", slot);
	return buf;
}

/* Classes worth a line: declared ones and any that counted packets. */
static bool class_shown(const struct xt_stats_sample *s, unsigned int id)
{
	return id == 0 || s->now->xdp.class_pkts[id] ||
	       (s->names && s->names->class_name[id][0]);
}

static bool rule_shown(const struct xt_stats_sample *s, unsigned int slot)
{
	return s->now->xdp.rule_hits[slot] ||
	       (s->names && (slot < s->names->nrules ||
			     s->names->rule_name[slot][0]));
}

static __u64 total_pkts(const struct xt_counters *c)
{
	__u64 t = 0;
	int i;

	for (i = 0; i < XT_MAX_CLASSES; i++)
		t += c->xdp.class_pkts[i];
	return t;
}

static __u64 total_bytes(const struct xt_counters *c)
{
	__u64 t = 0;
	int i;

	for (i = 0; i < XT_MAX_CLASSES; i++)
		t += c->xdp.class_bytes[i];
	return t;
}

/* now - prev, counter by counter; a counter that went back reads as 0. */
static void counters_delta(const struct xt_counters *now,
			   const struct xt_counters *prev,
			   struct xt_counters *d)
{
	const __u64 *a = (const __u64 *)now, *b = (const __u64 *)prev;
	__u64 *o = (__u64 *)d;
	size_t i;

	for (i = 0; i < sizeof(*d) / sizeof(__u64); i++)
		o[i] = a[i] >= b[i] ? a[i] - b[i] : 0;
}

static double share(__u64 part, __u64 whole)
{
	return whole ? (double)part / (double)whole : 0.0;
}

/* ------------------------------------------------------------- table --- */

/* 1234567 -> "1,234,567": exact and readable at a glance. */
static const char *fmt_count(__u64 v, char *buf, size_t len)
{
	char tmp[32];
	size_t n, i, o = 0;

	n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
	for (i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

static const char *fmt_bytes(__u64 v, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double d = (double)v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, len, "%llu B", (unsigned long long)v);
		return buf;
	}
	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", d, unit[u]);
	return buf;
}

/* Rates: SI suffixes, three significant digits are plenty for a glance. */
static const char *fmt_rate(double v, char *buf, size_t len)
{
	static const char suffix[] = " kMGT";
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.*f%c", v < 10 ? 2 : v < 100 ? 1 : 0, v,
			 suffix[u]);
	return buf;
}

static const char *mark_value_name(__u32 v)
{
	return v == XT_MARK_BAND ? "score" : v == XT_MARK_BOTH ? "both" :
	       "class";
}

#define BAR_WIDTH	40
static const char bar[BAR_WIDTH + 1] =
	"########################################";

static void table_one(FILE *f, const struct xt_stats_sample *s,
		      double interval_s)
{
	const struct xt_counters *c = s->now;
	const struct xt_attach_info *ni = s->names;
	struct xt_counters d;
	bool rates = s->prev && interval_s > 0;
	__u64 total = total_pkts(c), maxband = 0;
	char b1[32], b2[32], b3[32], nb[32];
	int order[XT_MAX_RULES];
	int i, j, nr = 0;

	if (rates)
		counters_delta(c, s->prev, &d);

	fprintf(f, "%s", s->ifname);
	if (ni)
		fprintf(f, ": %u rules (%s), mark %s & 0x%x << %u, drop %s",
			ni->nrules, ni->rules_path[0] ? ni->rules_path :
			"built-in default", mark_value_name(ni->mark_value),
			ni->mark_mask, ni->mark_shift,
			ni->drop_threshold ? "at score >= threshold" : "off");
	if (ni && ni->drop_threshold)
		fprintf(f, " (%u)", ni->drop_threshold);
	fprintf(f, "\n\n");

	fprintf(f, "  %-24s %15s %11s %6s", "class", "packets", "bytes",
		"share");
	if (rates)
		fprintf(f, " %9s %9s", "pkt/s", "bit/s");
	fprintf(f, "\n");
	for (i = 0; i < XT_MAX_CLASSES; i++) {
		if (!class_shown(s, i))
			continue;
		fprintf(f, "  %-24s %15s %11s %5.1f%%",
			class_name(ni, i, nb, sizeof(nb)),
			fmt_count(c->xdp.class_pkts[i], b1, sizeof(b1)),
			fmt_bytes(c->xdp.class_bytes[i], b2, sizeof(b2)),
			100 * share(c->xdp.class_pkts[i], total));
		if (rates)
			fprintf(f, " %9s %9s",
				fmt_rate(d.xdp.class_pkts[i] / interval_s,
					 b1, sizeof(b1)),
				fmt_rate(d.xdp.class_bytes[i] * 8 / interval_s,
					 b3, sizeof(b3)));
		fprintf(f, "\n");
	}
	fprintf(f, "  %-24s %15s %11s %5.1f%%", "total",
		fmt_count(total, b1, sizeof(b1)),
		fmt_bytes(total_bytes(c), b2, sizeof(b2)), total ? 100.0 : 0.0);
	if (rates)
		fprintf(f, " %9s %9s",
			fmt_rate(total_pkts(&d) / interval_s, b1, sizeof(b1)),
			fmt_rate(total_bytes(&d) * 8 / interval_s, b3,
				 sizeof(b3)));
	fprintf(f, "\n\n");

	fprintf(f, "  score band (score >> 4)\n");
	for (i = 0; i < XT_BANDS; i++)
		if (c->xdp.band[i] > maxband)
			maxband = c->xdp.band[i];
	for (i = 0; i < XT_BANDS; i++) {
		__u64 v = c->xdp.band[i];
		/* Any nonzero band gets at least one mark, so it shows. */
		int w = maxband ? (int)((v * BAR_WIDTH + maxband - 1) / maxband)
				: 0;

		fprintf(f, "  %2d %3d-%-3d |%.*s%*s| %15s %5.1f%%\n", i, i * 16,
			i * 16 + 15, w, bar, BAR_WIDTH - w, "",
			fmt_count(v, b1, sizeof(b1)),
			100 * share(v, total));
	}
	fprintf(f, "\n");

	for (i = 0; i < XT_MAX_RULES; i++)
		if (c->xdp.rule_hits[i])
			order[nr++] = i;
	/* Insertion sort: 64 entries at most, stable by slot. */
	for (i = 1; i < nr; i++)
		for (j = i; j > 0 && c->xdp.rule_hits[order[j]] >
				     c->xdp.rule_hits[order[j - 1]]; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	fprintf(f, "  %-24s %15s %6s", "top rules", "hits", "share");
	if (rates)
		fprintf(f, " %9s", "hits/s");
	fprintf(f, "\n");
	if (!nr)
		fprintf(f, "  (no rule matched yet)\n");
	for (i = 0; i < nr && i < 10; i++) {
		int r = order[i];

		fprintf(f, "  %-24s %15s %5.1f%%",
			rule_name(ni, r, nb, sizeof(nb)),
			fmt_count(c->xdp.rule_hits[r], b1, sizeof(b1)),
			100 * share(c->xdp.rule_hits[r], total));
		if (rates)
			fprintf(f, " %9s",
				fmt_rate(d.xdp.rule_hits[r] / interval_s, b1,
					 sizeof(b1)));
		fprintf(f, "\n");
	}
	fprintf(f, "\n");

	fprintf(f, "  %-24s %15s %6s\n", "XDP action", "packets", "share");
	for (i = 0; i < 5; i++)
		fprintf(f, "  %-24s %15s %5.1f%%\n", xt_action_names[i],
			fmt_count(c->xdp.action[i], b1, sizeof(b1)),
			100 * share(c->xdp.action[i], total));
	fprintf(f, "\n");

	fprintf(f, "  %-24s %15s\n", "XDP -> TC bridge", "packets");
	fprintf(f, "  %-24s %15s\n", "tagged at XDP",
		fmt_count(c->xdp.tagged, b1, sizeof(b1)));
	fprintf(f, "  %-24s %15s %5.1f%% of tagged\n", "reached TC tagged",
		fmt_count(c->tc.valid, b1, sizeof(b1)),
		100 * share(c->tc.valid, c->xdp.tagged));
	fprintf(f, "  %-24s %15s\n", "TC: no metadata",
		fmt_count(c->tc.no_meta, b1, sizeof(b1)));
	fprintf(f, "  %-24s %15s\n", "TC: foreign metadata",
		fmt_count(c->tc.foreign, b1, sizeof(b1)));
	fprintf(f, "  %-24s %15s\n", "TC: short metadata",
		fmt_count(c->tc.short_meta, b1, sizeof(b1)));
	fprintf(f, "  %-24s %15s\n", "TC: classified at TC",
		fmt_count(c->tc.classified, b1, sizeof(b1)));
	fprintf(f, "  %-24s %15s\n", "TC: dropped",
		fmt_count(c->tc.dropped, b1, sizeof(b1)));
	fprintf(f, "  %-24s %15s\n", "adjust_meta failures",
		fmt_count(c->xdp.meta_fail, b1, sizeof(b1)));
	fprintf(f, "  %-24s %15s\n", "malformed packets",
		fmt_count(c->xdp.malformed, b1, sizeof(b1)));
}

/* -------------------------------------------------------------- JSON --- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* A count, or with div > 0 a rate (count / div) per second. */
static void json_val(FILE *f, const char *key, __u64 v, double div)
{
	if (div > 0)
		fprintf(f, "\"%s\":%.3f", key, (double)v / div);
	else
		fprintf(f, "\"%s\":%llu", key, (unsigned long long)v);
}

/*
 * The counters of one interface.  Called twice with the same shape: once
 * for the totals (div 0, with names and shares) and once for the rates over
 * the last interval (div = interval, c = the delta), so both read alike.
 * Which classes and rules appear is decided by the sample, not by c, so the
 * two lists match entry for entry.
 */
static void json_counters(FILE *f, const struct xt_stats_sample *s,
			  const struct xt_counters *c, double div)
{
	const struct xt_attach_info *ni = s->names;
	bool totals = div <= 0;
	__u64 total = total_pkts(c);
	char nb[32];
	int i, first;

	json_val(f, "packets", total, div);
	fputc(',', f);
	json_val(f, "bytes", total_bytes(c), div);

	fprintf(f, ",\"classes\":[");
	for (i = 0, first = 1; i < XT_MAX_CLASSES; i++) {
		if (!class_shown(s, i))
			continue;
		fprintf(f, "%s{\"id\":%d,\"name\":", first ? "" : ",", i);
		json_str(f, class_name(ni, i, nb, sizeof(nb)));
		fputc(',', f);
		json_val(f, "packets", c->xdp.class_pkts[i], div);
		fputc(',', f);
		json_val(f, "bytes", c->xdp.class_bytes[i], div);
		if (totals)
			fprintf(f, ",\"share\":%.4f",
				share(c->xdp.class_pkts[i], total));
		fputc('}', f);
		first = 0;
	}

	fprintf(f, "],\"bands\":[");
	for (i = 0; i < XT_BANDS; i++) {
		fprintf(f, "%s{\"band\":%d,\"min_score\":%d,\"max_score\":%d,",
			i ? "," : "", i, i * 16, i * 16 + 15);
		json_val(f, "packets", c->xdp.band[i], div);
		fputc('}', f);
	}

	fprintf(f, "],\"rules\":[");
	for (i = 0, first = 1; i < XT_MAX_RULES; i++) {
		if (!rule_shown(s, i))
			continue;
		fprintf(f, "%s{\"slot\":%d,\"name\":", first ? "" : ",", i);
		json_str(f, rule_name(ni, i, nb, sizeof(nb)));
		fputc(',', f);
		json_val(f, "hits", c->xdp.rule_hits[i], div);
		fputc('}', f);
		first = 0;
	}

	fprintf(f, "],\"actions\":{");
	for (i = 0; i < 5; i++) {
		if (i)
			fputc(',', f);
		json_val(f, xt_action_names[i], c->xdp.action[i], div);
	}

	fprintf(f, "},\"xdp\":{");
	json_val(f, "tagged", c->xdp.tagged, div);
	fputc(',', f);
	json_val(f, "meta_fail", c->xdp.meta_fail, div);
	fputc(',', f);
	json_val(f, "malformed", c->xdp.malformed, div);
	fprintf(f, "},\"tc\":{");
	json_val(f, "valid", c->tc.valid, div);
	fputc(',', f);
	json_val(f, "no_meta", c->tc.no_meta, div);
	fputc(',', f);
	json_val(f, "foreign", c->tc.foreign, div);
	fputc(',', f);
	json_val(f, "short_meta", c->tc.short_meta, div);
	fputc(',', f);
	json_val(f, "marked", c->tc.marked, div);
	fputc(',', f);
	json_val(f, "classified", c->tc.classified, div);
	fputc(',', f);
	json_val(f, "dropped", c->tc.dropped, div);
	fputc('}', f);
	if (totals)
		fprintf(f, ",\"tagged_valid_share\":%.4f",
			share(c->tc.valid, c->xdp.tagged));
}

static void json_print(FILE *f, const struct xt_stats_sample *s, size_t n,
		       double interval_s)
{
	struct xt_counters d;
	size_t i;

	fprintf(f, "{\"interfaces\":[");
	for (i = 0; i < n; i++) {
		const struct xt_attach_info *ni = s[i].names;

		fprintf(f, "%s{\"ifname\":", i ? "," : "");
		json_str(f, s[i].ifname);
		if (ni) {
			fprintf(f, ",\"ruleset\":{\"path\":");
			json_str(f, ni->rules_path);
			fprintf(f, ",\"nrules\":%u,\"mark_mask\":%u,"
				   "\"mark_shift\":%u,\"mark_value\":\"%s\","
				   "\"drop_threshold\":%u}",
				ni->nrules, ni->mark_mask, ni->mark_shift,
				mark_value_name(ni->mark_value),
				ni->drop_threshold);
		}
		fputc(',', f);
		json_counters(f, &s[i], s[i].now, 0);
		if (s[i].prev && interval_s > 0) {
			counters_delta(s[i].now, s[i].prev, &d);
			fprintf(f, ",\"interval_s\":%.3f,\"rate\":{",
				interval_s);
			json_counters(f, &s[i], &d, interval_s);
			fputc('}', f);
		}
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

/* -------------------------------------------------------- Prometheus --- */

/* Label values: backslash, quote and newline are the escapes the format has. */
static void prom_label(FILE *f, const char *sep, const char *key,
		       const char *v)
{
	fprintf(f, "%s%s=\"", sep, key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static void prom_head(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
}

/* name{iface="..."[,key="label"]} value */
static void prom_sample(FILE *f, const char *name, const char *ifname,
			const char *key, const char *label, __u64 v)
{
	fprintf(f, "%s{", name);
	prom_label(f, "", "iface", ifname);
	if (key)
		prom_label(f, ",", key, label);
	fprintf(f, "} %llu\n", (unsigned long long)v);
}

/* Scalar counters: one family each, one sample per interface. */
struct prom_scalar {
	const char *name, *help;
	size_t off;		/* offset of the __u64 in struct xt_counters */
};

#define XDP_OFF(f)	offsetof(struct xt_counters, xdp.f)
#define TC_OFF(f)	offsetof(struct xt_counters, tc.f)

static const struct prom_scalar prom_scalars[] = {
	{ "xdptag_xdp_tagged_total",
	  "Packets whose tag the XDP stage wrote into the metadata.",
	  XDP_OFF(tagged) },
	{ "xdptag_xdp_meta_fail_total",
	  "Packets passed untagged because bpf_xdp_adjust_meta failed.",
	  XDP_OFF(meta_fail) },
	{ "xdptag_xdp_malformed_total",
	  "Packets with a truncated or inconsistent header.",
	  XDP_OFF(malformed) },
	{ "xdptag_tc_valid_total",
	  "Packets that reached TC with a valid xdptag tag.", TC_OFF(valid) },
	{ "xdptag_tc_no_meta_total",
	  "Packets that reached TC without metadata.", TC_OFF(no_meta) },
	{ "xdptag_tc_foreign_total",
	  "Packets that reached TC with metadata that is not an xdptag tag.",
	  TC_OFF(foreign) },
	{ "xdptag_tc_short_meta_total",
	  "Packets that reached TC with metadata shorter than a tag.",
	  TC_OFF(short_meta) },
	{ "xdptag_tc_marked_total",
	  "Packets whose skb->mark the TC stage wrote.", TC_OFF(marked) },
	{ "xdptag_tc_classified_total",
	  "Packets the TC stage classified itself (no usable tag).",
	  TC_OFF(classified) },
	{ "xdptag_tc_dropped_total",
	  "Packets the TC stage dropped above the drop threshold.",
	  TC_OFF(dropped) },
};

/* One per-class family; off is where its array sits in xt_cls_stats. */
static void prom_per_class(FILE *f, const struct xt_stats_sample *s, size_t n,
			   const char *name, const char *help, size_t off)
{
	char nb[32];
	size_t k;
	int i;

	prom_head(f, name, help);
	for (k = 0; k < n; k++) {
		const __u64 *v = (const void *)((const char *)&s[k].now->xdp +
						off);

		for (i = 0; i < XT_MAX_CLASSES; i++)
			if (class_shown(&s[k], i))
				prom_sample(f, name, s[k].ifname, "class",
					    class_name(s[k].names, i, nb,
						       sizeof(nb)), v[i]);
	}
}

static void prom_print(FILE *f, const struct xt_stats_sample *s, size_t n)
{
	char nb[32], lb[8];
	size_t k, j;
	int i;

	prom_per_class(f, s, n, "xdptag_class_packets_total",
		       "Packets seen by the XDP stage, by class.",
		       offsetof(struct xt_cls_stats, class_pkts));
	prom_per_class(f, s, n, "xdptag_class_bytes_total",
		       "Bytes (frame lengths) seen by the XDP stage, by class.",
		       offsetof(struct xt_cls_stats, class_bytes));
	prom_head(f, "xdptag_score_band_packets_total",
		  "Packets by score band (score >> 4, 0-15).");
	for (k = 0; k < n; k++)
		for (i = 0; i < XT_BANDS; i++) {
			snprintf(lb, sizeof(lb), "%d", i);
			prom_sample(f, "xdptag_score_band_packets_total",
				    s[k].ifname, "band", lb,
				    s[k].now->xdp.band[i]);
		}
	prom_head(f, "xdptag_rule_hits_total", "Packets each rule matched.");
	for (k = 0; k < n; k++)
		for (i = 0; i < XT_MAX_RULES; i++)
			if (rule_shown(&s[k], i))
				prom_sample(f, "xdptag_rule_hits_total",
					    s[k].ifname, "rule",
					    rule_name(s[k].names, i, nb,
						      sizeof(nb)),
					    s[k].now->xdp.rule_hits[i]);
	prom_head(f, "xdptag_xdp_actions_total",
		  "XDP verdicts returned by the XDP stage.");
	for (k = 0; k < n; k++)
		for (i = 0; i < 5; i++)
			prom_sample(f, "xdptag_xdp_actions_total", s[k].ifname,
				    "action", xt_action_names[i],
				    s[k].now->xdp.action[i]);
	for (j = 0; j < sizeof(prom_scalars) / sizeof(prom_scalars[0]); j++) {
		const struct prom_scalar *m = &prom_scalars[j];

		prom_head(f, m->name, m->help);
		for (k = 0; k < n; k++)
			prom_sample(f, m->name, s[k].ifname, NULL, NULL,
				    *(const __u64 *)((const char *)s[k].now +
						     m->off));
	}
}

/* ----------------------------------------------------------- entries --- */

void xt_stats_print_many(FILE *f, enum xt_fmt fmt,
			 const struct xt_stats_sample *s, size_t n,
			 double interval_s)
{
	size_t i;

	switch (fmt) {
	case XT_FMT_JSON:
		json_print(f, s, n, interval_s);
		break;
	case XT_FMT_PROM:
		prom_print(f, s, n);
		break;
	default:
		for (i = 0; i < n; i++) {
			if (i)
				fprintf(f, "\n");
			table_one(f, &s[i], interval_s);
		}
		break;
	}
	fflush(f);
}

void xt_stats_print(FILE *f, enum xt_fmt fmt, const char *ifname,
		    const struct xt_counters *now,
		    const struct xt_counters *prev, double interval_s,
		    const struct xt_attach_info *names)
{
	struct xt_stats_sample s = {
		.ifname = ifname, .now = now, .prev = prev, .names = names,
	};

	xt_stats_print_many(f, fmt, &s, 1, interval_s);
}
