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

# Every frame with an Ethernet header is classified: frames too long for a
# test run on their leading bytes; only frames of fewer than 14 bytes are
# skipped.  The Ethernet captures, merged, against tshark's frame lengths.
mapfile -t eth < <(capinfos -T -r -E "${caps[@]}" | awk -F'\t' '$2 == "ether" { print $1 }')
mergecap -F pcap -a -w "$TMP/all.pcap" "${eth[@]}"
lens=$(tshark -n -r "$TMP/all.pcap" -T fields -e frame.cap_len -e frame.len \
	2>/dev/null)
total=$(wc -l <<<"$lens")
short=$(awk '$1 < 14' <<<"$lens" | wc -l)
# Run, on fewer bytes than they had on the wire.
snapped=$(awk '$1 >= 14 && $1 < $2' <<<"$lens" | wc -l)
# A test run takes a page (3,520 bytes on x86-64) and MAX_SKB_FRAGS (17)
# fragment pages.
long=$(awk '$1 > 3520 + 17 * 4096' <<<"$lens" | wc -l)
# The built-in rules without their rate and fan-out rules, which would
# run on one runner (tests/pcap/test_replay_state.sh checks that).
sed '/# ---- Per-source state/,$d' rules/default.yaml >"$TMP/stateless.yaml"
# --jobs 2 against --jobs 1, on the captures four times over.  The second
# runner's copy loads while the first runner runs, and would load after a
# capture this small is done: replay reads a FIFO, which gets the rest of
# the capture only once replay holds the copy's XDP program.  So both
# runners run frames, and the comparison covers the copy's counters, which
# replay adds to the first's.
{ cat "$TMP/all.pcap"; for i in 1 2 3; do tail -c +25 "$TMP/all.pcap"; done; } \
	>"$TMP/big.pcap"
nbig=$((4 * total))
"$XT" replay --json --jobs 1 --rules "$TMP/stateless.yaml" "$TMP/big.pcap" \
	>"$TMP/j1.json"
# The XDP programs process $1 holds.
xdp_progs() {
	local fd n=0

	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = anon_inode:bpf-prog ] &&
			grep -qx 'prog_type:[[:space:]]*6' \
				"/proc/$1/fdinfo/${fd##*/}" 2>/dev/null &&
			n=$((n + 1))
	done
	echo "$n"
}
mkfifo "$TMP/fifo"
# Read and write: opening does not wait for replay, and the FIFO has a
# writer until the capture is all written.  A write that replay never
# reads ends with its timeout.
exec 7<>"$TMP/fifo"
"$XT" replay --json --jobs 2 --rules "$TMP/stateless.yaml" "$TMP/fifo" \
	>"$TMP/j2.json" 7>&- &
rpid=$!
on_exit kill "$rpid" 2>/dev/null
timeout 60 cat "$TMP/all.pcap" >&7
for ((i = 0; i < 1200; i++)); do
	[ "$(xdp_progs "$rpid")" -ge 2 ] || ! kill -0 "$rpid" 2>/dev/null && break
	sleep 0.1
done
for i in 1 2 3; do tail -c +25 "$TMP/all.pcap"; done | timeout 60 cat >&7
exec 7>&-
wait "$rpid"
runs() { grep -o '"runners":[0-9]*,"runner_frames":\[[0-9,]*\]' "$1"; }
strip() { sed 's/"runners":[0-9]*,"runner_frames":\[[0-9,]*\]//' "$1"; }
ran=$(runs "$TMP/j2.json" | grep -o '\[.*\]' | tr -d '[]')
check "--jobs 1: one runner, all $nbig frames" \
	"\"runners\":1,\"runner_frames\":[$nbig]" "$(runs "$TMP/j1.json")"
check "--jobs 2: two runners, each ran frames, $nbig in all" \
	"2 yes $nbig" \
	"$(awk -F, '{ print NF, ($1 > 0 && $2 > 0 ? "yes" : "no: " $0), $1 + $2 }' <<<"$ran")"
check "... and writes what --jobs 1 writes, byte for byte, but the runners" \
	"" "$(cmp <(strip "$TMP/j1.json") <(strip "$TMP/j2.json") 2>&1)"
check "text output: the runner and its frames" \
	"  runners 1 (no rate or fan-out rules: no per-source state), frames by runner: $total" \
	"$("$XT" replay --jobs 1 --rules "$TMP/stateless.yaml" "$TMP/all.pcap" | grep '^  runners')"
"$XT" replay --json "$TMP/all.pcap" >"$TMP/j2.json"
sum=$(tail -1 "$TMP/j2.json")
check "all $total frames of ${#eth[@]} Ethernet captures: every one with an Ethernet header run" \
	"\"frames\":$total,\"run\":$((total - short))" \
	"$(grep -o '"frames":[0-9]*,"run":[0-9]*' <<<"$sum")"
check "... the $long frames beyond what a test run takes run on their leading bytes" \
	"\"truncated_for_run\":$long" \
	"$(grep -o '"truncated_for_run":[0-9]*' <<<"$sum")"
check "... the $snapped cut by their capture's snaplen counted, as tshark tells them" \
	"\"cut_by_snaplen\":$snapped" \
	"$(grep -o '"cut_by_snaplen":[0-9]*' <<<"$sum")"
check "... only the $short without an Ethernet header skipped, no error" \
	"$short 0 0" \
	"$(grep -o '"skipped":[0-9]*' <<<"$sum" | cut -d: -f2) $(grep -o '"link_type":[0-9]*' <<<"$sum" | cut -d: -f2) $(grep -o '"error":[0-9]*' <<<"$sum" | cut -d: -f2)"
# A small TCP capture: the file format must not change a frame.
ref=$PCAPS/dns_tcp.pcap
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

# Rules, drop and mark settings: dns_tcp.pcap opens with SYN, SYN-ACK, ACK.
cat >"$TMP/r.yaml" <<'YAML'
settings:
  drop_threshold: 200
classes:
  - { id: 5, name: web }
rules:
  - name: any-tcp
    class: web
    weight: 40
    match:
      proto: tcp
  - name: syn-drop
    class: web
    weight: 250
    match:
      tcp_flags: "syn / syn,ack"
YAML
"$XT" replay --json --rules "$TMP/r.yaml" --mark-value both --mark-shift 8 \
	--mark-mask 0xfff00 --limit 3 "$PCAPS/dns_tcp.pcap" >"$TMP/r.json"
check "SYN over the drop threshold: dropped, no tag, verdict explained, no mark" \
	'"verdict":"drop","tagged":false,"score":255,"class":"web","rules":["any-tcp","syn-drop"],"mark":null' \
	"$(sed -n 1p "$TMP/r.json" | grep -o '"verdict".*"mark":null')"
check "... tcp_flags still there, from the explain record" '"tcp_flags":2' \
	"$(sed -n 1p "$TMP/r.json" | grep -o '"tcp_flags":[0-9a-z]*')"
# both = class 5 << 4 | band (40 >> 4 = 2) = 82; << 8 = 20992
check "SYN-ACK: score, class, rules and the mark TC would set" \
	'"score":40,"class":"web","rules":["any-tcp"],"mark":20992' \
	"$(sed -n 2p "$TMP/r.json" | grep -o '"score".*"mark":[0-9]*')"
check "summary counts the drop" '"dropped":1' \
	"$(tail -1 "$TMP/r.json" | grep -o '"dropped":[0-9]*')"
"$XT" replay --mark-shift 30 "$ref" >/dev/null 2>&1
check "a mark setting that does not fit: exit 2" 2 $?

got=$("$XT" replay --json --limit 2 "$ref" | grep -c '"frame":')
check "--limit 2 runs two frames" 2 "$got"
got=$("$XT" replay --json --limit 2 "$ref" | tail -1 |
	grep -o '"summary":true,"frames":[0-9]*')
check "--limit 2: summary counts two frames" '"summary":true,"frames":2' "$got"
finish
