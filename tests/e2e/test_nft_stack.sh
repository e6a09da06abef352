#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag nft on an interface with devices stacked on it: its packets reach
# the IP layer, and so nftables' inet hooks, on the bridge it is a port of
# or on its VLAN device, and the printed rules must count them there.  Per
# case: the exact iifname set, then nft counters equal to the packets sent
# per class (2 SYNs to port 5900: admin; 3 large pings: icmp-large); for
# the bridge also the printed iptables lines, loaded, and --connmark's save
# rule; two ports of one bridge count each packet once.  Then a VLAN device
# (skipped without CONFIG_VLAN_8021Q) and a macvlan device on the port.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "nft on stacked devices e2e" nft jq
lab_pair
xt() { ip netns exec "$RCV" "$XT" "$@"; }
BR=${XT_ID}b

# Counters of table inet xdptag as "name=packets ...", those not 0.
nft_counts() {
	ip netns exec "$RCV" nft -j list counters table inet xdptag |
	jq -r '[.nftables[] | select(.counter) | .counter |
		select(.packets > 0) | "\(.name)=\(.packets)"] | join(" ")'
}

# send DST MAC [VLAN]: the mix to DST at MAC, tagged VLAN if given.
send() {
	local tag=${3:+Dot1Q(vlan=$3)/}
	ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$2" <<MIX 2>/dev/null
2 ${tag}IP(src="198.18.9.1", dst="$1")/TCP(sport=40000, dport=5900, flags="S")
3 ${tag}IP(src="198.18.9.1", dst="$1")/ICMP()/Raw(b"x" * 1200)
MIX
}
EXPECT="xt_class_admin=2 xt_class_icmp-large=3"

# load WHAT: xdptag nft's output for WHAT loaded in RCV (counters zeroed).
load() {
	local err
	if err=$(xt nft "$@" | ip netns exec "$RCV" nft -f - 2>&1); then
		ok "nft -f loads 'xdptag nft $*'"
	else
		not_ok "nft -f loads 'xdptag nft $*'" "$err"
	fi
}

# --- B a port of bridge BR, the address on BR
ip -n "$RCV" link add "$BR" type bridge forward_delay 0 stp_state 0
ip -n "$RCV" link set "$B" master "$BR"
ip -n "$RCV" link set "$BR" up
ip -n "$SND" addr add 198.18.9.1/24 dev "$A"
ip -n "$RCV" addr add 198.18.9.2/24 dev "$BR"
BRMAC=$(ip -n "$RCV" -br link show "$BR" | awk '{print $3}')
AMAC=$(ip -n "$SND" -br link show "$A" | awk '{print $3}')
ip -n "$SND" neigh replace 198.18.9.2 lladdr "$BRMAC" dev "$A" nud permanent
ip -n "$RCV" neigh replace 198.18.9.1 lladdr "$AMAC" dev "$BR" nud permanent
xt attach "$B" >/dev/null 2>&1
check "attach $B, a bridge port" 0 $?

out=$(xt nft "$B")
check "bridge port: the rules match the port and the bridge" \
	"		iifname { \"$B\", \"$BR\" } meta mark & 0x000000ff == 0x00000003 counter name \"xt_class_admin\" comment \"class 3 admin\"" \
	"$(grep $'^\t\t.*class 3 admin"$' <<<"$out")"
check "bridge port: a comment says why" \
	"# $B: its packets reach the IP layer on $BR (bridge): matched there too." \
	"$(grep "^# $B: its" <<<"$out")"
check "bridge port: one iptables line per device" \
	"# iptables -t mangle -A PREROUTING -i $B -m mark --mark 0x3/0xff -m comment --comment \"xdptag class 3 admin\"
# iptables -t mangle -A PREROUTING -i $BR -m mark --mark 0x3/0xff -m comment --comment \"xdptag class 3 admin\"" \
	"$(grep '^# iptables.*class 3 admin"$' <<<"$out")"
load "$B"
check "bridge port: sent 5 frames" 5 "$(send 198.18.9.2 "$BRMAC")"
check "bridge port: nft counters equal the packets sent per class" \
	"$EXPECT" "$(nft_counts)"

# The iptables lines count the same, summed over their devices.
if command -v iptables-restore >/dev/null &&
   printf '*mangle\n%s\nCOMMIT\n' "$(grep '^# iptables -t mangle' <<<"$out" |
	sed 's/^# iptables -t mangle //')" |
   ip netns exec "$RCV" iptables-restore; then
	send 198.18.9.2 "$BRMAC" >/dev/null
	check "bridge port: iptables counters equal the packets sent per class" \
		"admin=2 icmp-large=3" \
		"$(ip netns exec "$RCV" iptables -t mangle -L PREROUTING -v -x -n |
		   awk '/xdptag class/ { n[$(NF - 1)] += $1 }
			END { for (c in n) if (n[c]) print c "=" n[c] }' |
		   sort | xargs)"
	ip netns exec "$RCV" iptables -t mangle -F PREROUTING
else
	skip_test "bridge port: iptables counters" "no iptables-restore or it failed"
fi

out=$(xt nft "$B" --connmark)
check "bridge port: --connmark saves from the port and the bridge" \
	"		ct state new iifname { \"$B\", \"$BR\" } meta mark & 0x000000ff == 0x00000003 ct mark set ct mark & 0xffffff00 | 0x00000003 comment \"save class 3 admin\"" \
	"$(grep '"save class 3 admin"$' <<<"$out")"
check "bridge port: --connmark's iptables save lines, one per device" \
	"# iptables -t mangle -A PREROUTING -i $B -m conntrack --ctstate NEW -m mark ! --mark 0/0xff -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff
# iptables -t mangle -A PREROUTING -i $BR -m conntrack --ctstate NEW -m mark ! --mark 0/0xff -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff" \
	"$(grep '^# iptables.*--save-mark' <<<"$out")"
if err=$(ip netns exec "$RCV" nft -c -f - <<<"$out" 2>&1); then
	ok "bridge port: nft -c accepts the --connmark ruleset"
else
	not_ok "bridge port: nft -c accepts the --connmark ruleset" "$err"
fi

# --- two ports of BR: each packet counted once, by one port's rules
A2=${XT_ID}t B2=${XT_ID}u
veth_pair "$A2" "$SND" "$B2" "$RCV" || { not_ok "second veth pair"; finish; }
ip -n "$RCV" link set "$B2" master "$BR"
on_exit ip netns exec "$RCV" "$XT" detach "$B2"
xt attach "$B2" >/dev/null 2>&1
check "attach $B2, a second port of the bridge" 0 $?
out=$(xt nft)
check "two ports, same settings: the bridge is matched once" \
	"		iifname { \"$B\", \"$BR\" } meta mark & 0x000000ff == 0x00000003 counter name \"xt_class_admin\" comment \"class 3 admin\"
		iifname \"$B2\" meta mark & 0x000000ff == 0x00000003 counter name \"xt_class_admin\" comment \"class 3 admin\"" \
	"$(grep $'^\t\t.*class 3 admin"$' <<<"$out")"
load
send 198.18.9.2 "$BRMAC" >/dev/null
check "two ports, same settings: nft counters equal the packets sent" \
	"$EXPECT" "$(nft_counts)"
xt detach "$B2" >/dev/null 2>&1
xt attach "$B2" --mark-mask 0xff00 --mark-shift 8 >/dev/null 2>&1
check "attach $B2 with other mark settings" 0 $?
out=$(xt nft)
check "two ports, other settings: the bridge is matched by neither" \
	"		iifname \"$B\" meta mark & 0x000000ff == 0x00000003 counter name \"xt_class_admin\" comment \"class 3 admin\"
		iifname \"$B2\" meta mark & 0x0000ff00 == 0x00000300 counter name \"xt_class_admin\" comment \"class 3 admin\"" \
	"$(grep $'^\t\t.*class 3 admin"$' <<<"$out")"
check "two ports, other settings: a comment says why" \
	"# $B: its packets reach the IP layer on $BR (bridge), not matched there: so do those of an interface with other mark settings." \
	"$(grep "^# $B: its" <<<"$out")"
xt detach "$B2" >/dev/null 2>&1
ip -n "$RCV" link del "$B2"

# upper LABEL DEV ADDR [VLAN]: DEV, made on B, up with ADDR; the rules
# match B and DEV, and count the frames sent to DEV (tagged VLAN if given).
upper() {
	local label=$1 dev=$2 addr=$3 vlan=${4:-} mac out
	ip -n "$RCV" link set "$dev" up
	ip -n "$RCV" addr add "$addr/24" dev "$dev"
	ip -n "$RCV" neigh replace 198.18.9.1 lladdr "$AMAC" dev "$dev" nud permanent
	ip -n "$RCV" route add 198.18.9.1/32 dev "$dev"
	out=$(xt nft "$B")
	check "$label on the port: the rules match the port and the $label device" \
		"		iifname { \"$B\", \"$dev\" } meta mark & 0x000000ff == 0x00000003 counter name \"xt_class_admin\" comment \"class 3 admin\"" \
		"$(grep $'^\t\t.*class 3 admin"$' <<<"$out")"
	load "$B"
	mac=$(ip -n "$RCV" -br link show "$dev" | awk '{print $3}')
	check "$label on the port: sent 5 frames" 5 "$(send "$addr" "$mac" $vlan)"
	check "$label on the port: nft counters equal the packets sent per class" \
		"$EXPECT" "$(nft_counts)"
	ip -n "$RCV" link del "$dev"
}

# --- a VLAN device on B (out of the bridge): tagged frames arrive on it
ip -n "$RCV" link set "$B" nomaster
V=${XT_ID}v
if ip -n "$RCV" link add link "$B" name "$V" type vlan id 10 2>/dev/null; then
	upper VLAN "$V" 198.18.10.2 10
else
	skip_test "VLAN on the port" "the kernel refused a VLAN device (CONFIG_VLAN_8021Q unset?)"
fi

# --- a macvlan device on B: frames to its MAC arrive on it
M=${XT_ID}m
if ip -n "$RCV" link add link "$B" name "$M" type macvlan mode bridge \
	2>/dev/null; then
	upper macvlan "$M" 198.18.11.2
else
	skip_test "macvlan on the port" "the kernel refused a macvlan device (CONFIG_MACVLAN unset?)"
fi
ip netns exec "$RCV" nft delete table inet xdptag
finish
