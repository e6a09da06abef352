// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdptag status [IFACE]`: what is attached where, read from the pins. */
#include <errno.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "attach.h"
#include "bpffs.h"
#include "hooks.h"
#include "stats.h"
#include "cmd.h"
#include "log.h"
#include "privs.h"

static void uptime_print(__u64 since)
{
	time_t now = time(NULL);
	__u64 s = (__u64)now > since ? (__u64)now - since : 0;

	if (s >= 86400)
		printf("%llud%02lluh%02llum",
		       (unsigned long long)(s / 86400),
		       (unsigned long long)(s / 3600 % 24),
		       (unsigned long long)(s / 60 % 60));
	else
		printf("%lluh%02llum%02llus", (unsigned long long)(s / 3600),
		       (unsigned long long)(s / 60 % 60),
		       (unsigned long long)(s % 60));
}

/* Bridge mode, and the share of tagged packets TC found with a valid tag. */
static void bridge_print(const struct xt_pinned *p, const struct xt_hooks *h)
{
	__u32 mode = p->info_val.bridge;
	struct xt_counters *c = calloc(1, sizeof(*c));
	struct xt_bridge_state b = { 0 };
	__u32 zero = 0;

	if (!c || xt_counters_read(p->cls_stats, p->tc_stats, c)) {
		printf("  bridge  counters unreadable: %s\n", strerror(errno));
		free(c);
		return;
	}
	printf("  bridge  %s", xt_bridge_str(mode));
	if (mode == XT_BRIDGE_AUTO && p->bridge >= 0 &&
	    !bpf_map_lookup_elem(p->bridge, &zero, &b) && b.switched_ns) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		printf(", switched to tc %.0f s ago after untagged packets at TC (%llu so far)",
		       ((double)now.tv_sec * 1e9 + now.tv_nsec - b.switched_ns) / 1e9,
		       (unsigned long long)b.trigger);
	} else if (mode == XT_BRIDGE_AUTO) {
		printf(" (still meta: every packet reached TC tagged)");
	}
	if (c->tc.classified)
		printf("; %llu classified at TC",
		       (unsigned long long)c->tc.classified);
	if (!c->xdp.tagged)
		printf("; no tagged packets yet (%llu of 0)\n",
		       (unsigned long long)c->tc.valid);
	else
		printf("; %.1f%% of tagged packets reached TC with a valid tag (%llu of %llu)\n",
		       100.0 * c->tc.valid / c->xdp.tagged,
		       (unsigned long long)c->tc.valid,
		       (unsigned long long)c->xdp.tagged);
	if (!xt_bridge_health(c, mode, h, p->ifname, "  health  ", stdout))
		printf("  health  ok: TC saw every packet XDP passed%s\n",
		       mode == XT_BRIDGE_TC ? "" : ", tags intact");
	free(c);
}

/* Everyone else on the interface's ingress hooks, in run order. */
static void others_print(const struct xt_attach_info *i, unsigned int ifindex,
			 struct xt_hooks *h)
{
	int err = xt_hooks_list(ifindex, i->xdp_prog_id, i->tc_prog_id,
				i->tc_attach, i->tc_prio, h);

	if (err) {
		printf("  others  cannot list: %s\n", strerror(-err));
		h->n = 0;
		return;
	}
	printf("  others  (other programs on the ingress hooks, in run order)\n");
	xt_hooks_print(h, "          ", stdout);
}

static void iface_print(const struct xt_pinned *p)
{
	const struct xt_attach_info *i = &p->info_val;
	unsigned int ifindex = if_nametoindex(p->ifname);
	struct xt_hooks *h;

	printf("%s:", p->ifname);
	if (!ifindex || ifindex != i->ifindex)
		printf(" interface no longer exists (run 'xdptag detach %s' to remove its pins)",
		       p->ifname);
	else if (i->state != XT_STATE_ATTACHED)
		printf(" %s in progress or interrupted (the next 'xdptag attach' or 'xdptag detach' of %s finishes it)",
		       i->state == XT_STATE_DETACHING ? "detach" : "attach",
		       p->ifname);
	printf("\n  xdp     %s mode, prog %u%s%s\n", xt_mode_str(i->xdp_flags),
	       i->xdp_prog_id, xt_xdp_frags_str(i->xdp_frags),
	       xt_xdp_attach_str(i->xdp_attach));
	if (i->tc_attach == XT_TC_TCX)
		printf("  tc      tcx ingress link, placed first, prog %u\n",
		       i->tc_prog_id);
	else
		printf("  tc      cls_bpf ingress prio %u handle 0x%x, prog %u%s\n",
		       i->tc_prio, i->tc_handle, i->tc_prog_id,
		       i->created_clsact ? " (clsact created by xdptag)" : "");
	printf("  rules   %s (%u rules)\n",
	       i->rules_path[0] ? i->rules_path : "default", xt_info_rules(i));
	printf("  mark    mask 0x%x shift %u value %s; ", i->mark_mask,
	       i->mark_shift, xt_mark_value_str(i->mark_value));
	if (i->drop_threshold)
		printf("drop at score >= %u\n", i->drop_threshold);
	else
		printf("drop never\n");
	printf("  uptime  ");
	uptime_print(i->attached_at);
	printf("\n");
	h = calloc(1, sizeof(*h));
	if (h && ifindex && ifindex == i->ifindex)
		others_print(i, ifindex, h);
	bridge_print(p, h);
	free(h);
	printf("  pins    %s/%s in ", XT_PIN_ROOT, p->ifname);
	xt_bpffs_where_print(stdout);
	printf("\n");
}

/* One interface's status from its pins, or why they cannot be read. */
static int status_print(struct xt_pinned *p, int err)
{
	if (err == -ENOENT) {
		pr_err("%s has no xdptag attached", p->ifname);
		return XT_EXIT_STATE;
	}
	/* The pins are right but for their name: the line says the way out. */
	if (err == XT_PINS_RENAMED) {
		printf("%s\n", xt_pins_strerror(err));
		return XT_EXIT_OK;
	}
	if (err) {
		pr_err("cannot read the pins of %s: %s", p->ifname,
		       xt_pins_strerror(err));
		return err == -EREMOTE ? XT_EXIT_STATE : XT_EXIT_FAIL;
	}
	iface_print(p);
	return XT_EXIT_OK;
}

static int status_one(const char *ifname)
{
	struct xt_pinned *p = calloc(1, sizeof(*p));
	int ret;

	if (!p) {
		pr_err("out of memory");
		return XT_EXIT_FAIL;
	}
	ret = status_print(p, xt_pins_open(ifname, p));
	xt_pins_close(p);
	free(p);
	return ret;
}

struct status_all {
	int n;		/* interfaces so far */
	int ret;	/* the last error's exit status */
};

static int status_each(struct xt_pinned *p, int err, void *arg)
{
	struct status_all *a = arg;
	int r;

	if (a->n++)
		printf("\n");
	/* Another namespace's interface of the same name: not ours here. */
	if (err == -EREMOTE) {
		printf("%s\n", xt_pins_strerror(err));
		return 0;
	}
	r = status_print(p, err);
	if (r)
		a->ret = r;
	return 0;
}

struct status_cfg {
	const char *ifname;		/* NULL: every attached interface */
};

static int status_run(void *cfg)
{
	const struct status_cfg *c = cfg;
	struct status_all all = { 0, XT_EXIT_OK };
	int err;

	if (xt_privs_check("status", XT_PRIV_PINS))
		return XT_EXIT_FAIL;
	if (c->ifname)
		return status_one(c->ifname);

	err = xt_pins_foreach(status_each, &all);
	if (err < 0) {
		pr_err("cannot list %s: %s", XT_PIN_ROOT, xt_pins_strerror(err));
		return XT_EXIT_FAIL;
	}
	if (!all.n)
		printf("No interface has xdptag attached\n");
	return all.ret;
}

static const struct xt_opt status_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", struct status_cfg, ifname,
	       .optional = true, .what = "at most one interface"),
	XT_OPT_TABLE_END,
};

const struct xt_cmd xt_cmd_status = XT_COMMAND("status",
	"show attached interfaces and bridge health",
	status_run, status_opts, struct status_cfg,
	.doc = "Shows every interface xdptag is attached to, or only IFACE.\n");
