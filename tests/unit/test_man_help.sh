#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `xdptag --help` and the man page (dist/man/xdptag.8.scd, rendered into
# $BUILD/man/xdptag.8) must never disagree: the same commands, the same
# global options, per command the same long options and the same choices of
# {a|b|c} options; every exit status of user/cmd.h and every environment
# variable the program reads is documented; --version and the page's
# header carry debian/changelog's version.  Options are read from --help
# wherever they appear in it (usage line or option list), so the check
# holds whatever layout the help takes.  Then the comparison is shown to
# catch a page that lost an option or a command.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
XT=$BUILD/xdptag
MAN=$BUILD/man/xdptag.8

[ -x "$XT" ] || { skip_test "man page and --help" "no $XT (run make)"; finish; }
[ -f "$MAN" ] || { skip_test "man page and --help" "no $MAN (run make)"; finish; }

# "-x", "--name" or "--name {a|b|c}" per option of `xdptag ARGS --help`, sorted.
help_opts() {
	"$XT" "$@" --help |
		grep -oE '(^ *|\[|\| )--?[a-z][a-z-]*( (\{[^}]*\}|[A-Z][A-Z:_.-]*))?' |
		sed -E 's/^[ [|]*//; s/ +\|/|/g; s/\| +/|/g; s/\{ +/{/; s/ +\}/}/' |
		awk '{ if ($2 ~ /^\{/) c[$1] = " " $2; else if (!($1 in c)) c[$1] = "" }
		     END { for (o in c) print o c[o] }' | sort
}

# Lines of section .SH NAME (or .SS NAME inside COMMANDS) of a page.
man_section() {
	awk -v h="$2" -v n="$3" '
		$1 == h && $2 == n { on = 1; next }
		on && ($1 == ".SH" || ($1 == h && h == ".SS")) { exit }
		on' "$1"
}

# Option terms of a section: "\fB--name\fR" alone or with a value.
man_opts() {
	sed -nE 's/^\\fB(--?[a-z][a-z-]*)\\fR( \{[^}]*\}| \\fI[^\\]*\\fR)?$/\1\2/p' |
		sed -E 's/ \\fI.*//' | sort
}

man_cmds() {
	man_section "$1" .SH COMMANDS | sed -n 's/^\.SS //p' | sort
}

help_cmds() {
	"$XT" --help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' | sort
}

# Compare page $1 with --help: prints the differences, status 1 if any.
compare() {
	local page=$1 c bad=0 d

	d=$(diff <(help_cmds) <(man_cmds "$page")) || {
		echo "commands: $d"; bad=1; }
	for c in $(help_cmds); do
		d=$(diff <(help_opts "$c") \
			 <(man_section "$page" .SH COMMANDS | man_section /dev/stdin .SS "$c" | man_opts)) ||
			{ echo "$c: $d"; bad=1; }
	done
	return $bad
}

out=$(compare "$MAN" 2>&1)
check "every command and its options agree between --help and man" "" "$out"

# -h is --help's short form, which the man page names alongside it.
check "global options agree" \
	"$("$XT" --help | grep -oE -- '(^|[[ |])--?[a-z][a-z-]*' |
	   grep -oE -- '--?[a-z-]+' | sort -u)" \
	"$(man_section "$MAN" .SH 'GLOBAL' |
	   sed -nE 's/^\\fB(-[a-z-]+)\\fR(, \\fB(--[a-z-]+)\\fR)?$/\1\n\3/p' |
	   grep -v '^-h$' | grep . | sort -u)"

check "every exit status of user/cmd.h is documented" \
	"$(sed -n 's/^\tXT_EXIT_[A-Z_]* = \([0-9]*\),.*/\1/p' user/cmd.h | sort)" \
	"$(man_section "$MAN" .SH EXIT | sed -n 's/^\\fB\([0-9]*\)\\fR$/\1/p' | sort)"

missing=""
for v in $(grep -ohE 'getenv\("[A-Z_]+"\)' user/*.c | grep -oE '[A-Z_]{2,}' | sort -u); do
	man_section "$MAN" .SH ENVIRONMENT | grep -q "^\\\\fB$v\\\\fR$" ||
		missing+=" $v"
done
check "every environment variable the program reads is documented" "" "$missing"

ver=$(awk 'NR == 1 { gsub(/[()]/, " "); print $2; exit }' debian/changelog)
check "--version prints debian/changelog's version" "xdptag $ver" \
	"$("$XT" --version)"
check "the man page carries the same version" 1 \
	"$(grep -c "^\.TH \"xdptag\" \"8\" .*\"xdptag $ver\"" "$MAN")"

# The check must fail on a page that lost an option or a command.
tmp=$(mktemp)
on_exit rm -f "$tmp"
grep -v '^\\fB--tc-prio\\fR' "$MAN" >"$tmp"
check "a page without --tc-prio is caught" "attach" \
	"$(compare "$tmp" | sed -n 's/^\([a-z]*\): .*/\1/p' | head -n 1)"
grep -v '^\.SS probe$' "$MAN" >"$tmp"
check "a page without the probe command is caught" 1 \
	"$(compare "$tmp" | grep -c '^commands: ')"
finish
