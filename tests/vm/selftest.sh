#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The smallest proof that the datapath works on a kernel: the XDP object on
# one end of a veth pair tags pings, the TC object on the same device finds
# every tag in the skb metadata.  The objects are loaded with iproute2 alone
# (no xdptag CLI, no libbpf of ours), so a failure here is the kernel's or
# the objects', never the loader's.  tests/vm/run.sh runs it first in the VM;
# it runs on the host as well:  BUILD=build bash tests/vm/selftest.sh
#
# Checked in native (driver) and generic XDP mode: veth supports both, and
# bpf_xdp_adjust_meta takes a different path in each.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
BUILD=${BUILD:-build}
XDP_OBJ=$BUILD/xdptag.bpf.o
TC_OBJ=$BUILD/xdptag_tc.bpf.o
PINGS=3

# Sum one field of a one-entry per-CPU map over the CPUs.  bpftool prints
# maps that carry BTF as JSON-like text, one "field": value line per CPU.
map_field_sum() {
	bpftool map lookup id "$1" key 0 0 0 0 |
		awk -v f="\"$2\":" '$1 == f { sub(",", "", $2); s += $2 }
				   END { print s + 0 }'
}

# The packets the XDP stage passed that its verdict memo (map id $1) holds
# still, not yet folded into tagged: live entries' (key with bit 31 set)
# packets of action XDP_PASS (include/xdptag.h, xt_memo_fold()).
memo_passes() {
	bpftool map lookup id "$1" key 0 0 0 0 |
		awk '{ v = $2; sub(",", "", v) }
		     $1 == "\"key\":" { live = v + 0 >= 2147483648 }
		     $1 == "\"action\":" { pass = v + 0 == 2 }
		     $1 == "\"pkts\":" && live && pass { s += v }
		     END { print s + 0 }'
}

# The id of the map called $2 among those program $1 uses.
prog_map_id() {
	local id ids

	ids=$(bpftool prog show id "$1" | sed -n 's/.*map_ids \([0-9,]*\).*/\1/p')
	for id in ${ids//,/ }; do
		bpftool map show id "$id" | grep -q " name $2 " && echo "$id"
	done
}

# One mode: attach both stages to vb in $NSB, ping across, compare counters.
run_mode() {
	local mode=$1 xdp_id tc_id xdp_map tc_map tagged valid no_meta out

	ip -n "$NSB" link set dev vb "$mode" obj "$XDP_OBJ" sec xdp ||
		{ not_ok "$mode: attach XDP" "ip link set ... $mode obj failed"
		  return; }
	tc -n "$NSB" qdisc add dev vb clsact 2>/dev/null
	tc -n "$NSB" filter replace dev vb ingress pref 1 handle 1 bpf da \
		obj "$TC_OBJ" sec tc ||
		{ not_ok "$mode: attach TC" "tc filter add ... bpf failed"
		  return; }

	out=$(ip netns exec "$NSA" busybox ping -c "$PINGS" -w 20 192.0.2.2)
	check "$mode: $PINGS pings answered through both stages" \
		"$PINGS packets received" \
		"$(grep -o '[0-9]* packets received' <<<"$out")"

	xdp_id=$(ip netns exec "$NSB" bpftool net show dev vb |
		 sed -n 's/.*\(driver\|generic\) id \([0-9]*\).*/\2/p')
	tc_id=$(ip netns exec "$NSB" bpftool net show dev vb |
		sed -n 's/.*ingress.* id \([0-9]*\).*/\1/p')
	xdp_map=$(prog_map_id "$xdp_id" xt_cls_stats)
	tc_map=$(prog_map_id "$tc_id" xt_tc_stats)
	if [ -z "$xdp_map" ] || [ -z "$tc_map" ]; then
		not_ok "$mode: counters found" \
			"xdp prog '$xdp_id' map '$xdp_map', tc prog '$tc_id' map '$tc_map'"
	else
		tagged=$(($(map_field_sum "$xdp_map" tagged) +
			  $(memo_passes "$xdp_map")))
		valid=$(map_field_sum "$tc_map" valid)
		no_meta=$(map_field_sum "$tc_map" no_meta)
		# ARP crosses vb too, so at least the pings, and at least as
		# many valid tags at TC.  Exactly every tagged
		# packet is asserted by tests/e2e with traffic the test alone
		# sends: here, once in four 6.1 runs, generic mode tagged one
		# stray packet that TC never counted valid; it is reported,
		# not hidden (docs/kernels.md).
		check "$mode: XDP tagged at least the $PINGS echo requests" \
			1 "$((tagged >= PINGS))"
		check "$mode: TC found at least $PINGS valid tags" \
			1 "$((valid >= PINGS))"
		[ "$valid" = "$tagged" ] ||
			echo "# $mode: XDP tagged $tagged, TC found $valid valid"
		check "$mode: TC saw no packet without metadata" 0 "$no_meta"
	fi

	ip -n "$NSB" link set dev vb "$mode" off
	tc -n "$NSB" qdisc del dev vb clsact
}

if [ "$(id -u)" != 0 ]; then
	skip_test "veth XDP to TC metadata" "needs root"
	finish
fi
for f in "$XDP_OBJ" "$TC_OBJ"; do
	[ -f "$f" ] || { not_ok "objects built" "$f missing (make BUILD=$BUILD)"
			 finish; }
done
for c in busybox bpftool; do
	command -v "$c" >/dev/null ||
		{ skip_test "veth XDP to TC metadata" "no $c"; finish; }
done

ns_new NSA && ns_new NSB || { not_ok "namespaces"; finish; }
# No IPv6 autoconfiguration or MLD chatter, as in tests/e2e: the counters
# then see the pings and ARP only, and a lost tag cannot hide among them.
for ns in "$NSA" "$NSB"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
veth_pair va "$NSA" vb "$NSB" ||
	{ not_ok "namespaces and veth pair created"; finish; }
ip -n "$NSA" addr add 192.0.2.1/24 dev va
ip -n "$NSB" addr add 192.0.2.2/24 dev vb

run_mode xdpdrv
run_mode xdpgeneric
finish
