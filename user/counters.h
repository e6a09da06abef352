/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The counter table: every counter the two stages keep, written once.
 * The table, JSON and Prometheus printers (stats.c) and the counter list in
 * docs/output.md (xt_counters_doc(), checked by
 * tests/unit/test_counters_doc.sh) all read it.  Adding a counter is a
 * field in struct xt_cls_stats or xt_tc_stats (include/xdptag.h), its
 * increment in the BPF program, and one row in xt_counter_descs[]
 * (docs/architecture.md, "How to add a counter").
 */
#ifndef XDPTAG_COUNTERS_H
#define XDPTAG_COUNTERS_H

#include <stddef.h>
#include <stdio.h>
#include "xdptag.h"

struct xt_counters {
	struct xt_cls_stats xdp;
	struct xt_tc_stats tc;
};

/* The stage whose map holds the counter: also its JSON object and prefix. */
enum xt_ctr_stage {
	XT_STAGE_XDP = 0,
	XT_STAGE_TC,
	XT_STAGE_NR,
};

/*
 * A counter is one __u64, or an array of them indexed by a dimension.
 * Each dimension has its own part of every output (a table section, a JSON
 * array of objects, a Prometheus label); its counters are columns there.
 */
enum xt_ctr_dim {
	XT_DIM_NONE = 0,	/* one value */
	XT_DIM_CLASS,		/* [XT_MAX_CLASSES], label "class" */
	XT_DIM_BAND,		/* [XT_BANDS], label "band" */
	XT_DIM_RULE,		/* [XT_MAX_RULES], label "rule" */
	XT_DIM_ACTION,		/* [5], label "action" */
	XT_DIM_NR,
};

/* What is counted: picks the table's number format and rate unit. */
enum xt_ctr_unit {
	XT_UNIT_PACKETS = 0,
	XT_UNIT_BYTES,
};

struct xt_counter_desc {
	const char *key;	/* JSON key: in the stage's object, or in the
				   dimension's entries */
	const char *prom;	/* Prometheus metric, a counter */
	const char *help;	/* # HELP, and the docs' meaning */
	const char *table;	/* table row (XT_DIM_NONE); NULL: not shown */
	const char *share_of;	/* "xdp.tagged": the table shows this as a
				   share of that counter, JSON adds
				   "<of>_<key>_share" */
	size_t off;		/* in struct xt_counters */
	enum xt_ctr_stage stage;
	enum xt_ctr_dim dim;
	enum xt_ctr_unit unit;
};

extern const struct xt_counter_desc xt_counter_descs[];
extern const size_t xt_counter_ndescs;

/* "xdp", "tc" */
extern const char *const xt_stage_names[XT_STAGE_NR];

struct xt_dim_info {
	const char *label;	/* Prometheus label, and the docs' name */
	const char *json;	/* JSON array or object holding the entries */
	const char *table;	/* heading of its section of the table */
	const char *index;	/* JSON key of an entry's number */
	unsigned int n;		/* entries */
};

extern const struct xt_dim_info xt_dims[XT_DIM_NR];

/* The counter's value, or entry i of an array counter. */
static inline __u64 xt_counter_get(const struct xt_counters *c,
				   const struct xt_counter_desc *d,
				   unsigned int i)
{
	return ((const __u64 *)((const char *)c + d->off))[i];
}

/* The descriptor named "stage.key" (as share_of names one), or NULL. */
const struct xt_counter_desc *xt_counter_find(const char *name);

/* Names used in the outputs: "aborted", "drop", "pass", "tx", "redirect". */
extern const char *const xt_action_names[XT_XDP_ACTIONS];

/* The counter list of docs/output.md, in Markdown. */
void xt_counters_doc(FILE *f);

#endif /* XDPTAG_COUNTERS_H */
