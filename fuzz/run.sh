#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make fuzz: seed the parser fuzzer with every Ethernet frame of the shared
# captures plus fuzz/regressions/, run it for FUZZ_SECONDS (default 60), and
# fail on any crash, sanitizer report or broken invariant.  Findings are left
# in $BUILD/fuzz/ as crash-* files: copy them to fuzz/regressions/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PCAPS=${PCAPS:-../shared/pcaps/tcpdump}
out=$BUILD/fuzz
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT

if [ -d "$PCAPS" ]; then
	"$out/pcap_seeds" "$corpus" "$PCAPS"/*.pcap* >/dev/null
fi
cp fuzz/regressions/* "$corpus"/ 2>/dev/null || true
echo "  FUZZ     parser, ${FUZZ_SECONDS:-60} s, $(ls "$corpus" | wc -l) seeds"
# Regressions first, each once: a fixed bug must stay fixed.
if ls fuzz/regressions/* >/dev/null 2>&1; then
	"$out/fuzz_parse" fuzz/regressions/* >/dev/null 2>&1
fi
cd "$out"
./fuzz_parse -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 \
	"$corpus" 2>&1 | tail -15
