/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The rules file (YAML, docs/rules.md): classes, rules and global settings,
 * parsed with libyaml into the C structures of rules.h.
 */
#ifndef XDPTAG_RULES_FILE_H
#define XDPTAG_RULES_FILE_H

#include <stdio.h>
#include "pins.h"
#include "rules.h"

/*
 * Bounds on what a rules file may make xdptag read and build, checked as
 * the input is read, so that any file is accepted or refused in bounded
 * time and memory (docs/robustness.md, "Limits").  Rules files and prefix
 * files must be regular files.
 */
#define XT_RULES_FILE_MAX_BYTES		(4 << 20)	/* the YAML file */
#define XT_PREFIX_FILE_MAX_BYTES	(32 << 20)	/* each src_file/dst_file */
#define XT_YAML_MAX_DEPTH		32	/* nested lists and mappings */
#define XT_YAML_MAX_ANCHORS		256
#define XT_YAML_MAX_ALIASES		4096
#define XT_YAML_MAX_NODES		(1 << 19)	/* aliases expanded */
#define XT_MAX_PREFIXES			XT_MAX_PREFIX_ENTRIES /* all rules, files
							 * included, aliases
							 * expanded */

/* Global settings; each has a flag saying whether the file set it. */
struct xt_settings {
	uint32_t mark_mask;		/* default XT_MARK_MASK_DEFAULT */
	uint32_t mark_shift;		/* default 0 */
	uint32_t mark_value;		/* enum xt_mark_value, default class */
	uint32_t drop_threshold;	/* 0: never drop (default) */
	uint32_t state_sources;		/* per-source table size */
	uint32_t state_v6_plen;		/* IPv6 source key length */
	bool has_mark_mask, has_mark_shift, has_mark_value, has_drop_threshold;
};

struct xt_class {
	uint8_t id;
	char name[XT_NAME_MAX];
};

/* Where a rule starts in the file (1-based), for errors found later. */
struct xt_rule_pos {
	unsigned int line, col;
};

struct xt_rules_file {
	char path[256];
	struct xt_settings settings;
	size_t nclasses;
	struct xt_class classes[XT_MAX_CLASSES];
	size_t nrules;
	struct xt_rule rules[XT_MAX_RULES];	/* slot i = rules[i] */
	char *descr[XT_MAX_RULES];		/* optional, may be NULL */
	struct xt_rule_pos *marks;		/* per rule; NULL if unknown */
	unsigned int rules_line, rules_col;	/* the "rules:" list */
};

/*
 * Load and validate a rules file; path NULL means the built-in default
 * ruleset (rules/default.yaml, compiled into the binary).  On error, every
 * problem found is printed to errf as "FILE:LINE:COL: error: WHAT", one per
 * line, and -EINVAL is returned with nothing allocated.
 */
int xt_rules_file_load(const char *path, struct xt_rules_file *out, FILE *errf);
void xt_rules_file_free(struct xt_rules_file *f);

/*
 * Compile a loaded file (drop threshold from its settings); errors go to
 * errf in the same FILE:LINE:COL form, at the rule the compiler names.
 */
int xt_rules_file_compile(const struct xt_rules_file *f,
			  struct xt_compiled *out, FILE *errf);

/*
 * Lay f's rules out in slots for a hot swap over a ruleset whose slot i
 * held rule old[i] ("" = free): rules keep their slot by name, new ones
 * take never-used slots first, then vacated ones; holes are vacant (no
 * rule, no name: struct xt_rule).  out is a shallow copy: its rules'
 * lists and descriptions belong to f (free f, never out).
 */
void xt_rules_file_place(const struct xt_rules_file *f,
			 const char (*old)[XT_RULE_NAME_MAX], size_t old_n,
			 struct xt_rules_file *out);

/* rules/default.yaml, NUL-terminated (user/rules_default.c). */
extern const char xt_default_yaml[];

/* The highest class id a rule of f gives (0: none but unclassified). */
unsigned int xt_rules_file_max_class(const struct xt_rules_file *f);

/* Name of class id, or NULL if the file declares no such class. */
const char *xt_class_name(const struct xt_rules_file *f, unsigned int id);

/*
 * Whether path is a file the loader would read (a regular file, readable):
 * 0, or -1 with why said.  Other commands' input files are held to it too
 * (replay --nft).
 */
int xt_file_check(const char *path, char *why, size_t whylen);

#endif
