#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag nft: the printed ruleset loads with `nft -f` in the receiving
# namespace, and its per-class counters count exactly the packets sent per
# class, for the plain class mark and for a shifted class<<4|band mark.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

e2e_need "nft e2e" nft

# Packets per class, default rules (rules/default.yaml); 198.18.0.1 is no
# bogon there, so each line lands in exactly one class.
MIX='6 IP(src="198.18.0.1", dst="198.18.1.1")/TCP(sport=40000, dport=80, flags="FPU")
3 IP(src="198.18.0.1", dst="198.18.1.1")/TCP(sport=40000, dport=22, flags="S")
2 IP(src="198.18.0.1", dst="198.18.1.1")/UDP(sport=123, dport=40000)/Raw(b"m" * 440)
4 IP(src="198.18.0.1", dst="198.18.1.1")/TCP(sport=40000, dport=80, flags="A")
1 IP(src="192.0.2.7", dst="198.18.1.1")/TCP(sport=40000, dport=80, flags="A")'
EXPECT="unclassified=4 bogon=1 scan=6 admin=3 reflection=2 fragment=0 anomaly=0 icmp-large=0 flood=0"

# Counter values of table inet xdptag as "class=packets ..." in class order.
nft_counts() {
	ip netns exec "$1" nft -j list counters table inet xdptag | $PY -c '
import json, sys
out = []
for o in json.load(sys.stdin)["nftables"]:
    c = o.get("counter")
    if c:
        out.append("%s=%d" % (c["name"].replace("xt_class_", "").replace("xt_", ""), c["packets"]))
print(" ".join(out))'
}

# lab NAME ATTACH_ARGS...: a fresh pair, xdptag attached, ruleset loaded,
# MIX sent; prints nothing, leaves SND/RCV/IFR set.
lab() {
	local tag=$1 mac out sent
	shift
	ns_new "SND$tag" || return 1
	ns_new "RCV$tag" || return 1
	local -n snd="SND$tag" rcv="RCV$tag"
	SND=$snd RCV=$rcv IFS_=nt${tag}s$$ IFR=nt${tag}r$$
	for ns in "$SND" "$RCV"; do
		ip netns exec "$ns" sysctl -qw \
			net.ipv6.conf.default.disable_ipv6=1
	done
	veth_pair "$IFS_" "$SND" "$IFR" "$RCV" || return 1
	on_exit ip netns exec "$RCV" "$XT" detach "$IFR"
	out=$(ip netns exec "$RCV" "$XT" attach "$IFR" "$@" 2>&1)
	check "$tag: attach $*" 0 $?

	out=$(ip netns exec "$RCV" "$XT" nft "$IFR" 2>&1)
	check "$tag: xdptag nft $IFR exits 0" 0 $?
	if err=$(ip netns exec "$RCV" nft -f - <<<"$out" 2>&1); then
		ok "$tag: nft -f loads the ruleset"
	else
		not_ok "$tag: nft -f loads the ruleset" "$err"
	fi
	check "$tag: counters start at zero" "" \
		"$(nft_counts "$RCV" | tr ' ' '\n' | grep -v '=0$')"

	mac=$(ip netns exec "$RCV" cat /sys/class/net/"$IFR"/address)
	sent=$(ip netns exec "$SND" $PY tests/lib/scapy_send.py "$IFS_" \
		"$mac" <<<"$MIX" 2>/dev/null)
	check "$tag: scapy sent 16 frames" 16 "$sent"
}

lab c
check "class mark: nft counters per class equal packets sent" \
	"$EXPECT" "$(nft_counts "$RCV")"
# Loading again replaces the table (and so zeroes the counters).
ip netns exec "$RCV" "$XT" nft "$IFR" | ip netns exec "$RCV" nft -f -
check "reloading the ruleset works and starts from zero" \
	"${EXPECT//=[0-9]/=0}" "$(nft_counts "$RCV")"

# The mark in bits 8-19 as class<<4|band: rules must mask the band away.
lab b --mark-value both --mark-mask 0xfff00 --mark-shift 8
check "both<<8 mark: nft counters per class equal packets sent" \
	"$EXPECT" "$(nft_counts "$RCV")"
check "both<<8 mark: match expression of class scan" \
	'meta mark & 0x000ff000 == 0x00002000 counter name "xt_class_scan"' \
	"$(ip netns exec "$RCV" "$XT" nft "$IFR" |
	   grep -o 'meta mark .*"xt_class_scan"')"

# iptables equivalents are comments of the same match.
check "iptables comment for class scan" \
	"# iptables -t mangle -A PREROUTING -i $IFR -m mark --mark 0x2000/0xff000 -m comment --comment \"xdptag class 2 scan\"" \
	"$(ip netns exec "$RCV" "$XT" nft "$IFR" | grep 'iptables.*class 2 scan')"

# The mark holds only the score band: one counter per band.  Scores of MIX:
# XMAS 80 + 60 (FIN scan) = 140, band 8; the documentation source 40, band
# 2; SSH SYN 10, NTP 15 and plain ACKs 0, band 0.
lab s --mark-value score
check "score mark: nft counters per band equal packets sent" \
	"band_0=9 band_2=1 band_8=6" \
	"$(nft_counts "$RCV" | tr ' ' '\n' | grep -v '=0$' | xargs)"

# Hostile interface names (any byte but '/', ':', whitespace; at most 15):
# a name nft cannot take literally is refused, any other is printed so
# that nft reads it back as exactly that name, and the iptables comment
# quotes it as one shell word.  A veth named lo"drop;# used to give
# `iifname "lo" drop;#...`.
ns_new HOST
HOSTILE=()
hostile_cleanup() {
	local n
	for n in "${HOSTILE[@]}"; do
		ip netns exec "$HOST" "$XT" detach "$n"
	done
}
on_exit hostile_cleanup
# hostile NAME: a veth named NAME in $HOST with xdptag attached.
hostile() {
	ip -n "$HOST" link add "$1" type veth peer name "hp${#HOSTILE[@]}" &&
	ip -n "$HOST" link set "$1" up &&
	HOSTILE+=("$1") &&
	ip netns exec "$HOST" "$XT" attach "$1" >/dev/null 2>&1
}
for name in 'lo"drop;#' 'eth*' $'e\e[2Jx' 'b\x'; do
	if ! hostile "$name"; then
		not_ok "attach to a veth named $(printf %q "$name")"
		continue
	fi
	err=$(ip netns exec "$HOST" "$XT" nft "$name" 2>&1 >/dev/null)
	rc=$?
	shown=$(printf '%s' "$name" | sed 's/\\/\\x5c/; s/\x1b/\\x1b/')
	check "nft refuses interface $(printf %q "$name"): status" 2 $rc
	check "nft refuses interface $(printf %q "$name"): message" \
		"Error: interface name '$shown' cannot be written literally in nft (it has a '\"', a '\\', a trailing '*' or a byte that is not printable ASCII); rename the interface" \
		"$err"
	ip netns exec "$HOST" "$XT" detach "$name" >/dev/null 2>&1
done
# Without IFACE, one bad name refuses the whole ruleset.
ip netns exec "$HOST" "$XT" attach 'lo"drop;#' >/dev/null 2>&1
ip netns exec "$HOST" "$XT" nft >/dev/null 2>&1
check "nft (all interfaces) with one hostile name: status 2" 2 $?
ip netns exec "$HOST" "$XT" detach 'lo"drop;#' >/dev/null 2>&1
name="a;b#c\$(id)'q*x"
if hostile "$name"; then
	out=$(ip netns exec "$HOST" "$XT" nft "$name" 2>&1)
	check "nft of interface $(printf %q "$name"): status" 0 $?
	if err=$(ip netns exec "$HOST" nft -f - <<<"$out" 2>&1); then
		ok "nft -f loads the ruleset of $(printf %q "$name")"
	else
		not_ok "nft -f loads the ruleset of $(printf %q "$name")" "$err"
	fi
	check "nft reads iifname back as the very name" "$name" \
		"$(ip netns exec "$HOST" nft -j list chain inet xdptag prerouting |
		   $PY -c '
import json, sys
names = set()
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("rule", {}).get("expr", []):
        m = e.get("match")
        if m and m["left"].get("meta", {}).get("key") == "iifname":
            names.add(m["right"])
print(*sorted(names))')"
	word=$(grep -m1 '^# iptables' <<<"$out" | sed 's/.*PREROUTING -i //; s/ -m mark.*//')
	eval "set -- $word"
	check "iptables comment: the name is one shell word" "1 $name" \
		"$# $1"
	ip netns exec "$HOST" nft delete table inet xdptag
fi

# --connmark with the class and the band in the mark (mask 0xff0, shift 4:
# class in 0xf00, band in 0xf0): the nft rules and the iptables lines
# carry the same bits, the class's, never the band's.  Class 3 is admin.
CM=cm$$
ip -n "$HOST" link add "$CM" type veth peer name "${CM}p" &&
ip -n "$HOST" link set "$CM" up
on_exit ip netns exec "$HOST" "$XT" detach "$CM"
ip netns exec "$HOST" "$XT" attach "$CM" --mark-value both \
	--mark-mask 0xff0 --mark-shift 4 >/dev/null 2>&1
check "attach $CM with --mark-value both, mask 0xff0, shift 4" 0 $?
out=$(ip netns exec "$HOST" "$XT" nft "$CM" --connmark)
check "--connmark, both: nft rules of class 3 carry the class bits 0xf00" \
"		ct state new iifname \"$CM\" meta mark & 0x00000f00 == 0x00000300 ct mark set ct mark & 0xfffff0ff | 0x00000300 comment \"save class 3 admin\"
		ct state != new ct mark & 0x00000f00 == 0x00000300 meta mark set meta mark & 0xfffff0ff | 0x00000300 comment \"restore class 3 admin\"
		ct mark & 0x00000f00 == 0x00000300 meta mark set meta mark & 0xfffff0ff | 0x00000300 comment \"restore class 3 admin\"" \
	"$(grep 'class 3 admin"$' <<<"$out" | grep 'ct mark')"
check "--connmark, both: iptables lines carry the same bits 0xf00" \
"# iptables -t mangle -A PREROUTING -i $CM -m conntrack --ctstate NEW -m mark ! --mark 0/0xf00 -j CONNMARK --save-mark --nfmask 0xf00 --ctmask 0xf00
# iptables -t mangle -A PREROUTING -m conntrack ! --ctstate NEW -m connmark ! --mark 0/0xf00 -j CONNMARK --restore-mark --nfmask 0xf00 --ctmask 0xf00
# iptables -t mangle -A OUTPUT -m connmark ! --mark 0/0xf00 -j CONNMARK --restore-mark --nfmask 0xf00 --ctmask 0xf00" \
	"$(grep '^# iptables.*CONNMARK' <<<"$out")"
if err=$(ip netns exec "$HOST" nft -c -f - <<<"$out" 2>&1); then
	ok "--connmark, both: nft -c accepts the ruleset"
else
	not_ok "--connmark, both: nft -c accepts the ruleset" "$err"
fi
if command -v iptables-restore >/dev/null; then
	ipt=$(printf '*mangle\n%s\nCOMMIT\n' "$(grep '^# iptables ' <<<"$out" |
		sed 's/^# iptables -t mangle //')")
	if err=$(ip netns exec "$HOST" iptables-restore --test <<<"$ipt" 2>&1)
	then
		ok "--connmark, both: iptables-restore --test accepts the lines"
	else
		not_ok "--connmark, both: iptables-restore --test accepts the lines" "$err"
	fi
else
	skip_test "--connmark, both: iptables-restore --test" "no iptables-restore"
fi

"$XT" nft nosuch0 >/dev/null 2>&1
check "nft of an interface not attached: exit 3" 3 $?

finish
