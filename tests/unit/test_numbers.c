// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One number syntax (user/num.h, docs/cli.md, docs/rules.md): the same
 * text gives the same value, or the same refusal, as an option on the
 * command line (through the option layer, user/opt.c) and as a setting of
 * a rules file (user/rules_file.c).  "010" is the case that used to differ:
 * 8 on the command line, 10 in a file; now both refuse it, saying why.
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
#include "cmd.h"
#include "rules_file.h"
#include "unit/stderr_catch.h"

#define LEADING_ZERO "has a leading zero: write decimal without it, or hex with 0x"

struct num_cfg {
	__u32 n;
};

static __u32 ran_with;

static int num_run(void *cfg)
{
	ran_with = ((struct num_cfg *)cfg)->n;
	return XT_EXIT_OK;
}

/* A command with one option as wide as mark_mask. */
static const struct xt_opt num_opts[] = {
	XT_OPTION(XT_OPT_UINT, "n", struct num_cfg, n, .max = UINT32_MAX,
		  .metavar = "N", .help = "a number"),
	XT_OPT_TABLE_END,
};

static const struct xt_cmd num_cmd = {
	.name = "num", .summary = "", .run = num_run, .opts = num_opts,
	.cfg_size = sizeof(struct num_cfg),
};

struct num_try {
	const char *text;
	__u32 v;
};

/* The text as the value of --n. */
static int cli(void *arg)
{
	struct num_try *t = arg;
	char *argv[] = { "num", "--n", (char *)t->text, NULL };
	int ret;

	ran_with = 0xdeadbeef;
	ret = xt_cmd_run(&num_cmd, "num", 3, argv);
	t->v = ran_with;
	return ret;
}

static char rules_path[] = "/tmp/xt-numbers-XXXXXX";

/* The text as a rules file's mark_mask. */
static int rules(void *arg)
{
	struct num_try *t = arg;
	static struct xt_rules_file rf;
	FILE *f = fopen(rules_path, "w");
	int ret;

	assert_non_null(f);
	fprintf(f, "settings:\n  mark_mask: %s\nclasses: [{id: 1, name: a}]\n"
		   "rules: [{name: r, class: a, weight: 1, match: {proto: tcp}}]\n",
		t->text);
	fclose(f);
	ret = xt_rules_file_load(rules_path, &rf, stderr);
	if (!ret) {
		t->v = rf.settings.mark_mask;
		xt_rules_file_free(&rf);
	}
	return ret;
}

struct num_case {
	const char *text;
	bool ok;
	__u32 value;
	const char *why;	/* in both error lines, when refused */
};

static const struct num_case cases[] = {
	{ "10", true, 10 },
	{ "0x10", true, 16 },
	{ "0XfF", true, 255 },
	{ "0x00ff", true, 255 },		/* hex may have leading zeros */
	{ "4294967295", true, 4294967295u },
	{ "0xffffffff", true, 4294967295u },
	{ "010", false, 0, "'010' " LEADING_ZERO },
	{ "00", false, 0, "'00' " LEADING_ZERO },
	{ "0x", false },
	{ "-1", false },
	{ "+1", false },
	{ "1e3", false },
	{ "0b101", false },
	{ "0o10", false },
	{ "4294967296", false },
	{ "0x1ffffffff", false },
	{ "99999999999999999999999", false },
};

static void same_in_both(void **state)
{
	char cli_err[512], file_err[512];
	__u32 cv, fv;
	int cret, fret;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct num_case *c = &cases[i];
		struct num_try ct = { c->text }, ft = { c->text };

		cret = stderr_catch(cli_err, sizeof(cli_err), cli, &ct);
		fret = stderr_catch(file_err, sizeof(file_err), rules, &ft);
		cv = ct.v;
		fv = ft.v;
		/* cmocka prints only the failed line: say which text. */
		if ((cret == 0) != c->ok || (fret == 0) != c->ok)
			print_message("'%s': cli %d %s| file %d %s\n", c->text,
				      cret, cli_err, fret, file_err);
		assert_int_equal(cret == 0, c->ok);
		assert_int_equal(fret == 0, c->ok);
		if (c->ok) {
			assert_int_equal(cv, c->value);
			assert_int_equal(fv, c->value);
			continue;
		}
		assert_int_equal(cret, XT_EXIT_USAGE);
		if (c->why) {
			assert_non_null(strstr(cli_err, c->why));
			assert_non_null(strstr(file_err, c->why));
		}
	}
}

static int setup(void **state)
{
	int fd = mkstemp(rules_path);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	return unlink(rules_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_in_both),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
