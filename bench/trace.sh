#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Where each frame's instructions go, function by function: the peer
# tier's frames through xdptag in the icount part's guest (tests/vm/run.sh,
# Debian 12's 6.12 kernel), with qemu logging every instruction executed
# in the module area, where BPF JIT images live; bench/trace.py maps each
# to its source line through the line map xt_bench prints for the image
# it loaded (XT_PEER_LINES=1) and sums them per function
# (docs/performance.md, "Where a frame's instructions go, function by
# function").  Not part of `make bench`: about 15 minutes and a 200 MB log
# for the default rows.
#
#   XT_VARIANTS="st-skip ..."   variant builds to trace too
#   XT_ICOUNT_KERNEL=REGEX      the guest's kernel (default: 6.12 cloud)
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
XB=$BUILD/bench/xt_bench
OUT=$BUILD/bench/trace
ROUNDS=1
REPEAT=3

die() { echo "Error: $*" >&2; exit 1; }
[ -x "$XB" ] || die "$XB missing: run 'make BUILD=$BUILD bench'"
mkdir -p "$OUT"
# The log stays out of $BUILD, which the guest gets a copy of.
LOG=$(mktemp -d "${TMPDIR:-/tmp}/xdptag-trace.XXXXXX")
[ "${KEEP:-}" = 1 ] || trap 'rm -rf "$LOG"' EXIT

# The module area, where the JIT puts BPF programs (x86-64).
MODS="-dfilter 0xffffffffc0000000..0xfffffffffeffffff"
sed -E 's/(rate: *\{ *[bp]ps: *)[0-9]+/\11/' rules/default.yaml \
	>"$OUT/steady.yaml"
grep -q 'pps: 1 ' "$OUT/steady.yaml" || die "no rate rule in rules/default.yaml"

RUN="XT_PEER_LINES=1 XT_PEER_SMALL=1 XT_PEER_RULES=$OUT/steady.yaml"
RUN+=" XT_VARIANTS='${XT_VARIANTS:-}' $XB peer $ROUNDS $REPEAT"
echo "== tracing in qemu (kernel ${XT_ICOUNT_KERNEL:-6.12}; variants:" \
     "${XT_VARIANTS:-none})"
XT_VM_ICOUNT=1 XT_VM_MEM=3G XT_VM_TIMEOUT=3600 \
XT_VM_KERNEL=${XT_ICOUNT_KERNEL:-'linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64'} \
XT_VM_QEMU_ARGS="-singlestep -d in_asm,exec,nochain -D $LOG/qemu.log $MODS" \
XT_VM_RUN="$RUN" \
	tests/vm/run.sh >"$OUT/xt_bench.txt" 2>"$OUT/vm.err" ||
	die "the traced run failed: $(tail -n 1 "$OUT/vm.err")"
/usr/bin/python3 bench/trace.py "$OUT/xt_bench.txt" "$LOG/qemu.log" \
	"$REPEAT" >"$OUT/summary.txt"
cat "$OUT/summary.txt"
[ "${KEEP:-}" = 1 ] && echo "qemu's log: $LOG/qemu.log"
exit 0
