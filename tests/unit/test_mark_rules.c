// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Which skb->mark bits an iptables-save rule line reads and writes
 * (user/mark_rules.c), and the warnings attach prints from them.  ct mark
 * is not the packet's mark: a rule that only reads or writes ct mark uses
 * no bits of xdptag's mask.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "mark_rules.h"

/* The warnings xt_mark_rules_ipt() prints for save under mask. */
static int ipt_warn(const char *save, uint32_t mask, char **text)
{
	size_t len;
	FILE *f = open_memstream(text, &len);
	int n;

	assert_non_null(f);
	n = xt_mark_rules_ipt(save, "iptables", mask, NULL, 0, f);
	fclose(f);
	return n;
}

/* Rule lines as iptables-save (1.8.9) prints them, and the skb->mark
 * bits each reads and writes. */
static const struct {
	const char *line;
	uint32_t rd, wr;
} lines[] = {
	/* ct mark only */
	{ "-A PREROUTING -m connmark --mark 0x1/0xff -j ACCEPT", 0, 0 },
	{ "-A PREROUTING -m connmark ! --mark 0x0/0xf00 -j ACCEPT", 0, 0 },
	{ "-A PREROUTING -j CONNMARK --set-xmark 0x10000/0x10000", 0, 0 },
	{ "-A PREROUTING -j CONNMARK --set-xmark 0x3/0xf", 0, 0 },
	/* the packet's mark */
	{ "-A PREROUTING -m mark --mark 0x1/0xff -j ACCEPT", 0xff, 0 },
	{ "-A PREROUTING -m mark ! --mark 0x0/0xff -m comment --comment \"say -m mark --mark 1\" -j ACCEPT",
	  0xff, 0 },
	{ "-A PREROUTING -m mark --mark 0x5 -j ACCEPT", 0xffffffff, 0 },
	{ "-A PREROUTING -j MARK --set-xmark 0x4/0x4", 0, 0x4 },
	{ "-A PREROUTING -j MARK --set-xmark 0x0/0xf", 0, 0xf },
	{ "-A PREROUTING -j MARK --set-xmark 0x5/0xffffffff", 0, 0xffffffff },
	{ "-A PREROUTING -j MARK --set-mark 0x5", 0, 0xffffffff },
	{ "-A PREROUTING -j MARK --or-mark 0x40", 0, 0x40 },
	{ "-A PREROUTING -j MARK --and-mark 0xffffff0f", 0, 0xf0 },
	{ "-A PREROUTING -p tcp -j TPROXY --on-port 1234 --on-ip 0.0.0.0 --tproxy-mark 0x1/0xff",
	  0, 0xff },
	{ "-A PREROUTING -p tcp -j TPROXY --on-port 1234 --on-ip :: --tproxy-mark 0x200/0x100",
	  0, 0x300 },
	{ "-A PREROUTING -p tcp -j TPROXY --on-port 1234 --on-ip 0.0.0.0 --tproxy-mark 0x0/0x0",
	  0, 0 },
	/* CONNMARK copies between the two */
	{ "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xf0 --ctmask 0xf0", 0xf0, 0 },
	{ "-A PREROUTING -j CONNMARK --save-mark --mask 0xf0", 0xf0, 0 },
	{ "-A PREROUTING -j CONNMARK --save-mark", 0xffffffff, 0 },
	{ "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xffffffff --ctmask 0xffffffff",
	  0, 0xffffffff },
	{ "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf00 --ctmask 0xf00", 0, 0xf00 },
	{ "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf00 --ctmask 0xf --left-shift-mark 8",
	  0, 0xf00 },
	{ "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf --ctmask 0xf00 --right-shift-mark 8",
	  0, 0xf },
	{ "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf --ctmask 0xff", 0, 0xff },
	{ "-A PREROUTING -j CONNMARK --save-mark --nfmask 0xf00 --ctmask 0xf --right-shift-mark 8",
	  0xf00, 0 },
	/* other users of the packet's mark */
	{ "-A PREROUTING -p tcp -m socket --restore-skmark -j ACCEPT", 0, 0xffffffff },
	{ "-A PREROUTING -m rpfilter --validmark", 0xffffffff, 0 },
	{ "-A PREROUTING -j HMARK --hmark-src-prefix 32 --hmark-dst-prefix 32 --hmark-mod 10 --hmark-offset 0x64 --hmark-rnd 0x1",
	  0, 0xffffffff },
	{ "-A PREROUTING -j SET --map-set m src --map-mark", 0, 0xffffffff },
	{ "-A PREROUTING -j CT --zone mark", 0xffff, 0 },
	{ "-A PREROUTING -j CT --zone-orig 5", 0, 0 },
	/* none */
	{ "-A PREROUTING -p tcp -m tcp --dport 22 -j ACCEPT", 0, 0 },
	{ "-A PREROUTING -m comment --comment \"--mark 0x1/0xff\" -j ACCEPT", 0, 0 },
};

static void bits_per_line(void **state)
{
	uint32_t rd, wr;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		xt_mark_rules_ipt_line(lines[i].line, &rd, &wr);
		if (rd != lines[i].rd || wr != lines[i].wr)
			fail_msg("%s: read 0x%x written 0x%x, expected 0x%x 0x%x",
				 lines[i].line, rd, wr, lines[i].rd,
				 lines[i].wr);
	}
}

/* The three lines of the audit under the default mask 0xff. */
static void audit_lines_default_mask(void **state)
{
	char *t;

	assert_int_equal(ipt_warn(
		"*mangle\n"
		"-A PREROUTING -m connmark --mark 0x1/0xff -j ACCEPT\n"
		"-A PREROUTING -j CONNMARK --set-xmark 0x10000/0x10000\n"
		"-A PREROUTING -p tcp -j TPROXY --on-port 1234 --on-ip 0.0.0.0 --tproxy-mark 0x1/0xff\n"
		"COMMIT\n", 0xff, &t), 1);
	assert_string_equal(t,
		"Warning: iptables rule in table mangle chain PREROUTING sets mark bits 0x000000ff inside xdptag's mask 0x000000ff: -A PREROUTING -p tcp -j TPROXY --on-port 1234 --on-ip 0.0.0.0 --tproxy-mark 0x1/0xff\n");
	free(t);
}

/* A restore with a mask outside xdptag's: no warning; inside: one. */
static void restore_under_nfmask(void **state)
{
	static const char save[] =
		"*mangle\n"
		"-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf00 --ctmask 0xf00\n";
	char *t;

	assert_int_equal(ipt_warn(save, 0xff, &t), 0);
	free(t);
	assert_int_equal(ipt_warn(save, 0xfff, &t), 1);
	assert_string_equal(t,
		"Warning: iptables rule in table mangle chain PREROUTING sets mark bits 0x00000f00 inside xdptag's mask 0x00000fff: -A PREROUTING -j CONNMARK --restore-mark --nfmask 0xf00 --ctmask 0xf00\n");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bits_per_line),
		cmocka_unit_test(audit_lines_default_mask),
		cmocka_unit_test(restore_under_nfmask),
	};

	return cmocka_run_group_tests_name("mark_rules", tests, NULL, NULL);
}
