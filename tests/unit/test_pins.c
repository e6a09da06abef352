// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xt_pin_table's map layouts, which xt_pins_open() holds pins to, are the
 * BPF objects' own: a map whose type, key or value changes in
 * bpf/lib/maps.h without the table following would refuse every pin this
 * very build made (and one following it without the table would not be
 * noticed in another version's pins).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include "pins.h"
#include "xdptag.skel.h"
#include "xdptag_tc.skel.h"

static void layouts_are_the_objects(void **state)
{
	struct xdptag *xdp = xdptag__open();
	struct xdptag_tc *tc = xdptag_tc__open();
	const struct xt_pin_desc *d;
	struct bpf_map *m;
	int checked = 0;

	assert_non_null(xdp);
	assert_non_null(tc);
	for (d = xt_pin_table; d < xt_pin_table + XT_PIN_NR; d++) {
		if (d->kind != XT_PIN_MAP || d->obj == XT_PIN_OBJ_USER)
			continue;
		m = bpf_object__find_map_by_name(d->obj == XT_PIN_OBJ_TC ?
						 tc->obj : xdp->obj,
						 d->bpf_name ? d->bpf_name :
							       d->name);
		if (!m)
			fail_msg("%s: no such map in its object", d->name);
		if (bpf_map__type(m) != d->map.type ||
		    bpf_map__key_size(m) != d->map.key_size ||
		    bpf_map__value_size(m) != d->map.value_size)
			fail_msg("%s: object %u/%u/%u, xt_pin_table %u/%u/%u",
				 d->name, bpf_map__type(m),
				 bpf_map__key_size(m), bpf_map__value_size(m),
				 d->map.type, d->map.key_size,
				 d->map.value_size);
		checked++;
	}
	/* every map pin but xt_info, which user space makes from the table */
	assert_int_equal(checked, 9);
	xdptag_tc__destroy(tc);
	xdptag__destroy(xdp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layouts_are_the_objects),
	};

	return cmocka_run_group_tests_name("pins", tests, NULL, NULL);
}
