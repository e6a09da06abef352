#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The XDP-to-TC bridge with real packets over a veth pair: tags written by
# the real XDP program become skb->mark under several masks, shifts and
# value kinds, next to another filter's mark bit (tests/bpf/premark); then
# other XDP programs (tests/bpf/meta_writer) leave foreign and short
# metadata, which the TC stage must count and leave the mark alone.  Marks
# are read back by nftables counters in the receiving namespace.  The TC
# stage is a cls_bpf filter here, after premark's at prio 10, on every
# kernel (the tcx order is tests/e2e/test_coexist.sh's).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
PREMARK=$PWD/$BUILD/tests/bpf/premark.bpf.o
WRITER=$PWD/$BUILD/tests/bpf/meta_writer.bpf.o
N=3		# echo requests per case

e2e_need "tc bridge e2e" "$PREMARK" "$WRITER" nft tc bpftool jq

ns_new SND || exit 1
ns_new RCV || exit 1
for ns in "$SND" "$RCV"; do
	# Only our echo requests may reach the receiver: no IPv6 chatter.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
IFA=tba$$ IFB=tbb$$
veth_pair "$IFA" "$SND" "$IFB" "$RCV" || exit 1
ip -n "$SND" addr add 10.199.0.1/24 dev "$IFA"
ip -n "$RCV" addr add 10.199.0.2/24 dev "$IFB"
# ...and no ARP: static neighbours on both sides.
mac_a=$(ip netns exec "$SND" cat /sys/class/net/"$IFA"/address)
mac_b=$(ip netns exec "$RCV" cat /sys/class/net/"$IFB"/address)
ip -n "$SND" neigh replace 10.199.0.2 lladdr "$mac_b" dev "$IFA" nud permanent
ip -n "$RCV" neigh replace 10.199.0.1 lladdr "$mac_a" dev "$IFB" nud permanent

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
# Registered first, run last: pins left by a detach that failed.
on_exit rm -rf "/sys/fs/bpf/xdptag/$IFB"
on_exit ip netns exec "$RCV" "$XT" detach "$IFB"
cat >"$TMP/rules.yaml" <<'YAML'
classes:
  - { id: 5, name: ping }
rules:
  - name: echo
    class: ping
    weight: 40
    match:
      proto: icmp
      icmp_type: 8
YAML
# An echo request: class 5, score 40, band 2, both = 5 << 4 | 2 = 0x52.

# The per-CPU TC counters "valid no_meta foreign short_meta marked", each
# summed over the CPUs, for check: one dump and one jq (a process costs
# 0.1-0.3 s under qemu's TCG).
tc_stats() {
	bpftool map dump pinned "/sys/fs/bpf/xdptag/$IFB/xt_tc_stats" -j |
	jq -r '[.[0] | (.formatted.values // .values)[] | .value] as $v |
	       ["valid", "no_meta", "foreign", "short_meta", "marked"] |
	       map(. as $f | [$v[][$f]] | add) | join(" ")'
}

# nft counters in the receiver: echo requests with mark $1, and all of them.
nft_arm() {
	ip netns exec "$RCV" nft -f - <<NFT
flush ruleset
table ip xtb {
	chain pre {
		type filter hook prerouting priority -300;
		icmp type echo-request meta mark $1 counter
		icmp type echo-request counter
	}
}
NFT
}

nft_counts() { nft_counters "$RCV" chain ip xtb pre; }

pings() {
	local sent

	sent=$(echo "$N IP(src='10.199.0.1', dst='10.199.0.2')/ICMP(type=8)" |
	       ip netns exec "$SND" $PY tests/lib/scapy_send.py "$IFA" "$mac_b")
	[ "$sent" = "$N" ] ||
		not_ok "scapy sent $N echo requests" "sent '$sent'"
}

premark_add() {
	tc -n "$RCV" filter add dev "$IFB" ingress prio 10 \
		bpf da obj "$PREMARK" sec tc
}

# case NAME MASK SHIFT VALUE PREMARK EXPECTED_MARK [attach options...]
run_case() {
	local name=$1 mask=$2 shift=$3 value=$4 pre=$5 want=$6
	local out rc
	shift 6

	out=$(ip netns exec "$RCV" "$XT" attach "$IFB" --rules \
		"$TMP/rules.yaml" --mark-mask "$mask" --mark-shift "$shift" \
		--mark-value "$value" --tc-attach cls "$@" 2>&1)
	rc=$?
	check "$name: attach" 0 "$rc"
	if [ "$rc" != 0 ]; then
		echo "# $out"
		return 1
	fi
	if [ "$pre" = yes ] && ! premark_add; then
		not_ok "$name: premark filter at prio 10"
	fi
	nft_arm "$want"
	pings
	check "$name: $N echo requests carry mark $want" "$N $N" \
		"$(nft_counts)"
	check "$name: TC counted $N valid tags, $N marks" "$N 0 0 0 $N" \
		"$(tc_stats)"
	return 0
}

detach() {
	tc -n "$RCV" filter del dev "$IFB" ingress prio 10 2>/dev/null
	check "$1: detach" 0 \
		"$(ip netns exec "$RCV" "$XT" detach "$IFB" >/dev/null 2>&1;
		   echo $?)"
}

run_case "class in the low byte" 0xff 0 class no 0x5
detach "class in the low byte"
run_case "band in bits 8-15 after premark" 0xff00 8 score yes 0x80000200
detach "band in bits 8-15 after premark"
run_case "both in bits 4-15 after premark" 0xfff0 4 both yes 0x80000520
detach "both in bits 4-15 after premark"
# Bits inside the mask are xdptag's: premark's bit 31 gets overwritten.
run_case "band in bits 28-31 over premark" 0xf0000000 28 score yes 0x20000000
detach "band in bits 28-31 over premark"
run_case "generic mode, class in bits 16-23" 0xff0000 16 class yes \
	0x80050000 --mode generic
detach "generic mode, class in bits 16-23"

# Foreign and short metadata: keep xdptag's TC stage, swap its XDP program
# for one of meta_writer's, in the mode xdptag attached in.
if ! run_case "before foreign metadata" 0xff 0 class yes 0x80000005; then
	finish
fi
PINS=/sys/fs/bpf/xtbridge$$
on_exit rm -rf "$PINS"
if ! bpftool prog loadall "$WRITER" "$PINS"; then
	not_ok "load meta_writer programs"
	finish
fi
# By id: ip's netns switch remounts /sys, hiding the pins made out here.
xdp_swap() {
	local id

	id=$(bpftool prog show pinned "$PINS/$1" -j | jq .id) || return 1
	ip netns exec "$RCV" bpftool net attach xdpdrv id "$id" \
		dev "$IFB" overwrite 2>/dev/null ||
	ip netns exec "$RCV" bpftool net attach xdpgeneric id "$id" \
		dev "$IFB" overwrite
}

# counts "valid no_meta foreign short_meta marked" after each kind
expect=("meta_foreign:$N 0 $N 0 $N" "meta_version:$N 0 $((2 * N)) 0 $N"
	"meta_short:$N 0 $((2 * N)) $N $N")
for e in "${expect[@]}"; do
	prog=${e%%:*}
	if ! xdp_swap "$prog"; then
		not_ok "$prog: replace the XDP program"
		continue
	fi
	nft_arm 0x80000000
	pings
	check "$prog: $N echo requests keep mark 0x80000000" "$N $N" \
		"$(nft_counts)"
	check "$prog: TC counters" "${e#*:}" "$(tc_stats)"
done
# Another program's 8 bytes of metadata in front of our tag (it ran after
# xdptag's XDP stage), or behind it (before): the tag is found either way.
expect=("meta_outer:0x80000033:$((2 * N)) 0 $((2 * N)) $N $((2 * N))"
	"meta_inner:0x80000034:$((3 * N)) 0 $((2 * N)) $N $((3 * N))")
for e in "${expect[@]}"; do
	IFS=: read -r prog mark counts <<<"$e"
	if ! xdp_swap "$prog"; then
		not_ok "$prog: replace the XDP program"
		continue
	fi
	nft_arm "$mark"
	pings
	check "$prog: $N echo requests get mark $mark" "$N $N" \
		"$(nft_counts)"
	check "$prog: TC counters" "$counts" "$(tc_stats)"
done
finish
