#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# What libxdp's dispatcher costs xdptag per packet (docs/performance.md,
# "libxdp's dispatcher"), as one line:
#
#   dispatcher measured ratio R alone X ns in-dispatcher Y ns kernel K [qemu]
#     where the kernel runs xdptag in the dispatcher: xdptag alone on IFA
#     against libxdp's dispatcher running xdptag on IFB, both with the
#     built-in rules, in BPF_PROG_TEST_RUN on the bench frame, interleaved
#     (xt_bench ids);
#   dispatcher estimated ratio R alone X ns dispatcher +D ns kernel K [qemu]
#     where it refuses it: the shipped dispatcher object with one slot,
#     around a null program, added to xdptag alone (xt_bench dispatcher).
#
# "qemu": under qemu without KVM (TCG) the times mean nothing; a ratio of
# one interleaved run still does.
#
#   bench/dispatcher_cost.sh XT XB NSA IFA NSB IFB [ROUNDS REPEAT]
#
# IFA and IFB must have no XDP program; the caller detaches xdptag from
# both on exit (this script does on its way out).
set -u
[ $# -ge 6 ] || { echo "usage: $0 XT XB NSA IFA NSB IFB [ROUNDS REPEAT]" >&2; exit 2; }
XT=$1 XB=$2 NSA=$3 IFA=$4 NSB=$5 IFB=$6
ROUNDS=${7:-21} REPEAT=${8:-200000}
where="kernel $(uname -r)"
grep -qsi qemu /sys/class/dmi/id/sys_vendor /proc/cpuinfo && where+=" qemu"

ip netns exec "$NSA" "$XT" attach "$IFA" --xdp-attach direct >/dev/null 2>&1
if ip netns exec "$NSB" "$XT" attach "$IFB" --xdp-attach dispatcher \
	>/dev/null 2>&1; then
	alone=$(ip netns exec "$NSA" "$XT" status "$IFA" |
		sed -n 's/^  xdp .* prog \([0-9]*\).*/\1/p')
	disp=$(ip -n "$NSB" -d link show dev "$IFB" |
	       grep -o 'prog/xdp.* id [0-9]*' | awk '{print $NF}')
	# "prog ID: X ns/packet, ratio R", alone first.
	"$XB" ids "$ROUNDS" "$REPEAT" "$alone" "$disp" | awk -v w="$where" '
		{ ns[NR] = $3; r = $NF }
		END { if (NR == 2) printf "dispatcher measured ratio %s alone %s ns in-dispatcher %s ns %s\n", r, ns[1], ns[2], w }'
	ip netns exec "$NSB" "$XT" detach "$IFB" >/dev/null
else
	# "dispatcher null N dispatcher D (+A) xdptag X ns; ... ratio R"
	"$XB" dispatcher "$ROUNDS" "$REPEAT" | awk -v w="$where" '
		{ d = $6; gsub(/[()]/, "", d)
		  printf "dispatcher estimated ratio %s alone %s ns dispatcher %s ns %s\n", $NF, $8, d, w }'
fi
ip netns exec "$NSA" "$XT" detach "$IFA" >/dev/null 2>&1
exit 0
