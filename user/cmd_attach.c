// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `xdptag attach` and `xdptag detach`: option parsing over user/attach.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attach.h"
#include "cmd.h"
#include "hooks.h"
#include "log.h"
#include "privs.h"

static const char attach_usage[] =
	"Usage: xdptag attach IFACE [--mode {auto|native|generic|offload}]\n"
	"                    [--rules FILE] [--mark-mask MASK] [--mark-shift N]\n"
	"                    [--mark-value {class|score|both}] [--drop-above N]\n"
	"                    [--bridge {meta|tc|auto}] [--force] [--tc-prio PRIO]\n"
	"                    [--tc-attach {auto|tcx|cls}] [--no-meta]\n"
	"                    [--xdp-multiprog]\n"
	"\n"
	"  --mode M         XDP mode (default auto: native, else generic)\n"
	"  --rules FILE     rules file (default: the built-in ruleset)\n"
	"  --mark-mask M    bits of skb->mark xdptag may write (default 0xff)\n"
	"  --mark-shift N   shift of the value inside the mask, 0-31 (default 0)\n"
	"  --mark-value V   class, score (band 0-15) or both (class<<4|band)\n"
	"  --drop-above N   XDP_DROP when score >= N, 0-255; 0 never drops\n"
	"  --bridge B       where to classify: meta (XDP tags, TC reads; default),\n"
	"                   tc (TC classifies: drivers without metadata), auto\n"
	"                   (meta until TC sees a packet without its tag, then tc)\n"
	"  --force          replace an XDP program already on IFACE, or the\n"
	"                   xdptag attached to it (an older one's cls_bpf filter)\n"
	"  --no-meta        XDP behaves as on a driver without metadata support\n"
	"                   (bpf_xdp_adjust_meta fails): for testing --bridge\n"
	"  --tc-attach H    TC stage through tcx (kernel 6.6+: first in the list,\n"
	"                   before Cilium's programs) or cls (a cls_bpf filter);\n"
	"                   default auto: tcx where the kernel has it\n"
	"  --tc-prio PRIO   priority of the cls_bpf filter, 1-65535 (default 100)\n"
	"  --xdp-multiprog  XDP as one program of libxdp's dispatcher, made if\n"
	"                   IFACE has none (joined by default when it has one)\n"
	"Options override the rules file's settings.\n";

static const char detach_usage[] = "Usage: xdptag detach IFACE\n";

/* A whole unsigned number in [0, max], any base strtoul knows. */
static int num_parse(const char *opt, const char *s, unsigned long max,
		     __u32 *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (!*s || *end || errno || s[0] == '-' || v > max) {
		pr_err("%s: '%s' is not a number in 0-%lu", opt, s, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum { O_MODE = 256, O_RULES, O_MASK, O_SHIFT, O_VALUE, O_DROP, O_FORCE,
       O_PRIO, O_BRIDGE, O_NO_META, O_TC_ATTACH, O_XDP_MULTIPROG };

static const struct option attach_opts[] = {
	{ "mode", required_argument, NULL, O_MODE },
	{ "rules", required_argument, NULL, O_RULES },
	{ "mark-mask", required_argument, NULL, O_MASK },
	{ "mark-shift", required_argument, NULL, O_SHIFT },
	{ "mark-value", required_argument, NULL, O_VALUE },
	{ "drop-above", required_argument, NULL, O_DROP },
	{ "force", no_argument, NULL, O_FORCE },
	{ "tc-prio", required_argument, NULL, O_PRIO },
	{ "bridge", required_argument, NULL, O_BRIDGE },
	{ "no-meta", no_argument, NULL, O_NO_META },
	{ "tc-attach", required_argument, NULL, O_TC_ATTACH },
	{ "xdp-multiprog", no_argument, NULL, O_XDP_MULTIPROG },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int cmd_attach(int argc, char **argv)
{
	struct xt_attach_opts o = { .tc_prio = XT_TC_PRIO_DEFAULT,
				    .tc_attach = XT_TC_AUTO };
	struct xt_settings *s = &o.set;
	__u32 prio;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", attach_opts, NULL)) != -1) {
		switch (c) {
		case O_MODE:
			if (xt_mode_parse(optarg, &o.mode)) {
				pr_err("--mode: '%s' is not one of auto, native, generic, offload",
				       optarg);
				return XT_EXIT_USAGE;
			}
			break;
		case O_RULES:
			o.rules_path = optarg;
			break;
		case O_MASK:
			if (num_parse("--mark-mask", optarg, 0xffffffffUL,
				      &s->mark_mask))
				return XT_EXIT_USAGE;
			s->has_mark_mask = true;
			break;
		case O_SHIFT:
			if (num_parse("--mark-shift", optarg, 31,
				      &s->mark_shift))
				return XT_EXIT_USAGE;
			s->has_mark_shift = true;
			break;
		case O_VALUE:
			if (xt_mark_value_parse(optarg, &s->mark_value)) {
				pr_err("--mark-value: '%s' is not one of class, score, both",
				       optarg);
				return XT_EXIT_USAGE;
			}
			s->has_mark_value = true;
			break;
		case O_DROP:
			if (num_parse("--drop-above", optarg, 255,
				      &s->drop_threshold))
				return XT_EXIT_USAGE;
			s->has_drop_threshold = true;
			break;
		case O_FORCE:
			o.force = true;
			break;
		case O_NO_META:
			o.no_meta = true;
			break;
		case O_XDP_MULTIPROG:
			o.xdp_multiprog = true;
			break;
		case O_BRIDGE:
			if (xt_bridge_parse(optarg, &o.bridge)) {
				pr_err("--bridge: '%s' is not one of meta, tc, auto",
				       optarg);
				return XT_EXIT_USAGE;
			}
			break;
		case O_TC_ATTACH:
			if (xt_tc_attach_parse(optarg, &o.tc_attach)) {
				pr_err("--tc-attach: '%s' is not one of auto, tcx, cls",
				       optarg);
				return XT_EXIT_USAGE;
			}
			break;
		case O_PRIO:
			if (num_parse("--tc-prio", optarg, 0xffff, &prio))
				return XT_EXIT_USAGE;
			if (!prio) {
				pr_err("--tc-prio: 0 is not a priority (1-65535)");
				return XT_EXIT_USAGE;
			}
			o.tc_prio = prio;
			break;
		case 'h':
			fputs(attach_usage, stdout);
			return XT_EXIT_OK;
		default:
			return xt_opt_error("attach", c, argv);
		}
	}
	if (optind != argc - 1) {
		pr_err("expected one interface (try 'xdptag attach --help')");
		return XT_EXIT_USAGE;
	}
	o.ifname = argv[optind];
	if (xt_privs_check("attach", XT_PRIV_LOAD))
		return XT_EXIT_FAIL;
	return xt_attach(&o);
}

int cmd_detach(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "-h"))) {
		fputs(detach_usage, stdout);
		return XT_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		pr_err("expected one interface (try 'xdptag detach --help')");
		return XT_EXIT_USAGE;
	}
	if (xt_privs_check("detach", XT_PRIV_DETACH))
		return XT_EXIT_FAIL;
	return xt_detach(argv[1]);
}
