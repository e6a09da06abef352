#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The parser, compiled for user space under ASan/UBSan: every regression
# input once, then a short fuzzing run seeded with the shared captures
# (make fuzz runs longer).
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BUILD=${BUILD:-build}
fz=$BUILD/fuzz/fuzz_parse

if [ ! -x "$fz" ]; then
	skip_test "parser fuzz" "$fz not built"
	finish
fi
if out=$("$fz" fuzz/regressions/* 2>&1); then
	ok "parser regressions ($(ls fuzz/regressions | wc -l) inputs)"
else
	not_ok "parser regressions" "$(grep -m3 -E 'ERROR|runtime error|SUMMARY' <<<"$out")"
fi
if out=$(FUZZ_SECONDS=${FUZZ_SECONDS:-10} BUILD=$BUILD fuzz/run.sh 2>&1); then
	ok "parser fuzz $(grep -o 'Done [0-9]* runs' <<<"$out")"
else
	not_ok "parser fuzz" "$(grep -m5 -E 'ERROR|runtime error|SUMMARY|crash-' <<<"$out")"
fi
finish
