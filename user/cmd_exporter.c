// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag exporter [--listen ADDR:PORT]`: GET /metrics serves the counters
 * of every attached interface in the Prometheus text format, read from the
 * pins at each scrape with the collector and printer `stats --prom` uses.
 * docs/exporter.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "attach.h"
#include "cmd.h"
#include "log.h"
#include "num.h"
#include "privs.h"
#include "stats.h"

/* Gone interfaces remembered to warn about once; past it, warnings repeat. */
#define WARNED_MAX	64
#define LISTEN_DEFAULT	"127.0.0.1:9435"
#define PROM_CTYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * Connection bounds (docs/exporter.md): idle or trickling clients must not
 * starve a scrape.  epoll has no FD_SETSIZE (1024) ceiling as select()
 * has; a client address holds at most PER_IP connections, everyone
 * together at most MAX_CONNS (fewer if RLIMIT_NOFILE cannot be raised);
 * a connection idle for TIMEOUT_S seconds is closed.
 */
#define MAX_CONNS	4000
#define PER_IP		32
#define TIMEOUT_S	10
#define SPARE_FDS	64	/* pins, maps, the listener, stdio */
/* A flood of connections must not overflow the accept queue and have a
 * scrape's SYN dropped while the server thread catches up (the kernel caps
 * it at net.core.somaxconn). */
#define BACKLOG		4096

union sockaddr_any {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* "1.2.3.4:9435" or "[::1]:9435"; numeric only, so nothing resolves. */
static int listen_parse(const char *s, union sockaddr_any *a)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *ps;
	bool v6 = s[0] == '[';
	unsigned long long port;
	size_t n;

	memset(a, 0, sizeof(*a));
	if (v6) {
		colon = strstr(s, "]:");
		if (!colon)
			return -EINVAL;
		n = colon - s - 1;
		ps = colon + 2;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -EINVAL;
		n = colon - s;
		ps = colon + 1;
	}
	if (!n || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (xt_num_parse(ps, 65535, &port) || !port)
		return -EINVAL;
	if (!v6 && inet_pton(AF_INET, host, &a->in.sin_addr) == 1) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		return 0;
	}
	if (v6 && inet_pton(AF_INET6, host, &a->in6.sin6_addr) == 1) {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

/*
 * Pins the scrape leaves out, said once per name on stderr (again if the
 * name comes back and goes again): an interface that is gone (deleted, or
 * the name now another device's), whose pins hold the last counters
 * forever, and pins that cannot be read as this version's (another
 * network namespace's, another xdptag version's: err).
 */
static bool left_out(const struct xt_pinned *p, int err)
{
	static char warned[WARNED_MAX][IF_NAMESIZE];
	unsigned int ifindex = if_nametoindex(p->ifname);
	int i, free_slot = -1;

	for (i = 0; i < WARNED_MAX; i++) {
		if (!strcmp(warned[i], p->ifname))
			break;
		if (!warned[i][0] && free_slot < 0)
			free_slot = i;
	}
	if (!err && ifindex && ifindex == p->info_val.ifindex) {
		if (i < WARNED_MAX)	/* back again: warn if it goes again */
			warned[i][0] = '\0';
		return false;
	}
	if (i == WARNED_MAX) {
		if (err)
			pr_warn("%s: %s; its counters are left out", p->ifname,
				xt_pins_strerror(err));
		else
			pr_warn("%s: interface no longer exists; its counters are left out (run 'xdptag detach %s' to remove its pins)",
				p->ifname, p->ifname);
		if (free_slot >= 0)
			snprintf(warned[free_slot], IF_NAMESIZE, "%s",
				 p->ifname);
	}
	return true;
}

/* The interfaces of one scrape, with their counters. */
struct scrape {
	struct scraped {
		struct xt_pinned pins;
		struct xt_counters now;
	} *ifs;
	int n, cap;
};

/*
 * An interface detached between listing and reading, or whose attach or
 * detach is under way, is left out quietly; left_out() says why others are.
 */
static int scrape_add(struct xt_pinned *p, int err, void *arg)
{
	struct scrape *sc = arg;
	struct scraped *more;

	if (err == -ENOENT || err == -ESTALE || left_out(p, err))
		return 0;
	if (sc->n == sc->cap) {
		sc->cap = sc->cap ? 2 * sc->cap : 4;
		more = realloc(sc->ifs, sc->cap * sizeof(*more));
		if (!more)
			return ENOMEM;
		sc->ifs = more;
	}
	if (xt_counters_read(p->cls_stats, p->tc_stats, &sc->ifs[sc->n].now))
		return 0;
	xt_pins_take(&sc->ifs[sc->n++].pins, p);
	return 0;
}

/* One exposition of every attached interface into a malloc'd buffer. */
static int metrics_render(char **buf, size_t *len)
{
	struct scrape sc = { 0 };
	struct xt_stats_sample *s = NULL;
	int i, err;
	FILE *f;

	err = xt_pins_foreach(scrape_add, &sc);
	if (err > 0)
		err = -err;
	if (!err)
		s = calloc(sc.n ? sc.n : 1, sizeof(*s));
	if (!err && !s)
		err = -ENOMEM;
	for (i = 0; !err && i < sc.n; i++)
		s[i] = (struct xt_stats_sample){
			.ifname = sc.ifs[i].pins.ifname,
			.now = &sc.ifs[i].now,
			.names = &sc.ifs[i].pins.info_val,
		};
	f = err ? NULL : open_memstream(buf, len);
	if (!err && !f)
		err = -errno;
	if (f) {
		xt_stats_print_many(f, XT_FMT_PROM, s, sc.n, 0);
		if (fclose(f))
			err = -errno;
	}
	for (i = 0; i < sc.n; i++)
		xt_pins_close(&sc.ifs[i].pins);
	free(sc.ifs);
	free(s);
	return err;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     char *body, size_t len, bool owned,
			     const char *ctype)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body,
					    owned ? MHD_RESPMEM_MUST_FREE :
						    MHD_RESPMEM_PERSISTENT);
	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **ctx)
{
	static char not_found[] = "Not found: the metrics are at /metrics\n";
	static char bad_method[] = "Only GET and HEAD\n";
	static char failed[] = "Cannot read the xdptag pins\n";
	const char *text = "text/plain; charset=utf-8";
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, bad_method,
			     strlen(bad_method), false, text);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, not_found,
			     strlen(not_found), false, text);
	err = metrics_render(&buf, &len);
	if (err) {
		free(buf);
		pr_warn("scrape failed: %s", strerror(-err));
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, failed,
			     strlen(failed), false, text);
	}
	return reply(conn, MHD_HTTP_OK, buf, len, true, PROM_CTYPE);
}

/*
 * Room for MAX_CONNS connections: raise the soft RLIMIT_NOFILE as far as
 * needed and allowed; with less, fewer connections (MHD refuses the rest
 * at once instead of failing in accept()).
 */
static unsigned int conn_budget(void)
{
	struct rlimit rl;
	rlim_t want = MAX_CONNS + SPARE_FDS;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024 - SPARE_FDS;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur >= want)
		return MAX_CONNS;
	return rl.rlim_cur > 2 * SPARE_FDS ? rl.rlim_cur - SPARE_FDS :
					     SPARE_FDS;
}

struct exporter_cfg {
	const char *listen;
};

static int exporter_run(void *cfg)
{
	const char *listen = ((const struct exporter_cfg *)cfg)->listen;
	char names[1][IF_NAMESIZE];
	union sockaddr_any addr;
	struct MHD_Daemon *d;
	unsigned int flags;
	unsigned int max_conns;
	sigset_t set;
	int sig, n;

	if (listen_parse(listen, &addr)) {
		pr_err("--listen: '%s' is not IPv4 ADDR:PORT or [IPv6]:PORT",
		       listen);
		return XT_EXIT_USAGE;
	}
	if (xt_privs_check("exporter", XT_PRIV_PINS))
		return XT_EXIT_FAIL;
	/*
	 * Find bpffs now, on the main thread: under `ip netns exec` that
	 * means setns() into another mount namespace, which the kernel
	 * refuses to a process that already has threads.
	 */
	n = xt_pins_list(names, 1);
	if (n < 0 && n != -ENOENT) {
		pr_err("cannot list %s: %s", XT_PIN_ROOT, xt_pins_strerror(n));
		return XT_EXIT_FAIL;
	}

	/* Block the signals before the server thread exists, so that it
	 * inherits the mask and sigwait() below receives them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	if (addr.sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	max_conns = conn_budget();
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, &addr.sa,
			     MHD_OPTION_CONNECTION_LIMIT, max_conns,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     (unsigned int)PER_IP,
			     MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned int)TIMEOUT_S,
			     MHD_OPTION_LISTEN_BACKLOG_SIZE,
			     (unsigned int)BACKLOG,
			     MHD_OPTION_END);
	if (!d) {
		pr_err("cannot listen on %s: %s", listen, strerror(errno));
		return XT_EXIT_FAIL;
	}
	printf("Serving http://%s/metrics\n", listen);
	fflush(stdout);
	while (sigwait(&set, &sig))
		;
	MHD_stop_daemon(d);
	return XT_EXIT_OK;
}

static const struct exporter_cfg exporter_defaults = {
	.listen = LISTEN_DEFAULT,
};

static const struct xt_opt exporter_opts[] = {
	XT_OPTION(XT_OPT_STRING, "listen", struct exporter_cfg, listen,
		  .metavar = "A",
		  .help = "IPv4 ADDR:PORT or [IPv6]:PORT, numeric\n"
			  "(default " LISTEN_DEFAULT ": loopback only)"),
	XT_OPT_TABLE_END,
};

const struct xt_cmd xt_cmd_exporter = XT_COMMAND("exporter",
	"serve the counters to Prometheus over HTTP",
	exporter_run, exporter_opts, struct exporter_cfg,
	.defaults = &exporter_defaults,
	.doc = "Serves GET /metrics (Prometheus text format) for every interface\n"
	       "xdptag is attached to, until SIGINT or SIGTERM.\n");
