// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `xdptag service start|reload|stop IFACE`: what xdptag@IFACE.service runs
 * (debian/xdptag@.service, docs/deploy.md).  The pins are the state: start
 * attaches, or carries on with an attachment it finds intact (after a
 * crash, a SIGKILL, or a `systemctl restart` of a failed unit); reload
 * hot-swaps the rules; stop detaches and is content when nothing is there.
 * Each prints one line on stdout, which systemd puts in the journal.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "cmd.h"
#include "hooks.h"
#include "log.h"
#include "pins.h"
#include "privs.h"
#include "xdp_multiprog.h"

#define XT_CONFIG_DIR	"/etc/xdptag"

struct service_cfg {
	const char *ifname;
	char **rest;		/* start: attach's options */
	int nrest;
};

/* DIR/IFACE.yaml into buf if it exists: the rules path, else NULL. */
static const char *config_path(const char *ifname, char *buf, size_t len)
{
	const char *dir = getenv("XDPTAG_CONFIG_DIR");

	if (!dir || !*dir)
		dir = XT_CONFIG_DIR;
	if ((size_t)snprintf(buf, len, "%s/%s.yaml", dir, ifname) >= len)
		return NULL;
	return access(buf, F_OK) ? NULL : buf;
}

/*
 * The pins of ifname describe what runs on it: they open, name this very
 * interface, and its XDP hook still runs the pinned program.  Then info is
 * what they record.
 */
static bool attach_intact(const char *ifname, struct xt_attach_info *info)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xt_pinned p;
	unsigned int ifindex = if_nametoindex(ifname);
	bool ok = false;
	__u32 id;

	if (!ifindex || xt_pins_open(ifname, &p))
		return false;
	id = p.info_val.xdp_prog_id;
	if (p.info_val.ifindex == ifindex && id) {
		if (p.info_val.xdp_attach == XT_XDP_DISPATCHER)
			ok = xt_mp_has(ifindex, id);
		else if (!bpf_xdp_query(ifindex, 0, &q))
			ok = q.prog_id == id || q.drv_prog_id == id ||
			     q.skb_prog_id == id || q.hw_prog_id == id;
	}
	*info = p.info_val;
	xt_pins_close(&p);
	return ok;
}

/* A pin directory, complete or not (xt_pins_open finds bpffs first). */
static bool pins_exist(const char *ifname)
{
	char dir[XT_PIN_DIR_LEN];
	struct xt_pinned p;

	if (!xt_pins_open(ifname, &p)) {
		xt_pins_close(&p);
		return true;
	}
	xt_pin_dir(ifname, dir, sizeof(dir));
	return !access(dir, F_OK);
}

/* DIR/IFACE.yaml if it exists, else NULL: the rules to start with. */
static const char *rules_for(const char *ifname)
{
	static char buf[4096];

	return config_path(ifname, buf, sizeof(buf));
}

static int service_start(void *cfg)
{
	const struct service_cfg *c = cfg;
	const char *ifname = c->ifname, *rules = rules_for(ifname);
	struct xt_attach_info info;
	struct xt_attach_opts o;
	char **av, differ[160];
	int i, n = 0, ret;

	if (xt_privs_check("service start", XT_PRIV_DETACH) ||
	    xt_privs_check("service start", XT_PRIV_LOAD))
		return XT_EXIT_FAIL;

	/* `attach IFACE [--rules FILE] ATTACH-OPTIONS...` */
	av = calloc(c->nrest + 5, sizeof(*av));
	if (!av) {
		pr_err("out of memory");
		return XT_EXIT_FAIL;
	}
	av[n++] = "attach";
	av[n++] = (char *)ifname;
	if (rules) {
		av[n++] = "--rules";
		av[n++] = (char *)rules;
	}
	for (i = 0; i < c->nrest; i++)
		av[n++] = c->rest[i];
	/* Parsed once, and an error whether or not they are needed now. */
	ret = xt_cmd_parse(&xt_cmd_attach, "attach", n, av, &o);
	if (ret) {
		ret = ret < 0 ? XT_EXIT_OK : ret;	/* --help */
		goto out;
	}
	if (attach_intact(ifname, &info)) {
		printf("%s: xdptag is already attached; keeping it\n", ifname);
		fflush(stdout);		/* before the warning, in the journal */
		if (xt_attach_differs(&o, &info, differ, sizeof(differ)))
			pr_warn("%s: kept as attached, not as its %s say (a stop detaches; the next start attaches with them)",
				ifname, differ);
		ret = xt_rules_swap(ifname, rules);
		goto out;
	}
	/* Left over from a killed attach or a vanished interface. */
	if (pins_exist(ifname) && xt_detach(ifname) != XT_EXIT_OK) {
		ret = XT_EXIT_FAIL;
		goto out;
	}
	ret = xt_attach(&o);
out:
	free(av);
	return ret;
}

static int service_reload(void *cfg)
{
	const char *ifname = ((const struct service_cfg *)cfg)->ifname;

	if (xt_privs_check("service reload", XT_PRIV_PINS))
		return XT_EXIT_FAIL;
	return xt_rules_swap(ifname, rules_for(ifname));
}

static int service_stop(void *cfg)
{
	const char *ifname = ((const struct service_cfg *)cfg)->ifname;

	if (xt_privs_check("service stop", XT_PRIV_DETACH))
		return XT_EXIT_FAIL;
	if (!pins_exist(ifname)) {
		printf("%s: xdptag is not attached; nothing to detach\n",
		       ifname);
		return XT_EXIT_OK;
	}
	return xt_detach(ifname);
}

#define S struct service_cfg
static const struct xt_opt start_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", S, ifname, .what = "one interface"),
	XT_ARG(XT_OPT_REST, "ATTACH-OPTIONS", S, rest, XT_COUNT(S, nrest)),
	XT_OPT_TABLE_END,
};

static const struct xt_opt iface_opts[] = {
	XT_ARG(XT_OPT_IFNAME, "IFACE", S, ifname, .what = "one interface"),
	XT_OPT_TABLE_END,
};
#undef S

static const struct xt_cmd start_cmd = XT_COMMAND("start",
	"attach IFACE with /etc/xdptag/IFACE.yaml, or the built-in\n"
	"ruleset if that file does not exist; if IFACE is already\n"
	"attached and intact, keep it and load the rules into it",
	service_start, start_opts, struct service_cfg);

static const struct xt_cmd reload_cmd = XT_COMMAND("reload",
	"load the same file (or the built-in ruleset) into IFACE\n"
	"without a gap; a bad file changes nothing",
	service_reload, iface_opts, struct service_cfg);

static const struct xt_cmd stop_cmd = XT_COMMAND("stop",
	"detach IFACE; nothing attached is not an error",
	service_stop, iface_opts, struct service_cfg);

static const struct xt_cmd *const service_cmds[] = {
	&start_cmd, &reload_cmd, &stop_cmd, NULL,
};

const struct xt_cmd xt_cmd_service = XT_GROUP("service",
	"start, reload or stop IFACE as xdptag@IFACE.service does",
	service_cmds,
	.doc = "ATTACH-OPTIONS are those of 'xdptag attach' (--mode, --bridge, ...).\n"
	       "XDPTAG_CONFIG_DIR replaces /etc/xdptag.\n");
