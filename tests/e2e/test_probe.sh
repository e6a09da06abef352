#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag probe over a real veth pair: UDP flows from the sender namespace
# during the probe; the verdict line and the exit status must say that
# metadata works (native and generic), that it cannot be carried (--no-meta
# makes XDP act as such a driver), or that no traffic came.  After each
# probe the interface must be exactly as before: no XDP, no clsact, no pins.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

if [ "$(id -u)" != 0 ]; then
	skip_test "probe e2e" "needs root (namespaces, XDP)"; finish
fi

ns_new SND || exit 1
ns_new RCV || exit 1
for ns in "$SND" "$RCV"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
IFS_=pbs$$ IFR=pbr$$
veth_pair "$IFS_" "$SND" "$IFR" "$RCV" || exit 1
ip -n "$SND" addr add 192.0.2.1/24 dev "$IFS_"
ip -n "$RCV" addr add 192.0.2.2/24 dev "$IFR"
on_exit ip netns exec "$RCV" "$XT" detach "$IFR"

# Traffic: a UDP datagram every 50 ms, from bash alone (no ping here).
# ip netns exec execs bash, so $! is the loop itself.
PING=
ping_start() {
	ip netns exec "$SND" bash -c 'while :; do
		echo x >/dev/udp/192.0.2.2/9; sleep 0.05; done' 2>/dev/null &
	PING=$!
	on_exit kill "$PING"
}
ping_stop() { kill "$PING" 2>/dev/null; wait "$PING" 2>/dev/null; PING=; }

# What xdptag may leave on the interface: nothing.
leftovers() {
	local s=""
	ip -n "$RCV" link show dev "$IFR" | grep -q ' xdp' && s+="xdp "
	tc -n "$RCV" qdisc show dev "$IFR" | grep -q clsact && s+="clsact "
	[ -e /sys/fs/bpf/xdptag/"$IFR" ] && s+="pins "
	echo "${s:-none}"
}

# probe NAME ARGS...: runs the probe, sets OUT (its last line) and RC.
probe() {
	local all
	all=$(ip netns exec "$RCV" "$XT" probe "$IFR" --seconds 2 "$@" 2>&1)
	RC=$?
	OUT=$(tail -n1 <<<"$all")
	[ "$RC" = 0 ] || [ "$RC" = 4 ] || echo "# $all"
}

# "N of N tagged" with N > 0: every tag reached TC.
all_tagged() {
	sed -nE 's/^metadata works in ([a-z]+) mode: ([0-9]+) of ([0-9]+) tagged packets reached TC tagged → use --bridge meta$/\1 \2 \3/p' <<<"$1" |
	awk '{ print ($2 == $3 && $2 > 0) ? $1 " all" : $0 }'
}

for mode in native generic; do
	ping_start
	probe --mode "$mode"
	ping_stop
	check "probe --mode $mode with traffic: exit 0" 0 "$RC"
	check "probe --mode $mode: metadata works, every tag reached TC" \
		"$mode all" "$(all_tagged "$OUT")"
	check "probe --mode $mode leaves nothing behind" none "$(leftovers)"
done

ping_start
probe --mode native --no-meta
ping_stop
check "probe --no-meta: exit 0" 0 "$RC"
got=$(sed -E 's/failed on ([0-9]+) of \1 packets/failed on N of N packets/' <<<"$OUT")
check "probe --no-meta: use --bridge tc" \
	"driver cannot carry metadata in native mode: bpf_xdp_adjust_meta failed on N of N packets → use --bridge tc" \
	"$got"
check "probe --no-meta leaves nothing behind" none "$(leftovers)"

probe --mode generic
check "probe without traffic: exit 4" 4 "$RC"
check "probe without traffic: no verdict" \
	"no traffic seen in 2 s: no verdict (send traffic to $IFR while probing)" \
	"$OUT"
check "probe without traffic leaves nothing behind" none "$(leftovers)"

# --tc-attach cls: the probe takes attach's cls_bpf path (on a kernel
# with tcx the default would be tcx; docs/cli.md).
ping_start
all=$(ip netns exec "$RCV" "$XT" probe "$IFR" --seconds 2 --mode generic \
      --tc-attach cls 2>&1)
RC=$?
ping_stop
check "probe --tc-attach cls: exit 0" 0 "$RC"
check "probe --tc-attach cls: attaches through cls_bpf" 1 \
	"$(grep -c "^Attached xdptag to $IFR: .*TC ingress cls_bpf prio 100 " <<<"$all")"
check "probe --tc-attach cls: every tag reached TC" "generic all" \
	"$(all_tagged "$(tail -n1 <<<"$all")")"
check "probe --tc-attach cls leaves nothing behind" none "$(leftovers)"

# Already attached: judge from the live counters, leave it attached.
ip netns exec "$RCV" "$XT" attach "$IFR" --mode generic >/dev/null
check "attach before probing" 0 $?
ping_start
all=$(ip netns exec "$RCV" "$XT" probe "$IFR" --seconds 2 2>&1)
RC=$?
ping_stop
check "probe of an attached interface: exit 0" 0 "$RC"
check "it says so" \
	"xdptag is already attached to $IFR: reading its live counters instead" \
	"$(head -n1 <<<"$all")"
check "it judges from the live counters" "generic all" \
	"$(all_tagged "$(tail -n1 <<<"$all")")"
ip -n "$RCV" link show dev "$IFR" | grep -q ' xdpgeneric'
check "and leaves xdptag attached" 0 $?
ip netns exec "$RCV" "$XT" detach "$IFR" >/dev/null
check "probe leaves nothing after detach" none "$(leftovers)"

ip netns exec "$RCV" "$XT" probe "$IFR" --seconds 0 >/dev/null 2>&1
check "--seconds 0 is a usage error" 2 $?
ip netns exec "$RCV" "$XT" probe "$IFR" --mode offload >/dev/null 2>&1
check "--mode offload is refused" 2 $?
check "probe of a missing interface" \
	"Error: interface 'nosuch0' does not exist" \
	"$("$XT" probe nosuch0 2>&1 >/dev/null)"

# Another program on the XDP hook: refused as attach refuses it, but
# without attach's way out (probe has no --force), and left in place.
ip -n "$RCV" link set dev "$IFR" xdpgeneric obj \
	"$PWD/$BUILD/tests/bpf/xdp_pass.bpf.o" sec xdp
id=$(ip -n "$RCV" -d link show dev "$IFR" | grep -o 'prog/xdp id [0-9]*' |
     awk '{print $NF}')
out=$(ip netns exec "$RCV" "$XT" probe "$IFR" --seconds 1 \
	--xdp-attach direct 2>&1 >/dev/null)
check "another XDP program: exit 3, probe never replaces it" \
	"3 Error: $IFR already has an XDP program attached (id $id); probe never replaces it" \
	"$? $out"
check "... and it stays" "$id" \
	"$(ip -n "$RCV" -d link show dev "$IFR" | grep -o 'prog/xdp id [0-9]*' |
	   awk '{print $NF}')"
ip -n "$RCV" link set dev "$IFR" xdpgeneric off

finish
