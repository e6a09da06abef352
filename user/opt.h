/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The option layer every subcommand uses (user/opt.c), after xdp-tools'
 * lib/util/params.c and bpftool's command tables.  A command is a table of
 * options and positional arguments, each row a typed parser that writes
 * one field of the command's config struct; the parser, the errors and the
 * --help text all come from the table.  A group of commands (the top
 * level, `rules`, `service`) is a table of commands.  docs/architecture.md
 * says how to add an option.
 */
#ifndef XDPTAG_OPT_H
#define XDPTAG_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "names.h"

enum xt_opt_type {
	XT_OPT_END = 0,		/* ends the table */
	XT_OPT_FLAG,		/* no value: stores .set (default 1) */
	XT_OPT_UINT,		/* user/num.h's syntax, in [.min, .max] */
	XT_OPT_ENUM,		/* a word of .names (.allowed): its value */
	XT_OPT_IFNAME,		/* a name the kernel could give a device */
	XT_OPT_DURATION,	/* seconds (double), a fraction allowed, in
				 * (0, .max] */
	XT_OPT_FILE,		/* a path, not checked until it is opened */
	XT_OPT_STRING,		/* other text (a class name, ADDR:PORT) */
	XT_OPT_LIST,		/* repeatable text: appended to an array of
				 * .max, its int count at .count_off */
	XT_OPT_REST,		/* positional: every word left, as it is
				 * (char **, int count at .count_off) */
};

struct xt_opt {
	enum xt_opt_type type;
	const char *name;	/* "mode" for --mode; NULL: positional */
	char short_name;	/* 'w' for -w, or 0 */
	const char *metavar;	/* the value in help: "FILE"; enums show
				 * {a|b|c}; positionals their name */
	const char *help;	/* lines of help, '\n' between them */
	size_t off, size;	/* the field the value goes to */
	bool has;		/* also set the bool at has_off when given */
	size_t has_off;
	unsigned long long min, max;
	unsigned long long set;	/* FLAG: the value stored (0 means 1) */
	const struct xt_name *names;	/* ENUM: the shared name table */
	__u32 allowed;		/* ENUM: bit 1 << value per word offered,
				 * 0: all */
	size_t count_off;	/* LIST, REST */
	const char *what;	/* positional, in "expected one interface" */
	bool optional;		/* positional that may be left out */
	bool required;		/* option that must be given */
};

#define XT_FIELD(cfg, m)  .off = offsetof(cfg, m), .size = sizeof(((cfg *)0)->m)
#define XT_HAS(cfg, m)    .has = true, .has_off = offsetof(cfg, m)
#define XT_COUNT(cfg, m)  .count_off = offsetof(cfg, m)
/* An option --NAME of TYPE into field M of config struct CFG. */
#define XT_OPTION(type_, name_, cfg, m, ...) \
	{ .type = (type_), .name = (name_), XT_FIELD(cfg, m), __VA_ARGS__ }
/* A positional argument shown as METAVAR. */
#define XT_ARG(type_, metavar_, cfg, m, ...)			\
	{ .type = (type_), .metavar = (metavar_), XT_FIELD(cfg, m),	\
	  __VA_ARGS__ }
#define XT_OPT_TABLE_END { .type = XT_OPT_END }

/* A number as text, for help strings: XT_STR(XT_MARK_MASK_DEFAULT). */
#define XT_STR_(x) #x
#define XT_STR(x) XT_STR_(x)

struct xt_cmd {
	const char *name;
	const char *summary;	/* its line in the group's help */
	/* A command: parse into a struct of cfg_size, first a copy of
	 * defaults (NULL: zeroes), then run it. */
	int (*run)(void *cfg);
	const struct xt_opt *opts;
	size_t cfg_size;
	const void *defaults;
	/* A group: one of these commands, NULL-terminated. */
	const struct xt_cmd *const *subs;
	const char *doc;	/* help text after the synopsis */
};

/* Command NAME: run RUN on config struct CFG, filled through table OPTS. */
#define XT_COMMAND(name_, summary_, run_, opts_, cfg, ...)		\
	{ .name = (name_), .summary = (summary_), .run = (run_),	\
	  .opts = (opts_), .cfg_size = sizeof(cfg), __VA_ARGS__ }

/* Group NAME: one of the NULL-terminated table SUBS. */
#define XT_GROUP(name_, summary_, subs_, ...)				\
	{ .name = (name_), .summary = (summary_), .subs = (subs_), __VA_ARGS__ }

/* The top level's commands, in main.c. */
extern const struct xt_cmd *const xt_cmds[];

/* Each subcommand's table, in its user/cmd_*.c. */
extern const struct xt_cmd xt_cmd_attach, xt_cmd_detach, xt_cmd_status,
	xt_cmd_stats, xt_cmd_nft, xt_cmd_rules, xt_cmd_probe, xt_cmd_exporter,
	xt_cmd_capture, xt_cmd_replay, xt_cmd_service;

/*
 * Run command or group c on argv[1..argc) (argv[0] is its name); path is
 * how the user named it, "rules load".  Returns an enum xt_exit.
 */
int xt_cmd_run(const struct xt_cmd *c, const char *path, int argc,
	       char **argv);

/*
 * Only parse argv for command c (not a group) into cfg, of c's cfg_size,
 * after c's defaults: 0, XT_EXIT_USAGE after an error line, or -1 after
 * --help printed the usage.
 */
int xt_cmd_parse(const struct xt_cmd *c, const char *path, int argc,
		 char **argv, void *cfg);

/* c in table t by name, or NULL. */
const struct xt_cmd *xt_cmd_find(const struct xt_cmd *const *t,
				 const char *name);

/* c's help, as --help prints it. */
void xt_cmd_usage(const struct xt_cmd *c, const char *path, FILE *f);

/* The kernel could name an interface s, and it is safe as a directory
 * name (pins live under it): 0, or -EINVAL after an error line. */
int xt_ifname_check(const char *s);

#endif
