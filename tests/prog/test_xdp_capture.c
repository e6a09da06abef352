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

/*
 * One skeleton with the rule "ssh" (:22, weight 40, class 3) and drop
 * threshold drop_at, its capture switch mapped as `xdptag capture` maps
 * it (the pin table's name for xt_cap), and its ring read into g.
 */
struct cap_fix {
	struct xdptag *skel;
	struct xt_rule r;
	volatile struct xt_cap *cap;
	struct ring_buffer *rb;
	struct got g;
};

/* no_meta: the XDP stage acts as on a driver without metadata. */
static void fix_open_meta(struct cap_fix *f, unsigned int drop_at,
			  int no_meta)
{
	struct bpf_map *map;
	void *cap;

	memset(f, 0, sizeof(*f));
	f->r = (struct xt_rule){ .name = "ssh", .weight = 40, .class_id = 3 };
	f->skel = xh_open(no_meta);
	assert_non_null(f->skel);
	assert_int_equal(xt_ranges_add(&f->r.dport, 22, 22), 0);
	assert_int_equal(xh_rules(f->skel, &f->r, 1, drop_at), 0);
	map = bpf_object__find_map_by_name(f->skel->obj,
					   xt_pin_table[XT_PIN_CAP].bpf_name);
	assert_non_null(map);
	assert_true(bpf_map__map_flags(map) & BPF_F_MMAPABLE);
	cap = mmap(NULL, sizeof(struct xt_cap), PROT_READ | PROT_WRITE,
		   MAP_SHARED, bpf_map__fd(map), 0);
	assert_true(cap != MAP_FAILED);
	f->cap = cap;
	f->rb = ring_buffer__new(bpf_map__fd(f->skel->maps.xt_cap_ring),
				 on_rec, &f->g, NULL);
	assert_non_null(f->rb);
}

static void fix_open(struct cap_fix *f, unsigned int drop_at)
{
	fix_open_meta(f, drop_at, 0);
}

static void fix_close(struct cap_fix *f)
{
	ring_buffer__free(f->rb);
	munmap((void *)f->cap, sizeof(struct xt_cap));
	xt_rule_free(&f->r);
	xdptag__destroy(f->skel);
}

static void switch_filter_records(void **state)
{
	struct cap_fix f;
	struct pkt p;

	(void)state;
	fix_open(&f, 0);

	/* Off: nothing matched, nothing in the ring. */
	ssh_frame(&p, 22);
	assert_int_equal(xh_run(f.skel, p.b, p.len, 1).err, 0);
	assert_int_equal(f.cap->st.matched, 0);
	assert_int_equal(ring_buffer__consume(f.rb), 0);

	/* On, class 3 only, 20 bytes kept. */
	f.cap->cfg.snaplen = 20;
	f.cap->cfg.flags = XT_CAP_CLASS;
	f.cap->cfg.class_id = 3;
	f.cap->cfg.on = 1;
	assert_int_equal(xh_run(f.skel, p.b, p.len, 1).err, 0);
	assert_int_equal(f.cap->st.matched, 1);
	assert_int_equal(f.cap->st.sampled, 1);
	assert_int_equal(ring_buffer__consume(f.rb), 1);
	assert_int_equal(f.g.n, 1);
	assert_int_equal(f.g.rec.wire_len, p.len);
	assert_int_equal(f.g.rec.cap_len, 20);
	assert_int_equal(f.g.rec.score, 40);
	assert_int_equal(f.g.rec.class_id, 3);
	assert_int_equal(f.g.rec.rules, 1);
	assert_int_equal(f.g.rec.action, XDP_PASS);
	assert_int_equal(f.g.rec.tagged, 1);
	assert_memory_equal(f.g.rec.data, p.b, 20);

	/* The filter: a frame of class 0 is not matched. */
	ssh_frame(&p, 80);
	assert_int_equal(xh_run(f.skel, p.b, p.len, 1).err, 0);
	assert_int_equal(f.cap->st.matched, 1);
	assert_int_equal(ring_buffer__consume(f.rb), 0);

	/* Off again: the SSH frame is no longer sampled. */
	f.cap->cfg.on = 0;
	ssh_frame(&p, 22);
	assert_int_equal(xh_run(f.skel, p.b, p.len, 1).err, 0);
	assert_int_equal(f.cap->st.matched, 1);
	assert_int_equal(f.cap->st.sampled, 1);
	assert_int_equal(ring_buffer__consume(f.rb), 0);
	fix_close(&f);
}

/*
 * With every packet captured, run a frame to dport: it gets action, and
 * its record says action and whether the tag went in.
 */
static void run_recorded(struct cap_fix *f, __u16 dport, __u32 action,
			 int tagged)
{
	struct pkt p;

	f->cap->cfg.snaplen = 20;
	f->cap->cfg.on = 1;
	ssh_frame(&p, dport);
	assert_int_equal(xh_run(f->skel, p.b, p.len, 1).action, action);
	assert_int_equal(ring_buffer__consume(f->rb), 1);
	assert_int_equal(f->g.rec.action, action);
	assert_int_equal(f->g.rec.tagged, tagged);
}

/*
 * A record says the verdict and whether the tag went in, which the program
 * keeps in its per-CPU scratch entry: a drop after a pass on the same CPU
 * must not carry the pass's flag.  Each frame's second run takes its
 * verdict, action and flag included, from the verdict memo.
 */
static void drop_after_pass(void **state)
{
	struct cap_fix f;
	int i;

	(void)state;
	fix_open(&f, 40);	/* drops :22 */
	for (i = 0; i < 2; i++) {
		run_recorded(&f, 80, XDP_PASS, 1);
		run_recorded(&f, 22, XDP_DROP, 0);
		assert_int_equal(f.g.rec.score, 40);
	}
	assert_int_equal(f.g.n, 4);
	fix_close(&f);
}

/* A pass whose tag could not be written is recorded as untagged. */
static void pass_without_meta(void **state)
{
	struct cap_fix f;

	(void)state;
	fix_open_meta(&f, 0, 1);
	run_recorded(&f, 22, XDP_PASS, 0);
	assert_int_equal(f.g.rec.score, 40);
	fix_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(switch_filter_records),
		cmocka_unit_test(drop_after_pass),
		cmocka_unit_test(pass_without_meta),
	};

	return cmocka_run_group_tests_name("xdp_capture", tests, NULL, NULL);
}
