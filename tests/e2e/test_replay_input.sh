#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Captures replay cannot replay as the datapath saw them, and says so:
# frames cut by the capture's snaplen (caplen below the wire length: pcap
# and pcapng, as `tcpdump -s 68` or `xdptag capture --snaplen` write them)
# are counted, flagged per frame and warned about, with and without
# --live; a capture that is not Ethernet, or holds no frame that runs,
# names why and exits 4 (an --nft ruleset nft refuses, status 2:
# tests/pcap/test_live.sh).
# The captures are written here (python's struct, frames from scapy), so
# the test needs neither editcap nor the shared captures.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "replay input" ip
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"

cat >"$TMP/r.yaml" <<'YAML'
classes:
  - { id: 1, name: reflection }
  - { id: 2, name: icmp-large }
  - { id: 3, name: syn }
  - { id: 4, name: anomaly }
rules:
  - name: udp-reflection-src
    class: reflection
    weight: 15
    match:
      proto: udp
      sport: 53
      len: "400-65535"
  - name: icmp-oversized
    class: icmp-large
    weight: 40
    match:
      proto: icmp
      len: "1101-65535"
  - name: syn
    class: syn
    weight: 10
    match:
      tcp_flags: "syn / syn,ack"
  - name: malformed
    class: anomaly
    weight: 50
    match:
      features: [malformed]
YAML

# A 992-byte DNS answer, a 1,242-byte echo request, a 74-byte SYN with
# options, a 60-byte DNS query: whole, then cut at 68 bytes, in pcap and
# pcapng; Linux cooked (SLL) frames; an Ethernet capture without frames
# and one of short frames only.
$PY - "$TMP" <<'EOF2' || { not_ok "captures made"; finish; }
import struct, sys
from xt_layers import Ether, IP, TCP, UDP, ICMP, Raw
d = sys.argv[1]
e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
ip = IP(src="9.9.9.9", dst="8.8.4.4")
frames = [
    bytes(e/ip/UDP(sport=53, dport=33000)/Raw(b"d" * 950)),
    bytes(e/ip/ICMP(type=8, id=1, seq=1)/Raw(b"p" * 1200)),
    bytes(e/ip/TCP(sport=40000, dport=443, flags="S",
                   options=[("MSS", 1460), ("SAckOK", b""),
                            ("Timestamp", (1, 0)), ("NOP", None),
                            ("WScale", 7)])),
    bytes(e/ip/UDP(sport=4000, dport=53)/Raw(b"q" * 18)),
]
assert [len(f) for f in frames] == [992, 1242, 74, 60]

def pcap(name, snap, frames, link=1):
    with open(f"{d}/{name}", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snap, link))
        for i, fr in enumerate(frames):
            c = fr[:snap]
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(c), len(fr)))
            f.write(c)

def pad4(b):
    return b + b"\0" * (-len(b) % 4)

def block(t, body):
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)

def pcapng(name, snap, frames):
    with open(f"{d}/{name}", "wb") as f:
        f.write(block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1)))
        f.write(block(1, struct.pack("<HHI", 1, 0, snap)))
        for i, fr in enumerate(frames):
            c = fr[:snap]
            ts = (1700000000 + i) * 1000000
            f.write(block(6, struct.pack("<IIIII", 0, ts >> 32,
                                         ts & 0xffffffff, len(c), len(fr))
                          + pad4(c)))

pcap("full.pcap", 65535, frames)
# 2,100 frames, batches of 1,024 over two runners: only frames 1,500 and
# 2,050 cut.
with open(f"{d}/late.pcap", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(1, 2101):
        fr = frames[0] if i in (1500, 2050) else frames[3]
        c = fr[:68]
        f.write(struct.pack("<IIII", 1700000000, i, len(c), len(fr)) + c)
pcap("cut.pcap", 68, frames)
pcapng("cut.pcapng", 68, frames)
# Linux cooked v1 (tcpdump -i any): a 16-byte header, then IP.
sll = struct.pack(">HHH8sH", 0, 1, 6, b"\2\0\0\0\0\1\0\0", 0x0800)
pcap("sll.pcap", 65535, [sll + f[14:] for f in frames[:3]], link=113)
pcap("none.pcap", 65535, [])
pcap("short.pcap", 65535, [b"0123456789", b""])
EOF2

# field FRAME KEYS...: those keys of the frame's JSON line, "k":v,...
field() {
	local line k out=
	line=$(grep "^{\"frame\":$1," "$OUT")
	shift
	for k; do
		out+=$(grep -o "\"$k\":\(\[[^]]*\]\|\"[^\"]*\"\|[^,}]*\)" <<<"$line")
		out+=,
	done
	echo "${out%,}"
}

OUT=$TMP/out ERR=$TMP/err
# The warning for N frames cut, the first of them FIRST.
warn_cut() {
	echo "Warning: $1 frames were cut by the capture's snaplen (the first: frame $2): replay ran them on their captured bytes only, so len conditions and headers past the cut differ from what the datapath saw"
}
WARN=$(warn_cut 3 1)

# --- The whole frames: the verdicts the datapath gives.
"$XT" replay --json --rules "$TMP/r.yaml" "$TMP/full.pcap" >"$OUT" 2>"$ERR"
check "whole frames: exit 0, nothing on stderr" "0 0" "$? $(wc -c <"$ERR")"
check "... the DNS answer is reflection, the echo icmp-large, the SYN syn" \
	'"class":"reflection" "class":"icmp-large" "class":"syn" "class":"unclassified"' \
	"$(for n in 1 2 3 4; do field $n class; done | tr '\n' ' ' | sed 's/ $//')"
check "... none cut" '"len":992,"wire_len":992,"cut_by_snaplen":false' \
	"$(field 1 len wire_len cut_by_snaplen)"
check "... the summary counts none cut" '"cut_by_snaplen":0' \
	"$(tail -1 "$OUT" | grep -o '"cut_by_snaplen":[0-9]*')"

# --- Cut at 68 bytes: what the program saw, flagged, counted, warned.
for f in cut.pcap cut.pcapng; do
	"$XT" replay --json --rules "$TMP/r.yaml" "$TMP/$f" >"$OUT" 2>"$ERR"
	check "$f: exit 0" 0 "$?"
	check "$f: one warning line on stderr" "$WARN" "$(cat "$ERR")"
	check "$f: frame 1 ran on 68 of 992 bytes, flagged" \
		'"len":68,"wire_len":992,"seen_len":68,"cut_by_snaplen":true,"class":"unclassified"' \
		"$(field 1 len wire_len seen_len cut_by_snaplen class)"
	check "$f: frame 2 ran on 68 of 1242 bytes, flagged" \
		'"len":68,"wire_len":1242,"cut_by_snaplen":true,"class":"unclassified"' \
		"$(field 2 len wire_len cut_by_snaplen class)"
	check "$f: frame 3, its options cut: malformed, flagged" \
		'"len":68,"wire_len":74,"cut_by_snaplen":true,"class":"anomaly","malformed":true' \
		"$(field 3 len wire_len cut_by_snaplen class malformed)"
	check "$f: frame 4, whole, not flagged" \
		'"len":60,"wire_len":60,"cut_by_snaplen":false,"class":"unclassified"' \
		"$(field 4 len wire_len cut_by_snaplen class)"
	check "$f: the summary counts the 3 cut frames" \
		'"frames":4,"run":4,"cut_by_snaplen":3' \
		"$(tail -1 "$OUT" | grep -o '"frames":[0-9]*,"run":[0-9]*\|"cut_by_snaplen":[0-9]*' |
		   tr '\n' , | sed 's/,$//')"
done
"$XT" replay --json --jobs 2 --rules "$TMP/r.yaml" "$TMP/late.pcap" \
	>"$OUT" 2>"$ERR"
check "two runners, cut frames in later batches: the first named" \
	"0 $(warn_cut 2 1500) \"cut_by_snaplen\":2 \"runners\":2" \
	"$? $(cat "$ERR") $(tail -1 "$OUT" |
	grep -o '"cut_by_snaplen":[0-9]*\|"runners":[0-9]*' | tr '\n' ' ' | sed 's/ $//')"
"$XT" replay --rules "$TMP/r.yaml" "$TMP/cut.pcap" >"$OUT" 2>"$ERR"
check "table: exit 0, the same warning" "0 $WARN" "$? $(cat "$ERR")"
check "table: the cut frames counted" \
	"  cut by the capture's snaplen (ran on their captured bytes) 3" \
	"$(grep "cut by the capture's snaplen" "$OUT")"

# --- --live sends the same cut frames: live and test run agree on them,
# which is no agreement with the datapath; the warning says both.
if command -v nft >/dev/null; then
	"$XT" replay --live --json --rules "$TMP/r.yaml" "$TMP/cut.pcap" \
		>"$OUT" 2>"$ERR"
	check "--live: exit 0" 0 "$?"
	check "--live: the warning covers the live path" \
		"Warning: 3 frames were cut by the capture's snaplen (the first: frame 1): replay ran them, and sent them live, on their captured bytes only, so len conditions and headers past the cut differ from what the datapath saw; \"agrees\" compares two runs of the same cut frames" \
		"$(cat "$ERR")"
	check "--live: frame 1 sent cut, flagged on the same line as agrees" \
		'"cut_by_snaplen":true,"sent_len":68,"agrees":true' \
		"$(field 1 cut_by_snaplen sent_len agrees)"
	check "--live: 3 cut, 4 agree" '"cut_by_snaplen":3 "agree":4' \
		"$(tail -2 "$OUT" | grep -o '"cut_by_snaplen":[0-9]*\|"agree":[0-9]*' |
		   tr '\n' ' ' | sed 's/ $//')"
else
	skip_test "--live with cut frames" "no nft"
fi

# --- Nothing that runs: the reason, named, and status 4.
"$XT" replay --json --rules "$TMP/r.yaml" "$TMP/sll.pcap" >"$OUT" 2>"$ERR"
check "Linux cooked capture: exit 4" 4 "$?"
check "... a warning naming the link type" \
	"Warning: $TMP/sll.pcap: link-type LINUX_SLL (Linux cooked v1) is not Ethernet: none of its 3 frames ran (replay runs Ethernet captures, link-type EN10MB)" \
	"$(cat "$ERR")"
check "... the summary names it and counts the frames" \
	'"skipped_by_reason":{"link_type":3, "link_type":"LINUX_SLL"' \
	"$(tail -1 "$OUT" | grep -o '"link_type":"[^"]*"\|"skipped_by_reason":{"link_type":[0-9]*,' |
	   tr '\n' ' ' | sed 's/ $//')"
"$XT" replay --rules "$TMP/r.yaml" "$TMP/sll.pcap" >"$OUT" 2>/dev/null
check "... the table names it" \
	"  skipped link_type  3 (link-type LINUX_SLL)" \
	"$(grep 'skipped link_type' "$OUT")"
"$XT" replay --rules "$TMP/r.yaml" "$TMP/none.pcap" >"$OUT" 2>"$ERR"
check "a capture without frames: exit 4, a warning" \
	"4 Warning: $TMP/none.pcap: no frame ran (0 read)" "$? $(cat "$ERR")"
"$XT" replay --json --rules "$TMP/r.yaml" "$TMP/short.pcap" >"$OUT" 2>"$ERR"
check "only frames without an Ethernet header: exit 4, a warning" \
	"4 Warning: $TMP/short.pcap: no frame ran (2 read: 1 empty, 1 short)" \
	"$? $(cat "$ERR")"
check "... the summary still printed" '"frames":2,"run":0,' \
	"$(tail -1 "$OUT" | grep -o '"frames":[0-9]*,"run":[0-9]*,')"
finish
