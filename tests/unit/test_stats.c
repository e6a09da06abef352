// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Counters: per-CPU sums are exact, and the JSON and Prometheus printers
 * render a known counters struct into exactly the documented lines.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include "stats.h"

/* Print into a string with the real printer. */
static char *render(enum xt_fmt fmt, const struct xt_counters *now,
		    const struct xt_counters *prev, double interval,
		    const struct xt_attach_info *names)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	xt_stats_print(f, fmt, "veth-t", now, prev, interval, names);
	fclose(f);
	return buf;
}

/* out contains line as a whole line. */
static void assert_line(const char *out, const char *line)
{
	size_t n = strlen(line);
	const char *p = out;

	while ((p = strstr(p, line))) {
		if ((p == out || p[-1] == '\n') &&
		    (p[n] == '\n' || p[n] == '\0'))
			return;
		p++;
	}
	fail_msg("line not found: '%s'\nin:\n%s", line, out);
}

static void assert_contains(const char *out, const char *s)
{
	if (!strstr(out, s))
		fail_msg("not found: '%s'\nin:\n%s", s, out);
}

static void sum_xdp_percpu(void **state)
{
	struct xt_cls_stats cpus[3], sum;
	int c;

	memset(cpus, 0, sizeof(cpus));
	for (c = 0; c < 3; c++) {
		cpus[c].class_pkts[0] = 10 + c;
		cpus[c].class_pkts[255] = 1000000000000ULL;
		cpus[c].band[15] = c;
		cpus[c].rule_hits[63] = 7;
		cpus[c].action[XDP_DROP] = 100 * c;
		cpus[c].fragments = 2;
		cpus[c].malformed = 1;
	}
	xt_percpu_sum(cpus, sizeof(cpus[0]), 3, &sum);
	assert_int_equal(sum.class_pkts[0], 33);
	assert_int_equal(sum.class_pkts[255], 3000000000000ULL);
	assert_int_equal(sum.class_pkts[1], 0);
	assert_int_equal(sum.band[15], 3);
	assert_int_equal(sum.rule_hits[63], 21);
	assert_int_equal(sum.action[XDP_DROP], 300);
	assert_int_equal(sum.malformed, 3);
	assert_int_equal(sum.fragments, 6);
}

/*
 * The xt_cls_stats map's entries: each CPU's counters, plus what its live
 * verdict memo entries hold, folded as the datapath folds them when it
 * takes one over; a copy made during a takeover is told apart.
 */
static void sum_cls_cpus_folds_memo(void **state)
{
	struct xt_cls_cpu *cpus = calloc(2, sizeof(*cpus));
	struct xt_memo_ent *e;
	struct xt_cls_stats sum;

	assert_non_null(cpus);
	cpus[0].s.class_pkts[7] = 1;
	cpus[0].s.tagged = ~0ULL;	/* one tag not written: taken off */
	cpus[0].s.meta_fail = 1;
	e = &cpus[0].memo[XT_MEMO_XDP][5];
	*e = (struct xt_memo_ent){ .rules = 1ULL << 3 | 1ULL << 63,
		.key = XT_MEMO_LIVE | 42, .score = 0x35, .class_id = 7,
		.action = XDP_PASS, .pkts = 4, .bytes = 400 };
	e = &cpus[1].memo[XT_MEMO_XDP][200];
	*e = (struct xt_memo_ent){ .rules = 1ULL << 3, .key = XT_MEMO_LIVE,
		.score = 0xf0, .class_id = 9, .action = XDP_DROP, .pkts = 2,
		.bytes = 120 };
	e = &cpus[1].memo[XT_MEMO_TC][0];	/* TC: no action, no tag */
	*e = (struct xt_memo_ent){ .rules = 1ULL << 0, .key = XT_MEMO_LIVE | 1,
		.class_id = 7, .action = XT_MEMO_NO_ACTION, .pkts = 3,
		.bytes = 30 };
	e = &cpus[1].memo[XT_MEMO_TC][1];	/* not live: counts nothing */
	*e = (struct xt_memo_ent){ .rules = 1ULL << 1, .key = 42,
		.class_id = 7, .action = XDP_PASS, .pkts = 100 };
	/* A packet counted directly was folded when it came: not again. */
	cpus[1].one[XT_MEMO_XDP] = (struct xt_memo_ent){ .rules = 1ULL << 1,
		.key = XT_MEMO_LIVE, .class_id = 7, .action = XDP_PASS,
		.pkts = 1 };

	memset(&sum, 0xff, sizeof(sum));
	assert_int_equal(xt_cls_cpus_sum(cpus, 2, &sum), 0);
	assert_int_equal(sum.class_pkts[7], 1 + 4 + 3);
	assert_int_equal(sum.class_bytes[7], 400 + 30);
	assert_int_equal(sum.class_pkts[9], 2);
	assert_int_equal(sum.class_bytes[9], 120);
	assert_int_equal(sum.band[3], 4);
	assert_int_equal(sum.band[0], 3);
	assert_int_equal(sum.band[15], 2);
	assert_int_equal(sum.rule_hits[3], 4 + 2);
	assert_int_equal(sum.rule_hits[63], 4);
	assert_int_equal(sum.rule_hits[0], 3);
	assert_int_equal(sum.rule_hits[1], 0);
	assert_int_equal(sum.action[XDP_PASS], 4);
	assert_int_equal(sum.action[XDP_DROP], 2);
	assert_int_equal(sum.tagged, 3);
	assert_int_equal(sum.meta_fail, 1);

	cpus[1].fold_begin = 1;		/* a takeover under way */
	assert_int_equal(xt_cls_cpus_sum(cpus, 2, &sum), -EAGAIN);
	cpus[1].fold_end = 1;		/* and done */
	assert_int_equal(xt_cls_cpus_sum(cpus, 2, &sum), 0);
	free(cpus);
}

static void sum_tc_percpu(void **state)
{
	struct xt_tc_stats cpus[2] = {
		{ .valid = 5, .no_meta = 1, .marked = 5 },
		{ .valid = 6, .foreign = 2, .short_meta = 3, .marked = 6,
		  .dropped = 4 },
	};
	struct xt_tc_stats sum;

	/* Stale garbage in out must not leak into the sum. */
	memset(&sum, 0xff, sizeof(sum));
	xt_percpu_sum(cpus, sizeof(cpus[0]), 2, &sum);
	assert_int_equal(sum.valid, 11);
	assert_int_equal(sum.no_meta, 1);
	assert_int_equal(sum.foreign, 2);
	assert_int_equal(sum.short_meta, 3);
	assert_int_equal(sum.marked, 11);
	assert_int_equal(sum.dropped, 4);
	assert_int_equal(sum.classified, 0);
	assert_int_equal(sum.seen_segs, 0);
}

/* A known state: 6 unclassified packets, 4 scans, one rule. */
static void known(struct xt_counters *c, struct xt_attach_info *ni)
{
	memset(c, 0, sizeof(*c));
	memset(ni, 0, sizeof(*ni));
	c->xdp.class_pkts[0] = 6;
	c->xdp.class_bytes[0] = 600;
	c->xdp.class_pkts[1] = 4;
	c->xdp.class_bytes[1] = 240;
	c->xdp.band[0] = 6;
	c->xdp.band[2] = 4;
	c->xdp.rule_hits[0] = 4;
	c->xdp.action[XDP_PASS] = 10;
	c->xdp.tagged = 10;
	c->tc.valid = 8;
	c->tc.no_meta = 2;
	c->tc.marked = 8;
	ni->nrules = 2;
	ni->mark_mask = 0xff;
	ni->mark_value = XT_MARK_CLASS;
	strcpy(ni->class_name[1], "scan");
	strcpy(ni->class_name[2], "admin");
	strcpy(ni->rule_name[0], "syn-scan");
	strcpy(ni->rule_name[1], "ssh-new");
}

static void json_exact(void **state)
{
	struct xt_counters c;
	struct xt_attach_info ni;
	char *out;

	known(&c, &ni);
	out = render(XT_FMT_JSON, &c, NULL, 0, &ni);
	assert_string_equal(out,
		"{\"interfaces\":[{\"ifname\":\"veth-t\","
		"\"ruleset\":{\"path\":\"\",\"nrules\":2,\"mark_mask\":255,"
		"\"mark_shift\":0,\"mark_value\":\"class\","
		"\"drop_threshold\":0},"
		"\"packets\":10,\"bytes\":840,\"classes\":["
		"{\"id\":0,\"name\":\"unclassified\",\"packets\":6,"
		"\"bytes\":600,\"share\":0.6000},"
		"{\"id\":1,\"name\":\"scan\",\"packets\":4,\"bytes\":240,"
		"\"share\":0.4000},"
		"{\"id\":2,\"name\":\"admin\",\"packets\":0,\"bytes\":0,"
		"\"share\":0.0000}],"
		"\"bands\":["
		"{\"band\":0,\"min_score\":0,\"max_score\":15,\"packets\":6},"
		"{\"band\":1,\"min_score\":16,\"max_score\":31,\"packets\":0},"
		"{\"band\":2,\"min_score\":32,\"max_score\":47,\"packets\":4},"
		"{\"band\":3,\"min_score\":48,\"max_score\":63,\"packets\":0},"
		"{\"band\":4,\"min_score\":64,\"max_score\":79,\"packets\":0},"
		"{\"band\":5,\"min_score\":80,\"max_score\":95,\"packets\":0},"
		"{\"band\":6,\"min_score\":96,\"max_score\":111,\"packets\":0},"
		"{\"band\":7,\"min_score\":112,\"max_score\":127,\"packets\":0},"
		"{\"band\":8,\"min_score\":128,\"max_score\":143,\"packets\":0},"
		"{\"band\":9,\"min_score\":144,\"max_score\":159,\"packets\":0},"
		"{\"band\":10,\"min_score\":160,\"max_score\":175,\"packets\":0},"
		"{\"band\":11,\"min_score\":176,\"max_score\":191,\"packets\":0},"
		"{\"band\":12,\"min_score\":192,\"max_score\":207,\"packets\":0},"
		"{\"band\":13,\"min_score\":208,\"max_score\":223,\"packets\":0},"
		"{\"band\":14,\"min_score\":224,\"max_score\":239,\"packets\":0},"
		"{\"band\":15,\"min_score\":240,\"max_score\":255,\"packets\":0}"
		"],\"rules\":["
		"{\"slot\":0,\"name\":\"syn-scan\",\"hits\":4},"
		"{\"slot\":1,\"name\":\"ssh-new\",\"hits\":0}],"
		"\"actions\":{\"aborted\":0,\"drop\":0,\"pass\":10,\"tx\":0,"
		"\"redirect\":0},"
		"\"xdp\":{\"tagged\":10,\"meta_fail\":0,\"malformed\":0,"
		"\"fragments\":0},"
		"\"tc\":{\"valid\":8,\"no_meta\":2,\"foreign\":0,"
		"\"short_meta\":0,\"marked\":8,\"classified\":0,"
		"\"dropped\":0},"
		"\"tagged_valid_share\":0.8000}]}\n");
	free(out);
}

/*
 * After a hot swap the slots can outnumber the rules (docs/rules.md, "Hot
 * swap"): a vacant slot, with no name, is no rule, neither counted nor
 * listed, but for hits a removed rule left in it.
 */
static void vacant_slots(void **state)
{
	struct xt_counters c;
	struct xt_attach_info ni;
	char *out;

	known(&c, &ni);
	ni.nrules = 4;			/* slots 2 and 3 vacant */
	c.xdp.rule_hits[3] = 7;		/* left by the rule removed from 3 */
	out = render(XT_FMT_JSON, &c, NULL, 0, &ni);
	assert_contains(out, "\"nrules\":2,");
	assert_contains(out, "\"rules\":["
			"{\"slot\":0,\"name\":\"syn-scan\",\"hits\":4},"
			"{\"slot\":1,\"name\":\"ssh-new\",\"hits\":0},"
			"{\"slot\":3,\"name\":\"rule-3\",\"hits\":7}],");
	free(out);
	out = render(XT_FMT_TABLE, &c, NULL, 0, &ni);
	assert_contains(out, "veth-t: 2 rules (");
	free(out);
}

static void json_rates(void **state)
{
	struct xt_counters now, prev;
	struct xt_attach_info ni;
	char *out;

	known(&now, &ni);
	known(&prev, &ni);
	prev.xdp.class_pkts[1] = 0;	/* 4 scans in the last 2 s */
	prev.xdp.class_bytes[1] = 0;
	out = render(XT_FMT_JSON, &now, &prev, 2.0, &ni);
	assert_contains(out, ",\"interval_s\":2.000,\"rate\":{"
			     "\"packets\":2.000,\"bytes\":120.000,"
			     "\"classes\":[{\"id\":0,\"name\":\"unclassified\","
			     "\"packets\":0.000,\"bytes\":0.000},"
			     "{\"id\":1,\"name\":\"scan\",\"packets\":2.000,"
			     "\"bytes\":120.000},");
	free(out);
}

static void json_escapes_and_numbers(void **state)
{
	struct xt_counters c;
	char *out;

	memset(&c, 0, sizeof(c));
	c.xdp.class_pkts[7] = 18446744073709551615ULL;
	out = render(XT_FMT_JSON, &c, NULL, 0, NULL);
	/* No names: class by number, rules only where they hit. */
	assert_contains(out, "{\"id\":7,\"name\":\"class-7\","
			     "\"packets\":18446744073709551615,");
	assert_contains(out, "\"rules\":[],");
	assert_null(strstr(out, "\"ruleset\""));
	free(out);
}

static void prom_exact(void **state)
{
	struct xt_counters c;
	struct xt_attach_info ni;
	char *out;

	known(&c, &ni);
	out = render(XT_FMT_PROM, &c, NULL, 0, &ni);
	assert_line(out, "# HELP xdptag_class_packets_total Packets seen by "
			 "the XDP stage, by class.");
	assert_line(out, "# TYPE xdptag_class_packets_total counter");
	assert_line(out, "xdptag_class_packets_total{iface=\"veth-t\","
			 "class=\"unclassified\"} 6");
	assert_line(out, "xdptag_class_packets_total{iface=\"veth-t\","
			 "class=\"scan\"} 4");
	assert_line(out, "xdptag_class_packets_total{iface=\"veth-t\","
			 "class=\"admin\"} 0");
	assert_line(out, "xdptag_class_bytes_total{iface=\"veth-t\","
			 "class=\"scan\"} 240");
	assert_line(out, "xdptag_score_band_packets_total{iface=\"veth-t\","
			 "band=\"2\"} 4");
	assert_line(out, "xdptag_score_band_packets_total{iface=\"veth-t\","
			 "band=\"15\"} 0");
	assert_line(out, "xdptag_rule_hits_total{iface=\"veth-t\","
			 "rule=\"syn-scan\"} 4");
	assert_line(out, "xdptag_xdp_actions_total{iface=\"veth-t\","
			 "action=\"pass\"} 10");
	assert_line(out, "xdptag_xdp_tagged_total{iface=\"veth-t\"} 10");
	assert_line(out, "xdptag_tc_valid_total{iface=\"veth-t\"} 8");
	assert_line(out, "xdptag_tc_no_meta_total{iface=\"veth-t\"} 2");
	assert_line(out, "# TYPE xdptag_tc_marked_total counter");
	/* Rates belong to the scraper: no gauges, no per-second values. */
	assert_null(strstr(out, "gauge"));
	free(out);
}

/* Two interfaces: each family's HELP/TYPE once, its samples together. */
static void prom_two_ifaces_grouped(void **state)
{
	struct xt_counters c;
	struct xt_attach_info ni;
	struct xt_stats_sample s[2];
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	known(&c, &ni);
	s[0] = (struct xt_stats_sample){ "a\"b", &c, NULL, &ni };
	s[1] = (struct xt_stats_sample){ "b", &c, NULL, &ni };
	xt_stats_print_many(f, XT_FMT_PROM, s, 2, 0);
	fclose(f);
	p = strstr(buf, "# TYPE xdptag_tc_valid_total counter\n");
	assert_non_null(p);
	assert_null(strstr(p + 1, "# TYPE xdptag_tc_valid_total"));
	assert_line(p, "xdptag_tc_valid_total{iface=\"a\\\"b\"} 8");
	assert_non_null(strstr(p,
		"\nxdptag_tc_valid_total{iface=\"a\\\"b\"} 8\n"
		"xdptag_tc_valid_total{iface=\"b\"} 8\n"));
	free(buf);
}

static void table_readable(void **state)
{
	struct xt_counters c;
	struct xt_attach_info ni;
	char *out;

	known(&c, &ni);
	c.xdp.class_pkts[0] = 1234567;
	c.xdp.class_bytes[0] = 3 * 1024 * 1024;
	out = render(XT_FMT_TABLE, &c, NULL, 0, &ni);
	assert_contains(out, "  unclassified                   1,234,567"
			     "     3.0 MiB 100.0%");
	assert_contains(out, "  scan                                   4"
			     "       240 B   0.0%");
	assert_contains(out, "  reached TC tagged                      8"
			     "  80.0% of tagged");
	assert_contains(out, "  syn-scan                               4");
	/* The fullest band fills the bar; a small one still shows. */
	assert_contains(out, "   0   0-15  |########################"
			     "################| ");
	assert_contains(out, "   2  32-47  |#");
	free(out);
}

/*
 * The counter table covers every counter of the two structs once: a field
 * added without its row, two rows on one field, or a share_of naming no
 * counter fails here.  seen_segs is the one left out on purpose: `xdptag
 * status` reads it for its health line (docs/coexistence.md).
 */
static void counter_table_covers_structs(void **state)
{
	enum { N = sizeof(struct xt_counters) / sizeof(__u64) };
	unsigned char rows[N] = { 0 };
	size_t k, i, seen = offsetof(struct xt_counters, tc.seen_segs) / 8;

	for (k = 0; k < xt_counter_ndescs; k++) {
		const struct xt_counter_desc *d = &xt_counter_descs[k];

		assert_int_equal(d->off % sizeof(__u64), 0);
		for (i = 0; i < xt_dims[d->dim].n; i++) {
			assert_true(d->off / 8 + i < N);
			rows[d->off / 8 + i]++;
		}
		if (d->share_of && !xt_counter_find(d->share_of))
			fail_msg("%s: share_of '%s' names no counter", d->prom,
				 d->share_of);
	}
	for (i = 0; i < N; i++)
		if (rows[i] != (i == seen ? 0 : 1))
			fail_msg("__u64 %zu of struct xt_counters (byte %zu) is "
				 "in %u rows of xt_counter_descs[], not %d", i,
				 i * 8, rows[i], i == seen ? 0 : 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sum_xdp_percpu),
		cmocka_unit_test(sum_cls_cpus_folds_memo),
		cmocka_unit_test(sum_tc_percpu),
		cmocka_unit_test(json_exact),
		cmocka_unit_test(vacant_slots),
		cmocka_unit_test(json_rates),
		cmocka_unit_test(json_escapes_and_numbers),
		cmocka_unit_test(prom_exact),
		cmocka_unit_test(prom_two_ifaces_grouped),
		cmocka_unit_test(table_readable),
		cmocka_unit_test(counter_table_covers_structs),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
