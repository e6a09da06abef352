#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Where a test script's time goes, line by line: runs each script given
# with every bash it starts tracing to a file of its own (BASH_ENV, so the
# re-exec under unshare and the helpers' shells count too), then prints
# the script's time and the lines that took longest, summed over their
# runs: seconds, runs, file:line.  A line's time is up to the next traced
# line, so it holds the commands it waited for.  Meant for the VMs, where a
# process costs 0.1-0.3 s (docs/kernels.md, "Time"):
#
#   XT_VM_RUN='bash tests/vm/line_times.sh tests/e2e/test_nft.sh' \
#	tests/vm/run.sh
#
# LINES=N prints N lines a script (default 14).  Run from the tree's top.
set -u
n=${LINES:-14}
dir=$(mktemp -d /tmp/xt-lines.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/env.sh" <<EOF
exec 9>>"$dir/trace.\$\$"
BASH_XTRACEFD=9
PS4='+\${EPOCHREALTIME} \${BASH_SOURCE##*/}:\${LINENO} '
set -x
EOF
for t; do
	rm -f "$dir"/trace.*
	s=$(date +%s)
	BASH_ENV=$dir/env.sh bash "$t" >/dev/null 2>&1
	echo "=== $t $(($(date +%s) - s)) s"
	for f in "$dir"/trace.*; do
		sed -n 's/^+*\([0-9]*\.[0-9]* [^ ]*\) .*/\1/p' "$f" |
			awk '{ if (at != "") { s[at] += $1 - t; n[at]++ }
			       t = $1; at = $2 }
			     END { for (k in s) print s[k], n[k], k }'
	done | awk '{ s[$3] += $1; n[$3] += $2 }
		    END { for (k in s) printf "%7.2f %4d %s\n", s[k], n[k], k }' |
		sort -rn | head -n "$n"
done
