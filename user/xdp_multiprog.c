// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The XDP stage as one program of libxdp's multiprog dispatcher, so that
 * xdp-filter, xdp-loader and other libxdp users share the interface with
 * xdptag.  libxdp builds the dispatcher; xdptag's program is loaded as an
 * extension (freplace) of one of its slots.  Nothing here re-implements
 * the dispatcher: every change goes through libxdp, which also keeps the
 * other programs' links and pins (LIBXDP_BPFFS/xdp/dispatch-*).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>
#include "bpffs.h"
#include "hooks.h"
#include "log.h"
#include "xdp_multiprog.h"

/* Where libxdp pins its dispatchers (LIBXDP_BPFFS/xdp, lib/libxdp). */
#define MP_DIR	XT_BPFFS "/xdp"

/* libxdp's last warning or info line, to say why it refused. */
static char mp_why[256];

static int mp_print(enum libxdp_print_level level, const char *fmt,
		    va_list ap)
{
	char line[sizeof(mp_why)];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[--n] = '\0';
	/* The line that says what failed, not the fallback after it. */
	if (level <= LIBXDP_INFO && n && (!mp_why[0] || strstr(line, "fail")))
		snprintf(mp_why, sizeof(mp_why), "%s", line);
	if (xt_verbose >= (level == LIBXDP_DEBUG ? 2 : 1))
		fprintf(stderr, "libxdp: %s\n", line);
	return 0;
}

/*
 * The kernel's reason for refusing xdptag as the extension of a dispatcher
 * slot comes through libbpf's log, not libxdp's: watched while attaching,
 * then passed on to the logger that was there.
 */
static libbpf_print_fn_t mp_libbpf_prev;
static bool mp_pkt_data;	/* "changes packet data, while original does not" */

static int mp_libbpf_print(enum libbpf_print_level level, const char *fmt,
			   va_list ap)
{
	char line[256];
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(line, sizeof(line), fmt, copy);
	va_end(copy);
	if (strstr(line, "changes packet data"))
		mp_pkt_data = true;
	return mp_libbpf_prev ? mp_libbpf_prev(level, fmt, ap) : 0;
}

/*
 * libxdp looks for its own bpffs (LIBXDP_BPFFS, else /sys/fs/bpf): make it
 * the one xdptag found, joined or mounted (bpffs.c), also under
 * `ip netns exec`, whose fresh /sys has none.
 */
static void mp_setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	setenv("LIBXDP_BPFFS", XT_BPFFS, 1);
	libxdp_set_print(mp_print);
}

/* libxdp 1.3's headers/xdp/prog_dispatcher.h: its config starts so. */
#define MP_MAGIC	236

/* Does map id hold a libxdp dispatcher's config (its .rodata)? */
static bool mp_config_map(__u32 id)
{
	struct bpf_map_info mi = { 0 };
	__u32 len = sizeof(mi), key = 0;
	int fd = bpf_map_get_fd_by_id(id);
	unsigned char v[512];
	bool yes;

	if (fd < 0)
		return false;
	yes = !bpf_obj_get_info_by_fd(fd, &mi, &len) &&
	      strstr(mi.name, ".rodata") && mi.value_size <= sizeof(v) &&
	      mi.value_size >= 1 && !bpf_map_lookup_elem(fd, &key, v) &&
	      v[0] == MP_MAGIC;
	close(fd);
	return yes;
}

/*
 * libxdp's dispatcher (xdp-tools lib/libxdp/xdp-dispatcher.c): its name,
 * and its config in .rodata, which a program only named so lacks.
 */
bool xt_mp_is_dispatcher(__u32 id)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), maps[8], i;
	int fd = bpf_prog_get_fd_by_id(id);
	bool yes = false;

	if (fd < 0)
		return false;
	info.nr_map_ids = 8;
	info.map_ids = (__u64)(unsigned long)maps;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    !strcmp(info.name, "xdp_dispatcher"))
		for (i = 0; i < info.nr_map_ids && i < 8 && !yes; i++)
			yes = mp_config_map(maps[i]);
	close(fd);
	return yes;
}

/* The XDP program of each mode on ifindex: drv, skb, hw; 0 if none. */
static int mp_slots(int ifindex, __u32 ids[3])
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err = bpf_xdp_query(ifindex, 0, &q);

	ids[0] = err ? 0 : q.drv_prog_id;
	ids[1] = err ? 0 : q.skb_prog_id;
	ids[2] = err ? 0 : q.hw_prog_id;
	return err;
}

/*
 * Is there a dispatcher on ifindex at all?  Asked before libxdp, which
 * makes its directory under the bpffs when it looks.
 */
static bool mp_maybe(int ifindex)
{
	__u32 ids[3];
	int i;

	mp_slots(ifindex, ids);
	for (i = 0; i < 3; i++)
		if (ids[i] && xt_mp_is_dispatcher(ids[i]))
			return true;
	return false;
}

/* Does an extension (freplace) link run a program in a slot of id? */
static bool mp_has_ext(__u32 id)
{
	__u32 lid = 0;

	while (!bpf_link_get_next_id(lid, &lid)) {
		struct bpf_link_info li = { 0 };
		__u32 len = sizeof(li);
		int fd = bpf_link_get_fd_by_id(lid);
		bool yes;

		if (fd < 0)
			continue;
		yes = !bpf_obj_get_info_by_fd(fd, &li, &len) &&
		      li.type == BPF_LINK_TYPE_TRACING &&
		      li.tracing.target_obj_id == id;
		close(fd);
		if (yes)
			return true;
	}
	return false;
}

bool xt_mp_dead(__u32 id)
{
	return xt_mp_is_dispatcher(id) && !mp_has_ext(id);
}

void xt_mp_clean(int ifindex)
{
	/* No directory, no pins; and libxdp would make it. */
	if (access(MP_DIR, F_OK))
		return;
	mp_setup();
	libxdp_clean_references(ifindex);
}

void xt_generic_fallback_say(const char *ifname, int ifindex, int err)
{
	static int said;	/* the ifindex it was said for */

	if (said != ifindex)
		printf("Native XDP not available on %s: %s%s; trying generic\n",
		       ifname, strerror(-err), xt_kernel_said());
	said = ifindex;
	/* Said: the generic try's refusal, if any, is the next reason. */
	xt_kernel_said_reset();
}

const char *xt_mp_why(void)
{
	return mp_why[0] ? mp_why : "libxdp gave no reason";
}

int xt_mp_present(int ifindex)
{
	struct xdp_multiprog *mp;
	int err, yes;

	if (!mp_maybe(ifindex))
		return 0;
	mp_setup();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err)
		return err == -ENOENT ? 0 : err;
	if (!mp)
		return 0;
	yes = !xdp_multiprog__is_legacy(mp);
	xdp_multiprog__close(mp);
	return yes;
}

bool xt_mp_has(int ifindex, __u32 id)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;

	if (!mp_maybe(ifindex))
		return false;
	mp_setup();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp) || !mp)
		return false;
	if (!xdp_multiprog__is_legacy(mp))
		while ((p = xdp_multiprog__next_prog(p, mp)))
			if (xdp_program__id(p) == id)
				break;
	xdp_multiprog__close(mp);
	return p != NULL;
}

int xt_mp_list(int ifindex, struct xt_mp_member *m, int max)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	int n = 0;

	if (!mp_maybe(ifindex))
		return 0;
	mp_setup();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp) || !mp)
		return 0;
	if (!xdp_multiprog__is_legacy(mp))
		while ((p = xdp_multiprog__next_prog(p, mp)) && n < max) {
			m[n].id = xdp_program__id(p);
			m[n].prio = xdp_program__run_prio(p);
			snprintf(m[n].name, sizeof(m[n].name), "%s",
				 xdp_program__name(p));
			n++;
		}
	xdp_multiprog__close(mp);
	return n;
}

static __u32 mode_to_flags(enum xdp_attach_mode m)
{
	return m == XDP_MODE_SKB ? XDP_FLAGS_SKB_MODE :
	       m == XDP_MODE_HW ? XDP_FLAGS_HW_MODE : XDP_FLAGS_DRV_MODE;
}

int xt_mp_attach(struct bpf_object *obj, const char *ifname, int ifindex,
		 __u32 xdp_flags, __u32 *mode_flags, __u32 *refused)
{
	enum xdp_attach_mode m = xdp_flags & XDP_FLAGS_SKB_MODE ?
				 XDP_MODE_SKB : XDP_MODE_NATIVE;
	struct xdp_multiprog *mp;
	struct xdp_program *prog;
	bool made_dir;
	char buf[128];
	int err;

	mp_setup();
	mp_why[0] = '\0';
	/* Auto: the mode of the dispatcher already there, if any. */
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!xdp_flags && !libxdp_get_error(mp) && mp) {
		if (!xdp_multiprog__is_legacy(mp))
			m = xdp_multiprog__attach_mode(mp);
		xdp_multiprog__close(mp);
	}
	prog = xdp_program__from_bpf_obj(obj, "xdp");
	err = libxdp_get_error(prog);
	if (err) {
		libxdp_strerror(err, buf, sizeof(buf));
		pr_err("libxdp cannot take the XDP program: %s", buf);
		return err;
	}
	/*
	 * Declared here, not in the object's .xdp_run_config: the BPF side
	 * includes only UAPI and libbpf headers.  The chain goes on after
	 * XDP_PASS; XDP_DROP (--drop-above) ends it.
	 */
	xdp_program__set_run_prio(prog, XT_MP_RUN_PRIO);
	xdp_program__set_chain_call_enabled(prog, XDP_PASS, true);
	xdp_program__set_chain_call_enabled(prog, XDP_DROP, false);

	/* libxdp's lock directory: made for this try, gone with it. */
	made_dir = access(MP_DIR, F_OK) != 0;
	mp_pkt_data = false;
	mp_libbpf_prev = libbpf_set_print(mp_libbpf_print);
	xt_kernel_said_reset();
	err = xdp_program__attach(prog, ifindex, m, 0);
	if (err && !mp_pkt_data && !xdp_flags && m == XDP_MODE_NATIVE) {
		xt_generic_fallback_say(ifname, ifindex, err);
		m = XDP_MODE_SKB;
		err = xdp_program__attach(prog, ifindex, m, 0);
	}
	libbpf_set_print(mp_libbpf_prev);
	/*
	 * Kernels from 6.13 (and 6.12.y) refuse an extension that changes
	 * packet data in place of a function that does not; xdptag calls
	 * bpf_xdp_adjust_meta(), the slots of libxdp 1.3's dispatcher call
	 * nothing.  xdp-tools fixed its dispatcher in 2025 (pull request
	 * 509), after Debian 12's libxdp 1.3.1.
	 */
	if (err && mp_pkt_data) {
		*refused = XT_XDP_ALONE_PKT_DATA;
		err = -EOPNOTSUPP;
		goto out;
	}
	if (err) {
		bool kernel = xt_kernel_said()[0];

		libxdp_strerror(err, buf, sizeof(buf));
		/* The kernel's reason, when it gave one, is the one: libxdp's
		 * last words may be about an earlier check. */
		pr_err("libxdp cannot add xdptag to the dispatcher of %s: %s%s%s",
		       ifname, buf, kernel || !mp_why[0] ? "" : ": ",
		       kernel ? xt_kernel_said() : mp_why);
		goto out;
	}
	/*
	 * With a kernel that refuses the dispatcher, libxdp falls back to
	 * attaching the program alone; that is not what was asked: undone,
	 * the caller decides.
	 */
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp) || !mp || xdp_multiprog__is_legacy(mp)) {
		if (!libxdp_get_error(mp))
			xdp_multiprog__close(mp);
		xdp_program__detach(prog, ifindex, m, 0);
		*refused = XT_XDP_ALONE_REFUSED;
		err = -EOPNOTSUPP;
		goto out;
	}
	*mode_flags = mode_to_flags(xdp_multiprog__attach_mode(mp));
	xdp_multiprog__close(mp);
out:
	if (err == -EOPNOTSUPP && made_dir)
		rmdir(MP_DIR);	/* only if empty: then nothing else uses it */
	/* Made from the skeleton's object: closing leaves that open. */
	xdp_program__close(prog);
	return err;
}

int xt_mp_remove(const char *ifname, int ifindex, __u32 id, const char *name,
		 __u32 keep)
{
	int n = 0, err;

	/* Pins of a dispatcher removed behind libxdp's back go too. */
	if (!mp_maybe(ifindex)) {
		xt_mp_clean(ifindex);
		return 0;
	}
	mp_setup();
	for (;;) {
		struct xdp_multiprog *mp;
		struct xdp_program *p = NULL;
		char buf[128];

		mp = xdp_multiprog__get_from_ifindex(ifindex);
		err = libxdp_get_error(mp);
		if (err == -ENOENT || (!err && !mp))
			return n;
		if (err) {
			libxdp_strerror(err, buf, sizeof(buf));
			pr_err("cannot read the XDP dispatcher of %s: %s",
			       ifname, buf);
			return err;
		}
		if (!xdp_multiprog__is_legacy(mp))
			while ((p = xdp_multiprog__next_prog(p, mp)))
				if (id ? xdp_program__id(p) == id :
				    xdp_program__id(p) != keep &&
				    !strcmp(xdp_program__name(p), name))
					break;
		if (!p) {
			xdp_multiprog__close(mp);
			return n;
		}
		/* libxdp builds a dispatcher without it and swaps it in. */
		err = xdp_program__detach(p, ifindex,
					  xdp_multiprog__attach_mode(mp), 0);
		xdp_multiprog__close(mp);
		if (err) {
			libxdp_strerror(err, buf, sizeof(buf));
			pr_err("cannot remove xdptag from the XDP dispatcher of %s: %s",
			       ifname, buf);
			return err;
		}
		n++;
		if (id)
			return n;
	}
}
