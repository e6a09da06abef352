// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdptag: entry point.  Global options, then a subcommand from the table
 * below; each subcommand's own table (options, arguments, help) lives in
 * its user/cmd_*.c file and runs through the option layer, user/opt.c.
 */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "log.h"

const struct xt_cmd *const xt_cmds[] = {
	/* Subcommands are added here, one line each. */
	&xt_cmd_replay, &xt_cmd_attach, &xt_cmd_detach, &xt_cmd_status,
	&xt_cmd_stats, &xt_cmd_nft, &xt_cmd_rules, &xt_cmd_probe,
	&xt_cmd_exporter, &xt_cmd_capture, &xt_cmd_service,
	NULL,
};

static void usage(FILE *f)
{
	const struct xt_cmd *const *c;

	fprintf(f, "Usage: xdptag [-v|-vv] COMMAND [ARGS...]\n"
		   "       xdptag COMMAND --help\n"
		   "       xdptag --version\n\nCommands:\n");
	for (c = xt_cmds; *c; c++)
		fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
}

int main(int argc, char **argv)
{
	const struct xt_cmd *c;
	int i = 1;

	/* Global options are the few words before the command: -v is not
	 * a command's option, so no table is needed to tell them apart. */
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			xt_verbose = 1;
		else if (!strcmp(argv[i], "-vv"))
			xt_verbose = 2;
		else if (!strcmp(argv[i], "--version")) {
			/* XT_VERSION: debian/changelog's, by the Makefile. */
			printf("xdptag %s\n", XT_VERSION);
			return XT_EXIT_OK;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return XT_EXIT_OK;
		} else {
			pr_err("unknown option '%s' (try 'xdptag --help')", argv[i]);
			return XT_EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return XT_EXIT_USAGE;
	}
	xt_log_setup();
	c = xt_cmd_find(xt_cmds, argv[i]);
	if (!c) {
		pr_err("unknown command '%s' (try 'xdptag --help')", argv[i]);
		return XT_EXIT_USAGE;
	}
	return xt_cmd_run(c, c->name, argc - i, argv + i);
}
