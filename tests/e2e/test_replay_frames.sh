#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Replay of frames of every size, on a capture made here with scapy (so
# the test needs neither tshark nor the shared captures, and runs in the
# 6.1 VM): a frame in one page, a 9,000-byte jumbo frame (fragments in the
# test run, whose length the multi-buffer program sees whole), 100,000- and
# 200,000-byte super-frames (beyond what a test run takes: classified from
# their leading bytes, "truncated_for_run"), and a 10-byte frame, the only
# one skipped (no Ethernet header).  Then `replay --live` sends the same
# frames through the real receive path, the long ones cut to what live
# frames take, and must agree with the test run of the same bytes.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "replay frames" ip
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
# A length rule only the jumbo frame's whole length matches.
RULES=$TMP/rules.yaml
cat tests/e2e/rules/classes.yaml - >"$RULES" <<'EOF'
  - name: long
    class: dns
    weight: 1
    match:
      len: "4000-65535"
EOF

$PY - "$TMP/f.pcap" <<'EOF2' || { not_ok "capture made"; finish; }
import sys
from xt_layers import Ether, IP, TCP, UDP, Raw, PcapWriter
e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
syn = IP(src="10.1.0.1", dst="10.2.0.1")/TCP(sport=40000, dport=80, flags="S")
# As BIG TCP sends them: IP total length 0, beyond 16 bits.
big = IP(src="10.1.0.1", dst="10.2.0.1", len=0)/TCP(sport=40000, dport=80,
                                                     flags="S", chksum=0)
frames = [
    e/syn,
    e/IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=4000, dport=53)/Raw(b"j" * 8958),
    e/big/Raw(b"b" * (100000 - 54)),
    e/big/Raw(b"c" * (200000 - 54)),
    Raw(b"0123456789"),
]
w = PcapWriter(sys.argv[1], linktype=1, snaplen=262144, sync=True)
for f in frames:
    w.write(bytes(f))
w.close()
EOF2

out=$("$XT" replay --json --rules "$RULES" "$TMP/f.pcap" 2>"$TMP/err")
check "replay exits 0" "0" "$?"
sum=$(tail -1 <<<"$out")
check "4 of 5 frames run, none skipped for length" \
	'"frames":5,"run":4,' "$(grep -o '"frames":[0-9]*,"run":[0-9]*,' <<<"$sum")"
check "... the two super-frames cut for the run" '"truncated_for_run":2' \
	"$(grep -o '"truncated_for_run":[0-9]*' <<<"$sum")"
check "... the 10-byte frame skipped as short, nothing else" \
	'"skipped_by_reason":{"link_type":0,"empty":0,"short":1,"error":0}' \
	"$(grep -o '"skipped_by_reason":{[^}]*}' <<<"$sum")"
for n in 1 2 3 4; do
	line=$(grep "^{\"frame\":$n," <<<"$out")
	got=$(grep -o '"len":[0-9]*,"seen_len":[0-9]*,"truncated_for_run":[a-z]*' \
		<<<"$line")
	case $n in
	1) want='"len":54,"seen_len":54,"truncated_for_run":false' ;;
	2) want='"len":9000,"seen_len":9000,"truncated_for_run":false' ;;
	3) want='"len":100000,"seen_len":3520,"truncated_for_run":true' ;;
	4) want='"len":200000,"seen_len":3520,"truncated_for_run":true' ;;
	esac
	# The page's usable size differs between kernels and architectures.
	[ "$n" -ge 3 ] && got=$(sed 's/"seen_len":[0-9]*/"seen_len":PAGE/' <<<"$got") &&
		want=$(sed 's/"seen_len":[0-9]*/"seen_len":PAGE/' <<<"$want")
	check "frame $n: $(cut -d, -f1 <<<"$want"), what the program saw" \
		"$want" "$got"
done
check "the 100,000-byte SYN classified from its headers: web, mark 1" \
	'"class":"web","rules":["web-syn"],"mark":1' \
	"$(grep '^{"frame":3,' <<<"$out" | grep -o '"class".*"mark":[0-9]*')"
check "the jumbo UDP frame: dns and 'long' (its 9,000 bytes), mark 2" \
	'"class":"dns","rules":["dns-query","long"],"mark":2' \
	"$(grep '^{"frame":2,' <<<"$out" | grep -o '"class".*"mark":[0-9]*')"

# The same frames through the real receive path.
if ! command -v nft >/dev/null; then
	skip_test "replay --live" "no nft"
	finish
fi
live=$("$XT" replay --live --json --rules "$RULES" "$TMP/f.pcap" \
	2>"$TMP/lerr")
check "replay --live exits 0" "0" "$?"
check "--live: the 3 long frames run and sent on 3,072 bytes, none truncated" \
	'"truncated_for_run":0,"cut_by_snaplen":0,"cut_for_live":3' \
	"$(grep -o '"truncated_for_run":[0-9]*,"cut_by_snaplen":[0-9]*,"cut_for_live":[0-9]*' <<<"$live")"
check "--live: the jumbo frame ran as sent, without 'long'" \
	'"len":9000,"seen_len":3072 "rules":["dns-query"] "sent_len":3072' \
	"$(grep '^{"frame":2,' <<<"$live" |
	   grep -o '"len":[0-9]*,"seen_len":[0-9]*\|"rules":\[[^]]*\]\|"sent_len":[0-9]*' |
	   head -3 | tr '\n' ' ' | sed 's/ $//')"
check "--live: one warning names the 3 cut frames and the first" \
	"Warning: 3 frames are longer than live frames take (the first: frame 2): replay ran them, and sent them live, on their first 3072 bytes, so len conditions saw that length, not the frame's; \"agrees\" compares two runs of the same cut frames" \
	"$(grep 'longer than live frames' "$TMP/lerr")"
check "--live: the 4 frames reach TC, each as predicted" \
	'"injected":4,"at_xdp":4,"at_tc":4,"dropped_at_xdp":0,"lost":0,"agree":4,"disagree":0' \
	"$(tail -1 <<<"$live" | grep -o '"injected".*"disagree":[0-9]*')"
check "--live: nft counted the web and dns frames by their marks" \
	'"xt_class_web","packets":3 "xt_class_dns","packets":1' \
	"$(tail -1 <<<"$live" | grep -o '"xt_class_\(web\|dns\)","packets":[0-9]*' |
	   tr '\n' ' ' | sed 's/ $//')"
finish
