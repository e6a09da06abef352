// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag replay`: every frame of a capture through the very XDP object the
 * datapath attaches (BPF_PROG_TEST_RUN, explain record on), then the TC
 * stage's mark arithmetic from xdptag.h.  Nothing here parses packets: every
 * per-frame field printed comes from the tag or the explain record the
 * program wrote.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
/* pcap/bpf.h redefines struct bpf_insn of linux/bpf.h: only the DLTs. */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/dlt.h>
#include <pcap/pcap.h>
#include "xdptag.h"	/* first: the skeleton's xt_cap is a struct xt_cap */
#include "xdptag.skel.h"
#include "parse.h"	/* the datapath's parser, for frame_route() */
#include "attach.h"	/* xt_mark_check, xt_info_set_names */
#include "cmd.h"
#include "log.h"
#include "pins.h"
#include "replay.h"
#include "replay_live.h"
#include "rules.h"
#include "rules_file.h"
#include "ruleset_load.h"
#include "json.h"
#include "stats.h"

/*
 * Replay's program is xdp.frags, as attach loads it on a jumbo-frame
 * interface: of a frame longer than a page the test run puts the first
 * page less head- and tailroom (4096 - 256 - 320 = 3520 bytes on x86-64) in
 * the linear part, where the parser reads the headers, and the rest in
 * fragments, whose length the program reads with the frame's.  A frame the
 * run refuses as too long (ENOMEM/E2BIG: more than that page plus
 * MAX_SKB_FRAGS fragment pages, about 70 KB, which only a capture above
 * GRO or before GSO holds) is run on its linear part alone: its headers
 * are all the program can read of it in any case.
 */
#define XT_RUN_CUT	3520

/* Room for what a test run copies back of the largest frame it accepts. */
#define XT_RUN_OUT_MAX	(XDPTAG_TAG_LEN + (1 << 17))
/* Frames up to this length fit in the linear part on any kernel. */
#define XT_RUN_LINEAR	2048

/*
 * The test run alone: verdict and tag, not the explain record.  Neither
 * ctx_in nor ctx_out: without them the run starts with an empty metadata
 * area and copies no context back.  For a frame in one page, data_out is
 * only as long as a tag: the kernel copies that much, fails the call with
 * ENOSPC after the program ran, and reports the whole output size,
 * metadata plus frame, in data_size_out; the metadata length is that minus
 * the input length.  Copying the frame back cost a tenth of replay's time.
 * A frame that may get fragments (above XT_RUN_LINEAR) needs room for all
 * of them (the kernel gives up before writing the verdict when they do not
 * fit), so it gets a buffer for the largest frame the run accepts.
 */
static int xdp_run_tag(int prog_fd, const void *pkt, __u32 len, int repeat,
		       struct xt_run_result *r)
{
	/* Static: 128 KB is too much for a stack. */
	static unsigned char big[XT_RUN_OUT_MAX];
	struct xdptag_tag small;
	void *out = len > XT_RUN_LINEAR ? (void *)big : (void *)&small;
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt, .data_size_in = len,
		.data_out = out,
		.data_size_out = len > XT_RUN_LINEAR ? sizeof(big) : sizeof(small),
		.repeat = repeat);

	r->err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (r->err)
		r->err = errno == ENOSPC && out == &small ? 0 : -errno;
	r->action = opts.retval;
	r->tagged = 0;
	if (!r->err && opts.data_size_out == len + XDPTAG_TAG_LEN) {
		memcpy(&r->tag, out, sizeof(r->tag));
		r->tagged = 1;
	}
	return r->err;
}

int xt_xdp_run(struct xdptag *skel, const void *pkt, __u32 len, int repeat,
	       struct xt_run_result *r)
{
	__u32 zero = 0;

	memset(r, 0, sizeof(*r));
	xdp_run_tag(bpf_program__fd(skel->progs.xdptag_xdp), pkt, len, repeat,
		    r);
	bpf_map_lookup_elem(bpf_map__fd(skel->maps.xt_explain), &zero, &r->ex);
	return r->err;
}

struct xdptag *xt_xdp_open_explain(int no_meta, int clock_user,
				   __u32 state_sources, int frags)
{
	struct xdptag *skel = xdptag__open();
	struct bpf_map *ex;

	if (!skel)
		return NULL;
	if (state_sources &&
	    xt_state_table_size(skel->maps.xt_state, state_sources)) {
		xdptag__destroy(skel);
		return NULL;
	}
	skel->rodata->cfg_xdp.explain = 1;
	skel->rodata->cfg_xdp.no_meta = no_meta;
	skel->rodata->cfg_xdp.clock_user = clock_user;
	if (frags)
		xt_xdp_frags_set(skel);
	/*
	 * Mappable, so that replay reads the record from memory instead of
	 * paying a lookup syscall per frame; the program does not change.
	 */
	ex = skel->maps.xt_explain;
	bpf_map__set_map_flags(ex, bpf_map__map_flags(ex) | BPF_F_MMAPABLE);
	if (xdptag__load(skel)) {
		xdptag__destroy(skel);
		return NULL;
	}
	return skel;
}

/* Why a frame did not go through the program. */
enum skip_reason {
	SKIP_LINKTYPE,		/* not Ethernet */
	SKIP_EMPTY,		/* zero captured bytes */
	SKIP_SHORT,		/* shorter than an Ethernet header: refused */
	SKIP_ERROR,		/* the test run failed otherwise */
	SKIP_NR,
};

static const char *const skip_names[SKIP_NR] = {
	"link_type", "empty", "short", "error",
};

/* Frames of one kind: how many, and the first one's number (0: none). */
struct frame_tally {
	unsigned long long n, first;
};

static void tally_add(struct frame_tally *t, unsigned long long frame)
{
	if (!t->n++)
		t->first = frame;
}

/* Runners' frames interleave: the first is the least of their firsts. */
static void tally_sum(struct frame_tally *t, const struct frame_tally *a)
{
	if (a->n && (!t->n || a->first < t->first))
		t->first = a->first;
	t->n += a->n;
}

struct replay_sum {
	unsigned long long read, run, tagged, malformed, dropped, skipped;
	unsigned long long cut;	/* run on their leading XT_RUN_CUT bytes */
	struct frame_tally snapped;	/* cut by the snaplen: run as captured */
	struct frame_tally live_cut;	/* run and sent on XT_LIVE_MAX bytes */
	unsigned long long skip[SKIP_NR];
	int last_err;		/* errno of the last SKIP_ERROR */
	bool truncated;		/* the capture ended mid-record */
};

/*
 * One frame's JSON line is built in memory (a bounded writer, json.h) and
 * written at once: at a few hundred thousand frames a second, a dozen
 * fprintf calls per frame cost more than the test run itself.  Keys are
 * copied with their length known at compile time, and the class and rule
 * names are escaped once, up front (struct jnames), not per frame.
 */

/* A name as a JSON string, quotes included, built once. */
struct jname {
	char *s;
	size_t n;
};

struct jnames {
	struct jname class[XT_MAX_CLASSES];
	struct jname rule[XT_MAX_RULES];
	struct jname feature[16];
	struct jname action[XT_XDP_ACTIONS];
};

static int jname_set(struct jname *n, const char *s)
{
	struct xt_json j;

	xt_json_init(&j, NULL);
	xt_json_str(&j, s);
	n->s = malloc(j.n);
	if (!n->s)
		return -ENOMEM;
	memcpy(n->s, j.b, j.n);
	n->n = j.n;
	return 0;
}

static const char *class_name(const struct xt_rules_file *rf, unsigned int id)
{
	const char *n = xt_class_name(rf, id);

	if (n)
		return n;
	return id ? NULL : "unclassified";
}

static void jnames_free(struct jnames *jn)
{
	size_t i;

	if (!jn)
		return;
	for (i = 0; i < sizeof(*jn) / sizeof(struct jname); i++)
		free(((struct jname *)jn)[i].s);
	free(jn);
}

/* The class name, or its number as a string if the file names none. */
static struct jnames *jnames_new(const struct xt_rules_file *rf)
{
	struct jnames *jn = calloc(1, sizeof(*jn));
	char num[8];
	unsigned int i;
	int err = !jn;

	for (i = 0; !err && i < XT_MAX_CLASSES; i++) {
		const char *cn = class_name(rf, i);

		snprintf(num, sizeof(num), "%u", i);
		err = jname_set(&jn->class[i], cn ? cn : num);
	}
	for (i = 0; !err && i < rf->nrules && i < XT_MAX_RULES; i++)
		err = jname_set(&jn->rule[i], rf->rules[i].name);
	for (i = 0; !err && xt_feature_names[i] && i < 16; i++)
		err = jname_set(&jn->feature[i], xt_feature_names[i]);
	for (i = 0; !err && i < XT_XDP_ACTIONS; i++)
		err = jname_set(&jn->action[i], xt_action_names[i]);
	if (err) {
		jnames_free(jn);
		return NULL;
	}
	return jn;
}

static void jl_name(struct xt_json *j, const struct jname *n)
{
	xt_json_raw(j, n->s, n->n);
}

/* A bit set as a JSON array of the names of its bits. */
static void jl_bits(struct xt_json *j, __u64 bits, const struct jname *names,
		    unsigned int nnames)
{
	xt_json_arr_open(j);
	while (bits) {
		unsigned int i = __builtin_ctzll(bits);

		bits &= bits - 1;
		if (i >= nnames || !names[i].s)
			continue;
		jl_name(j, &names[i]);
	}
	xt_json_arr_close(j);
}

static const char *l3_name(__u16 eth_proto)
{
	switch (eth_proto) {
	case ETH_P_IP:
		return "\"ipv4\"";
	case ETH_P_IPV6:
		return "\"ipv6\"";
	case ETH_P_ARP:
		return "\"arp\"";
	}
	return "\"other\"";
}

static const char *const l4_names[] = {
	[XT_L4_NONE] = "\"none\"", [XT_L4_TCP] = "\"tcp\"",
	[XT_L4_UDP] = "\"udp\"", [XT_L4_ICMP] = "\"icmp\"",
	[XT_L4_ICMPV6] = "\"icmpv6\"", [XT_L4_OTHER] = "\"other\"",
};

/* A literal JSON value ("\"tcp\"", "true"). */
static void jl_cstr(struct xt_json *j, const char *s)
{
	xt_json_raw(j, s, strlen(s));
}

/* How far a frame got: the state summary counts the last two. */
enum frame_ran { FRAME_SKIPPED, FRAME_STAMPED, FRAME_RAN };

/* What replay knows of a frame besides the program's record. */
struct frame_info {
	unsigned long long n;	/* frame number, from 1 */
	unsigned char ran;	/* enum frame_ran */
	__u32 len;		/* captured length */
	__u32 wire_len;		/* length on the wire, as the record says */
	bool cut;		/* run on its leading XT_RUN_CUT bytes */
	bool snapped;		/* cut by the capture's snaplen */
	bool live_cut;		/* run and sent live on XT_LIVE_MAX bytes */
};

/*
 * One JSON object per frame, from the explain record the program wrote on
 * every verdict (a dropped frame carries no tag, but was parsed and scored
 * all the same).  The mark is null for a dropped frame: it never reaches
 * TC.
 */
static bool live_agrees(const struct xt_run_result *r,
			const struct xt_live_result *lr,
			const struct xt_settings *s);
static void live_json(struct xt_json *j, const struct xt_run_result *r,
		      const struct xt_live_result *lr,
		      const struct jnames *jn, const struct xt_settings *s);

static void frame_json(struct xt_json *j, const struct frame_info *fi,
		       const struct xt_run_result *r,
		       const struct xt_live_result *lr,
		       const struct jnames *jn, const struct xt_settings *s)
{
	const struct xt_explain *e = &r->ex;
	const struct xdptag_tag view = {
		.score = e->score, .class_id = e->class_id,
	};
	__u16 feat = e->features;
	bool ports;

	xt_json_init(j, NULL);
	xt_json_obj_open(j);
	xt_json_kv_u64(j, "frame", fi->n);
	xt_json_kv_u64(j, "len", fi->len);
	xt_json_kv_u64(j, "seen_len", e->len);
	xt_json_kv_bool(j, "truncated_for_run", fi->cut);
	xt_json_kv_u64(j, "wire_len", fi->wire_len);
	xt_json_kv_bool(j, "cut_by_snaplen", fi->snapped);
	xt_json_key_lit(j, "verdict");
	if (r->action < XT_XDP_ACTIONS) {
		jl_name(j, &jn->action[r->action]);
	} else {
		char num[16];

		snprintf(num, sizeof(num), "%u", r->action);
		xt_json_str(j, num);
	}
	xt_json_kv_bool(j, "tagged", r->tagged);
	xt_json_kv_u64(j, "score", e->score);
	xt_json_key_lit(j, "class");
	jl_name(j, &jn->class[e->class_id]);
	xt_json_key_lit(j, "rules");
	jl_bits(j, e->rules, jn->rule, XT_MAX_RULES);
	xt_json_key_lit(j, "mark");
	if (r->action == XDP_DROP)
		xt_json_null(j);
	else
		xt_json_u64(j, xt_mark_apply(0, xt_mark_value(&view,
							      s->mark_value),
					     s->mark_mask, s->mark_shift));
	xt_json_key_lit(j, "features");
	jl_bits(j, feat, jn->feature, 16);
	xt_json_kv_u64(j, "vlans", e->vlans);
	xt_json_key_lit(j, "l3");
	jl_cstr(j, l3_name(e->eth_proto));
	xt_json_key_lit(j, "ip_proto");
	if (e->l3_ok)
		xt_json_u64(j, e->ip_proto);
	else
		xt_json_null(j);
	xt_json_key_lit(j, "l4");
	jl_cstr(j, e->l4 < sizeof(l4_names) / sizeof(l4_names[0]) ?
		   l4_names[e->l4] : "\"other\"");
	ports = e->l4_ok && (e->l4 == XT_L4_TCP || e->l4 == XT_L4_UDP);
	xt_json_key_lit(j, "sport");
	if (ports)
		xt_json_u64(j, e->sport);
	else
		xt_json_null(j);
	xt_json_key_lit(j, "dport");
	if (ports)
		xt_json_u64(j, e->dport);
	else
		xt_json_null(j);
	xt_json_key_lit(j, "tcp_flags");
	if (ports && e->l4 == XT_L4_TCP)
		xt_json_u64(j, e->tcp_flags);
	else
		xt_json_null(j);
	xt_json_kv_bool(j, "fragment", feat & XT_F_FRAGMENT);
	xt_json_kv_bool(j, "malformed", feat & XT_F_MALFORMED);
	if (lr)
		live_json(j, r, lr, jn, s);
	xt_json_obj_close(j);
	xt_json_lit(j, "\n");
}

/* ------------------------------------------------------------- live --- */

static __u32 mark_of(__u8 score, __u8 class_id, const struct xt_settings *s)
{
	const struct xdptag_tag t = { .score = score, .class_id = class_id };

	return xt_mark_apply(0, xt_mark_value(&t, s->mark_value),
			     s->mark_mask, s->mark_shift);
}

/* Why a live frame did not make it through, or NULL. */
static const char *live_why(const struct xt_live_result *lr, char *buf,
			    size_t len)
{
	if (!lr->injected) {
		snprintf(buf, len, "not injected: %s", strerror(-lr->err));
		return buf;
	}
	if (!lr->at_xdp && lr->over_mtu)
		return "longer than the veth's MTU allows: dropped before XDP";
	if (!lr->at_xdp)
		return "not seen at XDP (lost before the XDP stage)";
	if (lr->xdp.action == XDP_DROP)
		return "dropped at XDP: score at or above the drop threshold";
	if (lr->xdp.action != XDP_PASS)
		return "XDP verdict other than pass";
	if (!lr->at_tc)
		return "passed XDP, not seen at TC";
	return NULL;
}

/* Live verdict and mark equal to the test run's prediction. */
static bool live_agrees(const struct xt_run_result *r,
			const struct xt_live_result *lr,
			const struct xt_settings *s)
{
	if (!lr->at_xdp || lr->xdp.action != r->action ||
	    lr->xdp.score != r->ex.score || lr->xdp.class_id != r->ex.class_id ||
	    lr->xdp.rules != r->ex.rules)
		return false;
	if (r->action == XDP_DROP)
		return !lr->at_tc;
	return lr->at_tc && lr->tc.tagged &&
	       lr->tc.mark == mark_of(r->ex.score, r->ex.class_id, s);
}

static void live_json(struct xt_json *j, const struct xt_run_result *r,
		      const struct xt_live_result *lr,
		      const struct jnames *jn, const struct xt_settings *s)
{
	char buf[96];
	const char *why = live_why(lr, buf, sizeof(buf));

	xt_json_key_lit(j, "live");
	xt_json_obj_open(j);
	xt_json_kv_bool(j, "injected", lr->injected);
	xt_json_kv_u64(j, "sent_len", lr->sent_len);
	xt_json_kv_bool(j, "at_xdp", lr->at_xdp);
	if (lr->at_xdp) {
		xt_json_key_lit(j, "verdict");
		if (lr->xdp.action < XT_XDP_ACTIONS)
			jl_name(j, &jn->action[lr->xdp.action]);
		else
			xt_json_str(j, "?");
		xt_json_kv_u64(j, "score", lr->xdp.score);
		xt_json_key_lit(j, "class");
		jl_name(j, &jn->class[lr->xdp.class_id]);
		xt_json_key_lit(j, "rules");
		jl_bits(j, lr->xdp.rules, jn->rule, XT_MAX_RULES);
	}
	xt_json_kv_bool(j, "at_tc", lr->at_tc);
	xt_json_kv_bool(j, "tc_tagged", lr->at_tc && lr->tc.tagged);
	xt_json_key_lit(j, "mark");
	if (lr->at_tc)
		xt_json_u64(j, lr->tc.mark);
	else
		xt_json_null(j);
	xt_json_key_lit(j, "why");
	if (why)
		xt_json_str(j, why);
	else
		xt_json_null(j);
	xt_json_kv_bool(j, "agrees", live_agrees(r, lr, s));
	xt_json_obj_close(j);
}

/*
 * Per-source state (rate and fan-out rules, docs/rules.md) during replay.
 * Its windows must follow the capture's time, not the wall clock, and its
 * counts must build up frame after frame in capture order: the object is
 * loaded with the clock_user option (cfg_xdp), each frame's timestamp is
 * written into the runner's mapped clock (skel->data_xt_clock->xt_clock_ns:
 * a store, no syscall) before its run, and every frame of a state set goes
 * to the one runner of that set, in capture order (frame_route()).  A set
 * is all that one source's entry shares with others (its ways, taken over
 * by recency), so each entry sees what it would see on one runner.  What
 * the state did is summed here, by the writing thread in capture order
 * (pool_retire()), or by the one runner.
 */
struct state_sum {
	__u64 stateful;			/* the ruleset's stateful rule bits */
	unsigned long long held[XT_MAX_RULES];	/* frames it held on */
	unsigned long long first[XT_MAX_RULES];	/* first such frame, or 0 */
	unsigned long long backwards;	/* frames stamped before the last */
	unsigned long long first_back;	/* the first of those */
	__u64 last_ts;			/* the latest stamp so far */
};

/* The state table's sets and seed, as installed, for frame_route(). */
struct replay_route {
	struct xt_state_cfg st;
	/* No rule with state can match a frame without a whole IP header:
	 * such frames, whose absent address all share a key, go to any
	 * runner. */
	bool free_no_ip;
};

/*
 * How the frames ran: the runners, and the frames each was handed (their
 * sum is the frames read).  Which runner takes a batch is up to the
 * scheduler; the counts show that the copies ran (tests/pcap).
 */
struct runners {
	int n;
	unsigned long long frames[XT_REPLAY_MAX_JOBS];
};

/*
 * How the frames ran, and what the stateful rules did: per rule the frames
 * it held on and the first of them ("state" is null without such rules).
 */
static void state_json(struct xt_json *j, const struct runners *ru,
		       const struct state_sum *ss, const struct jnames *jn)
{
	int i;

	xt_json_kv_u64(j, "runners", ru->n);
	xt_json_key_lit(j, "runner_frames");
	xt_json_arr_open(j);
	for (i = 0; i < ru->n; i++)
		xt_json_u64(j, ru->frames[i]);
	xt_json_arr_close(j);
	xt_json_key_lit(j, "state");
	if (!ss) {
		xt_json_null(j);
		return;
	}
	xt_json_obj_open(j);
	xt_json_key_lit(j, "clock");
	xt_json_str(j, "capture");
	xt_json_key_lit(j, "rules");
	xt_json_arr_open(j);
	for (i = 0; i < XT_MAX_RULES; i++) {
		if (!(ss->stateful >> i & 1))
			continue;
		xt_json_obj_open(j);
		xt_json_key_lit(j, "rule");
		jl_name(j, &jn->rule[i]);
		xt_json_kv_u64(j, "frames", ss->held[i]);
		xt_json_key_lit(j, "first_frame");
		if (ss->first[i])
			xt_json_u64(j, ss->first[i]);
		else
			xt_json_null(j);
		xt_json_obj_close(j);
	}
	xt_json_arr_close(j);
	xt_json_kv_u64(j, "stamped_backwards", ss->backwards);
	xt_json_obj_close(j);
}

static void state_text(FILE *f, const struct runners *ru,
		       const struct state_sum *ss,
		       const struct xt_rules_file *rf)
{
	int i;

	fprintf(f, "  runners %d (%s), frames by runner:", ru->n,
		ss ? "per-source state: each state set's frames on one runner, in capture order, time from their stamps" :
		     "no rate or fan-out rules: no per-source state");
	for (i = 0; i < ru->n; i++)
		fprintf(f, " %llu", ru->frames[i]);
	fprintf(f, "\n");
	if (!ss)
		return;
	for (i = 0; i < XT_MAX_RULES; i++) {
		if (!(ss->stateful >> i & 1))
			continue;
		fprintf(f, "  state %-24s %12llu frames", rf->rules[i].name,
			ss->held[i]);
		if (ss->first[i])
			fprintf(f, ", first: frame %llu", ss->first[i]);
		fprintf(f, "\n");
	}
	if (ss->backwards)
		fprintf(f, "  stamped before an earlier frame %llu (first: frame %llu), counted in their source's current window\n",
			ss->backwards, ss->first_back);
}

/* Keys and their counts, in order, into the object open at j. */
static void json_fields(struct xt_json *j, const char *const *keys,
			const unsigned long long *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		xt_json_key(j, keys[i]);
		xt_json_u64(j, v[i]);
	}
}

/* A name-to-count object: "skipped_by_reason", "verdicts". */
static void json_counts(struct xt_json *j, const char *const *names,
			const unsigned long long *v, int n)
{
	xt_json_obj_open(j);
	json_fields(j, names, v, n);
	xt_json_obj_close(j);
}

/* A summary line: {"FLAG":true, the keys and counts, what the caller adds. */
static void summary_open(struct xt_json *j, FILE *f, const char *flag,
			 const char *const *keys, const unsigned long long *v,
			 int n)
{
	xt_json_init(j, f);
	xt_json_obj_open(j);
	xt_json_key(j, flag);
	xt_json_bool(j, true);
	json_fields(j, keys, v, n);
}

static void summary_close(struct xt_json *j)
{
	xt_json_obj_close(j);
	xt_json_lit(j, "\n");
	xt_json_flush(j);
}

/* libpcap's name of a link type, as tcpdump prints it: "EN10MB". */
static const char *dlt_name(int dlt, char *buf, size_t len)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	if (n)
		return n;
	snprintf(buf, len, "DLT %d", dlt);
	return buf;
}

/* The summary line's counts, in the order summary_json() gives them. */
static const char *const sum_keys[] = {
	"frames", "run", "tagged", "malformed", "dropped", "truncated_for_run",
	"cut_by_snaplen", "cut_for_live", "skipped",
};

static void summary_json(FILE *f, const struct replay_sum *sum, int dlt,
			 const struct xt_counters *c,
			 const struct runners *ru,
			 const struct state_sum *ss, const struct jnames *jn)
{
	const unsigned long long v[] = {
		sum->read, sum->run, sum->tagged, sum->malformed, sum->dropped,
		sum->cut, sum->snapped.n, sum->live_cut.n, sum->skipped,
	};
	unsigned long long act[XT_XDP_ACTIONS];
	struct xt_json j;
	char name[32];
	int i;

	for (i = 0; i < XT_XDP_ACTIONS; i++)
		act[i] = c->xdp.action[i];
	summary_open(&j, f, "summary", sum_keys, v, sizeof(v) / sizeof(v[0]));
	xt_json_key_lit(&j, "skipped_by_reason");
	json_counts(&j, skip_names, sum->skip, SKIP_NR);
	xt_json_key_lit(&j, "link_type");
	xt_json_str(&j, dlt_name(dlt, name, sizeof(name)));
	xt_json_key_lit(&j, "verdicts");
	json_counts(&j, xt_action_names, act, XT_XDP_ACTIONS);
	xt_json_kv_bool(&j, "truncated", sum->truncated);
	state_json(&j, ru, ss, jn);
	summary_close(&j);
}

static void summary_text(FILE *f, const struct replay_sum *sum, int dlt,
			 const struct runners *ru,
			 const struct state_sum *ss,
			 const struct xt_rules_file *rf)
{
	char name[32];
	int i;

	fprintf(f, "\nreplay: %llu frames read, %llu run, %llu tagged, "
		"%llu malformed, %llu dropped, %llu skipped\n",
		sum->read, sum->run, sum->tagged, sum->malformed, sum->dropped,
		sum->skipped);
	for (i = 0; i < SKIP_NR; i++) {
		if (!sum->skip[i])
			continue;
		fprintf(f, "  skipped %-10s %llu", skip_names[i], sum->skip[i]);
		if (i == SKIP_LINKTYPE)
			fprintf(f, " (link-type %s)",
				dlt_name(dlt, name, sizeof(name)));
		fprintf(f, "\n");
	}
	if (sum->cut)
		fprintf(f, "  run on their first %d bytes (too long for a test run) %llu\n",
			XT_RUN_CUT, sum->cut);
	if (sum->snapped.n)
		fprintf(f, "  cut by the capture's snaplen (ran on their captured bytes) %llu\n",
			sum->snapped.n);
	if (sum->live_cut.n)
		fprintf(f, "  run and sent live on their first %d bytes (longer than live frames take) %llu\n",
			XT_LIVE_MAX, sum->live_cut.n);
	if (sum->truncated)
		fprintf(f, "  capture ends mid-record (truncated file)\n");
	state_text(f, ru, ss, rf);
}

/* What --live saw, over the whole capture. */
struct live_sum {
	unsigned long long injected, at_xdp, at_tc, dropped, lost, agree,
			   disagree;
	struct xt_nft_counter nft[64];
	int nnft;		/* counters read, or -errno */
};

static void live_count(struct live_sum *ls, const struct xt_run_result *r,
		       const struct xt_live_result *lr,
		       const struct xt_settings *s)
{
	ls->injected += lr->injected;
	ls->at_xdp += lr->at_xdp;
	ls->at_tc += lr->at_tc;
	ls->dropped += lr->at_xdp && lr->xdp.action == XDP_DROP;
	ls->lost += lr->injected && (!lr->at_xdp ||
		    (lr->xdp.action == XDP_PASS && !lr->at_tc));
	if (live_agrees(r, lr, s))
		ls->agree++;
	else
		ls->disagree++;
}

/* The live summary line's counts, in live_summary_json()'s order. */
static const char *const live_sum_keys[] = {
	"injected", "at_xdp", "at_tc", "dropped_at_xdp", "lost", "agree",
	"disagree",
};

static void live_summary_json(FILE *f, const struct live_sum *ls)
{
	const unsigned long long v[] = {
		ls->injected, ls->at_xdp, ls->at_tc, ls->dropped, ls->lost,
		ls->agree, ls->disagree,
	};
	struct xt_json j;
	int i;

	summary_open(&j, f, "live_summary", live_sum_keys, v,
		     sizeof(v) / sizeof(v[0]));
	xt_json_key_lit(&j, "nft_counters");
	xt_json_arr_open(&j);
	for (i = 0; i < ls->nnft; i++) {
		xt_json_obj_open(&j);
		xt_json_key_lit(&j, "name");
		xt_json_str(&j, ls->nft[i].name);
		xt_json_kv_u64(&j, "packets", ls->nft[i].packets);
		xt_json_kv_u64(&j, "bytes", ls->nft[i].bytes);
		xt_json_obj_close(&j);
	}
	xt_json_arr_close(&j);
	summary_close(&j);
}

static void live_summary_text(FILE *f, const struct live_sum *ls)
{
	int i;

	fprintf(f, "\nreplay --live: %llu injected, %llu at XDP, %llu at TC, "
		"%llu dropped at XDP, %llu lost; %llu agree with the test run, "
		"%llu do not\n", ls->injected, ls->at_xdp, ls->at_tc,
		ls->dropped, ls->lost, ls->agree, ls->disagree);
	if (ls->nnft > 0)
		fprintf(f, "nftables counters:\n");
	for (i = 0; i < ls->nnft; i++)
		fprintf(f, "  %12llu packets %14llu bytes  %s\n",
			ls->nft[i].packets, ls->nft[i].bytes, ls->nft[i].name);
}

/* The names and settings the histogram printer reads, as attach stores them. */
static void info_fill(struct xt_attach_info *ai, const struct xt_rules_file *rf,
		      const struct xt_settings *s, const char *path)
{
	memset(ai, 0, sizeof(*ai));
	ai->mark_mask = s->mark_mask;
	ai->mark_shift = s->mark_shift;
	ai->mark_value = s->mark_value;
	ai->drop_threshold = s->drop_threshold;
	snprintf(ai->rules_path, sizeof(ai->rules_path), "%s", path ? path : "");
	xt_info_set_names(ai, rf);
}

/*
 * The rules a frame without a whole IP header can match at most: the
 * classifier looks its protocol, TTL, flags, ports, ICMP fields and
 * addresses up as absent (classify_rules() in bpf/lib/classify.h).
 */
static __u64 rules_no_ip(const struct xt_ruleset *rs)
{
	return rs->proto[XT_BYTE_NONE] & rs->ttl[XT_BYTE_NONE] &
	       rs->tcp_flags[XT_BYTE_NONE] & rs->no_l4 &
	       rs->no_addr;
}

/*
 * Compile and install rf; *stateful: its rules with rate or fan-out, *ro
 * how replay routes frames to runners by their state set.
 */
static int rules_install(struct xdptag *skel, const struct xt_rules_file *rf,
			 __u64 *stateful, struct replay_route *ro)
{
	struct xt_rule_maps m = xt_rule_maps_of(skel->obj);
	struct xt_compiled c;
	int ret;

	if (xt_rules_file_compile(rf, &c, stderr))
		return -EINVAL;
	*stateful = c.rs->stateful;
	/*
	 * Which sources share a set, fixed by the rules (their state epoch),
	 * not drawn at random as for an interface: a capture replays the
	 * same on every run, even where sources crowd a set out.
	 */
	c.rs->st.table_seed = (c.rs->st.epoch * XT_SRC_HASH_K >> 32) | 1;
	ret = xt_ruleset_install(&m, &c);
	ro->st = c.rs->st;	/* the install gave it the table's */
	ro->free_no_ip = !(rules_no_ip(c.rs) & c.rs->stateful);
	xt_compiled_free(&c);
	if (ret)
		pr_err("installing the ruleset: %s", strerror(-ret));
	return ret;
}

/* Progress on a terminal, from the reader's position in the file. */
static void progress(pcap_t *p, off_t size, unsigned long long n)
{
	FILE *f = pcap_file(p);
	long pos = f ? ftell(f) : -1;

	if (pos >= 0 && size > 0)
		fprintf(stderr, "\r%llu frames, %3d%%", n,
			(int)(100.0 * pos / size));
	else
		fprintf(stderr, "\r%llu frames", n);
}

/* The capture's timestamp in ns (the file is opened at ns precision). */
static __u64 frame_ts_ns(const struct pcap_pkthdr *h)
{
	return (__u64)h->ts.tv_sec * 1000000000ULL + (__u64)h->ts.tv_usec;
}

static void frame_skip(struct replay_sum *sum, enum skip_reason why)
{
	sum->skip[why]++;
	sum->skipped++;
}

/* What every frame's run shares, read-only. */
struct replay_env {
	const struct jnames *jn;
	const struct xt_settings *s;
	bool json, ether;
	struct xt_live *live;		/* --live: sequential only */
	struct live_sum *lsum;
	struct state_sum *state;	/* stateful rules */
	/* Stateful rules on several runners: how frame_route() sends each
	 * frame to its state set's runner. */
	const struct replay_route *route;
};

/*
 * One runner: a loaded copy of the XDP object with its own explain record
 * (every other map is shared with the first copy), so runners on
 * different threads never read each other's record.
 */
struct replay_worker {
	const struct replay_env *env;
	struct xdptag *skel;
	int prog_fd;
	volatile const struct xt_explain *ex;
	__u64 *clock;			/* the program's xt_clock_ns */
	__u32 seq;
};

/* Count the stateful rules that held on frame n. */
static void state_count(struct state_sum *ss, unsigned long long n,
			__u64 rules)
{
	rules &= ss->stateful;
	while (rules) {
		unsigned int i = __builtin_ctzll(rules);

		rules &= rules - 1;
		ss->held[i]++;
		if (!ss->first[i])
			ss->first[i] = n;
	}
}

/*
 * A frame stamped before an earlier one (captures merged without sorting,
 * clock steps): it still runs in capture order, and the program counts it
 * in its source's current window, which never goes back (state_roll() in
 * bpf/lib/classify.h takes a start in the future as age 0).
 */
static void state_stamp(struct state_sum *ss, unsigned long long n, __u64 ts)
{
	if (ts < ss->last_ts) {
		if (!ss->backwards++)
			ss->first_back = n;
		return;
	}
	ss->last_ts = ts;
}

/*
 * Run frame n and count it.  Returns whether it makes a JSON line: then
 * fi, r (and with --live lr) hold what frame_json() prints, which the
 * caller does now or, with one runner, leaves to the writing thread.
 */
static bool frame_replay(struct replay_worker *w, unsigned long long n,
			 const struct pcap_pkthdr *h, const u_char *data,
			 struct replay_sum *sum, struct frame_info *fi,
			 struct xt_run_result *r, struct xt_live_result *lr)
{
	const struct replay_env *env = w->env;
	/* Several runners: the writing thread sums the state in order. */
	struct state_sum *ss = env->route ? NULL : env->state;
	__u32 len;
	__u64 ts;

	fi->ran = FRAME_SKIPPED;
	if (!env->ether) {
		frame_skip(sum, SKIP_LINKTYPE);
		return false;
	}
	if (!h->caplen) {
		frame_skip(sum, SKIP_EMPTY);
		return false;
	}
	if (h->caplen < ETH_HLEN) {
		frame_skip(sum, SKIP_SHORT);
		return false;
	}
	fi->n = n;
	fi->len = h->caplen;
	fi->wire_len = h->len;
	fi->cut = false;
	/*
	 * Bytes past the snaplen were never captured: the frame runs as
	 * captured and says so.  Padding it to its wire length would make
	 * len conditions right but hand the parser zeroes for every header
	 * past the cut (docs/replay.md, "Frames cut by the snaplen").
	 */
	fi->snapped = h->len > h->caplen;
	/*
	 * Live frames are cut to what the kernel sends: the test run gets the
	 * same bytes, so that "agrees" compares two runs of one frame.
	 */
	fi->live_cut = env->live && h->caplen > XT_LIVE_MAX;
	len = fi->live_cut ? XT_LIVE_MAX : h->caplen;
	ts = frame_ts_ns(h);
	*w->clock = ts;
	fi->ran = FRAME_STAMPED;
	if (ss)
		state_stamp(ss, n, ts);
	xdp_run_tag(w->prog_fd, data, len, 1, r);
	if (r->err == -ENOMEM || r->err == -E2BIG) {
		/* Beyond what the run takes: the program's view. */
		fi->cut = true;
		len = XT_RUN_CUT;
		xdp_run_tag(w->prog_fd, data, len, 1, r);
	}
	if (r->err) {
		frame_skip(sum, SKIP_ERROR);
		sum->last_err = -r->err;
		return false;
	}
	if (env->json || env->live || env->state) {
		/* The test run returned: the kernel wrote it already. */
		memcpy(&r->ex, (const void *)w->ex, sizeof(r->ex));
		if (r->ex.seq == w->seq) {
			/* The program left before writing the record. */
			frame_skip(sum, SKIP_ERROR);
			sum->last_err = EPROTO;
			return false;
		}
		w->seq = r->ex.seq;
	}
	fi->ran = FRAME_RAN;
	sum->run++;
	sum->cut += fi->cut;
	if (fi->snapped)
		tally_add(&sum->snapped, n);
	if (fi->live_cut)
		tally_add(&sum->live_cut, n);
	sum->tagged += r->tagged;
	sum->dropped += r->action == XDP_DROP;
	if (ss)
		state_count(ss, n, r->ex.rules);
	if (env->live) {
		xt_live_frame(env->live, data, len, lr);
		live_count(env->lsum, r, lr, env->s);
	}
	return env->json;
}

static void sum_add(struct replay_sum *t, const struct replay_sum *a)
{
	int i;

	t->run += a->run;
	t->tagged += a->tagged;
	t->dropped += a->dropped;
	t->skipped += a->skipped;
	t->cut += a->cut;
	tally_sum(&t->snapped, &a->snapped);
	tally_sum(&t->live_cut, &a->live_cut);
	for (i = 0; i < SKIP_NR; i++)
		t->skip[i] += a->skip[i];
	if (a->last_err)
		t->last_err = a->last_err;
}

/*
 * A copy of the loaded object sharing every map of .maps but the explain
 * record, the capture's scratch entry and the counters, which hold the
 * classifier's scratch entry too (struct xt_cls_cpu); of the global data it
 * shares the generation and the rulesets (xt_map_twin()), the rest (the
 * clock, the capture switch) is its own.  The workers' threads are not
 * bound to CPUs: on a preemptible kernel one copy's test run can be
 * preempted on a CPU by the other's, and each must find its packet and
 * verdict where it left them.  replay_parallel() adds each copy's counters
 * to the first's.
 */
static struct xdptag *skel_twin(struct xdptag *first)
{
	struct xdptag *skel = xdptag__open();
	struct bpf_map *map;

	if (!skel)
		return NULL;
	skel->rodata->cfg_xdp.explain = 1;
	skel->rodata->cfg_xdp.clock_user = first->rodata->cfg_xdp.clock_user;
	if (first->rodata->cfg_xdp.frags)
		xt_xdp_frags_set(skel);
	bpf_object__for_each_map(map, skel->obj) {
		struct bpf_map *twin;

		if (map == skel->maps.xt_explain ||
		    map == skel->maps.xt_cls_stats ||
		    map == skel->maps.xt_cap_scratch)
			continue;
		twin = xt_map_twin(first->obj, map);
		if (twin && bpf_map__reuse_fd(map, bpf_map__fd(twin)))
			goto fail;
	}
	map = skel->maps.xt_explain;
	bpf_map__set_map_flags(map, bpf_map__map_flags(map) | BPF_F_MMAPABLE);
	if (xdptag__load(skel))
		goto fail;
	return skel;
fail:
	xdptag__destroy(skel);
	return NULL;
}

static int worker_init(struct replay_worker *w, const struct replay_env *env,
		       struct xdptag *skel)
{
	w->env = env;
	w->skel = skel;
	w->prog_fd = bpf_program__fd(skel->progs.xdptag_xdp);
	w->clock = &skel->data_xt_clock->xt_clock_ns;
	w->seq = 0;
	w->ex = mmap(NULL, sizeof(*w->ex), PROT_READ, MAP_SHARED,
		     bpf_map__fd(skel->maps.xt_explain), 0);
	if (w->ex == MAP_FAILED) {
		w->ex = NULL;
		pr_err("mapping the explain record: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void worker_fini(struct replay_worker *w)
{
	if (w->ex)
		munmap((void *)w->ex, sizeof(*w->ex));
	w->ex = NULL;
}

/*
 * Parallel replay.  The main thread reads frames into batches and writes
 * the batches' output in capture order; workers, one per CPU, each with
 * its own copy of the program, run whole batches, or with stateful rules
 * (routed) each runs its sets' frames of every batch.  A test run is one
 * syscall on one CPU: with a second CPU, two run at once.
 */
#define BATCH_FRAMES	1024

enum { B_FREE, B_READY, B_BUSY, B_DONE };

/* Lines in memory, for the writer: a batch's, or a routed runner's. */
struct lines {
	char *b;
	size_t n, cap, at;	/* at: what the writer took (routed) */
};

struct batch {
	int state;
	unsigned long long first;	/* frame number of the first */
	unsigned int n;
	/*
	 * With one runner the writing thread prints the lines (the runner's
	 * CPU then does only the test runs, the other formats): the runner
	 * keeps what frame_json() needs here, line[i] when frame i has one.
	 * Routed, the writer sums the state in capture order from fi and r.
	 */
	struct frame_info *fi;
	struct xt_run_result *r;
	bool *line;
	unsigned char *route;	/* routed: frame i's runner */
	int left;		/* routed: runners still on it */
	/* Routed: each runner's sum, and its frames' lines one after the
	 * other in its rout (frame i's jlen[i] bytes, 0: none). */
	struct replay_sum *rsum;
	struct lines *rout;
	__u32 *jlen;
	struct pcap_pkthdr hdr[BATCH_FRAMES];
	size_t off[BATCH_FRAMES];
	unsigned char *data;
	size_t used, cap;
	struct lines out;
	struct replay_sum sum;
};

struct pool {
	struct xdptag *first;		/* the object the twins copy */
	const struct replay_env *env;
	int nw;				/* runners */
	bool routed;			/* env->route: frames by state set */
	pthread_mutex_t mu;
	pthread_cond_t ready, done;
	struct batch *b;
	unsigned int nb;
	unsigned long long filled, taken;	/* batches, counted from 0 */
	bool eof;
	int oom;
};

struct pool_worker {
	struct pool *pool;
	int id;
	struct replay_worker w;		/* w.skel NULL: load a twin first */
	struct xdptag *twin;		/* loaded by this worker */
	int err;			/* its twin did not load: -errno */
	unsigned long long frames;	/* handed to this runner */
	pthread_t tid;
};

static int buf_grow(void *pp, size_t *cap, size_t need)
{
	char **p = pp;
	size_t c = *cap ? *cap : 1 << 16;
	char *n;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	n = realloc(*p, c);
	if (!n)
		return -ENOMEM;
	*p = n;
	*cap = c;
	return 0;
}

/* Frame fi's line appended to o; its length, 0 if out of memory. */
static size_t lines_add(struct pool *pl, struct lines *o,
			const struct frame_info *fi,
			const struct xt_run_result *r)
{
	struct xt_json j;

	frame_json(&j, fi, r, NULL, pl->env->jn, pl->env->s);
	if (buf_grow(&o->b, &o->cap, o->n + j.n)) {
		pl->oom = 1;
		return 0;
	}
	memcpy(o->b + o->n, j.b, j.n);
	o->n += j.n;
	return j.n;
}

static void batch_run(struct pool *pl, struct replay_worker *w,
		      struct batch *b)
{
	struct xt_run_result r;
	struct frame_info fi;
	unsigned int i;

	memset(&b->sum, 0, sizeof(b->sum));
	b->out.n = 0;
	for (i = 0; i < b->n; i++) {
		if (b->line) {
			b->line[i] = frame_replay(w, b->first + i, &b->hdr[i],
						  b->data + b->off[i], &b->sum,
						  &b->fi[i], &b->r[i], NULL);
			continue;
		}
		if (!frame_replay(w, b->first + i, &b->hdr[i],
				  b->data + b->off[i], &b->sum, &fi, &r, NULL))
			continue;
		lines_add(pl, &b->out, &fi, &r);
	}
}

/*
 * Runner pw's frames of batch b, routed.  A runner whose copy did not
 * load still takes its frames, as failed: the batch ends all the same,
 * and replay says how many did not run.
 */
static void batch_run_routed(struct pool *pl, struct pool_worker *pw,
			     struct batch *b)
{
	struct replay_sum *sum = &b->rsum[pw->id];
	struct lines *o = &b->rout[pw->id];
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	o->n = 0;
	o->at = 0;
	for (i = 0; i < b->n; i++) {
		if (b->route[i] != pw->id)
			continue;
		pw->frames++;
		b->jlen[i] = 0;
		if (pw->err) {
			b->fi[i].ran = FRAME_SKIPPED;
			frame_skip(sum, SKIP_ERROR);
			sum->last_err = -pw->err;
			continue;
		}
		/* The line here, on the runner's CPU: the writer only
		 * copies it out in order. */
		if (frame_replay(&pw->w, b->first + i, &b->hdr[i],
				 b->data + b->off[i], sum, &b->fi[i], &b->r[i],
				 NULL))
			b->jlen[i] = lines_add(pl, o, &b->fi[i], &b->r[i]);
	}
}

/* Routed: every batch in order, this runner's frames of each. */
static void pool_work_routed(struct pool_worker *pw)
{
	struct pool *pl = pw->pool;
	unsigned long long k;

	pthread_mutex_lock(&pl->mu);
	for (k = 0;; k++) {
		struct batch *b;

		while (k == pl->filled && !pl->eof)
			pthread_cond_wait(&pl->ready, &pl->mu);
		if (k == pl->filled)
			break;
		b = &pl->b[k % pl->nb];
		pthread_mutex_unlock(&pl->mu);
		batch_run_routed(pl, pw, b);
		pthread_mutex_lock(&pl->mu);
		if (!--b->left) {
			b->state = B_DONE;
			pthread_cond_broadcast(&pl->done);
		}
	}
	pthread_mutex_unlock(&pl->mu);
}

static void *pool_work(void *arg)
{
	struct pool_worker *pw = arg;
	struct pool *pl = pw->pool;

	/*
	 * The copies load here, while the first runner already runs: the
	 * verifier's time is not added to replay's start.  A copy that does
	 * not load leaves its share to the others.
	 */
	if (!pw->w.skel) {
		pw->twin = skel_twin(pl->first);
		if (!pw->twin)
			pw->err = -(errno ? errno : ENOMEM);
		else
			pw->err = worker_init(&pw->w, pl->env, pw->twin);
		if (pw->err && !pl->routed)
			return NULL;
	}
	if (pl->routed) {
		pool_work_routed(pw);
		return NULL;
	}
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		struct batch *b;

		while (pl->taken == pl->filled && !pl->eof)
			pthread_cond_wait(&pl->ready, &pl->mu);
		if (pl->taken == pl->filled)
			break;
		b = &pl->b[pl->taken++ % pl->nb];
		b->state = B_BUSY;
		pthread_mutex_unlock(&pl->mu);
		batch_run(pl, &pw->w, b);
		pw->frames += b->n;
		pthread_mutex_lock(&pl->mu);
		b->state = B_DONE;
		pthread_cond_broadcast(&pl->done);
	}
	pthread_mutex_unlock(&pl->mu);
	return NULL;
}

/* Wait for batch k, write its output, count it, free the slot. */
static void pool_retire(struct pool *pl, unsigned long long k, FILE *out,
			struct replay_sum *sum)
{
	struct batch *b = &pl->b[k % pl->nb];
	struct state_sum *ss = pl->env->state;
	struct xt_json j;
	unsigned int i;
	int w;

	pthread_mutex_lock(&pl->mu);
	while (b->state != B_DONE)
		pthread_cond_wait(&pl->done, &pl->mu);
	pthread_mutex_unlock(&pl->mu);
	if (b->out.n)
		fwrite(b->out.b, 1, b->out.n, out);
	for (i = 0; pl->routed && i < b->n; i++) {
		struct lines *o = &b->rout[b->route[i]];

		/* The runners left the state's sums to us, in order. */
		if (b->fi[i].ran >= FRAME_STAMPED)
			state_stamp(ss, b->first + i, frame_ts_ns(&b->hdr[i]));
		if (b->fi[i].ran == FRAME_RAN)
			state_count(ss, b->first + i, b->r[i].ex.rules);
		if (!b->jlen[i])
			continue;
		fwrite(o->b + o->at, 1, b->jlen[i], out);
		o->at += b->jlen[i];
	}
	for (i = 0; !pl->routed && b->line && i < b->n; i++) {
		if (!b->line[i])
			continue;
		frame_json(&j, &b->fi[i], &b->r[i], NULL, pl->env->jn,
			   pl->env->s);
		fwrite(j.b, 1, j.n, out);
	}
	if (pl->routed)
		for (w = 0; w < pl->nw; w++)
			sum_add(sum, &b->rsum[w]);
	else
		sum_add(sum, &b->sum);
	b->state = B_FREE;
}

struct reader {
	pcap_t *p;
	const char *capture;
	unsigned long long limit;
	bool tty;
	off_t size;
};

/*
 * Read the next frame into the sum's count; 1 got one, 0 end (or limit),
 * and on a read error the capture is marked truncated.
 */
static int reader_next(struct reader *rd, struct replay_sum *sum,
		       struct pcap_pkthdr **h, const u_char **data)
{
	int rc;

	if (rd->limit && sum->read >= rd->limit)
		return 0;
	rc = pcap_next_ex(rd->p, h, data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		pr_warn("%s: %s after frame %llu", rd->capture,
			pcap_geterr(rd->p), sum->read);
		sum->truncated = true;
		return 0;
	}
	sum->read++;
	if (rd->tty && !(sum->read & 0xffff))
		progress(rd->p, rd->size, sum->read);
	return 1;
}

/*
 * The runner of frame n when the rules keep per-source state: that of its
 * source's set in the state table, found as the classifier finds it (the
 * datapath's parser and key, the table's seed and size).  A frame without
 * a whole IP header has the set of its absent address's key, as in the
 * program, unless no rule with state can match it (then any runner: by
 * its number).
 */
static unsigned char frame_route(const struct replay_route *ro, int nw,
				 unsigned long long n, const u_char *data,
				 __u32 len)
{
	struct xt_src_key k;
	struct xt_pkt p;
	__u64 w01;
	__u32 set;

	xt_pkt_init(&p);
	parse_packet((void *)data, (void *)(data + len), &p);
	if (!p.l3_ok && ro->free_no_ip)
		return n % nw;
	w01 = xt_pkt_src_key(&ro->st, &p, &k);
	set = xt_src_set_of_xor(w01, ro->st.table_seed, ro->st.sets);
	/* By the set's high bits: its low ones vary little between nearby
	 * IPv4 addresses (a multiply carries upwards only). */
	return (__u64)set * nw / ro->st.sets;
}

/*
 * Replay through ru->n runners (w0 and ru->n - 1 copies of its object),
 * each one's frames counted in ru->frames; the copies' counters are added
 * to *twins.
 */
static int replay_parallel(struct reader *rd, struct replay_worker *w0,
			   struct runners *ru, FILE *out,
			   struct replay_sum *sum, struct xt_cls_stats *twins)
{
	int nw = ru->n;
	const struct replay_env *env = w0->env;
	struct pool pl = { .nb = 2 * nw + 2, .first = w0->skel,
			   .env = env, .nw = nw, .routed = !!env->route };
	struct pool_worker *pw;
	unsigned long long k, w = 0;
	int i, started = 0, err = 0;
	bool end = false;

	pthread_mutex_init(&pl.mu, NULL);
	pthread_cond_init(&pl.ready, NULL);
	pthread_cond_init(&pl.done, NULL);
	pl.b = calloc(pl.nb, sizeof(*pl.b));
	pw = calloc(nw, sizeof(*pw));
	if (!pl.b || !pw) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; ((nw == 1 && env->json) || pl.routed) && i < (int)pl.nb;
	     i++) {
		struct batch *b = &pl.b[i];

		b->fi = calloc(BATCH_FRAMES, sizeof(*b->fi));
		b->r = calloc(BATCH_FRAMES, sizeof(*b->r));
		if (!pl.routed)
			b->line = calloc(BATCH_FRAMES, sizeof(*b->line));
		else {
			b->route = calloc(BATCH_FRAMES, sizeof(*b->route));
			b->jlen = calloc(BATCH_FRAMES, sizeof(*b->jlen));
			b->rsum = calloc(nw, sizeof(*b->rsum));
			b->rout = calloc(nw, sizeof(*b->rout));
		}
		if (!b->fi || !b->r ||
		    (pl.routed ? !b->route || !b->jlen || !b->rsum || !b->rout :
				 !b->line)) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < nw; i++) {
		pw[i].pool = &pl;
		pw[i].id = i;
		if (!i)
			pw[i].w = *w0;
		if (pthread_create(&pw[i].tid, NULL, pool_work, &pw[i])) {
			err = -errno;
			break;
		}
		started++;
	}
	for (k = 0; !end && !err && started; k++) {
		struct batch *b = &pl.b[k % pl.nb];
		struct pcap_pkthdr *h;
		const u_char *data;

		/* The slot's previous batch goes out first, in order. */
		if (k >= pl.nb)
			pool_retire(&pl, w++, out, sum);
		b->n = 0;
		b->used = 0;
		b->first = sum->read + 1;
		while (b->n < BATCH_FRAMES) {
			if (!reader_next(rd, sum, &h, &data)) {
				end = true;
				break;
			}
			if (buf_grow(&b->data, &b->cap, b->used + h->caplen)) {
				err = -ENOMEM;
				end = true;
				break;
			}
			memcpy(b->data + b->used, data, h->caplen);
			if (pl.routed)
				b->route[b->n] = frame_route(env->route, nw,
							     sum->read, data,
							     h->caplen);
			b->hdr[b->n] = *h;
			b->off[b->n++] = b->used;
			b->used += h->caplen;
		}
		pthread_mutex_lock(&pl.mu);
		b->state = B_READY;
		b->left = nw;
		pl.filled++;
		if (pl.routed)	/* every runner has frames in it */
			pthread_cond_broadcast(&pl.ready);
		else
			pthread_cond_signal(&pl.ready);
		pthread_mutex_unlock(&pl.mu);
	}
	pthread_mutex_lock(&pl.mu);
	pl.eof = true;
	pthread_cond_broadcast(&pl.ready);
	pthread_mutex_unlock(&pl.mu);
	for (; w < pl.filled; w++)
		pool_retire(&pl, w, out, sum);
	for (i = 0; i < started; i++) {
		pthread_join(pw[i].tid, NULL);
		ru->frames[i] = pw[i].frames;
	}
	if (pl.oom)
		err = -ENOMEM;
	if (!started && !err)
		err = -EAGAIN;
out:
	for (i = 1; pw && i < nw; i++) {
		struct xt_cls_stats c;
		int rc;

		worker_fini(&pw[i].w);
		if (pw[i].twin) {
			rc = xt_cls_stats_read(
				bpf_map__fd(pw[i].twin->maps.xt_cls_stats), &c);
			if (rc && !err)
				err = rc;
			if (!rc)
				xt_cls_stats_add(twins, &c);
		}
		xdptag__destroy(pw[i].twin);
	}
	if (pl.b)
		for (i = 0; i < (int)pl.nb; i++) {
			free(pl.b[i].data);
			free(pl.b[i].out.b);
			free(pl.b[i].fi);
			free(pl.b[i].r);
			free(pl.b[i].line);
			free(pl.b[i].route);
			free(pl.b[i].jlen);
			free(pl.b[i].rsum);
			for (k = 0; pl.b[i].rout && k < (unsigned)nw; k++)
				free(pl.b[i].rout[k].b);
			free(pl.b[i].rout);
		}
	free(pl.b);
	free(pw);
	pthread_cond_destroy(&pl.ready);
	pthread_cond_destroy(&pl.done);
	pthread_mutex_destroy(&pl.mu);
	return err;
}

/* Why no frame of the capture ran, in one line. */
static void warn_none_ran(const char *capture, int dlt,
			  const struct replay_sum *sum)
{
	const char *desc = pcap_datalink_val_to_description(dlt);
	char why[128] = "", name[32];
	size_t n = 0;
	int i;

	if (dlt != DLT_EN10MB) {
		pr_warn("%s: link-type %s%s%s%s is not Ethernet: none of its %llu frames ran (replay runs Ethernet captures, link-type EN10MB)",
			capture, dlt_name(dlt, name, sizeof(name)),
			desc ? " (" : "", desc ? desc : "", desc ? ")" : "",
			sum->read);
		return;
	}
	for (i = 0; i < SKIP_NR && n < sizeof(why); i++)
		if (sum->skip[i])
			n += snprintf(why + n, sizeof(why) - n, "%s %llu %s",
				      n ? "," : ":", sum->skip[i],
				      skip_names[i]);
	pr_warn("%s: no frame ran (%llu read%s)", capture, sum->read, why);
}

/* Runners: the CPUs this process may use, at most XT_REPLAY_MAX_JOBS. */
static int replay_jobs(unsigned int want)
{
	cpu_set_t set;
	int n;

	if (want)
		return want;
	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	n = CPU_COUNT(&set);
	return n < 1 ? 1 : n > XT_REPLAY_MAX_JOBS ? XT_REPLAY_MAX_JOBS : n;
}

int xt_replay(const struct xt_replay_opts *o)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct xt_rules_file *rf = NULL;
	struct jnames *jn = NULL;
	struct xdptag *skel = NULL;
	struct replay_sum sum = { 0 };
	struct xt_cls_stats twins = { 0 };
	struct xt_settings s;
	struct xt_counters *cnt = NULL;
	struct xt_attach_info *ai = NULL;
	struct replay_env env = { 0 };
	struct replay_worker w0 = { 0 };
	struct reader rd;
	struct stat st;
	pcap_t *p = NULL;
	bool tty;
	struct runners ru = { 0 };
	struct xt_live *live = NULL;
	struct live_sum *lsum = NULL;
	struct state_sum *state = NULL;
	struct replay_route route;
	__u64 stateful = 0;
	FILE *cf;
	FILE *out = o->out ? o->out : stdout;
	int ret = XT_EXIT_FAIL, rc, dlt;

	/* Bad input first, before anything is loaded. */
	/*
	 * Our own stream, with a 1 MB buffer set before libpcap reads: its
	 * default 4 KB one costs a read syscall every few frames.  libpcap
	 * closes the stream with the handle.
	 */
	cf = fopen(o->capture, "re");
	if (cf)
		setvbuf(cf, NULL, _IOFBF, 1 << 20);
	p = cf ? pcap_fopen_offline_with_tstamp_precision(cf,
			PCAP_TSTAMP_PRECISION_NANO, errbuf) : NULL;
	if (!p) {
		if (!cf)	/* worded as libpcap words it */
			snprintf(errbuf, sizeof(errbuf), "%s: %s", o->capture,
				 strerror(errno));
		else
			fclose(cf);
		pr_err("%s: not a readable capture: %s", o->capture, errbuf);
		return XT_EXIT_USAGE;
	}
	rf = calloc(1, sizeof(*rf));
	cnt = calloc(1, sizeof(*cnt));
	ai = calloc(1, sizeof(*ai));
	if (!rf || !cnt || !ai) {
		pr_err("out of memory");
		goto out_nofree;
	}
	if (xt_rules_file_load(o->rules_path, rf, stderr)) {
		pr_err("invalid rules file '%s'",
		       o->rules_path ? o->rules_path : "default");
		ret = XT_EXIT_USAGE;
		goto out_nofree;
	}
	s = rf->settings;	/* the loader's defaults where it is silent */
	if (o->has_mark_mask)
		s.mark_mask = o->mark_mask;
	if (o->has_mark_shift)
		s.mark_shift = o->mark_shift;
	if (o->has_mark_value)
		s.mark_value = o->mark_value;
	if (xt_mark_check(s.mark_mask, s.mark_shift, s.mark_value,
			  xt_rules_file_max_class(rf), errbuf, sizeof(errbuf))) {
		pr_err("%s", errbuf);
		ret = XT_EXIT_USAGE;
		goto out;
	}

	if ((o->json || o->live) && !(jn = jnames_new(rf))) {
		pr_err("out of memory");
		goto out;
	}
	/* The capture's clock, always: a ruleset without stateful rules
	 * never reads it, and each runner's store is no syscall. */
	skel = xt_xdp_open_explain(0, 1, rf->settings.state_sources, 1);
	if (!skel) {
		pr_err("loading the XDP program failed (are you root? -v says more)%s",
		       xt_kernel_hint());
		goto out;
	}
	if (rules_install(skel, rf, &stateful, &route))
		goto out;
	if (stateful) {
		state = calloc(1, sizeof(*state));
		if (!state) {
			pr_err("out of memory");
			goto out;
		}
		state->stateful = stateful;
	}

	if (o->live) {
		struct xt_live_opts lo = {
			.ifname = o->live_iface ? o->live_iface : "xtlive0",
			.rules_path = o->rules_path, .set = &s,
			.nft_path = o->nft_path, .ai = ai,
		};

		lsum = calloc(1, sizeof(*lsum));
		info_fill(ai, rf, &s, o->rules_path);
		if (!lsum) {
			pr_err("out of memory");
			goto out;
		}
		live = xt_live_setup(&lo, &ret);
		if (!live)
			goto out;
	}

	/* A line per frame: write in large blocks unless someone watches. */
	if (o->json && !isatty(fileno(out)))
		setvbuf(out, NULL, _IOFBF, 1 << 20);
	env.jn = jn;
	env.s = &s;
	env.json = o->json;
	dlt = pcap_datalink(p);
	env.ether = dlt == DLT_EN10MB;
	env.live = live;
	env.lsum = lsum;
	env.state = state;
	tty = isatty(STDERR_FILENO);
	if (fstat(fileno(pcap_file(p)), &st))
		st.st_size = 0;
	rd = (struct reader){ .p = p, .capture = o->capture, .limit = o->limit,
			      .tty = tty, .size = st.st_size };

	/*
	 * --live wants one frame after the other.  Per-source state wants
	 * each source's frames in order: routed by their state set.
	 */
	ru.n = live ? 1 : replay_jobs(o->jobs);
	if (stateful && ru.n > 1)
		env.route = &route;
	if (worker_init(&w0, &env, skel))
		goto out;
	/*
	 * The pool even for one runner: it runs the batches in capture
	 * order while this thread reads the next batch and writes the last
	 * (8% less wall time with the built-in rules).  --live stays on this
	 * thread, in the namespaces it made.
	 */
	if (!live) {
		rc = replay_parallel(&rd, &w0, &ru, out, &sum, &twins);
		if (rc) {
			pr_err("replay: %s", strerror(-rc));
			goto out;
		}
	} else {
		struct pcap_pkthdr *h;
		struct xt_live_result lr;
		struct xt_run_result r;
		struct frame_info fi;
		const u_char *data;
		struct xt_json j;

		while (reader_next(&rd, &sum, &h, &data))
			if (frame_replay(&w0, sum.read, h, data, &sum, &fi, &r,
					 &lr)) {
				frame_json(&j, &fi, &r, live ? &lr : NULL,
					   w0.env->jn, w0.env->s);
				fwrite(j.b, 1, j.n, out);
			}
		ru.frames[0] = sum.read;
	}
	if (tty && sum.read > 0xffff)
		fprintf(stderr, "\r\033[K");
	if (sum.skip[SKIP_ERROR])
		pr_warn("%llu frames failed to run: %s", sum.skip[SKIP_ERROR],
			strerror(sum.last_err));
	if (sum.snapped.n)
		pr_warn("%llu frames were cut by the capture's snaplen (the first: frame %llu): replay ran them%s on their captured bytes only, so len conditions and headers past the cut differ from what the datapath saw%s",
			sum.snapped.n, sum.snapped.first,
			live ? ", and sent them live," : "",
			live ? "; \"agrees\" compares two runs of the same cut frames" : "");
	if (sum.live_cut.n)
		pr_warn("%llu frames are longer than live frames take (the first: frame %llu): replay ran them, and sent them live, on their first %d bytes, so len conditions saw that length, not the frame's; \"agrees\" compares two runs of the same cut frames",
			sum.live_cut.n, sum.live_cut.first, XT_LIVE_MAX);
	if (!sum.run)
		warn_none_ran(o->capture, dlt, &sum);
	if (state && state->backwards)
		pr_warn("%llu frames are stamped before an earlier frame (the first: frame %llu): they ran in capture order, in their source's current window",
			state->backwards, state->first_back);

	rc = xt_counters_read(bpf_map__fd(skel->maps.xt_cls_stats), -1, cnt);
	if (rc) {
		pr_err("reading the program's counters: %s", strerror(-rc));
		goto out;
	}
	xt_cls_stats_add(&cnt->xdp, &twins);
	/* Not from the tags: a dropped frame has none, the counter counts it. */
	sum.malformed = cnt->xdp.malformed;
	info_fill(ai, rf, &s, o->rules_path);
	if (live) {
		lsum->nnft = xt_live_nft_counters(live, lsum->nft, 64);
		if (lsum->nnft < 0)
			pr_warn("reading nftables' counters: %s",
				strerror(-lsum->nnft));
	}
	if (o->json) {
		summary_json(out, &sum, dlt, cnt, &ru, state, jn);
		if (live)
			live_summary_json(out, lsum);
	} else {
		xt_stats_print(out, XT_FMT_TABLE, o->capture, cnt, NULL, 0,
			       ai);
		summary_text(out, &sum, dlt, &ru, state, rf);
		if (live)
			live_summary_text(out, lsum);
	}
	fflush(out);
	/* A replay that ran no frame has no verdict to give. */
	ret = sum.skip[SKIP_ERROR] ? XT_EXIT_FAIL :
	      !sum.run ? XT_EXIT_NO_VERDICT : XT_EXIT_OK;
out:
	worker_fini(&w0);
	xt_live_free(live);
	free(lsum);
	free(state);
	jnames_free(jn);
	xt_rules_file_free(rf);
out_nofree:
	xdptag__destroy(skel);
	free(ai);
	free(cnt);
	free(rf);
	pcap_close(p);
	return ret;
}
