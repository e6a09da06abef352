// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The rules file checker: each kind of mistake is reported as exactly
 * "FILE:LINE:COL: error: WHAT", all mistakes of a file in one run, nothing
 * is returned for a bad file, and a good file yields the values it says.
 * The compiler itself is tested in test_compile.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "rules_file.h"

#define FIX "tests/unit/rules/"

static char tmpdir[64];
static char tmpfile_path[128];

static int setup(void **state)
{
	strcpy(tmpdir, "/tmp/xt-rules-file-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/t.yaml", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load path; return what went to errf (caller frees), *ret the result. */
static char *load(const char *path, struct xt_rules_file *rf, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *errf = open_memstream(&buf, &len);

	assert_non_null(errf);
	*ret = xt_rules_file_load(path, rf, errf);
	fclose(errf);
	return buf;
}

/* Write yaml to the temp file and load it into rf: no error. */
static void load_ok(const char *yaml, struct xt_rules_file *rf)
{
	char *got;
	int ret;

	write_file(tmpfile_path, yaml);
	got = load(tmpfile_path, rf, &ret);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(ret, 0);
}

/*
 * Write yaml to the temp file, load it, and assert it fails with exactly
 * the given errors; each expected line is prefixed with the file's path.
 */
static void expect_errors(const char *yaml, ...)
{
	static struct xt_rules_file rf;
	char want[4096] = "", *got;
	const char *line;
	va_list ap;
	int ret;

	write_file(tmpfile_path, yaml);
	va_start(ap, yaml);
	while ((line = va_arg(ap, const char *))) {
		strcat(want, tmpfile_path);
		strcat(want, ":");
		strcat(want, line);
		strcat(want, "\n");
	}
	va_end(ap);
	got = load(tmpfile_path, &rf, &ret);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(rf.nrules, 0);
	assert_null(rf.marks);
	assert_string_equal(got, want);
	free(got);
}

#define CLASSES "classes:\n  - { id: 1, name: scan }\n"

static void test_unknown_key_rule(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - name: r\n"
		      "    class: scan\n"
		      "    weight: 1\n"
		      "    colour: red\n",
		      "7:5: error: unknown key 'colour' in rule (known: name, description, class, weight, match, action)",
		      NULL);
}

static void test_unknown_key_match(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 1, match: { sprot: 22 } }\n",
		      "4:49: error: unknown key 'sprot' in match (known: src, src_file, dst, dst_file, proto, sport, dport, tcp_flags, icmp_type, icmp_code, len, ttl, vlan, features, rate, fanout)",
		      NULL);
}

/* Every new key of issue 18 reports its own line and column. */
static void test_new_key_errors(void **state)
{
	expect_errors(
		"settings:\n"
		"  state_sources: 0\n"
		"  state_ipv6_prefix: 129\n"
		CLASSES
		"rules:\n"
		"  - name: a\n"
		"    action: allow\n"
		"    class: scan\n"
		"    weight: 1\n"
		"  - name: b\n"
		"    action: exempt\n"
		"    class: scan\n"
		"    match: { dport: \"!x\", src: \"!10.0.0.0/33\" }\n"
		"  - name: c\n"
		"    class: scan\n"
		"    weight: 1\n"
		"    match:\n"
		"      rate: { pps: 1, bps: 2 }\n"
		"  - name: d\n"
		"    class: scan\n"
		"    weight: 1\n"
		"    match:\n"
		"      fanout: { dst_ports: 101, window: 3y }\n"
		"  - name: e\n"
		"    class: scan\n"
		"    weight: 1\n"
		"    match: { rate: { pps: 5 }, fanout: { dst_addrs: 5 } }\n"
		"  - name: f\n"
		"    class: scan\n"
		"    weight: 1\n"
		"    match: { fanout: { dst_addrs: 5, window: 3y } }\n"
		"  - name: g\n"
		"    class: scan\n"
		"    weight: 1\n"
		"    match: { rate: { pps: 5, burst: 2 }, ttl: \"!x\" }\n",
		"2:18: error: state_sources 0: the per-source table needs at least one entry",
		"3:22: error: state_ipv6_prefix 129 out of range 0-128",
		"8:13: error: action 'allow': expected classify or exempt",
		"13:12: error: an exempt rule has no class (it forces class 0, score 0)",
		"14:21: error: port 'x' is not a number in 0-65535",
		"14:32: error: bad prefix '!10.0.0.0/33'",
		"19:13: error: rate: give exactly one of pps, bps",
		"24:28: error: dst_ports 101 out of range 1-100",
		"28:40: error: a rule has at most one of rate, fanout",
		"32:46: error: window: bad duration '3y' (1ms to 1h, such as 10s or 500ms)",
		"36:30: error: unknown key 'burst' in rate (known: pps, bps)",
		"36:47: error: ttl 'x' is not a number in 0-255",
		NULL);
}

/* Fan-out rules of one ruleset share a window: the compiler says so. */
static void test_fanout_window_mismatch(void **state)
{
	static struct xt_rules_file rf;
	char *got;
	int ret;

	write_file(tmpfile_path,
		   CLASSES
		   "rules:\n"
		   "  - { name: a, class: scan, weight: 1,\n"
		   "      match: { fanout: { dst_ports: 5, window: 10s } } }\n"
		   "  - { name: b, class: scan, weight: 1,\n"
		   "      match: { fanout: { dst_addrs: 5, window: 500ms } } }\n");
	got = load(tmpfile_path, &rf, &ret);
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(got, ":6:5: error: rule 'b': every fan-out rule of a ruleset must use the same window"));
	free(got);
}

/* Negation, allowlists and state settings, as parsed. */
static void test_negation_exempt_state(void **state)
{
	static struct xt_rules_file rf;
	const struct xt_rule *r;
	char *got;
	int ret;

	write_file(tmpfile_path,
		   "settings: { state_sources: 1000, state_ipv6_prefix: 48 }\n"
		   CLASSES
		   "rules:\n"
		   "  - { name: ok, action: exempt, match: { src: 192.0.2.9 } }\n"
		   "  - name: a\n"
		   "    class: scan\n"
		   "    weight: 1\n"
		   "    match:\n"
		   "      dst: [\"!224.0.0.0/4\"]\n"
		   "      dport: [\"!53\", \"1-1000\"]\n"
		   "      proto: \"!icmp\"\n"
		   "      fanout: { dst_ports: 20, window: 500ms }\n"
		   "  - { name: b, class: scan, weight: 1,\n"
		   "      match: { rate: { bps: 100000 } } }\n");
	got = load(tmpfile_path, &rf, &ret);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(ret, 0);
	assert_int_equal(rf.settings.state_sources, 1000);
	assert_int_equal(rf.settings.state_v6_plen, 48);
	assert_true(rf.rules[0].exempt);
	r = &rf.rules[1];
	assert_int_equal(r->dst.n, 1);
	assert_true(r->dst.p[0].neg);
	assert_int_equal(r->dport.n, 2);
	assert_true(r->dport.r[0].neg);
	assert_int_equal(r->dport.r[0].lo, 53);
	assert_false(r->dport.r[1].neg);
	assert_true(r->proto.r[0].neg);
	assert_int_equal(r->proto.r[0].lo, 1);
	assert_int_equal(r->st_kind, XT_ST_DPORTS);
	assert_int_equal(r->st_limit, 20);
	assert_int_equal(r->st_window_ns, 500000000ULL);
	assert_int_equal(rf.rules[2].st_kind, XT_ST_BPS);
	assert_int_equal(rf.rules[2].st_limit, 100000);
	xt_rules_file_free(&rf);
}

static void test_unknown_key_top(void **state)
{
	expect_errors("setings:\n  mark_mask: 0xff\n",
		      "1:1: error: unknown key 'setings' in the file (known: settings, classes, rules)",
		      NULL);
}

static void test_bad_prefix(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - name: r\n"
		      "    class: scan\n"
		      "    weight: 1\n"
		      "    match:\n"
		      "      src: [10.0.0.0/8, 10.0.0.0/33, \"2001:db8::/129\"]\n",
		      "8:25: error: bad prefix '10.0.0.0/33'",
		      "8:38: error: bad prefix '2001:db8::/129'", NULL);
}

static void test_port_out_of_range(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 1, match: { dport: [22, 65536] } }\n",
		      "4:61: error: port 65536 out of range 0-65535", NULL);
}

static void test_bad_range(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 1,\n"
		      "      match: { sport: \"2000-1000\", ttl: \"1-x\", len: -5 } }\n",
		      "5:23: error: bad port range '2000-1000': 2000 is above 1000",
		      "5:41: error: ttl range '1-x': 'x' is not a number in 0-255",
		      "5:53: error: length '-5' is not a number in 0-65535",
		      NULL);
}

static void test_duplicate_class_id(void **state)
{
	expect_errors("classes:\n"
		      "  - { id: 1, name: scan }\n"
		      "  - { id: 0x1, name: other }\n",
		      "3:11: error: duplicate class id 1", NULL);
}

static void test_duplicate_class_name(void **state)
{
	expect_errors("classes:\n"
		      "  - { id: 1, name: scan }\n"
		      "  - { id: 2, name: scan }\n",
		      "3:20: error: duplicate class name 'scan'", NULL);
}

static void test_class_id_zero(void **state)
{
	expect_errors("classes:\n  - { id: 0, name: none }\n",
		      "2:11: error: class id 0 is reserved for unclassified",
		      NULL);
}

static void test_unknown_class(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: admin, weight: 1 }\n",
		      "4:23: error: unknown class 'admin' (declare it under classes)",
		      NULL);
}

static void test_duplicate_rule_name(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 1 }\n"
		      "  - { name: r, class: scan, weight: 2 }\n",
		      "5:13: error: duplicate rule name 'r'", NULL);
}

static void test_missing_keys(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { class: scan, weight: 1 }\n"
		      "  - { name: b, weight: 1 }\n"
		      "  - name: c\n"
		      "    class: scan\n",
		      "4:5: error: rule: missing required key 'name'",
		      "5:5: error: rule: missing required key 'class'",
		      "6:5: error: rule: missing required key 'weight'", NULL);
}

static void test_bad_rule_name(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: \"ssh new\", class: scan, weight: 1 }\n",
		      "4:13: error: bad rule name 'ssh new' (letters, digits, '-', '_')",
		      NULL);
}

static void test_weight_out_of_range(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 256 }\n"
		      "  - { name: s, class: scan, weight: ten }\n",
		      "4:37: error: weight 256 out of range 0-255",
		      "5:37: error: weight: bad number 'ten'", NULL);
}

static void test_too_many_rules(void **state)
{
	static char yaml[8192];
	char want[128];
	int i;

	strcpy(yaml, CLASSES "rules:\n");
	for (i = 0; i <= XT_MAX_RULES; i++)
		sprintf(yaml + strlen(yaml),
			"  - { name: r%d, class: scan, weight: 1 }\n", i);
	/* Rule 65 is on line 3 + 65. */
	snprintf(want, sizeof(want),
		 "%d:5: error: too many rules: at most 64 (one bit each in the tag's 64-bit rule mask)",
		 3 + XT_MAX_RULES + 1);
	expect_errors(yaml, want, NULL);
}

static void test_prefix_limit(void **state)
{
	char list[128], yaml[512];
	FILE *f;
	int i;

	/* Each /17 expands to 128 /24 entries: 8193 of them exceed 2^20. */
	snprintf(list, sizeof(list), "%s/many.txt", tmpdir);
	f = fopen(list, "w");
	assert_non_null(f);
	for (i = 0; i < 8193; i++)
		fprintf(f, "%d.%d.%d.0/17\n", 1 + i / 512, (i / 2) % 256,
			(i % 2) * 128);
	fclose(f);
	snprintf(yaml, sizeof(yaml), CLASSES
		 "rules:\n"
		 "  - { name: ok, class: scan, weight: 1 }\n"
		 "  - { name: big, class: scan, weight: 1, match: { src_file: many.txt } }\n");
	expect_errors(yaml,
		      "4:3: error: prefixes expand to more than 1048576 table entries (limit)",
		      NULL);
}

static void test_length_limit(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 1 }\n"
		      "  - { name: big, class: scan, weight: 1, match: { len: \"100-20000\" } }\n",
		      "5:5: error: rule 'big': length range up to 20000: ranges must end below 16383 or at 65535",
		      NULL);
}

static void test_bad_tcp_flag(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 1,\n"
		      "      match: { tcp_flags: [\"syn / syn,ack\", \"syn,fyn / syn\", \"syn / ack\"] } }\n",
		      "5:45: error: bad tcp flag 'fyn' (known: fin, syn, rst, psh, ack, urg, ecn, cwr, or a number 0-0xff)",
		      "5:62: error: tcp_flags 'syn / ack': value has flags outside the mask, it can never match",
		      NULL);
}

static void test_bad_feature(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 1,\n"
		      "      match: { features: [fragment, \"!fragmnt\"] } }\n",
		      "5:37: error: unknown feature 'fragmnt' (known: vlan, ipv4, ipv6, arp, ip_options, ipv6_ext, fragment, tcp, udp, icmp, icmpv6, malformed, land)",
		      NULL);
}

static void test_unreadable_src_file(void **state)
{
	char want[256];

	snprintf(want, sizeof(want),
		 "5:60: error: cannot read prefix file '%s/nosuch.txt': No such file or directory",
		 tmpdir);
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: r, class: scan, weight: 1,\n"
		      "      match: { src: 10.0.0.0/8, dst: 10.0.0.0/8, dst_file: nosuch.txt } }\n",
		      want, NULL);
}

/* Errors inside a prefix file name that file and its line. */
static void test_bad_prefix_in_file(void **state)
{
	static struct xt_rules_file rf;
	char *got;
	int ret;

	got = load(FIX "bad-list.yaml", &rf, &ret);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(got, FIX "bad-list.txt:3:3: error: bad prefix '300.1.2.3/8'\n");
	free(got);
}

static void test_not_a_mapping(void **state)
{
	expect_errors("- name: r\n  class: scan\n",
		      "1:1: error: not a YAML mapping (expected settings, classes, rules)",
		      NULL);
	expect_errors(CLASSES "rules:\n  - just-a-name\n",
		      "4:5: error: rule: expected a mapping, not a value", NULL);
	expect_errors(CLASSES "rules: { name: r }\n",
		      "3:8: error: rules: expected a list, not a mapping", NULL);
}

/*
 * A syntax error names where the parser gave up and where the construct
 * it was in began: for an unclosed bracket or quote, that is the line to
 * fix, often far above the error.
 */
static void test_yaml_syntax(void **state)
{
	expect_errors("classes:\n  - { id: 1, name: scan\n",
		      "3:1: error: YAML: did not find expected ',' or '}' (flow mapping opened at 2:5)",
		      NULL);
	/* The case: a '{' opened on line 7, noticed on line 12. */
	expect_errors(CLASSES
		      "rules:\n"
		      "  - name: a\n"
		      "    class: scan\n"
		      "    weight: 1\n"
		      "    match: { proto: tcp,\n"
		      "      dport: 22,\n"
		      "      flags: syn,\n"
		      "      ttl: 64\n"
		      "  - name: b\n"
		      "    class: scan\n",
		      "11:9: error: YAML: did not find expected ',' or '}' (flow mapping opened at 7:12)",
		      NULL);
	expect_errors(CLASSES
		      "rules:\n"
		      "  - name: a\n"
		      "    class: scan\n"
		      "    match: { dport: [22, 23,\n"
		      "      80 }\n",
		      "7:10: error: YAML: did not find expected ',' or ']' (flow sequence opened at 6:21)",
		      NULL);
	expect_errors(CLASSES
		      "rules:\n"
		      "  - name: \"a\n"
		      "    class: scan\n",
		      "6:1: error: YAML: found unexpected end of stream (quoted scalar opened at 4:11)",
		      NULL);
	expect_errors(CLASSES
		      "rules:\n"
		      "  - name: a\n"
		      "    class: scan\n"
		      "   weight: 1\n",
		      "6:4: error: YAML: did not find expected '-' indicator (block collection started at 4:3)",
		      NULL);
	expect_errors("settings:\n"
		      "  mark_mask: 0xff\n"
		      " mark_shift: 8\n",
		      "3:2: error: YAML: did not find expected key (block mapping started at 1:1)",
		      NULL);
}

static void test_bad_settings(void **state)
{
	expect_errors("settings:\n"
		      "  mark_mask: 0\n"
		      "  mark_shift: 32\n"
		      "  mark_value: colour\n"
		      "  drop_threshold: 256\n",
		      "2:14: error: mark_mask 0 leaves no bits to write",
		      "3:15: error: mark_shift 32 out of range 0-31",
		      "4:15: error: mark_value 'colour': expected class, score or both",
		      "5:19: error: drop_threshold 256 out of range 0-255",
		      NULL);
}

static void test_missing_file(void **state)
{
	static struct xt_rules_file rf;
	char *got;
	int ret;

	got = load(FIX "nosuch.yaml", &rf, &ret);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(got, FIX "nosuch.yaml: error: cannot read: No such file or directory\n");
	free(got);
}

/* Everything wrong in a file shows in one run. */
static void test_many_errors(void **state)
{
	static struct xt_rules_file rf;
	char *got;
	int ret;

	got = load(FIX "multi.yaml", &rf, &ret);
	assert_int_equal(ret, -EINVAL);
	assert_string_equal(got,
		FIX "multi.yaml:4:15: error: mark_shift 40 out of range 0-31\n"
		FIX "multi.yaml:7:11: error: duplicate class id 1\n"
		FIX "multi.yaml:10:12: error: unknown class 'nope' (declare it under classes)\n"
		FIX "multi.yaml:11:13: error: weight 300 out of range 0-255\n"
		FIX "multi.yaml:13:14: error: port 70000 out of range 0-65535\n"
		FIX "multi.yaml:14:18: error: unknown feature 'bogus' (known: vlan, ipv4, ipv6, arp, ip_options, ipv6_ext, fragment, tcp, udp, icmp, icmpv6, malformed, land)\n"
		FIX "multi.yaml:15:5: error: rule: missing required key 'weight'\n"
		FIX "multi.yaml:15:11: error: duplicate rule name 'a'\n");
	free(got);
}

static void assert_range(const struct xt_ranges *rg, size_t i, uint32_t lo,
			 uint32_t hi)
{
	assert_true(i < rg->n);
	assert_int_equal(rg->r[i].lo, lo);
	assert_int_equal(rg->r[i].hi, hi);
}

static void assert_prefix(const struct xt_prefix *p, const char *s)
{
	char buf[64];

	assert_string_equal(xt_prefix_str(p, buf, sizeof(buf)), s);
}

static void test_valid_values(void **state)
{
	static struct xt_rules_file rf;
	const struct xt_rule *r;
	char *got;
	int ret;

	got = load(FIX "valid.yaml", &rf, &ret);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(ret, 0);
	assert_string_equal(rf.path, FIX "valid.yaml");

	assert_true(rf.settings.has_mark_mask && rf.settings.has_mark_shift &&
		    rf.settings.has_mark_value &&
		    rf.settings.has_drop_threshold);
	assert_int_equal(rf.settings.mark_mask, 0xff00);
	assert_int_equal(rf.settings.mark_shift, 8);
	assert_int_equal(rf.settings.mark_value, XT_MARK_BOTH);
	assert_int_equal(rf.settings.drop_threshold, 200);

	assert_int_equal(rf.nclasses, 2);
	assert_string_equal(xt_class_name(&rf, 1), "scan");
	assert_string_equal(xt_class_name(&rf, 7), "admin");
	assert_null(xt_class_name(&rf, 2));
	assert_null(xt_class_name(&rf, 0));

	assert_int_equal(rf.nrules, 3);
	r = &rf.rules[0];
	assert_string_equal(r->name, "ssh-new");
	assert_string_equal(rf.descr[0], "new SSH connections");
	assert_int_equal(r->class_id, 7);
	assert_int_equal(r->weight, 40);
	/* src list first, then the prefix file's entries. */
	assert_int_equal(r->src.n, 4);
	assert_prefix(&r->src.p[0], "10.0.0.0/8");
	assert_prefix(&r->src.p[1], "2001:db8::/32");
	assert_prefix(&r->src.p[2], "198.51.100.0/24");
	assert_prefix(&r->src.p[3], "2001:db8:1::/48");
	assert_int_equal(r->dst.n, 1);
	assert_prefix(&r->dst.p[0], "192.0.2.0/24");
	assert_int_equal(r->proto.n, 5);
	assert_range(&r->proto, 0, 6, 6);
	assert_range(&r->proto, 1, 17, 17);
	assert_range(&r->proto, 2, 1, 1);
	assert_range(&r->proto, 3, 58, 58);
	assert_range(&r->proto, 4, 47, 47);
	assert_int_equal(r->sport.n, 2);
	assert_range(&r->sport, 0, 53, 53);
	assert_range(&r->sport, 1, 1024, 65535);
	assert_int_equal(r->dport.n, 1);
	assert_range(&r->dport, 0, 22, 22);
	assert_int_equal(r->ntcp, 2);
	assert_int_equal(r->tcp[0].value, XT_TCP_SYN);
	assert_int_equal(r->tcp[0].mask, XT_TCP_SYN | XT_TCP_ACK);
	assert_int_equal(r->tcp[1].value, 0);
	assert_int_equal(r->tcp[1].mask, 0x3f);
	assert_int_equal(r->len.n, 1);
	assert_range(&r->len, 0, 1000, 65535);
	assert_range(&r->ttl, 0, 0, 2);
	assert_int_equal(r->vlan.n, 2);
	assert_range(&r->vlan, 0, 100, 100);
	assert_range(&r->vlan, 1, 200, 200);
	assert_int_equal(r->feat_set, XT_F_FRAGMENT);
	assert_int_equal(r->feat_clear, XT_F_MALFORMED);

	/* ICMP names follow the rule's protocol; numbers are literal. */
	r = &rf.rules[1];
	assert_string_equal(r->name, "ping_v4");
	assert_null(rf.descr[1]);
	assert_int_equal(r->weight, 16);
	assert_int_equal(r->class_id, 1);
	assert_int_equal(r->icmp_type.n, 2);
	assert_range(&r->icmp_type, 0, 8, 8);
	assert_range(&r->icmp_type, 1, 13, 13);
	assert_int_equal(r->icmp_code.n, 1);
	assert_range(&r->icmp_code, 0, 3, 3);
	assert_int_equal(r->ntcp, 0);
	assert_int_equal(r->src.n, 0);
	/* Without a protocol, a name means both ICMP and ICMPv6. */
	r = &rf.rules[2];
	assert_int_equal(r->weight, 255);
	assert_int_equal(r->icmp_type.n, 2);
	assert_range(&r->icmp_type, 0, 8, 8);
	assert_range(&r->icmp_type, 1, 128, 128);
	xt_rules_file_free(&rf);
	assert_int_equal(rf.nrules, 0);
}

/* A bare flag means "set"; nft's XMAS form and hex masks parse. */
static void test_tcp_flag_forms(void **state)
{
	static struct xt_rules_file rf;

	load_ok(CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { tcp_flags: [syn, \"fin,psh,urg / fin,syn,rst,psh,ack,urg\", \"ecn,cwr/0xc0\"] } }\n", &rf);
	assert_int_equal(rf.rules[0].ntcp, 3);
	assert_int_equal(rf.rules[0].tcp[0].value, XT_TCP_SYN);
	assert_int_equal(rf.rules[0].tcp[0].mask, XT_TCP_SYN);
	assert_int_equal(rf.rules[0].tcp[1].value, 0x29);
	assert_int_equal(rf.rules[0].tcp[1].mask, 0x3f);
	assert_int_equal(rf.rules[0].tcp[2].value, 0xc0);
	assert_int_equal(rf.rules[0].tcp[2].mask, 0xc0);
	xt_rules_file_free(&rf);
}

/*
 * ICMP names stand for the protocols the rule's proto lets through,
 * negation included: "!icmpv6" lets ICMP through, "!icmp" ICMPv6.
 */
static void test_icmp_names_negated_proto(void **state)
{
	static struct xt_rules_file rf;

	load_ok(CLASSES
		   "rules:\n"
		   "  - { name: a, class: scan, weight: 1, match: { proto: [\"!icmpv6\"], icmp_type: echo-request } }\n"
		   "  - { name: b, class: scan, weight: 1, match: { proto: [\"!icmp\"], icmp_type: [\"!echo-request\"] } }\n"
		   "  - { name: c, class: scan, weight: 1, match: { proto: [\"!icmpv6\"], icmp_code: port-unreachable } }\n", &rf);
	assert_int_equal(rf.rules[0].icmp_type.n, 1);
	assert_range(&rf.rules[0].icmp_type, 0, 8, 8);
	assert_int_equal(rf.rules[1].icmp_type.n, 1);
	assert_range(&rf.rules[1].icmp_type, 0, 128, 128);
	assert_true(rf.rules[1].icmp_type.r[0].neg);
	assert_int_equal(rf.rules[2].icmp_code.n, 1);
	assert_range(&rf.rules[2].icmp_code, 0, 3, 3);
	xt_rules_file_free(&rf);
}

/* Errors that say what is wrong: the name, the number, the flag. */
static void test_item_errors(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: a, class: scan, weight: 1, match: { icmp_type: echo-requestx } }\n"
		      "  - { name: b, class: scan, weight: 1, match: { proto: icmpv6, icmp_type: timestamp-request } }\n"
		      "  - { name: c, class: scan, weight: 1, match: { proto: icmpv6, icmp_code: port-unreachable } }\n"
		      "  - { name: d, class: scan, weight: 1, match: { dport: \"010\", sport: \"010-020\" } }\n"
		      "  - { name: e, class: scan, weight: 1, match: { tcp_flags: [\"syn /\", \"syn,, ack\"] } }\n"
		      "  - { name: f, class: scan, weight: 1, match: { proto: tcp, fanout: { dst_ports: 5, window: 307445735m } } }\n",
		      "4:60: error: unknown icmp type 'echo-requestx'",
		      "5:75: error: unknown icmp type 'timestamp-request' (ICMPv6's names: the rule's proto lets only ICMPv6 through)",
		      "6:75: error: unknown icmp code 'port-unreachable' (code names are ICMP's: the rule's proto lets only ICMPv6 through)",
		      "7:56: error: port '010' has a leading zero: write decimal without it, or hex with 0x",
		      "7:70: error: port range '010-020': '010' has a leading zero: write decimal without it, or hex with 0x",
		      "8:61: error: tcp_flags 'syn /': a flag is missing (write 0x0 for none)",
		      "8:70: error: tcp_flags 'syn,, ack': a flag is missing (write 0x0 for none)",
		      "9:93: error: window: bad duration '307445735m' (1ms to 1h, such as 10s or 500ms)",
		      NULL);
}

/* A rule that could never match is refused, naming why. */
static void test_never_matches(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: a, class: scan, weight: 1, match: { proto: icmp, dport: 22 } }\n"
		      "  - { name: b, class: scan, weight: 1, match: { dport: [\"!0-100\", 50-60] } }\n"
		      "  - { name: c, class: scan, weight: 1, match: { proto: [\"!tcp\"], tcp_flags: syn } }\n"
		      "  - { name: d, class: scan, weight: 1, match: { proto: [\"!icmp\", \"!icmpv6\"], icmp_code: 3 } }\n"
		      "  - { name: e, class: scan, weight: 1, match: { proto: [tcp, udp], dport: [\"!53\"], ttl: [\"!0-254\"] } }\n",
		      "4:69: error: ports are TCP's and UDP's, and the rule's proto lets neither through: it never matches",
		      "5:56: error: dport: its negated items take out every value the others let through: it never matches",
		      "6:77: error: tcp_flags are TCP's, and the rule's proto does not let TCP through: it never matches",
		      "7:89: error: icmp_type and icmp_code are ICMP's and ICMPv6's, and the rule's proto lets neither through: it never matches",
		      NULL);
}

/* Windows up to an hour, in any unit; the product never wraps. */
static void test_window_units(void **state)
{
	static const struct {
		const char *w;
		uint64_t ns;
	} ok[] = {
		{ "1h", 3600000000000ULL }, { "60m", 3600000000000ULL },
		{ "3600s", 3600000000000ULL }, { "1ms", 1000000ULL },
		{ "10", 10000000000ULL },
	};
	static struct xt_rules_file rf;
	char yaml[256];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(yaml, sizeof(yaml), CLASSES "rules:\n"
			 "  - { name: f, class: scan, weight: 1, match: { proto: tcp, fanout: { dst_ports: 5, window: %s } } }\n",
			 ok[i].w);
		load_ok(yaml, &rf);
		assert_true(rf.rules[0].st_window_ns == ok[i].ns);
		xt_rules_file_free(&rf);
	}
	expect_errors(CLASSES "rules:\n"
		      "  - { name: f, class: scan, weight: 1, match: { proto: tcp, fanout: { dst_ports: 5, window: 61m } } }\n",
		      "4:93: error: window: bad duration '61m' (1ms to 1h, such as 10s or 500ms)",
		      NULL);
}

static void test_overlapping_prefixes(void **state)
{
	static struct xt_rules_file rf;
	char *got;
	int ret;

	got = load(FIX "overlap.yaml", &rf, &ret);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(ret, 0);
	assert_int_equal(rf.nrules, 2);
	assert_prefix(&rf.rules[0].src.p[0], "10.0.0.0/8");
	assert_prefix(&rf.rules[1].src.p[0], "10.1.2.0/24");
	assert_int_equal(rf.rules[1].class_id, 2);
	xt_rules_file_free(&rf);
}

static void test_default(void **state)
{
	static struct xt_rules_file rf;
	char *got;
	int ret;

	got = load(NULL, &rf, &ret);
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(ret, 0);
	assert_string_equal(rf.path, "default");
	assert_int_equal(rf.settings.mark_mask, 0xff);
	assert_int_equal(rf.settings.mark_value, XT_MARK_CLASS);
	assert_int_equal(rf.settings.drop_threshold, 0);
	assert_true(rf.nrules >= 15 && rf.nrules <= XT_MAX_RULES);
	assert_string_equal(xt_class_name(&rf, 1), "bogon");
	xt_rules_file_free(&rf);
}

/* 100,000 prefix lines load (the count proves every line was read). */
static void test_big_prefix_file(void **state)
{
	static struct xt_rules_file rf;
	char list[128];
	FILE *f;
	int i;

	snprintf(list, sizeof(list), "%s/big.txt", tmpdir);
	f = fopen(list, "w");
	assert_non_null(f);
	for (i = 0; i < 100000; i++)
		fprintf(f, "10.%d.%d.0/24\n", i / 256 % 256, i % 256);
	fclose(f);
	load_ok(CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { src_file: big.txt } }\n", &rf);
	assert_int_equal(rf.rules[0].src.n, 100000);
	assert_prefix(&rf.rules[0].src.p[99999], "10.134.159.0/24");
	xt_rules_file_free(&rf);
}

/*
 * Hot swap layout: kept names keep their slot, new rules fill never-used
 * slots before vacated ones, holes hold a rule that cannot match.
 */
static void test_place_slots(void **state)
{
	static struct xt_rules_file rf, out;
	static const char old[4][XT_RULE_NAME_MAX] = { "a", "gone", "", "c" };
	char *got;
	int ret;

	load_ok(CLASSES
		   "rules:\n"
		   "  - { name: new1, class: scan, weight: 1 }\n"
		   "  - { name: c, class: scan, weight: 2 }\n"
		   "  - { name: new2, class: scan, weight: 3 }\n"
		   "  - { name: a, class: scan, weight: 4 }\n"
		   "  - { name: new3, class: scan, weight: 5 }\n", &rf);

	xt_rules_file_place(&rf, old, 4, &out);
	/* Slot 1 ("gone") keeps its old count: left free while others are. */
	assert_int_equal(out.nrules, 6);
	assert_string_equal(out.rules[0].name, "a");
	assert_int_equal(out.rules[0].weight, 4);
	assert_true(out.rules[1].vacant);
	assert_string_equal(out.rules[2].name, "new1");
	assert_string_equal(out.rules[3].name, "c");
	assert_int_equal(out.rules[3].weight, 2);
	assert_string_equal(out.rules[4].name, "new2");
	assert_string_equal(out.rules[5].name, "new3");
	assert_int_equal(out.nclasses, 1);

	/* Fewer rules than slots: the hole cannot match anything. */
	xt_rules_file_free(&rf);
	write_file(tmpfile_path, CLASSES
		   "rules:\n  - { name: c, class: scan, weight: 2 }\n");
	got = load(tmpfile_path, &rf, &ret);
	free(got);
	assert_int_equal(ret, 0);
	xt_rules_file_place(&rf, old, 4, &out);
	assert_int_equal(out.nrules, 4);
	assert_true(out.rules[0].vacant);
	assert_string_equal(out.rules[0].name, "");
	assert_string_equal(out.rules[3].name, "c");
	/* Three free slots, one name: still a ruleset that compiles. */
	{
		static struct xt_compiled c;

		assert_int_equal(xt_rules_file_compile(&out, &c, stderr), 0);
		xt_compiled_free(&c);
	}

	/* All 64 slots used before: a new rule reuses a vacated one. */
	{
		static char full[XT_MAX_RULES][XT_RULE_NAME_MAX];
		int i;

		for (i = 0; i < XT_MAX_RULES; i++)
			snprintf(full[i], sizeof(full[i]), "o%d", i);
		strcpy(full[5], "c");
		xt_rules_file_place(&rf, (const char (*)[XT_RULE_NAME_MAX])full,
				    XT_MAX_RULES, &out);
		assert_int_equal(out.nrules, 6);
		assert_string_equal(out.rules[5].name, "c");
		assert_true(out.rules[0].vacant);
	}
	xt_rules_file_free(&rf);
	write_file(tmpfile_path, CLASSES
		   "rules:\n  - { name: x, class: scan, weight: 2 }\n");
	got = load(tmpfile_path, &rf, &ret);
	free(got);
	assert_int_equal(ret, 0);
	{
		static char full[XT_MAX_RULES][XT_RULE_NAME_MAX];
		int i;

		for (i = 0; i < XT_MAX_RULES; i++)
			snprintf(full[i], sizeof(full[i]), "o%d", i);
		xt_rules_file_place(&rf, (const char (*)[XT_RULE_NAME_MAX])full,
				    XT_MAX_RULES, &out);
		assert_int_equal(out.nrules, 1);
		assert_string_equal(out.rules[0].name, "x");
	}
	xt_rules_file_free(&rf);
}

/*
 * Removing or renaming two rules at once vacates two slots.  Vacated slots
 * are not rules: they take no part in the name check (the audit's
 * "two rules named '(free)'"), and they match nothing.
 */
static void test_place_two_vacated(void **state)
{
	static struct xt_rules_file rf, out;
	static const char old[2][XT_RULE_NAME_MAX] = { "a", "b" };
	struct xt_compiled c;
	unsigned int f;
	char *got;
	int ret;

	load_ok(CLASSES
		   "rules:\n  - { name: x, class: scan, weight: 7 }\n", &rf);

	xt_rules_file_place(&rf, old, 2, &out);
	assert_int_equal(out.nrules, 3);
	assert_true(out.rules[0].vacant);
	assert_true(out.rules[1].vacant);
	assert_false(out.rules[2].vacant);
	assert_string_equal(out.rules[0].name, "");
	assert_string_equal(out.rules[2].name, "x");
	got = NULL;
	{
		size_t len = 0;
		FILE *errf = open_memstream(&got, &len);

		assert_non_null(errf);
		ret = xt_rules_file_compile(&out, &c, errf);
		fclose(errf);
	}
	assert_string_equal(got, "");
	free(got);
	assert_int_equal(ret, 0);
	/* Only x's bit anywhere: the vacated slots can never match. */
	for (f = 0; f < XT_F_SLOTS; f++)
		assert_int_equal(c.rs->by16[f].features & 3, 0);
	assert_int_equal(c.rs->proto[XT_BYTE_NONE], 4);
	assert_int_equal(c.rs->weight[0] | c.rs->weight[1], 0);
	assert_int_equal(c.rs->weight[2], 7);
	xt_compiled_free(&c);
	xt_rules_file_free(&rf);
}

/* After 100 errors the rest are counted, not printed. */
static void test_error_cap(void **state)
{
	static struct xt_rules_file rf;
	static char yaml[8192];
	char *got, *last;
	int i, ret, lines = 0;

	strcpy(yaml, CLASSES "rules:\n  - { name: r, class: scan, weight: 1, match: { src: [");
	for (i = 0; i < 150; i++)
		strcat(yaml, i ? ", x" : "x");
	strcat(yaml, "] } }\n");
	write_file(tmpfile_path, yaml);
	got = load(tmpfile_path, &rf, &ret);
	assert_int_equal(ret, -EINVAL);
	for (i = 0; got[i]; i++)
		lines += got[i] == '\n';
	assert_int_equal(lines, 101);
	got[strlen(got) - 1] = '\0';
	last = strrchr(got, '\n') + 1;
	assert_true(!strncmp(last, tmpfile_path, strlen(tmpfile_path)));
	assert_string_equal(last + strlen(tmpfile_path),
			    ": error: 50 more errors not shown");
	free(got);
}

/* ------------------------------------------------------------ limits --- */

static void write_bytes(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* Load the temp file; assert it fails with exactly want (path prefixed). */
static void expect_load_error(const char *want)
{
	static struct xt_rules_file rf;
	char full[1024], *got;
	int ret;

	snprintf(full, sizeof(full), "%s:%s\n", tmpfile_path, want);
	got = load(tmpfile_path, &rf, &ret);
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(rf.nrules, 0);
	assert_string_equal(got, full);
	free(got);
}

/*
 * A comment line longer than any buffer stays a comment: read with
 * fgets(256), the tail of this one ("0.0.0.0/0") was taken as a prefix.
 */
static void test_long_comment_line(void **state)
{
	static struct xt_rules_file rf;
	char list[128];
	FILE *f;
	int i;

	snprintf(list, sizeof(list), "%s/long.txt", tmpdir);
	f = fopen(list, "w");
	assert_non_null(f);
	fputs("# ", f);
	for (i = 0; i < 300; i++)
		fputc('x', f);
	fputs(" 0.0.0.0/0\n192.0.2.0/24\n", f);
	fclose(f);
	load_ok(CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { src_file: long.txt } }\n", &rf);
	assert_int_equal(rf.rules[0].src.n, 1);
	assert_prefix(&rf.rules[0].src.p[0], "192.0.2.0/24");
	xt_rules_file_free(&rf);
}

/* A long line that is not a comment is one bad prefix, at its line. */
static void test_long_bad_line(void **state)
{
	char list[128], want[256];
	FILE *f;
	int i;

	snprintf(list, sizeof(list), "%s/long.txt", tmpdir);
	f = fopen(list, "w");
	assert_non_null(f);
	fputs("192.0.2.0/24\n  ", f);
	for (i = 0; i < 100000; i++)
		fputc('1', f);
	fputs("\n\033[31m\n", f);
	fclose(f);
	snprintf(want, sizeof(want),
		 "%s/long.txt:2:3: error: bad prefix '1111111111111111111111111111111111111111...'\n"
		 "%s/long.txt:3:1: error: bad prefix '?[31m'\n", tmpdir, tmpdir);
	write_file(tmpfile_path, CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { src_file: long.txt } }\n");
	{
		static struct xt_rules_file rf;
		char *got;
		int ret;

		got = load(tmpfile_path, &rf, &ret);
		assert_int_equal(ret, -EINVAL);
		assert_string_equal(got, want);
		free(got);
	}
}

/* Reader errors are placed at their line, not at 1:1. */
static void test_reader_error_position(void **state)
{
	static const char bad_utf8[] = CLASSES "rules:\n  - { name: r\xff }\n";
	static const char nul[] = CLASSES "rules: []\n  \0\n";

	write_bytes(tmpfile_path, bad_utf8, sizeof(bad_utf8) - 1);
	expect_load_error("4:14: error: YAML: invalid leading UTF-8 octet (byte 0xff)");
	write_bytes(tmpfile_path, nul, sizeof(nul) - 1);
	expect_load_error("4:3: error: YAML: control characters are not allowed (byte 0x00)");
}

/* "\0" is valid YAML, but would cut a name short without a word. */
static void test_nul_escape(void **state)
{
	expect_errors(CLASSES
		      "rules:\n"
		      "  - { name: \"ok\\0evil\", class: scan, weight: 1 }\n",
		      "4:13: error: NUL character (\\0) in a value", NULL);
}

static void test_nesting_limit(void **state)
{
	char yaml[256];
	int i;

	/* The file's mapping is one level: 31 lists in it are read (then the
	 * file ends too early), the 32nd is one too many. */
	strcpy(yaml, "rules: ");
	for (i = 1; i < XT_YAML_MAX_DEPTH; i++)
		strcat(yaml, "[");
	write_file(tmpfile_path, yaml);
	expect_load_error("2:1: error: YAML: did not find expected node content (in a flow node)");
	strcat(yaml, "[");
	write_file(tmpfile_path, yaml);
	expect_load_error("1:39: error: lists and mappings nested deeper than 32 (limit)");
}

/* Aliases: counted, expanded sizes counted, no alias into itself. */
static void test_alias_limits(void **state)
{
	char *yaml, *p;
	int i;

	yaml = malloc(64 * 1024);
	assert_non_null(yaml);
	p = yaml + sprintf(yaml, "a: &a [x]\nb: [");
	for (i = 0; i <= XT_YAML_MAX_ALIASES; i++)
		p += sprintf(p, "*a,");
	strcpy(p, "x]\n");
	write_file(tmpfile_path, yaml);
	expect_load_error("2:12293: error: more than 4096 aliases (limit)");

	/* Each level doubles: 20 levels of two aliases are 2^20 nodes. */
	p = yaml + sprintf(yaml, "l0: &l0 [x, x]\n");
	for (i = 1; i <= 20; i++)
		p += sprintf(p, "l%d: &l%d [*l%d, *l%d]\n", i, i, i - 1,
			     i - 1);
	write_file(tmpfile_path, yaml);
	expect_load_error("18:12: error: more than 524288 values, lists and mappings with aliases expanded (limit)");

	write_file(tmpfile_path, "a: &a [x, *a]\n");
	expect_load_error("1:11: error: YAML: alias to a list or mapping that contains it");
	write_file(tmpfile_path, "a: [x, *b]\n");
	expect_load_error("1:8: error: YAML: alias to an unknown anchor");
	free(yaml);
}

static void test_prefix_count_limit(void **state)
{
	char list[128], want[128];
	FILE *f;
	int i;

	/* Duplicates count too: the limit is on what is read. */
	snprintf(list, sizeof(list), "%s/many.txt", tmpdir);
	f = fopen(list, "w");
	assert_non_null(f);
	for (i = 0; i <= XT_MAX_PREFIXES; i++)
		fputs("0.0.0.0/0\n", f);
	fclose(f);
	write_file(tmpfile_path, CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { src: 10.0.0.0/8, src_file: many.txt } }\n");
	snprintf(want, sizeof(want),
		 "4:76: error: more than %d prefixes in all rules (limit)",
		 XT_MAX_PREFIXES);
	expect_load_error(want);
}

/* Short duplicates are dropped (each /0 costs the compiler 65,536 writes). */
static void test_short_prefix_duplicates(void **state)
{
	static struct xt_rules_file rf;

	load_ok(CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { src: [0.0.0.0/0, 10.0.0.0/8, 0.0.0.0/0, 10.1.2.3/8, 192.0.2.0/24, 192.0.2.0/24, \"::/0\"],\n"
		   "      dst: [0.0.0.0/0, 10.0.0.0/8] } }\n", &rf);
	assert_int_equal(rf.rules[0].src.n, 5);
	assert_prefix(&rf.rules[0].src.p[0], "0.0.0.0/0");
	assert_prefix(&rf.rules[0].src.p[1], "10.0.0.0/8");
	assert_prefix(&rf.rules[0].src.p[2], "192.0.2.0/24");
	assert_prefix(&rf.rules[0].src.p[3], "192.0.2.0/24");
	assert_prefix(&rf.rules[0].src.p[4], "::/0");
	/* Another list starts afresh. */
	assert_int_equal(rf.rules[0].dst.n, 2);
	xt_rules_file_free(&rf);
}

/* Wide overlapping ranges are merged; a plain list is left as written. */
static void test_range_merge(void **state)
{
	static struct xt_rules_file rf;
	const struct xt_ranges *d, *s;

	load_ok(CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { dport: [\"1-65535\", \"0-65535\", \"100-200\", 7],\n"
		   "      sport: [443, 22, 22] } }\n", &rf);
	d = &rf.rules[0].dport;
	assert_int_equal(d->n, 1);
	assert_int_equal(d->r[0].lo, 0);
	assert_int_equal(d->r[0].hi, 65535);
	s = &rf.rules[0].sport;
	assert_int_equal(s->n, 3);
	assert_int_equal(s->r[0].lo, 443);
	assert_int_equal(s->r[1].lo, 22);
	xt_rules_file_free(&rf);
}

/* Only regular files, of bounded size; a FIFO neither blocks nor hangs. */
static void test_file_kinds_and_sizes(void **state)
{
	char path[128], want[256], *big;
	size_t n = XT_RULES_FILE_MAX_BYTES + 1;

	big = malloc(n);
	assert_non_null(big);
	memset(big, '#', n);
	write_bytes(tmpfile_path, big, n);
	free(big);
	expect_load_error(" error: cannot read: larger than 4194304 bytes (the limit)");

	snprintf(path, sizeof(path), "%s/fifo.txt", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	write_file(tmpfile_path, CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { src_file: fifo.txt } }\n");
	snprintf(want, sizeof(want),
		 "4:59: error: cannot read prefix file '%s': not a regular file",
		 path);
	expect_load_error(want);

	assert_int_equal(unlink(tmpfile_path), 0);
	assert_int_equal(mkfifo(tmpfile_path, 0600), 0);
	expect_load_error(" error: cannot read: not a regular file");
	assert_int_equal(unlink(tmpfile_path), 0);

	snprintf(path, sizeof(path), "%s/big.txt", tmpdir);
	assert_int_equal(truncate(path, 0) && creat(path, 0600) < 0, 0);
	assert_int_equal(truncate(path, XT_PREFIX_FILE_MAX_BYTES + 1), 0);
	write_file(tmpfile_path, CLASSES
		   "rules:\n"
		   "  - { name: r, class: scan, weight: 1, match: { src_file: big.txt } }\n");
	snprintf(want, sizeof(want),
		 "4:59: error: cannot read prefix file '%s': larger than 33554432 bytes (the limit)",
		 path);
	expect_load_error(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_key_rule),
		cmocka_unit_test(test_unknown_key_match),
		cmocka_unit_test(test_unknown_key_top),
		cmocka_unit_test(test_new_key_errors),
		cmocka_unit_test(test_fanout_window_mismatch),
		cmocka_unit_test(test_negation_exempt_state),
		cmocka_unit_test(test_bad_prefix),
		cmocka_unit_test(test_port_out_of_range),
		cmocka_unit_test(test_bad_range),
		cmocka_unit_test(test_duplicate_class_id),
		cmocka_unit_test(test_duplicate_class_name),
		cmocka_unit_test(test_class_id_zero),
		cmocka_unit_test(test_unknown_class),
		cmocka_unit_test(test_duplicate_rule_name),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_bad_rule_name),
		cmocka_unit_test(test_weight_out_of_range),
		cmocka_unit_test(test_too_many_rules),
		cmocka_unit_test(test_prefix_limit),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_bad_tcp_flag),
		cmocka_unit_test(test_bad_feature),
		cmocka_unit_test(test_unreadable_src_file),
		cmocka_unit_test(test_bad_prefix_in_file),
		cmocka_unit_test(test_not_a_mapping),
		cmocka_unit_test(test_yaml_syntax),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_tcp_flag_forms),
		cmocka_unit_test(test_overlapping_prefixes),
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_big_prefix_file),
		cmocka_unit_test(test_place_slots),
		cmocka_unit_test(test_place_two_vacated),
		cmocka_unit_test(test_long_comment_line),
		cmocka_unit_test(test_long_bad_line),
		cmocka_unit_test(test_reader_error_position),
		cmocka_unit_test(test_nul_escape),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_alias_limits),
		cmocka_unit_test(test_prefix_count_limit),
		cmocka_unit_test(test_short_prefix_duplicates),
		cmocka_unit_test(test_range_merge),
		cmocka_unit_test(test_file_kinds_and_sizes),
		cmocka_unit_test(test_icmp_names_negated_proto),
		cmocka_unit_test(test_item_errors),
		cmocka_unit_test(test_window_units),
		cmocka_unit_test(test_never_matches),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
