#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Capture tier: every frame of every capture in ../shared/pcaps/tcpdump runs
# through the XDP program without an error and comes back tagged, and the
# tag's L3/L4 feature bits (ipv4/ipv6/arp, tcp/udp/icmp/icmpv6) agree with
# tshark's dissection of the same frame.  One TAP line per capture.  Then
# what `xdptag replay` itself promises: pcapng and nanosecond pcap read
# like pcap, other link types are skipped and counted, a file that is not a
# capture is refused, --limit stops.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/pcap/replay_common.sh

replay_compare features "features:"

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
# A small capture with TCP, UDP and ICMP: formats must not change a frame.
ref=$PCAPS/icmp-cksum-oobr-1.pcap
[ -f "$ref" ] || ref=${caps[0]}
"$XT" replay --json "$ref" >"$TMP/ref.json" 2>"$TMP/err"
check "replay of $(basename "$ref") exits 0" 0 $?
n=$(grep -c '"frame":' "$TMP/ref.json")
editcap -F pcapng "$ref" "$TMP/x.pcapng"
"$XT" replay --json "$TMP/x.pcapng" >"$TMP/ng.json" 2>&1
check "pcapng gives the same $n frames as pcap" "" \
	"$(diff "$TMP/ref.json" "$TMP/ng.json")"
editcap -F nsecpcap "$ref" "$TMP/ns.pcap"
"$XT" replay --json "$TMP/ns.pcap" >"$TMP/ns.json" 2>&1
check "nanosecond pcap gives the same $n frames as pcap" "" \
	"$(diff "$TMP/ref.json" "$TMP/ns.json")"

# Relabelled as raw IP: the frames are no longer Ethernet.
editcap -T rawip "$ref" "$TMP/raw.pcap"
got=$("$XT" replay --json "$TMP/raw.pcap" | grep -c '"frame":')
check "no frame of a raw-IP capture is run" 0 "$got"
got=$("$XT" replay --json "$TMP/raw.pcap" |
	grep -o '"skipped_by_reason":{"link_type":[0-9]*')
check "raw-IP frames counted as link_type skips" \
	"\"skipped_by_reason\":{\"link_type\":$n" "$got"

"$XT" replay docs/replay.md >"$TMP/out" 2>"$TMP/err"
rc=$?
check "a file that is not a capture: exit 2" 2 "$rc"
check "... one line on stderr, nothing on stdout" "1 0" \
	"$(wc -l <"$TMP/err") $(wc -c <"$TMP/out")"
check "... the line is an Error:" "Error: docs/replay.md: not a readable capture" \
	"$(cut -d: -f1-3 <"$TMP/err")"

got=$("$XT" replay --json --limit 2 "$ref" | grep -c '"frame":')
check "--limit 2 runs two frames" 2 "$got"
got=$("$XT" replay --json --limit 2 "$ref" | tail -1 |
	grep -o '"summary":true,"frames":[0-9]*')
check "--limit 2: summary counts two frames" '"summary":true,"frames":2' "$got"
finish
