#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Jumbo frames in native mode.  On an interface whose MTU a frame in one
# receive buffer cannot hold (veth: above about 3,500), attach loads the XDP
# program as xdp.frags (multi-buffer), so the driver takes it natively; its
# parser reads the headers in the first buffer, and the length rules see
# the whole frame.  At MTU 9000 both ways of placing the XDP stage (libxdp's
# dispatcher where the kernel takes it, and alone) must attach natively,
# say multi-buffer, classify a 9,014-byte frame by its length, capture it
# with its whole length and have TC mark it; at MTU 1500 the program is the
# plain one.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "jumbo frames in native mode" jq nft

lab_pair

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
cat >"$TMP/rules.yaml" <<'YAML'
classes:
  - { id: 1, name: big }
  - { id: 2, name: small }
rules:
  - { name: big, class: big, weight: 1, match: { len: "9000-65535" } }
  - { name: small, class: small, weight: 1, match: { len: "0-3600" } }
YAML

# 3 frames of 14 + 20 + 8 + 8972 = 9014 bytes, 2 of 60 (padded).
send() {
	ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC" <<'EOF'
3 IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=1000, dport=2000)/Raw(b"x" * 8972)
2 IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=1000, dport=2000)
EOF
}

# Packets whose skb->mark TC set to each class, counted before routing.
mark_counters 1 2
check "nft counters loaded" 0 $?
hits() {
	ip netns exec "$RCV" "$XT" stats "$B" --json |
		jq -r '[.interfaces[0].rules[] | "\(.name)=\(.hits)"] | join(" ")'
}

ip -n "$SND" link set "$A" mtu 9000
ip -n "$RCV" link set "$B" mtu 9000
n=0
for how in "" "--xdp-attach direct"; do
	# shellcheck disable=SC2086  # $how: no option, or one and its value
	out=$(ip netns exec "$RCV" "$XT" attach "$B" --mode native \
		--rules "$TMP/rules.yaml" $how 2>&1)
	check "MTU 9000${how:+ $how}: attach exit 0" 0 $?
	check "MTU 9000${how:+ $how}: native mode, multi-buffer" 1 \
		"$(grep -cE "^Attached xdptag to $B: XDP in native mode \(prog [0-9]+, multi-buffer[,)]" <<<"$out")"
	check "MTU 9000${how:+ $how}: status says multi-buffer" 1 \
		"$(ip netns exec "$RCV" "$XT" status "$B" |
		   grep -cE '^  xdp     native mode, prog [0-9]+, multi-buffer')"
	cap=
	cap_start "cap$n" -w "$TMP/big$n.pcapng" --rule big --count 3 \
		--duration 20 && cap=1
	check "MTU 9000${how:+ $how}: 5 frames sent" 5 "$(send)"
	if [ -n "$cap" ]; then
		cap_wait
		check "MTU 9000${how:+ $how}: capture keeps 2048 bytes of 9014" \
			"0 2048 9014" "$? $(cap_lengths "$TMP/big$n.pcapng")"
	fi
	n=$((n + 1))
	check "MTU 9000${how:+ $how}: the length rules see 9014 and 60 bytes" \
		"big=3 small=2" "$(hits)"
	check "MTU 9000${how:+ $how}: TC marked each by its class" \
		"$((3 * n)) $((2 * n))" "$(mark_count 1 2)"
	ip netns exec "$RCV" "$XT" detach "$B" >/dev/null
	check "MTU 9000${how:+ $how}: detach" 0 $?
done

# Where one buffer holds any frame the program is the plain one: no
# helper call a packet.
ip -n "$SND" link set "$A" mtu 1500
ip -n "$RCV" link set "$B" mtu 1500
out=$(ip netns exec "$RCV" "$XT" attach "$B" --mode native \
	--rules "$TMP/rules.yaml" --xdp-attach direct 2>&1)
check "MTU 1500: attach exit 0, not multi-buffer" "0 1 0" \
	"$? $(grep -c "^Attached xdptag to $B: XDP in native mode" <<<"$out") $(grep -c multi-buffer <<<"$out")"
# Which is why docs/deploy.md has the MTU raised between a detach and an
# attach: under the plain program veth caps its peer's MTU.
check "MTU 1500: the peer's MTU cannot be raised to 9000 under it" \
	"Error: mtu greater than device maximum. 1500" \
	"$(ip -n "$SND" link set "$A" mtu 9000 2>&1) $(ip netns exec "$SND" cat "/sys/class/net/$A/mtu")"
ip netns exec "$RCV" "$XT" detach "$B" >/dev/null

finish
