// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Prints the counter list of docs/output.md from the counter table
 * (user/counters.c): tests/unit/test_counters_doc.sh compares it with the
 * doc, and with --write puts it there.
 */
#include "counters.h"

int main(void)
{
	xt_counters_doc(stdout);
	return 0;
}
