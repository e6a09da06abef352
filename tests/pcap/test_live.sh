#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `xdptag replay --live` over every Ethernet capture of the tier, with the
# default rules and with a drop threshold: the verdict at XDP and the mark
# at TC of each frame equal replay's prediction, dropped frames never reach
# TC, nftables' counters equal the marks TC set (tests/pcap/live_check.py),
# and the throwaway namespace is gone afterwards, also after SIGINT.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/pcap/replay_common.sh

for t in nft ip; do
	if ! command -v "$t" >/dev/null; then
		skip_test "replay --live" "$t not installed"
		finish
	fi
done

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
# The default rules, dropping at score 100 (anomaly, scan).
sed 's/^  drop_threshold: 0$/  drop_threshold: 100/' rules/default.yaml \
	>"$TMP/drop100.yaml"
grep -q 'drop_threshold: 100' "$TMP/drop100.yaml" ||
	not_ok "drop100.yaml made" "rules/default.yaml has no drop_threshold: 0"

for rules in rules/default.yaml "$TMP/drop100.yaml"; do
	if ! out=$(/usr/bin/python3 tests/pcap/live_check.py "$XT" "$rules" \
		   "${caps[@]}" 2>&1); then
		not_ok "live check with $(basename "$rules") ran" "$out"
		continue
	fi
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		"not ok "*)
			rest=${line#not ok }
			not_ok "${rest%%: *}" "${rest#*: }" ;;
		*) echo "$line" ;;
		esac
	done <<<"$out"
done

# SIGINT half-way: the namespaces were the process's own, nothing stays.
# The veth's name is unique to this test; it must exist in no namespace.
# A background job starts with SIGINT ignored: env gives it back.
IF=xl$$
mergecap -F pcap -a -w "$TMP/one.pcap" "${caps[@]}" 2>/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do echo "$TMP/one.pcap"; done |
	xargs mergecap -F pcap -a -w "$TMP/long.pcap"
before=$(ip -all netns exec ip -br link 2>/dev/null | grep -c "^$IF")
env --default-signal=INT "$XT" replay --live --live-iface "$IF" --json \
	"$TMP/long.pcap" >"$TMP/int.json" 2>&1 &
pid=$!
# In its own network namespace: set up, injecting.
self=$(readlink /proc/self/ns/net)
for ((i = 0; i < 100; i++)); do
	ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || break
	[ "$ns" != "$self" ] && break
	sleep 0.1
done
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
check "SIGINT half-way ends replay --live (status 130, no summary)" \
	"130 yes" "$rc $(grep -q '"live_summary"' "$TMP/int.json" && echo no || echo yes)"
after=$(ip -br link 2>/dev/null | grep -c "^$IF")
check "no $IF left in this namespace" 0 "$after"
check "no $IF in any named namespace" "$before" \
	"$(ip -all netns exec ip -br link 2>/dev/null | grep -c "^$IF")"

# --nft's file: bad input is refused before anything is set up; a file nft
# refuses is bad input too (status 2), with nft's own errors, which name
# the file, then ours.
"$XT" replay --live --nft "$TMP/none.nft" "$TMP/one.pcap" >/dev/null \
	2>"$TMP/err"
check "--nft of a missing file: status 2, one line" \
	"2|Error: --nft $TMP/none.nft: No such file or directory" \
	"$?|$(cat "$TMP/err")"
"$XT" replay --live --nft "$TMP" "$TMP/one.pcap" >/dev/null 2>"$TMP/err"
check "--nft of a directory: status 2, one line" \
	"2|Error: --nft $TMP: Is a directory" "$?|$(cat "$TMP/err")"
printf 'table inet t {\n\tchain c { bogus }\n}\n' >"$TMP/bad.nft"
"$XT" replay --live --live-iface "$IF" --nft "$TMP/bad.nft" \
	"$TMP/one.pcap" >/dev/null 2>"$TMP/err"
check "--nft that nft refuses: status 2, nft's errors name the file" \
	"2 yes|Error: replay --live: nft refused the ruleset $TMP/bad.nft (exit 1)" \
	"$? $(grep -q "^$TMP/bad.nft:2:" "$TMP/err" && echo yes || echo no)|$(tail -n 1 "$TMP/err")"
finish
