// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdptag capture`: command line of user/capture.c. */
#include <stdint.h>
#include <string.h>
#include "capture.h"
#include "cmd.h"
#include "log.h"
#include "privs.h"

static int capture_run(void *cfg)
{
	const struct xt_capture_opts *o = cfg;

	if (xt_privs_check("capture", XT_PRIV_PINS))
		return XT_EXIT_FAIL;
	return xt_capture(o);
}

static const struct xt_capture_opts capture_defaults = {
	.min_score = -1, .snaplen = XT_CAP_SNAP_DEFAULT,
	.rate = XT_CAP_RATE_DEFAULT,
};

#define C struct xt_capture_opts
static const struct xt_opt capture_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", C, ifname, .what = "one interface"),
	{ .type = XT_OPT_FILE, .short_name = 'w', XT_FIELD(C, out_path),
	  .metavar = "FILE", .required = true,
	  .help = "pcapng output; - for standard output" },
	XT_OPTION(XT_OPT_STRING, "class", C, class, .metavar = "C",
		  .help = "class name or number"),
	XT_OPTION(XT_OPT_LIST, "rule", C, rules, XT_COUNT(C, nrules),
		  .max = XT_MAX_RULES, .metavar = "R",
		  .help = "matched rule R (repeat: any of them)"),
	XT_OPTION(XT_OPT_UINT, "min-score", C, min_score, .max = 255,
		  .metavar = "N", .help = "score at least N (0-255)"),
	XT_OPTION(XT_OPT_FLAG, "dropped", C, dropped,
		  .help = "only packets the XDP stage drops"),
	XT_OPTION(XT_OPT_UINT, "snaplen", C, snaplen, .min = 1,
		  .max = XT_CAP_SNAP_MAX, .metavar = "N",
		  .help = "bytes of each packet (1-" XT_STR(XT_CAP_SNAP_MAX)
			  ", default " XT_STR(XT_CAP_SNAP_DEFAULT) ")"),
	XT_OPTION(XT_OPT_UINT, "rate", C, rate, .max = UINT32_MAX,
		  .metavar = "N",
		  .help = "packets per second at most, enforced in BPF\n"
			  "(default " XT_STR(XT_CAP_RATE_DEFAULT) "; 0: no limit)"),
	XT_OPTION(XT_OPT_UINT, "count", C, count, .max = ~0ULL,
		  .metavar = "N", .help = "stop after N packets"),
	XT_OPTION(XT_OPT_DURATION, "duration", C, duration, .max = 10000000,
		  .metavar = "SECS", .help = "stop after SECS seconds"),
	XT_OPT_TABLE_END,
};
#undef C

const struct xt_cmd xt_cmd_capture = XT_COMMAND("capture",
	"sample classified packets into pcapng",
	capture_run, capture_opts, struct xt_capture_opts,
	.defaults = &capture_defaults,
	.doc = "Samples packets the XDP stage of IFACE classified, with their verdict,\n"
	       "and writes them as pcapng; each packet's comment holds class, score,\n"
	       "rules and mark.  Conditions given must all hold.\n");
