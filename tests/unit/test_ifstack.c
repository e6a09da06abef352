// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The devices an interface's packets are delivered on (user/ifstack.c),
 * from a made-up link table: masters that take their ports' packets and
 * upper devices, recursively; not a VRF, a veth peer or a tunnel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "ifstack.h"

/*
 * eth0 in bond0, a port of br0; br0.10 a VLAN on br0; br0 in vrf0;
 * mv0 a macvlan on eth0; gre0 a tunnel bound to eth0; vethA's peer vethB
 * (IFLA_LINK of each names the other); eth1.5 a VLAN on eth1.
 */
static const struct xt_link links[] = {
	{ 1, 0, 0, "lo", "" },
	{ 2, 3, 0, "eth0", "" },
	{ 3, 4, 0, "bond0", "bond" },
	{ 4, 5, 0, "br0", "bridge" },
	{ 5, 0, 0, "vrf0", "vrf" },
	{ 6, 0, 4, "br0.10", "vlan" },
	{ 7, 0, 2, "mv0", "macvlan" },
	{ 8, 0, 2, "gre0", "gre" },
	{ 9, 0, 10, "vethA", "veth" },
	{ 10, 0, 9, "vethB", "veth" },
	{ 11, 0, 0, "eth1", "" },
	{ 12, 0, 11, "eth1.5", "vlan" },
};
#define NLINKS	((int)(sizeof(links) / sizeof(links[0])))

/* The names xt_if_stack() gives for ifname, space-separated. */
static const char *stack_of(const char *ifname, int max)
{
	static char buf[256];
	struct xt_link out[16];
	int i, n = xt_if_stack(links, NLINKS, ifname, out, max);

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			 i ? " " : "", out[i].name);
	return buf;
}

static void bond_bridge_vlan_macvlan(void **state)
{
	assert_string_equal(stack_of("eth0", 16), "eth0 bond0 mv0 br0 br0.10");
}

static void from_the_middle(void **state)
{
	assert_string_equal(stack_of("bond0", 16), "bond0 br0 br0.10");
}

static void veth_peer_is_not_stacked(void **state)
{
	assert_string_equal(stack_of("vethA", 16), "vethA");
}

static void vlan_on_a_port(void **state)
{
	assert_string_equal(stack_of("eth1", 16), "eth1 eth1.5");
}

static void unknown_name_alone(void **state)
{
	assert_string_equal(stack_of("nosuch", 16), "nosuch");
}

static void at_most_max(void **state)
{
	assert_string_equal(stack_of("eth0", 2), "eth0 bond0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bond_bridge_vlan_macvlan),
		cmocka_unit_test(from_the_middle),
		cmocka_unit_test(veth_peer_is_not_stacked),
		cmocka_unit_test(vlan_on_a_port),
		cmocka_unit_test(unknown_name_alone),
		cmocka_unit_test(at_most_max),
	};

	return cmocka_run_group_tests_name("ifstack", tests, NULL, NULL);
}
