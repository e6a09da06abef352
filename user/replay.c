// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag replay`: every frame of a capture through the very XDP object the
 * datapath attaches (BPF_PROG_TEST_RUN, explain record on), then the TC
 * stage's mark arithmetic from xdptag.h.  Nothing here parses packets: every
 * per-frame field printed comes from the tag or the explain record the
 * program wrote.
 */
#include <errno.h>
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
#include "xdptag.skel.h"
#include "attach.h"	/* xt_mark_check, xt_info_set_names */
#include "cmd.h"
#include "log.h"
#include "pins.h"
#include "replay.h"
#include "rules.h"
#include "rules_file.h"
#include "ruleset_load.h"
#include "stats.h"

/*
 * Room for what a test run copies back: metadata, then the frame.  Frames
 * beyond a page go into fragments, up to MAX_SKB_FRAGS pages (about 70 KB);
 * larger ones fail with ENOMEM before the program runs.  A buffer that is
 * too small makes the run fail with ENOSPC *after* the program counted the
 * frame, so it must hold the largest frame the kernel accepts.
 */
#define XT_RUN_OUT_MAX	(XDPTAG_TAG_LEN + (1 << 17))

/* The test run alone: verdict and tag, not the explain record. */
static int xdp_run_tag(int prog_fd, const void *pkt, __u32 len, int repeat,
		       struct xt_run_result *r)
{
	/* Static: 128 KB is too much for a stack. */
	static unsigned char out[XT_RUN_OUT_MAX];
	/* Metadata starts empty: data_meta == data == 0, data_end = len. */
	struct xdp_md ctx_in = { .data_end = len }, ctx_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt, .data_size_in = len,
		.data_out = out, .data_size_out = sizeof(out),
		.ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		.ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		.repeat = repeat);

	r->err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (r->err)
		r->err = -errno;
	r->action = opts.retval;
	r->tagged = 0;
	/* data_out holds metadata then packet; ctx_out.data is the meta size. */
	if (!r->err && ctx_out.data == XDPTAG_TAG_LEN) {
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

struct xdptag *xt_xdp_open_explain(int no_meta)
{
	struct xdptag *skel = xdptag__open();
	struct bpf_map *ex;

	if (!skel)
		return NULL;
	skel->rodata->cfg_explain = 1;
	skel->rodata->cfg_no_meta = no_meta;
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
	SKIP_TOO_LONG,		/* above the test-run limit: not run */
	SKIP_ERROR,		/* the test run failed otherwise */
	SKIP_NR,
};

static const char *const skip_names[SKIP_NR] = {
	"link_type", "empty", "short", "too_long", "error",
};

struct replay_sum {
	unsigned long long read, run, tagged, malformed, dropped, skipped;
	unsigned long long skip[SKIP_NR];
	int last_err;		/* errno of the last SKIP_ERROR */
	bool truncated;		/* the capture ended mid-record */
};

/*
 * One frame's JSON line is built in memory and written at once: at a few
 * hundred thousand frames a second, a dozen fprintf calls per frame cost
 * more than the test run itself.
 */
struct jline {
	char b[4096];
	size_t n;
};

static void jl_raw(struct jline *j, const char *s)
{
	size_t l = strlen(s);

	if (l > sizeof(j->b) - j->n)
		l = sizeof(j->b) - j->n;
	memcpy(j->b + j->n, s, l);
	j->n += l;
}

static void jl_u(struct jline *j, unsigned long long v)
{
	char t[24];
	int i = sizeof(t);

	t[--i] = 0;
	do {
		t[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	jl_raw(j, t + i);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void jl_str(struct jline *j, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char esc[7] = "\\u00";

	jl_raw(j, "\"");
	for (; *s && j->n < sizeof(j->b) - 8; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\') {
			j->b[j->n++] = '\\';
			j->b[j->n++] = ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			esc[4] = hex[ch >> 4];
			esc[5] = hex[ch & 15];
			esc[6] = 0;
			jl_raw(j, esc);
		} else {
			j->b[j->n++] = ch;
		}
	}
	jl_raw(j, "\"");
}

static const char *l3_name(__u16 eth_proto)
{
	switch (eth_proto) {
	case ETH_P_IP:
		return "ipv4";
	case ETH_P_IPV6:
		return "ipv6";
	case ETH_P_ARP:
		return "arp";
	}
	return "other";
}

static const char *const l4_names[] = {
	[XT_L4_NONE] = "none", [XT_L4_TCP] = "tcp", [XT_L4_UDP] = "udp",
	[XT_L4_ICMP] = "icmp", [XT_L4_ICMPV6] = "icmpv6",
	[XT_L4_OTHER] = "other",
};

static const char *class_name(const struct xt_rules_file *rf, unsigned int id)
{
	const char *n = xt_class_name(rf, id);

	if (n)
		return n;
	return id ? NULL : "unclassified";
}

/*
 * One JSON object per frame, from the explain record the program wrote on
 * every verdict (a dropped frame carries no tag, but was parsed and scored
 * all the same).  The mark is null for a dropped frame: it never reaches
 * TC.
 */
static void frame_json(FILE *f, unsigned long long n, __u32 len,
		       const struct xt_run_result *r,
		       const struct xt_rules_file *rf,
		       const struct xt_settings *s)
{
	const struct xt_explain *e = &r->ex;
	const struct xdptag_tag view = {
		.score = e->score, .class_id = e->class_id,
	};
	const struct xdptag_tag *t = &view;
	__u16 feat = e->features;
	bool ports;
	struct jline j;
	const char *cn;
	int i, first;

	j.n = 0;
	jl_raw(&j, "{\"frame\":");
	jl_u(&j, n);
	jl_raw(&j, ",\"len\":");
	jl_u(&j, len);
	jl_raw(&j, ",\"verdict\":");
	if (r->action < 5) {
		jl_str(&j, xt_action_names[r->action]);
	} else {
		jl_raw(&j, "\"");
		jl_u(&j, r->action);
		jl_raw(&j, "\"");
	}
	jl_raw(&j, r->tagged ? ",\"tagged\":true" : ",\"tagged\":false");
	jl_raw(&j, ",\"score\":");
	jl_u(&j, t->score);
	jl_raw(&j, ",\"class\":");
	cn = class_name(rf, t->class_id);
	if (cn) {
		jl_str(&j, cn);
	} else {
		jl_raw(&j, "\"");
		jl_u(&j, t->class_id);
		jl_raw(&j, "\"");
	}
	jl_raw(&j, ",\"rules\":[");
	for (i = 0, first = 1; i < XT_MAX_RULES; i++) {
		if (!(e->rules & (1ULL << i)) || (size_t)i >= rf->nrules)
			continue;
		if (!first)
			jl_raw(&j, ",");
		jl_str(&j, rf->rules[i].name);
		first = 0;
	}
	jl_raw(&j, "],\"mark\":");
	if (r->action == XDP_DROP)
		jl_raw(&j, "null");
	else
		jl_u(&j, xt_mark_apply(0, xt_mark_value(t, s->mark_value),
				       s->mark_mask, s->mark_shift));
	jl_raw(&j, ",\"features\":[");
	for (i = 0, first = 1; xt_feature_names[i]; i++) {
		if (!(feat & (1u << i)))
			continue;
		if (!first)
			jl_raw(&j, ",");
		jl_str(&j, xt_feature_names[i]);
		first = 0;
	}
	jl_raw(&j, "]");
	jl_raw(&j, ",\"vlans\":");
	jl_u(&j, e->vlans);
	jl_raw(&j, ",\"l3\":\"");
	jl_raw(&j, l3_name(e->eth_proto));
	jl_raw(&j, "\",\"ip_proto\":");
	if (e->l3_ok)
		jl_u(&j, e->ip_proto);
	else
		jl_raw(&j, "null");
	jl_raw(&j, ",\"l4\":\"");
	jl_raw(&j, e->l4 < sizeof(l4_names) / sizeof(l4_names[0]) ?
		   l4_names[e->l4] : "other");
	ports = e->l4_ok && (e->l4 == XT_L4_TCP || e->l4 == XT_L4_UDP);
	if (ports) {
		jl_raw(&j, "\",\"sport\":");
		jl_u(&j, e->sport);
		jl_raw(&j, ",\"dport\":");
		jl_u(&j, e->dport);
	} else {
		jl_raw(&j, "\",\"sport\":null,\"dport\":null");
	}
	jl_raw(&j, ",\"tcp_flags\":");
	if (ports && e->l4 == XT_L4_TCP)
		jl_u(&j, e->tcp_flags);
	else
		jl_raw(&j, "null");
	jl_raw(&j, feat & XT_F_FRAGMENT ? ",\"fragment\":true" :
					  ",\"fragment\":false");
	jl_raw(&j, feat & XT_F_MALFORMED ? ",\"malformed\":true}\n" :
					   ",\"malformed\":false}\n");
	fwrite(j.b, 1, j.n, f);
}

static void summary_json(FILE *f, const struct replay_sum *sum,
			 const struct xt_counters *c)
{
	int i;

	fprintf(f, "{\"summary\":true,\"frames\":%llu,\"run\":%llu,"
		"\"tagged\":%llu,\"malformed\":%llu,\"dropped\":%llu,"
		"\"skipped\":%llu,\"skipped_by_reason\":{",
		sum->read, sum->run, sum->tagged, sum->malformed, sum->dropped,
		sum->skipped);
	for (i = 0; i < SKIP_NR; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "", skip_names[i],
			sum->skip[i]);
	fprintf(f, "},\"verdicts\":{");
	for (i = 0; i < 5; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "", xt_action_names[i],
			(unsigned long long)c->xdp.action[i]);
	fprintf(f, "},\"truncated\":%s}\n", sum->truncated ? "true" : "false");
}

static void summary_text(FILE *f, const struct replay_sum *sum)
{
	int i;

	fprintf(f, "\nreplay: %llu frames read, %llu run, %llu tagged, "
		"%llu malformed, %llu dropped, %llu skipped\n",
		sum->read, sum->run, sum->tagged, sum->malformed, sum->dropped,
		sum->skipped);
	for (i = 0; i < SKIP_NR; i++)
		if (sum->skip[i])
			fprintf(f, "  skipped %-10s %llu\n", skip_names[i],
				sum->skip[i]);
	if (sum->truncated)
		fprintf(f, "  capture ends mid-record (truncated file)\n");
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

static int rules_install(struct xdptag *skel, const struct xt_rules_file *rf)
{
	struct xt_rule_maps m = {
		.rules = bpf_map__fd(skel->maps.xt_rules),
		.active = bpf_map__fd(skel->maps.xt_active),
		.prefix = bpf_map__fd(skel->maps.xt_prefix),
	};
	struct xt_compiled c;
	int ret;

	if (xt_rules_file_compile(rf, &c, stderr))
		return -EINVAL;
	ret = xt_ruleset_install(&m, &c);
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

static void frame_skip(struct replay_sum *sum, enum skip_reason why)
{
	sum->skip[why]++;
	sum->skipped++;
}

int xt_replay(const struct xt_replay_opts *o)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct xt_rules_file *rf = NULL;
	struct xdptag *skel = NULL;
	struct replay_sum sum = { 0 };
	struct xt_settings s;
	struct xt_counters *cnt = NULL;
	struct xt_attach_info *ai = NULL;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct stat st;
	pcap_t *p = NULL;
	bool ether, tty;
	volatile const struct xt_explain *ex = NULL;
	__u32 seq = 0;
	int prog_fd;
	FILE *out = o->out ? o->out : stdout;
	int ret = XT_EXIT_FAIL, rc;

	/* Bad input first, before anything is loaded. */
	p = pcap_open_offline_with_tstamp_precision(o->capture,
						     PCAP_TSTAMP_PRECISION_NANO,
						     errbuf);
	if (!p) {
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
	s = rf->settings;
	if (!s.has_mark_mask)
		s.mark_mask = 0xff;
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

	skel = xt_xdp_open_explain(0);
	if (!skel) {
		pr_err("loading the XDP program failed (are you root? -v says more)%s",
		       xt_kernel_hint());
		goto out;
	}
	if (rules_install(skel, rf))
		goto out;

	prog_fd = bpf_program__fd(skel->progs.xdptag_xdp);
	ex = mmap(NULL, sizeof(*ex), PROT_READ, MAP_SHARED,
		  bpf_map__fd(skel->maps.xt_explain), 0);
	if (ex == MAP_FAILED) {
		pr_err("mapping the explain record: %s", strerror(errno));
		ex = NULL;
		goto out;
	}

	ether = pcap_datalink(p) == DLT_EN10MB;
	tty = isatty(STDERR_FILENO);
	if (fstat(fileno(pcap_file(p)), &st))
		st.st_size = 0;

	while (!o->limit || sum.read < o->limit) {
		struct xt_run_result r;

		rc = pcap_next_ex(p, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			break;
		if (rc != 1) {
			pr_warn("%s: %s after frame %llu", o->capture,
				pcap_geterr(p), sum.read);
			sum.truncated = true;
			break;
		}
		sum.read++;
		if (tty && !(sum.read & 0xffff))
			progress(p, st.st_size, sum.read);
		if (!ether) {
			frame_skip(&sum, SKIP_LINKTYPE);
			continue;
		}
		if (!h->caplen) {
			frame_skip(&sum, SKIP_EMPTY);
			continue;
		}
		if (h->caplen < ETH_HLEN) {
			frame_skip(&sum, SKIP_SHORT);
			continue;
		}
		xdp_run_tag(prog_fd, data, h->caplen, 1, &r);
		if (r.err) {
			/* The kernel's limit on test input: not run. */
			if (r.err == -ENOMEM || r.err == -E2BIG) {
				frame_skip(&sum, SKIP_TOO_LONG);
			} else {
				frame_skip(&sum, SKIP_ERROR);
				sum.last_err = -r.err;
			}
			continue;
		}
		if (o->json) {
			/* The test run returned: the kernel wrote it already. */
			memcpy(&r.ex, (const void *)ex, sizeof(r.ex));
			if (r.ex.seq == seq) {
				/* The program left before writing the record. */
				frame_skip(&sum, SKIP_ERROR);
				sum.last_err = EPROTO;
				continue;
			}
			seq = r.ex.seq;
		}
		sum.run++;
		sum.tagged += r.tagged;
		sum.dropped += r.action == XDP_DROP;
		if (o->json)
			frame_json(out, sum.read, h->caplen, &r, rf, &s);
	}
	if (tty && sum.read > 0xffff)
		fprintf(stderr, "\r\033[K");
	if (sum.skip[SKIP_ERROR])
		pr_warn("%llu frames failed to run: %s", sum.skip[SKIP_ERROR],
			strerror(sum.last_err));

	rc = xt_counters_read(bpf_map__fd(skel->maps.xt_xdp_stats), -1, cnt);
	if (rc) {
		pr_err("reading the program's counters: %s", strerror(-rc));
		goto out;
	}
	/* Not from the tags: a dropped frame has none, the counter counts it. */
	sum.malformed = cnt->xdp.malformed;
	info_fill(ai, rf, &s, o->rules_path);
	if (o->json) {
		summary_json(out, &sum, cnt);
	} else {
		xt_stats_print(out, XT_FMT_TABLE, o->capture, cnt, NULL, 0,
			       ai);
		summary_text(out, &sum);
	}
	fflush(out);
	ret = sum.skip[SKIP_ERROR] ? XT_EXIT_FAIL : XT_EXIT_OK;
out:
	if (ex)
		munmap((void *)ex, sizeof(*ex));
	xt_rules_file_free(rf);
out_nofree:
	xdptag__destroy(skel);
	free(ai);
	free(cnt);
	free(rf);
	pcap_close(p);
	return ret;
}
