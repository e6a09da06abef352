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
#include "log.h"
#include "pins.h"
#include "privs.h"

#define XT_CONFIG_DIR	"/etc/xdptag"

int cmd_attach(int argc, char **argv);

static const char service_usage[] =
	"Usage: xdptag service start IFACE [ATTACH-OPTIONS]\n"
	"       xdptag service reload IFACE\n"
	"       xdptag service stop IFACE\n"
	"\n"
	"  start    attach IFACE with /etc/xdptag/IFACE.yaml, or the built-in\n"
	"           ruleset if that file does not exist; if IFACE is already\n"
	"           attached and intact, keep it and load the rules into it\n"
	"  reload   load the same file (or the built-in ruleset) into IFACE\n"
	"           without a gap; a bad file changes nothing\n"
	"  stop     detach IFACE; nothing attached is not an error\n"
	"ATTACH-OPTIONS are those of 'xdptag attach' (--mode, --bridge, ...).\n"
	"XDPTAG_CONFIG_DIR replaces /etc/xdptag.\n";

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
 * interface, and its XDP hook still runs the pinned program.
 */
static bool attach_intact(const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xt_pinned p;
	unsigned int ifindex = if_nametoindex(ifname);
	bool ok = false;
	__u32 id;

	if (!ifindex || xt_pins_open(ifname, &p))
		return false;
	id = p.info_val.xdp_prog_id;
	if (p.info_val.ifindex == ifindex && !bpf_xdp_query(ifindex, 0, &q))
		ok = id && (q.prog_id == id || q.drv_prog_id == id ||
			    q.skb_prog_id == id || q.hw_prog_id == id);
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

static int service_start(int argc, char **argv, const char *rules)
{
	const char *ifname = argv[1];
	char **av;
	int i, n = 0, ret;

	if (xt_privs_check("service start", XT_PRIV_DETACH) ||
	    xt_privs_check("service start", XT_PRIV_LOAD))
		return XT_EXIT_FAIL;
	if (attach_intact(ifname)) {
		printf("%s: xdptag is already attached; keeping it\n", ifname);
		return xt_rules_swap(ifname, rules);
	}
	/* Left over from a killed attach or a vanished interface. */
	if (pins_exist(ifname) && xt_detach(ifname) != XT_EXIT_OK)
		return XT_EXIT_FAIL;

	/* `attach IFACE [--rules FILE] ATTACH-OPTIONS...` */
	av = calloc(argc + 4, sizeof(*av));
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
	for (i = 2; i < argc; i++)
		av[n++] = argv[i];
	ret = cmd_attach(n, av);
	free(av);
	return ret;
}

int cmd_service(int argc, char **argv)
{
	char buf[4096];
	const char *action, *ifname, *rules;

	if (argc == 2 && (!strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "-h"))) {
		fputs(service_usage, stdout);
		return XT_EXIT_OK;
	}
	if (argc < 3) {
		pr_err("expected an action and an interface (try 'xdptag service --help')");
		return XT_EXIT_USAGE;
	}
	action = argv[1];
	ifname = argv[2];
	if (ifname[0] == '-' || strlen(ifname) >= IF_NAMESIZE) {
		pr_err("'%s' is not an interface name", ifname);
		return XT_EXIT_USAGE;
	}
	rules = config_path(ifname, buf, sizeof(buf));
	if (!strcmp(action, "start"))
		return service_start(argc - 1, argv + 1, rules);
	if (argc != 3) {
		pr_err("service %s takes only an interface (try 'xdptag service --help')",
		       action);
		return XT_EXIT_USAGE;
	}
	if (!strcmp(action, "reload")) {
		if (xt_privs_check("service reload", XT_PRIV_PINS))
			return XT_EXIT_FAIL;
		return xt_rules_swap(ifname, rules);
	}
	if (!strcmp(action, "stop")) {
		if (xt_privs_check("service stop", XT_PRIV_DETACH))
			return XT_EXIT_FAIL;
		if (!pins_exist(ifname)) {
			printf("%s: xdptag is not attached; nothing to detach\n",
			       ifname);
			return XT_EXIT_OK;
		}
		return xt_detach(ifname);
	}
	pr_err("unknown service action '%s' (start, reload or stop)", action);
	return XT_EXIT_USAGE;
}
