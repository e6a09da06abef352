#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# docs/output.md's counter list is the counter table (user/counters.c), as
# build/tests/tools/counters_doc prints it: a counter missing from the doc,
# or one whose help, metric or key differs, fails here.
#   tests/unit/test_counters_doc.sh --write   puts the table's list there
cd "$(dirname "$0")/../.."
DOC=docs/output.md
TOOL=${BUILD:-build}/tests/tools/counters_doc
BEGIN='<!-- counters: begin -->'
END='<!-- counters: end -->'

if [ "${1:-}" = --write ]; then
	"$TOOL" > "$DOC.list" || exit 1
	awk -v b="$BEGIN" -v e="$END" -v list="$DOC.list" '
		$0 == b { print; while ((getline l < list) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' "$DOC" > "$DOC.new" && mv "$DOC.new" "$DOC"
	rm -f "$DOC.list"
	exit 0
fi

. tests/lib/tap.sh
if [ ! -x "$TOOL" ]; then
	skip_test "docs/output.md lists the counter table" "$TOOL not built"
	finish
fi
want=$("$TOOL")
have=$(awk -v b="$BEGIN" -v e="$END" '$0 == e { on = 0 } on; $0 == b { on = 1 }' \
	"$DOC")
check "docs/output.md has one counter list between its markers" 2 \
	"$(grep -cxF -e "$BEGIN" -e "$END" "$DOC")"
if [ "$want" = "$have" ]; then
	ok "docs/output.md lists the counter table, row for row"
else
	not_ok "docs/output.md lists the counter table, row for row" \
		"docs/output.md differs from the table (< doc, > table); tests/unit/test_counters_doc.sh --write updates it"
	diff <(echo "$have") <(echo "$want") | head -20 | sed 's/^/#   /'
fi
# Every counter of the table is in the doc by its metric name: the check
# above compares text, this one says which counter is missing.
missing=""
for m in $(grep -o '`xdptag_[a-z_]*_total`' <<<"$want" | tr -d '`'); do
	grep -qF "\`$m\`" <<<"$have" || missing+="$m "
done
check "every metric of the counter table is in docs/output.md" "" \
	"${missing% }"
finish
