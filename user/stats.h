/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Counters: one collector (sum the per-CPU values of the two counter maps)
 * and three printers (table, JSON, Prometheus text) fed by what it collected.
 * The counters themselves are listed once, in counters.c.
 * The printers do not care where the counters came from: `xdptag stats`
 * reads them from an attached interface's pinned maps, `xdptag replay` from
 * its own loaded object.  docs/output.md documents the JSON and Prometheus
 * formats.
 */
#ifndef XDPTAG_STATS_H
#define XDPTAG_STATS_H

#include <stddef.h>
#include <stdio.h>
#include "xdptag.h"
#include "counters.h"
#include "pins.h"

enum xt_fmt {
	XT_FMT_TABLE = 0,
	XT_FMT_JSON,
	XT_FMT_PROM,
};

/*
 * Sum ncpus per-CPU copies of a counter struct made only of __u64 (both
 * counter structs are) into out: out[i] = sum over cpus of percpu[cpu][i].
 * size is sizeof the struct; percpu holds ncpus of them back to back, as a
 * per-CPU map lookup returns them.
 */
void xt_percpu_sum(const void *percpu, size_t size, int ncpus, void *out);

/* Read a one-entry per-CPU map of __u64 fields and sum it into out. */
int xt_percpu_read(int fd, size_t size, void *out);

/*
 * Sum ncpus entries of the xt_cls_stats map into out, each with its verdict
 * memos folded in (xt_memo_fold()).  -EAGAIN when a CPU's entry was copied
 * while one of its memo entries was being taken over (out is still filled).
 */
int xt_cls_cpus_sum(const struct xt_cls_cpu *cpus, int ncpus,
		    struct xt_cls_stats *out);

/* Read xt_cls_stats (fd) as xt_cls_cpus_sum() sums it: 0 or -errno. */
int xt_cls_stats_read(int fd, struct xt_cls_stats *out);
/* Add the counters of from to those of to. */
void xt_cls_stats_add(struct xt_cls_stats *to, const struct xt_cls_stats *from);

/*
 * Read and sum the counter maps.  tc_fd < 0 leaves out->tc zeroed (an XDP
 * object loaded alone, as replay does).  Returns 0 or -errno.
 */
int xt_counters_read(int cls_stats_fd, int tc_stats_fd,
		     struct xt_counters *out);

/* One interface's sample, as the printers take it. */
struct xt_stats_sample {
	const char *ifname;			/* label; any string */
	const struct xt_counters *now;
	const struct xt_counters *prev;		/* NULL: no rates */
	const struct xt_attach_info *names;	/* NULL: names by number */
};

/*
 * Print n samples as one document (one JSON object, one Prometheus
 * exposition with each metric family once).  interval_s is the time between
 * prev and now, used only where prev is set; Prometheus output never prints
 * rates (the scraper computes them from the cumulative counters).
 */
void xt_stats_print_many(FILE *f, enum xt_fmt fmt,
			 const struct xt_stats_sample *s, size_t n,
			 double interval_s);

/* The same for one interface. */
void xt_stats_print(FILE *f, enum xt_fmt fmt, const char *ifname,
		    const struct xt_counters *now,
		    const struct xt_counters *prev, double interval_s,
		    const struct xt_attach_info *names);

#endif /* XDPTAG_STATS_H */
