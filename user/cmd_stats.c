// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdptag stats [IFACE] [--json | --prom] [--watch SECONDS] [--count N]
 *
 * Reads the counters of one or all attached interfaces from their pins and
 * prints them (user/stats.c).  With --watch, samples again every SECONDS
 * and adds rates since the previous sample.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "cmd.h"
#include "log.h"
#include "privs.h"
#include "stats.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

struct iface {
	struct xt_pinned pins;
	__u32 stats_id;			/* the XDP counters map's id */
	bool has_prev;			/* prev is of the same maps */
	struct xt_counters now, prev;
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep, but return early on SIGINT/SIGTERM (no SA_RESTART). */
static void nap(double s)
{
	struct timespec ts = {
		.tv_sec = (time_t)s,
		.tv_nsec = (long)((s - floor(s)) * 1e9),
	};

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The interfaces open_ifaces() has opened so far. */
struct opened {
	const char *ifname;	/* the one asked for, or NULL: all */
	bool watching;
	struct iface *ifs;
	int n, cap;
};

/*
 * Keep p's pins, or say why they cannot be read.  Listing or watching, an
 * interface not attached (any more) is left out, not an error.
 */
static int iface_add(struct xt_pinned *p, int err, void *arg)
{
	struct opened *o = arg;
	struct iface *more;

	if ((err == -ENOENT || err == -ESTALE) &&
	    (!o->ifname || o->watching))
		return 0;	/* detached between listing and opening */
	if (err == -EREMOTE && !o->ifname)
		return 0;	/* another namespace's interface of the name */
	if (err == XT_PINS_RENAMED && !o->ifname) {
		pr_warn("%s; its counters are left out",
			xt_pins_strerror(err));
		return 0;
	}
	if (err == -ENOENT) {
		pr_err("%s: xdptag is not attached (try 'xdptag attach %s')",
		       p->ifname, p->ifname);
		return XT_EXIT_STATE;
	}
	if (err) {
		pr_err("%s: cannot open pins under %s: %s", p->ifname,
		       XT_PIN_ROOT, xt_pins_strerror(err));
		return XT_EXIT_FAIL;
	}
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 4;
		more = realloc(o->ifs, o->cap * sizeof(*more));
		if (!more) {
			pr_err("out of memory");
			return XT_EXIT_FAIL;
		}
		o->ifs = more;
	}
	memset(&o->ifs[o->n], 0, sizeof(o->ifs[0]));
	xt_pins_take(&o->ifs[o->n].pins, p);
	o->ifs[o->n].stats_id = xt_map_id(o->ifs[o->n].pins.cls_stats);
	o->n++;
	return 0;
}

/*
 * Open the pins of ifname, or of every attached interface.  watching: an
 * interface not attached (any more) is left out, not an error.  Returns 0
 * or an exit status (message printed).
 */
static int open_ifaces(const char *ifname, bool watching, struct iface **out,
		       int *n)
{
	struct opened o = { .ifname = ifname, .watching = watching };
	struct xt_pinned p;
	int i, ret;

	if (ifname) {
		ret = iface_add(&p, xt_pins_open(ifname, &p), &o);
		xt_pins_close(&p);
	} else {
		ret = xt_pins_foreach(iface_add, &o);
		if (ret < 0) {
			pr_err("cannot list %s: %s", XT_PIN_ROOT,
			       xt_pins_strerror(ret));
			ret = XT_EXIT_FAIL;
		}
	}
	if (ret) {
		for (i = 0; i < o.n; i++)
			xt_pins_close(&o.ifs[i].pins);
		free(o.ifs);
		return ret;
	}
	*out = o.ifs;
	*n = o.n;
	return 0;
}

/*
 * Between samples of --watch: open the pins again, so that an interface
 * detached and attached again is followed to its new maps (the old ones
 * would read zero forever), one attached meanwhile appears and one
 * detached goes.  Rates need two samples of the same maps.
 */
static int reopen_ifaces(const char *ifname, struct iface **ifs, int *n)
{
	struct iface *nifs;
	int i, j, nn, ret;

	ret = open_ifaces(ifname, true, &nifs, &nn);
	if (ret)
		return ret;
	for (i = 0; i < nn; i++) {
		for (j = 0; j < *n; j++)
			if (!strcmp((*ifs)[j].pins.ifname, nifs[i].pins.ifname))
				break;
		if (j < *n && (*ifs)[j].stats_id == nifs[i].stats_id &&
		    nifs[i].stats_id) {
			nifs[i].now = (*ifs)[j].now;
			nifs[i].has_prev = true;
		}
	}
	for (j = 0; j < *n; j++)
		xt_pins_close(&(*ifs)[j].pins);
	free(*ifs);
	*ifs = nifs;
	*n = nn;
	return 0;
}

static int sample(struct iface *ifs, int n)
{
	int i, err;

	for (i = 0; i < n; i++) {
		ifs[i].prev = ifs[i].now;
		err = xt_counters_read(ifs[i].pins.cls_stats,
				       ifs[i].pins.tc_stats, &ifs[i].now);
		if (err) {
			pr_err("%s: cannot read counters: %s",
			       ifs[i].pins.ifname, strerror(-err));
			return err;
		}
	}
	return 0;
}

struct stats_cfg {
	const char *ifname;		/* NULL: every attached interface */
	__u32 fmt;			/* enum xt_fmt */
	double watch;			/* seconds between samples; 0: once */
	unsigned long long count;	/* samples; 0: until interrupted */
};

static int stats_run(void *cfg)
{
	const struct stats_cfg *c = cfg;
	enum xt_fmt fmt = c->fmt;
	const char *ifname = c->ifname;
	struct xt_stats_sample *s = NULL;
	struct iface *ifs = NULL;
	double watch = c->watch, t_prev = 0, t_now;
	unsigned long long count = c->count, k;
	struct sigaction sa = { .sa_handler = on_signal };
	bool tty, redraw;
	int i, n = 0, ret, rc = XT_EXIT_OK;

	if (count > 1 && !watch)
		watch = 1;
	if (!watch)
		count = 1;

	if (xt_privs_check("stats", XT_PRIV_PINS))
		return XT_EXIT_FAIL;
	ret = open_ifaces(ifname, false, &ifs, &n);
	if (ret)
		return ret;

	/* Redraw in place only on a terminal; pipes get one sample after
	 * another, as a log. */
	tty = isatty(STDOUT_FILENO);
	redraw = tty && watch && fmt == XT_FMT_TABLE;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (redraw)
		printf("\033[?25l");	/* hide the cursor while redrawing */

	for (k = 0; !stop && (!count || k < count); k++) {
		if (k)
			nap(watch);
		if (stop)
			break;
		if (k && reopen_ifaces(ifname, &ifs, &n)) {
			rc = XT_EXIT_FAIL;
			break;
		}
		if (sample(ifs, n)) {
			rc = XT_EXIT_FAIL;
			break;
		}
		t_now = mono_now();
		free(s);
		s = calloc(n ? n : 1, sizeof(*s));
		if (!s) {
			rc = XT_EXIT_FAIL;
			break;
		}
		for (i = 0; i < n; i++) {
			s[i] = (struct xt_stats_sample){
				.ifname = ifs[i].pins.ifname,
				.now = &ifs[i].now,
				.prev = ifs[i].has_prev ? &ifs[i].prev : NULL,
				.names = &ifs[i].pins.info_val,
			};
			ifs[i].has_prev = true;
		}
		if (redraw)
			printf("\033[H\033[2J");
		else if (k && fmt == XT_FMT_TABLE)
			printf("\n");
		if (!n && fmt == XT_FMT_TABLE && ifname)
			printf("%s: xdptag is not attached (any more); "
			       "watching for it\n", ifname);
		else if (!n && fmt == XT_FMT_TABLE)
			printf("No interface attached (try 'xdptag attach "
			       "IFACE').\n");
		else
			xt_stats_print_many(stdout, fmt, s, n, t_now - t_prev);
		fflush(stdout);
		t_prev = t_now;
	}

	if (redraw)
		printf("\033[?25h");
	fflush(stdout);
	free(s);
	for (i = 0; i < n; i++)
		xt_pins_close(&ifs[i].pins);
	free(ifs);
	return rc;
}

#define S struct stats_cfg
static const struct xt_opt stats_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", S, ifname, .optional = true,
	       .what = "at most one interface"),
	XT_OPTION(XT_OPT_FLAG, "json", S, fmt, .set = XT_FMT_JSON,
		  .help = "JSON (docs/output.md)"),
	XT_OPTION(XT_OPT_FLAG, "prom", S, fmt, .set = XT_FMT_PROM,
		  .help = "Prometheus text exposition format"),
	XT_OPTION(XT_OPT_DURATION, "watch", S, watch, .max = 86400,
		  .metavar = "SECONDS",
		  .help = "sample again every SECONDS, with rates"),
	XT_OPTION(XT_OPT_UINT, "count", S, count, .min = 1, .max = ~0ULL,
		  .metavar = "N",
		  .help = "stop after N samples (default: 1, or\n"
			  "until interrupted with --watch)"),
	XT_OPT_TABLE_END,
};
#undef S

const struct xt_cmd xt_cmd_stats = XT_COMMAND("stats",
	"print counters: table, JSON or Prometheus",
	stats_run, stats_opts, struct stats_cfg,
	.doc = "Counters of IFACE, or of every attached interface.\n");
