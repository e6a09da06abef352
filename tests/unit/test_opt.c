// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The option layer (user/opt.c) on a made-up command: what each row type
 * stores, the one error line of each kind of bad command line (flags that
 * set one field to different values among them), and the
 * help generated from the table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "attach.h"	/* enum xt_mode */
#include "cmd.h"
#include "unit/stderr_catch.h"

struct t_cfg {
	const char *ifname;
	const char *file;		/* optional positional */
	__u32 n;
	bool has_n;
	__u32 mode;
	bool flag;
	double secs;
	const char *out;
	const char *list[2];
	int nlist;
	__u32 fmt;			/* --one or --two */
};

static struct t_cfg got;

static int t_run(void *cfg)
{
	got = *(struct t_cfg *)cfg;
	return XT_EXIT_OK;
}

#define T struct t_cfg
static const struct xt_opt t_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", T, ifname, .what = "one interface"),
	XT_ARG(XT_OPT_FILE, "FILE", T, file, .optional = true,
	       .what = "at most one file"),
	XT_OPTION(XT_OPT_UINT, "n", T, n, XT_HAS(T, has_n), .min = 1,
		  .max = 300, .metavar = "N", .help = "a number"),
	XT_OPTION(XT_OPT_ENUM, "mode", T, mode, .names = xt_mode_names,
		  .allowed = 1u << XT_MODE_AUTO | 1u << XT_MODE_GENERIC,
		  .help = "a mode"),
	XT_OPTION(XT_OPT_FLAG, "flag", T, flag, .help = "a flag"),
	{ .type = XT_OPT_FLAG, .short_name = 'd', XT_FIELD(T, flag),
	  .help = "the same flag" },
	XT_OPTION(XT_OPT_DURATION, "secs", T, secs, .max = 10,
		  .metavar = "S", .help = "seconds"),
	{ .type = XT_OPT_FILE, .short_name = 'w', XT_FIELD(T, out),
	  .metavar = "OUT", .required = true, .help = "where to" },
	XT_OPTION(XT_OPT_LIST, "item", T, list, XT_COUNT(T, nlist), .max = 2,
		  .metavar = "I", .help = "repeat"),
	XT_OPTION(XT_OPT_FLAG, "one", T, fmt, .set = 1, .help = "as one"),
	XT_OPTION(XT_OPT_FLAG, "two", T, fmt, .set = 2, .help = "as two"),
	XT_OPT_TABLE_END,
};
#undef T

static const struct xt_cmd t_cmd = XT_COMMAND("t", "a test command", t_run,
	t_opts, struct t_cfg, .doc = "Some doc.\n");

struct words {
	int argc;
	char *argv[32];
};

static int run_words(void *arg)
{
	struct words *w = arg;

	memset(&got, 0, sizeof(got));
	return xt_cmd_run(&t_cmd, "t", w->argc, w->argv);
}

/* Run t_cmd on the words (NULL-terminated); err gets its stderr. */
static int run(char *err, size_t len, ...)
{
	struct words w = { 1, { "t" } };
	va_list ap;

	va_start(ap, len);
	while ((w.argv[w.argc] = va_arg(ap, char *)))
		w.argc++;
	va_end(ap);
	return stderr_catch(err, len, run_words, &w);
}

static void stores(void **state)
{
	char err[256];

	assert_int_equal(run(err, sizeof(err), "--n=0x10", "eth0", "-w", "-",
			     "--mode", "generic", "-d", "--secs", "0.5",
			     "--item", "a", "--item", "b", "f.yaml", NULL),
			 XT_EXIT_OK);
	assert_string_equal(err, "");
	assert_string_equal(got.ifname, "eth0");
	assert_string_equal(got.file, "f.yaml");
	assert_int_equal(got.n, 16);
	assert_true(got.has_n);
	assert_int_equal(got.mode, XT_MODE_GENERIC);
	assert_true(got.flag);
	assert_true(got.secs == 0.5);
	assert_string_equal(got.out, "-");
	assert_int_equal(got.nlist, 2);
	assert_string_equal(got.list[1], "b");
	/* A flag given twice is no conflict. */
	assert_int_equal(run(err, sizeof(err), "eth0", "-w", "x", "--two",
			     "--two", NULL), XT_EXIT_OK);
	assert_int_equal(got.fmt, 2);
	/* After --, a word that looks like an option is an argument. */
	assert_int_equal(run(err, sizeof(err), "-w", "x", "--", "-eth", NULL),
			 XT_EXIT_OK);
	assert_string_equal(got.ifname, "-eth");
	assert_false(got.has_n);
}

static void errors(void **state)
{
	static const struct {
		const char *words[6];
		const char *err;
	} c[] = {
		{ { "eth0", "-w", "x", "--bogus" },
		  "Error: unknown option '--bogus' (try 'xdptag t --help')" },
		{ { "eth0", "-w", "x", "--n" },
		  "Error: option '--n' needs a value" },
		{ { "eth0", "-w", "x", "--flag=1" },
		  "Error: option '--flag' takes no value" },
		{ { "eth0", "-w", "x", "-dx" },
		  "Error: option '-d' takes no value" },
		{ { "eth0", "-w", "x", "--n", "0" },
		  "Error: --n: '0' is not a number in 1-300" },
		{ { "eth0", "-w", "x", "--n", "010" },
		  "Error: --n: '010' has a leading zero: write decimal without it, or hex with 0x" },
		{ { "eth0", "-w", "x", "--mode", "native" },
		  "Error: --mode: 'native' is not one of auto, generic" },
		{ { "eth0", "-w", "x", "--secs", "1e0" },
		  "Error: --secs: '1e0' is not a number of seconds above 0 and at most 10" },
		{ { "eth0", "-w", "x", "--secs", "11" },
		  "Error: --secs: '11' is not a number of seconds above 0 and at most 10" },
		{ { "-w", "x" },
		  "Error: expected one interface and at most one file (try 'xdptag t --help')" },
		{ { "eth0", "f", "g", "-w", "x" },
		  "Error: expected one interface and at most one file (try 'xdptag t --help')" },
		{ { "eth0" },
		  "Error: option '-w' is required (try 'xdptag t --help')" },
		{ { "a/b", "-w", "x" },
		  "Error: 'a/b' is not a valid interface name" },
		{ { "0123456789abcdef", "-w", "x" },
		  "Error: '0123456789abcdef' is not a valid interface name" },
		{ { "eth0", "-w", "x", "--one", "--two" },
		  "Error: --one and --two exclude each other" },
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *const *w = c[i].words;

		assert_int_equal(run(err, sizeof(err), w[0], w[1], w[2], w[3],
				     w[4], w[5], NULL), XT_EXIT_USAGE);
		assert_string_equal(err, c[i].err);
	}
}

static void list_is_bounded(void **state)
{
	char err[256];

	assert_int_equal(run(err, sizeof(err), "eth0", "-w", "x", "--item",
			     "a", "--item", "b", "--item", "c", NULL),
			 XT_EXIT_USAGE);
	assert_string_equal(err, "Error: --item: at most 2");
}

static void help_from_table(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	xt_cmd_usage(&t_cmd, "t", f);
	fclose(f);
	assert_string_equal(buf,
		"Usage: xdptag t IFACE [FILE] [--n N] [--mode {auto|generic}] [--flag] [-d]\n"
		"                [--secs S] -w OUT [--item I] [--one] [--two]\n"
		"\n"
		"Some doc.\n"
		"\n"
		"  --n N               a number\n"
		"  --mode {auto|generic}\n"
		"                      a mode\n"
		"  --flag              a flag\n"
		"  -d                  the same flag\n"
		"  --secs S            seconds\n"
		"  -w OUT              where to\n"
		"  --item I            repeat\n"
		"  --one               as one\n"
		"  --two               as two\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stores),
		cmocka_unit_test(errors),
		cmocka_unit_test(list_is_bounded),
		cmocka_unit_test(help_from_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
