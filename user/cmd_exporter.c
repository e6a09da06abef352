// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag exporter [--listen ADDR:PORT]`: GET /metrics serves the counters
 * of every attached interface in the Prometheus text format, read from the
 * pins at each scrape with the collector and printer `stats --prom` uses.
 * docs/exporter.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include "attach.h"
#include "cmd.h"
#include "log.h"
#include "privs.h"
#include "stats.h"

#define MAX_IFACES	64
#define LISTEN_DEFAULT	"127.0.0.1:9435"
#define PROM_CTYPE	"text/plain; version=0.0.4; charset=utf-8"

static const char exporter_usage[] =
	"Usage: xdptag exporter [--listen ADDR:PORT]\n"
	"\n"
	"Serves GET /metrics (Prometheus text format) for every interface\n"
	"xdptag is attached to, until SIGINT or SIGTERM.\n"
	"\n"
	"  --listen A   IPv4 ADDR:PORT or [IPv6]:PORT, numeric\n"
	"               (default " LISTEN_DEFAULT ": loopback only)\n";

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
	unsigned long port;
	size_t n;
	char *end;

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
	errno = 0;
	port = strtoul(ps, &end, 10);
	if (!*ps || *end || errno || ps[0] == '-' || !port || port > 65535)
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
 * One exposition of every attached interface into a malloc'd buffer.  An
 * interface detached between listing and reading is left out, not an error.
 */
static int metrics_render(char **buf, size_t *len)
{
	static char names[MAX_IFACES][IF_NAMESIZE];
	static struct xt_pinned pins[MAX_IFACES];
	static struct xt_counters now[MAX_IFACES];
	struct xt_stats_sample s[MAX_IFACES];
	int i, n, k = 0, err = 0;
	FILE *f;

	n = xt_pins_list(names, MAX_IFACES);
	if (n == -ENOENT)
		n = 0;
	if (n < 0)
		return n;
	if (n > MAX_IFACES)
		n = MAX_IFACES;
	for (i = 0; i < n; i++) {
		if (xt_pins_open(names[i], &pins[k]))
			continue;
		if (xt_counters_read(pins[k].xdp_stats, pins[k].tc_stats,
				     &now[k])) {
			xt_pins_close(&pins[k]);
			continue;
		}
		s[k] = (struct xt_stats_sample){
			.ifname = pins[k].ifname,
			.now = &now[k],
			.names = &pins[k].info_val,
		};
		k++;
	}
	f = open_memstream(buf, len);
	if (!f)
		err = -errno;
	else {
		xt_stats_print_many(f, XT_FMT_PROM, s, k, 0);
		if (fclose(f))
			err = -errno;
	}
	for (i = 0; i < k; i++)
		xt_pins_close(&pins[i]);
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

int cmd_exporter(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = LISTEN_DEFAULT;
	char names[1][IF_NAMESIZE];
	union sockaddr_any addr;
	struct MHD_Daemon *d;
	unsigned int flags;
	sigset_t set;
	int c, sig, n;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 'h':
			fputs(exporter_usage, stdout);
			return XT_EXIT_OK;
		default:
			return xt_opt_error("exporter", c, argv);
		}
	}
	if (optind != argc) {
		pr_err("unexpected argument '%s' (try 'xdptag exporter --help')",
		       argv[optind]);
		return XT_EXIT_USAGE;
	}
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

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (addr.sa.sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, &addr.sa,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10U,
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
