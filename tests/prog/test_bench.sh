#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make bench's peer tier (bench/run.sh ONLY=peer, docs/performance.md)
# runs on this machine as a user would run it: xdp-filter loaded from the
# object Debian's libxdp1 ships, beside xdptag with its default rules and
# null, with small tables and with 100,000 entries on both sides, and the
# summary's tables and targets printed.  One round of a few runs: what is
# checked is that each program ran the path it is measured on and that
# every figure is there, never a time (tests do not time).
. tests/lib/tap.sh

XB=$BUILD/bench/xt_bench
PEER=/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)/bpf/xdpfilt_dny_all.o
FRAMES="ipv4-tcp-syn ipv4-udp ipv6-ext-tcp vlan-ipv4-tcp ipv4-fragment malformed"
ROWS="null xdp-filter xdptag xdptag-stateless xdp-filter-100k xdptag-100k xdptag-stateless-100k"
TABLES=("ns" "ratio to the peer" "ratio to null" "added ns over null")

skip_all() { skip_test "make bench's peer tier" "$1"; finish; }
[ -x "$XB" ] || skip_all "$XB missing (make all builds it)"
[ -f "$PEER" ] || skip_all "xdp-filter's $PEER not installed (make deps: libxdp1)"

out=$(mktemp -d)
on_exit rm -rf "$out"
# Two loads of each program, not the default five: the rounds fold them
# all the same, and each load of the 100,000-entry rows compiles its
# tables, seconds under qemu.  Checks 1 to 3 below see each row's lines
# once: the first load's.
sum=$(XT_BENCH_OUT=$out ONLY=peer PEER_ROUNDS=1 PEER_REPEAT=100 \
      XT_PEER_LOADS=2 bench/run.sh 2>&1)
rc=$?
check "bench/run.sh ONLY=peer exits 0" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$sum" | tail -n 5 | sed 's/^/#   /'
raw=$out/peer.txt

# 1. The peer took its longest path on every frame: every lookup of its
# maps, none matching, then its default verdict (drop); its parser refuses
# the fragment and the cut frame (aborted).  A pass would mean an entry
# matched, a shorter path than the one measured.
for r in xdp-filter xdp-filter-100k; do
	got=$(for f in $FRAMES; do
		awk -v r="$r" -v f="$f" '$1 == "#" && $2 == r && $3 == f &&
			$4 == "verdict" { print $5 }' "$raw"
	      done | paste -sd' ')
	check "$r's verdicts on the six frames" \
		"drop drop drop drop aborted aborted" "$got"
done

# 2. xdptag ran the default rules on each frame: the rules the frame
# matches, by name, give the tag's rules bits, score (their weights'
# sum) and class (the heaviest's), read off `xdptag rules show`.
declare -A slot weight class
while read -r s n c w; do
	slot[$n]=$s weight[$n]=$w class[$n]=$c
done <<<"$("$XT" rules show |
	  sed -nE 's/^ *([0-9]+) +([a-z0-9-]+) +class ([0-9]+) .* weight ([0-9]+)$/\1 \2 \3 \4/p')"
tag_of() {
	local n bits=0 score=0 best=-1 cls=0

	for n in "$@"; do
		bits=$((bits | 1 << ${slot[$n]}))
		score=$((score + ${weight[$n]}))
		[ "${weight[$n]}" -gt "$best" ] && best=${weight[$n]} cls=${class[$n]}
	done
	printf 'score %d class %d rules 0x%x' "$score" "$cls" "$bits"
}
want=$(paste -sd'|' <<EOF
$(tag_of bogon-private-src admin-new-conn)
$(tag_of bogon-doc-src)
$(tag_of bogon-doc-src)
$(tag_of bogon-private-src)
$(tag_of bogon-private-src ipv4-fragment)
$(tag_of bogon-private-src malformed)
EOF
)
for r in xdptag xdptag-stateless xdptag-100k xdptag-stateless-100k; do
	got=$(for f in $FRAMES; do
		sed -nE "s/^# $r +$f +tag: (score [0-9]+ class [0-9]+ rules 0x[0-9a-f]+) .*/\1/p" "$raw"
	      done | paste -sd'|')
	check "$r's tags on the six frames" "$want" "$got"
done

# 3. The 100,000-entry rows ran with that many prefixes compiled in.
check "the 100,000-entry rulesets hold 100,000 prefixes" "2" \
	"$(grep -c '^# ruleset with 100000 prefixes: [0-9]* entries' "$raw")"

# 4. Every table of the summary has every program's row, with a figure for
# each frame and the mix; the peer's ratio to itself and null's to itself
# are 1.00 exactly (the ratios are computed, not copied).
bad=""
for t in "${TABLES[@]}"; do
	block=$(awk -v t="  $t" '$0 == t { on = 1; next } on && /^ *$/ { exit }
		on' <<<"$sum")
	for r in $ROWS; do
		n=$(awk -v r="$r" '$1 == r { for (i = 2; i <= NF; i++)
			if ($i ~ /^-?[0-9]+\.[0-9]+$/) k++; print k + 0 }' <<<"$block")
		[ "$n" = 7 ] || bad+=" '$t'/$r:$n"
	done
done
check "the summary's four tables: seven figures for each of the seven rows" "" "$bad"
row() {
	awk -v t="  $1" -v r="$2" '$0 == t { on = 1; next }
		on && $1 == r { $1 = ""; print substr($0, 2); exit }' <<<"$sum"
}
check "xdp-filter / xdp-filter: 1.00 on every frame and the mix" \
	"1.00 1.00 1.00 1.00 1.00 1.00 1.00" "$(row "ratio to the peer" xdp-filter)"
check "null / null: 1.00 on every frame and the mix" \
	"1.00 1.00 1.00 1.00 1.00 1.00 1.00" "$(row "ratio to null" null)"

# 5. The targets against the peer, each with its figure and verdict, on
# the rules the issue set them for: the -stateless rows (the default rules
# without their rate and fan-out rules), whose mix ratio the target's
# figure is; the shipped rules' beside them, as information.
got=$(sed -nE 's/^  (xdptag-stateless(-100k)? \/ xdp-filter, (mix|worst frame), (small tables|100,000 entries)) +[0-9]+\.[0-9]+ +<= 0\.[68]0 +(met|MISSED)$/\1/p' <<<"$sum" |
      paste -sd'|')
check "the four peer targets, each with its figure and verdict" \
	"xdptag-stateless / xdp-filter, mix, small tables|xdptag-stateless / xdp-filter, worst frame, small tables|xdptag-stateless-100k / xdp-filter, mix, 100,000 entries|xdptag-stateless-100k / xdp-filter, worst frame, 100,000 entries" \
	"$got"
for r in xdptag-stateless xdptag-stateless-100k; do
	check "$r: the mix target's figure is its row's mix ratio" \
		"$(row "ratio to the peer" "$r" | awk '{ print $NF }')" \
		"$(sed -nE "s/^  $r \/ xdp-filter, mix, [a-z0-9, ]+ +([0-9]+\.[0-9]+) +<=.*/\1/p" <<<"$sum")"
done
for r in xdptag xdptag-100k; do
	check "$r: the shipped rules' mix ratio shown beside the targets" \
		"$(row "ratio to the peer" "$r" | awk '{ print $NF }')" \
		"$(sed -nE "s/^    $r, stateful rules too, mix \/ worst frame +([0-9]+\.[0-9]+) \/ .*/\1/p" <<<"$sum")"
done

# 6. A number of loads out of range is refused in one line.
err=$(XT_PEER_LOADS=0 "$XB" peer 1 1 2>&1 >/dev/null)
lrc=$?
check "XT_PEER_LOADS=0: exit 2 and one line" \
	"2|Error: XT_PEER_LOADS: '0' is not a number of loads from 1 to 9" \
	"$lrc|$err"
finish
