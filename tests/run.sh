#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Runs the test tiers and prints one summary line.  Usage:
#   tests/run.sh [unit|prog|pcap|e2e|detect|tests/TIER/test_X.sh ...]
#   (default: every tier, in order)
# XT_SHARD=K/N (or K,L,.../N) runs only the tests whose place in that order,
# counted from 1, is K (or L, ...) modulo N, so that N runs, one per K,
# share the tests between them: CI splits the 6.1 VM's tests over its two
# lanes so (.ci/run).
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

# The shard: N, and a space-separated list of its Ks; nth counts the tests.
shard_n=1 shard_ks=" 1 " nth=0 ran=0
if [ -n "${XT_SHARD:-}" ]; then
	if ! [[ $XT_SHARD =~ ^([1-9][0-9]*(,[1-9][0-9]*)*)/([1-9][0-9]*)$ ]]; then
		echo "Error: XT_SHARD '$XT_SHARD' is not K/N or K,L,.../N" >&2
		exit 2
	fi
	shard_n=${BASH_REMATCH[3]}
	shard_ks=" ${BASH_REMATCH[1]//,/ } "
	for k in $shard_ks; do
		[ "$k" -le "$shard_n" ] || {
			echo "Error: XT_SHARD '$XT_SHARD': $k is above $shard_n" >&2
			exit 2
		}
	done
fi

run_one() {
	local name=$1; shift
	local out rc p f s t0=$SECONDS
	nth=$((nth + 1))
	[[ $shard_ks == *" $(( (nth - 1) % shard_n + 1 )) "* ]] || return 0
	ran=$((ran + 1))
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
	printf '%-5s %-40s %d passed, %d failed, %d skipped, %d s\n' \
		"$([ "$f" = 0 ] && echo ok || echo FAIL)" "$name" "$p" "$f" "$s" \
		$((SECONDS - t0))
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
[ -n "${XT_SHARD:-}" ] && echo "# shard $XT_SHARD: $ran of $nth tests"
[ ${#failed_names[@]} != 0 ] && echo "failed: ${failed_names[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] && [ $((pass + skip)) -gt 0 ]
