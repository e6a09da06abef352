// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdptag bench harness (driven by bench/run.sh, docs/performance.md).
 *
 *   xt_bench prog [ROUNDS [REPEAT]]
 *	per-packet cost in BPF_PROG_TEST_RUN: the XDP stage on a packet mix
 *	against a null XDP program, the TC stage against a null TC program,
 *	and the XDP stage as prefixes and rules grow
 *   xt_bench peer [ROUNDS [REPEAT]]
 *	per-packet cost in BPF_PROG_TEST_RUN beside the peer, xdp-tools'
 *	xdp-filter: the mix through null, xdp-filter, xdptag and xdptag's
 *	variant builds (named in XT_VARIANTS), with small tables and with
 *	100,000 entries, and xdptag with the rules files in XT_PEER_RULES;
 *	each program loaded XT_PEER_LOADS times (5), a round taking the
 *	median of its loads
 *   xt_bench tc [ROUNDS [REPEAT]]
 *	per-packet cost in BPF_PROG_TEST_RUN of the TC stage classifying (the
 *	tc bridge mode, the default rules): the mix through a null TC
 *	program, the TC stage in the meta mode, in the tc mode, and its
 *	variant builds (named in XT_TC_VARIANTS) in the tc mode
 *   xt_bench attach IFNAME MODE [RULES PREFIXES]
 *	attach a receiver in this netns (MODE none|null|nulldrop|xdptag|
 *	xdponly|xdpnulltc|drop, native XDP; MODE:generic for generic XDP),
 *	print "ready", hold until SIGTERM, print the counters, detach
 *   xt_bench gen IFNAME SECONDS CPU [SOURCE [BATCH [TO]]]
 *	send the bench frame out of IFNAME for SECONDS on CPU, as live XDP
 *	frames (SOURCE xdp, the default; BATCH frames a test-run batch, 1 to
 *	256, default GEN_XDP_BATCH) or as skbs from an AF_PACKET socket
 *	(SOURCE skb), to the receiving host (TO host, the default) or to
 *	another MAC on its link (TO other); print the CPU time this thread and
 *	that CPU's ksoftirqd used
 *   xt_bench gro IFNAME
 *	turn GRO on (what `ethtool -K IFNAME gro on` does; no ethtool here)
 *   xt_bench nft IFNAME [RULES PREFIXES]
 *	print the nftables netdev-ingress equivalent of the same ruleset
 *   xt_bench dispatcher [ROUNDS [REPEAT]]
 *	what libxdp's dispatcher adds per packet, on kernels that refuse its
 *	extension programs: the shipped dispatcher object with one slot
 *	enabled and its stub in it, against a null XDP program, and xdptag
 *	alone; the ratio xdptag would have inside the dispatcher is estimated
 *	as (xdptag + dispatcher - null) / xdptag
 *   xt_bench ids ROUNDS REPEAT ID ID...
 *	per-packet cost in BPF_PROG_TEST_RUN of XDP programs already loaded,
 *	by id, on the bench frame, interleaved round by round: median ns of
 *	each, and each one's ratio to the first (xdptag alone against libxdp's
 *	dispatcher running xdptag: tests/e2e/test_libxdp.sh)
 *
 * RULES 0 means the built-in default rules; 1, 16 or 64 a synthetic set of
 * that many rules.  PREFIXES > 0 appends a blocklist rule with that many
 * source prefixes (random /32 and /24, fixed seed).
 */
#include <errno.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <bpf/btf.h>
#include "lib/xdp_harness.h"
#include "xdptag_tc.skel.h"
#include "lib/pkt.h"
#include "counters.h"	/* xt_action_names */
#include "rules_file.h"
#include "log.h"

#define NPKT		6
#define BENCH_SEED	1
/* Every packet of the bench that must hit the blocklist comes from here. */
#define BLOCK_HIT	0xc6120001	/* 198.18.0.1 */
/*
 * The scaling rows' frames come from BLOCK_HIT and the addresses after it,
 * each a /32 of the blocklist at every size (rules_blocklist()): a row is
 * the mean over keys that each table placed where it would, not one key's
 * walk from its home slot (0 or 1 slots, and a second bucket's lookup or
 * not, by the table's size: docs/performance.md, "Scaling to 1,000,000
 * prefixes").
 */
#define SCALE_KEYS	8

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && *b ? b : "build";
}

/* ------------------------------------------------------------ rules --- */

struct bench_rules {
	struct xt_rule r[XT_MAX_RULES];
	size_t n;
	int from_file;		/* 1: rules/default.yaml via rules_file.c */
};

static void rule_init(struct xt_rule *r, const char *name, int w, int cls)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->weight = w;
	r->class_id = cls;
}

static void pfx4(struct xt_prefixes *ps, uint32_t a, int plen)
{
	struct xt_prefix p = { .family = 4, .plen = plen };
	uint32_t n = htonl(a);

	memcpy(p.addr, &n, 4);
	xt_prefixes_add(ps, &p);
}

/*
 * Stand-in for rules/default.yaml while that file does not exist: the
 * kinds of rules a default set holds, one per dimension the engine has.
 */
static void rules_builtin(struct bench_rules *b)
{
	struct xt_rule *r = b->r;

	rule_init(r, "ssh-new", 40, 2);
	xt_ranges_add(&r->proto, 6, 6);
	xt_ranges_add(&r->dport, 22, 22);
	r->tcp[0] = (struct xt_tcp_cond){ .mask = 0x12, .value = 0x02 };
	r->ntcp = 1;
	rule_init(++r, "dns-reply", 10, 3);
	xt_ranges_add(&r->proto, 17, 17);
	xt_ranges_add(&r->sport, 53, 53);
	rule_init(++r, "icmp-echo", 5, 4);
	xt_ranges_add(&r->icmp_type, 8, 8);
	rule_init(++r, "fragment", 30, 1);
	r->feat_set = XT_F_FRAGMENT;
	rule_init(++r, "low-ttl", 20, 1);
	xt_ranges_add(&r->ttl, 0, 2);
	rule_init(++r, "big-udp", 5, 3);
	xt_ranges_add(&r->proto, 17, 17);
	xt_ranges_add(&r->len, 1000, 65535);
	rule_init(++r, "bogon-src", 60, 1);
	pfx4(&r->src, 0x00000000, 8);
	pfx4(&r->src, 0x7f000000, 8);
	pfx4(&r->src, 0xe0000000, 4);
	rule_init(++r, "malformed", 50, 1);
	r->feat_set = XT_F_MALFORMED;
	b->n = r - b->r + 1;
}

/* A rules file, or the built-in default rules (path NULL). */
static int rules_default(struct bench_rules *b, const char *path)
{
#ifdef XT_HAVE_RULES_FILE
	static struct xt_rules_file f;

	if (!xt_rules_file_load(path, &f, stderr)) {
		memcpy(b->r, f.rules, f.nrules * sizeof(f.rules[0]));
		b->n = f.nrules;
		b->from_file = 1;
		return 0; /* f keeps owning the lists; freed at exit */
	}
	if (path)
		return -EINVAL;
	pr_warn("built-in default rules did not load; using the bench's");
#endif
	rules_builtin(b);
	return 0;
}

/*
 * n rules on disjoint destination ports, each with a source /24, so a
 * packet reads every table but matches rule 0 only: cost must not depend
 * on how many rules there are, only on how many match.
 */
static void rules_synthetic(struct bench_rules *b, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct xt_rule *r = &b->r[i];
		char name[32];

		snprintf(name, sizeof(name), "r%d", i);
		rule_init(r, name, 10 + i % 50, 1 + i % 8);
		xt_ranges_add(&r->proto, 6, 6);
		xt_ranges_add(&r->dport, i ? 1000 + i : 22, i ? 1000 + i : 22);
		pfx4(&r->src, i ? 0x0a000000u | (uint32_t)i << 8 :
				  BLOCK_HIT & ~0xffu,
		     24);
	}
	b->n = n;
}

static uint64_t rnd_state = BENCH_SEED;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return rnd_state >> 32;
}

/*
 * A blocklist of n source prefixes.  The first cover BLOCK_HIT's /24 and
 * up to SCALE_KEYS hosts from BLOCK_HIT on, so that the bench packets take
 * the longest path, a probe at each level, at every size.
 */
static int rules_blocklist(struct bench_rules *b, int n)
{
	struct xt_rule *r;
	int i;

	if (b->n >= XT_MAX_RULES)
		return -ENOSPC;
	r = &b->r[b->n++];
	rule_init(r, "bench-blocklist", 100, 1);
	pfx4(&r->src, BLOCK_HIT & ~0xffu, 24);
	for (i = 1; i < n && i <= SCALE_KEYS; i++)
		pfx4(&r->src, BLOCK_HIT + i - 1, 32);
	rnd_state = BENCH_SEED;
	for (; i < n; i++) {
		uint32_t a = rnd();
		int plen = rnd() & 1 ? 32 : 24;

		pfx4(&r->src, plen == 24 ? a & ~0xffu : a, plen);
	}
	return 0;
}

/*
 * Leave out the rules with a rate or fan-out condition: the same ruleset
 * without per-source state, the baseline of the state lookup's cost.
 * Only rules of a file come here (their lists stay the file's to free).
 */
static void rules_stateless(struct bench_rules *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->n; i++)
		if (!b->r[i].st_kind)
			b->r[n++] = b->r[i];
	b->n = n;
}

/*
 * Clear while the peer tier loads a program again (peer_loads()): the
 * checks run on every load, their "#" lines (a verdict, a tag, a
 * ruleset's size) are the first load's alone.
 */
static int bench_echo = 1;

/* Set while a stateless row loads (peer_rows(): the "-stateless" rows). */
static int bench_stateless;

static int rules_make(struct bench_rules *b, const char *path, int nrules,
		      int npfx)
{
	memset(b, 0, sizeof(*b));
	if (nrules)
		rules_synthetic(b, nrules > XT_MAX_RULES - 1 ?
				XT_MAX_RULES - 1 : nrules);
	else if (rules_default(b, path))
		return -EINVAL;
	if (bench_stateless && b->from_file)
		rules_stateless(b);
	if (npfx > 0 && rules_blocklist(b, npfx)) {
		pr_err("no rule slot left for the blocklist");
		return -ENOSPC;
	}
	return 0;
}

/* ---------------------------------------------------------- packets --- */

/* Ones' complement sum of big-endian 16-bit words (RFC 1071), unfolded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t n)
{
	for (; n > 1; n -= 2, b += 2)
		sum += b[0] << 8 | b[1];
	if (n)
		sum += b[0] << 8;
	return sum;
}

static void csum_put(uint8_t *at, uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	at[0] = sum >> 8;
	at[1] = sum & 0xff;
}

/*
 * The frame of the end-to-end and scaling runs: a SYN from src (BLOCK_HIT
 * but in the scaling rows) to 192.0.2.2:22.  Through veth, its MACs
 * (pkt_eth: 02:00:00:00:00:01 to ...:02) and 192.0.2.2 are the receiving
 * veth's own (bench/run.sh sets them), so the receiving stack takes it as
 * a host does traffic addressed to it.  Valid checksums for that: the stack verifies both, the XDP stage
 * never reads them.
 */
static void pkt_bench_from(struct pkt *p, uint32_t src)
{
	uint8_t *ip, *tcp;

	memset(p, 0, sizeof(*p));
	pkt_eth(p, 0x0800);
	pkt_ipv4(p, 5, 6, 64, 0, src, 0xc0000202, 20);
	pkt_tcp(p, 40000, 22, 0x02, 5);
	ip = p->b + ETH_HLEN;
	tcp = ip + 20;
	csum_put(ip + 10, csum_add(0, ip, 20));
	/* Pseudo header: the two addresses, protocol, TCP length. */
	csum_put(tcp + 16, csum_add(csum_add(6 + 20, ip + 12, 8), tcp, 20));
}

static void pkt_bench(struct pkt *p)
{
	pkt_bench_from(p, BLOCK_HIT);
}

static const char *const mix_names[NPKT] = {
	"ipv4-tcp-syn", "ipv4-udp", "ipv6-ext-tcp", "vlan-ipv4-tcp",
	"ipv4-fragment", "malformed",
};

/*
 * 1: the frame meets the stateless conditions of a rate or fan-out rule
 * of rules/default.yaml (a SYN, a bare ACK from a high port, UDP not from
 * 443 or 4500), so it looks its source up in the state table; 0: it never
 * touches state.  The stateful rows report the lookup's cost on the first
 * kind and check that the second pays nothing (docs/performance.md).
 */
static const int mix_state[NPKT] = { 1, 1, 1, 1, 0, 0 };

static void pkt_mix(struct pkt *m)
{
	struct pkt *p;

	memset(m, 0, NPKT * sizeof(*m));
	p = &m[0];
	pkt_eth(p, 0x0800);
	pkt_ipv4(p, 5, 6, 64, 0, 0x0a010203, 0xc000020a, 20);
	pkt_tcp(p, 40000, 22, 0x02, 5);
	p = &m[1];
	pkt_eth(p, 0x0800);
	pkt_ipv4(p, 5, 17, 64, 0, 0xc0000235, 0x0a000001, 8 + 64);
	pkt_udp(p, 53, 40000, 64);
	pkt_zero(p, 64);
	p = &m[2];
	pkt_eth(p, 0x86dd);
	pkt_ipv6(p, 0, 64, "2001:db8::1", "2001:db8:1::2", 8 + 20);
	pkt_ip6ext(p, 6, 0);
	pkt_tcp(p, 40000, 443, 0x02, 5);
	p = &m[3];
	pkt_eth(p, 0x8100);
	pkt_vlan(p, 100, 0x0800);
	pkt_ipv4(p, 5, 6, 64, 0, 0x0a010203, 0xc000020a, 20);
	pkt_tcp(p, 40000, 80, 0x10, 5);
	p = &m[4];
	pkt_eth(p, 0x0800);
	pkt_ipv4(p, 5, 17, 64, 185, 0x0a010203, 0xc000020a, 64);
	pkt_zero(p, 64);
	p = &m[5];	/* TCP header cut short */
	pkt_eth(p, 0x0800);
	pkt_ipv4(p, 5, 6, 64, 0, 0x0a010203, 0xc000020a, 20);
	pkt_zero(p, 10);
}

/* ------------------------------------------------------------- prog --- */

static double thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * ns per run, from this thread's CPU time around the syscall: the kernel's
 * own opts.duration is rounded to whole ns, too coarse against a 5 ns floor;
 * thread CPU time leaves out preemption by the other engineers' builds.
 */
static double run_ns(int fd, const void *data, __u32 len, int repeat, int xdp)
{
	struct xdp_md ctx = { .data_end = len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data,
		    .data_size_in = len, .repeat = repeat);
	double t0, t1;

	if (xdp) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	t0 = thread_ns();
	if (bpf_prog_test_run_opts(fd, &o)) {
		pr_err("test run: %s", strerror(errno));
		exit(1);
	}
	t1 = thread_ns();
	return (t1 - t0) / repeat;
}

/* The test-run tiers run every program on CPU 0, so that rows compare. */
static void pin_cpu0(void)
{
	cpu_set_t cpu;

	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu))
		pr_warn("cannot pin to CPU 0: %s", strerror(errno));
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int prog_fd_from(const char *obj, struct bpf_object **o)
{
	char path[512];
	struct bpf_program *p;

	snprintf(path, sizeof(path), "%s/bench/bpf/%s.bpf.o", build_dir(), obj);
	*o = bpf_object__open_file(path, NULL);
	if (!*o || bpf_object__load(*o)) {
		pr_err("cannot load %s: %s", path, strerror(errno));
		exit(1);
	}
	p = bpf_object__next_program(*o, NULL);
	return bpf_program__fd(p);
}

static double mono(void);

/*
 * Buckets of every prefix table of the variant being loaded, when its
 * xt_prefix holds tables of one fixed size (XT_BENCH_PFX_FIXED, which the
 * verifier inlines); 0: tables sized to their ruleset, as the CLI makes.
 */
static __u32 bench_pfx_fixed;

/*
 * The pfx-fixed variant's table: c's buckets in a map of bench_pfx_fixed
 * buckets without BPF_F_INNER_MAP, put in generation gen's slot.
 */
static int pfx_fixed_put(int outer, __u32 gen, const struct xt_compiled *c)
{
	const struct xt_pfx_bucket *bk = (const void *)c->slots;
	__u32 nh = c->nslots / XT_PFX_BUCKET, i;
	__u32 nb = nh + c->nchunk_elems;
	int fd, err = 0;

	if (!nb)
		return 0;
	if (nb > bench_pfx_fixed) {
		pr_err("pfx-fixed: %u buckets do not fit in %u", nb,
		       bench_pfx_fixed);
		return -E2BIG;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xt_pfx_fixed", sizeof(__u32),
			    sizeof(*bk), bench_pfx_fixed, NULL);
	if (fd < 0)
		return -errno;
	for (i = 0; i < nb && !err; i++)
		if (bpf_map_update_elem(fd, &i, i < nh ? (const void *)&bk[i] :
					(const void *)&c->chunks[i - nh],
					BPF_ANY))
			err = -errno;
	if (!err && bpf_map_update_elem(outer, &gen, &fd, BPF_ANY))
		err = -errno;
	if (err)
		pr_err("pfx-fixed: %s", strerror(-err));
	close(fd);
	return err;
}

/*
 * Compile and install b as the CLI does; for rulesets with prefixes, print
 * what the table takes and how long compiling and installing took.
 */
static int ruleset_put(const struct xt_rule_maps *m, const struct bench_rules *b,
		       int npfx, int drop_at)
{
	struct xt_compiled c;
	double t0 = mono(), t1, t2;
	char err[256];
	int ret;

	if (xt_compile(b->r, b->n, drop_at, &c, err, sizeof(err))) {
		pr_err("compile: %s", err);
		return -EINVAL;
	}
	t1 = mono();
	if (bench_pfx_fixed) {
		/* Installed without a table, then given its fixed-size one:
		 * nothing runs packets yet. */
		size_t ns = c.nslots, nc = c.nchunk_elems;
		__u32 gen;

		c.nslots = 0;
		c.nchunk_elems = 0;
		ret = xt_ruleset_install(m, &c);
		c.nslots = ns;
		c.nchunk_elems = nc;
		gen = xt_ruleset_active_gen(m);
		if (!ret)
			ret = pfx_fixed_put(m->prefix, gen, &c);

	} else {
		ret = xt_ruleset_install(m, &c);
	}
	t2 = mono();
	if (npfx > 0 && bench_echo)
		printf("# ruleset with %d prefixes: %zu entries, %zu slots"
		       " (%.1f MiB), %zu /24 chunks, %u IPv6 chunks (%.1f MiB),"
		       " compile %.2f s, install %.2f s\n", npfx,
		       c.nentries, c.nslots,
		       c.nslots * sizeof(struct xt_pfx_slot) / 1048576.0,
		       (c.nchunk_elems - (size_t)c.rs->v6_nchunks *
			XT_PFX_V6_CHUNK_ELEMS) / XT_PFX_CHUNK_ELEMS,
		       c.rs->v6_nchunks,
		       c.nchunk_elems * sizeof(*c.chunks) / 1048576.0,
		       t1 - t0, t2 - t1);
	xt_compiled_free(&c);
	return ret;
}

/* Install rules from path (NULL: the default rules) into skel's maps. */
static void rules_install(struct xdptag *skel, const char *path, int nrules,
			  int npfx, int drop_at)
{
	struct xt_rule_maps m = xt_rule_maps_of(skel->obj);
	struct bench_rules b;

	if (rules_make(&b, path, nrules, npfx) ||
	    ruleset_put(&m, &b, npfx, drop_at)) {
		pr_err("cannot install the bench ruleset");
		exit(1);
	}
	if (!b.from_file)
		for (size_t i = 0; i < b.n; i++)
			xt_rule_free(&b.r[i]);
}

/* The XDP stage with rules from path (NULL: the default rules). */
static struct xdptag *xdptag_load_rules(const char *path, int nrules, int npfx,
					int drop_at)
{
	struct xdptag *skel = xdptag__open();

	/* Production settings: no explain record, metadata on. */
	if (!skel || xdptag__load(skel)) {
		pr_err("cannot load the XDP stage: %s", strerror(errno));
		exit(1);
	}
	rules_install(skel, path, nrules, npfx, drop_at);
	return skel;
}

static struct xdptag *xdptag_load(int nrules, int npfx, int drop_at)
{
	return xdptag_load_rules(NULL, nrules, npfx, drop_at);
}

/* The tag must be there and right once before timing means anything. */
static struct xdptag_tag tag_checked(struct xdptag *skel, const struct pkt *p,
				     const char *what)
{
	struct xh_result r = xh_run(skel, p->b, p->len, 3);

	if (r.err || r.action != XDP_PASS || !r.tagged ||
	    r.tag.magic != XDPTAG_MAGIC) {
		pr_err("%s: no tag (err %d, action %u)", what, r.err, r.action);
		exit(1);
	}
	return r.tag;
}

static void tag_print(const char *what, const struct xdptag_tag *t)
{
	printf("# %-24s tag: score %u class %u rules 0x%llx features 0x%x\n",
	       what, t->score, t->class_id, (unsigned long long)t->rules,
	       t->features);
}

static void check_tag(struct xdptag *skel, const struct pkt *p,
		      const char *what)
{
	struct xdptag_tag t = tag_checked(skel, p, what);

	if (bench_echo)
		tag_print(what, &t);
}

enum { SC_PFX10, SC_PFX1K, SC_PFX10K, SC_PFX100K, SC_PFX1M, SC_R1, SC_R16,
       SC_R64, NSCALE };
static const struct {
	const char *name;
	int rules, pfx;
	int base;		/* the row it is a ratio to */
} scale[NSCALE] = {
	{ "pfx-10", 0, 10, SC_PFX10 }, { "pfx-1000", 0, 1000, SC_PFX10 },
	{ "pfx-10000", 0, 10000, SC_PFX10 },
	{ "pfx-100000", 0, 100000, SC_PFX10 },
	{ "pfx-1000000", 0, 1000000, SC_PFX10 },
	{ "rules-1", 1, 0, SC_R1 }, { "rules-16", 16, 0, SC_R1 },
	{ "rules-64", 64, 0, SC_R1 },
};

/*
 * A scaling row's program: the row's ruleset in one generation and its
 * base row's in the other, flipped between (gen_use()), so that the two
 * are timed through one JIT image.  Each load's image lands elsewhere,
 * which moved one object's time by up to 3-4 ns between loads on an
 * Intel Xeon, more than 5% of it (docs/performance.md, "Scaling to
 * 1,000,000 prefixes").  A base row's program holds its ruleset in both.
 */
struct scale_prog {
	struct xdptag *skel;
	struct xt_rule_maps m;
	__u32 gen[2];		/* [0] the base's generation, [1] the row's */
	int fd;
};

static void gen_use(const struct xt_rule_maps *m, __u32 gen)
{
	struct xt_active a = { .gen = gen };
	__u32 zero = 0;

	if (bpf_map_update_elem(m->active, &zero, &a, BPF_ANY)) {
		pr_err("cannot flip the generation: %s", strerror(errno));
		exit(1);
	}
}

static void scale_load(struct scale_prog *sp, int k)
{
	int b = scale[k].base, tfd = -1, g;
	__u32 id;

	sp->skel = xdptag_load(scale[b].rules, scale[b].pfx, 0);
	sp->fd = bpf_program__fd(sp->skel->progs.xdptag_xdp);
	sp->m = xt_rule_maps_of(sp->skel->obj);
	g = xt_ruleset_active_gen(&sp->m);
	if (g < 0) {
		pr_err("cannot read the generation: %s", strerror(-g));
		exit(1);
	}
	sp->gen[0] = sp->gen[1] = g;
	if (k == b)
		return;
	/* The install drops the base's prefix table after its flip: put
	 * back, with no packet run in between. */
	if (!bpf_map_lookup_elem(sp->m.prefix, &sp->gen[0], &id)) {
		tfd = bpf_map_get_fd_by_id(id);
		if (tfd < 0) {
			pr_err("cannot keep the base's prefix table: %s",
			       strerror(errno));
			exit(1);
		}
	}
	rules_install(sp->skel, NULL, scale[k].rules, scale[k].pfx, 0);
	sp->gen[1] = xt_ruleset_active_gen(&sp->m);
	if (sp->gen[1] == sp->gen[0]) {
		pr_err("%s: the install did not flip", scale[k].name);
		exit(1);
	}
	if (tfd >= 0) {
		if (bpf_map_update_elem(sp->m.prefix, &sp->gen[0], &tfd,
					BPF_ANY)) {
			pr_err("cannot put the base's prefix table back: %s",
			       strerror(errno));
			exit(1);
		}
		close(tfd);
	}
}

/*
 * Each key's frame tagged alike in both generations: the row and its
 * base do the same work but for the tables' sizes.
 */
static void scale_check(struct scale_prog *sp, int k, const struct pkt *keys)
{
	struct xdptag_tag t0 = { 0 }, t;
	int i, g;

	for (g = 1; g >= 0; g--) {
		gen_use(&sp->m, sp->gen[g]);
		for (i = 0; i < SCALE_KEYS; i++) {
			t = tag_checked(sp->skel, &keys[i], scale[k].name);
			if (g == 1 && !i) {
				t0 = t;
				tag_print(scale[k].name, &t);
			}
			if (t.score != t0.score || t.class_id != t0.class_id ||
			    t.rules != t0.rules) {
				pr_err("%s: frame %d tagged otherwise%s",
				       scale[k].name, i, g ? "" : " by its base");
				exit(1);
			}
		}
	}
}

/* The mean of one run per key, repeat runs in all. */
static double scale_ns(int fd, const struct pkt *keys, int repeat)
{
	int i, each = repeat > SCALE_KEYS ? repeat / SCALE_KEYS : 1;
	double sum = 0;

	for (i = 0; i < SCALE_KEYS; i++)
		sum += run_ns(fd, keys[i].b, keys[i].len, each, 1);
	return sum / SCALE_KEYS;
}

/*
 * One round of a scaling row: its base's generation, then the row's, or
 * the other way round (first), back to back through one image.  A base
 * row is its own base.
 */
static void scale_round(struct scale_prog *sp, int first,
			const struct pkt *keys, int repeat, double *base,
			double *row)
{
	int g, w;

	if (sp->gen[0] == sp->gen[1]) {
		*row = *base = scale_ns(sp->fd, keys, repeat);
		return;
	}
	for (g = 0; g < 2; g++) {
		w = g ^ first;
		gen_use(&sp->m, sp->gen[w]);
		*(w ? row : base) = scale_ns(sp->fd, keys, repeat);
	}
}

static int cmd_prog(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 9;
	int repeat = argc > 2 ? atoi(argv[2]) : 10000000;
	double *xt, *nx, *tc, *nt, *sc, *sb;
	struct bpf_object *onx, *ont;
	struct scale_prog sp[NSCALE];
	struct xdptag *def;
	struct xdptag_tc *tcs;
	struct pkt mix[NPKT], keys[SCALE_KEYS];
	int fnx, fnt, ftc, i, k, r;

	pin_cpu0();

	xt = calloc(rounds * NPKT, sizeof(double));
	nx = calloc(rounds * NPKT, sizeof(double));
	tc = calloc(rounds, sizeof(double));
	nt = calloc(rounds, sizeof(double));
	sc = calloc(rounds * NSCALE, sizeof(double));
	sb = calloc(rounds * NSCALE, sizeof(double));
	pkt_mix(mix);
	for (i = 0; i < SCALE_KEYS; i++)
		pkt_bench_from(&keys[i], BLOCK_HIT + i);
	def = xdptag_load(0, 0, 0);
	for (k = 0; k < NSCALE; k++)
		scale_load(&sp[k], k);
	for (i = 0; i < NPKT; i++)
		check_tag(def, &mix[i], mix_names[i]);
	for (k = 0; k < NSCALE; k++)
		scale_check(&sp[k], k, keys);
	fnx = prog_fd_from("null_xdp", &onx);
	fnt = prog_fd_from("null_tc", &ont);
	tcs = xdptag_tc__open_and_load();
	if (!tcs) {
		pr_err("cannot load the TC stage: %s", strerror(errno));
		return 1;
	}
	ftc = bpf_program__fd(tcs->progs.xdptag_tc);

	/* Rotate the order each round so drift hits every variant alike. */
	for (r = 0; r < rounds; r++) {
		int nvar = 2 * NPKT + 2 + NSCALE;

		for (int j = 0; j < nvar; j++) {
			int v = (j + r) % nvar;
			int fd = bpf_program__fd(def->progs.xdptag_xdp);

			if (v < NPKT)
				xt[r * NPKT + v] = run_ns(fd, mix[v].b,
						mix[v].len, repeat, 1);
			else if (v < 2 * NPKT)
				nx[r * NPKT + v - NPKT] =
					run_ns(fnx, mix[v - NPKT].b,
					       mix[v - NPKT].len, repeat, 1);
			else if (v == 2 * NPKT)
				tc[r] = run_ns(ftc, mix[0].b, mix[0].len,
					       repeat, 0);
			else if (v == 2 * NPKT + 1)
				nt[r] = run_ns(fnt, mix[0].b, mix[0].len,
					       repeat, 0);
			else {
				k = v - 2 * NPKT - 2;
				scale_round(&sp[k], r & 1, keys, repeat,
					    &sb[r * NSCALE + k],
					    &sc[r * NSCALE + k]);
			}
		}
		fprintf(stderr, "# prog round %d/%d\n", r + 1, rounds);
	}

	/*
	 * Ratios are paired within a round (same moment, same noise), then
	 * the median of the per-round ratios is reported.
	 */
	{
		double xs[rounds], ns[rounds], rat[rounds], mixr[rounds];
		double mixx[rounds], mixn[rounds];

		for (r = 0; r < rounds; r++) {
			mixx[r] = mixn[r] = 0;
			for (i = 0; i < NPKT; i++) {
				mixx[r] += xt[r * NPKT + i] / NPKT;
				mixn[r] += nx[r * NPKT + i] / NPKT;
			}
			mixr[r] = mixx[r] / mixn[r];
		}
		for (i = 0; i < NPKT; i++) {
			for (r = 0; r < rounds; r++) {
				xs[r] = xt[r * NPKT + i];
				ns[r] = nx[r * NPKT + i];
				rat[r] = xs[r] / ns[r];
			}
			printf("prog xdp %-16s xdptag %6.2f null %6.2f ratio %5.2f\n",
			       mix_names[i], median(xs, rounds),
			       median(ns, rounds), median(rat, rounds));
		}
		printf("prog xdp %-16s xdptag %6.2f null %6.2f ratio %5.2f\n",
		       "mix", median(mixx, rounds), median(mixn, rounds),
		       median(mixr, rounds));
		for (r = 0; r < rounds; r++)
			rat[r] = tc[r] / nt[r];
		printf("prog tc  %-16s xdptag %6.2f null %6.2f ratio %5.2f\n",
		       "no-metadata", median(tc, rounds), median(nt, rounds),
		       median(rat, rounds));
		for (k = 0; k < NSCALE; k++) {
			for (r = 0; r < rounds; r++) {
				xs[r] = sc[r * NSCALE + k];
				rat[r] = xs[r] / sb[r * NSCALE + k];
				ns[r] = xs[r] / mixn[r];
			}
			printf("prog scale %-14s xdptag %6.2f vs-base %5.2f vs-null %5.2f\n",
			       scale[k].name, median(xs, rounds),
			       median(rat, rounds), median(ns, rounds));
		}
	}
	xdptag_tc__destroy(tcs);
	bpf_object__close(onx);
	bpf_object__close(ont);
	for (k = 0; k < NSCALE; k++)
		xdptag__destroy(sp[k].skel);
	xdptag__destroy(def);
	return 0;
}

/* ------------------------------------------------------------- peer --- */

/*
 * The peer: xdp-tools' xdp-filter, the XDP filter a user would pick
 * instead, from the object Debian ships in libxdp1: deny mode, every
 * feature (Ethernet, IPv4, IPv6, TCP and UDP port lookups).  Its maps are
 * filled with entries that match none of the mix's frames, so every frame
 * takes its longest path (every lookup, then the default verdict: drop).
 */
#ifndef XT_PEER_DIR
#define XT_PEER_DIR "/usr/lib/x86_64-linux-gnu/bpf"
#endif
#define PEER_OBJ	XT_PEER_DIR "/xdpfilt_dny_all.o"
/* Map value flags, xdp-tools' xdp-filter/common_kern_user.h. */
#define XDPFILT_SRC	(1 << 0)
#define XDPFILT_DST	(1 << 1)
#define XDPFILT_TCP	(1 << 2)
#define XDPFILT_UDP	(1 << 3)

/* Every address of the mix's IPv4 frames (pkt_mix): never a peer entry. */
static int mix_addr4(uint32_t a)
{
	return a == 0x0a010203 || a == 0xc000020a || a == 0xc0000235 ||
	       a == 0x0a000001;
}

static int peer_fill(struct bpf_object *o, int naddr, int nport)
{
	int ncpu = libbpf_num_possible_cpus();
	int fa = bpf_object__find_map_fd_by_name(o, "filter_ipv4");
	int fp = bpf_object__find_map_fd_by_name(o, "filter_ports");
	__u64 v[ncpu];
	int i;

	if (fa < 0 || fp < 0)
		return -ENOENT;
	for (i = 0; i < ncpu; i++)
		v[i] = XDPFILT_SRC | XDPFILT_DST;
	rnd_state = BENCH_SEED + 1;
	for (i = 0; i < naddr;) {
		uint32_t a = rnd();
		__u32 key = htonl(a);

		if (mix_addr4(a))
			continue;
		/* Duplicates are skipped: exactly naddr distinct entries. */
		if (bpf_map_update_elem(fa, &key, v, BPF_NOEXIST) == 0)
			i++;
		else if (errno != EEXIST)
			return -errno;
	}
	for (i = 0; i < ncpu; i++)
		v[i] = XDPFILT_SRC | XDPFILT_DST | XDPFILT_TCP | XDPFILT_UDP;
	/* Ports 10000 and up: none of the mix's (22, 53, 80, 443, 40000). */
	for (i = 0; i < nport; i++) {
		__u32 key = htons(10000 + i);	/* the port as the packet has it */

		if (bpf_map_update_elem(fp, &key, v, 0))
			return -errno;
	}
	return 0;
}

/*
 * Load xdp-filter's object with libbpf, its maps unpinned (as shipped they
 * are pinned by name in the bpffs root), filter_ipv4 grown to naddr if it
 * is smaller (10,000 as shipped: xdp-filter itself cannot hold 100,000).
 */
static struct bpf_object *peer_load(int naddr, int nport, int *fd)
{
	struct bpf_object *o = bpf_object__open_file(PEER_OBJ, NULL);
	struct bpf_map *m;
	int err;

	if (!o) {
		pr_err("cannot open %s: %s (apt-get install libxdp1)", PEER_OBJ,
		       strerror(errno));
		exit(1);
	}
	bpf_object__for_each_map(m, o) {
		bpf_map__set_pin_path(m, NULL);
		if (!strcmp(bpf_map__name(m), "filter_ipv4") &&
		    bpf_map__max_entries(m) < (__u32)naddr)
			bpf_map__set_max_entries(m, naddr);
	}
	err = bpf_object__load(o);
	if (!err)
		err = peer_fill(o, naddr, nport);
	if (err) {
		pr_err("xdp-filter (%s): %s", PEER_OBJ, strerror(-err));
		exit(1);
	}
	*fd = bpf_program__fd(bpf_object__next_program(o, NULL));
	return o;
}

/*
 * An xdptag object other than the skeleton's (a bench variant build from
 * bench/bpf/), with the bench ruleset installed as the CLI installs it.
 */
static struct bpf_object *variant_load(const char *variant, int npfx,
				       int *fd)
{
	char path[512];
	struct bpf_object *o;
	struct xt_rule_maps m;
	struct bench_rules b;

	snprintf(path, sizeof(path), "%s/bench/bpf/xdptag-%s.bpf.o",
		 build_dir(), variant);
	o = bpf_object__open_file(path, NULL);
	if (o) {
		/* libbpf drops the inner map's template once loaded. */
		struct bpf_map *in = bpf_map__inner_map(
			bpf_object__find_map_by_name(o, "xt_prefix"));

		bench_pfx_fixed = in && !(bpf_map__map_flags(in) &
					  BPF_F_INNER_MAP) ?
				  bpf_map__max_entries(in) : 0;
	}
	if (!o || bpf_object__load(o)) {
		pr_err("cannot load %s: %s", path, strerror(errno));
		exit(1);
	}
	m = xt_rule_maps_of(o);
	/* XT_VARIANTS_STATELESS=1: the variants against xdptag-stateless. */
	bench_stateless = !!getenv("XT_VARIANTS_STATELESS");
	/* The builds without chunks get the tables they were made for. */
	xt_pfx_no_chunks = !strcmp(variant, "pfx-hash24");
	xt_pfx_no_v6_chunks = !strcmp(variant, "pfx-hash6");
	if (rules_make(&b, NULL, 0, npfx) || ruleset_put(&m, &b, 0, 0)) {
		pr_err("%s: cannot install the bench ruleset", path);
		exit(1);
	}
	bench_stateless = 0;
	bench_pfx_fixed = 0;
	xt_pfx_no_chunks = 0;
	xt_pfx_no_v6_chunks = 0;
	if (!b.from_file)
		for (size_t i = 0; i < b.n; i++)
			xt_rule_free(&b.r[i]);
	*fd = bpf_program__fd(bpf_object__next_program(o, NULL));
	return o;
}

/*
 * The peer tier's programs.  Each xdptag row is compared with the peer
 * row of its set (the same table sizes); one more program is one more
 * row here (a stateful ruleset, another peer).
 */
enum peer_kind { PK_NULL, PK_PEER, PK_XDPTAG, PK_VARIANT };

/*
 * Loads of each program in the peer tier.  One object's time moves by
 * 1.5-4 ns from one load to the next, with where its JIT image and its
 * maps land (docs/performance.md, "Five loads of each program"), and a
 * row measured on one load carries that load's luck: each program is
 * loaded XT_PEER_LOADS times (5 unless set), every load is run in every
 * round, and the round takes the median of a row's loads per frame.
 */
#define PEER_MAXLOADS	9

struct peer_row {
	char name[48];
	enum peer_kind kind;
	int set;		/* 0: small tables; 1: 100,000 entries */
	const char *variant;	/* PK_VARIANT: the build's name */
	const char *rules;	/* PK_XDPTAG: a rules file, NULL: default */
	int stateless;		/* PK_XDPTAG: its rules without the stateful */
	int fd;			/* the load being set up and checked */
	struct bpf_object *obj;
	struct xdptag *skel;
	/* Each load's (peer_loads()), to close. */
	struct bpf_object *objs[PEER_MAXLOADS];
	struct xdptag *skels[PEER_MAXLOADS];
};

#define PEER_SETS	2
/* null, then per set the peer, xdptag and xdptag-stateless; 64 variants. */
#define PEER_MAXROWS	(1 + 3 * PEER_SETS + 64 * PEER_SETS)
static const struct {
	const char *sfx;	/* row name suffix */
	int naddr, nport;	/* the peer's IPv4 addresses and ports */
	int npfx;		/* xdptag's prefixes (with the default rules) */
} peer_sets[PEER_SETS] = {
	{ "", 0, 0, 0 },
	{ "-100k", 100000, 1000, 100000 },
};

/*
 * A row list that does not fit is refused, never cut short: a variant
 * left out of a run without a word reads as measured and unremarkable.
 */
static void rows_fit(int n, int max, const char *what)
{
	if (n <= max)
		return;
	pr_err("%s: more than the %d rows the bench holds: name fewer", what,
	       max);
	exit(2);
}

static int peer_rows(struct peer_row *rows)
{
	char *vs = getenv("XT_VARIANTS"), *save = NULL, *v;
	char *rf = getenv("XT_PEER_RULES");
	/* XT_PEER_SMALL=1: the small tables only (quicker variant runs). */
	int nsets = getenv("XT_PEER_SMALL") ? 1 : PEER_SETS;
	int n = 0, s;

	vs = strdup(vs ? vs : "");
	rows[n++] = (struct peer_row){ .name = "null", .kind = PK_NULL };
	for (s = 0; s < nsets; s++) {
		struct peer_row *r = &rows[n++];

		*r = (struct peer_row){ .kind = PK_PEER, .set = s };
		snprintf(r->name, sizeof(r->name), "xdp-filter%s",
			 peer_sets[s].sfx);
		r = &rows[n++];
		*r = (struct peer_row){ .kind = PK_XDPTAG, .set = s };
		snprintf(r->name, sizeof(r->name), "xdptag%s",
			 peer_sets[s].sfx);
		/*
		 * The default rules without their rate and fan-out rules:
		 * what a state lookup adds, frame by frame, and that frames
		 * needing no state pay nothing for it (docs/performance.md).
		 */
		r = &rows[n++];
		*r = (struct peer_row){ .kind = PK_XDPTAG, .set = s,
					.stateless = 1 };
		snprintf(r->name, sizeof(r->name), "xdptag-stateless%s",
			 peer_sets[s].sfx);
	}
	for (v = strtok_r(vs, " ", &save); v; v = strtok_r(NULL, " ", &save))
		for (s = 0; s < nsets; s++) {
			struct peer_row *r;

			rows_fit(n + 1, PEER_MAXROWS, "XT_VARIANTS");
			r = &rows[n++];
			*r = (struct peer_row){ .kind = PK_VARIANT, .set = s,
						.variant = strdup(v) };
			snprintf(r->name, sizeof(r->name), "xdptag-%s%s", v,
				 peer_sets[s].sfx);
		}
	free(vs);
	/*
	 * XT_PEER_RULES="a.yaml b.yaml": xdptag with each of these rulesets
	 * instead of the default rules (a stateful ruleset: one more row),
	 * against the peer with small tables.
	 */
	rf = strdup(rf ? rf : "");
	for (v = strtok_r(rf, " ", &save); v; v = strtok_r(NULL, " ", &save)) {
		const char *base = strrchr(v, '/') ? strrchr(v, '/') + 1 : v;
		struct peer_row *r;

		rows_fit(n + 1, PEER_MAXROWS, "XT_VARIANTS and XT_PEER_RULES");
		r = &rows[n++];
		*r = (struct peer_row){ .kind = PK_XDPTAG, .set = 0,
					.rules = strdup(v) };
		snprintf(r->name, sizeof(r->name), "xdptag-%.*s",
			 (int)strcspn(base, "."), base);
	}
	free(rf);
	return n;
}

/*
 * One test run of r on p: xdptag must pass the frame; the peer must not
 * (in deny mode XDP_PASS means an entry matched: a short path).  The
 * peer's verdicts are printed: it aborts on frames its parser refuses.
 */
static void peer_check(const struct peer_row *r, const struct pkt *p,
		       const char *what)
{
	struct xdp_md ctx = { .data_end = p->len };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b,
		    .data_size_in = p->len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int peer = r->kind == PK_PEER;

	if (bpf_prog_test_run_opts(r->fd, &o)) {
		pr_err("%s on %s: %s", r->name, what, strerror(errno));
		exit(1);
	}
	if ((o.retval == XDP_PASS) == peer) {
		pr_err("%s on %s: returned %u", r->name, what, o.retval);
		exit(1);
	}
	if (peer && bench_echo)
		printf("# %-22s %-14s verdict %s\n", r->name, what,
		       o.retval < XT_XDP_ACTIONS ? xt_action_names[o.retval] :
		       "?");
}

/* XT_PEER_LINES=1: peer_lines() below, and mix_rounds() prints its order. */
static int print_order;

/*
 * Where row r (row k) landed, for bench/trace.sh, which maps each
 * instruction a qemu trace saw to its source line: the JIT image of each
 * of its functions (address and length), and each line-info record's
 * address with its file and line ("# jit" and "# line" lines).  The map is
 * this load's: another load of the object may lay it out elsewhere.
 */
static void peer_lines(const struct peer_row *r, int k)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), n, nf, i;
	struct bpf_line_info *li;
	__u64 *addr, *func;
	__u32 *flen;
	struct btf *btf;

	if (bpf_obj_get_info_by_fd(r->fd, &info, &len) || !info.btf_id) {
		pr_err("%s: no program info or BTF", r->name);
		exit(1);
	}
	n = info.nr_jited_line_info;
	nf = info.nr_jited_ksyms;
	if (n != info.nr_line_info || !nf || nf != info.nr_jited_func_lens) {
		pr_err("%s: no JIT line info", r->name);
		exit(1);
	}
	li = calloc(n, sizeof(*li));
	addr = calloc(n, sizeof(*addr));
	func = calloc(nf, sizeof(*func));
	flen = calloc(nf, sizeof(*flen));
	if (!li || !addr || !func || !flen) {
		pr_err("%s: out of memory", r->name);
		exit(1);
	}
	memset(&info, 0, sizeof(info));
	info.nr_line_info = n;
	info.line_info_rec_size = sizeof(*li);
	info.line_info = (__u64)(unsigned long)li;
	info.nr_jited_line_info = n;
	info.jited_line_info_rec_size = sizeof(*addr);
	info.jited_line_info = (__u64)(unsigned long)addr;
	info.nr_jited_ksyms = nf;
	info.jited_ksyms = (__u64)(unsigned long)func;
	info.nr_jited_func_lens = nf;
	info.jited_func_lens = (__u64)(unsigned long)flen;
	len = sizeof(info);
	btf = NULL;
	if (bpf_obj_get_info_by_fd(r->fd, &info, &len) ||
	    !(btf = btf__load_from_kernel_by_id(info.btf_id))) {
		pr_err("%s: cannot read the line info", r->name);
		exit(1);
	}
	/* Each function's image, the program's own first; the row as
	 * mix_rounds()'s "# run" lines name it. */
	for (i = 0; i < nf; i++)
		printf("# jit %s %d %llx %u\n", r->name, k,
		       (unsigned long long)func[i], flen[i]);
	for (i = 0; i < n; i++)
		printf("# line %s %llx %s %u\n", r->name,
		       (unsigned long long)addr[i],
		       btf__name_by_offset(btf, li[i].file_name_off),
		       BPF_LINE_INFO_LINE_NUM(li[i].line_col));
	btf__free(btf);
	free(li);
	free(addr);
	free(func);
	free(flen);
}

static int gcd(int a, int b)
{
	return b ? gcd(b, a % b) : a;
}

/*
 * Row k's ns less row base's on frame i, per round of t (rounds x n
 * runs, row-major by row then frame), and the median of those.
 */
static double paired_ns(const double *t, int rounds, int n, int k, int base,
			int i)
{
	double add[rounds];
	int r;

	for (r = 0; r < rounds; r++) {
		const double *row = t + (size_t)r * n;

		add[r] = row[k * NPKT + i] - row[base * NPKT + i];
	}
	return median(add, rounds);
}

/*
 * Run every (row, frame) pair of fd once per round, rounds times, on the
 * mix: returns the ns per packet, rounds x n runs (n = nrows * NPKT),
 * row-major by row then frame.  A stride prime to n visits every run
 * once, neighbours apart, in a different order each round, so that drift
 * hits every row alike.
 */
static double *mix_rounds(const int *fd, int nrows, const struct pkt *mix,
			  int rounds, int repeat, int xdp, const char *tier)
{
	int n = nrows * NPKT, stride, r, j;
	double *t = calloc((size_t)rounds * n, sizeof(double));

	if (!t) {
		pr_err("out of memory");
		exit(1);
	}
	for (stride = 7; gcd(stride, n) != 1; stride++)
		;
	for (r = 0; r < rounds; r++) {
		for (j = 0; j < n; j++) {
			int v = (j * stride + r * 13) % n;
			const struct pkt *p = &mix[v % NPKT];

			/* bench/trace.sh: which row and frame each test
			 * run of the trace was. */
			if (print_order)
				printf("# run %d %d %s\n", v / NPKT, v % NPKT,
				       mix_names[v % NPKT]);
			t[(size_t)r * n + v] = run_ns(fd[v / NPKT], p->b,
						      p->len, repeat, xdp);
		}
		fprintf(stderr, "# %s round %d/%d\n", tier, r + 1, rounds);
	}
	return t;
}

/*
 * Row k's ns on frame i (NPKT: the mix, the mean of the six) in each
 * round of t (mix_rounds()), into out[rounds].
 */
static void frame_ns(const double *t, int rounds, int n, int k, int i,
		     double *out)
{
	int lo = i < NPKT ? i : 0, hi = i < NPKT ? i + 1 : NPKT, r, j;

	for (r = 0; r < rounds; r++) {
		const double *row = t + (size_t)r * n;

		out[r] = 0;
		for (j = lo; j < hi; j++)
			out[r] += row[k * NPKT + j] / (hi - lo);
	}
}

/* How many times the peer tier loads each program (at PEER_MAXLOADS). */
static int peer_loads(void)
{
	const char *s = getenv("XT_PEER_LOADS");
	char *end;
	long l;

	/* bench/trace.sh maps a run to its row by the row's one image. */
	if (print_order)
		return 1;
	if (!s)
		return 5;
	l = strtol(s, &end, 10);
	if (*s == '\0' || *end || l < 1 || l > PEER_MAXLOADS) {
		pr_err("XT_PEER_LOADS: '%s' is not a number of loads from 1 to %d",
		       s, PEER_MAXLOADS);
		exit(2);
	}
	return l;
}

/*
 * t (mix_rounds() over nrows rows of `loads` loads each, a row's loads
 * side by side) folded into one run a row: per round and frame, the
 * median of the row's loads.
 */
static double *fold_loads(double *t, int rounds, int nrows, int loads)
{
	int n = nrows * NPKT, r, k, i, j;
	double *f = calloc((size_t)rounds * n, sizeof(double));

	if (!f) {
		pr_err("out of memory");
		exit(1);
	}
	for (r = 0; r < rounds; r++)
		for (k = 0; k < nrows; k++)
			for (i = 0; i < NPKT; i++) {
				double x[PEER_MAXLOADS];

				for (j = 0; j < loads; j++)
					x[j] = t[((size_t)r * nrows * loads +
						  (size_t)k * loads + j) *
						 NPKT + i];
				f[(size_t)r * n + k * NPKT + i] =
					median(x, loads);
			}
	free(t);
	return f;
}

/*
 * xt_bench peer [ROUNDS [REPEAT]]: the mix through null, xdp-filter,
 * xdptag and xdptag's variant builds (XT_VARIANTS), interleaved, pinned to
 * CPU 0; per frame and for the mix, the median ns and the per-round ratios
 * to the peer and to null, and the added ns over null.
 */
static int cmd_peer(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 11;
	int repeat = argc > 2 ? atoi(argv[2]) : 1000000;
	struct peer_row rows[PEER_MAXROWS];
	int peer_of[PEER_SETS] = { 0 };
	int nrows, i, j, k, r, n, vstateless, loads;
	int fds[PEER_MAXROWS * PEER_MAXLOADS];
	struct pkt mix[NPKT];
	double *t;

	pin_cpu0();
	pkt_mix(mix);
	print_order = !!getenv("XT_PEER_LINES");
	loads = peer_loads();
	nrows = peer_rows(rows);
	for (k = 0; k < nrows * loads; k++) {
		struct peer_row *w = &rows[k / loads];
		int set = w->set;

		bench_echo = k % loads == 0;
		switch (w->kind) {
		case PK_NULL:
			w->fd = prog_fd_from("null_xdp", &w->obj);
			break;
		case PK_PEER:
			w->obj = peer_load(peer_sets[set].naddr,
					   peer_sets[set].nport, &w->fd);
			peer_of[set] = k / loads;
			break;
		case PK_XDPTAG:
			bench_stateless = w->stateless;
			w->skel = xdptag_load_rules(w->rules, 0,
						    peer_sets[set].npfx, 0);
			bench_stateless = 0;
			w->fd = bpf_program__fd(w->skel->progs.xdptag_xdp);
			break;
		case PK_VARIANT:
			w->obj = variant_load(w->variant, peer_sets[set].npfx,
					      &w->fd);
			break;
		}
		/*
		 * Every frame takes the path it is meant to: xdptag passes
		 * (tags checked below), the peer's lookups all miss and its
		 * deny-mode default drops.
		 */
		for (i = 0; i < NPKT; i++)
			peer_check(w, &mix[i], mix_names[i]);
		if (print_order &&
		    (w->kind == PK_XDPTAG || w->kind == PK_VARIANT))
			peer_lines(w, k / loads);
		if (w->kind == PK_XDPTAG)
			for (i = 0; i < NPKT; i++) {
				char what[64];

				snprintf(what, sizeof(what), "%s %s", w->name,
					 mix_names[i]);
				check_tag(w->skel, &mix[i], what);
			}
		fds[k] = w->fd;
		w->objs[k % loads] = w->obj;
		w->skels[k % loads] = w->skel;
	}
	bench_echo = 1;

	n = nrows * NPKT;
	t = mix_rounds(fds, nrows * loads, mix, rounds, repeat, 1, "peer");
	t = fold_loads(t, rounds, nrows, loads);

	/* Frame NPKT is the mix: the mean of the six, per round. */
	for (k = 0; k < nrows; k++) {
		int pk = peer_of[rows[k].set];

		for (i = 0; i <= NPKT; i++) {
			double x[rounds], nul[rounds], vp[rounds], vn[rounds];
			double add[rounds], pe[rounds];

			frame_ns(t, rounds, n, k, i, x);
			frame_ns(t, rounds, n, 0, i, nul);	/* null: row 0 */
			frame_ns(t, rounds, n, pk, i, pe);
			for (r = 0; r < rounds; r++) {
				vp[r] = x[r] / pe[r];
				vn[r] = x[r] / nul[r];
				add[r] = x[r] - nul[r];
			}
			printf("peer %-22s %-14s ns %6.2f null %6.2f vs-peer %5.2f"
			       " vs-null %5.2f added %6.2f\n", rows[k].name,
			       i < NPKT ? mix_names[i] : "mix",
			       median(x, rounds), median(nul, rounds),
			       median(vp, rounds), median(vn, rounds),
			       median(add, rounds));
		}
	}
	/*
	 * What per-source state costs: each default-rules row against its
	 * stateless twin of the same set, paired within a round.
	 */
	for (k = 0; k < nrows; k++) {
		int sk;

		if (rows[k].kind != PK_XDPTAG || rows[k].stateless ||
		    rows[k].rules)
			continue;
		for (sk = 0; sk < nrows; sk++)
			if (rows[sk].stateless && rows[sk].set == rows[k].set)
				break;
		if (sk == nrows)
			continue;
		for (i = 0; i < NPKT; i++)
			printf("state %-21s %-14s needs-state %d added %6.2f\n",
			       rows[k].name, mix_names[i], mix_state[i],
			       paired_ns(t, rounds, n, k, sk, i));
	}
	/*
	 * What each variant build changes: its ns less the shipped
	 * build's of the same set and rules (with XT_VARIANTS_STATELESS,
	 * the xdptag-stateless row), paired within a round.
	 */
	vstateless = !!getenv("XT_VARIANTS_STATELESS");
	for (k = 0; k < nrows; k++) {
		int xk;

		if (rows[k].kind != PK_VARIANT)
			continue;
		for (xk = 0; xk < nrows; xk++)
			if (rows[xk].kind == PK_XDPTAG &&
			    rows[xk].stateless == vstateless &&
			    !rows[xk].rules && rows[xk].set == rows[k].set)
				break;
		if (xk == nrows)
			continue;
		for (i = 0; i < NPKT; i++)
			printf("variant %-19s %-14s vs-%s %6.2f\n",
			       rows[k].name, mix_names[i],
			       vstateless ? "stateless" : "xdptag",
			       paired_ns(t, rounds, n, k, xk, i));
	}
	for (k = 0; k < nrows; k++)
		for (j = 0; j < loads; j++) {
			if (rows[k].skels[j])
				xdptag__destroy(rows[k].skels[j]);
			bpf_object__close(rows[k].objs[j]);
		}
	free(t);
	return 0;
}

/* --------------------------------------------------------------- tc --- */

/*
 * Set a 4-byte rodata variable of an opened object, found by name in its
 * BTF (a variant build opened from its file has no skeleton to do it).
 */
static int rodata_set_u32(struct bpf_object *o, const char *var, __u32 val)
{
	struct bpf_map *m = bpf_object__find_map_by_name(o, ".rodata");
	struct btf *btf = bpf_object__btf(o);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	const void *init = NULL;
	size_t size = 0;
	int id, i, err;
	char *data;

	if (m)
		init = bpf_map__initial_value(m, &size);
	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!init || id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *t = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, t->name_off), var))
			continue;
		if (vs->size != sizeof(val) || vs->offset + sizeof(val) > size)
			return -EINVAL;
		data = malloc(size);
		if (!data)
			return -ENOMEM;
		memcpy(data, init, size);
		memcpy(data + vs->offset, &val, sizeof(val));
		err = bpf_map__set_initial_value(m, data, size);
		free(data);
		return err;
	}
	return -ENOENT;
}

/*
 * The tc tier's programs: a null TC program; the TC stage in the meta
 * bridge mode (no tag in a test run: counted, left alone); the TC stage
 * in the tc bridge mode (parsed, classified, marked: what a driver
 * without metadata gets), shipped and each build in XT_TC_VARIANTS.
 */
struct tc_row {
	char name[48];
	char path[512];
	__u32 bridge;		/* enum xt_bridge; the null row: unused */
	int fd;
	struct bpf_object *obj;
};

#define TC_MAXROWS	12

/* The verifier's summary of the load: its "processed" line. */
static char tc_vlog[1 << 16];

static void tc_row_load(struct tc_row *w)
{
	struct xt_rule_maps m;
	struct bench_rules b;
	struct bpf_program *p;
	char *line;

	w->obj = bpf_object__open_file(w->path, NULL);
	if (!w->obj || rodata_set_u32(w->obj, "cfg_bridge", w->bridge)) {
		pr_err("cannot open %s with cfg_bridge %u", w->path, w->bridge);
		exit(1);
	}
	p = bpf_object__next_program(w->obj, NULL);
	tc_vlog[0] = 0;
	bpf_program__set_log_buf(p, tc_vlog, sizeof(tc_vlog));
	bpf_program__set_log_level(p, 4);	/* the statistics only */
	if (bpf_object__load(w->obj)) {
		pr_err("cannot load %s: %s", w->path, strerror(errno));
		exit(1);
	}
	line = strstr(tc_vlog, "processed");
	if (line)
		printf("# %-22s verifier: %.*s\n", w->name,
		       (int)strcspn(line, "\n"), line);
	m = xt_rule_maps_of(w->obj);
	if (rules_make(&b, NULL, 0, 0) || ruleset_put(&m, &b, 0, 0)) {
		pr_err("%s: cannot install the bench ruleset", w->path);
		exit(1);
	}
	if (!b.from_file)
		for (size_t i = 0; i < b.n; i++)
			xt_rule_free(&b.r[i]);
	w->fd = bpf_program__fd(p);
}

static int tc_rows(struct tc_row *rows)
{
	char *vs = getenv("XT_TC_VARIANTS"), *save = NULL, *v;
	int n = 0;

	rows[n] = (struct tc_row){ .name = "null" };
	snprintf(rows[n++].path, sizeof(rows->path), "%s/bench/bpf/null_tc.bpf.o",
		 build_dir());
	rows[n] = (struct tc_row){ .name = "xdptag_tc-meta",
				   .bridge = XT_BRIDGE_META };
	snprintf(rows[n++].path, sizeof(rows->path), "%s/xdptag_tc.bpf.o",
		 build_dir());
	rows[n] = (struct tc_row){ .name = "xdptag_tc",
				   .bridge = XT_BRIDGE_TC };
	snprintf(rows[n++].path, sizeof(rows->path), "%s/xdptag_tc.bpf.o",
		 build_dir());
	vs = strdup(vs ? vs : "");
	for (v = strtok_r(vs, " ", &save); v; v = strtok_r(NULL, " ", &save)) {
		rows_fit(n + 1, TC_MAXROWS, "XT_TC_VARIANTS");
		rows[n] = (struct tc_row){ .bridge = XT_BRIDGE_TC };
		snprintf(rows[n].name, sizeof(rows->name), "xdptag_tc-%s", v);
		snprintf(rows[n++].path, sizeof(rows->path),
			 "%s/bench/bpf/xdptag_tc-%s.bpf.o", build_dir(), v);
	}
	free(vs);
	return n;
}

/*
 * One test run of w on p from mark 0: every row passes the frame (the
 * bench ruleset drops nothing); a tc-mode row must classify it once
 * (xt_tc_stats.classified), and every tc-mode row must give it the mark
 * the first gave (the variants classify as the shipped build does).
 */
static void tc_check(const struct tc_row *w, const struct pkt *p,
		     const char *what, __u32 *mark)
{
	struct __sk_buff ctx = {};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b,
		    .data_size_in = p->len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &ctx,
		    .ctx_size_out = sizeof(ctx), .repeat = 1);
	struct xt_tc_stats s0 = {}, s1 = {};
	int fd = w->obj && w->bridge == XT_BRIDGE_TC ?
		 bpf_object__find_map_fd_by_name(w->obj, "xt_tc_stats") : -1;

	if (fd >= 0 && xt_percpu_read(fd, sizeof(s0), &s0)) {
		pr_err("%s: cannot read xt_tc_stats", w->name);
		exit(1);
	}
	if (bpf_prog_test_run_opts(w->fd, &o) || (int)o.retval != TC_ACT_UNSPEC) {
		pr_err("%s on %s: %s, returned %d", w->name, what,
		       strerror(errno), (int)o.retval);
		exit(1);
	}
	if (fd < 0)
		return;
	if (xt_percpu_read(fd, sizeof(s1), &s1) ||
	    s1.classified != s0.classified + 1) {
		pr_err("%s on %s: not classified", w->name, what);
		exit(1);
	}
	if (*mark == ~0U)
		*mark = ctx.mark;
	if (ctx.mark != *mark) {
		pr_err("%s on %s: mark 0x%x, the shipped build's 0x%x",
		       w->name, what, ctx.mark, *mark);
		exit(1);
	}
	printf("# %-22s %-14s mark 0x%x\n", w->name, what, ctx.mark);
}

/*
 * xt_bench tc [ROUNDS [REPEAT]]: the mix through the TC rows (tc_rows()),
 * interleaved, pinned to CPU 0; per frame and for the mix the median ns
 * and ratio to null (paired within a round), and each variant's ns less
 * the shipped build's in the tc mode.
 */
static int cmd_tc(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 11;
	int repeat = argc > 2 ? atoi(argv[2]) : 1000000;
	struct tc_row rows[TC_MAXROWS];
	__u32 mark[NPKT];
	int nrows, i, k, r, n, fds[TC_MAXROWS];
	struct pkt mix[NPKT];
	double *t;

	pin_cpu0();
	pkt_mix(mix);
	nrows = tc_rows(rows);
	for (i = 0; i < NPKT; i++)
		mark[i] = ~0U;
	for (k = 0; k < nrows; k++) {
		if (k)
			tc_row_load(&rows[k]);
		else
			rows[k].fd = prog_fd_from("null_tc", &rows[k].obj);
		for (i = 0; i < NPKT; i++)
			tc_check(&rows[k], &mix[i], mix_names[i], &mark[i]);
	}

	n = nrows * NPKT;
	for (k = 0; k < nrows; k++)
		fds[k] = rows[k].fd;
	t = mix_rounds(fds, nrows, mix, rounds, repeat, 0, "tc");

	/* Frame NPKT is the mix: the mean of the six, per round. */
	for (k = 0; k < nrows; k++)
		for (i = 0; i <= NPKT; i++) {
			double x[rounds], nul[rounds], vn[rounds];

			frame_ns(t, rounds, n, k, i, x);
			frame_ns(t, rounds, n, 0, i, nul);	/* null: row 0 */
			for (r = 0; r < rounds; r++)
				vn[r] = x[r] / nul[r];
			printf("tc %-22s %-14s ns %6.2f null %6.2f vs-null %5.2f\n",
			       rows[k].name, i < NPKT ? mix_names[i] : "mix",
			       median(x, rounds), median(nul, rounds),
			       median(vn, rounds));
		}
	/* Row 2 is the shipped build in the tc mode; the variants follow. */
	for (k = 3; k < nrows; k++)
		for (i = 0; i < NPKT; i++)
			printf("variant %-22s %-14s vs-xdptag_tc %6.2f\n",
			       rows[k].name, mix_names[i],
			       paired_ns(t, rounds, n, k, 2, i));
	for (k = 0; k < nrows; k++)
		bpf_object__close(rows[k].obj);
	free(t);
	return 0;
}

/* ----------------------------------------------------------- attach --- */

/*
 * MODE:generic attaches in generic (skb) mode: strip the suffix, return
 * the attach flags.
 */
static __u32 xdp_mode_flags(char *mode)
{
	char *sfx = mode ? strchr(mode, ':') : NULL;

	if (sfx && !strcmp(sfx, ":generic")) {
		*sfx = '\0';
		return XDP_FLAGS_SKB_MODE;
	}
	return XDP_FLAGS_DRV_MODE;
}

static int cmd_attach(int argc, char **argv)
{
	__u32 xflags = xdp_mode_flags(argc > 2 ? argv[2] : NULL);
	const char *mode = argc > 2 ? argv[2] : "none";
	int nrules = argc > 3 ? atoi(argv[3]) : 0;
	int npfx = argc > 4 ? atoi(argv[4]) : 0;
	int ifindex = argc > 1 ? if_nametoindex(argv[1]) : 0;
	int null_tc = !strcmp(mode, "xdpnulltc");
	int xdp = !strcmp(mode, "xdptag") || !strcmp(mode, "xdponly") ||
		  !strcmp(mode, "drop") || null_tc;
	int with_tc = !strcmp(mode, "xdptag") || !strcmp(mode, "drop") ||
		      null_tc;
	struct bpf_object *ontc = NULL;
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, tco, .handle = 1, .priority = 1);
	struct xdptag_tc *tcs = NULL;
	struct xdptag *skel = NULL;
	struct bpf_object *onull = NULL;
	int fd = -1, sig;
	sigset_t ss;

	if (!ifindex) {
		pr_err("no interface '%s' here", argc > 1 ? argv[1] : "");
		return 2;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);

	if (xdp) {
		skel = xdptag_load(nrules, npfx, !strcmp(mode, "drop"));
		fd = bpf_program__fd(skel->progs.xdptag_xdp);
	} else if (!strcmp(mode, "null") || !strcmp(mode, "nulldrop")) {
		fd = prog_fd_from(mode[4] ? "null_drop" : "null_xdp", &onull);
	} else if (strcmp(mode, "none")) {
		pr_err("unknown mode '%s'", mode);
		return 2;
	}
	if (fd >= 0 && bpf_xdp_attach(ifindex, fd, xflags, NULL)) {
		pr_err("%s XDP attach on %s: %s",
		       xflags == XDP_FLAGS_SKB_MODE ? "generic" : "native",
		       argv[1], strerror(errno));
		return 1;
	}
	if (with_tc) {
		/* xdpnulltc: the TC hook's own cost, to compare in place. */
		if (null_tc)
			tco.prog_fd = prog_fd_from("null_tc", &ontc);
		else
			tcs = xdptag_tc__open_and_load();
		if (tcs)
			tco.prog_fd = bpf_program__fd(tcs->progs.xdptag_tc);
		hook.ifindex = ifindex;
		bpf_tc_hook_create(&hook);	/* EEXIST is fine */
		if ((!tcs && !null_tc) || bpf_tc_attach(&hook, &tco)) {
			pr_err("TC attach on %s: %s", argv[1], strerror(errno));
			bpf_xdp_detach(ifindex, xflags, NULL);
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&ss, &sig);

	if (skel) {
		struct xt_cls_stats s = {};

		xt_cls_stats_read(bpf_map__fd(skel->maps.xt_cls_stats), &s);
		printf("xdp_pass %llu xdp_drop %llu xdp_tagged %llu\n",
		       (unsigned long long)s.action[XDP_PASS],
		       (unsigned long long)s.action[XDP_DROP],
		       (unsigned long long)s.tagged);
	}
	if (null_tc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		bpf_object__close(ontc);
	}
	if (tcs) {
		struct xt_tc_stats *s;
		int ncpu = libbpf_num_possible_cpus();
		__u64 valid = 0, marked = 0, zero = 0;

		s = calloc(ncpu, sizeof(*s));
		bpf_map_lookup_elem(bpf_map__fd(tcs->maps.xt_tc_stats),
				    &zero, s);
		for (int c = 0; c < ncpu; c++) {
			valid += s[c].valid;
			marked += s[c].marked;
		}
		printf("tc_valid %llu tc_marked %llu\n",
		       (unsigned long long)valid, (unsigned long long)marked);
		free(s);
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		xdptag_tc__destroy(tcs);
	}
	if (fd >= 0)
		bpf_xdp_detach(ifindex, xflags, NULL);
	if (skel)
		xdptag__destroy(skel);
	bpf_object__close(onull);
	return 0;
}

/* -------------------------------------------------------------- gen --- */

/* sum_exec_runtime in ns from a schedstat file, or 0. */
static unsigned long long schedstat_ns(const char *path)
{
	unsigned long long ns = 0;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%llu", &ns) != 1)
			ns = 0;
		fclose(f);
	}
	return ns;
}

static int ksoftirqd_pid(int cpu)
{
	char want[32], comm[64], path[300];
	struct dirent *d;
	DIR *dir = opendir("/proc");
	int pid = -1;

	snprintf(want, sizeof(want), "ksoftirqd/%d\n", cpu);
	while (dir && (d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strcmp(comm, want))
			pid = atoi(d->d_name);
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return pid;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Frames per live-frames batch.  256, the kernel's most, measured no
 * cheaper per frame than 64 (null-drop, 15 runs each: 134 against 133 ns).
 */
#define GEN_XDP_BATCH	64

/* Live XDP frames, sent by XDP_TX from the sending veth. */
static int gen_xdp(int fd, int ifindex, const struct pkt *p, double end,
		   int batch, unsigned long long *sent)
{
	do {
		struct xdp_md ctx = { .data_end = p->len,
				      .ingress_ifindex = ifindex };
		LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = p->b,
			    .data_size_in = p->len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1 << 16,
			    .batch_size = batch,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(fd, &ro)) {
			pr_err("live frames: %s", strerror(errno));
			return 1;
		}
		*sent += 1 << 16;
	} while (mono() < end);
	return 0;
}

/*
 * A raw AF_PACKET socket bound to the sending veth, qdisc bypassed: each
 * frame is a real skb handed to veth_xmit, as socket-sent traffic is, with
 * no IP stack on the sending side to add its own cost.
 */
static int gen_skb_socket(int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = ifindex };
	int one = 1, fd;

	/* Protocol 0: the socket sends only, it never gets a copy back. */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
		       sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		pr_err("AF_PACKET socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

#define GEN_BATCH	64

static int gen_skb(int fd, const struct pkt *p, double end,
		   unsigned long long *sent, unsigned long long *full)
{
	struct iovec iov = { .iov_base = (void *)p->b, .iov_len = p->len };
	struct mmsghdr m[GEN_BATCH];
	int i, n;

	memset(m, 0, sizeof(m));
	for (i = 0; i < GEN_BATCH; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	do {
		n = sendmmsg(fd, m, GEN_BATCH, 0);
		if (n > 0) {
			*sent += n;
		} else if (errno == ENOBUFS || errno == EAGAIN) {
			/* The peer's ring was full: that frame is lost. */
			(*full)++;
		} else {
			pr_err("sendmmsg: %s", strerror(errno));
			return 1;
		}
	} while (mono() < end);
	return 0;
}

/*
 * The kernel has no IRQ time accounting here (CONFIG_IRQ_TIME_ACCOUNTING
 * off), so softirq work is charged to whichever task it interrupted: the
 * receiver's NAPI (or, for skbs without NAPI, the backlog) runs either in
 * this thread (on local_bh_enable after the transmit) or in ksoftirqd of
 * this CPU.  Their sum is the whole cost.
 */
static int cmd_gen(int argc, char **argv)
{
	int ifindex = argc > 1 ? if_nametoindex(argv[1]) : 0;
	double secs = argc > 2 ? atof(argv[2]) : 1;
	int cpu_id = argc > 3 ? atoi(argv[3]) : 0;
	const char *src = argc > 4 ? argv[4] : "xdp";
	int batch = argc > 5 ? atoi(argv[5]) : GEN_XDP_BATCH;
	const char *to = argc > 6 ? argv[6] : "host";
	int skb = !strcmp(src, "skb");
	unsigned long long s0, s1, k0, k1;
	unsigned long long sent = 0, full = 0;
	struct bpf_object *o = NULL;
	char kpath[64];
	struct pkt p;
	cpu_set_t cpu;
	int fd, kpid, err;

	if (!ifindex) {
		pr_err("no interface '%s' here", argc > 1 ? argv[1] : "");
		return 2;
	}
	if (!skb && strcmp(src, "xdp")) {
		pr_err("unknown traffic source '%s' (xdp or skb)", src);
		return 2;
	}
	if (batch < 1 || batch > 256) {
		pr_err("batch size '%s' not in 1-256", argv[5]);
		return 2;
	}
	if (strcmp(to, "host") && strcmp(to, "other")) {
		pr_err("unknown destination '%s' (host or other)", to);
		return 2;
	}
	CPU_ZERO(&cpu);
	CPU_SET(cpu_id, &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu)) {
		pr_err("cannot pin to CPU %d: %s", cpu_id, strerror(errno));
		return 1;
	}
	fd = skb ? gen_skb_socket(ifindex) : prog_fd_from("gen_tx", &o);
	if (fd < 0)
		return 1;
	pkt_bench(&p);
	/* Another host's frame: the stack drops it first thing (OTHERHOST). */
	if (!strcmp(to, "other"))
		p.b[5] = 3;
	kpid = ksoftirqd_pid(cpu_id);
	snprintf(kpath, sizeof(kpath), "/proc/%d/schedstat", kpid);

	s0 = schedstat_ns("/proc/thread-self/schedstat");
	k0 = schedstat_ns(kpath);
	if (skb)
		err = gen_skb(fd, &p, mono() + secs, &sent, &full);
	else
		err = gen_xdp(fd, ifindex, &p, mono() + secs, batch, &sent);
	s1 = schedstat_ns("/proc/thread-self/schedstat");
	k1 = schedstat_ns(kpath);
	if (skb)
		close(fd);
	bpf_object__close(o);
	if (err)
		return 1;
	printf("gen_sent %llu gen_full %llu gen_cpu_ns %llu ksoftirqd_ns %llu\n",
	       sent, full, s1 - s0, k1 - k0);
	return 0;
}

/* -------------------------------------------------------------- gro --- */

static int cmd_gro(int argc, char **argv)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_SGRO, .data = 1 };
	struct ifreq ifr = { .ifr_data = (void *)&ev };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (argc < 2 || fd < 0)
		return 2;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, SIOCETHTOOL, &ifr)) {
		pr_err("GRO on %s: %s", argv[1], strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

/* -------------------------------------------------------------- nft --- */

static void nft_ranges(FILE *f, const char *expr, const struct xt_ranges *rs)
{
	size_t i;

	if (!rs->n)
		return;
	fprintf(f, " %s {", expr);
	for (i = 0; i < rs->n; i++) {
		if (rs->r[i].lo == rs->r[i].hi)
			fprintf(f, "%s %u", i ? "," : "", rs->r[i].lo);
		else
			fprintf(f, "%s %u-%u", i ? "," : "", rs->r[i].lo,
				rs->r[i].hi);
	}
	fprintf(f, " }");
}

static size_t pfx_count(const struct xt_prefixes *ps, int fam)
{
	size_t i, n = 0;

	for (i = 0; i < ps->n; i++)
		n += ps->p[i].family == fam;
	return n;
}

static void nft_set(FILE *f, const char *name, const struct xt_prefixes *ps,
		    int fam)
{
	char buf[64];
	size_t i, k = 0;

	fprintf(f, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n"
		   "\t\tauto-merge\n\t\telements = {", name,
		fam == 4 ? "ipv4_addr" : "ipv6_addr");
	for (i = 0; i < ps->n; i++) {
		if (ps->p[i].family != fam)
			continue;
		fprintf(f, "%s%s", !k ? "\n\t\t\t" : k % 8 ? ", " :
			",\n\t\t\t",
			xt_prefix_str(&ps->p[i], buf, sizeof(buf)));
		k++;
	}
	fprintf(f, " }\n\t}\n");
}

/*
 * One nft rule per (rule, family, TCP-flags alternative).  Written in
 * increasing weight order, so the last to set the mark is the heaviest rule
 * that matched, which is the class the tag carries (ties: the earlier rule,
 * hence the reverse order among equal weights).
 */
static int nft_rule(FILE *f, const struct xt_rule *r, int idx, int fam,
		    int alt)
{
	const char *ip = fam == 4 ? "ip" : "ip6";
	unsigned int icmp_proto = fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int icmp = r->icmp_type.n || r->icmp_code.n;
	uint16_t need = r->feat_set | r->feat_clear;
	uint16_t ok = XT_F_FRAGMENT | XT_F_TCP | XT_F_UDP | XT_F_ICMP |
		      XT_F_ICMPV6 | XT_F_IPV4 | XT_F_IPV6 | XT_F_VLAN;

	if (need & ~ok) {
		if (fam == 4 && !alt)
			fprintf(f, "\t\t# %s: a feature nft cannot test\n",
				r->name);
		return 0;
	}
	if ((r->feat_set & XT_F_IPV4 && fam == 6) ||
	    (r->feat_set & XT_F_IPV6 && fam == 4) ||
	    (r->src.n && !pfx_count(&r->src, fam)) ||
	    (r->dst.n && !pfx_count(&r->dst, fam)))
		return 0;
	/*
	 * An ICMP type or code names the family's ICMP: nft refuses a
	 * protocol set beside it ("conflicting protocols"), so the set only
	 * decides whether this family's rule exists.
	 */
	if (icmp && r->proto.n) {
		size_t i;

		for (i = 0; i < r->proto.n; i++)
			if (r->proto.r[i].lo <= icmp_proto &&
			    icmp_proto <= r->proto.r[i].hi)
				break;
		if (i == r->proto.n)
			return 0;
	}
	fprintf(f, "\t\tmeta protocol %s", fam == 4 ? "ip" : "ip6");
	if (r->vlan.n)
		nft_ranges(f, "vlan id", &r->vlan);
	if (r->src.n)
		fprintf(f, " %s saddr @r%d_src%d", ip, idx, fam);
	if (r->dst.n)
		fprintf(f, " %s daddr @r%d_dst%d", ip, idx, fam);
	if (!icmp)
		nft_ranges(f, fam == 4 ? "ip protocol" : "meta l4proto",
			   &r->proto);
	nft_ranges(f, fam == 4 ? "ip ttl" : "ip6 hoplimit", &r->ttl);
	/* At ingress skb->len no longer counts the Ethernet header. */
	for (size_t i = 0; i < r->len.n; i++)
		fprintf(f, "%s %u-%u%s", i ? "," : " meta length {",
			r->len.r[i].lo > ETH_HLEN ?
			r->len.r[i].lo - ETH_HLEN : 0,
			r->len.r[i].hi > ETH_HLEN ?
			r->len.r[i].hi - ETH_HLEN : 0,
			i + 1 == r->len.n ? " }" : "");
	if (r->feat_set & XT_F_FRAGMENT)
		fprintf(f, fam == 4 ? " ip frag-off & 0x3fff != 0" :
			" exthdr frag exists");
	if (r->feat_clear & XT_F_FRAGMENT)
		fprintf(f, fam == 4 ? " ip frag-off & 0x3fff == 0" :
			" exthdr frag missing");
	if (r->ntcp || r->feat_set & XT_F_TCP)
		fprintf(f, " meta l4proto tcp");
	else if (r->sport.n || r->dport.n || r->feat_set & XT_F_UDP)
		fprintf(f, " meta l4proto %s",
			r->feat_set & XT_F_UDP ? "udp" : "{ tcp, udp }");
	nft_ranges(f, "th sport", &r->sport);
	nft_ranges(f, "th dport", &r->dport);
	if (r->ntcp)
		fprintf(f, " tcp flags & 0x%x == 0x%x", r->tcp[alt].mask,
			r->tcp[alt].value);
	if (icmp) {
		fprintf(f, " meta l4proto %s", fam == 4 ? "icmp" : "icmpv6");
		nft_ranges(f, fam == 4 ? "icmp type" : "icmpv6 type",
			   &r->icmp_type);
		nft_ranges(f, fam == 4 ? "icmp code" : "icmpv6 code",
			   &r->icmp_code);
	}
	fprintf(f, " meta mark set meta mark & 0xffffff00 | 0x%x"
		   " counter comment \"%s\"\n", r->class_id, r->name);
	return 1;
}

static int cmd_nft(int argc, char **argv)
{
	int nrules = argc > 2 ? atoi(argv[2]) : 0;
	int npfx = argc > 3 ? atoi(argv[3]) : 0;
	struct bench_rules b;
	int order[XT_MAX_RULES];
	int i, j, fam, n;

	if (argc < 2) {
		pr_err("usage: xt_bench nft IFNAME [RULES PREFIXES]");
		return 2;
	}
	if (rules_make(&b, NULL, nrules, npfx))
		return 1;
	n = b.n;
	for (i = 0; i < n; i++)
		order[i] = i;
	/* Weight ascending; among equals, later rules first. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0; j--) {
			const struct xt_rule *a = &b.r[order[j - 1]];
			const struct xt_rule *c = &b.r[order[j]];

			if (a->weight < c->weight ||
			    (a->weight == c->weight && order[j - 1] > order[j]))
				break;
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}

	printf("# Generated by xt_bench nft: the bench ruleset in nftables.\n"
	       "table netdev xtbench {\n");
	for (i = 0; i < n; i++)
		for (fam = 4; fam <= 6; fam += 2) {
			char name[32];

			if (pfx_count(&b.r[i].src, fam)) {
				snprintf(name, sizeof(name), "r%d_src%d",
					 i, fam);
				nft_set(stdout, name, &b.r[i].src, fam);
			}
			if (pfx_count(&b.r[i].dst, fam)) {
				snprintf(name, sizeof(name), "r%d_dst%d",
					 i, fam);
				nft_set(stdout, name, &b.r[i].dst, fam);
			}
		}
	printf("\tchain in {\n\t\ttype filter hook ingress device \"%s\""
	       " priority 0; policy accept;\n\t\tcounter comment \"seen\"\n",
	       argv[1]);
	for (i = 0; i < n; i++) {
		const struct xt_rule *r = &b.r[order[i]];

		for (fam = 4; fam <= 6; fam += 2)
			for (j = 0; j < (r->ntcp ? (int)r->ntcp : 1); j++)
				nft_rule(stdout, r, order[i], fam, j);
	}
	printf("\t}\n}\n");
	return 0;
}

/* ------------------------------------------------------------- ids --- */

#define IDS_MAX		4
#define IDS_ROUNDS_MAX	101

static int cmd_ids(int argc, char **argv)
{
	double ns[IDS_MAX][IDS_ROUNDS_MAX], med[IDS_MAX];
	int fd[IDS_MAX], n = argc - 3, rounds, repeat, r, i;
	struct pkt p;

	if (argc < 5 || n > IDS_MAX) {
		pr_err("usage: xt_bench ids ROUNDS REPEAT ID ID... (at most %d)",
		       IDS_MAX);
		return 2;
	}
	rounds = atoi(argv[1]);
	repeat = atoi(argv[2]);
	if (rounds < 1 || rounds > IDS_ROUNDS_MAX || repeat < 1) {
		pr_err("ROUNDS 1-%d, REPEAT > 0", IDS_ROUNDS_MAX);
		return 2;
	}
	for (i = 0; i < n; i++) {
		fd[i] = bpf_prog_get_fd_by_id(atoi(argv[3 + i]));
		if (fd[i] < 0) {
			pr_err("program %s: %s", argv[3 + i], strerror(errno));
			return 1;
		}
	}
	pkt_bench(&p);
	/* Interleaved: a burst of load from elsewhere hits every program. */
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++)
			ns[i][r] = run_ns(fd[i], p.b, p.len, repeat, 1);
	for (i = 0; i < n; i++) {
		med[i] = median(ns[i], rounds);
		printf("prog %s: %.1f ns/packet, ratio %.3f\n", argv[3 + i],
		       med[i], med[i] / med[0]);
	}
	return 0;
}

/* ------------------------------------------------------ dispatcher --- */

/* libxdp 1.3.1's headers/xdp/prog_dispatcher.h, version 2. */
struct disp_config {
	__u8 magic, version, num_progs_enabled, is_xdp_frags;
	__u32 chain_call_actions[10], run_prios[10], program_flags[10];
};
#define DISP_OBJ	XT_PEER_DIR "/xdp-dispatcher.o"
#define DISP_RETVAL	31	/* a stub's return: the slot is empty */

static int cmd_dispatcher(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 11;
	int repeat = argc > 2 ? atoi(argv[2]) : 1000000;
	struct disp_config c = { .magic = 236, .version = 2,
				 .num_progs_enabled = 1 };
	double t[3][IDS_ROUNDS_MAX], null, disp, xt;
	struct bpf_object *on, *od;
	struct bpf_map *m;
	struct xdptag *skel;
	int fd[3], r, i;
	struct pkt p;

	if (rounds < 1 || rounds > IDS_ROUNDS_MAX || repeat < 1) {
		pr_err("ROUNDS 1-%d, REPEAT > 0", IDS_ROUNDS_MAX);
		return 2;
	}
	/* Chain on what xdptag returns, and on an empty slot's return. */
	c.chain_call_actions[0] = 1U << XDP_PASS | 1U << DISP_RETVAL;
	fd[0] = prog_fd_from("null_xdp", &on);
	od = bpf_object__open_file(DISP_OBJ, NULL);
	m = od ? bpf_object__find_map_by_name(od, ".rodata") : NULL;
	if (!m || bpf_map__set_initial_value(m, &c, sizeof(c)) ||
	    bpf_object__load(od)) {
		pr_err("cannot load %s: %s (apt-get install libxdp1)", DISP_OBJ,
		       strerror(errno));
		return 1;
	}
	fd[1] = bpf_program__fd(bpf_object__find_program_by_name(od,
							"xdp_dispatcher"));
	skel = xdptag_load(0, 0, 0);
	fd[2] = bpf_program__fd(skel->progs.xdptag_xdp);
	pkt_bench(&p);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < 3; i++)
			t[i][r] = run_ns(fd[i], p.b, p.len, repeat, 1);
	null = median(t[0], rounds);
	disp = median(t[1], rounds);
	xt = median(t[2], rounds);
	printf("dispatcher null %.2f dispatcher %.2f (+%.2f) xdptag %.2f ns; xdptag in the dispatcher, estimated: ratio %.3f\n",
	       null, disp, disp - null, xt, (xt + disp - null) / xt);
	xdptag__destroy(skel);
	bpf_object__close(od);
	bpf_object__close(on);
	return 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(NULL);
	if (argc > 1 && !strcmp(argv[1], "prog"))
		return cmd_prog(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "peer"))
		return cmd_peer(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "tc"))
		return cmd_tc(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "attach"))
		return cmd_attach(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "gen"))
		return cmd_gen(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "gro"))
		return cmd_gro(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "nft"))
		return cmd_nft(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "ids"))
		return cmd_ids(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "dispatcher"))
		return cmd_dispatcher(argc - 1, argv + 1);
	pr_err("usage: xt_bench {prog|peer|tc|attach|gen|gro|nft|ids|dispatcher} ... (see the source)");
	return 2;
}
