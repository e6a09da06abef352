#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Bash completion (dist/bash-completion/xdptag) driven as bash drives it:
# `complete -p` names _xdptag, then _xdptag runs with COMP_WORDS and
# COMP_CWORD set and COMPREPLY is compared with exactly what must be
# offered: commands, options, {choices}, interfaces, attached interfaces
# (from a pin directory made up for the test) and files.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
XT=$PWD/$BUILD/xdptag

[ -x "$XT" ] || { skip_test "bash completion" "no $XT (run make)"; finish; }

PINS=$(mktemp -d)
on_exit rm -rf "$PINS"
mkdir "$PINS/xtcomp0" "$PINS/xtcomp1"
export _XDPTAG_PIN_ROOT=$PINS
# shellcheck source=/dev/null
. dist/bash-completion/xdptag

check "complete -p names _xdptag" "complete -F _xdptag xdptag" \
	"$(complete -p xdptag)"

# comp WORD... : completions of the last word, sorted, on one line.
comp() {
	COMP_WORDS=("$XT" "$@")
	COMP_CWORD=$#
	COMP_LINE="${COMP_WORDS[*]}"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_xdptag
	printf '%s\n' "${COMPREPLY[@]}" | grep . | sort | tr '\n' ' ' |
		sed 's/ $//'
}

check "commands, as --help lists them" \
	"$("$XT" --help | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' | sort | tr '\n' ' ' |
	   sed 's/ $//')" "$(comp "")"
check "a command by its prefix" "attach" "$(comp at)"
check "global options" "--help --version -v -vv" "$(comp -)"
check "attach's options by prefix" "--mark-mask --mark-shift --mark-value" \
	"$(comp attach lo --mark)"
check "--mode's choices from attach --help" "auto generic native offload" \
	"$(comp attach lo --mode "")"
check "--mark-value's choices" "both class score" \
	"$(comp attach lo --mark-value "")"
check "probe's --mode has no offload" "auto generic native" \
	"$(comp probe lo --mode "")"
check "attach offers interfaces" \
	"$(ls /sys/class/net | grep '^l' | sort | tr '\n' ' ' | sed 's/ $//')" \
	"$(comp attach l)"
check "no second interface for attach" "" "$(comp attach lo l)"
check "detach offers attached interfaces only" "xtcomp0 xtcomp1" \
	"$(comp detach "")"
check "stats skips option values before the interface" "xtcomp0 xtcomp1" \
	"$(comp stats --watch 1 "")"
check "--rules completes files" "tests/e2e/rules/classes.yaml" \
	"$(comp attach lo --rules tests/e2e/rules/classe)"
check "rules actions from rules --help" "check load show" "$(comp rules "")"
check "rules load: an attached interface, then a file" \
	"xtcomp1|dist/examples/IFACE.yaml" \
	"$(comp rules load xtcomp1)|$(comp rules load xtcomp1 dist/examples/IF)"
check "service actions" "reload start stop" "$(comp service "")"
check "service start takes attach's options" "--bridge" \
	"$(comp service start lo --bri)"
check "service stop offers attached interfaces" "xtcomp0 xtcomp1" \
	"$(comp service stop xt)"
check "replay completes captures" "dist/examples/IFACE.yaml" \
	"$(comp replay dist/examples/I)"
check "exporter's option" "--help --listen" "$(comp exporter -)"
finish
