#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Pins are named by interface name and record the ifindex.  An attached
# interface renamed keeps its index and its programs: its pins are the
# same interface's under the old name, and status shows the way out
# (detach OLD, attach NEW) without failing, detach OLD detaches it.  An
# index another interface took after a deletion runs none of the pinned
# programs: the pins are refused, naming the way out, and detach OLD
# removes only the pins, leaving the new interface's programs alone.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
PINS=/sys/fs/bpf/xdptag
XDPPASS=$PWD/$BUILD/tests/bpf/xdp_pass.bpf.o

e2e_need "renamed interfaces" "$XDPPASS" bpftool curl
lab_pair
ERR=$(mktemp)
on_exit rm -f "$ERR"
PORT=9435	# in the test's own namespace
NEW=${XT_ID}n
# The namespace goes at exit, and the interfaces in it with their programs.
on_exit ip netns exec "$RCV" "$XT" detach "$B"

run() {
	OUT=$(ip netns exec "$RCV" "$XT" "$@" 2>&1)
	RC=$?
}
# What of xdptag's is on interface $1: XDP programs, TC filters, and
# links of its TC program $TCID (a tcx link, which this bpftool cannot
# show by device).
ours_on() {
	local x t l
	x=$(ip -n "$RCV" -d link show dev "$1" | grep -c 'prog/xdp')
	t=$(tc -n "$RCV" filter show dev "$1" ingress | grep -c xdptag_tc)
	l=$(bpftool link show | grep -c "prog $TCID *$")
	echo "$x $t $l"
}
rename() {
	ip -n "$RCV" link set "$1" down &&
	ip -n "$RCV" link set "$1" name "$2" &&
	ip -n "$RCV" link set "$2" up
}

for how in cls tcx; do
	run attach "$B" --tc-attach "$how"
	if [ "$how" = tcx ] && [ $RC != 0 ]; then
		skip_test "$how: renamed interface" "no tcx in this kernel"
		continue
	fi
	check "$how: attach exits 0" 0 $RC
	TCID=$(grep -o '(prog [0-9]*)$' <<<"$OUT" | tr -dc 0-9)
	idx=$(cat "/sys/class/net/$B/ifindex" 2>/dev/null ||
	      ip netns exec "$RCV" cat "/sys/class/net/$B/ifindex")
	rename "$B" "$NEW" || { not_ok "$how: rename"; continue; }
	line="$B was renamed $NEW (ifindex $idx runs the programs of its pins): 'xdptag detach $B', then 'xdptag attach $NEW'"

	run status
	check "$how: status of all after the rename: exit 0 and the way out" \
		"0 $line" "$RC $OUT"
	run status "$B"
	check "$how: status OLD says the same" "0 $line" "$RC $OUT"
	# The exporter leaves it out of its scrapes, saying why.
	ip netns exec "$RCV" "$XT" exporter --listen "127.0.0.1:$PORT" \
		2>"$ERR" &
	epid=$!
	for _ in $(seq 50); do
		ip netns exec "$RCV" curl -s -o /dev/null \
			"http://127.0.0.1:$PORT/metrics" && break
		sleep 0.1
	done
	kill -TERM "$epid"
	wait "$epid"
	check "$how: the exporter leaves it out, naming the way out" \
		"Warning: $B: $line; its counters are left out" "$(cat "$ERR")"
	run stats "$B"
	check "$how: stats OLD refuses, naming the way out" \
		"1 Error: $B: cannot open pins under $PINS: $line" "$RC $OUT"
	run attach "$NEW" --tc-attach "$how"
	check "$how: attach NEW refuses while the old name's pins hold it" \
		"3 Error: $NEW has xdptag attached under its old name $B: 'xdptag detach $B', then 'xdptag attach $NEW'" \
		"$RC $OUT"
	check "$how: the renamed interface still runs xdptag" \
		"$( [ $how = cls ] && echo "1 1 0" || echo "1 0 1")" \
		"$(ours_on "$NEW")"
	run detach "$B"
	check "$how: detach OLD detaches the renamed interface" \
		"0 Detached xdptag from $B (now called $NEW)" "$RC $OUT"
	check "$how: nothing of xdptag left on it, no pins" "0 0 0 no" \
		"$(ours_on "$NEW") $([ -e "$PINS/$B" ] && echo yes || echo no)"
	rename "$NEW" "$B"
	run detach "$B"	# only if a check above failed: the next starts clean
done

# A deleted interface's index taken by another interface.
C=${XT_ID}c
ip -n "$RCV" link add "$C" type veth peer name "${C}p" &&
	ip -n "$RCV" link set "$C" up ||
	{ not_ok "a veth to delete"; finish; }
run attach "$C" --tc-attach cls
check "reused: attach exits 0" 0 $RC
idx=$(ip netns exec "$RCV" cat "/sys/class/net/$C/ifindex")
ip -n "$RCV" link del "$C"
ip -n "$RCV" link add "$NEW" index "$idx" type veth peer name "${NEW}p" &&
	ip -n "$RCV" link set "$NEW" up &&
	ip -n "$RCV" link set dev "$NEW" xdpgeneric obj "$XDPPASS" sec xdp ||
	{ not_ok "another interface at index $idx"; finish; }
theirs=$(ip -n "$RCV" -d link show dev "$NEW" | grep -o 'prog/xdp.* id [0-9]*')
why="the pins of $C record ifindex $idx, which is now $NEW and runs none of their programs ($C was deleted and its index reused): 'xdptag detach $C' removes them"
run status
check "reused: status refuses, naming the way out" "1 Error: cannot read the pins of $C: $why" "$RC $OUT"
run detach "$C"
check "reused: detach OLD removes only the pins" \
	"0 $C no longer exists; removed its pins" "$RC $OUT"
check "reused: the other interface's XDP program stays, pins gone" \
	"$theirs no" \
	"$(ip -n "$RCV" -d link show dev "$NEW" | grep -o 'prog/xdp.* id [0-9]*') $([ -e "$PINS/$C" ] && echo yes || echo no)"
run status
check "reused: status is clean afterwards" \
	"0 No interface has xdptag attached" "$RC $OUT"
finish
