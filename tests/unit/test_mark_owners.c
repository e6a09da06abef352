// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "mark_owners.h"

static int warn(uint32_t mask, char **text)
{
	size_t len;
	FILE *f = open_memstream(text, &len);
	int n;

	assert_non_null(f);
	n = xt_mark_owners_warn(mask, f);
	fclose(f);
	return n;
}

static void default_mask_is_clear(void **state)
{
	char *t;

	assert_int_equal(warn(0xff, &t), 0);
	assert_string_equal(t, "");
	free(t);
}

static void kube_proxy_named(void **state)
{
	char *t;

	assert_int_equal(warn(0x4000, &t), 1);
	assert_string_equal(t,
		"Warning: mark mask 0x00004000 overlaps kube-proxy's bits 0x00004000 (masquerade mark (iptables mode))\n");
	free(t);
}

static void tailscale_bits_hit_four_owners(void **state)
{
	char *t;

	/* Cilium's identity, Calico's and Tailscale's bits all cover it,
	 * and so does Weave's 0x20000. */
	assert_int_equal(warn(0x00ff0000, &t), 4);
	assert_non_null(strstr(t, "Cilium's bits 0xffff0000"));
	assert_non_null(strstr(t, "Calico's bits 0xffff0000"));
	assert_non_null(strstr(t, "Tailscale's bits 0x00ff0000"));
	assert_non_null(strstr(t, "Weave Net's bits 0x00020000"));
	free(t);
}

static void cilium_type_bits(void **state)
{
	char *t;

	assert_int_equal(warn(0xf00, &t), 1);
	assert_non_null(strstr(t, "Cilium's bits 0x00000f00"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_mask_is_clear),
		cmocka_unit_test(kube_proxy_named),
		cmocka_unit_test(tailscale_bits_hit_four_owners),
		cmocka_unit_test(cilium_type_bits),
	};

	return cmocka_run_group_tests_name("mark_owners", tests, NULL, NULL);
}
