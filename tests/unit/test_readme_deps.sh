#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The README's package list names every package scripts/deps.sh installs:
# the list a new user reads is the one make deps uses.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
pkgs=$(sed -n '/^PKGS="/,/"$/p' scripts/deps.sh | tr -d '"' |
	sed 's/^PKGS=//' | xargs -n 1 | sort -u)
# The paragraph that starts "Packages (Debian 12".
para=$(awk '/^Packages \(Debian 12/ { on = 1 } on && /^$/ { exit } on' \
	README.md)
missing=""
for p in $pkgs; do
	grep -qE "(^|[ ,(])$p([ ,.;)]|$)" <<<"$para" || missing+="$p "
done
check "README's package list names every package of scripts/deps.sh" "" \
	"${missing% }"
finish
