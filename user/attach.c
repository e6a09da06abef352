// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attach and detach the pipeline, and undo what an interrupted attach or
 * detach left.  The pins under XT_PIN_ROOT/IFNAME (user/pins.c) are the
 * only state: a later process finds everything there, so attach must
 * create them all or none.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdptag.h"	/* first: the skeleton's xt_cap is a struct xt_cap */
#include "xdptag.skel.h"
#include "xdptag_tc.skel.h"
#include "attach.h"
#include "bpffs.h"
#include "hooks.h"
#include "mark_owners.h"
#include "mark_rules.h"
#include "nl.h"
#include "xdp_multiprog.h"
#include "cmd.h"
#include "log.h"

/* ------------------------------------------------------------ names --- */

static const __u32 mode_flags[] = {
	[XT_MODE_AUTO] = 0, [XT_MODE_NATIVE] = XDP_FLAGS_DRV_MODE,
	[XT_MODE_GENERIC] = XDP_FLAGS_SKB_MODE,
	[XT_MODE_OFFLOAD] = XDP_FLAGS_HW_MODE,
};

/* The word of the mode XDP_FLAGS_*_MODE in xdp_flags asks for. */
const char *xt_mode_str(__u32 xdp_flags)
{
	enum xt_mode m;

	for (m = XT_MODE_NATIVE; m <= XT_MODE_OFFLOAD; m++)
		if (xdp_flags & mode_flags[m])
			return xt_name_str(xt_mode_names, m);
	return "none";
}

int xt_attach_differs(const struct xt_attach_opts *o,
		      const struct xt_attach_info *i, char *buf, size_t len)
{
	const struct xt_settings *s = &o->set;
	const struct {
		bool differs;
		const char *name;
	} opt[] = {
		{ o->mode != XT_MODE_AUTO &&
		  !(i->xdp_flags & mode_flags[o->mode]), "--mode" },
		{ o->bridge != i->bridge, "--bridge" },
		{ o->tc_attach != XT_TC_AUTO && o->tc_attach != i->tc_attach,
		  "--tc-attach" },
		{ i->tc_attach == XT_TC_CLS && o->tc_prio != i->tc_prio,
		  "--tc-prio" },
		{ o->xdp_attach != XT_XDP_AUTO &&
		  (o->xdp_attach == XT_XDP_DISPATCHER) !=
		  (i->xdp_attach == XT_XDP_DISPATCHER), "--xdp-attach" },
		{ s->has_mark_mask && s->mark_mask != i->mark_mask,
		  "--mark-mask" },
		{ s->has_mark_shift && s->mark_shift != i->mark_shift,
		  "--mark-shift" },
		{ s->has_mark_value && s->mark_value != i->mark_value,
		  "--mark-value" },
		{ s->has_drop_threshold &&
		  s->drop_threshold != i->drop_threshold, "--drop-above" },
	};
	size_t k, used = 0;
	int n = 0;

	if (len)
		buf[0] = '\0';
	for (k = 0; k < sizeof(opt) / sizeof(opt[0]); k++) {
		if (!opt[k].differs)
			continue;
		if (used < len)
			used += snprintf(buf + used, len - used, "%s%s",
					 n ? ", " : "", opt[k].name);
		n++;
	}
	return n;
}

int xt_mark_check(__u32 mask, __u32 shift, __u32 what, __u32 max_class,
		  char *err, size_t errlen)
{
	__u32 top = xt_mark_value_top(what, max_class), bits = top;
	__u64 need;

	if (what > XT_MARK_BOTH) {
		snprintf(err, errlen, "unknown mark value %u", what);
		return -EINVAL;
	}
	if (!mask) {
		snprintf(err, errlen, "mark mask 0 leaves no bit to write");
		return -EINVAL;
	}
	if (shift > 31) {
		snprintf(err, errlen, "mark shift %u is out of range (0-31)",
			 shift);
		return -EINVAL;
	}
	/* Every value the setting can produce must survive the mask, or two
	 * classes would share a mark without anyone noticing: every bit up
	 * to the top value's highest one. */
	bits |= bits >> 1;
	bits |= bits >> 2;
	bits |= bits >> 4;
	bits |= bits >> 8;
	need = (__u64)bits << shift;
	if (need > 0xffffffffULL || (need & mask) != need) {
		snprintf(err, errlen,
			 "mark mask 0x%x cannot hold %s values (0-%u, classes up to %u) shifted by %u (needs 0x%llx)",
			 mask, xt_mark_value_str(what), top, max_class & 0xff,
			 shift, (unsigned long long)need);
		return -EINVAL;
	}
	return 0;
}

/* Interface names become directory names: refuse what could escape. */
static int ifname_check(const char *ifname)
{
	return xt_ifname_check(ifname);	/* the option layer's rule */
}

/* ----------------------------------------------------------- attach --- */

/*
 * The names of our programs (the functions in bpf/xdp/xdptag.bpf.c and
 * bpf/tc/xdptag_tc.bpf.c): how an orphan without pins is recognised.
 */
#define XT_XDP_PROG_NAME	xt_pin_table[XT_PIN_XDP_PROG].bpf_name
#define XT_TC_PROG_NAME		xt_pin_table[XT_PIN_TC_PROG].bpf_name

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/*
 * Put new_fd (-1: nothing) where expect_fd is (-1: nothing).  The kernel
 * compares and swaps, so we never remove a program that is no longer ours.
 */
static int xdp_swap(int ifindex, int new_fd, int expect_fd, __u32 mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = expect_fd);

	if (expect_fd < 0)
		return bpf_xdp_attach(ifindex, new_fd,
				      mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	return bpf_xdp_attach(ifindex, new_fd, mode | XDP_FLAGS_REPLACE, &ao);
}

/* Which program holds the slot of mode, from a query. */
static __u32 xdp_slot_id(const struct bpf_xdp_query_opts *q, __u32 mode)
{
	if (mode & XDP_FLAGS_DRV_MODE)
		return q->drv_prog_id;
	if (mode & XDP_FLAGS_SKB_MODE)
		return q->skb_prog_id;
	if (mode & XDP_FLAGS_HW_MODE)
		return q->hw_prog_id;
	return 0;
}

/* What a failed attach must undo; fields say what was done. */
struct attach_state {
	const char *ifname;
	int ifindex;
	struct xdptag *xdp;
	struct xdptag_tc *tc;
	int old_fd;		/* program --force replaced, or -1 */
	__u32 xdp_mode;		/* XDP attached in this mode; 0: not */
	bool mp;		/* XDP joins libxdp's dispatcher ... */
	__u32 mp_mode;		/* ... and is in it, in this mode; 0: not */
	bool mp_try;		/* ... made here unless the kernel refuses */
	__u32 placed;		/* enum xt_xdp_attach, recorded in xt_info */
	struct bpf_tc_hook hook;
	bool hook_created, tc_attached;
	bool clsact_inherited;	/* the replaced xdptag made the clsact */
	__u32 tc_how;		/* XT_TC_CLS or XT_TC_TCX once chosen */
	int link_fd;		/* the tcx link, or -1 */
	bool tc_replaced;	/* cls: took over the old xdptag's filter */
	int old_tc_fd;		/* ... whose program the undo puts back */
	char dir[XT_PIN_DIR_LEN];	/* pin directory, "" until created */
	int info_fd, active_fd;
	struct xt_attach_info *info;	/* what xt_info says */
	__u32 state_sources;	/* the per-source table's size (rules file) */
};

static int clsact_remove(const char *ifname, int ifindex, bool quiet);

/*
 * Undo, in reverse order, what was done.  The pins go last: they are the
 * record a later attach or detach undoes the rest by if we die in here.
 * The XDP program goes back (or away) after the TC stage: with --force, a
 * replaced XDP program found on the interface again tells the next attach
 * or detach that nothing else of ours is left (replace_clear()).
 */
static void attach_undo(struct attach_state *st, unsigned int prio)
{
	int err;

	if (st->link_fd >= 0 && bpf_link_detach(st->link_fd))
		pr_warn("could not remove our tcx link from %s: %s",
			st->ifname, strerror(errno));
	if (st->tc_replaced) {
		LIBBPF_OPTS(bpf_tc_opts, to, .handle = XT_TC_HANDLE,
			    .priority = prio, .flags = BPF_TC_F_REPLACE,
			    .prog_fd = st->old_tc_fd);

		err = st->old_tc_fd < 0 ? -ENOENT :
		      bpf_tc_attach(&st->hook, &to);
		if (err)
			pr_warn("could not give the TC filter of %s back to the old xdptag: %s",
				st->ifname, strerror(-err));
	} else if (st->tc_attached) {
		LIBBPF_OPTS(bpf_tc_opts, to, .handle = XT_TC_HANDLE,
			    .priority = prio);

		err = bpf_tc_detach(&st->hook, &to);
		if (err)
			pr_warn("could not remove our TC filter from %s: %s",
				st->ifname, strerror(-err));
	}
	/* Ours since a moment ago, unless someone put a filter in it. */
	if (st->hook_created &&
	    clsact_remove(st->ifname, st->ifindex, true))
		pr_warn("could not remove the clsact qdisc of %s",
			st->ifname);
	if (st->mp_mode &&
	    xt_mp_remove(st->ifname, st->ifindex,
			 prog_id(bpf_program__fd(st->xdp->progs.xdptag_xdp)),
			 NULL, 0) != 1)
		pr_warn("could not remove xdptag from the XDP dispatcher of %s",
			st->ifname);
	if (st->xdp_mode) {
		err = xdp_swap(st->ifindex, st->old_fd,
			       bpf_program__fd(st->xdp->progs.xdptag_xdp),
			       st->xdp_mode);
		if (err)
			pr_warn("could not %s the XDP program of %s: %s",
				st->old_fd >= 0 ? "restore" : "remove",
				st->ifname, strerror(-err));
	}
	if (st->dir[0] && xt_pins_remove(st->dir))
		pr_warn("could not remove all of %s", st->dir);
}

/* Settings from the file, then the command line over them, then checked. */
static int settings_merge(const struct xt_attach_opts *o,
			  const struct xt_rules_file *rf,
			  struct xt_settings *s)
{
	const struct xt_settings *f = &rf->settings, *c = &o->set;
	char err[160];

	/* The loader put the defaults in where the file is silent. */
	s->mark_mask = c->has_mark_mask ? c->mark_mask : f->mark_mask;
	s->mark_shift = c->has_mark_shift ? c->mark_shift :
			f->has_mark_shift ? f->mark_shift : 0;
	s->mark_value = c->has_mark_value ? c->mark_value :
			f->has_mark_value ? f->mark_value : XT_MARK_CLASS;
	s->drop_threshold = c->has_drop_threshold ? c->drop_threshold :
			    f->has_drop_threshold ? f->drop_threshold : 0;
	if (xt_mark_check(s->mark_mask, s->mark_shift, s->mark_value,
			  xt_rules_file_max_class(rf), err, sizeof(err))) {
		pr_err("%s", err);
		return -EINVAL;
	}
	/* Our writes stay inside the mask; theirs may not stay outside it. */
	xt_mark_owners_warn(s->mark_mask, stderr);
	xt_mark_rules_warn(s->mark_mask, stderr);
	if (s->drop_threshold > 255) {
		pr_err("drop threshold %u is out of range (0-255)",
		       s->drop_threshold);
		return -EINVAL;
	}
	return 0;
}

void xt_xdp_frags_set(struct xdptag *skel)
{
	struct bpf_program *prog = skel->progs.xdptag_xdp;

	skel->rodata->cfg_xdp.frags = 1;
	bpf_program__set_flags(prog, bpf_program__flags(prog) |
				     BPF_F_XDP_HAS_FRAGS);
}

/*
 * The MTU above which attach loads the XDP program as xdp.frags.  A driver
 * takes a program without it only where a frame fits one receive buffer:
 * up to an MTU of about 3,500 on veth (a page less head- and tailroom),
 * about 3,050 on i40e (3 KB buffers).  Above this the program is
 * multi-buffer and pays a helper call a packet for the frame's length;
 * at or below it, nothing (docs/deploy.md, "Jumbo frames").
 */
#define XT_XDP_LINEAR_MTU	3000

/* Does mode on ifname need the XDP program as xdp.frags? */
static bool xdp_frags_wanted(const char *ifname, enum xt_mode mode)
{
	struct ifreq ifr = { 0 };

	/* Generic XDP linearizes the packet for a program without it. */
	if (mode != XT_MODE_AUTO && mode != XT_MODE_NATIVE)
		return false;
	return !xt_if_ioctl(ifname, SIOCGIFMTU, &ifr) &&
	       ifr.ifr_mtu > XT_XDP_LINEAR_MTU;
}

static int skels_load(struct attach_state *st, const struct xt_settings *s,
		      enum xt_mode mode, __u32 bridge, bool no_meta)
{
	/* libbpf's log says what failed: the verifier, or (offload) a map. */
	const char *hint = xt_verbose ? "" : " (-v shows libbpf's log)";
	struct bpf_map *map;
	int err;

	st->xdp = xdptag__open();
	st->tc = xdptag_tc__open();
	if (!st->xdp || !st->tc) {
		pr_err("cannot open the BPF objects: %s", strerror(errno));
		return -errno;
	}
	if (mode == XT_MODE_OFFLOAD) {
		/* Offloaded programs and their maps are built for the NIC. */
		bpf_program__set_ifindex(st->xdp->progs.xdptag_xdp,
					 st->ifindex);
		bpf_object__for_each_map(map, st->xdp->obj)
			bpf_map__set_ifindex(map, st->ifindex);
	}
	st->xdp->rodata->cfg_xdp.bridge = bridge;
	st->xdp->rodata->cfg_xdp.no_meta = no_meta;
	if (xdp_frags_wanted(st->ifname, mode))
		xt_xdp_frags_set(st->xdp);
	/* The per-source table keeps this size while attached. */
	err = xt_state_table_size(st->xdp->maps.xt_state, st->state_sources);
	if (err) {
		pr_err("cannot size the per-source table: %s", strerror(-err));
		return err;
	}
	/* In the dispatcher libxdp loads it, as an extension of a slot. */
	if (st->mp) {
		err = xt_mp_attach(st->xdp->obj, st->ifname, st->ifindex,
				   mode_flags[mode], &st->mp_mode, &st->placed);
		if (err)
			return err;
	} else {
		err = xdptag__load(st->xdp);
	}
	if (err) {
		pr_err("cannot load the XDP program%s%s: %s%s%s",
		       mode == XT_MODE_OFFLOAD ? " for offload to " : "",
		       mode == XT_MODE_OFFLOAD ? st->ifname : "",
		       strerror(-err), hint, xt_kernel_hint());
		return err;
	}
	/*
	 * The TC object declares the classifier's maps too (it classifies in
	 * the tc bridge mode): make it use the XDP object's, so both stages
	 * see one ruleset and one set of counters (each stage its own
	 * scratch slot there, struct xt_cls_cpu).
	 */
	bpf_object__for_each_map(map, st->tc->obj) {
		struct bpf_map *twin;

		twin = xt_map_twin(st->xdp->obj, map);
		if (twin && bpf_map__reuse_fd(map, bpf_map__fd(twin))) {
			pr_err("cannot share map %s with the TC program: %s",
			       bpf_map__name(map), strerror(errno));
			return -errno;
		}
	}
	st->tc->rodata->cfg_bridge = bridge;
	st->tc->rodata->cfg_mark_mask = s->mark_mask;
	st->tc->rodata->cfg_mark_shift = s->mark_shift;
	st->tc->rodata->cfg_mark_value = s->mark_value;
	err = xdptag_tc__load(st->tc);
	if (err) {
		pr_err("cannot load the TC program: %s%s%s", strerror(-err),
		       hint, xt_kernel_hint());
		return err;
	}
	return 0;
}

/* What XDP runs on the interface; prints why not. */
static int xdp_query(const struct attach_state *st,
		     struct bpf_xdp_query_opts *q)
{
	int err = bpf_xdp_query(st->ifindex, 0, q);

	if (err)
		pr_err("cannot query XDP on %s: %s", st->ifname,
		       strerror(-err));
	return err;
}

/*
 * What is on the interface now.  Without --force any XDP program is
 * refused; with it, the program is replaced in the mode it runs in.
 */
static int xdp_existing(struct attach_state *st, const struct xt_attach_opts *o,
			enum xt_mode *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 id, have;

	if (xdp_query(st, &q))
		return XT_EXIT_FAIL;
	id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id ?
	     q.skb_prog_id : q.hw_prog_id;
	if (!id)
		return XT_EXIT_OK;
	if (st->mp && xt_mp_is_dispatcher(id))
		return XT_EXIT_OK;	/* joined in skels_load() */
	if (st->mp) {
		pr_err("%s has an XDP program (id %u) outside libxdp's dispatcher: xdptag joins only a dispatcher; %s",
		       st->ifname, id, o->no_force ?
		       "probe never replaces a program" :
		       "--force --xdp-attach direct replaces that program");
		return XT_EXIT_STATE;
	}
	if (o->no_force) {
		pr_err("%s already has an XDP program attached (id %u); probe never replaces it",
		       st->ifname, id);
		return XT_EXIT_STATE;
	}
	/* Refusals --force cannot lift come first: none offers it. */
	if (q.attach_mode == XDP_ATTACHED_MULTI) {
		pr_err("%s has XDP programs in several modes; --force replaces only one",
		       st->ifname);
		return XT_EXIT_STATE;
	}
	have = q.attach_mode == XDP_ATTACHED_DRV ? XT_MODE_NATIVE :
	       q.attach_mode == XDP_ATTACHED_SKB ? XT_MODE_GENERIC :
	       XT_MODE_OFFLOAD;
	if (*mode != XT_MODE_AUTO && *mode != have) {
		pr_err("the XDP program on %s (id %u) runs in %s mode; --force replaces it only in that mode",
		       st->ifname, id, xt_name_str(xt_mode_names, have));
		return XT_EXIT_STATE;
	}
	if (!o->force) {
		pr_err("%s already has an XDP program attached (id %u); use --force to replace it",
		       st->ifname, id);
		return XT_EXIT_STATE;
	}
	*mode = have;
	st->old_fd = bpf_prog_get_fd_by_id(id);
	if (st->old_fd < 0) {
		pr_err("cannot open the XDP program %u on %s: %s", id,
		       st->ifname, strerror(errno));
		return XT_EXIT_FAIL;
	}
	pr_info("Replacing XDP program %u on %s", id, st->ifname);
	return XT_EXIT_OK;
}

/*
 * Where the XDP stage goes (docs/coexistence.md, "libxdp"): into libxdp's
 * dispatcher when asked, or by default when the interface has one (also
 * with --force: the xdptag in it is replaced, not the dispatcher) or has
 * no XDP program (a dispatcher is made, unless the kernel refuses it:
 * st->mp_try); alone when asked, for offload, or in place of a lone
 * program (refused without --force, xdp_existing()).  Sets st->mp and
 * st->placed.  Returns XT_EXIT_OK or the exit status (message printed).
 */
static int xdp_place(struct attach_state *st, const struct xt_attach_opts *o,
		     enum xt_mode mode, const struct xt_attach_info *old)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	st->placed = XT_XDP_DIRECT;
	if (o->xdp_attach == XT_XDP_DIRECT)
		return XT_EXIT_OK;
	if (mode == XT_MODE_OFFLOAD) {
		if (o->xdp_attach == XT_XDP_DISPATCHER) {
			pr_err("--xdp-attach dispatcher does not go with --mode offload");
			return XT_EXIT_USAGE;
		}
		st->placed = XT_XDP_ALONE_OFFLOAD;
		return XT_EXIT_OK;
	}
	st->mp = true;
	st->placed = XT_XDP_DISPATCHER;
	if (o->xdp_attach == XT_XDP_DISPATCHER || xt_mp_present(st->ifindex) > 0)
		return XT_EXIT_OK;
	if (xdp_query(st, &q))
		return XT_EXIT_FAIL;
	if (!q.drv_prog_id && !q.skb_prog_id && !q.hw_prog_id) {
		st->mp_try = true;
		return XT_EXIT_OK;
	}
	st->mp = false;
	/*
	 * Over an xdptag alone for a reason of its own (the kernel refuses
	 * the dispatcher, say), the program replaced is that xdptag's: the
	 * reason still holds, and says more than "--force replaced it".
	 */
	if (old && old->xdp_attach >= XT_XDP_ALONE_REFUSED &&
	    xdp_slot_id(&q, old->xdp_flags) == old->xdp_prog_id)
		st->placed = old->xdp_attach;
	else
		st->placed = XT_XDP_ALONE_REPLACED;
	return XT_EXIT_OK;
}

/*
 * The kernel refused libxdp's dispatcher (why in st->placed): asked for,
 * an error; by default, the XDP stage alone, from new skeletons (the old
 * ones were tried), the reason in the "Attached" line and in status (-v
 * shows libxdp's words).  Returns 0 or -errno.
 */
static int xdp_alone_fallback(struct attach_state *st,
			      const struct xt_settings *s, enum xt_mode mode,
			      const struct xt_attach_opts *o)
{
	const char *libxdp = st->placed == XT_XDP_ALONE_REFUSED ?
			     xt_mp_why() : "";

	if (!st->mp_try) {
		pr_err("%s: %s%s%s; --xdp-attach direct attaches xdptag alone",
		       st->ifname, xt_xdp_alone_why(st->placed),
		       libxdp[0] ? ": " : "", libxdp);
		return -EOPNOTSUPP;
	}
	xdptag_tc__destroy(st->tc);
	xdptag__destroy(st->xdp);
	st->tc = NULL;
	st->xdp = NULL;
	st->mp = false;
	st->mp_mode = 0;
	return skels_load(st, s, mode, o->bridge, o->no_meta);
}

static int xdp_attach(struct attach_state *st, enum xt_mode mode)
{
	int fd = bpf_program__fd(st->xdp->progs.xdptag_xdp);
	__u32 flags = mode_flags[mode ? mode : XT_MODE_NATIVE];
	int err;

	xt_kernel_said_reset();
	err = xdp_swap(st->ifindex, fd, st->old_fd, flags);
	if (err && mode == XT_MODE_AUTO) {
		xt_generic_fallback_say(st->ifname, st->ifindex, err);
		flags = XDP_FLAGS_SKB_MODE;
		err = xdp_swap(st->ifindex, fd, st->old_fd, flags);
	}
	if (err) {
		pr_err("cannot attach XDP to %s in %s mode: %s%s", st->ifname,
		       xt_mode_str(flags), strerror(-err), xt_kernel_said());
		return err;
	}
	st->xdp_mode = flags;
	return 0;
}

/*
 * tcx: one link, first in the list, so that programs which end the chain
 * (TCX_PASS, as Cilium's do) cannot hide xdptag; it returns TCX_NEXT
 * (TC_ACT_UNSPEC, the same value) so theirs still run after it.
 */
static int tcx_attach(struct attach_state *st, bool asked)
{
	char path[PATH_MAX + 16];
	int fd = xt_tcx_attach(bpf_program__fd(st->tc->progs.xdptag_tc),
			       st->ifindex);

	if (fd < 0) {
		pr_err("cannot attach the TC stage to %s through tcx: %s%s",
		       st->ifname, strerror(-fd),
		       asked && fd == -EINVAL ?
		       " (tcx needs kernel 6.6 or later; try --tc-attach cls)" :
		       "");
		return fd;
	}
	st->link_fd = fd;
	st->tc_how = XT_TC_TCX;
	/*
	 * The link would go with our fd: the pin keeps it attached, and is
	 * what the next attach or detach finds if we die after this.  Dead
	 * before it, the link went with us.
	 */
	snprintf(path, sizeof(path), "%s/%s", st->dir,
		 xt_pin_table[XT_PIN_TC_LINK].name);
	if (bpf_obj_pin(fd, path)) {
		pr_err("cannot pin %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/* cls_bpf: replace says the filter at prio/handle is the old xdptag's. */
static int tc_attach(struct attach_state *st, unsigned int prio, bool replace)
{
	LIBBPF_OPTS(bpf_tc_opts, to, .handle = XT_TC_HANDLE,
		    .priority = prio,
		    .flags = replace ? BPF_TC_F_REPLACE : 0,
		    .prog_fd = bpf_program__fd(st->tc->progs.xdptag_tc));
	int err;

	LIBBPF_OPTS(bpf_tc_opts, q, .handle = XT_TC_HANDLE, .priority = prio);

	st->tc_how = XT_TC_CLS;
	st->hook.sz = sizeof(st->hook);
	st->hook.ifindex = st->ifindex;
	st->hook.attach_point = BPF_TC_INGRESS;
	/*
	 * No clsact yet (the kernel says EINVAL for a filter of a missing
	 * qdisc): record that it will be ours before making it, or a process
	 * killed right after would leave it behind with no record.
	 */
	if (bpf_tc_query(&st->hook, &q) == -EINVAL) {
		st->info->created_clsact = 1;
		err = xt_info_write_active(st->info_fd, st->active_fd, st->info);
		if (err) {
			pr_err("cannot update xt_info: %s", strerror(-err));
			return err;
		}
	}
	/* -EEXIST: a clsact that is someone else's, which detach keeps. */
	err = bpf_tc_hook_create(&st->hook);
	if (err && err != -EEXIST) {
		pr_err("cannot create the clsact qdisc on %s: %s", st->ifname,
		       strerror(-err));
		return err;
	}
	st->hook_created = !err;
	if (st->info->created_clsact !=
	    (st->hook_created || st->clsact_inherited)) {
		st->info->created_clsact = st->hook_created ||
					   st->clsact_inherited;
		err = xt_info_write_active(st->info_fd, st->active_fd, st->info);
		if (err) {
			pr_err("cannot update xt_info: %s", strerror(-err));
			return err;
		}
	}
	err = bpf_tc_attach(&st->hook, &to);
	if (err == -EEXIST) {
		pr_err("%s already has a TC ingress filter at prio %u handle 0x%x; choose another --tc-prio",
		       st->ifname, prio, XT_TC_HANDLE);
		return err;
	}
	/* The kernel's word when a priority holds another kind or protocol. */
	if (err == -EINVAL && xt_cls_count(st->ifindex, prio) > 0) {
		pr_err("%s already has a TC ingress filter of another kind or protocol at prio %u; choose another --tc-prio",
		       st->ifname, prio);
		return err;
	}
	if (err) {
		pr_err("cannot attach the TC filter to %s at prio %u: %s",
		       st->ifname, prio, strerror(-err));
		return err;
	}
	st->tc_attached = true;
	st->tc_replaced = replace;
	return 0;
}

/* The TC stage, through tcx or cls_bpf as st->tc_how (chosen) says. */
static int tc_stage_attach(struct attach_state *st,
			   const struct xt_attach_opts *o,
			   const struct xt_attach_info *old)
{
	bool replace;

	if (st->tc_how == XT_TC_TCX)
		return tcx_attach(st, o->tc_attach == XT_TC_TCX);
	replace = old && old->tc_attach == XT_TC_CLS &&
		  old->tc_prio == o->tc_prio && old->tc_handle == XT_TC_HANDLE;
	if (replace)
		st->old_tc_fd = bpf_prog_get_fd_by_id(old->tc_prog_id);
	return tc_attach(st, o->tc_prio, replace);
}

/* Both entries of xt_info (one per generation) say info. */
static int info_write(struct attach_state *st,
		      const struct xt_attach_info *info)
{
	__u32 gen;

	for (gen = 0; gen < 2; gen++)
		if (bpf_map_update_elem(st->info_fd, &gen, info, BPF_ANY)) {
			pr_err("cannot write the xt_info map: %s",
			       strerror(errno));
			return -errno;
		}
	return 0;
}

/* The pin directory with xt_info in it: the record, before the rest. */
static int record_start(struct attach_state *st,
			const struct xt_attach_info *info)
{
	const struct xt_pin_desc *d = &xt_pin_table[XT_PIN_INFO];
	char dir[XT_PIN_DIR_LEN], path[XT_PIN_DIR_LEN + 32];
	int err;

	/* One entry per generation; both the same until a `rules load`. */
	st->info_fd = bpf_map_create(d->map.type, d->name, d->map.key_size,
				     d->map.value_size, 2, NULL);
	if (st->info_fd < 0) {
		pr_err("cannot create the xt_info map: %s", strerror(errno));
		return -errno;
	}
	err = info_write(st, info);
	if (err)
		return err;
	xt_pin_dir(st->ifname, dir, sizeof(dir));
	if (mkdir(dir, 0700)) {
		pr_err("cannot create %s: %s", dir, strerror(errno));
		return -errno;
	}
	strcpy(st->dir, dir);
	snprintf(path, sizeof(path), "%s/%s", dir, d->name);
	if (bpf_obj_pin(st->info_fd, path)) {
		pr_err("cannot pin %s: %s", path, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * xt_info (made now, or by record_start() before libxdp attached the XDP
 * stage: then rewritten), then every pin of the table (user/pins.c) in
 * st->dir.
 */
static int pins_create(struct attach_state *st, struct xt_attach_info *info)
{
	int err = st->info_fd < 0 ? record_start(st, info) :
		  info_write(st, info);

	return err ? err : xt_pins_create(st->dir, st->xdp->obj, st->tc->obj,
					  st->info_fd);
}

static int leftovers_clear(const char *ifname, int ifindex,
			   unsigned int prio, bool force);

/* Another program runs before the TC stage and may end the chain. */
static void hooks_check(const struct attach_state *st,
			const struct xt_attach_info *info)
{
	struct xt_hooks *h = calloc(1, sizeof(*h));

	if (h && !xt_hooks_list(st->ifindex, info->xdp_prog_id,
				info->tc_prog_id, info->tc_attach,
				info->tc_prio, h))
		xt_hooks_warn(h, st->ifname);
	free(h);
}

/*
 * --force on an interface xdptag is attached to already (an older xdptag,
 * maybe with its cls_bpf filter): read the old attachment so that the new
 * one replaces its XDP program and TC filter instead of refusing.  Pins of
 * an interface that is gone are stale: removed.  Returns 0 with *old set
 * when there is an attachment to replace, else 0 with *old NULL or -errno.
 */
static int old_open(const char *ifname, const char *dir, int ifindex,
		    struct xt_pinned **old)
{
	struct xt_pinned *p = calloc(1, sizeof(*p));
	int err;

	*old = NULL;
	if (!p)
		return -ENOMEM;
	err = xt_pins_open(ifname, p);
	/* Another version's pins: its record says what to replace. */
	if (err == -EPROTO)
		err = 0;
	if (err || p->info_val.ifindex != (__u32)ifindex) {
		if (!err)
			xt_pins_close(p);
		free(p);
		pr_info("Removing stale pins of %s", ifname);
		return xt_pins_remove(dir);
	}
	xt_pins_close(p);
	*old = p;
	return 0;
}

static int tc_remove(const char *ifname, int ifindex,
		     const struct xt_attach_info *info, bool quiet,
		     bool keep_clsact);
static int tcx_remove(const char *ifname, const char *dir,
		      const struct xt_attach_info *info, bool quiet);

/*
 * Once the new attachment is ATTACHED, what is left of the old one (its
 * XDP program was replaced in place, or joined in libxdp's dispatcher by
 * the new one, new_id): its XDP program then, with any other xdptag one
 * in the dispatcher but new_id (of a --force killed before its pins), its
 * TC stage, unless the new cls filter took over its slot (then it runs
 * the new program, and quiet is expected), and its pins in old_dir.  A
 * clsact the old one made stays when the new TC stage is cls too: the
 * new record owns it.
 */
static int old_finish(const char *ifname, int ifindex,
		      const struct xt_attach_info *old, const char *old_dir,
		      __u32 new_how, __u32 new_id, bool quiet)
{
	if (old->xdp_attach == XT_XDP_DISPATCHER &&
	    (xt_mp_remove(ifname, ifindex, old->xdp_prog_id, NULL, 0) < 0 ||
	     xt_mp_remove(ifname, ifindex, 0, XT_XDP_PROG_NAME, new_id) < 0))
		return -1;
	if (old->tc_attach == XT_TC_TCX)
		tcx_remove(ifname, old_dir, old, quiet);
	else
		tc_remove(ifname, ifindex, old, quiet, new_how == XT_TC_CLS);
	if (xt_pins_remove(old_dir)) {
		pr_err("cannot remove %s: %s", old_dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* After the new attachment is in place: what is left of the old one. */
static void old_remove(const struct attach_state *st,
		       const struct xt_attach_info *old, const char *old_dir)
{
	old_finish(st->ifname, st->ifindex, old, old_dir, st->tc_how,
		   st->info->xdp_prog_id, st->tc_replaced);
	printf("Replaced the xdptag attachment of %s (TC stage was %s)\n",
	       st->ifname, xt_tc_attach_str(old->tc_attach));
}

int xt_attach(const struct xt_attach_opts *o)
{
	struct attach_state st = { .ifname = o->ifname, .old_fd = -1,
				   .info_fd = -1, .active_fd = -1, .link_fd = -1,
				   .old_tc_fd = -1 };
	struct xt_pinned *old = NULL;
	char old_dir[XT_PIN_DIR_LEN + 8];
	bool moved = false;
	struct xt_attach_info *info = NULL;
	struct xt_rules_file *rf = NULL;
	struct xt_compiled comp = { 0 };
	enum xt_mode mode = o->mode;
	struct xt_rule_maps maps;
	struct xt_settings s;
	char dir[XT_PIN_DIR_LEN];
	int lock = -1, ret = XT_EXIT_USAGE, err;
	bool rf_loaded = false;
	struct stat sb;

	if (ifname_check(o->ifname))
		return XT_EXIT_USAGE;
	if (o->tc_prio < 1 || o->tc_prio > 0xffff) {
		pr_err("TC priority %u is out of range (1-65535)", o->tc_prio);
		return XT_EXIT_USAGE;
	}
	st.ifindex = if_nametoindex(o->ifname);
	if (!st.ifindex) {
		pr_err("interface '%s' does not exist", o->ifname);
		return XT_EXIT_USAGE;
	}

	rf = calloc(1, sizeof(*rf));
	info = calloc(1, sizeof(*info));
	if (!rf || !info) {
		pr_err("out of memory");
		ret = XT_EXIT_FAIL;
		goto out;
	}
	st.info = info;
	if (xt_rules_file_load(o->rules_path, rf, stderr)) {
		pr_err("cannot load rules from %s",
		       o->rules_path ? o->rules_path : "the default ruleset");
		goto out;
	}
	rf_loaded = true;
	if (settings_merge(o, rf, &s))
		goto out;
	/* The compiler reads the threshold from the settings: merge first. */
	rf->settings.drop_threshold = s.drop_threshold;
	rf->settings.has_drop_threshold = true;
	if (xt_rules_file_compile(rf, &comp, stderr)) {
		pr_err("cannot compile the rules");
		goto out;
	}
	st.state_sources = comp.rs->st.entries;

	ret = XT_EXIT_FAIL;
	lock = xt_lock();
	if (lock < 0)
		goto out;
	/* Pins of an attach or detach that was killed: finish undoing it. */
	ret = leftovers_clear(o->ifname, st.ifindex, o->tc_prio, o->force);
	if (ret)
		goto out;
	ret = XT_EXIT_FAIL;
	/* Only --force gets here with pins, of a finished attach. */
	xt_pin_dir(o->ifname, dir, sizeof(dir));
	if (!stat(dir, &sb) && old_open(o->ifname, dir, st.ifindex, &old))
		goto out;
	xt_pin_dir_old(o->ifname, old_dir, sizeof(old_dir));
	ret = xdp_place(&st, o, mode, old ? &old->info_val : NULL);
	if (ret)
		goto out;
	ret = xdp_existing(&st, o, &mode);
	if (ret)
		goto out;
	ret = XT_EXIT_FAIL;
	/*
	 * In the dispatcher libxdp loads and attaches in one step, so the
	 * record comes first: an ATTACHING xt_info with no program id, by
	 * which a later attach or detach removes an xdptag program from the
	 * dispatcher if we die before the other pins (record_undo()).
	 */
	if (st.mp) {
		struct xt_attach_info early = {
			.ifindex = st.ifindex, .state = XT_STATE_ATTACHING,
			.xdp_attach = XT_XDP_DISPATCHER,
			.tc_attach = XT_TC_TCX,	/* nothing but its pin */
		};

		if (old && rename(dir, old_dir)) {
			pr_err("cannot move %s aside: %s", dir,
			       strerror(errno));
			goto out;
		}
		moved = old != NULL;
		if (record_start(&st, &early))
			goto undo;
	}
	err = skels_load(&st, &s, mode, o->bridge, o->no_meta);
	/* The dispatcher refused (st.placed says why), not the driver. */
	if (err == -EOPNOTSUPP && st.mp && st.placed != XT_XDP_DISPATCHER)
		err = xdp_alone_fallback(&st, &s, mode, o);
	if (err)
		goto undo;
	maps = xt_rule_maps_of(st.xdp->obj);
	if (xt_ruleset_install(&maps, &comp)) {
		pr_err("cannot install the ruleset: %s", strerror(errno));
		goto undo;
	}
	st.active_fd = maps.active;

	info->state = XT_STATE_ATTACHING;
	st.tc_how = o->tc_attach;
	if (st.tc_how == XT_TC_AUTO)
		st.tc_how = xt_tcx_supported(st.ifindex) ? XT_TC_TCX : XT_TC_CLS;
	info->ifindex = st.ifindex;
	info->xdp_prog_id = prog_id(bpf_program__fd(st.xdp->progs.xdptag_xdp));
	info->tc_prog_id = prog_id(bpf_program__fd(st.tc->progs.xdptag_tc));
	info->tc_attach = st.tc_how;
	if (st.tc_how == XT_TC_CLS) {
		info->tc_handle = XT_TC_HANDLE;
		info->tc_prio = o->tc_prio;
		/* A clsact the old attachment made is ours to remove too. */
		st.clsact_inherited = old && old->info_val.created_clsact;
		info->created_clsact = st.clsact_inherited;
	}
	info->mark_mask = s.mark_mask;
	info->mark_shift = s.mark_shift;
	info->mark_value = s.mark_value;
	info->drop_threshold = s.drop_threshold;
	info->bridge = o->bridge;
	info->attached_at = time(NULL);
	info->netns = xt_netns_self();
	if (o->rules_path) {
		char abs[PATH_MAX];

		/* Status shows where the rules came from, whatever the cwd. */
		if (realpath(o->rules_path, abs))
			snprintf(info->rules_path, sizeof(info->rules_path),
				 "%.255s", abs);
		else
			snprintf(info->rules_path, sizeof(info->rules_path),
				 "%.255s", o->rules_path);
	}
	xt_info_set_names(info, rf);
	/*
	 * --force over an attached xdptag: its pins go aside first, still
	 * saying ATTACHED, so that the next attach or detach finds both
	 * records if we die (leftovers_clear: replace_clear).
	 */
	if (old && !moved && rename(dir, old_dir)) {
		pr_err("cannot move %s aside: %s", dir, strerror(errno));
		goto out;
	}
	moved = old != NULL;
	/*
	 * Pins first, programs after: from here on, whenever this process
	 * dies, the pins name what it may have attached.
	 */
	if (pins_create(&st, info))
		goto undo;
	if ((!st.mp && xdp_attach(&st, mode)) ||
	    tc_stage_attach(&st, o, old ? &old->info_val : NULL))
		goto undo;
	info->state = XT_STATE_ATTACHED;
	info->xdp_flags = st.mp ? st.mp_mode : st.xdp_mode;
	info->xdp_attach = st.placed;
	info->xdp_frags = st.xdp->rodata->cfg_xdp.frags;
	err = xt_info_write_active(st.info_fd, st.active_fd, info);
	if (err) {
		pr_err("cannot update xt_info: %s", strerror(-err));
		goto undo;
	}
	if (old)
		old_remove(&st, &old->info_val, old_dir);

	if (st.tc_how == XT_TC_TCX)
		printf("Attached xdptag to %s: XDP in %s mode (prog %u%s%s), TC ingress through tcx, first (prog %u)\n",
		       o->ifname, xt_mode_str(info->xdp_flags),
		       info->xdp_prog_id, xt_xdp_frags_str(info->xdp_frags),
		       xt_xdp_attach_str(st.placed), info->tc_prog_id);
	else
		printf("Attached xdptag to %s: XDP in %s mode (prog %u%s%s), TC ingress cls_bpf prio %u handle 0x%x (prog %u)\n",
		       o->ifname, xt_mode_str(info->xdp_flags),
		       info->xdp_prog_id, xt_xdp_frags_str(info->xdp_frags),
		       xt_xdp_attach_str(st.placed), o->tc_prio, XT_TC_HANDLE,
		       info->tc_prog_id);
	hooks_check(&st, info);
	ret = XT_EXIT_OK;
	goto out;
undo:
	attach_undo(&st, o->tc_prio);
	/* Dead before this, the next attach or detach moves it back. */
	if (moved && rename(old_dir, dir))
		pr_warn("could not move %s back to %s: %s", old_dir, dir,
			strerror(errno));
out:
	if (st.link_fd >= 0)
		close(st.link_fd);	/* pinned, or detached by the undo */
	if (st.old_tc_fd >= 0)
		close(st.old_tc_fd);
	free(old);
	if (st.info_fd >= 0)
		close(st.info_fd);
	if (st.old_fd >= 0)
		close(st.old_fd);
	/* Attached programs and pinned maps live on without our fds. */
	xdptag_tc__destroy(st.tc);
	xdptag__destroy(st.xdp);
	xt_unlock(lock);
	xt_compiled_free(&comp);
	if (rf_loaded)
		xt_rules_file_free(rf);
	free(rf);
	free(info);
	return ret;
}

/* ----------------------------------------------------------- detach --- */

static int xdp_remove(const char *ifname, int ifindex,
		      const struct xt_attach_info *info)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 cur;
	int fd, err;

	if (info->xdp_attach == XT_XDP_DISPATCHER) {
		/* libxdp rebuilds the dispatcher around the others. */
		err = xt_mp_remove(ifname, ifindex, info->xdp_prog_id, NULL, 0);
		if (!err)
			pr_warn("xdptag's XDP program %u is no longer in the dispatcher of %s",
				info->xdp_prog_id, ifname);
		if (err < 0)
			return err;
		/* One a --force killed before its pins added, if any. */
		err = xt_mp_remove(ifname, ifindex, 0, XT_XDP_PROG_NAME, 0);
		return err < 0 ? err : 0;
	}
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		pr_err("cannot query XDP on %s: %s", ifname, strerror(-err));
		return err;
	}
	cur = xdp_slot_id(&q, info->xdp_flags);
	if (cur != info->xdp_prog_id) {
		pr_warn("the XDP program on %s is not xdptag's any more (id %u, ours was %u); left in place",
			ifname, cur, info->xdp_prog_id);
		return 0;
	}
	fd = bpf_prog_get_fd_by_id(cur);
	if (fd < 0) {
		pr_err("cannot open XDP program %u: %s", cur, strerror(errno));
		return -errno;
	}
	err = xdp_swap(ifindex, -1, fd, info->xdp_flags);
	close(fd);
	if (err)
		pr_err("cannot remove the XDP program from %s: %s", ifname,
		       strerror(-err));
	return err;
}

/*
 * Detach the tcx link pinned in dir.  quiet: a missing link is expected
 * (undoing an interrupted attach or detach), not worth a warning.
 */
static int tcx_remove(const char *ifname, const char *dir,
		      const struct xt_attach_info *info, bool quiet)
{
	struct bpf_link_info li = { 0 };
	__u32 len = sizeof(li);
	int fd = xt_pin_get(dir, XT_PIN_TC_LINK);

	if (fd < 0) {
		if (!quiet)
			pr_warn("the tcx link of %s is gone", ifname);
		return 0;
	}
	/* Detach, not only unpin: someone may hold another fd of it. */
	if (!bpf_obj_get_info_by_fd(fd, &li, &len) &&
	    li.prog_id != info->tc_prog_id)
		pr_warn("the tcx link of %s runs prog %u, not xdptag's %u; detached anyway (it is xdptag's link)",
			ifname, li.prog_id, info->tc_prog_id);
	if (bpf_link_detach(fd) && errno != ENOLINK && errno != ENOENT)
		pr_warn("cannot detach the tcx link of %s: %s (unpinning it)",
			ifname, strerror(errno));
	close(fd);
	return 0;
}

/*
 * The clsact qdisc of ifindex, which xdptag made, once its filter is
 * gone: removed if no filter is left in it, on ingress or egress (its
 * deletion would take theirs along), else kept, with a line saying so
 * unless quiet.  Another tool could add a filter between the dump and
 * the deletion: netlink deletes a qdisc unconditionally.  0 or -errno.
 */
static int clsact_remove(const char *ifname, int ifindex, bool quiet)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int n, err;

	n = xt_cls_count(ifindex, 0);
	if (n < 0) {
		pr_err("cannot list the TC filters of %s: %s", ifname,
		       strerror(-n));
		return n;
	}
	if (n) {
		if (!quiet)
			printf("Kept the clsact qdisc xdptag made on %s: other filters are in it\n",
			       ifname);
		return 0;
	}
	/* Both directions: that is how clsact itself is deleted. */
	err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT && err != -EINVAL) {
		pr_err("cannot remove the clsact qdisc of %s: %s", ifname,
		       strerror(-err));
		return err;
	}
	return 0;
}

/*
 * Remove our TC filter (prio and handle of info, program tc_prog_id) and
 * the clsact if we made it and nothing else is in it, unless keep_clsact
 * (a new attachment took the clsact over).  quiet: undoing an interrupted
 * attach, detach or replace, where a missing filter or one running
 * another program is expected, not worth a warning, and a missing filter
 * may be one the killed process never added or already removed: the
 * clsact goes then too if it is empty.  Otherwise a filter that is gone
 * or not ours says the clsact is no longer what we made (deleted and made
 * again, or taken over): it stays.
 */
static int tc_remove(const char *ifname, int ifindex,
		     const struct xt_attach_info *info, bool quiet,
		     bool keep_clsact)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = info->tc_handle,
		    .priority = info->tc_prio);
	LIBBPF_OPTS(bpf_tc_opts, d, .handle = info->tc_handle,
		    .priority = info->tc_prio);
	bool ours = false, gone = false;
	int err;

	err = bpf_tc_query(&hook, &q);
	if (err == -ENOENT || err == -EINVAL) {
		gone = true;
		if (!quiet)
			pr_warn("the TC filter of %s (prio %u handle 0x%x) is gone",
				ifname, info->tc_prio, info->tc_handle);
	} else if (err) {
		pr_err("cannot query TC on %s: %s", ifname, strerror(-err));
		return err;
	} else if (q.prog_id != info->tc_prog_id) {
		if (!quiet)
			pr_warn("the TC filter at prio %u handle 0x%x on %s is not xdptag's any more; left in place",
				info->tc_prio, info->tc_handle, ifname);
	} else {
		err = bpf_tc_detach(&hook, &d);
		if (err) {
			pr_err("cannot remove the TC filter from %s: %s",
			       ifname, strerror(-err));
			return err;
		}
		ours = true;
	}
	if (info->created_clsact && !keep_clsact && (ours || (quiet && gone)))
		return clsact_remove(ifname, ifindex, quiet);
	return 0;
}

/* Remove the TC stage info records: the tcx link pinned in dir, or cls. */
static int tc_stage_remove(const char *ifname, int ifindex, const char *dir,
			   const struct xt_attach_info *info, bool quiet)
{
	if (info->tc_attach == XT_TC_TCX)
		return tcx_remove(ifname, dir, info, quiet);
	return tc_remove(ifname, ifindex, info, quiet, false);
}

/* --------------------------------------------------------- recovery --- */


static bool prog_named(__u32 id, const char *name)
{
	struct bpf_prog_info pi = { 0 };
	__u32 len = sizeof(pi);
	bool ok;
	int fd;

	if (!id)
		return false;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	ok = !bpf_obj_get_info_by_fd(fd, &pi, &len) && !strcmp(pi.name, name);
	close(fd);
	return ok;
}

static const __u32 xdp_modes[] = {
	XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE, XDP_FLAGS_HW_MODE,
};

/*
 * Remove from ifindex the XDP program id (or, with id 0, any program
 * named name but keep), in whichever mode it runs, alone or in libxdp's
 * dispatcher.  Returns how many were removed, or -errno.
 */
/* What xdp_slots_remove() removes. */
struct xdp_match {
	__u32 id;		/* this program, or with 0: */
	const char *name;	/* those named so (NULL: dead dispatchers) */
	__u32 keep;		/* but this one */
};

static bool xdp_matches(__u32 cur, const struct xdp_match *m)
{
	if (m->id)
		return cur == m->id;
	if (cur == m->keep)
		return false;
	return m->name ? prog_named(cur, m->name) : xt_mp_dead(cur);
}

/*
 * Remove from ifindex the XDP program of each mode that m matches, by
 * compare and swap.  Returns how many, or -errno.
 */
static int xdp_slots_remove(const char *ifname, int ifindex,
			    const struct xdp_match *m)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err, fd, n = 0;
	size_t i;

	err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		pr_err("cannot query XDP on %s: %s", ifname, strerror(-err));
		return err;
	}
	for (i = 0; i < sizeof(xdp_modes) / sizeof(xdp_modes[0]); i++) {
		__u32 cur = xdp_slot_id(&q, xdp_modes[i]);

		if (!cur || !xdp_matches(cur, m))
			continue;
		fd = bpf_prog_get_fd_by_id(cur);
		if (fd < 0) {
			pr_err("cannot open XDP program %u: %s", cur,
			       strerror(errno));
			return -errno;
		}
		/* Compare and swap: never remove what is not ours by now. */
		err = xdp_swap(ifindex, -1, fd, xdp_modes[i]);
		close(fd);
		if (err) {
			pr_err("cannot remove the XDP program from %s: %s",
			       ifname, strerror(-err));
			return err;
		}
		n++;
	}
	return n;
}

static int xdp_remove_ours(const char *ifname, int ifindex, __u32 id,
			   const char *name, __u32 keep)
{
	const struct xdp_match m = { .id = id, .name = name, .keep = keep };
	int n = xdp_slots_remove(ifname, ifindex, &m), err;

	if (n < 0)
		return n;
	/* Or as one of the programs of libxdp's dispatcher. */
	err = xt_mp_remove(ifname, ifindex, id, name, keep);
	return err < 0 ? err : n + err;
}

/* Remove our TC filter at prio if its program is named ours: 1, 0, -errno. */
static int tc_remove_named(const char *ifname, int ifindex, unsigned int prio)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = XT_TC_HANDLE, .priority = prio);
	LIBBPF_OPTS(bpf_tc_opts, d, .handle = XT_TC_HANDLE, .priority = prio);
	int err;

	if (bpf_tc_query(&hook, &q) || !prog_named(q.prog_id, XT_TC_PROG_NAME))
		return 0;
	err = bpf_tc_detach(&hook, &d);
	if (err) {
		pr_err("cannot remove the TC filter from %s: %s", ifname,
		       strerror(-err));
		return err;
	}
	return 1;
}

/*
 * No pins for ifname, yet programs with our names on it: xdptag's
 * orphans (an attach by an older build killed before it pinned, or pins
 * kept in a mount namespace that is gone).  Remove them: the XDP program
 * by name, alone or in libxdp's dispatcher, a dispatcher left running
 * nothing (libxdp's pins, and with them its programs' links, were in
 * that mount namespace's bpffs too), a tcx link of a program with our name, our TC filter by handle
 * and program name at the default prio and at prio.  A clsact they may
 * have made is left (nothing says whose).  Returns how many programs were
 * removed, or -errno.
 */
static int orphans_clear(const char *ifname, int ifindex, unsigned int prio)
{
	int n, x, t = 0;

	/* First a dispatcher whose programs went with their pins. */
	x = xdp_slots_remove(ifname, ifindex, &(struct xdp_match){ 0 });
	if (x < 0)
		return x;
	if (x)
		xt_mp_clean(ifindex);
	n = xdp_remove_ours(ifname, ifindex, 0, XT_XDP_PROG_NAME, 0);
	if (n < 0)
		return n;
	n += x;
	x = xt_tcx_detach_named(ifindex, XT_TC_PROG_NAME);
	if (x < 0) {
		pr_err("cannot detach the tcx links of %s: %s", ifname,
		       strerror(-x));
		return x;
	}
	n += x;
	t = tc_remove_named(ifname, ifindex, XT_TC_PRIO_DEFAULT);
	if (t >= 0 && prio != XT_TC_PRIO_DEFAULT) {
		int t2 = tc_remove_named(ifname, ifindex, prio);

		t = t2 < 0 ? t2 : t + t2;
	}
	return t < 0 ? t : n + t;
}

/* xt_info and xt_active of a pin directory, and the active entry. */
struct pin_record {
	int info_fd, active_fd;
	struct xt_attach_info info;
};

static void record_close(struct pin_record *r)
{
	if (r->info_fd >= 0)
		close(r->info_fd);
	if (r->active_fd >= 0)
		close(r->active_fd);
	r->info_fd = r->active_fd = -1;
}

/* -ENOENT: no xt_info, so nothing was attached from this directory. */
static int record_open(const char *dir, struct pin_record *r)
{
	int err;

	r->active_fd = xt_pin_get(dir, XT_PIN_ACTIVE);
	r->info_fd = xt_pin_get(dir, XT_PIN_INFO);
	if (r->info_fd < 0) {
		err = -errno;
		record_close(r);
		return err;
	}
	err = xt_info_read(r->info_fd, r->active_fd, &r->info);
	if (err)
		record_close(r);
	return err;
}

/*
 * Undo everything the record names on ifindex, then remove the pins.
 * keep_clsact: the clsact may be the replaced attachment's (--force).
 * A record without an XDP program id was made before libxdp attached the
 * program (record_start()): every xdptag program goes, but keep (the
 * replaced attachment's).
 */
static int record_undo(const char *ifname, int ifindex, const char *dir,
		       const struct xt_attach_info *info, bool keep_clsact,
		       __u32 keep)
{
	if (xdp_remove_ours(ifname, ifindex, info->xdp_prog_id,
			    XT_XDP_PROG_NAME, keep) < 0)
		return -1;
	if (info->tc_attach == XT_TC_TCX ?
	    tcx_remove(ifname, dir, info, true) :
	    tc_remove(ifname, ifindex, info, true, keep_clsact))
		return -1;
	if (xt_pins_remove(dir)) {
		pr_err("cannot remove %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *state_verb(__u32 state)
{
	return state == XT_STATE_DETACHING ? "detach" : "attach";
}

/*
 * An attach --force killed while it replaced an attachment: the old pins
 * are aside in ":old-IFNAME" (still saying ATTACHED), the new ones, if
 * any, in IFNAME.  A new record ATTACHED: only the old TC stage and pins
 * were left to remove; finish that.  Otherwise the new one is undone, and
 * the old one moved back if its XDP program is still on the interface
 * (the new one never replaced it, or its undo put it back after the TC
 * stage), else undone too.  Afterwards IFNAME holds an ATTACHED record or
 * nothing.  *acted: something was done (message printed).  Returns
 * XT_EXIT_OK or XT_EXIT_FAIL.
 */
static int replace_clear(const char *ifname, int ifindex, bool *acted)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct pin_record r = { -1, -1 }, o = { -1, -1 };
	char dir[XT_PIN_DIR_LEN], odir[XT_PIN_DIR_LEN + 8];
	struct stat sb;
	int err, oerr;

	*acted = false;
	xt_pin_dir_old(ifname, odir, sizeof(odir));
	if (stat(odir, &sb))
		return XT_EXIT_OK;
	*acted = true;
	xt_pin_dir(ifname, dir, sizeof(dir));
	err = stat(dir, &sb) ? -ENOENT : record_open(dir, &r);
	record_close(&r);
	/* A complete record is moved aside; xt_info is the last pin gone. */
	oerr = record_open(odir, &o);
	record_close(&o);
	if (!err && r.info.state == XT_STATE_ATTACHED) {
		if (oerr == -ENOENT ? xt_pins_remove(odir) :
		    oerr ? oerr : old_finish(ifname, ifindex, &o.info, odir,
					     r.info.tc_attach,
					     r.info.xdp_prog_id, true)) {
			pr_err("cannot clear %s", odir);
			return XT_EXIT_FAIL;
		}
		printf("Finished replacing the xdptag attachment of %s\n",
		       ifname);
		return XT_EXIT_OK;
	}
	if (oerr) {
		pr_err("cannot read the pins of %s: %s", odir, strerror(-oerr));
		return XT_EXIT_FAIL;
	}
	if (!err) {
		/* The new one's clsact may be the old one's: kept for it. */
		if (record_undo(ifname, ifindex, dir, &r.info,
				o.info.tc_attach == XT_TC_CLS &&
				o.info.created_clsact, o.info.xdp_prog_id))
			return XT_EXIT_FAIL;
	} else if (err == -ENOENT && !stat(dir, &sb)) {
		/* Killed between mkdir and the first pin. */
		if (xt_pins_remove(dir))
			return XT_EXIT_FAIL;
	} else if (err != -ENOENT) {
		pr_err("cannot read the pins of %s: %s", ifname,
		       strerror(-err));
		return XT_EXIT_FAIL;
	}
	if (!ifindex || o.info.ifindex != (__u32)ifindex) {
		printf("Removed the pins of a deleted interface %s\n", ifname);
		return xt_pins_remove(odir) ? XT_EXIT_FAIL : XT_EXIT_OK;
	}
	err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		pr_err("cannot query XDP on %s: %s", ifname, strerror(-err));
		return XT_EXIT_FAIL;
	}
	if (o.info.xdp_attach == XT_XDP_DISPATCHER ?
	    xt_mp_has(ifindex, o.info.xdp_prog_id) :
	    xdp_slot_id(&q, o.info.xdp_flags) == o.info.xdp_prog_id) {
		/* The new one may be in the dispatcher without its pins. */
		if (o.info.xdp_attach == XT_XDP_DISPATCHER &&
		    xt_mp_remove(ifname, ifindex, 0, XT_XDP_PROG_NAME,
				 o.info.xdp_prog_id) < 0)
			return XT_EXIT_FAIL;
		if (rename(odir, dir)) {
			pr_err("cannot move %s back to %s: %s", odir, dir,
			       strerror(errno));
			return XT_EXIT_FAIL;
		}
		printf("Undid an interrupted attach --force of %s; the attachment it was replacing stays\n",
		       ifname);
		return XT_EXIT_OK;
	}
	if (record_undo(ifname, ifindex, odir, &o.info, false, 0))
		return XT_EXIT_FAIL;
	printf("Undid an interrupted attach --force of %s, and removed the attachment it was replacing\n",
	       ifname);
	return XT_EXIT_OK;
}

/*
 * Is ifindex, named ifname, attached under another name, its name before
 * a rename (xt_pins_here())?  Says so, with the way out.
 */
static bool renamed_from(const char *ifname, int ifindex)
{
	char (*names)[IF_NAMESIZE] = NULL, dir[XT_PIN_DIR_LEN];
	struct pin_record r;
	bool found = false;
	int n, i;

	/* How many, then their names (the lock keeps the list as it is). */
	n = xt_pins_list(NULL, 0);
	if (n > 0)
		names = calloc(n, sizeof(*names));
	if (names)
		n = xt_pins_list(names, n);
	for (i = 0; names && i < n && !found; i++) {
		r = (struct pin_record){ -1, -1 };
		xt_pin_dir(names[i], dir, sizeof(dir));
		if (record_open(dir, &r))
			continue;
		record_close(&r);
		found = r.info.ifindex == (__u32)ifindex &&
			xt_pins_here(names[i], &r.info) == XT_PINS_RENAMED;
		if (found)
			pr_err("%s has xdptag attached under its old name %s: 'xdptag detach %s', then 'xdptag attach %s'",
			       ifname, names[i], names[i], ifname);
	}
	free(names);
	return found;
}

/*
 * Before attaching: anything a killed attach or detach left on ifname is
 * undone.  An attachment that is complete is refused unless force (the
 * caller replaces it).  XT_EXIT_OK to go on, or the exit status (message
 * printed).
 */
static int leftovers_clear(const char *ifname, int ifindex, unsigned int prio,
			   bool force)
{
	struct pin_record r = { -1, -1 };
	char dir[XT_PIN_DIR_LEN];
	struct stat sb;
	bool acted;
	int err;

	err = replace_clear(ifname, ifindex, &acted);
	if (err)
		return err;
	xt_pin_dir(ifname, dir, sizeof(dir));
	if (stat(dir, &sb)) {
		/* Its programs are no orphans if pins hold them by its old name. */
		if (renamed_from(ifname, ifindex))
			return XT_EXIT_STATE;
		err = orphans_clear(ifname, ifindex, prio);
		if (err < 0)
			return XT_EXIT_FAIL;
		if (err)
			printf("Removed xdptag programs left on %s without pins\n",
			       ifname);
		return XT_EXIT_OK;
	}
	err = record_open(dir, &r);
	if (err == -ENOENT) {
		/* Killed between mkdir and the first pin. */
		printf("Removed the incomplete pins of %s\n", ifname);
		return xt_pins_remove(dir) ? XT_EXIT_FAIL : XT_EXIT_OK;
	}
	if (err) {
		pr_err("cannot read the pins of %s: %s", ifname,
		       strerror(-err));
		return XT_EXIT_FAIL;
	}
	record_close(&r);
	err = xt_pins_here(ifname, &r.info);
	if (err && err != XT_PINS_REUSED) {
		pr_err("%s", xt_pins_strerror(err));
		return err == -EREMOTE || err == XT_PINS_RENAMED ?
		       XT_EXIT_STATE : XT_EXIT_FAIL;
	}
	/* Reused: a deleted interface's index, which another one took. */
	if (err || r.info.ifindex != (__u32)ifindex) {
		/*
		 * A deleted interface's, or a gone namespace's (ifindex 0),
		 * whatever state they record: its programs went with it and
		 * nothing of it is on this one, so they are neither an
		 * attachment to refuse nor one to replace.
		 */
		printf("Removed the pins of a deleted interface %s\n", ifname);
		return xt_pins_remove(dir) ? XT_EXIT_FAIL : XT_EXIT_OK;
	}
	if (r.info.state == XT_STATE_ATTACHED && force)
		return XT_EXIT_OK;
	if (r.info.state == XT_STATE_ATTACHED) {
		pr_err("%s already has xdptag attached (detach first, or --force to replace it)",
		       ifname);
		return XT_EXIT_STATE;
	}
	if (record_undo(ifname, ifindex, dir, &r.info, false, 0))
		return XT_EXIT_FAIL;
	printf("Undid an interrupted %s of %s\n", state_verb(r.info.state),
	       ifname);
	return XT_EXIT_OK;
}

int xt_detach(const char *ifname)
{
	struct pin_record r = { -1, -1 };
	char dir[XT_PIN_DIR_LEN], now[IF_NAMESIZE] = "";
	struct stat sb;
	int lock, err, ifindex, ret = XT_EXIT_FAIL;
	bool acted;

	if (ifname_check(ifname))
		return XT_EXIT_USAGE;
	lock = xt_lock();
	if (lock < 0)
		return XT_EXIT_FAIL;
	xt_pin_dir(ifname, dir, sizeof(dir));
	ifindex = if_nametoindex(ifname);
	/* An interrupted attach --force first: then one record, or none. */
	if (replace_clear(ifname, ifindex, &acted))
		goto out;
	if (stat(dir, &sb)) {
		err = ifindex ? orphans_clear(ifname, ifindex,
					      XT_TC_PRIO_DEFAULT) : 0;
		if (err > 0) {
			printf("Removed xdptag programs left on %s without pins\n",
			       ifname);
			ret = XT_EXIT_OK;
		} else if (!err && acted) {
			ret = XT_EXIT_OK;	/* replace_clear said what */
		} else if (!err) {
			pr_err("%s has no xdptag attached", ifname);
			ret = XT_EXIT_STATE;
		}
		goto out;
	}
	err = record_open(dir, &r);
	if (err == -ENOENT) {
		/* Killed between mkdir and the first pin: nothing attached. */
		printf("Removed the incomplete pins of %s\n", ifname);
		ret = xt_pins_remove(dir) ? XT_EXIT_FAIL : XT_EXIT_OK;
		goto out;
	}
	if (err) {
		pr_err("cannot read the pins of %s: %s", ifname,
		       strerror(-err));
		goto out;
	}
	err = xt_pins_here(ifname, &r.info);
	if (err == XT_PINS_RENAMED) {
		/* The very interface, by the index its programs run on. */
		ifindex = r.info.ifindex;
		if (!if_indextoname(ifindex, now))
			now[0] = '\0';
	} else if (err == XT_PINS_REUSED) {
		ifindex = 0;	/* deleted, its index another's: pins only */
	} else if (err) {
		pr_err("%s", xt_pins_strerror(err));
		if (err == -EREMOTE)
			ret = XT_EXIT_STATE;
		goto out;
	}
	/* Same name, another index: a new interface that is not ours. */
	if (!ifindex || (__u32)ifindex != r.info.ifindex) {
		printf("%s no longer exists; removed its pins\n", ifname);
		ret = xt_pins_remove(dir) ? XT_EXIT_FAIL : XT_EXIT_OK;
		goto out;
	}
	if (r.info.state != XT_STATE_ATTACHED) {
		if (!record_undo(ifname, ifindex, dir, &r.info, false, 0)) {
			printf("Detached xdptag from %s (an interrupted %s, now undone)\n",
			       ifname, state_verb(r.info.state));
			ret = XT_EXIT_OK;
		}
		goto out;
	}
	/* Say so first: if we die below, the next attach or detach ends it. */
	r.info.state = XT_STATE_DETACHING;
	err = xt_info_write_active(r.info_fd, r.active_fd, &r.info);
	if (err) {
		pr_err("cannot update xt_info of %s: %s", ifname,
		       strerror(-err));
		goto out;
	}
	if (xdp_remove(ifname, ifindex, &r.info) ||
	    tc_stage_remove(ifname, ifindex, dir, &r.info, false))
		goto out;
	if (xt_pins_remove(dir)) {
		pr_err("cannot remove %s: %s", dir, strerror(errno));
		goto out;
	}
	if (now[0])
		printf("Detached xdptag from %s (now called %s)\n", ifname, now);
	else
		printf("Detached xdptag from %s\n", ifname);
	ret = XT_EXIT_OK;
out:
	record_close(&r);
	xt_unlock(lock);
	return ret;
}
