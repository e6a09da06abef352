// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdptag attach` and `xdptag detach`: their option tables, over user/attach.c. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "cmd.h"
#include "hooks.h"
#include "log.h"
#include "privs.h"

/* Where attach writes what the command line says. */
static const struct xt_attach_opts attach_defaults = {
	.tc_prio = XT_TC_PRIO_DEFAULT,
	.tc_attach = XT_TC_AUTO,
	.xdp_attach = XT_XDP_AUTO,
};

static int attach_run(void *cfg)
{
	if (xt_privs_check("attach", XT_PRIV_LOAD))
		return XT_EXIT_FAIL;
	return xt_attach(cfg);
}

#define A struct xt_attach_opts
static const struct xt_opt attach_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", A, ifname, .what = "one interface"),
	XT_OPTION(XT_OPT_ENUM, "mode", A, mode, .names = xt_mode_names,
		  .help = "XDP mode (default auto: native, else generic)"),
	XT_OPTION(XT_OPT_FILE, "rules", A, rules_path, .metavar = "FILE",
		  .help = "rules file (default: the built-in ruleset)"),
	XT_MARK_OPTIONS(A, set.mark_mask, set.has_mark_mask, set.mark_shift,
			set.has_mark_shift, set.mark_value, set.has_mark_value),
	XT_OPTION(XT_OPT_UINT, "drop-above", A, set.drop_threshold,
		  XT_HAS(A, set.has_drop_threshold), .max = 255, .metavar = "N",
		  .help = "XDP_DROP when score >= N, 0-255; 0 never drops"),
	XT_OPTION(XT_OPT_ENUM, "bridge", A, bridge, .names = xt_bridge_names,
		  .help = "where to classify: meta (XDP tags, TC reads; default),\n"
			  "tc (TC classifies: drivers without metadata), auto\n"
			  "(meta until TC sees a packet without its tag, then tc)"),
	XT_OPTION(XT_OPT_FLAG, "force", A, force,
		  .help = "replace an XDP program already on IFACE, or the\n"
			  "xdptag attached to it (an older one's cls_bpf filter)"),
	XT_OPTION(XT_OPT_ENUM, "tc-attach", A, tc_attach,
		  .names = xt_tc_attach_names,
		  .help = "TC stage through tcx (kernel 6.6+: first in the list,\n"
			  "before Cilium's programs) or cls (a cls_bpf filter);\n"
			  "default auto: tcx where the kernel has it"),
	XT_OPTION(XT_OPT_UINT, "tc-prio", A, tc_prio, .min = 1, .max = 0xffff,
		  .metavar = "PRIO",
		  .help = "priority of the cls_bpf filter, 1-65535 (default "
			  XT_STR(XT_TC_PRIO_DEFAULT) ")"),
	XT_OPTION(XT_OPT_FLAG, "no-meta", A, no_meta,
		  .help = "XDP behaves as on a driver without metadata support\n"
			  "(bpf_xdp_adjust_meta fails): for testing --bridge"),
	XT_OPTION(XT_OPT_ENUM, "xdp-attach", A, xdp_attach,
		  .names = xt_xdp_attach_names,
		  .help = "XDP stage in libxdp's dispatcher (made if IFACE has\n"
			  "no XDP program) or direct (alone); default auto: the\n"
			  "dispatcher, alone where the kernel refuses it or\n"
			  "another program is alone on IFACE"),
	XT_OPT_TABLE_END,
};
#undef A

const struct xt_cmd xt_cmd_attach = XT_COMMAND("attach",
	"attach the pipeline to an interface",
	attach_run, attach_opts, struct xt_attach_opts,
	.defaults = &attach_defaults,
	.doc = "Options override the rules file's settings.\n");

struct detach_cfg {
	const char *ifname;
};

static int detach_run(void *cfg)
{
	const struct detach_cfg *c = cfg;

	if (xt_privs_check("detach", XT_PRIV_DETACH))
		return XT_EXIT_FAIL;
	return xt_detach(c->ifname);
}

static const struct xt_opt detach_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", struct detach_cfg, ifname,
	       .what = "one interface"),
	XT_OPT_TABLE_END,
};

const struct xt_cmd xt_cmd_detach = XT_COMMAND("detach",
	"remove the pipeline from an interface",
	detach_run, detach_opts, struct detach_cfg);
