// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag replay --live`: the real receive path.  The process moves into
 * network and mount namespaces of its own (unshare), so the veth pair, the
 * attached programs, nftables' ruleset and the pins (in a bpffs mounted
 * there) all disappear with the process, however it ends.  Frames go in
 * with BPF_PROG_RUN and BPF_F_TEST_XDP_LIVE_FRAMES: the injector's XDP_TX
 * on the sending veth puts each frame on the peer's receive ring, where
 * xdptag's XDP stage, the kernel's skb path, xdptag's TC stage, the
 * observer and nftables' netdev ingress see it as they would any packet.
 * One frame at a time: the sampler of the XDP stage (the capture ring)
 * and the observer each report it before the next one goes in, so every
 * report belongs to its frame without matching packet contents.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xdptag_live.skel.h"
#include "attach.h"
#include "cmd.h"		/* XT_EXIT_* */
#include "hooks.h"
#include "log.h"
#include "nft.h"
#include "nl.h"
#include "replay_live.h"
#include "ruleset_load.h"	/* xt_rcu_wait */

/*
 * The observer, a cls_bpf filter, runs after xdptag's TC stage: after its
 * cls_bpf filter (lower numbers run first), or after its tcx link, which
 * returns TCX_NEXT.
 */
#define XT_LIVE_TC_PRIO		0xfff0
#define XT_LIVE_TC_HANDLE	0x7855
/* How long a frame may take to reach a stage before it is reported lost. */
#define XT_LIVE_WAIT_MS		200
/*
 * The largest MTU veth allows with an XDP program on the peer that is not
 * multi-buffer (a page less XDP headroom, skb_shared_info and the Ethernet
 * header: veth_xdp_set()), above every frame live sends (XT_LIVE_MAX).  At
 * it attach loads the multi-buffer program (above 3000), which replay's
 * test run runs too.  Frames longer than MTU + Ethernet + VLAN header are
 * dropped by veth before XDP.
 */
static const unsigned int live_mtus[] = { 3506, 3000, 1500 };

struct xt_live {
	int ifindex, peer_ifindex;
	unsigned int mtu;
	struct xdptag_live *skel;
	struct ring_buffer *xdp_rb, *tc_rb;
	volatile struct xt_cap *cap;
	int cap_fd, ring_fd;
	struct xt_live_result *cur;	/* the frame being waited for */
};

/* Run a program, stdin from in_fd (-1: inherited), stdout to out_fd. */
static int run(const char *const argv[], int in_fd, int out_fd)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (in_fd >= 0)
			dup2(in_fd, 0);
		if (out_fd >= 0)
			dup2(out_fd, 1);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "Error: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* GRO would merge frames into one skb: TC would see fewer than went in. */
static int gro_off(const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = 0 };
	struct ifreq ifr = { .ifr_data = (void *)&ev };

	return xt_if_ioctl(ifname, SIOCETHTOOL, &ifr);
}

/* New network and mount namespaces, a sysfs and a bpffs of their own. */
static int ns_enter(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		pr_err("replay --live: cannot make a network namespace: %s",
		       strerror(errno));
		return -errno;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("sysfs", "/sys", "sysfs", 0, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		pr_err("replay --live: cannot mount sysfs and bpffs in the namespace: %s",
		       strerror(errno));
		return -errno;
	}
	/* No IPv6 autoconfiguration: it would send packets of its own. */
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	return 0;
}

static int veth_make(const char *ifname, const char *peer, unsigned int *mtu)
{
	const char *add[] = { "ip", "link", "add", peer, "type", "veth",
			      "peer", "name", ifname, NULL };
	const char *up1[] = { "ip", "link", "set", peer, "up", NULL };
	const char *up2[] = { "ip", "link", "set", ifname, "up", NULL };

	char m[16];
	const char *mtu1[] = { "ip", "link", "set", peer, "mtu", m, NULL };
	const char *mtu2[] = { "ip", "link", "set", ifname, "mtu", m, NULL };
	size_t i;

	if (run(add, -1, 2)) {
		pr_err("replay --live: cannot make the veth pair %s/%s", peer,
		       ifname);
		return -EIO;
	}
	/* As large as XDP on veth allows, so long frames are not dropped. */
	for (i = 0; i < sizeof(live_mtus) / sizeof(live_mtus[0]); i++) {
		snprintf(m, sizeof(m), "%u", live_mtus[i]);
		if (!run(mtu1, -1, -1) && !run(mtu2, -1, -1))
			break;
	}
	*mtu = i < sizeof(live_mtus) / sizeof(live_mtus[0]) ? live_mtus[i] :
	       1500;
	if (run(up1, -1, 2) || run(up2, -1, 2)) {
		pr_err("replay --live: cannot set %s/%s up", peer, ifname);
		return -EIO;
	}
	return 0;
}

/* xdptag attach, its "Attached ..." line kept off our output. */
static int pipeline_attach(const struct xt_live_opts *o)
{
	struct xt_attach_opts a = {
		.ifname = o->ifname, .rules_path = o->rules_path,
		.mode = XT_MODE_NATIVE, .tc_prio = XT_TC_PRIO_DEFAULT,
		.tc_attach = XT_TC_AUTO,	/* what attach does by default */
		.xdp_attach = XT_XDP_DIRECT,	/* its own veth: no one to share */
		.bridge = XT_BRIDGE_META, .set = *o->set,
	};

	/* Replay's settings are final (file, then command line): all of
	 * them go to attach as if given on its command line. */
	a.set.has_mark_mask = a.set.has_mark_shift = true;
	a.set.has_mark_value = a.set.has_drop_threshold = true;
	int saved, null, ret;

	fflush(stdout);
	saved = dup(1);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved < 0 || null < 0)
		return -errno;
	dup2(null, 1);
	close(null);
	ret = xt_attach(&a);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return ret ? -EIO : 0;
}

static int nft_load(const struct xt_live_opts *o)
{
	/* A file of the user's by its name, so that nft's errors name it. */
	const char *argv[] = { "nft", "-f", o->nft_path ? o->nft_path : "-",
			       NULL };
	FILE *f = NULL;
	int in = -1, ret;

	if (!o->nft_path) {
		f = tmpfile();
		if (!f || xt_nft_ruleset(f, o->ifname, o->ai, true) ||
		    fflush(f) || fseek(f, 0, SEEK_SET)) {
			pr_err("replay --live: cannot write the nft ruleset");
			if (f)
				fclose(f);
			return -EIO;
		}
		in = dup(fileno(f));
		fclose(f);
	}
	ret = run(argv, in, 2);
	if (in >= 0)
		close(in);
	if (ret) {
		pr_err("replay --live: nft refused the ruleset%s%s (exit %d)",
		       o->nft_path ? " " : "", o->nft_path ? o->nft_path : "",
		       ret);
		/*
		 * nft exits 1 on a ruleset it refuses: the user's is bad
		 * input, ours is our fault, as is nft not running at all.
		 */
		return o->nft_path && ret == 1 ? -EINVAL : -EIO;
	}
	return 0;
}

static int on_xdp(void *ctx, void *data, size_t size)
{
	struct xt_live *l = ctx;
	size_t n = size < sizeof(l->cur->xdp) ? size : sizeof(l->cur->xdp);

	if (!l->cur || l->cur->at_xdp)
		return 0;
	memcpy(&l->cur->xdp, data, n);
	l->cur->at_xdp = true;
	return 0;
}

static int on_tc(void *ctx, void *data, size_t size)
{
	struct xt_live *l = ctx;

	if (!l->cur || l->cur->at_tc || size < sizeof(l->cur->tc))
		return 0;
	memcpy(&l->cur->tc, data, sizeof(l->cur->tc));
	l->cur->at_tc = true;
	return 0;
}

/* Sample every packet at the XDP stage: the capture switch, no filter. */
static int sampler_on(struct xt_live *l, const char *ifname)
{
	struct xt_cap_cfg cfg = { .snaplen = 1, .owner = getpid() };

	l->cap_fd = xt_pin_open(ifname, XT_PIN_CAP);
	l->ring_fd = xt_pin_open(ifname, XT_PIN_CAP_RING);
	if (l->cap_fd < 0 || l->ring_fd < 0)
		return -errno;
	l->cap = mmap(NULL, sizeof(struct xt_cap), PROT_READ | PROT_WRITE,
		      MAP_SHARED, l->cap_fd, 0);
	if (l->cap == MAP_FAILED) {
		l->cap = NULL;
		return -errno;
	}
	l->xdp_rb = ring_buffer__new(l->ring_fd, on_xdp, l, NULL);
	if (!l->xdp_rb)
		return -errno;
	memcpy((void *)&l->cap->cfg, &cfg, sizeof(cfg));
	__atomic_store_n(&l->cap->cfg.on, 1, __ATOMIC_RELEASE);
	return 0;
}

static int observer_attach(struct xt_live *l)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = l->ifindex,
			    .attach_point = BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, to, .handle = XT_LIVE_TC_HANDLE,
			    .priority = XT_LIVE_TC_PRIO);
	int err;

	l->skel = xdptag_live__open_and_load();
	if (!l->skel)
		return -errno;
	to.prog_fd = bpf_program__fd(l->skel->progs.xdptag_observe);
	/* xdptag on tcx leaves no clsact qdisc for a cls_bpf filter. */
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	err = bpf_tc_attach(&hook, &to);
	if (err)
		return err;
	l->tc_rb = ring_buffer__new(bpf_map__fd(l->skel->maps.xt_live_ring),
				    on_tc, l, NULL);
	return l->tc_rb ? 0 : -errno;
}

struct xt_live *xt_live_setup(const struct xt_live_opts *o, int *status)
{
	struct xt_live *l = calloc(1, sizeof(*l));
	char peer[IF_NAMESIZE];
	int err;

	*status = XT_EXIT_FAIL;
	if (!l)
		return NULL;
	l->cap_fd = l->ring_fd = -1;
	if (strlen(o->ifname) >= IF_NAMESIZE - 2) {
		pr_err("--live-iface %s: at most %d characters", o->ifname,
		       IF_NAMESIZE - 3);
		goto fail;
	}
	snprintf(peer, sizeof(peer), "%s-i", o->ifname);
	if (ns_enter() || veth_make(o->ifname, peer, &l->mtu))
		goto fail;
	l->ifindex = if_nametoindex(o->ifname);
	l->peer_ifindex = if_nametoindex(peer);
	err = gro_off(o->ifname);
	if (err) {
		pr_err("replay --live: cannot turn GRO off on %s: %s",
		       o->ifname, strerror(-err));
		goto fail;
	}
	if (pipeline_attach(o))
		goto fail;
	err = nft_load(o);
	if (err) {
		if (err == -EINVAL)
			*status = XT_EXIT_USAGE;
		goto fail;
	}
	err = observer_attach(l);
	if (err) {
		pr_err("replay --live: cannot attach the observer after xdptag's TC stage: %s",
		       strerror(-err));
		goto fail;
	}
	err = sampler_on(l, o->ifname);
	if (err) {
		pr_err("replay --live: cannot sample the XDP stage: %s",
		       strerror(-err));
		goto fail;
	}
	return l;
fail:
	xt_live_free(l);
	return NULL;
}

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* Poll rb until *got or the wait is over. */
static void wait_for(struct ring_buffer *rb, const bool *got)
{
	__u64 end = now_ms() + XT_LIVE_WAIT_MS;

	ring_buffer__consume(rb);
	while (!*got && now_ms() < end)
		ring_buffer__poll(rb, 10);
}

int xt_live_frame(struct xt_live *l, const void *pkt, __u32 len,
		  struct xt_live_result *r)
{
	struct xdp_md ctx_in;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt, .ctx_in = &ctx_in,
		.ctx_size_in = sizeof(ctx_in), .repeat = 1,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 1);

	memset(r, 0, sizeof(*r));
	r->sent_len = len < XT_LIVE_MAX ? len : XT_LIVE_MAX;
	/* veth_xdp_xmit()'s limit: MTU, Ethernet and one VLAN header. */
	r->over_mtu = r->sent_len > l->mtu + 14 + 4;
	memset(&ctx_in, 0, sizeof(ctx_in));
	ctx_in.data_end = r->sent_len;
	ctx_in.ingress_ifindex = l->peer_ifindex;
	opts.data_size_in = r->sent_len;
	l->cur = r;
	if (bpf_prog_test_run_opts(bpf_program__fd(l->skel->progs.xdptag_inject),
				   &opts)) {
		r->err = -errno;
		l->cur = NULL;
		return r->err;
	}
	r->injected = true;
	wait_for(l->xdp_rb, &r->at_xdp);
	/* A frame XDP dropped never reaches TC: no need to wait for it. */
	if (!r->at_xdp || r->xdp.action != XDP_DROP)
		wait_for(l->tc_rb, &r->at_tc);
	l->cur = NULL;
	return 0;
}

/*
 * Counters from `nft list ruleset`: anonymous ones on a rule's line
 * ("... counter packets N bytes M ..."), named ones in their block
 * ("counter NAME {" then "packets N bytes M").
 */
int xt_live_nft_counters(struct xt_live *l, struct xt_nft_counter *c, int max)
{
	const char *argv[] = { "nft", "list", "ruleset", NULL };
	char line[512], named[160] = "";
	int fds[2], n = 0, ret;
	FILE *f;

	if (pipe(fds))
		return -errno;
	ret = run(argv, -1, fds[1]);
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f) {
		close(fds[0]);
		return -errno;
	}
	while (fgets(line, sizeof(line), f) && n < max) {
		char *p = line, *q;
		unsigned long long pk, by;

		while (*p == ' ' || *p == '\t')
			p++;
		p[strcspn(p, "\n")] = 0;
		if (sscanf(p, "counter %159s {", named) == 1 &&
		    strchr(p, '{'))
			continue;
		if (named[0] && sscanf(p, "packets %llu bytes %llu", &pk,
				       &by) == 2) {
			snprintf(c[n].name, sizeof(c[n].name), "%s", named);
			c[n].packets = pk;
			c[n++].bytes = by;
			named[0] = 0;
			continue;
		}
		q = strstr(p, "counter packets ");
		if (q && sscanf(q, "counter packets %llu bytes %llu", &pk,
				&by) == 2) {
			*q = 0;
			snprintf(c[n].name, sizeof(c[n].name), "%.*s",
				 (int)sizeof(c[n].name) - 1, p);
			q = c[n].name + strlen(c[n].name);
			while (q > c[n].name && q[-1] == ' ')
				*--q = 0;
			c[n].packets = pk;
			c[n++].bytes = by;
		}
	}
	fclose(f);
	return ret ? -EIO : n;
}

void xt_live_free(struct xt_live *l)
{
	if (!l)
		return;
	if (l->cap) {
		__atomic_store_n(&l->cap->cfg.on, 0, __ATOMIC_RELEASE);
		munmap((void *)l->cap, sizeof(struct xt_cap));
	}
	ring_buffer__free(l->xdp_rb);
	ring_buffer__free(l->tc_rb);
	xdptag_live__destroy(l->skel);
	if (l->cap_fd >= 0)
		close(l->cap_fd);
	if (l->ring_fd >= 0)
		close(l->ring_fd);
	/* The namespaces, and with them everything else, go with the process. */
	free(l);
}
