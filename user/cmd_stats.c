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

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdptag stats [IFACE] [--json | --prom] "
		"[--watch SECONDS] [--count N]\n"
		"  IFACE            one attached interface (default: all)\n"
		"  --json           JSON (docs/output.md)\n"
		"  --prom           Prometheus text exposition format\n"
		"  --watch SECONDS  sample again every SECONDS, with rates\n"
		"  --count N        stop after N samples (default: 1, or\n"
		"                   until interrupted with --watch)\n");
}

struct iface {
	struct xt_pinned pins;
	__u32 stats_id;			/* the XDP counters map's id */
	bool has_prev;			/* prev is of the same maps */
	struct xt_counters now, prev;
};

static __u32 map_id(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

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
	o->ifs[o->n].stats_id = map_id(o->ifs[o->n].pins.cls_stats);
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

int cmd_stats(int argc, char **argv)
{
	enum xt_fmt fmt = XT_FMT_TABLE;
	const char *ifname = NULL;
	struct xt_stats_sample *s = NULL;
	struct iface *ifs = NULL;
	double watch = 0, t_prev = 0, t_now;
	unsigned long count = 0, k;
	struct sigaction sa = { .sa_handler = on_signal };
	bool tty, redraw;
	int i, n = 0, ret, rc = XT_EXIT_OK;
	char *end;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			fmt = XT_FMT_JSON;
		} else if (!strcmp(argv[i], "--prom")) {
			fmt = XT_FMT_PROM;
		} else if (!strcmp(argv[i], "--watch") && i + 1 < argc) {
			errno = 0;
			watch = strtod(argv[++i], &end);
			if (errno || *end || !(watch > 0) || watch > 86400) {
				pr_err("--watch: '%s' is not a number of "
				       "seconds between 0 and 86400", argv[i]);
				return XT_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			errno = 0;
			count = strtoul(argv[++i], &end, 10);
			if (errno || *end || !count || argv[i][0] == '-') {
				pr_err("--count: '%s' is not a positive number",
				       argv[i]);
				return XT_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			usage(stdout);
			return XT_EXIT_OK;
		} else if (argv[i][0] == '-') {
			pr_err("stats: unknown or incomplete option '%s' "
			       "(try 'xdptag stats --help')", argv[i]);
			return XT_EXIT_USAGE;
		} else if (!ifname) {
			ifname = argv[i];
		} else {
			pr_err("stats: one interface at most, got '%s' and "
			       "'%s'", ifname, argv[i]);
			return XT_EXIT_USAGE;
		}
	}
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
