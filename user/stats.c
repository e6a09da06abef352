// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Counters: collect (sum per-CPU values) and print as a table, JSON or
 * Prometheus text.  Which counters there are, their keys, metric names and
 * help texts come from the counter table (counters.c); the printers below
 * only lay them out.  docs/output.md documents the formats.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "json.h"
#include "names.h"
#include "stats.h"

/* Add the __u64 fields of in (size bytes) to those of out. */
static void u64s_add(void *out, const void *in, size_t size)
{
	const __u64 *v = in;
	__u64 *o = out;
	size_t i;

	for (i = 0; i < size / sizeof(__u64); i++)
		o[i] += v[i];
}

void xt_percpu_sum(const void *percpu, size_t size, int ncpus, void *out)
{
	int cpu;

	memset(out, 0, size);
	for (cpu = 0; cpu < ncpus; cpu++)
		u64s_add(out, (const char *)percpu + (size_t)cpu * size, size);
}

/*
 * Copy entry 0 of the per-CPU map fd (size bytes a CPU) into *buf, which
 * the first call (*buf NULL) allocates and the caller frees: the number of
 * CPUs copied, or -errno.
 */
static int percpu_copy(int fd, size_t size, void **buf)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 zero = 0;

	if (ncpus < 0)
		return ncpus;
	if (!*buf)
		*buf = calloc(ncpus, size);
	if (!*buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, *buf))
		return -errno;
	return ncpus;
}

int xt_percpu_read(int fd, size_t size, void *out)
{
	void *buf = NULL;
	int n = percpu_copy(fd, size, &buf);

	if (n > 0)
		xt_percpu_sum(buf, size, n, out);
	free(buf);
	return n < 0 ? n : 0;
}

int xt_cls_cpus_sum(const struct xt_cls_cpu *cpus, int ncpus,
		    struct xt_cls_stats *out)
{
	int cpu, st, i, torn = 0;

	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < ncpus; cpu++) {
		const struct xt_cls_cpu *c = &cpus[cpu];

		if (c->fold_begin != c->fold_end)
			torn = 1;
		u64s_add(out, &c->s, sizeof(*out));
		for (st = 0; st < XT_MEMO_STAGES; st++)
			for (i = 0; i < XT_MEMO_SLOTS; i++)
				xt_memo_fold(out, &c->memo[st][i]);
	}
	return torn ? -EAGAIN : 0;
}

/*
 * Takeovers are rare (a set of rules new to its memo bucket): a copy torn by
 * one is made again, and after this many the last copy is taken.
 */
#define XT_FOLD_TRIES	16

int xt_cls_stats_read(int fd, struct xt_cls_stats *out)
{
	void *buf = NULL;
	int n = 0, i;

	for (i = 0; i < XT_FOLD_TRIES; i++) {
		n = percpu_copy(fd, sizeof(struct xt_cls_cpu), &buf);
		if (n < 0 || xt_cls_cpus_sum(buf, n, out) != -EAGAIN)
			break;
	}
	free(buf);
	return n < 0 ? n : 0;
}

void xt_cls_stats_add(struct xt_cls_stats *to, const struct xt_cls_stats *from)
{
	u64s_add(to, from, sizeof(*to));
}

int xt_counters_read(int cls_stats_fd, int tc_stats_fd, struct xt_counters *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = xt_cls_stats_read(cls_stats_fd, &out->xdp);
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
	/* Named: a vacant slot left by a hot swap is no rule. */
	return s->now->xdp.rule_hits[slot] ||
	       (s->names && s->names->rule_name[slot][0]);
}

/* Entry i of a dimension: listed for this sample? */
static bool dim_shown(const struct xt_stats_sample *s, enum xt_ctr_dim dim,
		      unsigned int i)
{
	if (dim == XT_DIM_CLASS)
		return class_shown(s, i);
	if (dim == XT_DIM_RULE)
		return rule_shown(s, i);
	return true;
}

/* Entry i of a dimension by name: the Prometheus label value. */
static const char *dim_name(const struct xt_attach_info *names,
			    enum xt_ctr_dim dim, unsigned int i, char *buf,
			    size_t len)
{
	switch (dim) {
	case XT_DIM_CLASS:
		return class_name(names, i, buf, len);
	case XT_DIM_RULE:
		return rule_name(names, i, buf, len);
	case XT_DIM_ACTION:
		return xt_action_names[i];
	default:
		snprintf(buf, len, "%u", i);
		return buf;
	}
}

/* The first counter of a dimension: its table section's column. */
static const struct xt_counter_desc *dim_first(enum xt_ctr_dim dim)
{
	size_t i;

	for (i = 0; i < xt_counter_ndescs; i++)
		if (xt_counter_descs[i].dim == dim)
			return &xt_counter_descs[i];
	return NULL;
}

/* An array counter summed over its entries. */
static __u64 ctr_sum(const struct xt_counters *c,
		     const struct xt_counter_desc *d)
{
	__u64 t = 0;
	unsigned int i;

	for (i = 0; i < xt_dims[d->dim].n; i++)
		t += xt_counter_get(c, d, i);
	return t;
}

/* All packets the XDP stage saw: what shares are of. */
static __u64 total_pkts(const struct xt_counters *c)
{
	const struct xt_counter_desc *d = dim_first(XT_DIM_CLASS);

	return d ? ctr_sum(c, d) : 0;
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

/* How the table shows a unit: column width, format, rate column. */
static const struct {
	int width;
	const char *(*fmt)(__u64 v, char *buf, size_t len);
	const char *rate;	/* heading of the rate column */
	unsigned int mult;	/* rate = delta * mult / seconds */
} units[] = {
	[XT_UNIT_PACKETS] = { 15, fmt_count, "pkt/s", 1 },
	[XT_UNIT_BYTES] = { 11, fmt_bytes, "bit/s", 8 },
};

/* The words are user/names.c's, as everywhere. */
static const char *mark_value_name(__u32 v)
{
	return xt_mark_value_str(v);
}

#define BAR_WIDTH	40
static const char bar[BAR_WIDTH + 1] =
	"########################################";

/* One line of the class section: every per-class counter is a column. */
static void table_class_row(FILE *f, const char *name,
			    const struct xt_counters *c,
			    const struct xt_counters *d, double interval_s,
			    int id, __u64 total)
{
	const struct xt_counter_desc *first = dim_first(XT_DIM_CLASS);
	char b[32];
	size_t k;

	fprintf(f, "  %-24s", name);
	for (k = 0; k < xt_counter_ndescs; k++) {
		const struct xt_counter_desc *m = &xt_counter_descs[k];

		if (m->dim == XT_DIM_CLASS)
			fprintf(f, " %*s", units[m->unit].width,
				units[m->unit].fmt(id < 0 ? ctr_sum(c, m) :
						   xt_counter_get(c, m, id),
						   b, sizeof(b)));
	}
	if (id < 0)
		fprintf(f, " %5.1f%%", total ? 100.0 : 0.0);
	else
		fprintf(f, " %5.1f%%",
			100 * share(xt_counter_get(c, first, id), total));
	for (k = 0; d && k < xt_counter_ndescs; k++) {
		const struct xt_counter_desc *m = &xt_counter_descs[k];
		__u64 v;

		if (m->dim != XT_DIM_CLASS)
			continue;
		v = id < 0 ? ctr_sum(d, m) : xt_counter_get(d, m, id);
		fprintf(f, " %9s", fmt_rate((double)v * units[m->unit].mult /
					    interval_s, b, sizeof(b)));
	}
	fprintf(f, "\n");
}

static void table_classes(FILE *f, const struct xt_stats_sample *s,
			  const struct xt_counters *d, double interval_s,
			  __u64 total)
{
	char nb[32];
	size_t k;
	int i;

	fprintf(f, "  %-24s", xt_dims[XT_DIM_CLASS].table);
	for (k = 0; k < xt_counter_ndescs; k++)
		if (xt_counter_descs[k].dim == XT_DIM_CLASS)
			fprintf(f, " %*s", units[xt_counter_descs[k].unit].width,
				xt_counter_descs[k].key);
	fprintf(f, " %6s", "share");
	for (k = 0; d && k < xt_counter_ndescs; k++)
		if (xt_counter_descs[k].dim == XT_DIM_CLASS)
			fprintf(f, " %9s", units[xt_counter_descs[k].unit].rate);
	fprintf(f, "\n");
	for (i = 0; i < XT_MAX_CLASSES; i++)
		if (class_shown(s, i))
			table_class_row(f, class_name(s->names, i, nb,
						      sizeof(nb)),
					s->now, d, interval_s, i, total);
	table_class_row(f, "total", s->now, d, interval_s, -1, total);
	fprintf(f, "\n");
}

static void table_bands(FILE *f, const struct xt_counters *c,
			const struct xt_counter_desc *m, __u64 total)
{
	__u64 maxband = 0;
	char b[32];
	int i;

	fprintf(f, "  %s\n", xt_dims[XT_DIM_BAND].table);
	for (i = 0; i < XT_BANDS; i++)
		if (xt_counter_get(c, m, i) > maxband)
			maxband = xt_counter_get(c, m, i);
	for (i = 0; i < XT_BANDS; i++) {
		__u64 v = xt_counter_get(c, m, i);
		/* Any nonzero band gets at least one mark, so it shows. */
		int w = maxband ? (int)((v * BAR_WIDTH + maxband - 1) / maxband)
				: 0;

		fprintf(f, "  %2d %3d-%-3d |%.*s%*s| %15s %5.1f%%\n", i, i * 16,
			i * 16 + 15, w, bar, BAR_WIDTH - w, "",
			fmt_count(v, b, sizeof(b)), 100 * share(v, total));
	}
	fprintf(f, "\n");
}

static void table_rules(FILE *f, const struct xt_stats_sample *s,
			const struct xt_counters *d, double interval_s,
			const struct xt_counter_desc *m, __u64 total)
{
	const struct xt_counters *c = s->now;
	char b[32], nb[32];
	int order[XT_MAX_RULES];
	int i, j, nr = 0;

	for (i = 0; i < XT_MAX_RULES; i++)
		if (xt_counter_get(c, m, i))
			order[nr++] = i;
	/* Insertion sort: 64 entries at most, stable by slot. */
	for (i = 1; i < nr; i++)
		for (j = i; j > 0 && xt_counter_get(c, m, order[j]) >
				     xt_counter_get(c, m, order[j - 1]); j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	fprintf(f, "  %-24s %15s %6s", xt_dims[XT_DIM_RULE].table, m->key,
		"share");
	if (d) {
		snprintf(b, sizeof(b), "%s/s", m->key);
		fprintf(f, " %9s", b);
	}
	fprintf(f, "\n");
	if (!nr)
		fprintf(f, "  (no rule matched yet)\n");
	for (i = 0; i < nr && i < 10; i++) {
		int r = order[i];

		fprintf(f, "  %-24s %15s %5.1f%%",
			rule_name(s->names, r, nb, sizeof(nb)),
			fmt_count(xt_counter_get(c, m, r), b, sizeof(b)),
			100 * share(xt_counter_get(c, m, r), total));
		if (d)
			fprintf(f, " %9s",
				fmt_rate(xt_counter_get(d, m, r) / interval_s,
					 b, sizeof(b)));
		fprintf(f, "\n");
	}
	fprintf(f, "\n");
}

static void table_actions(FILE *f, const struct xt_counters *c,
			  const struct xt_counter_desc *m, __u64 total)
{
	char b[32];
	int i;

	fprintf(f, "  %-24s %15s %6s\n", xt_dims[XT_DIM_ACTION].table, m->key,
		"share");
	for (i = 0; i < XT_XDP_ACTIONS; i++)
		fprintf(f, "  %-24s %15s %5.1f%%\n", xt_action_names[i],
			fmt_count(xt_counter_get(c, m, i), b, sizeof(b)),
			100 * share(xt_counter_get(c, m, i), total));
	fprintf(f, "\n");
}

/* The one-value counters that have a table row, in table order. */
static void table_scalars(FILE *f, const struct xt_counters *c)
{
	char b[32];
	size_t k;

	fprintf(f, "  %-24s %15s\n", xt_dims[XT_DIM_NONE].table, "packets");
	for (k = 0; k < xt_counter_ndescs; k++) {
		const struct xt_counter_desc *m = &xt_counter_descs[k];
		const struct xt_counter_desc *of;

		if (m->dim != XT_DIM_NONE || !m->table)
			continue;
		fprintf(f, "  %-24s %15s", m->table,
			units[m->unit].fmt(xt_counter_get(c, m, 0), b,
					   sizeof(b)));
		of = m->share_of ? xt_counter_find(m->share_of) : NULL;
		if (of)
			fprintf(f, " %5.1f%% of %s",
				100 * share(xt_counter_get(c, m, 0),
					    xt_counter_get(c, of, 0)),
				of->key);
		fprintf(f, "\n");
	}
}

static void table_one(FILE *f, const struct xt_stats_sample *s,
		      double interval_s)
{
	const struct xt_counters *c = s->now;
	const struct xt_attach_info *ni = s->names;
	const struct xt_counter_desc *m;
	struct xt_counters d;
	bool rates = s->prev && interval_s > 0;
	__u64 total = total_pkts(c);

	if (rates)
		counters_delta(c, s->prev, &d);

	fprintf(f, "%s", s->ifname);
	if (ni)
		fprintf(f, ": %u rules (%s), mark %s & 0x%x << %u, drop %s",
			xt_info_rules(ni), ni->rules_path[0] ? ni->rules_path :
			"built-in default", mark_value_name(ni->mark_value),
			ni->mark_mask, ni->mark_shift,
			ni->drop_threshold ? "at score >= threshold" : "off");
	if (ni && ni->drop_threshold)
		fprintf(f, " (%u)", ni->drop_threshold);
	fprintf(f, "\n\n");

	table_classes(f, s, rates ? &d : NULL, interval_s, total);
	if ((m = dim_first(XT_DIM_BAND)))
		table_bands(f, c, m, total);
	if ((m = dim_first(XT_DIM_RULE)))
		table_rules(f, s, rates ? &d : NULL, interval_s, m, total);
	if ((m = dim_first(XT_DIM_ACTION)))
		table_actions(f, c, m, total);
	table_scalars(f, c);
}

/* -------------------------------------------------------------- JSON --- */

/* A count, or with div > 0 a rate (count / div) per second. */
static void json_val(struct xt_json *j, __u64 v, double div)
{
	if (div > 0)
		xt_json_fixed(j, (double)v / div, 3);
	else
		xt_json_u64(j, v);
}

/* The head of entry i of a dimension's array: what names the entry. */
static void json_entry_head(struct xt_json *j, const struct xt_stats_sample *s,
			    enum xt_ctr_dim dim, unsigned int i)
{
	char nb[32];

	xt_json_key(j, xt_dims[dim].index);
	xt_json_u64(j, i);
	if (dim == XT_DIM_BAND) {
		xt_json_kv_u64(j, "min_score", i * 16);
		xt_json_kv_u64(j, "max_score", i * 16 + 15);
	} else {
		xt_json_key_lit(j, "name");
		xt_json_str(j, dim_name(s->names, dim, i, nb, sizeof(nb)));
	}
}

/*
 * The counters of one interface.  Called twice with the same shape: once
 * for the totals (div 0, with shares) and once for the rates over the last
 * interval (div = interval, c = the delta), so both read alike.  Which
 * classes and rules appear is decided by the sample, not by c, so the two
 * lists match entry for entry.
 */
static void json_counters(struct xt_json *j, const struct xt_stats_sample *s,
			  const struct xt_counters *c, double div)
{
	const struct xt_counter_desc *first = dim_first(XT_DIM_CLASS);
	bool totals = div <= 0;
	__u64 total = total_pkts(c);
	char key[96];
	unsigned int i;
	size_t k;
	int dim, st;

	/* Per-class counters summed: all the XDP stage saw. */
	for (k = 0; k < xt_counter_ndescs; k++)
		if (xt_counter_descs[k].dim == XT_DIM_CLASS) {
			xt_json_key(j, xt_counter_descs[k].key);
			json_val(j, ctr_sum(c, &xt_counter_descs[k]), div);
		}

	for (dim = XT_DIM_CLASS; dim < XT_DIM_NR; dim++) {
		xt_json_key(j, xt_dims[dim].json);
		if (dim == XT_DIM_ACTION) {
			/* An object: its one counter by action name. */
			const struct xt_counter_desc *m = dim_first(dim);

			xt_json_obj_open(j);
			for (i = 0; m && i < xt_dims[dim].n; i++) {
				xt_json_key(j, xt_action_names[i]);
				json_val(j, xt_counter_get(c, m, i), div);
			}
			xt_json_obj_close(j);
			continue;
		}
		xt_json_arr_open(j);
		for (i = 0; i < xt_dims[dim].n; i++) {
			if (!dim_shown(s, dim, i))
				continue;
			xt_json_obj_open(j);
			json_entry_head(j, s, dim, i);
			for (k = 0; k < xt_counter_ndescs; k++)
				if ((int)xt_counter_descs[k].dim == dim) {
					xt_json_key(j, xt_counter_descs[k].key);
					json_val(j, xt_counter_get(c,
							&xt_counter_descs[k],
							i), div);
				}
			if (totals && dim == XT_DIM_CLASS) {
				xt_json_key_lit(j, "share");
				xt_json_fixed(j, share(xt_counter_get(c, first,
								      i),
						       total), 4);
			}
			xt_json_obj_close(j);
		}
		xt_json_arr_close(j);
	}

	for (st = 0; st < XT_STAGE_NR; st++) {
		xt_json_key(j, xt_stage_names[st]);
		xt_json_obj_open(j);
		for (k = 0; k < xt_counter_ndescs; k++) {
			const struct xt_counter_desc *m = &xt_counter_descs[k];

			if (m->dim != XT_DIM_NONE || (int)m->stage != st)
				continue;
			xt_json_key(j, m->key);
			json_val(j, xt_counter_get(c, m, 0), div);
		}
		xt_json_obj_close(j);
	}

	for (k = 0; totals && k < xt_counter_ndescs; k++) {
		const struct xt_counter_desc *m = &xt_counter_descs[k];
		const struct xt_counter_desc *of;

		of = m->share_of ? xt_counter_find(m->share_of) : NULL;
		if (!of)
			continue;
		snprintf(key, sizeof(key), "%s_%s_share", of->key, m->key);
		xt_json_key(j, key);
		xt_json_fixed(j, share(xt_counter_get(c, m, 0),
				       xt_counter_get(c, of, 0)), 4);
	}
}

/* What the interface runs: the settings the table's first line shows. */
static void json_ruleset(struct xt_json *j, const struct xt_attach_info *ni)
{
	xt_json_key_lit(j, "ruleset");
	xt_json_obj_open(j);
	xt_json_key_lit(j, "path");
	xt_json_str(j, ni->rules_path);
	xt_json_kv_u64(j, "nrules", xt_info_rules(ni));
	xt_json_kv_u64(j, "mark_mask", ni->mark_mask);
	xt_json_kv_u64(j, "mark_shift", ni->mark_shift);
	xt_json_key_lit(j, "mark_value");
	xt_json_str(j, mark_value_name(ni->mark_value));
	xt_json_kv_u64(j, "drop_threshold", ni->drop_threshold);
	xt_json_obj_close(j);
}

static void json_print(FILE *f, const struct xt_stats_sample *s, size_t n,
		       double interval_s)
{
	struct xt_counters d;
	struct xt_json *j = malloc(sizeof(*j));
	size_t i;

	if (!j)
		return;
	xt_json_init(j, f);
	xt_json_obj_open(j);
	xt_json_key_lit(j, "interfaces");
	xt_json_arr_open(j);
	for (i = 0; i < n; i++) {
		const struct xt_attach_info *ni = s[i].names;

		xt_json_obj_open(j);
		xt_json_key_lit(j, "ifname");
		xt_json_str(j, s[i].ifname);
		if (ni)
			json_ruleset(j, ni);
		json_counters(j, &s[i], s[i].now, 0);
		if (s[i].prev && interval_s > 0) {
			counters_delta(s[i].now, s[i].prev, &d);
			xt_json_key_lit(j, "interval_s");
			xt_json_fixed(j, interval_s, 3);
			xt_json_key_lit(j, "rate");
			xt_json_obj_open(j);
			json_counters(j, &s[i], &d, interval_s);
			xt_json_obj_close(j);
		}
		xt_json_obj_close(j);
	}
	xt_json_arr_close(j);
	xt_json_obj_close(j);
	xt_json_lit(j, "\n");
	xt_json_flush(j);
	free(j);
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

/* One family: HELP and TYPE once, then every interface's samples. */
static void prom_family(FILE *f, const struct xt_stats_sample *s, size_t n,
			const struct xt_counter_desc *m)
{
	const struct xt_dim_info *dim = &xt_dims[m->dim];
	char nb[32];
	unsigned int i;
	size_t k;

	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", m->prom, m->help,
		m->prom);
	for (k = 0; k < n; k++)
		for (i = 0; i < dim->n; i++)
			if (dim_shown(&s[k], m->dim, i))
				prom_sample(f, m->prom, s[k].ifname, dim->label,
					    m->dim ? dim_name(s[k].names,
							      m->dim, i, nb,
							      sizeof(nb)) :
						     NULL,
					    xt_counter_get(s[k].now, m, i));
}

static void prom_print(FILE *f, const struct xt_stats_sample *s, size_t n)
{
	size_t k;
	int st;

	for (st = 0; st < XT_STAGE_NR; st++)
		for (k = 0; k < xt_counter_ndescs; k++)
			if ((int)xt_counter_descs[k].stage == st)
				prom_family(f, s, n, &xt_counter_descs[k]);
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
