// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The counter table (counters.h).  Order matters twice:
 * - the table printer shows the one-value counters in this order (the
 *   bridge's story: tagged at XDP, what TC found, then the failures);
 * - JSON and Prometheus list the counters stage by stage, XDP first, each
 *   stage's in this order.
 */
#include <string.h>
#include "counters.h"

const char *const xt_action_names[XT_XDP_ACTIONS] = {
	"aborted", "drop", "pass", "tx", "redirect",
};

const char *const xt_stage_names[XT_STAGE_NR] = { "xdp", "tc" };

const struct xt_dim_info xt_dims[XT_DIM_NR] = {
	[XT_DIM_NONE]	= { NULL, NULL, "XDP -> TC bridge", NULL, 1 },
	[XT_DIM_CLASS]	= { "class", "classes", "class", "id", XT_MAX_CLASSES },
	[XT_DIM_BAND]	= { "band", "bands", "score band (score >> 4)", "band",
			    XT_BANDS },
	[XT_DIM_RULE]	= { "rule", "rules", "top rules", "slot", XT_MAX_RULES },
	[XT_DIM_ACTION]	= { "action", "actions", "XDP action", NULL,
			    XT_XDP_ACTIONS },
};

#define XDP(f)	.off = offsetof(struct xt_counters, xdp.f), .stage = XT_STAGE_XDP
#define TC(f)	.off = offsetof(struct xt_counters, tc.f), .stage = XT_STAGE_TC

const struct xt_counter_desc xt_counter_descs[] = {
	{ "packets", "xdptag_class_packets_total",
	  "Packets seen by the XDP stage, by class.",
	  XDP(class_pkts), .dim = XT_DIM_CLASS },
	{ "bytes", "xdptag_class_bytes_total",
	  "Bytes (frame lengths) seen by the XDP stage, by class.",
	  XDP(class_bytes), .dim = XT_DIM_CLASS, .unit = XT_UNIT_BYTES },
	{ "packets", "xdptag_score_band_packets_total",
	  "Packets by score band (score >> 4, 0-15).",
	  XDP(band), .dim = XT_DIM_BAND },
	{ "hits", "xdptag_rule_hits_total", "Packets each rule matched.",
	  XDP(rule_hits), .dim = XT_DIM_RULE },
	{ "packets", "xdptag_xdp_actions_total",
	  "XDP verdicts returned by the XDP stage.",
	  XDP(action), .dim = XT_DIM_ACTION },
	{ "tagged", "xdptag_xdp_tagged_total",
	  "Packets whose tag the XDP stage wrote into the metadata.",
	  XDP(tagged), .table = "tagged at XDP" },
	{ "valid", "xdptag_tc_valid_total",
	  "Packets that reached TC with a valid xdptag tag.",
	  TC(valid), .table = "reached TC tagged", .share_of = "xdp.tagged" },
	{ "no_meta", "xdptag_tc_no_meta_total",
	  "Packets that reached TC without metadata.",
	  TC(no_meta), .table = "TC: no metadata" },
	{ "foreign", "xdptag_tc_foreign_total",
	  "Packets that reached TC with metadata that is not an xdptag tag.",
	  TC(foreign), .table = "TC: foreign metadata" },
	{ "short_meta", "xdptag_tc_short_meta_total",
	  "Packets that reached TC with metadata shorter than a tag.",
	  TC(short_meta), .table = "TC: short metadata" },
	{ "marked", "xdptag_tc_marked_total",
	  "Packets whose skb->mark the TC stage wrote.", TC(marked) },
	{ "classified", "xdptag_tc_classified_total",
	  "Packets the TC stage classified itself (no usable tag).",
	  TC(classified), .table = "TC: classified at TC" },
	{ "dropped", "xdptag_tc_dropped_total",
	  "Packets the TC stage dropped above the drop threshold.",
	  TC(dropped), .table = "TC: dropped" },
	{ "meta_fail", "xdptag_xdp_meta_fail_total",
	  "Packets passed untagged because bpf_xdp_adjust_meta failed.",
	  XDP(meta_fail), .table = "adjust_meta failures" },
	{ "malformed", "xdptag_xdp_malformed_total",
	  "Packets with a truncated or inconsistent header.",
	  XDP(malformed), .table = "malformed packets" },
	{ "fragments", "xdptag_xdp_fragments_total",
	  "IP fragments (IPv4 or IPv6); those after the first have no ports "
	  "to match.",
	  XDP(fragments), .table = "IP fragments" },
};

const size_t xt_counter_ndescs =
	sizeof(xt_counter_descs) / sizeof(xt_counter_descs[0]);

const struct xt_counter_desc *xt_counter_find(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t i;

	if (!dot)
		return NULL;
	for (i = 0; i < xt_counter_ndescs; i++) {
		const struct xt_counter_desc *d = &xt_counter_descs[i];
		const char *st = xt_stage_names[d->stage];

		if (d->dim == XT_DIM_NONE && strlen(st) == (size_t)(dot - name) &&
		    !strncmp(name, st, dot - name) && !strcmp(dot + 1, d->key))
			return d;
	}
	return NULL;
}

/* The JSON path of a counter, as the docs name it. */
static void doc_json_path(const struct xt_counter_desc *d, char *buf,
			  size_t len)
{
	if (d->dim == XT_DIM_NONE)
		snprintf(buf, len, "%s.%s", xt_stage_names[d->stage], d->key);
	else if (d->dim == XT_DIM_ACTION)
		snprintf(buf, len, "%s.ACTION", xt_dims[d->dim].json);
	else
		snprintf(buf, len, "%s[].%s", xt_dims[d->dim].json, d->key);
}

void xt_counters_doc(FILE *f)
{
	char path[64];
	size_t i;

	fprintf(f, "| JSON key | Prometheus metric | label | table row | "
		   "meaning |\n| --- | --- | --- | --- | --- |\n");
	for (i = 0; i < xt_counter_ndescs; i++) {
		const struct xt_counter_desc *d = &xt_counter_descs[i];
		const char *label = xt_dims[d->dim].label;

		doc_json_path(d, path, sizeof(path));
		fprintf(f, "| `%s` | `%s` | %s%s%s | %s | %s |\n", path,
			d->prom, label ? "`" : "", label ? label : "",
			label ? "`" : "",
			d->dim ? xt_dims[d->dim].table :
			d->table ? d->table : "", d->help);
	}
}
