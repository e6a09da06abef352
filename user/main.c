// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdptag: entry point.  Global options, then a subcommand from the table
 * below; each subcommand lives in its own user/cmd_*.c file.
 */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "log.h"

int cmd_replay(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_nft(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_exporter(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_service(int argc, char **argv);

const struct xt_cmd xt_cmds[] = {
	/* Subcommands are added here, one line each. */
	{ "replay", cmd_replay, "run a capture through the XDP program" },
	{ "attach", cmd_attach, "attach the pipeline to an interface" },
	{ "detach", cmd_detach, "remove the pipeline from an interface" },
	{ "status", cmd_status, "show attached interfaces and bridge health" },
	{ "stats", cmd_stats, "print counters: table, JSON or Prometheus" },
	{ "nft", cmd_nft, "print an nftables ruleset matching the marks" },
	{ "rules", cmd_rules, "check, show or hot-swap a rules file" },
	{ "probe", cmd_probe, "tell whether metadata reaches TC on an interface" },
	{ "exporter", cmd_exporter, "serve the counters to Prometheus over HTTP" },
	{ "capture", cmd_capture, "sample classified packets into pcapng" },
	{ "service", cmd_service, "start, reload or stop IFACE as xdptag@IFACE.service does" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct xt_cmd *c;

	fprintf(f, "Usage: xdptag [-v|-vv] COMMAND [ARGS...]\n"
		   "       xdptag COMMAND --help\n"
		   "       xdptag --version\n\nCommands:\n");
	for (c = xt_cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
}

int main(int argc, char **argv)
{
	const struct xt_cmd *c;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			xt_verbose = 1;
		else if (!strcmp(argv[i], "-vv"))
			xt_verbose = 2;
		else if (!strcmp(argv[i], "--version")) {
			/* XT_VERSION: debian/changelog's, by the Makefile. */
			printf("xdptag %s\n", XT_VERSION);
			return XT_EXIT_OK;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return XT_EXIT_OK;
		} else {
			pr_err("unknown option '%s' (try 'xdptag --help')", argv[i]);
			return XT_EXIT_USAGE;
		}
	}
	if (i == argc) {
		usage(stderr);
		return XT_EXIT_USAGE;
	}
	xt_log_setup();
	for (c = xt_cmds; c->name; c++)
		if (!strcmp(argv[i], c->name))
			return c->fn(argc - i, argv + i);
	pr_err("unknown command '%s' (try 'xdptag --help')", argv[i]);
	return XT_EXIT_USAGE;
}
