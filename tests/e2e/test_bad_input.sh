#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Every bad input the CLI can be given is refused with one line on stderr,
# "Error: ...", a nonzero status, and no change on the interface: no pins,
# no XDP program, no clsact.  A bad rules file is the one documented
# exception to "one line": its problems come first as FILE:LINE:COL lines
# (at most 100 and a count, docs/rules.md), then one "Error:" line.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
PINS=/sys/fs/bpf/xdptag

if [ "$(id -u)" != 0 ]; then
	skip_test "bad input" "needs root"
	finish
elif [ ! -x "$XT" ]; then
	skip_test "bad input" "no $XT (run make)"
	finish
fi

ns_new NS
A=${XT_ID}a
B=${XT_ID}b
veth_pair "$A" "$NS" "$B" "$NS" || { not_ok "veth pair"; finish; }
on_exit ip netns exec "$NS" "$XT" detach "$A"
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"

# Everything attach may touch on A, as text.
snap() {
	ip -n "$NS" -d link show dev "$A" | grep -o 'prog/xdp.* id [0-9]*'
	tc -n "$NS" qdisc show dev "$A"
	tc -n "$NS" filter show dev "$A" ingress
	[ -e "$PINS/$A" ] && echo "pins"
}
BEFORE=$(snap)

# run ARGS...: ERR gets stderr, NERR its line count, RC the status.
run() {
	ERR=$(ip netns exec "$NS" "$XT" "$@" 2>&1 >/dev/null)
	RC=$?
	NERR=$(printf '%s' "$ERR" | grep -c '')
}

# refused STATUS TEXT ARGS...: one Error line (exactly TEXT unless TEXT is
# empty), that status, and the interface as it was.
refused() {
	local want_rc=$1 want=$2 name
	shift 2
	name="xdptag $*"
	run "$@"
	if [ "$RC" != "$want_rc" ]; then
		not_ok "$name: status" "expected $want_rc, got $RC ($ERR)"
	elif [ "$NERR" != 1 ] || [ "${ERR#Error: }" = "$ERR" ]; then
		not_ok "$name: one Error line" "got $NERR lines: $ERR"
	elif [ -n "$want" ] && [ "$ERR" != "$want" ]; then
		not_ok "$name: message" "expected '$want', got '$ERR'"
	elif [ "$(snap)" != "$BEFORE" ]; then
		not_ok "$name: changes nothing" "$(snap)"
	else
		ok "$name"
	fi
}

# bad_rules FILE LABEL ARGS...: FILE:... error lines, then exactly one
# "Error:" line, last; at most 100 positioned lines and the count.
bad_rules() {
	local file=$1 label=$2 head
	shift 2
	run "$@"
	head=$(head -n -1 <<<"$ERR")
	if [ "$RC" != 2 ]; then
		not_ok "$label: status" "expected 2, got $RC"
	elif [ "$(grep -c '^Error: ' <<<"$ERR")" != 1 ] ||
	     [ "$(tail -n 1 <<<"$ERR" | cut -c1-7)" != "Error: " ]; then
		not_ok "$label: one Error line, last" "$ERR"
	elif [ -n "$head" ] && grep -qv "^$file[:]" <<<"$head"; then
		not_ok "$label: detail lines name the file" "$head"
	elif [ "$NERR" -gt 102 ]; then
		not_ok "$label: error lines capped" "$NERR lines"
	elif [ "$(snap)" != "$BEFORE" ]; then
		not_ok "$label: changes nothing" "$(snap)"
	else
		ok "$label ($NERR lines)"
	fi
}

N=4294967295
# --- interface
refused 2 "Error: interface 'no$$' does not exist" attach "no$$"
refused 2 "Error: 'nosuchinterface0' is not a valid interface name" \
	attach nosuchinterface0
refused 3 "Error: $A has no xdptag attached" detach "$A"
refused 3 "Error: $A has no xdptag attached" status "$A"
refused 2 "Error: expected one interface (try 'xdptag attach --help')" attach

# --- numbers
refused 2 "Error: --mark-mask: 'abc' is not a number in 0-$N" \
	attach "$A" --mark-mask abc
refused 2 "Error: --mark-shift: '32' is not a number in 0-31" \
	attach "$A" --mark-shift 32
refused 2 "Error: --drop-above: '256' is not a number in 0-255" \
	attach "$A" --drop-above 256
refused 2 "Error: --tc-prio: '0' is not a number in 1-65535" \
	attach "$A" --tc-prio 0
refused 2 "Error: --tc-prio: '65536' is not a number in 1-65535" \
	attach "$A" --tc-prio 65536
refused 2 "Error: --mark-mask: '-1' is not a number in 0-$N" \
	attach "$A" --mark-mask -1
refused 2 "Error: --drop-above: '-0' is not a number in 0-255" \
	attach "$A" --drop-above -0
refused 2 "Error: --mark-mask: '0x1ffffffff' is not a number in 0-$N" \
	attach "$A" --mark-mask 0x1ffffffff
refused 2 "Error: --mark-mask: '99999999999999999999999' is not a number in 0-$N" \
	attach "$A" --mark-mask 99999999999999999999999
refused 2 "Error: --mark-shift: '' is not a number in 0-31" \
	attach "$A" --mark-shift ''
refused 2 "Error: --mark-shift: '1 ' is not a number in 0-31" \
	attach "$A" --mark-shift '1 '
refused 2 "Error: option '--mark-mask' needs a value" attach "$A" --mark-mask
# One number syntax (docs/cli.md): a leading zero is neither octal nor
# decimal, it is refused; tests/unit/test_numbers.c holds the rules file to
# the same.
refused 2 "Error: --mark-mask: '010' has a leading zero: write decimal without it, or hex with 0x" \
	attach "$A" --mark-mask 010
refused 2 "Error: option '--force' takes no value" attach "$A" --force=yes
refused 2 "Error: --mode: 'turbo' is not one of auto, native, generic, offload" \
	attach "$A" --mode turbo
refused 2 "Error: --mark-value: 'mark' is not one of class, score, both" \
	attach "$A" --mark-value mark

# --- mark settings that cannot work
refused 2 "Error: mark mask 0 leaves no bit to write" attach "$A" --mark-mask 0
refused 2 "Error: mark mask 0x3 cannot hold class values (0-8, classes up to 8) shifted by 0 (needs 0xf)" \
	attach "$A" --mark-mask 0x3 --mark-value class
refused 2 "Error: mark mask 0x3f cannot hold both values (0-143, classes up to 8) shifted by 0 (needs 0xff)" \
	attach "$A" --mark-value both --mark-mask 0x3f
# The value would be shifted out of the 32 bits of the mark.
refused 2 "Error: mark mask 0xff000000 cannot hold class values (0-8, classes up to 8) shifted by 30 (needs 0x3c0000000)" \
	attach "$A" --mark-mask 0xff000000 --mark-shift 30

# --- rules files
bad_rules /nonexistent "missing rules file" attach "$A" --rules /nonexistent
check "missing rules file: the reason" \
	"/nonexistent: error: cannot read: No such file or directory" \
	"$(head -n 1 <<<"$ERR")"
bad_rules "$TMP" "rules file is a directory" attach "$A" --rules "$TMP"
check "rules file is a directory: the reason" \
	"$TMP: error: cannot read: Is a directory" "$(head -n 1 <<<"$ERR")"
echo "rules: []" >"$TMP/secret.yaml"
chmod 000 "$TMP/secret.yaml"
chmod 755 "$TMP"
if id nobody >/dev/null 2>&1; then
	ERR=$(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups \
	      "$XT" rules check "$TMP/secret.yaml" 2>&1 >/dev/null)
	check "unreadable rules file (as nobody)" \
		"$TMP/secret.yaml: error: cannot read: Permission denied
Error: invalid rules file '$TMP/secret.yaml'" "$ERR"
else
	skip_test "unreadable rules file (as nobody)" "no user nobody"
fi
head -c 100M /dev/urandom >"$TMP/garbage.yaml"
bad_rules "$TMP/garbage.yaml" "100 MB of random bytes as rules" \
	attach "$A" --rules "$TMP/garbage.yaml"
# Many problems: the list stops at 100 and counts the rest.
{
	echo "classes: [{id: 1, name: a}]"
	echo "rules:"
	for i in $(seq 60); do
		echo "  - {name: r$i, class: nope, weight: 300}"
	done
} >"$TMP/many.yaml"
bad_rules "$TMP/many.yaml" "120 errors in a rules file" \
	attach "$A" --rules "$TMP/many.yaml"
check "120 errors: 100 shown, the rest counted" \
	"$TMP/many.yaml: error: 20 more errors not shown" \
	"$(tail -n 2 <<<"$ERR" | head -n 1)"
printf 'classes: [{id: 1, name: a}]\nrules:\n  - {name: r, class: a, weight: 1, match: {src_file: /dev/zero}}\n' \
	>"$TMP/zero.yaml"
bad_rules "$TMP/zero.yaml" "prefix file /dev/zero (would never end)" \
	attach "$A" --rules "$TMP/zero.yaml"
check "prefix file /dev/zero: the reason" \
	"$TMP/zero.yaml:3:54: error: cannot read prefix file '/dev/zero': not a regular file" \
	"$(head -n 1 <<<"$ERR")"

# --- replay of what is not a capture
echo "not a capture" >"$TMP/text.pcap"
: >"$TMP/empty.pcap"
refused 2 "Error: $TMP/text.pcap: not a readable capture: unknown file format" \
	replay "$TMP/text.pcap"
refused 2 "Error: $TMP/empty.pcap: not a readable capture: truncated dump file; tried to read 4 file header bytes, only got 0" \
	replay "$TMP/empty.pcap"
refused 2 "" replay "$TMP/garbage.yaml"
refused 2 "Error: $TMP/nothing.pcap: not a readable capture: $TMP/nothing.pcap: No such file or directory" \
	replay "$TMP/nothing.pcap"
refused 2 "Error: expected one capture file (try 'xdptag replay --help')" \
	replay
rm -f "$TMP/garbage.yaml"

# --- unknown commands and options
refused 2 "Error: unknown command 'frobnicate' (try 'xdptag --help')" frobnicate
refused 2 "Error: unknown option '--frob' (try 'xdptag --help')" --frob
refused 2 "Error: unknown option '--bogus' (try 'xdptag attach --help')" \
	attach "$A" --bogus
refused 2 "Error: unknown option '--bogus' (try 'xdptag detach --help')" \
	detach "$A" --bogus
refused 2 "Error: unknown option '--bogus' (try 'xdptag status --help')" \
	status --bogus
refused 2 "Error: expected at most one interface (try 'xdptag status --help')" \
	status "$A" "$B"
refused 2 "Error: unknown option '--bogus' (try 'xdptag stats --help')" \
	stats --bogus
refused 2 "Error: unknown option '--bogus' (try 'xdptag nft --help')" \
	nft --bogus
refused 2 "Error: unknown rules command '--bogus' (check, show or load)" \
	rules --bogus
refused 2 "Error: unknown option '--bogus' (try 'xdptag probe --help')" \
	probe "$A" --bogus
refused 2 "Error: unknown option '--bogus' (try 'xdptag exporter --help')" \
	exporter --bogus
refused 2 "Error: unknown option '--bogus' (try 'xdptag replay --help')" \
	replay --bogus x.pcap

check "nothing left on $A" "$BEFORE" "$(snap)"
check "no pins for $A" no "$([ -e "$PINS/$A" ] && echo yes || echo no)"
finish
