// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <zlib.h>
#include "pins.h"
#include "ruleset_load.h"

struct xt_rule_maps xt_rule_maps_of(const struct bpf_object *obj)
{
	return (struct xt_rule_maps){
		.rules = bpf_object__find_map_fd_by_name(obj, XT_RULES_SEC),
		.active = bpf_object__find_map_fd_by_name(obj, XT_ACTIVE_SEC),
		.prefix = bpf_object__find_map_fd_by_name(obj, "xt_prefix"),
		.state = bpf_object__find_map_fd_by_name(obj, "xt_state"),
	};
}

/* fd's whole entry key in a buffer of at least size bytes (free it). */
static void *map_entry(int fd, __u32 key, size_t size, __u32 *vsize)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);
	void *buf;

	if (bpf_obj_get_info_by_fd(fd, &mi, &len))
		return NULL;
	buf = calloc(1, mi.value_size > size ? mi.value_size : size);
	if (buf && bpf_map_lookup_elem(fd, &key, buf)) {
		int err = errno;

		free(buf);
		errno = err;
		return NULL;
	}
	*vsize = mi.value_size;
	return buf;
}

int xt_map_lookup_fit(int fd, __u32 key, void *val, size_t size)
{
	__u32 vsize;
	void *buf = map_entry(fd, key, size, &vsize);

	if (!buf)
		return errno ? -errno : -ENOMEM;
	memcpy(val, buf, size);
	free(buf);
	return 0;
}

int xt_map_update_fit(int fd, __u32 key, const void *val, size_t size)
{
	__u32 vsize;
	void *buf = map_entry(fd, key, size, &vsize);
	int err = 0;

	if (!buf)
		return errno ? -errno : -ENOMEM;
	memcpy(buf, val, size < vsize ? size : vsize);
	if (bpf_map_update_elem(fd, &key, buf, BPF_ANY))
		err = -errno;
	free(buf);
	return err;
}

int xt_ruleset_flips(int active_fd, __u32 *flips)
{
	struct xt_active a;
	int err = xt_map_lookup_fit(active_fd, 0, &a, sizeof(a));

	if (!err)
		*flips = a.gen;
	return err;
}

int xt_ruleset_active_gen(const struct xt_rule_maps *m)
{
	__u32 flips = 0;
	int err = xt_ruleset_flips(m->active, &flips);

	return err ? err : (int)(flips & 1);
}

/*
 * Give generation gen the prefix table of c: a new ARRAY map holding c's
 * slots, then its /24 chunks, put in gen's place in the xt_prefix array
 * of maps, which keeps it alive; or no table at all when c has no
 * prefixes beyond /16.
 */
static int prefix_table_set(int outer, __u32 gen, const struct xt_compiled *c)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	const struct xt_pfx_bucket *bk = (const void *)c->slots;
	__u32 nh = c->nslots / XT_PFX_BUCKET, *keys, n = 0, i, j;
	__u32 nb = nh + c->nchunk_elems;
	struct xt_pfx_bucket *vals;
	int fd, err = 0;

	if (!nb) {
		if (bpf_map_delete_elem(outer, &gen) && errno != ENOENT)
			return -errno;
		return 0;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xt_pfx_table", sizeof(__u32),
			    sizeof(*bk), nb, &opts);
	if (fd < 0)
		return -errno;
	/* The map starts zeroed, which is empty: write used buckets only. */
	keys = calloc(nb, sizeof(*keys));
	vals = calloc(nb, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nh; i++) {
		for (j = 0; j < XT_PFX_BUCKET && !bk[i].s[j].meta; j++)
			;
		if (j == XT_PFX_BUCKET)
			continue;
		keys[n] = i;
		vals[n++] = bk[i];
	}
	for (i = 0; i < c->nchunk_elems; i++) {
		keys[n] = nh + i;
		memcpy(&vals[n++], &c->chunks[i], sizeof(*vals));
	}
	if (n && bpf_map_update_batch(fd, keys, vals, &n, NULL))
		err = -errno;
	else if (bpf_map_update_elem(outer, &gen, &fd, BPF_ANY))
		err = -errno;
out:
	free(keys);
	free(vals);
	close(fd);
	return err;
}

int xt_state_table_size(struct bpf_map *map, __u32 entries)
{
	return bpf_map__set_max_entries(map, xt_state_sets(entries));
}

int xt_state_table_sources(int fd, __u32 *holds)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*holds = info.max_entries * XT_STATE_WAYS;
	return 0;
}

__u32 xt_jiffy_ns_from(const char *path)
{
	gzFile f = gzopen(path, "r");	/* reads plain text as it is */
	unsigned long hz = 0;
	char line[256];

	if (!f)
		return 0;
	while (gzgets(f, line, sizeof(line)))
		if (sscanf(line, "CONFIG_HZ=%lu", &hz) == 1)
			break;
	gzclose(f);
	if (hz < 100 || hz > 10000)
		return 0;
	return (1000000000UL + hz / 2) / hz;
}

__u32 xt_jiffy_ns(void)
{
	struct utsname u;
	char path[sizeof(u.release) + 16];
	__u32 ns = xt_jiffy_ns_from("/proc/config.gz");

	if (ns || uname(&u))
		return ns;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	return xt_jiffy_ns_from(path);
}

/*
 * Give rs the loaded table's size, whatever its state_sources asks (the
 * table is sized when the object is loaded and keeps that size), and its
 * seed and clock: the generation in use's (any install set them), or for
 * the table's first ruleset the seed rs brings (replay's, fixed) or a new
 * random one, and the clock xt_jiffy_ns() finds.  The table lives as long
 * as the loaded object, so its entries keep their sets and their times'
 * unit across swaps; their epoch says which still count.
 */
static int state_table_take(const struct xt_rule_maps *m,
			    const struct xt_ruleset *cur, struct xt_ruleset *rs)
{
	__u32 holds;
	int err = xt_state_table_sources(m->state, &holds);

	if (err)
		return err;
	rs->st.sets = holds / XT_STATE_WAYS;
	if (cur->st.table_seed)
		rs->st.table_seed = cur->st.table_seed;
	rs->st.jiffy_ns = cur->st.table_seed ? cur->st.jiffy_ns :
		xt_jiffy_ns();
	while (!rs->st.table_seed)
		if (getrandom(&rs->st.table_seed, sizeof(rs->st.table_seed),
			      0) != sizeof(rs->st.table_seed))
			return -errno;
	return 0;
}

/*
 * Wait for an RCU grace period: MEMBARRIER_CMD_GLOBAL is synchronize_rcu()
 * in the kernel, and XDP and TC programs run inside RCU read-side sections,
 * so on return no program still holds a pointer into the old generation.
 */
int xt_rcu_wait(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return 0;
	/* nohz_full kernels refuse it; a pause far longer than any program
	 * run is the fallback. */
	usleep(50 * 1000);
	return 0;
}

/*
 * The two rulesets (xt_rules: one mmapable entry, the objects' .bss)
 * mapped with prot; munmap() them with sizeof(struct xt_rulesets).  NULL
 * with errno set.  The entry must be the two rulesets and nothing else: a
 * second zeroed global in the objects would share it (XT_RULES_SEC).
 */
static struct xt_rulesets *rulesets_map(int fd, int prot)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &mi, &len))
		return NULL;
	if (mi.value_size != sizeof(struct xt_rulesets) ||
	    !(mi.map_flags & BPF_F_MMAPABLE)) {
		errno = EPROTO;
		return NULL;
	}
	p = mmap(NULL, sizeof(struct xt_rulesets), prot, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

int xt_ruleset_read(int rules_fd, __u32 gen, struct xt_ruleset *rs)
{
	struct xt_rulesets *all = rulesets_map(rules_fd, PROT_READ);

	if (!all)
		return -errno;
	memcpy(rs, &all->gen[gen & 1], sizeof(*rs));
	munmap(all, sizeof(*all));
	return 0;
}

int xt_ruleset_install_named(const struct xt_rule_maps *m,
			     const struct xt_compiled *c, int info_fd,
			     const struct xt_attach_info *info)
{
	struct xt_active a = { 0 };
	struct xt_rulesets *all;
	struct xt_ruleset *cur;
	__u32 zero = 0, next, old, flips = 0;
	int err;

	err = xt_ruleset_flips(m->active, &flips);
	if (err)
		return err;
	old = flips & 1;
	next = !old;

	all = rulesets_map(m->rules, PROT_READ | PROT_WRITE);
	if (!all)
		return -errno;
	cur = &all->gen[old];
	/* Replaces leftovers of an interrupted install, too. */
	err = prefix_table_set(m->prefix, next, c);
	if (!err)
		err = state_table_take(m, cur, c->rs);
	/*
	 * A serial of its own: the verdict memo's entries of earlier
	 * rulesets (the one in use, and any before, whatever pins or maps
	 * were made anew since) then never answer for this one.
	 */
	c->rs->serial = 0;
	while (!err && (!c->rs->serial || c->rs->serial == cur->serial))
		if (getrandom(&c->rs->serial, sizeof(c->rs->serial), 0) !=
		    sizeof(c->rs->serial))
			err = -errno;
	if (!err)
		memcpy(&all->gen[next], c->rs, sizeof(*c->rs));
	/* The ruleset's stores before the flip's, on CPUs that reorder. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	munmap(all, sizeof(*all));
	if (err)
		return err;
	if (info && bpf_map_update_elem(info_fd, &next, info, BPF_ANY))
		return -errno;

	/* The commit point: one 8-byte write; everything above is idle. */
	a.gen = flips + 1;
	if (bpf_map_update_elem(m->active, &zero, &a, BPF_ANY))
		return -errno;
	xt_rcu_wait();
	/* No program can still reach the old table: free it. */
	if (bpf_map_delete_elem(m->prefix, &old) && errno != ENOENT)
		return -errno;
	return 0;
}

int xt_ruleset_install(const struct xt_rule_maps *m, const struct xt_compiled *c)
{
	return xt_ruleset_install_named(m, c, -1, NULL);
}
