#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Runs the test tiers and prints one summary line.  Usage:
#   tests/run.sh [unit|prog|pcap|e2e|detect|tests/TIER/test_X.sh ...]
#   (default: every tier, in order)
#
# Every test speaks TAP: "ok N - name", "not ok N - name", and "# SKIP" for a
# test that cannot run here (counted as skipped, never as passed).  cmocka
# binaries do so with CMOCKA_MESSAGE_OUTPUT=tap; scripts print it themselves
# (tests/lib/tap.sh).  A program that exits nonzero without reporting a
# failure counts as one failure: a crash must not pass.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export CMOCKA_MESSAGE_OUTPUT=tap

pass=0 fail=0 skip=0
failed_names=()

run_one() {
	local name=$1; shift
	local out rc p f s
	out=$("$@" 2>&1)
	rc=$?
	s=$(grep -cE '^(not )?ok .*# SKIP' <<<"$out")
	p=$(grep -E '^ok ' <<<"$out" | grep -vc '# SKIP')
	f=$(grep -E '^not ok ' <<<"$out" | grep -vc '# SKIP')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		out+=$'\n'"not ok - $name exited with status $rc"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	if [ "$f" != 0 ] || [ -n "${VERBOSE:-}" ]; then
		printf '%s\n' "$out" | sed "s|^|  [$name] |"
	else
		# SKIPs, and what a test measured, which a VM run cannot
		# keep otherwise (e.g. test_libxdp's dispatcher cost).
		grep -E '# SKIP|^# measured: ' <<<"$out" | sed "s|^|  [$name] |"
	fi
	[ "$f" != 0 ] && failed_names+=("$name")
	printf '%-5s %-40s %d passed, %d failed, %d skipped\n' \
		"$([ "$f" = 0 ] && echo ok || echo FAIL)" "$name" "$p" "$f" "$s"
}

tier_bins() {
	local b
	for b in "$BUILD"/tests/"$1"/test_*; do
		[ -x "$b" ] && run_one "$1/$(basename "$b")" "$b"
	done
}

tier_scripts() {
	local t
	for t in tests/"$1"/test_*.sh; do
		[ -f "$t" ] && run_one "$1/$(basename "$t" .sh)" bash "$t"
	done
}

tiers=("$@")
[ ${#tiers[@]} = 0 ] && tiers=(unit prog pcap e2e detect)
for t in "${tiers[@]}"; do
	echo "== $t"
	case $t in
	unit|prog) tier_bins "$t"; tier_scripts "$t" ;;
	pcap|e2e|detect) tier_scripts "$t" ;;
	tests/*/test_*.sh)	# one script, e.g. what a kernel run picks
		[ -f "$t" ] || { echo "Error: no test $t" >&2; exit 2; }
		t=${t#tests/}
		run_one "${t%.sh}" bash "tests/$t" ;;
	*) echo "Error: unknown tier '$t' (unit, prog, pcap, e2e, detect)" >&2; exit 2 ;;
	esac
done

echo
[ ${#failed_names[@]} != 0 ] && echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] && [ $((pass + skip)) -gt 0 ]
