#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# docs/cli.md's table of pins is xt_pin_table (user/pins.c), the one list
# of pins, as tests/tools/pin_table prints it: a pin added, renamed or
# described anew in the table must be in the docs too.  Then the check is
# shown to catch a table that lost a pin.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TOOL=$BUILD/tests/tools/pin_table

[ -x "$TOOL" ] || { skip_test "docs/cli.md's pins" "no $TOOL (run make)"; finish; }

doc=$(sed -n '/^<!-- pin_table doc -->$/,/^<!-- end pin_table -->$/p' \
	docs/cli.md | sed '1d;$d')
table=$("$TOOL" doc)
check "docs/cli.md lists the pins of xt_pin_table (paste: $TOOL doc)" \
	"$table" "$doc"
check "docs/cli.md has the markers and the table prints rows" yes \
	"$([ -n "$doc" ] && grep -q '^| `xt_info` |' <<<"$table" && echo yes)"
check "a pin missing from the docs is seen" yes \
	"$([ "$(grep -v xt_bridge <<<"$table")" != "$doc" ] && echo yes)"
# What the e2e tests expect in a directory comes from the same table.
check "names tcx: the names of cls and tc_link" "tc_link" \
	"$(comm -13 <("$TOOL" names cls | sort) <("$TOOL" names tcx | sort))"
finish
