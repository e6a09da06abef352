#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Rules files built to exhaust time or memory (issue 13's audit) end with a
# clear error in bounded time: each within 2 s of CPU and 5 s of wall time
# (a hang is a failure, not a wait; both stretched on a slower CPU, below),
# with the exact reason; files just
# inside the limits still load within the same bounds.  The limits are in
# user/rules_file.h and docs/robustness.md ("Limits").  No interface is
# touched: `rules check` reads files only.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

if [ ! -x "$XT" ]; then
	skip_test "hostile input" "no $XT (run make)"
	finish
fi
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
cd "$TMP" || exit 1
C='classes: [{id: 1, name: a}]'

# The bounds are set for the x86 hosts this project runs on (where the
# slowest case within the limits takes 0.25 s).  On a slower CPU (the
# kernel tiers run under qemu's TCG, about ten times slower) they stretch
# by how much slower a fixed loop runs here than its 0.135 s there, never
# less than the bounds themselves: a hang or a blow-up is still far out.
SCALE=$( { TIMEFORMAT='%U %S'
	time awk 'BEGIN { for (i = 0; i < 5000000; i++) s += i }'; } 2>&1 |
	awk '{ s = ($1 + $2) / 0.135; printf "%.1f", (s > 1 ? s : 1) }')
CPU_MAX=$(awk -v s="$SCALE" 'BEGIN { print 2 * s }')
WALL_MAX=$(awk -v s="$SCALE" 'BEGIN { print 5 * s }')
echo "# bounds: $CPU_MAX s of CPU, $WALL_MAX s of wall time (x$SCALE)"

# bounded NAME FILE [ULIMIT_V]: run `rules check FILE`; OUT is stderr's
# first line, RC the status; checks the bounds (CPU: the machine is shared).
bounded() {
	local name=$1 file=$2 lim=${3:-unlimited} wall cpu TIMEFORMAT='%R %U %S'
	# No exec in the subshell: bash then loses the time report.
	{ time (ulimit -v "$lim"
		timeout -s KILL "$WALL_MAX" "$XT" rules check "$file" \
			2>"$TMP/err" >/dev/null); } 2>"$TMP/time"
	RC=$?
	OUT=$(head -n 1 "$TMP/err")
	if [ "$RC" = 137 ]; then
		not_ok "$name: ends" "killed after $WALL_MAX s"
		return
	fi
	read -r wall cpu <<<"$(awk '{ print $1, $2 + $3 }' "$TMP/time")"
	if awk -v c="$cpu" -v m="$CPU_MAX" 'BEGIN { exit !(c < m) }'; then
		ok "$name: ends within the CPU bound ($cpu s, wall $wall s)"
	else
		not_ok "$name: ends within the CPU bound" \
			"took $cpu s of $CPU_MAX (wall $wall s)"
	fi
}

# refused NAME FILE MESSAGE [ULIMIT_V]: bounded, status 2, first line.
refused() {
	bounded "$1" "$2" "${4:-unlimited}"
	check "$1: status 2" 2 "$RC"
	if [[ $3 == ~* ]]; then
		if [[ $OUT =~ ${3#\~} ]]; then ok "$1: message"
		else not_ok "$1: message" "got '$OUT'"; fi
	else
		check "$1: message" "$3" "$OUT"
	fi
}

# 100,000 nested '[': 46 s before (libyaml's scanner is quadratic in depth).
{ echo "$C"; printf 'rules: '; head -c 100000 /dev/zero | tr '\0' '['; echo; } \
	>nest.yaml
refused "100,000 nested [" nest.yaml \
	"nest.yaml:2:39: error: lists and mappings nested deeper than 32 (limit)"

# 64 rules sharing one anchored list of 10,000 0.0.0.0/0: 27 s before.
# 640,000 prefixes: the walk stops at the limit of nodes with aliases
# expanded, before the one of prefixes (the 3M-line file below reaches it).
list=$(yes 0.0.0.0/0 | head -n 10000 | paste -sd, -)
{
	echo "$C"; echo "rules:"
	echo "  - {name: r0, class: a, weight: 1, match: {src: &big [$list]}}"
	for i in $(seq 63); do
		echo "  - {name: r$i, class: a, weight: 1, match: {src: *big}}"
	done
} >alias.yaml
refused "64 rules x alias of 10,000 /0" alias.yaml \
	"alias.yaml:55:51: error: more than 524288 values, lists and mappings with aliases expanded (limit)"
# 52 of them are within the limit: duplicates of a /0 cost nothing more.
head -n 54 alias.yaml >alias52.yaml
bounded "52 rules x alias of 10,000 /0 (within limits)" alias52.yaml
check "52 rules x alias of 10,000 /0: loads" 0 "$RC"

# The same with port ranges: 64 x 4,000 wide ranges, 20 s before.
ports=$(seq 0 3999 | sed 's/$/-65535/' | paste -sd, -)
{
	echo "$C"; echo "rules:"
	echo "  - {name: r0, class: a, weight: 1, match: {dport: &p [$ports]}}"
	for i in $(seq 63); do
		echo "  - {name: r$i, class: a, weight: 1, match: {dport: *p, sport: *p}}"
	done
} >ports.yaml
bounded "64 rules x alias of 4,000 wide port ranges (within limits)" ports.yaml
check "64 rules x 4,000 wide port ranges: loads" 0 "$RC"

# 1M /32 prefixes inline: 1.3 GB before the compiler's limit.
{
	echo "$C"; echo "rules:"
	echo "  - name: r"; echo "    class: a"; echo "    weight: 1"
	echo "    match:"; echo "      src:"
	seq 0 999999 | awk '{ printf "        - 10.%d.%d.%d/32\n",
		int($1 / 65536), int($1 / 256) % 256, $1 % 256 }'
} >million.yaml
refused "1M /32 prefixes inline" million.yaml \
	"million.yaml: error: cannot read: larger than 4194304 bytes (the limit)"

# A 64 MB scalar (the audit's 1 GB one took 2 GB of memory; this one took
# 2 s and 200 MB, and loaded).  /tmp is in memory in the kernel VM: 64 MB.
{
	echo "$C"; echo "rules:"
	printf '  - {name: r, class: a, weight: 1, description: "'
	head -c 64M /dev/zero | tr '\0' x; echo '"}'
} >scalar.yaml
refused "64 MB scalar" scalar.yaml \
	"scalar.yaml: error: cannot read: larger than 4194304 bytes (the limit)"
rm -f scalar.yaml

# A prefix file of 5M /0 lines: never finished before.
yes 0.0.0.0/0 | head -n 5000000 >fivem.txt
printf '%s\nrules:\n  - {name: r, class: a, weight: 1, match: {src_file: fivem.txt}}\n' \
	"$C" >fivem.yaml
refused "prefix file of 5M /0 lines" fivem.yaml \
	"fivem.yaml:3:54: error: cannot read prefix file 'fivem.txt': larger than 33554432 bytes (the limit)"
# Within the size limit, the count stops it: 3M lines are 30 MB.
head -n 3000000 fivem.txt >threem.txt
sed 's/fivem/threem/' fivem.yaml >threem.yaml
refused "prefix file of 3M /0 lines" threem.yaml \
	"threem.yaml:3:54: error: more than 1048576 prefixes in all rules (limit)"
rm -f fivem.txt threem.txt
# Half a million /32s from a file: loads, within the time bound.
seq 0 524287 | awk '{ printf "10.%d.%d.%d\n", int($1 / 65536),
	int($1 / 256) % 256, $1 % 256 }' >p32.txt
sed 's/fivem/p32/' fivem.yaml >p32.yaml
bounded "prefix file of 524,288 /32 (within limits)" p32.yaml
check "prefix file of 524,288 /32: loads" 0 "$RC"

# FIFOs: without a writer they hung; fed by `yes` they grew to 1.4 GB.
mkfifo fifo.yaml fifo.txt
refused "FIFO as rules file, no writer" fifo.yaml \
	"fifo.yaml: error: cannot read: not a regular file"
printf '%s\nrules:\n  - {name: r, class: a, weight: 1, match: {src_file: fifo.txt}}\n' \
	"$C" >srcfifo.yaml
refused "FIFO as src_file, no writer" srcfifo.yaml \
	"srcfifo.yaml:3:54: error: cannot read prefix file 'fifo.txt': not a regular file"
yes >fifo.txt 2>/dev/null &
YES=$!
on_exit kill "$YES"
refused "FIFO as src_file, fed by yes" srcfifo.yaml \
	"srcfifo.yaml:3:54: error: cannot read prefix file 'fifo.txt': not a regular file"
kill "$YES" 2>/dev/null

# Out of memory is said as such (it was "1:1: YAML: syntax error").
{ echo "$C"; printf 'rules: ['; yes a, | head -n 600000 | tr -d '\n'; echo 'a]'; } \
	>flat.yaml
refused "out of memory (ulimit -v 40000)" flat.yaml \
	"~^flat.yaml:[0-9]+:[0-9]+: error: out of memory$" 40000

# rules show prints a description's control characters as escapes.
printf '%s\nrules:\n  - {name: r, class: a, weight: 1, description: "\\e[2J\\a \\u009b \\\\ é"}\n' \
	"$C" >descr.yaml
check "rules show escapes control characters in descriptions" \
	'      descr     \x1b[2J\x07 \u009b \x5c é' \
	"$("$XT" rules show descr.yaml | grep '^ *descr')"
finish
