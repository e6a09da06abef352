#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Per-source state in replay, with the built-in rules: a port scan in a
# capture is detected from the frame where its fan-out reaches the limit,
# counted on the capture's timestamps (not the wall clock: replay takes
# milliseconds, the capture ten minutes), frame after frame in capture
# order, the same on every run and with any --jobs (each state set's frames
# on one runner, in order), even where sources crowd each other out of a
# small table.  The captures are made
# here (tests/pcap/replay_state.py says what they hold), so the test needs
# neither tshark nor the shared captures.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "replay with per-source state"
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"

# The fan-out hash is seeded from the rules' state epoch.
epoch=$("$XT" rules show | sed -n 's/.*, epoch \([0-9a-f]*\)$/\1/p')
check "rules show prints the built-in rules' state epoch" 16 "${#epoch}"
exp=$($PY tests/pcap/replay_state.py make "$TMP" "$epoch") ||
	{ not_ok "captures made" "$exp"; finish; }
# val KEY TEXT: KEY's value in TEXT; vals TEXT KEY...: theirs, on a line.
val() { sed -n "s/^$1=//p" <<<"$2"; }
vals() {
	local t=$1 k out=()
	shift
	for k; do out+=("$(val "$k" "$t")"); done
	echo "${out[*]}"
}
at=$(val fast_fires_at_frame "$exp")
nflag=$(val fast_flagged "$exp")

"$XT" replay --json --jobs 1 "$TMP/scan.pcap" >"$TMP/1.json" 2>"$TMP/1.err"
check "replay of the scan capture exits 0, nothing on stderr" "0 " \
	"$? $(cat "$TMP/1.err")"
got=$($PY tests/pcap/replay_state.py facts "$TMP/1.json") ||
	{ not_ok "replay's JSON read" "$got"; finish; }

# The fast scan: 40 SYNs in 0.975 s; syn-fanout-ports holds from the SYN
# that sets the 10th bit of its hash set (the 10th port, unless two
# collide), and on every SYN of the source after it.
check "fast scan: syn-fanout-ports first holds at frame $at (SYN $(val fast_fires_at_syn "$exp") of 40)" \
	"$at" "$(val fast_first_fanout "$got")"
check "... and on each of its $nflag SYNs from there on, class scan" \
	"$nflag $nflag 0" \
	"$(vals "$got" fast_fanout fast_scan fast_gap_after_first)"
# The same SYNs 15 s apart: one per 10 s window.  On the wall clock all
# 40 would fall in one window and the rule would hold from the 10th.
check "spread scan (the same 40 SYNs over 10 minutes): never detected" \
	"40 none 0" \
	"$(vals "$got" spread_frames spread_first_fanout spread_nonzero)"
check "benign traffic of a third source: 240 frames, none classified" \
	"240 0" "$(vals "$got" benign_frames benign_nonzero)"
check "summary: one runner, capture clock, syn-fanout-ports $nflag frames from frame $at, no other stateful rule held, no stamp backwards" \
	"1 capture $nflag $at 0 0" \
	"$(vals "$got" summary_runners summary_clock summary_fanout summary_others_held summary_backwards)"

"$XT" replay --json --jobs 1 "$TMP/scan.pcap" >"$TMP/2.json" 2>/dev/null
check "a second run writes the same, byte for byte" "" \
	"$(cmp "$TMP/1.json" "$TMP/2.json" 2>&1)"
# runs FILE: the summary's runners.  same A B: cmp's word on A and B
# without them (files: the VMs have no /dev/fd for <(...)).
runs() { tail -1 "$1" | grep -o '"runners":[0-9]*,"runner_frames":\[[0-9,]*\]'; }
same() {
	local f
	for f in "$1" "$2"; do
		sed 's/"runners":[0-9]*,"runner_frames":\[[0-9,]*\]//' "$f" >"$f.s"
	done
	cmp "$1.s" "$2.s" 2>&1
}
"$XT" replay --json --jobs 2 "$TMP/scan.pcap" >"$TMP/j.json" 2>"$TMP/j.err"
check "--jobs 2 writes the same, byte for byte but the runners, no warning" \
	"" "$(same "$TMP/1.json" "$TMP/j.json")$(cat "$TMP/j.err")"
check "... on 2 runners" '"runners":2' "$(runs "$TMP/j.json" | cut -d, -f1)"

"$XT" replay --jobs 1 "$TMP/scan.pcap" >"$TMP/t.out" 2>/dev/null
check "histogram output: the runner and the rule's frames" \
	"  runners 1 (per-source state: each state set's frames on one runner, in capture order, time from their stamps), frames by runner: $(val frames "$exp")
  state syn-fanout-ports                   $nflag frames, first: frame $at" \
	"$(grep -E '^  (runners|state syn-fanout-ports)' "$TMP/t.out")"

# Many sources at once (replay_state.py crowd): the runners split them by
# state set, and each set's frames run in capture order on its runner, so
# any number of runners writes what one writes.  Twice: with the built-in
# rules, and with a table of 8 sources (2 sets), where 64 sources crowd
# each other out (which ones, the table's seed says: in replay fixed by
# the rules) and a rate rule on ARP puts frames without IP in the state.
crowd=$($PY tests/pcap/replay_state.py crowd "$TMP") ||
	{ not_ok "crowd capture made" "$crowd"; finish; }
ncrowd=$(val frames "$crowd")
sed -e 's/^  state_sources: .*/  state_sources: 8/' \
	-e '/^  - name: icmp-sweep/,/^$/d' rules/default.yaml >"$TMP/small.yaml"
cat >>"$TMP/small.yaml" <<'EOF'

  - name: arp-storm
    class: flood
    weight: 30
    match:
      features: [arp]
      rate: { pps: 100 }
EOF
# held FILE RULE: the frames RULE held on, by the summary.
held() {
	tail -1 "$1" | $PY -c 'import json, sys
print(sum(r["frames"] for r in json.load(sys.stdin)["state"]["rules"]
          if r["rule"] == sys.argv[1]))' "$2"
}
for rules in rules/default.yaml "$TMP/small.yaml"; do
	what=built-in
	[ "$rules" = rules/default.yaml ] || what=small-table
	for j in 1 2 3; do
		"$XT" replay --json --jobs $j --rules "$rules" "$TMP/crowd.pcap" \
			>"$TMP/c$j.json" 2>"$TMP/c$j.err"
		check "crowd, $what rules, --jobs $j: exits 0, nothing on stderr" \
			"0 " "$? $(cat "$TMP/c$j.err")"
	done
	check "crowd, $what rules: --jobs 2 and 3 write what --jobs 1 does, byte for byte but the runners" \
		"" "$(same "$TMP/c1.json" "$TMP/c2.json")$(same "$TMP/c1.json" "$TMP/c3.json")"
	r2=$(runs "$TMP/c2.json" | sed 's/.*\[\(.*\)\]/\1/')
	a=${r2%%,*} b=${r2##*,}
	check "... --jobs 2: both runners ran frames, $ncrowd in all" \
		"yes yes $ncrowd" \
		"$([ "${a:-0}" -gt 0 ] && echo yes) $([ "${b:-0}" -gt 0 ] && echo yes) $((${a:-0} + ${b:-0}))"
	cp "$TMP/c1.json" "$TMP/c1-$what.json"
	cp "$TMP/c2.json" "$TMP/c2-$what.json"
done
fan_big=$(held "$TMP/c1-built-in.json" syn-fanout-ports)
fan_small=$(held "$TMP/c1-small-table.json" syn-fanout-ports)
check "... what they compared holds state: syn-fanout-ports and udp-flood held on frames with the built-in rules, arp-storm with the small table" \
	"yes yes yes" \
	"$([ "${fan_big:-0}" -gt 0 ] && echo yes) $([ "$(held "$TMP/c1-built-in.json" udp-flood)" -gt 0 ] && echo yes) $([ "$(held "$TMP/c1-small-table.json" arp-storm)" -gt 0 ] && echo yes)"
check "... and in the small table sources crowd each other out: syn-fanout-ports held on fewer frames ($fan_small) than in the big one ($fan_big)" \
	"yes" "$([ "${fan_small:-0}" -lt "${fan_big:-0}" ] && echo yes)"
"$XT" replay --json --jobs 2 --rules "$TMP/small.yaml" "$TMP/crowd.pcap" \
	>"$TMP/c4.json" 2>/dev/null
check "... a second run with the small table writes the same, byte for byte" \
	"" "$(cmp "$TMP/c2-small-table.json" "$TMP/c4.json" 2>&1)"

# Without stateful rules the runners stay parallel.
sed '/# ---- Per-source state/,$d' rules/default.yaml >"$TMP/stateless.yaml"
"$XT" replay --json --jobs 2 --rules "$TMP/stateless.yaml" "$TMP/scan.pcap" \
	>"$TMP/s.json" 2>"$TMP/s.err"
check "stateless rules with --jobs 2: 2 runners, no state, no warning" \
	'"runners":2 "state":null}' \
	"$(tail -1 "$TMP/s.json" | grep -o '"runners":[0-9]*') $(tail -1 "$TMP/s.json" | grep -o '"state":.*')$(cat "$TMP/s.err")"

# Stamps going backwards (pcapng, microseconds): the spread scan, latest
# frame first.  Frames run in capture order; a window never goes back, so
# each earlier-stamped frame counts in the source's current window: all
# 40 fall in the first frame's window and the scan is detected.
rat=$(val reversed_fires_at_frame "$exp")
"$XT" replay --json "$TMP/reversed.pcapng" >"$TMP/r.json" 2>"$TMP/r.err"
got=$($PY tests/pcap/replay_state.py facts "$TMP/r.json")
check "reversed spread scan: detected from frame $rat, on every frame after it" \
	"$rat 0" \
	"$(vals "$got" spread_first_fanout spread_gap_after_first)"
check "... 39 frames stamped backwards in the summary, and a warning" \
	"39 Warning: 39 frames are stamped before an earlier frame (the first: frame 2): they ran in capture order, in their source's current window" \
	"$(val summary_backwards "$got") $(cat "$TMP/r.err")"

# replay --live: the test run keeps the capture's clock, the live path
# (the real receive path of a veth) runs on the kernel's, and injects the
# ten minutes in milliseconds: there the spread scan is detected from its
# 10th SYN, and exactly those frames disagree with the test run.
if ! command -v nft >/dev/null || ! command -v ip >/dev/null; then
	skip_test "replay --live with per-source state" "no nft or ip"
	finish
fi
wat=$(val spread_wallclock_fires_at_frame "$exp")
"$XT" replay --live --json "$TMP/scan.pcap" >"$TMP/l.json" 2>"$TMP/l.err"
check "replay --live of the scan capture exits 0" "0" "$?"
got=$($PY tests/pcap/replay_state.py facts "$TMP/l.json")
check "live: the fast scan from frame $at, as in the test run, all agree" \
	"$at $nflag 0 none" \
	"$(vals "$got" fast_live_first_fanout fast_live_fanout fast_disagree)"
check "live: the spread scan from frame $wat (kernel clock); those $nflag frames disagree" \
	"$wat $nflag $nflag $wat" \
	"$(vals "$got" spread_live_first_fanout spread_live_fanout spread_disagree)"
check "live: benign traffic agrees" "0 none" "$(val benign_disagree "$got")"
finish
