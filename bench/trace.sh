#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `make bench-trace`: where each frame's instructions go, function by
# function.  make bench's icount part (bench/run.sh, ONLY=icount), one
# round of three runs a frame, with qemu logging every instruction the
# guest executes in the module area, where BPF JIT images live
# (tests/vm/run.sh's XT_VM_QEMU_ARGS); bench/trace.py maps each to its
# source line through the line map xt_bench prints for the image it
# loaded (XT_PEER_LINES=1) and sums them per function (docs/performance.md,
# "Where a frame's instructions go, function by function").  About 15
# minutes and a 200 MB log for the default rows.
#
#   XT_VARIANTS="st-skip ..."   variant builds to trace too
#   XT_ICOUNT_KERNEL=6.12       the guest's kernel (tests/vm/run.sh's
#                               XT_VM_KERNEL; its icount default 6.12)
#   KEEP=1                      keep qemu's log (its path is printed)
#
# Rows: xdptag and xdptag-stateless (the default rules; a traced frame is
# run three times, so the stateful frames still count towards their rate
# limits), and xdptag-steady: the default rules with every rate limit at
# one packet, whose third run takes the path of the icount part's steady
# state (a source over its limit, its destinations already seen).
# Output: $BUILD/bench/trace/summary.txt.
set -eu -o pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench/trace
RESULT=$BUILD/bench/results/icount.txt
REPEAT=3

die() { echo "Error: $*" >&2; exit 1; }
mkdir -p "$OUT"
# The log stays out of $BUILD, which the guest gets a copy of.
LOG=$(mktemp -d "${TMPDIR:-/tmp}/xdptag-trace.XXXXXX")
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$LOG"' EXIT

sed -E 's/(rate: *\{ *[bp]ps: *)[0-9]+/\11/' rules/default.yaml \
	>"$OUT/steady.yaml"
grep -q 'pps: 1 ' "$OUT/steady.yaml" || die "no rate rule in rules/default.yaml"

# The module area, where the JIT puts BPF programs (x86-64).
MODS="-dfilter 0xffffffffc0000000..0xfffffffffeffffff"
rm -f "$RESULT"
XT_VM_QEMU_ARGS="-singlestep -d in_asm,exec,nochain -D $LOG/qemu.log $MODS" \
XT_VM_TIMEOUT=3600 XT_PEER_LINES=1 XT_PEER_RULES=$OUT/steady.yaml \
ONLY=icount ICOUNT_ROUNDS=1 ICOUNT_REPEAT=$REPEAT \
	bench/run.sh >"$OUT/bench.txt" || die "bench/run.sh failed"
[ -s "$RESULT" ] || die "the traced run failed: $(tail -n 1 "$OUT/bench.txt")"
/usr/bin/python3 bench/trace.py "$RESULT" "$LOG/qemu.log" "$REPEAT" \
	>"$OUT/summary.txt"
cat "$OUT/summary.txt"
[ "${KEEP:-}" = 1 ] && echo "qemu's log: $LOG/qemu.log"
exit 0
