// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The ingress hooks of an interface: attaching the TC stage through tcx,
 * and listing every other program that shares XDP, tcx or clsact with
 * xdptag, in the order the kernel runs them (hooks.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"	/* xt_mode_str */
#include "hooks.h"
#include "log.h"
#include "nl.h"
#include "stats.h"
#include "xdp_multiprog.h"

/* The ids of ifindex's tcx ingress programs, in run order; count or -errno
 * (-EINVAL on kernels without tcx: the attach type is unknown there). */
static int tcx_ids(int ifindex, __u32 *ids, __u32 max)
{
	LIBBPF_OPTS(bpf_prog_query_opts, q, .prog_ids = ids, .prog_cnt = max);

	if (bpf_prog_query_opts(ifindex, XT_BPF_TCX_INGRESS, &q))
		return -errno;
	return q.prog_cnt < max ? q.prog_cnt : max;
}

bool xt_tcx_supported(int ifindex)
{
	__u32 ids[1];

	return tcx_ids(ifindex, ids, 1) >= 0;
}

int xt_tcx_attach(int prog_fd, int ifindex)
{
	/* libbpf 1.1's bpf_link_create passes flags through for attach types
	 * it does not know; relative_fd 0 with BPF_F_BEFORE means "first". */
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = XT_BPF_F_BEFORE);
	int fd = bpf_link_create(prog_fd, ifindex, XT_BPF_TCX_INGRESS, &lo);

	return fd < 0 ? -errno : fd;
}

static void prog_name(__u32 id, char *buf, size_t len)
{
	struct bpf_prog_info info = { 0 };
	__u32 ilen = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(buf, len, "?");
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &ilen))
		snprintf(buf, len, "%s", info.name[0] ? info.name : "-");
	close(fd);
}

int xt_tcx_detach_named(int ifindex, const char *name)
{
	struct bpf_link_info li;
	__u32 ids[32], mine[32], id = 0, len;
	char pname[32];
	int i, k, n, fd, found = 0, done = 0;

	n = tcx_ids(ifindex, ids, 32);
	if (n < 0)
		return n == -EINVAL ? 0 : n;	/* no tcx: nothing there */
	for (i = 0; i < n; i++) {
		prog_name(ids[i], pname, sizeof(pname));
		if (!strcmp(pname, name))
			mine[found++] = ids[i];
	}
	if (!found)
		return 0;
	/*
	 * libbpf 1.1's query gives no link ids: walk the links.  tcx's part
	 * of bpf_link_info (ifindex, attach_type) sits where netns's
	 * (netns_ino, attach_type) does, which 6.1's headers know.  The
	 * walk sees every network namespace's links, and an ifindex names a
	 * device only within one: a link is this device's only if its
	 * program is one the query of this namespace's device listed.
	 * (Matching on ifindex alone detached, from another namespace, the
	 * TC stage of every interface that shared the number.)
	 */
	while (!bpf_link_get_next_id(id, &id)) {
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&li, 0, sizeof(li));
		len = sizeof(li);
		if (bpf_obj_get_info_by_fd(fd, &li, &len) ||
		    li.type != XT_BPF_LINK_TYPE_TCX ||
		    li.netns.netns_ino != (__u32)ifindex ||
		    li.netns.attach_type != XT_BPF_TCX_INGRESS) {
			close(fd);
			continue;
		}
		for (k = 0; k < found && mine[k] != li.prog_id; k++)
			;
		if (k < found && bpf_link_detach(fd)) {
			n = -errno;
			close(fd);
			return n;
		}
		done += k < found;
		close(fd);
	}
	return done;
}

static struct xt_hook_prog *hook_add(struct xt_hooks *h,
				     enum xt_hook_kind kind, __u32 id)
{
	struct xt_hook_prog *p;

	if (h->n >= (int)(sizeof(h->p) / sizeof(h->p[0])))
		return NULL;
	p = &h->p[h->n++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->id = id;
	if (id)
		prog_name(id, p->name, sizeof(p->name));
	return p;
}

static int xdp_list(int ifindex, __u32 xdp_id, struct xt_hooks *h)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	const struct {
		__u32 *id;
		__u32 mode;
	} slots[] = {
		{ &q.hw_prog_id, XDP_FLAGS_HW_MODE },
		{ &q.drv_prog_id, XDP_FLAGS_DRV_MODE },
		{ &q.skb_prog_id, XDP_FLAGS_SKB_MODE },
	};
	struct xt_mp_member m[10];	/* libxdp's dispatcher has 10 slots */
	struct xt_hook_prog *p;
	int err, n, k;
	size_t i;

	err = bpf_xdp_query(ifindex, 0, &q);
	if (err)
		return err;
	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		if (!*slots[i].id)
			continue;
		/* libxdp's dispatcher: the programs it runs, not itself. */
		n = xt_mp_list(ifindex, m, sizeof(m) / sizeof(m[0]));
		for (k = 0; k < n; k++) {
			p = hook_add(h, XT_HOOK_XDP, m[k].id);
			if (!p)
				return 0;
			p->order = slots[i].mode;
			p->dispatched = true;
			p->run_prio = m[k].prio;
			p->ours = m[k].id == xdp_id;
			p->before = true;
		}
		if (n)
			continue;
		p = hook_add(h, XT_HOOK_XDP, *slots[i].id);
		if (!p)
			break;
		p->order = slots[i].mode;
		p->ours = *slots[i].id == xdp_id;
		p->before = true;	/* every XDP mode runs before TC */
	}
	return 0;
}

static int tcx_list(int ifindex, __u32 tc_id, __u32 tc_how,
		    struct xt_hooks *h)
{
	__u32 ids[32];
	int n, i, ours = -1;
	struct xt_hook_prog *p;

	n = tcx_ids(ifindex, ids, 32);
	if (n == -EINVAL)
		return 0;	/* no tcx in this kernel */
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		if (tc_how == XT_TC_TCX && ids[i] == tc_id)
			ours = i;
	for (i = 0; i < n; i++) {
		p = hook_add(h, XT_HOOK_TCX, ids[i]);
		if (!p)
			break;
		p->order = i + 1;
		p->ours = i == ours;
		/* Every tcx program runs before the clsact chain. */
		p->before = tc_how == XT_TC_TCX ? i < ours : true;
	}
	return 0;
}

/* Attributes of one rtattr block into tb[0..max]. */
static void rta_parse(struct rtattr *rta, int len, struct rtattr **tb,
		      int max)
{
	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type <= max)
			tb[rta->rta_type] = rta;
}

static void cls_add(const struct tcmsg *t, int len, __u32 tc_id,
		    __u32 tc_how, __u32 tc_prio, struct xt_hooks *h)
{
	struct rtattr *tb[TCA_MAX + 1], *opt[TCA_BPF_MAX + 1];
	struct xt_hook_prog *p;
	__u32 id = 0, prio = TC_H_MAJ(t->tcm_info) >> 16;

	/* Each priority's chain head comes with handle 0: not a filter. */
	if (!t->tcm_handle)
		return;
	rta_parse(TCA_RTA(t), len, tb, TCA_MAX);
	if (!tb[TCA_KIND])
		return;
	memset(opt, 0, sizeof(opt));
	if (!strcmp(RTA_DATA(tb[TCA_KIND]), "bpf") && tb[TCA_OPTIONS]) {
		rta_parse(RTA_DATA(tb[TCA_OPTIONS]),
			  RTA_PAYLOAD(tb[TCA_OPTIONS]), opt, TCA_BPF_MAX);
		if (opt[TCA_BPF_ID])
			id = *(__u32 *)RTA_DATA(opt[TCA_BPF_ID]);
	}
	p = hook_add(h, XT_HOOK_CLS, id);
	if (!p)
		return;
	if (!id)
		snprintf(p->name, sizeof(p->name), "%s",
			 (char *)RTA_DATA(tb[TCA_KIND]));
	p->order = prio;
	p->handle = t->tcm_handle;
	p->direct_action = opt[TCA_BPF_FLAGS] &&
		(*(__u32 *)RTA_DATA(opt[TCA_BPF_FLAGS]) & TCA_BPF_FLAG_ACT_DIRECT);
	p->ours = tc_how == XT_TC_CLS && id && id == tc_id;
	p->before = tc_how == XT_TC_CLS && !p->ours && prio < tc_prio;
	p->in_slot = tc_how == XT_TC_CLS && !p->ours && prio == tc_prio &&
		     t->tcm_handle == XT_TC_HANDLE;
}

/* Called for each filter message of a dump, with its attributes' length. */
typedef void (*cls_fn)(const struct tcmsg *t, int len, void *arg);

/* What cls_dump() hands each filter message to. */
struct cls_dump_arg {
	cls_fn fn;
	void *arg;
};

static int cls_dump_one(const struct nlmsghdr *n, void *arg)
{
	struct cls_dump_arg *a = arg;

	a->fn(NLMSG_DATA(n), n->nlmsg_len - NLMSG_LENGTH(sizeof(struct tcmsg)),
	      a->arg);
	return 0;
}

/*
 * Dump the filters of one clsact parent (ingress or egress), as tc filter
 * show does.  Returns 0 (no clsact: nothing to dump) or -errno.
 */
static int cls_dump(int ifindex, __u32 parent, cls_fn fn, void *arg)
{
	struct {
		struct nlmsghdr n;
		struct tcmsg t;
	} req = {
		.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		.n.nlmsg_type = RTM_GETTFILTER,
		.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.n.nlmsg_seq = 1,
		.t.tcm_family = AF_UNSPEC,
		.t.tcm_ifindex = ifindex,
		.t.tcm_parent = TC_H_MAKE(TC_H_CLSACT, parent),
	};
	struct cls_dump_arg a = { fn, arg };
	int err;

	err = xt_nl_dump(&req.n, RTM_NEWTFILTER, cls_dump_one, &a);
	/* No clsact qdisc: nothing to list. */
	return err == -EINVAL || err == -ENOENT ? 0 : err;
}

/* What cls_list() hands cls_add(). */
struct cls_list_arg {
	__u32 tc_id, tc_how, tc_prio;
	struct xt_hooks *h;
};

static void cls_list_one(const struct tcmsg *t, int len, void *arg)
{
	struct cls_list_arg *a = arg;

	cls_add(t, len, a->tc_id, a->tc_how, a->tc_prio, a->h);
}

/* The clsact ingress filters (tc filter show). */
static int cls_list(int ifindex, __u32 tc_id, __u32 tc_how, __u32 tc_prio,
		    struct xt_hooks *h)
{
	struct cls_list_arg a = { tc_id, tc_how, tc_prio, h };

	return cls_dump(ifindex, TC_H_MIN_INGRESS, cls_list_one, &a);
}

/* What cls_count_one() counts: filters at prio, or all with prio 0. */
struct cls_count_arg {
	__u32 prio;
	int n;
};

/*
 * Every message counts, a priority's chain head (handle 0) too: the
 * kernel deletes a priority with its last filter, so a head left alone
 * is something someone made, and the count errs on the side of keeping.
 */
static void cls_count_one(const struct tcmsg *t, int len, void *arg)
{
	struct cls_count_arg *a = arg;

	(void)len;
	if (!a->prio || TC_H_MAJ(t->tcm_info) >> 16 == a->prio)
		a->n++;
}

int xt_cls_count(int ifindex, __u32 prio)
{
	struct cls_count_arg a = { prio, 0 };
	int err;

	err = cls_dump(ifindex, TC_H_MIN_INGRESS, cls_count_one, &a);
	if (!err && !prio)
		err = cls_dump(ifindex, TC_H_MIN_EGRESS, cls_count_one, &a);
	return err ? err : a.n;
}

int xt_hooks_list(int ifindex, __u32 xdp_id, __u32 tc_id, __u32 tc_how,
		  __u32 tc_prio, struct xt_hooks *h)
{
	int err;

	h->n = 0;
	err = xdp_list(ifindex, xdp_id, h);
	if (!err)
		err = tcx_list(ifindex, tc_id, tc_how, h);
	if (!err)
		err = cls_list(ifindex, tc_id, tc_how, tc_prio, h);
	h->listed = !err && h->n < (int)(sizeof(h->p) / sizeof(h->p[0]));
	return err;
}

static void hook_describe(const struct xt_hook_prog *p, char *buf,
			  size_t len)
{
	char id[32] = "";

	if (p->id)
		snprintf(id, sizeof(id), " prog %u", p->id);
	switch (p->kind) {
	case XT_HOOK_XDP:
		snprintf(buf, len, "xdp %s%s %s", xt_mode_str(p->order), id,
			 p->name);
		if (p->dispatched)
			snprintf(buf + strlen(buf), len - strlen(buf),
				 " in libxdp's dispatcher, priority %u%s",
				 p->run_prio, p->run_prio < XT_MP_RUN_PRIO ?
				 " (before xdptag's XDP)" : "");
		break;
	case XT_HOOK_TCX:
		snprintf(buf, len, "tcx ingress #%u%s %s", p->order, id,
			 p->name);
		break;
	case XT_HOOK_CLS:
		snprintf(buf, len, "tc ingress prio %u handle 0x%x %s%s%s%s",
			 p->order, p->handle, p->id ? "bpf" : p->name, id,
			 p->id ? " " : "", p->id ? p->name : "");
		if (p->id && p->direct_action)
			snprintf(buf + strlen(buf), len - strlen(buf), " da");
		break;
	}
}

void xt_hooks_print(const struct xt_hooks *h, const char *indent, FILE *f)
{
	char d[128];
	int i, n = 0;

	for (i = 0; i < h->n; i++) {
		if (h->p[i].ours)
			continue;
		hook_describe(&h->p[i], d, sizeof(d));
		fprintf(f, "%s%s: runs %s xdptag's TC stage\n", indent, d,
			h->p[i].before ? "before" : "after");
		n++;
	}
	if (!n)
		fprintf(f, "%snone\n", indent);
}

int xt_hooks_before(const struct xt_hooks *h)
{
	int i, n = 0;

	for (i = 0; i < h->n; i++)
		n += !h->p[i].ours && h->p[i].before &&
		     h->p[i].kind != XT_HOOK_XDP;
	return n;
}

int xt_hooks_warn(const struct xt_hooks *h, const char *ifname)
{
	const struct xt_hook_prog *p;
	bool tcx = false;
	char d[128];
	int i, n = 0;

	for (i = 0; i < h->n; i++)
		tcx |= h->p[i].ours && h->p[i].kind == XT_HOOK_TCX;

	for (i = 0; i < h->n; i++) {
		p = &h->p[i];
		/* XDP is xdptag's own or was refused: only TC hooks here. */
		if (p->ours || !p->before || p->kind == XT_HOOK_XDP)
			continue;
		hook_describe(p, d, sizeof(d));
		if (p->kind == XT_HOOK_TCX)
			pr_warn("%s: %s runs before xdptag's TC stage: packets it ends with TCX_PASS, TCX_DROP or TCX_REDIRECT (as Cilium's do) are never marked; %s",
				ifname, d, tcx ?
				"detach and attach xdptag again to be first" :
				"attach with --tc-attach tcx");
		else if (p->id && p->direct_action)
			pr_warn("%s: %s runs before xdptag's TC filter: packets it returns TC_ACT_OK, SHOT or REDIRECT for are never marked; use a lower --tc-prio or --tc-attach tcx",
				ifname, d);
		else
			pr_warn("%s: %s runs before xdptag's TC filter: packets it matches take its action and are never marked; use a lower --tc-prio or --tc-attach tcx",
				ifname, d);
		n++;
	}
	return n;
}

/* The first program that runs before xdptag's TC stage, described. */
/* The first of h's programs that pick() takes, described into buf. */
static bool hook_first(const struct xt_hooks *h,
		       bool (*pick)(const struct xt_hook_prog *p),
		       char *buf, size_t len)
{
	int i;

	for (i = 0; h && i < h->n; i++)
		if (pick(&h->p[i])) {
			hook_describe(&h->p[i], buf, len);
			return true;
		}
	return false;
}

/* Another's TC program that runs before xdptag's TC stage. */
static bool tc_before(const struct xt_hook_prog *p)
{
	return !p->ours && p->before && p->kind != XT_HOOK_XDP;
}

/* Another XDP program alone on the hook (not in a dispatcher). */
static bool xdp_alone(const struct xt_hook_prog *p)
{
	return p->kind == XT_HOOK_XDP && !p->ours && !p->dispatched;
}

/* Another's filter in xdptag's cls_bpf slot. */
static bool tc_in_slot(const struct xt_hook_prog *p)
{
	return p->in_slot;
}

/* Is xdptag's XDP (xdp) or TC stage among the programs listed? */
static bool stage_listed(const struct xt_hooks *h, bool xdp)
{
	int i;

	for (i = 0; i < h->n; i++)
		if (h->p[i].ours && (h->p[i].kind == XT_HOOK_XDP) == xdp)
			return true;
	return false;
}

int xt_bridge_health(const struct xt_counters *c, __u32 bridge,
		     const struct xt_hooks *h, const char *ifname,
		     const char *indent, FILE *f)
{
	__u64 passed = c->xdp.action[XDP_PASS];
	__u64 bad = c->tc.no_meta + c->tc.foreign + c->tc.short_meta;
	__u64 seen = c->tc.seen_segs;
	__u64 untagged = passed > c->xdp.tagged ? passed - c->xdp.tagged : 0;
	__u64 not_run, lost;
	char d[128];
	int sick = 0;

	/* A few packets between the two stages while we read are normal.
	 * seen counts GRO-merged segments: merging is no loss. */
	not_run = passed > seen ? passed - seen : 0;
	/* Without the XDP stage the counters stand still: nothing to weigh. */
	if (h && h->listed && !stage_listed(h, true)) {
		fprintf(f, "%sxdptag's XDP stage is no longer on the interface's XDP hook (someone else detached or replaced it); packets are neither classified nor tagged: 'xdptag attach %s --force' attaches it again",
			indent, ifname);
		/* In a dispatcher --force joins it; alone it takes the hook. */
		if (hook_first(h, xdp_alone, d, sizeof(d)))
			fprintf(f, ", replacing %s, which runs there now", d);
		fprintf(f, "\n");
		return 1;
	}
	if (h && h->listed && !stage_listed(h, false)) {
		fprintf(f, "%sxdptag's TC stage is no longer on the interface's ingress hooks (its tcx link or cls_bpf filter was removed by someone else); packets are not marked: 'xdptag attach %s --force' attaches it again",
			indent, ifname);
		/* Its cls_bpf slot taken: --force replaces what holds it. */
		if (hook_first(h, tc_in_slot, d, sizeof(d)))
			fprintf(f, ", replacing %s, which holds its slot now", d);
		fprintf(f, "\n");
		sick = 1;
	} else if (not_run > 2 && not_run * 100 > passed) {
		fprintf(f, "%sTC stage did not run for %llu of %llu packets XDP passed",
			indent, (unsigned long long)not_run,
			(unsigned long long)passed);
		if (hook_first(h, tc_before, d, sizeof(d)))
			fprintf(f, "; likely cause: %s runs before it and ends the chain\n",
				d);
		else
			fprintf(f, "; no other TC program runs before it: packets dropped between XDP and TC (see /proc/net/softnet_stat)\n");
		sick = 1;
	}
	/* Untagged passes (meta_fail, tc bridge) reach TC without a tag by
	 * design: only tagged packets can lose one. */
	if (bridge == XT_BRIDGE_TC || c->xdp.tagged == 0)
		return sick;
	lost = bad > untagged ? bad - untagged : 0;
	if (lost > 2 && lost * 100 > c->xdp.tagged) {
		fprintf(f, "%smetadata was lost for %llu of %llu tagged packets that reached TC (%llu without metadata, %llu foreign, %llu short)",
			indent, (unsigned long long)lost,
			(unsigned long long)c->xdp.tagged,
			(unsigned long long)c->tc.no_meta,
			(unsigned long long)c->tc.foreign,
			(unsigned long long)c->tc.short_meta);
		if (c->tc.foreign + c->tc.short_meta > c->tc.no_meta)
			fprintf(f, "; likely cause: another program wrote its own metadata after xdptag's tag (an XDP program after it, or a TC program before it)\n");
		else
			fprintf(f, "; likely cause: the driver or a kernel path between XDP and TC drops metadata (use --bridge auto or tc)\n");
		sick = 1;
	}
	return sick;
}
