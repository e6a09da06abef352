#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Capture rate: `xdptag capture` on a veth between two throwaway
# namespaces while a raw socket floods it with frames every one of which
# matches the capture's filter (tests/lib/flood.py), written to a pcapng
# file.  Prints, per run, the records the program counted as sampled per
# second of flood, whether every one reached the file, and what the ring
# refused.  Runs with --rate RATE (default 100000) and with no limit.
#   bench/capture_rate.sh [SECONDS]        (BUILD: the build dir)
# Summary line:
#   capture_rate rate=R secs=S sampled_per_s=N lost=L ring_full=F
set -u
cd "$(dirname "$0")/.." || exit 1
SECS=${1:-5}
RATE=${RATE:-100000}
# shellcheck source=../tests/lib/tap.sh
. tests/lib/tap.sh
[ "$(id -u)" = 0 ] || { echo "Error: needs root" >&2; exit 1; }
[ -x "$XT" ] || { echo "Error: $XT not built" >&2; exit 1; }
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
CP=
on_exit '[ -n "$CP" ] && kill "$CP"'
lab_pair
ip netns exec "$RCV" "$XT" attach "$B" --rules tests/e2e/rules/classes.yaml \
	--mode generic >/dev/null || exit 1

for rate in "$RATE" 0; do
	ip netns exec "$RCV" "$XT" capture "$B" -w "$TMP/c.pcapng" \
		--rule dns-query --rate "$rate" --duration $((SECS + 2)) \
		2>"$TMP/err" &
	CP=$!
	sleep 1
	sent=$(ip netns exec "$SND" $PY tests/lib/flood.py "$A" "$BMAC" "$SECS" \
		'IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=40000, dport=53)/Raw(b"q")')
	wait "$CP"
	CP=
	read -r written received sampled matched limited full < <(sed -n \
		's/^capture: \([0-9]*\) written, \([0-9]*\) received, \([0-9]*\) sampled, \([0-9]*\) matched, \([0-9]*\) rate-limited, \([0-9]*\) ring full$/\1 \2 \3 \4 \5 \6/p' \
		"$TMP/err")
	infile=$($PY tests/lib/pcapng_read.py "$TMP/c.pcapng" | wc -l)
	echo "rate ${rate:-0}: flood $sent frames in ${SECS}s; matched $matched," \
	     "sampled $sampled, received $received, written $written," \
	     "in the file $infile, rate-limited $limited, ring full $full"
	echo "capture_rate rate=$rate secs=$SECS" \
	     "sampled_per_s=$((sampled / SECS)) lost=$((sampled - infile))" \
	     "ring_full=$full"
done
