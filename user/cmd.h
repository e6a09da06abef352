/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Subcommands.  Each takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit status (docs/cli.md lists them).
 */
#ifndef XDPTAG_CMD_H
#define XDPTAG_CMD_H

/* Exit statuses, documented in docs/cli.md. */
enum xt_exit {
	XT_EXIT_OK = 0,
	XT_EXIT_FAIL = 1,	/* the operation failed (kernel refused, ...) */
	XT_EXIT_USAGE = 2,	/* bad command line or bad input file */
	XT_EXIT_STATE = 3,	/* wrong state: already / not attached */
	XT_EXIT_NO_VERDICT = 4,	/* probe: no traffic to judge by */
};

struct xt_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* The table in main.c; help is generated from it. */
extern const struct xt_cmd xt_cmds[];

#endif
