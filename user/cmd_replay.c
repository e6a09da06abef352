// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdptag replay`: command line of user/replay.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "log.h"
#include "privs.h"
#include "replay.h"
#include "rules_file.h"

static int replay_run(void *cfg)
{
	const struct xt_replay_opts *o = cfg;
	char why[64];

	if ((o->nft_path || o->live_iface) && !o->live) {
		pr_err("replay: --nft and --live-iface go with --live");
		return XT_EXIT_USAGE;
	}
	/* Bad input, as a rules file's: before anything is set up. */
	if (o->nft_path && xt_file_check(o->nft_path, why, sizeof(why))) {
		pr_err("--nft %s: %s", o->nft_path, why);
		return XT_EXIT_USAGE;
	}
	if (xt_privs_check("replay", XT_PRIV_LOAD))
		return XT_EXIT_FAIL;
	/* Namespaces of its own (unshare) take CAP_SYS_ADMIN, as detach's
	 * program lookups do. */
	if (o->live && xt_privs_check("replay --live", XT_PRIV_DETACH))
		return XT_EXIT_FAIL;
	return xt_replay(o);
}

#define R struct xt_replay_opts
static const struct xt_opt replay_opts[] = {
	XT_ARG(XT_OPT_FILE, "CAPTURE", R, capture, .what = "one capture file"),
	XT_OPTION(XT_OPT_FILE, "rules", R, rules_path, .metavar = "FILE",
		  .help = "rules file (default: the built-in ruleset)"),
	XT_MARK_OPTIONS(R, mark_mask, has_mark_mask, mark_shift,
			has_mark_shift, mark_value, has_mark_value),
	XT_OPTION(XT_OPT_FLAG, "json", R, json,
		  .help = "JSON Lines output (docs/replay.md)"),
	XT_OPTION(XT_OPT_UINT, "limit", R, limit, .max = ~0ULL,
		  .metavar = "N", .help = "stop after N frames"),
	XT_OPTION(XT_OPT_UINT, "jobs", R, jobs, .min = 1,
		  .max = XT_REPLAY_MAX_JOBS, .metavar = "N",
		  .help = "test runs at once (1-" XT_STR(XT_REPLAY_MAX_JOBS)
			  "; default: one per CPU;\n"
			  "with rate or fan-out rules each runs its state\n"
			  "sets' frames in capture order: the same output\n"
			  "for any N)"),
	XT_OPTION(XT_OPT_FLAG, "live", R, live,
		  .help = "also send each frame through the real receive\n"
			  "path: a veth in a throwaway network namespace\n"
			  "with both stages and nftables; reports per\n"
			  "frame the verdict at XDP and the mark at TC"),
	XT_OPTION(XT_OPT_FILE, "nft", R, nft_path, .metavar = "FILE",
		  .help = "with --live: this nftables ruleset (default: the\n"
			  "'xdptag nft' one, in a netdev ingress chain)"),
	XT_OPTION(XT_OPT_IFNAME, "live-iface", R, live_iface,
		  .metavar = "NAME",
		  .help = "with --live: name of the veth (default xtlive0)"),
	XT_OPT_TABLE_END,
};
#undef R

const struct xt_cmd xt_cmd_replay = XT_COMMAND("replay",
	"run a capture through the XDP program",
	replay_run, replay_opts, struct xt_replay_opts,
	.doc = "Runs every frame of CAPTURE (pcap or pcapng, Ethernet) through the\n"
	       "XDP program with BPF_PROG_TEST_RUN and the TC stage's mark logic.\n"
	       "Prints the histograms of 'xdptag stats' and what was skipped, or\n"
	       "with --json one JSON object per frame and a summary object.\n"
	       "Options override the rules file's settings.\n");
