// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag probe IFACE`: does XDP metadata reach TC on this interface, in
 * this mode?  Attaches the pipeline with the meta bridge for a few seconds
 * (xt_attach, so the interface is left as it was on every path), watches
 * the bridge counters while traffic flows, detaches and says which --bridge
 * to use.  On an interface xdptag is already attached to, it judges from
 * the live counters instead and changes nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/bpf.h>
#include "attach.h"
#include "cmd.h"
#include "hooks.h"
#include "log.h"
#include "privs.h"
#include "stats.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* Sleep ms milliseconds, less if SIGINT/SIGTERM comes (no SA_RESTART). */
static void nap_ms(unsigned long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* What the verdict is drawn from: counter deltas over the window. */
struct bridge_delta {
	__u64 seen, passed, tagged, meta_fail;	/* XDP */
	__u64 valid, no_meta, foreign, short_meta; /* TC */
};

/* From the window's difference of the counters. */
static void delta(const struct xt_counters *diff, struct bridge_delta *d)
{
	int i;

	d->seen = 0;
	for (i = 0; i < 5; i++)
		d->seen += diff->xdp.action[i];
	d->passed = diff->xdp.action[XDP_PASS];
	d->tagged = diff->xdp.tagged;
	d->meta_fail = diff->xdp.meta_fail;
	d->valid = diff->tc.valid;
	d->no_meta = diff->tc.no_meta;
	d->foreign = diff->tc.foreign;
	d->short_meta = diff->tc.short_meta;
}

/*
 * The counters at a quiet moment.  A packet between the two stages when
 * we read has been counted at XDP and not yet at TC: read at the window's
 * start, it counts in the window at TC only ("33 of 32"), at its end at
 * XDP only ("31 of 32"); and so does one that passes both while a read
 * goes from XDP's counters to TC's.  So read until two reads SAMPLE_NAP_MS
 * apart agree, nothing having moved in between, for about a second at
 * most; then take the last, where traffic never pauses long enough and
 * one packet is nothing beside the window's count.
 */
#define SAMPLE_TRIES	50
#define SAMPLE_NAP_MS	20

static int sample_quiet(const struct xt_pinned *p, struct xt_counters *c)
{
	struct xt_counters next;
	int i, err;

	err = xt_counters_read(p->cls_stats, p->tc_stats, c);
	for (i = 0; !err && i < SAMPLE_TRIES; i++) {
		nap_ms(SAMPLE_NAP_MS);
		err = xt_counters_read(p->cls_stats, p->tc_stats, &next);
		if (!err && !memcmp(&next, c, sizeof(next)))
			break;
		*c = next;
	}
	return err;
}

/* Print the verdict; returns the exit status. */
static int verdict(const char *ifname, const char *mode, __u32 bridge,
		   unsigned long secs, const struct bridge_delta *d)
{
	__u64 lost = d->no_meta + d->foreign + d->short_meta;

	if (!d->seen && !lost && !d->valid) {
		printf("no traffic seen in %lu s: no verdict (send traffic to %s while probing)\n",
		       secs, ifname);
		return XT_EXIT_NO_VERDICT;
	}
	if (d->meta_fail) {
		printf("driver cannot carry metadata in %s mode: bpf_xdp_adjust_meta failed on %llu of %llu packets → use --bridge tc\n",
		       mode, (unsigned long long)d->meta_fail,
		       (unsigned long long)d->seen);
		return XT_EXIT_OK;
	}
	if (!d->tagged) {
		printf("XDP tagged none of %llu packets (bridge %s classifies at TC): no verdict\n",
		       (unsigned long long)d->seen, xt_bridge_str(bridge));
		return XT_EXIT_NO_VERDICT;
	}
	if (lost) {
		printf("tags lost on the way in %s mode: %llu of %llu tagged packets reached TC tagged (%llu without metadata, %llu foreign, %llu short) → use --bridge tc (or auto)\n",
		       mode, (unsigned long long)d->valid,
		       (unsigned long long)d->tagged,
		       (unsigned long long)d->no_meta,
		       (unsigned long long)d->foreign,
		       (unsigned long long)d->short_meta);
		return XT_EXIT_OK;
	}
	printf("metadata works in %s mode: %llu of %llu tagged packets reached TC tagged → use --bridge meta\n",
	       mode, (unsigned long long)d->valid,
	       (unsigned long long)d->tagged);
	return XT_EXIT_OK;
}

struct probe_cfg {
	struct xt_attach_opts o;
	unsigned long long secs;
};

static int probe_run(void *cfg)
{
	struct probe_cfg *pc = cfg;
	struct xt_attach_opts o = pc->o;
	struct sigaction sa = { .sa_handler = on_signal };
	struct xt_counters start, end, diff;
	struct xt_hooks *h = NULL;
	size_t j;
	struct bridge_delta d;
	unsigned long secs = pc->secs, k;
	struct xt_pinned p;
	bool ours = false;
	int err, ret;

	/* Probe attaches and detaches: it needs the rights of both. */
	if (xt_privs_check("probe", XT_PRIV_LOAD) ||
	    xt_privs_check("probe", XT_PRIV_DETACH))
		return XT_EXIT_FAIL;
	if (!if_nametoindex(o.ifname)) {
		pr_err("interface '%s' does not exist", o.ifname);
		return XT_EXIT_USAGE;
	}

	err = xt_pins_open(o.ifname, &p);
	if (err == -ENOENT) {
		ret = xt_attach(&o);
		if (ret)
			return ret;
		ours = true;
		err = xt_pins_open(o.ifname, &p);
	} else if (!err) {
		printf("xdptag is already attached to %s: reading its live counters instead\n",
		       o.ifname);
	}
	if (err) {
		pr_err("cannot open the pins of %s: %s", o.ifname,
		       xt_pins_strerror(err));
		ret = XT_EXIT_FAIL;
		goto out;
	}
	/* Interrupted, we still detach and judge from what was seen. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = sample_quiet(&p, &start);
	if (err) {
		pr_err("cannot read the counters of %s: %s", o.ifname,
		       strerror(-err));
		ret = XT_EXIT_FAIL;
		goto out_pins;
	}
	h = calloc(1, sizeof(*h));
	if (h && !xt_hooks_list(if_nametoindex(o.ifname),
				p.info_val.xdp_prog_id, p.info_val.tc_prog_id,
				p.info_val.tc_attach, p.info_val.tc_prio, h)) {
		printf("Other programs on the ingress hooks of %s, in run order:\n",
		       o.ifname);
		xt_hooks_print(h, "  ", stdout);
	}
	printf("Watching %s for %lu s: send traffic to it now\n", o.ifname,
	       secs);
	fflush(stdout);
	for (k = 0; k < secs && !stop; k++)
		nap_ms(1000);
	err = sample_quiet(&p, &end);
	if (err) {
		pr_err("cannot read the counters of %s: %s", o.ifname,
		       strerror(-err));
		ret = XT_EXIT_FAIL;
		goto out_pins;
	}
	/* Both counter structs are __u64 only: the window's difference. */
	for (j = 0; j < sizeof(end) / sizeof(__u64); j++)
		((__u64 *)&diff)[j] = ((__u64 *)&end)[j] -
				      ((__u64 *)&start)[j];
	delta(&diff, &d);
	xt_bridge_health(&diff, p.info_val.bridge, h, o.ifname, "",
			 stdout);
	ret = -1;
out_pins:
	xt_pins_close(&p);
out:
	if (ours && xt_detach(o.ifname) != XT_EXIT_OK)
		return XT_EXIT_FAIL;
	free(h);
	if (ret == -1)
		ret = verdict(o.ifname, xt_mode_str(p.info_val.xdp_flags),
			      p.info_val.bridge, k, &d);
	return ret;
}

static const struct probe_cfg probe_defaults = {
	.o = { .tc_prio = XT_TC_PRIO_DEFAULT, .tc_attach = XT_TC_AUTO,
	       .xdp_attach = XT_XDP_AUTO,
	       .bridge = XT_BRIDGE_META, .no_force = true },
	.secs = 5,
};

#define P struct probe_cfg
static const struct xt_opt probe_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", P, o.ifname, .what = "one interface"),
	/* Offload has no TC stage on the NIC to probe. */
	XT_OPTION(XT_OPT_ENUM, "mode", P, o.mode, .names = xt_mode_names,
		  .allowed = 1u << XT_MODE_AUTO | 1u << XT_MODE_NATIVE |
			     1u << XT_MODE_GENERIC,
		  .help = "XDP mode to probe (default auto: native, else generic)"),
	XT_OPTION(XT_OPT_UINT, "seconds", P, secs, .min = 1, .max = 3600,
		  .metavar = "N",
		  .help = "how long to watch, 1-3600 (default 5)"),
	XT_OPTION(XT_OPT_ENUM, "tc-attach", P, o.tc_attach,
		  .names = xt_tc_attach_names,
		  .help = "how the TC stage attaches, as attach's (default auto)"),
	XT_OPTION(XT_OPT_ENUM, "xdp-attach", P, o.xdp_attach,
		  .names = xt_xdp_attach_names,
		  .help = "how the XDP stage attaches, as attach's (default auto)"),
	XT_OPTION(XT_OPT_FLAG, "no-meta", P, o.no_meta,
		  .help = "XDP acts as on a driver without metadata (testing)"),
	XT_OPT_TABLE_END,
};
#undef P

const struct xt_cmd xt_cmd_probe = XT_COMMAND("probe",
	"tell whether metadata reaches TC on an interface",
	probe_run, probe_opts, struct probe_cfg,
	.defaults = &probe_defaults,
	.doc = "Attaches xdptag to IFACE for N seconds (default 5), watches whether\n"
	       "the tags XDP writes reach TC while traffic flows, detaches and says\n"
	       "which --bridge to attach with.  Exit 0 with a verdict, 4 when no\n"
	       "traffic was seen.  If xdptag is attached already, judges from its\n"
	       "live counters instead.\n");
