// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "ruleset_load.h"

int xt_ruleset_active_gen(const struct xt_rule_maps *m)
{
	struct xt_active a = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->active, &zero, &a))
		return -errno;
	return a.gen & 1;
}

/* Delete every prefix entry of generation gen. */
static int prefix_purge(int fd, __u8 gen)
{
	struct xt_pfx_key key, next;
	void *prev = NULL;

	/*
	 * Deleting the key we stand on would restart the walk from the
	 * beginning, so step to the next key first, then delete the previous.
	 */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (prev && ((struct xt_pfx_key *)prev)->gen == gen &&
		    bpf_map_delete_elem(fd, prev) && errno != ENOENT)
			return -errno;
		key = next;
		prev = &key;
	}
	if (errno != ENOENT)
		return -errno;
	if (prev && key.gen == gen && bpf_map_delete_elem(fd, &key) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

/*
 * Wait for an RCU grace period: MEMBARRIER_CMD_GLOBAL is synchronize_rcu()
 * in the kernel, and XDP and TC programs run inside RCU read-side sections,
 * so on return no program still holds a pointer into the old generation.
 */
static int rcu_wait(void)
{
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return 0;
	/* nohz_full kernels refuse it; a pause far longer than any program
	 * run is the fallback. */
	usleep(50 * 1000);
	return 0;
}

int xt_ruleset_install(const struct xt_rule_maps *m, const struct xt_compiled *c)
{
	struct xt_active a = { 0 };
	__u32 zero = 0, next;
	size_t i;
	int old, err;

	old = xt_ruleset_active_gen(m);
	if (old < 0)
		return old;
	next = !old;

	/* Leftovers of an interrupted install in the idle generation. */
	err = prefix_purge(m->prefix, next);
	if (err)
		return err;
	for (i = 0; i < c->nentries; i++) {
		struct xt_pfx_key k = c->entries[i].key;

		k.gen = next;
		if (bpf_map_update_elem(m->prefix, &k, &c->entries[i].val,
					BPF_ANY))
			return -errno;
	}
	if (bpf_map_update_elem(m->rules, &next, c->rs, BPF_ANY))
		return -errno;

	a.gen = next;
	if (bpf_map_update_elem(m->active, &zero, &a, BPF_ANY))
		return -errno;
	rcu_wait();
	return prefix_purge(m->prefix, old);
}
