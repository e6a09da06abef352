// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the rules-file loader (user/rules_file.c over
 * libyaml, then the compiler of user/rules.c).  The input goes through the
 * real path, xt_rules_file_load() on a file: it is written to rules.yaml in
 * a private directory, so that a relative src_file/dst_file resolves there
 * and not in whatever directory the fuzzer happens to run in.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rules_file.h"

static char dir[] = "/tmp/fuzz_rules.XXXXXX";
static char path[64];
static FILE *devnull;

static void invariant(int cond)
{
	if (!cond)
		abort();
}

/* libFuzzer ends with exit(); a crash leaves the directory for study. */
static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static void setup(void)
{
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(path, sizeof(path), "%s/rules.yaml", dir);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xt_rules_file f;	/* 64 rules: too big for the stack */
	struct xt_compiled comp;
	FILE *fp;
	size_t i, j;

	if (!devnull)
		setup();
	fp = fopen(path, "w");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp))
		abort();

	if (xt_rules_file_load(path, &f, devnull)) {
		/* A refused file leaves nothing allocated behind. */
		invariant(!f.nrules && !f.marks);
		return 0;
	}
	/* What attach and `rules swap` rely on in a file that loaded. */
	invariant(f.nrules <= XT_MAX_RULES && f.nclasses <= XT_MAX_CLASSES);
	invariant(f.marks != NULL);
	invariant(!f.settings.has_mark_mask || f.settings.mark_mask);
	invariant(f.settings.mark_shift <= 31);
	invariant(f.settings.drop_threshold <= 255);
	for (i = 0; i < f.nclasses; i++)
		invariant(f.classes[i].id && f.classes[i].name[0]);
	for (i = 0; i < f.nrules; i++) {
		invariant(f.rules[i].name[0]);
		invariant(xt_class_name(&f, f.rules[i].class_id) != NULL);
		for (j = 0; j < i; j++)
			invariant(strcmp(f.rules[i].name, f.rules[j].name));
	}
	/* Loading compiled it once already: it must compile again. */
	invariant(!xt_rules_file_compile(&f, &comp, devnull));
	xt_compiled_free(&comp);
	xt_rules_file_free(&f);
	return 0;
}
