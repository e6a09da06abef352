// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test helper: xt_pin_table (user/pins.c), the one list of pins, as the
 * tests and docs need it, so that neither keeps a copy of its own.
 *
 *   pin_table names cls|tcx   the pins of a complete directory whose TC
 *                             stage went through cls_bpf or tcx, one a line
 *   pin_table doc             the table of docs/cli.md's "Pins" section
 */
#include <stdio.h>
#include <string.h>
#include "pins.h"

static const char *const kinds[] = {
	[XT_PIN_MAP] = "map", [XT_PIN_PROG] = "program", [XT_PIN_LINK] = "link",
};

static const char *const objs[] = {
	[XT_PIN_OBJ_XDP] = "XDP object", [XT_PIN_OBJ_TC] = "TC object",
	[XT_PIN_OBJ_USER] = "user space",
};

static void doc_print(void)
{
	const struct xt_pin_desc *d;

	printf("| pin | kind | from | present | what |\n"
	       "| --- | --- | --- | --- | --- |\n");
	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR; d++) {
		printf("| `%s` | %s | %s", d->name, kinds[d->kind],
		       objs[d->obj]);
		if (d->bpf_name)
			printf(" (`%s`)", d->bpf_name);
		printf(" | %s | %s |\n",
		       d->when == XT_PIN_TCX_ONLY ? "with tcx" : "always",
		       d->what);
	}
}

int main(int argc, char **argv)
{
	const struct xt_pin_desc *d;
	bool tcx;

	if (argc == 2 && !strcmp(argv[1], "doc")) {
		doc_print();
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "names") ||
	    (strcmp(argv[2], "cls") && strcmp(argv[2], "tcx"))) {
		fprintf(stderr, "usage: pin_table names cls|tcx | doc\n");
		return 2;
	}
	tcx = !strcmp(argv[2], "tcx");
	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR; d++)
		if (d->when == XT_PIN_ALWAYS || tcx)
			printf("%s\n", d->name);
	return 0;
}
