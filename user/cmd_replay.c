// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdptag replay`: command line of user/replay.c. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"	/* xt_mark_value_parse */
#include "cmd.h"
#include "log.h"
#include "privs.h"
#include "replay.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdptag replay [--rules FILE] [--mark-mask M] [--mark-shift S]\n"
		"                     [--mark-value { class | score | both }]\n"
		"                     [--json] [--limit N] [--jobs N]\n"
		"                     [--live [--nft FILE] [--live-iface NAME]] CAPTURE\n"
		"\n"
		"Runs every frame of CAPTURE (pcap or pcapng, Ethernet) through the\n"
		"XDP program with BPF_PROG_TEST_RUN and the TC stage's mark logic.\n"
		"Prints the histograms of 'xdptag stats' and what was skipped, or\n"
		"with --json one JSON object per frame and a summary object.\n"
		"\n"
		"  --rules FILE        rules file (default: the built-in ruleset)\n"
		"  --mark-mask M       bits of the mark to write (overrides the file)\n"
		"  --mark-shift S      shift of the value within the mark (0-31)\n"
		"  --mark-value V      class, score (band 0-15) or both\n"
		"  --json              JSON Lines output (docs/replay.md)\n"
		"  --limit N           stop after N frames\n"
		"  --jobs N            test runs at once (1-%d; default: one per CPU;\n"
		"                      one with rate or fan-out rules: per-source\n"
		"                      state runs in capture order, on its stamps)\n"
		"  --live              also send each frame through the real receive\n"
		"                      path: a veth in a throwaway network namespace\n"
		"                      with both stages and nftables; reports per\n"
		"                      frame the verdict at XDP and the mark at TC\n"
		"  --nft FILE          --live: this nftables ruleset (default: the\n"
		"                      'xdptag nft' one, in a netdev ingress chain)\n"
		"  --live-iface NAME   --live: name of the veth (default xtlive0)\n",
		XT_REPLAY_MAX_JOBS);
}

static int parse_u32(const char *opt, const char *s, __u32 *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || x > 0xffffffffULL) {
		pr_err("%s: '%s' is not a number from 0 to 4294967295", opt, s);
		return -EINVAL;
	}
	*v = x;
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "mark-mask", required_argument, NULL, 'm' },
		{ "mark-shift", required_argument, NULL, 's' },
		{ "mark-value", required_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' },
		{ "limit", required_argument, NULL, 'l' },
		{ "live", no_argument, NULL, 'L' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "nft", required_argument, NULL, 'N' },
		{ "live-iface", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xt_replay_opts o = { .out = stdout };
	__u32 limit;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.rules_path = optarg;
			break;
		case 'm':
			if (parse_u32("--mark-mask", optarg, &o.mark_mask))
				return XT_EXIT_USAGE;
			o.has_mark_mask = true;
			break;
		case 's':
			if (parse_u32("--mark-shift", optarg, &o.mark_shift))
				return XT_EXIT_USAGE;
			o.has_mark_shift = true;
			break;
		case 'V':
			if (xt_mark_value_parse(optarg, &o.mark_value)) {
				pr_err("--mark-value: '%s': expected class, score or both",
				       optarg);
				return XT_EXIT_USAGE;
			}
			o.has_mark_value = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'l':
			if (parse_u32("--limit", optarg, &limit))
				return XT_EXIT_USAGE;
			o.limit = limit;
			break;
		case 'L':
			o.live = true;
			break;
		case 'J':
			if (parse_u32("--jobs", optarg, &o.jobs))
				return XT_EXIT_USAGE;
			if (o.jobs < 1 || o.jobs > XT_REPLAY_MAX_JOBS) {
				pr_err("--jobs: %u is not from 1 to %d", o.jobs,
				       XT_REPLAY_MAX_JOBS);
				return XT_EXIT_USAGE;
			}
			break;
		case 'N':
			o.nft_path = optarg;
			break;
		case 'I':
			o.live_iface = optarg;
			break;
		case 'h':
			usage(stdout);
			return XT_EXIT_OK;
		default:
			return xt_opt_error("replay", c, argv);
		}
	}
	if (optind != argc - 1) {
		pr_err("replay: expected one capture file (try 'xdptag replay --help')");
		return XT_EXIT_USAGE;
	}
	o.capture = argv[optind];
	if ((o.nft_path || o.live_iface) && !o.live) {
		pr_err("replay: --nft and --live-iface go with --live");
		return XT_EXIT_USAGE;
	}
	if (xt_privs_check("replay", XT_PRIV_LOAD))
		return XT_EXIT_FAIL;
	/* Namespaces of its own (unshare) take CAP_SYS_ADMIN, as detach's
	 * program lookups do. */
	if (o.live && xt_privs_check("replay --live", XT_PRIV_DETACH))
		return XT_EXIT_FAIL;
	return xt_replay(&o);
}
