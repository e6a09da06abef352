/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Subcommands: each is a struct xt_cmd (user/opt.h) in its user/cmd_*.c,
 * run through the option layer; it returns the process exit status
 * (docs/cli.md lists them).
 */
#ifndef XDPTAG_CMD_H
#define XDPTAG_CMD_H

#include <stdint.h>
#include "xdptag.h"
#include "log.h"
#include "opt.h"

/* Exit statuses, documented in docs/cli.md. */
enum xt_exit {
	XT_EXIT_OK = 0,
	XT_EXIT_FAIL = 1,	/* the operation failed (kernel refused, ...) */
	XT_EXIT_USAGE = 2,	/* bad command line or bad input file */
	XT_EXIT_STATE = 3,	/* wrong state: already / not attached */
	XT_EXIT_NO_VERDICT = 4,	/* probe: no traffic; replay: no frame ran */
};

/*
 * --mark-mask, --mark-shift and --mark-value, as attach and replay take
 * them: option table rows into fields MASK, SHIFT, VALUE of config struct
 * CFG, each with its bool "given" (HAS_*) beside it.
 */
#define XT_MARK_OPTIONS(cfg, mask, has_mask, shift, has_shift, value,	\
			has_value)					\
	XT_OPTION(XT_OPT_UINT, "mark-mask", cfg, mask, XT_HAS(cfg, has_mask), \
		  .max = UINT32_MAX, .metavar = "MASK",			\
		  .help = "bits of skb->mark xdptag may write (default "	\
			  XT_STR(XT_MARK_MASK_DEFAULT) ")"),		\
	XT_OPTION(XT_OPT_UINT, "mark-shift", cfg, shift,		\
		  XT_HAS(cfg, has_shift), .max = 31, .metavar = "N",	\
		  .help = "shift of the value inside the mask, 0-31 (default 0)"), \
	XT_OPTION(XT_OPT_ENUM, "mark-value", cfg, value,		\
		  XT_HAS(cfg, has_value), .names = xt_mark_value_names,	\
		  .help = "class, score (band 0-15) or both (class<<4|band)")

/*
 * Hot-swap the rules file path (NULL: the built-in ruleset) into attached
 * ifname, as `rules load` does (user/cmd_rules.c); prints one line on
 * success.  Returns an enum xt_exit.
 */
int xt_rules_swap(const char *ifname, const char *path);

#endif
