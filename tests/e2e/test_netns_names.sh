#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Pins are named by interface name, and names repeat across network
# namespaces (every container has an eth0).  xdptag run in one namespace
# must not take another namespace's interface of the same name for its
# own: attach, detach and rules load there refuse, naming how to get
# there; status lists it as another namespace's.  Once that namespace is
# gone, its pins are stale like a deleted interface's.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
PINS=/sys/fs/bpf/xdptag

e2e_need "interface names across namespaces" bpftool
lab_pair
ns_new R2 || { not_ok "second namespace"; finish; }
# An interface named as B, in R2: its peer is there too.
ip -n "$R2" link add "$B" type veth peer name "${XT_ID}p" &&
	ip -n "$R2" link set "$B" up && ip -n "$R2" link set "${XT_ID}p" up ||
	{ not_ok "interface $B in a second namespace"; finish; }
on_exit ip netns exec "$R2" "$XT" detach "$B"

in_ns() {
	local ns=$1
	shift
	OUT=$(ip netns exec "$ns" "$XT" "$@" 2>&1)
	RC=$?
}
xdp_of() { ip -n "$1" -d link show dev "$B" | grep -c 'prog/xdp'; }

in_ns "$RCV" attach "$B" --tc-attach cls
check "attach in the first namespace exits 0" 0 $RC
ino=$(stat -L -c %i "/run/netns/$RCV")
why="the pins of $B were made in another network namespace (net:[$ino]): run xdptag there ('ip netns exec $RCV xdptag ...')"

in_ns "$R2" attach "$B" --tc-attach cls
check "attach of the name in another namespace: exit 3" 3 $RC
check "attach there: the reason and the way" "Error: $why" "$OUT"
check "attach there left its interface alone" 0 "$(xdp_of "$R2")"
in_ns "$R2" attach "$B" --tc-attach cls --force
check "attach --force there: exit 3" 3 $RC
in_ns "$R2" detach "$B"
check "detach there: exit 3" 3 $RC
check "detach there: the reason" "Error: $why" "$OUT"
check "the first namespace's pins are still there" yes \
	"$([ -e "$PINS/$B/xt_info" ] && echo yes)"
in_ns "$R2" rules load "$B" rules/default.yaml
check "rules load there: exit 1" 1 $RC
check "rules load there: the reason" \
	"Error: $B: cannot open pins: $why" "$OUT"
in_ns "$R2" status "$B"
check "status of the name there: exit 3" 3 $RC
in_ns "$R2" status
check "status of all there: exit 0" 0 $RC
check "status of all there: the interface is another namespace's" \
	"$why" "$OUT"
in_ns "$R2" stats --json
check "stats of all there: exit 0" 0 $RC

in_ns "$RCV" status "$B"
check "status in the first namespace still exits 0" 0 $RC
check "the first namespace's interface still runs xdptag" 1 \
	"$(xdp_of "$RCV")"
in_ns "$RCV" detach "$B"
check "detach in the first namespace exits 0" 0 $RC

# --- the namespace goes, its pins stay: stale, as a deleted interface's
in_ns "$R2" attach "$B" --tc-attach cls
check "attach in the second namespace once free: exit 0" 0 $RC
ip netns del "$R2"
in_ns "$RCV" status "$B"
check "status after its namespace went: exit 0" 0 $RC
check "status: the interface no longer exists" 1 \
	"$(grep -c "interface no longer exists (run 'xdptag detach $B' to remove its pins)" <<<"$OUT")"
in_ns "$RCV" detach "$B"
check "detach of the gone namespace's pins: exit 0" 0 $RC
check "detach: they are removed as a deleted interface's" \
	"$B no longer exists; removed its pins" "$OUT"
check "no pins left" no "$([ -e "$PINS/$B" ] && echo yes || echo no)"

# --- attach over them, as over a deleted interface's: not "already
# attached", which they no longer are anywhere
ns_new R3 || { not_ok "third namespace"; finish; }
ip -n "$R3" link add "$B" type veth peer name "${XT_ID}q" &&
	ip -n "$R3" link set "$B" up ||
	{ not_ok "interface $B in a third namespace"; finish; }
in_ns "$R3" attach "$B" --tc-attach cls
check "attach in the third namespace: exit 0" 0 $RC
ip netns del "$R3"
in_ns "$RCV" attach "$B" --tc-attach cls
check "attach over the gone namespace's pins: exit 0" 0 $RC
check "attach: it removed them first" 1 \
	"$(grep -cx "Removed the pins of a deleted interface $B" <<<"$OUT")"
check "attach: the first namespace's interface runs xdptag" 1 \
	"$(xdp_of "$RCV")"
in_ns "$SND" status "$B"
check "attach: the new pins are the first namespace's" \
	"3 Error: cannot read the pins of $B: $why" \
	"$RC $OUT"
in_ns "$RCV" detach "$B"
check "detach exits 0" 0 $RC
finish
