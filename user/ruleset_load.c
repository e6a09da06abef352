// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "pins.h"
#include "ruleset_load.h"

int xt_ruleset_flips(int active_fd, __u32 *flips)
{
	struct xt_active a = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(active_fd, &zero, &a))
		return -errno;
	*flips = a.gen;
	return 0;
}

int xt_ruleset_active_gen(const struct xt_rule_maps *m)
{
	__u32 flips = 0;
	int err = xt_ruleset_flips(m->active, &flips);

	return err ? err : (int)(flips & 1);
}

/*
 * Give generation gen the prefix table of c: a new ARRAY map holding c's
 * slots, put in gen's place in the xt_prefix array of maps, which keeps
 * it alive; or no table at all when c has no prefixes beyond /16.
 */
static int prefix_table_set(int outer, __u32 gen, const struct xt_compiled *c)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_INNER_MAP);
	const struct xt_pfx_bucket *bk = (const void *)c->slots;
	__u32 nb = c->nslots / XT_PFX_BUCKET, *keys, n = 0, i, j;
	struct xt_pfx_bucket *vals;
	int fd, err = 0;

	if (!c->nslots) {
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
	for (i = 0; i < nb; i++) {
		for (j = 0; j < XT_PFX_BUCKET && !bk[i].s[j].meta; j++)
			;
		if (j == XT_PFX_BUCKET)
			continue;
		keys[n] = i;
		vals[n++] = bk[i];
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

/* The name of a state table says which epoch it was made for. */
static void state_table_name(char *buf, size_t len, __u64 epoch)
{
	snprintf(buf, len, "xt_st_%08x", (__u32)(epoch ^ (epoch >> 32)));
}

/*
 * Give generation next the per-source table c asks for: the old
 * generation's if it was made for the same epoch (same stateful rules,
 * key and size: counts carry on), else a new, empty LRU table.
 */
static int state_table_set(int outer, __u32 old, __u32 next,
			   const struct xt_compiled *c)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts,
		    .map_flags = BPF_F_NO_COMMON_LRU);
	struct bpf_map_info info = { 0 };
	__u32 id, ilen = sizeof(info);
	char name[BPF_OBJ_NAME_LEN];
	int fd = -1, err = 0;

	if (!c->rs->stateful) {
		if (bpf_map_delete_elem(outer, &next) && errno != ENOENT)
			return -errno;
		return 0;
	}
	state_table_name(name, sizeof(name), c->rs->st.epoch);
	if (!bpf_map_lookup_elem(outer, &old, &id)) {
		fd = bpf_map_get_fd_by_id(id);
		if (fd >= 0 && (bpf_obj_get_info_by_fd(fd, &info, &ilen) ||
				strcmp(info.name, name) ||
				info.max_entries != c->rs->st.entries)) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0)
		fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, name,
				    sizeof(struct xt_src_key),
				    sizeof(struct xt_src_state),
				    c->rs->st.entries, &opts);
	if (fd < 0)
		return -errno;
	if (bpf_map_update_elem(outer, &next, &fd, BPF_ANY))
		err = -errno;
	close(fd);
	return err;
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

int xt_ruleset_install_named(const struct xt_rule_maps *m,
			     const struct xt_compiled *c, int info_fd,
			     const struct xt_attach_info *info)
{
	struct xt_active a = { 0 };
	__u32 zero = 0, next, old, flips = 0;
	int err;

	err = xt_ruleset_flips(m->active, &flips);
	if (err)
		return err;
	old = flips & 1;
	next = !old;

	/* Replaces leftovers of an interrupted install, too. */
	err = prefix_table_set(m->prefix, next, c);
	if (err)
		return err;
	err = state_table_set(m->state, old, next, c);
	if (err)
		return err;
	if (bpf_map_update_elem(m->rules, &next, c->rs, BPF_ANY))
		return -errno;
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
	/* A kept state table lives on in the new generation's slot. */
	if (bpf_map_delete_elem(m->state, &old) && errno != ENOENT)
		return -errno;
	return 0;
}

int xt_ruleset_install(const struct xt_rule_maps *m, const struct xt_compiled *c)
{
	return xt_ruleset_install_named(m, c, -1, NULL);
}
