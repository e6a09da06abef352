# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The body of tests/unit/test_fuzz_*.sh, one per fuzzer.  Source it after
# tests/lib/tap.sh, with BUILD set, from the top of the tree:
#
#   fuzz_tap NAME      NAME as fuzz/run.sh knows it (parse, rules, prefix, nft)
#
# Two results: every regression input once, then a short fuzzing run
# (FUZZ_SECONDS, default 10; make fuzz runs longer).

fuzz_tap() {
	local name=$1 bin reg out
	case $name in
	parse) bin=fuzz_parse reg=fuzz/regressions ;;
	rules) bin=fuzz_rules reg=fuzz/regressions-rules ;;
	prefix) bin=fuzz_prefix_file reg=fuzz/regressions-prefix ;;
	nft) bin=fuzz_nft reg=fuzz/regressions-nft ;;
	esac
	if [ ! -x "$BUILD/fuzz/$bin" ]; then
		skip_test "$name fuzz" "$BUILD/fuzz/$bin not built"
		return
	fi
	if out=$("$BUILD/fuzz/$bin" -timeout=10 "$reg"/* 2>&1); then
		ok "$name regressions ($(ls "$reg" | wc -l) inputs)"
	else
		not_ok "$name regressions" \
			"$(grep -m3 -E 'ERROR|runtime error|SUMMARY' <<<"$out")"
	fi
	if out=$(FUZZ_SECONDS=${FUZZ_SECONDS:-10} BUILD=$BUILD \
		 fuzz/run.sh "$name" 2>&1); then
		ok "$name fuzz $(grep -o 'Done [0-9]* runs' <<<"$out")"
	else
		not_ok "$name fuzz" "$(grep -m5 -E -e 'ERROR|runtime error' \
			-e 'SUMMARY|crash-|timeout-|regression' <<<"$out")"
	fi
}
