#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Replay rate: `xdptag replay` against tshark extracting the same fields,
# over a capture of FRAMES frames (default 1,000,000) cycled from the frames
# of ../shared/pcaps/tcpdump (Ethernet, 14-1514 bytes), built in a temporary
# directory that is removed afterwards.  Prints frames/s of each run and the
# ratio (tshark time / `replay --json` time, whole runs; and the same
# with replay's fixed startup, mostly the verifier, left out), medians of
# ROUNDS interleaved rounds (default 3), then one summary line:
#   replay_rate frames=N rounds=R json_fps=X table_fps=Y tshark_fps=Z
#               startup_s=S ratio=R ratio_after_startup=R2
# Usage: [ROUNDS=N] bench/replay_rate.sh [FRAMES]  (BUILD: the build dir)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
XT=$BUILD/xdptag
FRAMES=${1:-1000000}
PCAPS=$(scripts/pcaps-dir)

for t in tshark mergecap; do
	command -v "$t" >/dev/null || { echo "Error: $t not installed" >&2; exit 1; }
done
[ -x "$XT" ] || { echo "Error: $XT not built (make BUILD=$BUILD)" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mergecap -F pcap -a -w "$TMP/all.pcap" "$PCAPS"/*.pcap

# Cycle the usable frames into one big pcap (mergecap wrote little-endian
# microsecond pcap with an Ethernet link type).
/usr/bin/python3 - "$TMP/all.pcap" "$TMP/big.pcap" "$FRAMES" <<'EOF'
import struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, 'rb').read()
hdr, off, frames = data[:24], 24, []
while off + 16 <= len(data):
    _, _, caplen, wirelen = struct.unpack_from('<IIII', data, off)
    if 14 <= caplen <= 1514:
        frames.append(data[off + 16:off + 16 + caplen])
    off += 16 + caplen
with open(dst, 'wb') as f:
    f.write(hdr)
    for i in range(n):
        p = frames[i % len(frames)]
        f.write(struct.pack('<IIII', i // 1000000, i % 1000000, len(p),
                            len(p)))
        f.write(p)
EOF

# Seconds of wall time a command takes, output discarded.
secs() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
fps() { printf '%.0f' "$(echo "$FRAMES / $1" | bc -l)"; }
# The median of its arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
	print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ROUNDS interleaved rounds (the machine is shared and noisy: a round's
# runs see the same load), each: replay's startup alone (loading the
# object, the verifier: a fixed cost), replay --json, replay with
# histograms, tshark.  Ratios are taken within a round; the medians are
# reported.
ROUNDS=${ROUNDS:-3}
L=() J=() T=() S=() R=() R2=()
for ((r = 1; r <= ROUNDS; r++)); do
	t_load=$(secs "$XT" replay --json --limit 1 "$TMP/big.pcap")
	t_json=$(secs "$XT" replay --json "$TMP/big.pcap")
	t_table=$(secs "$XT" replay "$TMP/big.pcap")
	t_shark=$(secs tshark -n -r "$TMP/big.pcap" -T fields \
		-o ip.defragment:FALSE -o ipv6.defragment:FALSE \
		-o tcp.desegment_tcp_streams:FALSE \
		-e frame.number -e frame.cap_len -e frame.protocols -e vlan.id \
		-e ip.proto -e ip.flags.mf -e ip.frag_offset -e ipv6.nxt \
		-e tcp.srcport -e tcp.dstport -e tcp.flags -e udp.srcport \
		-e udp.dstport)
	L+=("$t_load") J+=("$t_json") T+=("$t_table") S+=("$t_shark")
	R+=("$(echo "$t_shark / $t_json" | bc -l)")
	R2+=("$(echo "$t_shark / ($t_json - $t_load)" | bc -l)")
	printf 'round %d: json %.2f s, table %.2f s, tshark %.2f s, startup %.2f s, ratio %.1f\n' \
		"$r" "$t_json" "$t_table" "$t_shark" "$t_load" "${R[-1]}"
done
t_load=$(median "${L[@]}")
t_json=$(median "${J[@]}")
t_table=$(median "${T[@]}")
t_shark=$(median "${S[@]}")

echo "medians of $ROUNDS rounds:"
printf '%-28s %8.2f s %12s frames/s\n' "xdptag replay --json" "$t_json" \
	"$(fps "$t_json")"
printf '%-28s %8.2f s %12s frames/s\n' "xdptag replay (histograms)" \
	"$t_table" "$(fps "$t_table")"
printf '%-28s %8.2f s %12s frames/s\n' "tshark -T fields" "$t_shark" \
	"$(fps "$t_shark")"
printf '%-28s %8.2f s\n' "xdptag replay startup" "$t_load"
ratio=$(printf '%.1f' "$(median "${R[@]}")")
steady=$(printf '%.1f' "$(median "${R2[@]}")")
echo "replay_rate frames=$FRAMES rounds=$ROUNDS json_fps=$(fps "$t_json")" \
     "table_fps=$(fps "$t_table") tshark_fps=$(fps "$t_shark")" \
     "startup_s=$(printf '%.2f' "$t_load") ratio=$ratio ratio_after_startup=$steady"
