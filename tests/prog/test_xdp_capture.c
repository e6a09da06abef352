// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The capture switch as `xdptag capture` uses it (user/capture.c): the map
 * the pin table names for xt_cap, mapped into memory, its flag and filter
 * written there, records read from xt_cap_ring.  The program reads the
 * switch as a global (bpf/lib/maps.h): a program that stopped seeing the
 * mapped flag, or a map that could not be mapped, fails here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/mman.h>
#include "lib/xdp_harness.h"
#include "lib/pkt.h"
#include "pins.h"

struct got {
	int n;
	struct xt_cap_rec rec;
};

static int on_rec(void *ctx, void *data, size_t size)
{
	struct got *g = ctx;

	if (size <= sizeof(g->rec))
		memcpy(&g->rec, data, size);
	g->n++;
	return 0;
}

static void ssh_frame(struct pkt *p, __u16 dport)
{
	memset(p, 0, sizeof(*p));
	pkt_eth(p, 0x0800);
	pkt_ipv4(p, 5, 6, 64, 0, 0xc0000201, 0xc0000202, 20);
	pkt_tcp(p, 40000, dport, 0x02, 5);
}

static void switch_filter_records(void **state)
{
	struct xdptag *skel = xh_open(0);
	struct xt_rule r = { .name = "ssh", .weight = 40, .class_id = 3 };
	volatile struct xt_cap *cap;
	struct ring_buffer *rb;
	struct got g = { 0 };
	struct bpf_map *map;
	struct pkt p;

	assert_non_null(skel);
	assert_int_equal(xt_ranges_add(&r.dport, 22, 22), 0);
	assert_int_equal(xh_rules(skel, &r, 1, 0), 0);

	/* The map attach pins as xt_cap, found as attach finds it. */
	map = bpf_object__find_map_by_name(skel->obj,
					   xt_pin_table[XT_PIN_CAP].bpf_name);
	assert_non_null(map);
	assert_true(bpf_map__map_flags(map) & BPF_F_MMAPABLE);
	cap = mmap(NULL, sizeof(struct xt_cap), PROT_READ | PROT_WRITE,
		   MAP_SHARED, bpf_map__fd(map), 0);
	assert_true(cap != MAP_FAILED);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.xt_cap_ring), on_rec, &g,
			      NULL);
	assert_non_null(rb);

	/* Off: nothing matched, nothing in the ring. */
	ssh_frame(&p, 22);
	assert_int_equal(xh_run(skel, p.b, p.len, 1).err, 0);
	assert_int_equal(cap->st.matched, 0);
	assert_int_equal(ring_buffer__consume(rb), 0);

	/* On, class 3 only, 20 bytes kept. */
	cap->cfg.snaplen = 20;
	cap->cfg.flags = XT_CAP_CLASS;
	cap->cfg.class_id = 3;
	cap->cfg.on = 1;
	assert_int_equal(xh_run(skel, p.b, p.len, 1).err, 0);
	assert_int_equal(cap->st.matched, 1);
	assert_int_equal(cap->st.sampled, 1);
	assert_int_equal(ring_buffer__consume(rb), 1);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.rec.wire_len, p.len);
	assert_int_equal(g.rec.cap_len, 20);
	assert_int_equal(g.rec.score, 40);
	assert_int_equal(g.rec.class_id, 3);
	assert_int_equal(g.rec.rules, 1);
	assert_int_equal(g.rec.action, XDP_PASS);
	assert_int_equal(g.rec.tagged, 1);
	assert_memory_equal(g.rec.data, p.b, 20);

	/* The filter: a frame of class 0 is not matched. */
	ssh_frame(&p, 80);
	assert_int_equal(xh_run(skel, p.b, p.len, 1).err, 0);
	assert_int_equal(cap->st.matched, 1);
	assert_int_equal(ring_buffer__consume(rb), 0);

	/* Off again: the SSH frame is no longer sampled. */
	cap->cfg.on = 0;
	ssh_frame(&p, 22);
	assert_int_equal(xh_run(skel, p.b, p.len, 1).err, 0);
	assert_int_equal(cap->st.matched, 1);
	assert_int_equal(cap->st.sampled, 1);
	assert_int_equal(ring_buffer__consume(rb), 0);

	ring_buffer__free(rb);
	munmap((void *)cap, sizeof(struct xt_cap));
	xt_rule_free(&r);
	xdptag__destroy(skel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(switch_filter_records),
	};

	return cmocka_run_group_tests_name("xdp_capture", tests, NULL, NULL);
}
