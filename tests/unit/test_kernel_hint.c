// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xt_kernel_hint_for(): silent from 6.1 on, a sentence before it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "log.h"

static void tested_kernels_are_silent(void **state)
{
	assert_string_equal(xt_kernel_hint_for("6.1.0-56-cloud-amd64"), "");
	assert_string_equal(xt_kernel_hint_for("6.18.44-fc-v669"), "");
	assert_string_equal(xt_kernel_hint_for("7.0.1"), "");
}

static void older_kernels_are_named(void **state)
{
	assert_string_equal(xt_kernel_hint_for("5.10.0-28-amd64"),
		"; kernel 5.10.0-28-amd64 is older than 6.1, the oldest xdptag is tested on (docs/kernels.md)");
	assert_string_equal(xt_kernel_hint_for("6.0.12"),
		"; kernel 6.0.12 is older than 6.1, the oldest xdptag is tested on (docs/kernels.md)");
}

static void unparsable_release_is_silent(void **state)
{
	assert_string_equal(xt_kernel_hint_for("weird"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tested_kernels_are_silent),
		cmocka_unit_test(older_kernels_are_named),
		cmocka_unit_test(unparsable_release_is_silent),
	};

	return cmocka_run_group_tests_name("kernel_hint", tests, NULL, NULL);
}
