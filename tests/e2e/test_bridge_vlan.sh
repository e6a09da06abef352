#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The bridge modes agree on what the kernel changes between XDP and TC.
# Before TC the kernel moves the outermost VLAN tag out of the frame into
# the skb (skb_vlan_untag()): the TC stage, classifying in the tc bridge
# mode, must put it back as XDP saw it, as the outermost tag and with its 4
# bytes in the length.  And a datagram's trailer is no header in either
# stage: an IPv4 header whose total length leaves no room for TCP, followed
# by bytes shaped as an XMAS scan's TCP header.  Each mode gets the same
# frames; the rule hits (xdptag stats --json) must be the same exact counts.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "bridge modes with VLAN tags" jq

lab_pair

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
cat >"$TMP/rules.yaml" <<'YAML'
classes:
  - { id: 1, name: c1 }
rules:
  - { name: vlan100, class: c1, weight: 1, match: { vlan: [100] } }
  - { name: vlan200, class: c1, weight: 1, match: { vlan: [200] } }
  - { name: len46, class: c1, weight: 1, match: { len: [46] } }
  - { name: len50, class: c1, weight: 1, match: { len: [50] } }
  - { name: xmas, class: c1, weight: 1, match: { tcp_flags: "fin,psh,urg" } }
  - { name: malformed, class: c1, weight: 1, match: { features: [malformed] } }
YAML

# Frames: 14 + 4 + 20 + 8 = 46 bytes with one tag, 50 with two (the outer
# 802.1ad 200, the inner 802.1Q 100), 54 for the trailer frame.
send() {
	ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC" <<'EOF'
3 Dot1Q(vlan=100)/IP(src="10.1.0.1", dst="10.2.0.1")/ICMP()
2 Dot1AD(vlan=200)/Dot1Q(vlan=100)/IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=1000, dport=2000)
2 IP(src="10.1.0.1", dst="10.2.0.1", proto=6, len=20)/Raw(bytes(TCP(sport=1234, dport=80, flags="FPU")))
EOF
}

want="vlan100=3 vlan200=2 len46=3 len50=2 xmas=0 malformed=2"
for bridge in meta tc; do
	out=$(ip netns exec "$RCV" "$XT" attach "$B" --rules "$TMP/rules.yaml" \
		--bridge "$bridge" 2>&1)
	check "$bridge: attach" 0 $?
	check "$bridge: 7 frames sent" 7 "$(send)"
	got=$(ip netns exec "$RCV" "$XT" stats "$B" --json |
		jq -r '[.interfaces[0].rules[] | "\(.name)=\(.hits)"] | join(" ")')
	check "$bridge: rule hits as XDP sees the frames" "$want" "$got"
	ip netns exec "$RCV" "$XT" detach "$B" >/dev/null
	check "$bridge: detach" 0 $?
done

finish
