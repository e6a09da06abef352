/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The rules file (YAML, docs/rules.md): classes, rules and global settings,
 * parsed with libyaml into the C structures of rules.h.
 */
#ifndef XDPTAG_RULES_FILE_H
#define XDPTAG_RULES_FILE_H

#include <stdio.h>
#include "rules.h"

/* Global settings; each has a flag saying whether the file set it. */
struct xt_settings {
	uint32_t mark_mask;		/* default 0xff */
	uint32_t mark_shift;		/* default 0 */
	uint32_t mark_value;		/* enum xt_mark_value, default class */
	uint32_t drop_threshold;	/* 0: never drop (default) */
	bool has_mark_mask, has_mark_shift, has_mark_value, has_drop_threshold;
};

struct xt_class {
	uint8_t id;
	char name[XT_NAME_MAX];
};

struct xt_rules_file {
	char path[256];
	struct xt_settings settings;
	size_t nclasses;
	struct xt_class classes[XT_MAX_CLASSES];
	size_t nrules;
	struct xt_rule rules[XT_MAX_RULES];	/* slot i = rules[i] */
	char *descr[XT_MAX_RULES];		/* optional, may be NULL */
};

/*
 * Load and validate a rules file; path NULL means the built-in default
 * ruleset (rules/default.yaml, compiled into the binary).  On error, every
 * problem found is printed to errf as "FILE:LINE:COL: error: WHAT", one per
 * line, and -EINVAL is returned with nothing allocated.
 */
int xt_rules_file_load(const char *path, struct xt_rules_file *out, FILE *errf);
void xt_rules_file_free(struct xt_rules_file *f);

/* Name of class id, or NULL if the file declares no such class. */
const char *xt_class_name(const struct xt_rules_file *f, unsigned int id);

#endif
