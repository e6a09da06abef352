#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Pins of another xdptag version (an upgrade with the old programs still
# attached): a map laid out otherwise is refused by every command that
# would read or write it as this version's, with a line naming the map and
# the way out; detach, attach --force and `service start` still replace
# the old attachment whole, reading its record in the fields both know.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
PINS=/sys/fs/bpf/xdptag

e2e_need "pins_layout" bpftool curl

lab_pair
CONF=$(mktemp -d)
on_exit rm -rf "$CONF"
export XDPTAG_CONFIG_DIR=$CONF

xt() { ip netns exec "$RCV" "$XT" "$@"; }
run() {
	OUT=$(xt "$@" 2>&1)
	RC=$?
}
vsize() { bpftool -j map show pinned "$1" | jq -r .bytes_value; }
# Put a map of another value size (array, 4-byte keys, 2 entries) in
# place of the pin $1, as another version would have made it; with copy,
# the old entries' bytes are kept, the rest zero (a later version's
# record that appended fields).
swap_pin() {
	local pin=$PINS/$B/$1 size=$2 copy=${3:-}
	local dump=
	# Only when kept: the JSON dumps of xt_rules and xt_state are 117
	# and 68 MB (over a minute under qemu's TCG).
	[ -z "$copy" ] || dump=$(bpftool -j map dump pinned "$pin")
	rm "$pin"
	bpftool map create "$pin" type array key 4 value "$size" entries 2 \
		name "$1" || return 1
	[ -n "$copy" ] || return 0
	$PY -c '
import json, sys
size = int(sys.argv[1])
for e in json.load(sys.stdin):
	v = [int(b, 16) for b in e["value"]][:size]
	v += [0] * (size - len(v))
	print(" ".join(b[2:] for b in e["key"]),
	      " ".join("%02x" % b for b in v))
' "$size" <<<"$dump" | while read -r k0 k1 k2 k3 value; do
		# shellcheck disable=SC2086
		bpftool map update pinned "$pin" key hex $k0 $k1 $k2 $k3 \
			value hex $value || return 1
	done
}
# How many TC filters and XDP programs of xdptag's the interface has
# (attached with cls_bpf here, which 6.1 has too: tcx in test_coexist).
progs() {
	tc -n "$RCV" filter show dev "$B" ingress | grep -c xdptag_tc
	xdp_running "$RCV" "$B" | wc -l
}

# --- a map of another layout is refused, with the way out
run attach "$B" --tc-attach cls
check "attach exits 0" 0 $RC
rsize=$(vsize "$PINS/$B/xt_rules")
check "xt_rules holds values of the ruleset's size" yes \
	"$([ "${rsize:-0}" -gt 64 ] && echo yes)"
xdp_before=$(xdp_running "$RCV" "$B")
swap_pin xt_rules 64
check "xt_rules replaced by a map of 64-byte values" 64 \
	"$(vsize "$PINS/$B/xt_rules")"
why="another xdptag version made them (xt_rules: array of 64-byte values, this version's array of $rsize): 'xdptag attach --force $B' replaces them"
run rules load "$B" rules/default.yaml
check "rules load on it: exit status 1" 1 $RC
check "rules load on it: one line naming the map and attach --force" \
	"Error: $B: cannot open pins: $why" "$OUT"
check "rules load wrote nothing into it" "[]" \
	"$(bpftool -j map dump pinned "$PINS/$B/xt_rules" | jq -c '[.[] | select(.value | map(. != "0x00") | any)]')"
run stats "$B"
check "stats on it: exit status 1" 1 $RC
check "stats on it: the same reason" \
	"Error: $B: cannot open pins under $PINS: $why" "$OUT"
run status "$B"
check "status on it: exit status 1" 1 $RC
check "status on it: the reason" \
	"Error: cannot read the pins of $B: $why" "$OUT"
# The exporter leaves it out of every scrape and says why, once.
PORT=$((20000 + $$ % 20000))
ERR=$(mktemp)
on_exit rm -f "$ERR"
ip netns exec "$RCV" "$XT" exporter --listen 127.0.0.1:$PORT \
	>/dev/null 2>"$ERR" &
EXP=$!
on_exit kill "$EXP"
for _ in $(seq 50); do
	ip netns exec "$RCV" curl -s -o /dev/null "http://127.0.0.1:$PORT/metrics" &&
		break
	sleep 0.1
done
scrapes=$(for _ in 1 2; do
	ip netns exec "$RCV" curl -s "http://127.0.0.1:$PORT/metrics"
done)
check "the exporter leaves its counters out" 0 \
	"$(grep -c "iface=\"$B\"" <<<"$scrapes")"
check "the exporter says why, once" \
	"Warning: $B: $why; its counters are left out" "$(cat "$ERR")"
kill -TERM "$EXP"
wait "$EXP"
run capture "$B" -w /dev/null --count 1 --duration 1
check "capture on it: exit status 1" 1 $RC
check "capture on it: the reason" 1 "$(grep -cF "$why" <<<"$OUT")"

# --- attach --force replaces the old attachment by its record
run attach "$B" --force --tc-attach cls
check "attach --force exits 0" 0 $RC
check "xt_rules is this version's again" "$rsize" \
	"$(vsize "$PINS/$B/xt_rules")"
check "the old XDP program is gone, one new in its place" 1 \
	"$(xdp_running "$RCV" "$B" | grep -cvx "$xdp_before")"
check "one TC filter, one XDP program" "1 1" "$(progs | xargs)"
run rules load "$B" rules/default.yaml
check "rules load then: exit 0" 0 $RC

# --- xt_cap is a global's data section now, a map of .maps before: the
# same layout, so either version's capture takes either version's pin
cinfo=$(bpftool -j map show pinned "$PINS/$B/xt_cap" |
	jq -r '"\(.type) \(.bytes_key) \(.max_entries) \(.flags)"')
csize=$(vsize "$PINS/$B/xt_cap")
check "xt_cap: array, 4-byte key, one entry, mappable (0x400)" \
	"array 4 1 1024" "$cinfo"
rm "$PINS/$B/xt_cap"
bpftool map create "$PINS/$B/xt_cap" type array key 4 value "$csize" \
	entries 1 name xt_cap flags 1024
run capture "$B" -w /dev/null --duration 1
check "capture takes an xt_cap made in .maps: exit 0" 0 $RC
check "... with no layout complaint" 0 "$(grep -c 'another xdptag version' <<<"$OUT")"

# --- a larger record (a later version appended fields): detach undoes it
isize=$(vsize "$PINS/$B/xt_info")
swap_pin xt_info $((isize + 64)) copy
check "xt_info replaced by a record 64 bytes longer" $((isize + 64)) \
	"$(vsize "$PINS/$B/xt_info")"
run rules load "$B" rules/default.yaml
check "rules load on the longer record: exit 1" 1 $RC
run detach "$B"
check "detach of it exits 0" 0 $RC
check "detach of it leaves no TC filter, no XDP program" "0 0" \
	"$(progs | xargs)"
check "detach of it leaves no pins" no \
	"$([ -e "$PINS/$B" ] && echo yes || echo no)"

# --- service start after an upgrade: the old one replaced, not kept
run attach "$B" --tc-attach cls
check "attach again exits 0" 0 $RC
ssize=$(vsize "$PINS/$B/xt_state")
swap_pin xt_state 512
run service start "$B" --tc-attach cls
check "service start on another version's pins: exit 0" 0 $RC
check "service start: the state table is this version's again" \
	"$ssize" "$(vsize "$PINS/$B/xt_state")"
check "service start: one TC filter, one XDP program" "1 1" \
	"$(progs | xargs)"
run detach "$B"
check "detach exits 0" 0 $RC
finish
