#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make fuzz: run each fuzzer (parse, rules, prefix, nft; all by default) for
# FUZZ_SECONDS (default 60), regressions first, and fail on any crash,
# sanitizer report, hang or broken invariant.  Findings are left in
# $BUILD/fuzz/ as crash-*, timeout-* or leak-* files: copy them to the
# fuzzer's regressions directory after fixing the bug.
#
#   parse  the packet parser; seeds: every Ethernet frame of the shared
#          captures, fuzz/regressions/
#   rules  the rules-file loader; seeds: the rules files in the tree,
#          fuzz/rules_seeds/, fuzz/regressions-rules/
#   prefix the prefix-file reader; seeds: the prefix files in the tree,
#          fuzz/regressions-prefix/
#   nft    the quoting of interface names in `xdptag nft`; seeds:
#          fuzz/regressions-nft/
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PCAPS=$(scripts/pcaps-dir)
out=$BUILD/fuzz
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT

# fuzz NAME BINARY REGRESSIONS_DIR [libFuzzer options]: $corpus/NAME holds
# the seeds.  Regressions run first, each once: a fixed bug stays fixed.
fuzz() {
	local name=$1 bin=$2 reg=$3 seeds=$corpus/$1
	shift 3
	cp "$reg"/* "$seeds"/ 2>/dev/null || true
	echo "  FUZZ     $name, ${FUZZ_SECONDS:-60} s," \
		"$(ls "$seeds" | wc -l) seeds"
	if ls "$reg"/* >/dev/null 2>&1; then
		"$out/$bin" "$@" "$reg"/* >/dev/null 2>&1 || {
			echo "$name: a regression input fails again:" >&2
			"$out/$bin" "$@" "$reg"/* 2>&1 | grep -m5 -E \
				'ERROR|runtime error|SUMMARY|Running' >&2
			return 1
		}
	fi
	(cd "$out" && ./"$bin" "$@" -max_total_time="${FUZZ_SECONDS:-60}" \
		-print_final_stats=1 "$seeds" 2>&1 | tail -15;
	 exit "${PIPESTATUS[0]}")
}

for t in "${@:-parse rules prefix nft}"; do
	for t in $t; do
		mkdir -p "$corpus/$t"
		case $t in
		parse)
			if [ -d "$PCAPS" ]; then
				"$out/pcap_seeds" "$corpus/parse" \
					"$PCAPS"/*.pcap* >/dev/null
			fi
			fuzz parse fuzz_parse fuzz/regressions
			;;
		rules)
			cp tests/unit/rules/*.yaml tests/e2e/rules/*.yaml \
				rules/default.yaml fuzz/rules_seeds/*.yaml \
				"$corpus/rules"/
			# Inputs are small; a second is a hang, not a big file.
			fuzz rules fuzz_rules fuzz/regressions-rules \
				-max_len=4096 -timeout=5 -rss_limit_mb=1024
			;;
		prefix)
			cp tests/unit/rules/*.txt "$corpus/prefix"/
			fuzz prefix fuzz_prefix_file fuzz/regressions-prefix \
				-max_len=4096 -timeout=5 -rss_limit_mb=1024
			;;
		nft)
			fuzz nft fuzz_nft fuzz/regressions-nft -max_len=64
			;;
		*)
			echo "fuzz/run.sh: unknown fuzzer '$t'" \
				"(parse, rules, prefix, nft)" >&2
			exit 2
			;;
		esac
	done
done
