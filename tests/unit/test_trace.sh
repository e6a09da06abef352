#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench/trace.py on a made-up trace: a program of two functions' images,
# two frames, two runs per test-run call, another program's and the
# kernel's addresses in between.  Each frame's last timed run is the one
# counted, each address in either image goes to the function around its
# line (line 0: "(no line)"), and nothing outside the images counts; a
# line map that misses the images is refused.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
if [ ! -x /usr/bin/python3 ]; then
	skip_test "bench/trace.py sums a made-up trace" "no /usr/bin/python3"
	finish
fi
T=$(mktemp -d)
on_exit rm -rf "$T"
mkdir -p "$T/src/bpf/lib"
cat >"$T/src/bpf/lib/x.h" <<'C'
static __always_inline int alpha(int a)
{
	return a;
}

static __always_inline struct foo *
beta(int b)
{
	return 0;
}
__noinline int gamma(int c)
{
	if (c)
		return 1;
	return 0;
}
C
# Row 1's runs: one before the timed calls (the tag checks), then frame 1
# and frame 0, two runs each; row 0's call in between runs elsewhere.
cat >"$T/bench.txt" <<'B'
# jit p 1 ffffffffc0001000 64
# jit p 1 ffffffffc0009000 16
# line p ffffffffc0001010 /b/bpf/lib/x.h 9
# line p ffffffffc0001000 /b/bpf/lib/x.h 3
# line p ffffffffc0001020 /b/bpf/lib/x.h 0
# line p ffffffffc0009000 /b/bpf/lib/x.h 13
# run 1 1 udp
# run 0 0 syn
# run 1 0 syn
B
pcs=(1000 1004 - 1000 1010 1014 - 1000 1010 1014 -
     5000 5004 - 1000 1004 1004 - 1000 1004 1010 b0000000 1020 9000 9004)
for pc in "${pcs[@]}"; do
	[ "$pc" = - ] && continue
	case $pc in
	b*) a=ffffffff$pc ;;	# the kernel's text, which a trace leaves out
	*) a=ffffffffc000$pc ;;
	esac
	printf 'Trace 0: 0x7f00 [0000000000000000/%s/0040c2b0/ff020201]\n' "$a"
done >"$T/qemu.log"
printf '0xffffffffc0001000:  f3 0f 1e fa              endbr64  \n' \
	>>"$T/qemu.log"
sum=$(XT_TRACE_SRC="$T/src" /usr/bin/python3 bench/trace.py \
	"$T/bench.txt" "$T/qemu.log" 2 | tr -s ' ')
want=" function syn udp
 alpha 2 1
 beta 1 2
 (no line) 1 0
 gamma 2 0
 all 6 3"
check "each frame's last run, its instructions per function" "$want" \
	"$(sed -n '/^ function/,/^ all/p' <<<"$sum")"
list=$(XT_TRACE_SRC="$T/src" /usr/bin/python3 bench/trace.py \
	"$T/bench.txt" "$T/qemu.log" 2 p syn | tr -s ' ')
check "one run listed: offset, function, line, disassembly" \
	" 0 alpha 3 endbr64" "$(head -n 1 <<<"$list")"
check "one run listed: every instruction" 6 "$(wc -l <<<"$list")"
sed -i 's/^# line p ffffffffc0009000/# line p ffffffffc0009010/' \
	"$T/bench.txt"
err=$(XT_TRACE_SRC="$T/src" /usr/bin/python3 bench/trace.py \
	"$T/bench.txt" "$T/qemu.log" 2 2>&1 >/dev/null)
check "a line record outside its images is refused" \
	"trace.py: p: line record at ffffffffc0009010 is in none of its images" \
	"$err"
finish
