/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Subcommands.  Each takes the arguments after its name (argv[0] is the
 * subcommand) and returns the process exit status (docs/cli.md lists them).
 */
#ifndef XDPTAG_CMD_H
#define XDPTAG_CMD_H

#include <getopt.h>
#include "log.h"

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

/*
 * Hot-swap the rules file path (NULL: the built-in ruleset) into attached
 * ifname, as `rules load` does (user/cmd_rules.c); prints one line on
 * success.  Returns an enum xt_exit.
 */
int xt_rules_swap(const char *ifname, const char *path);

/*
 * getopt_long's two error returns, reported alike by every subcommand
 * (option strings start with ':' so that a missing value is told apart).
 */
static inline int xt_opt_error(const char *cmd, int c, char **argv)
{
	if (c == ':')
		pr_err("option '%s' needs a value", argv[optind - 1]);
	else
		pr_err("unknown option '%s' (try 'xdptag %s --help')",
		       argv[optind - 1], cmd);
	return XT_EXIT_USAGE;
}

#endif
