#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Real scanners against the built-in rules: nmap (-sS, -sT, -sN, -sF, -sX,
# -sM, -sA, -sU, -sS -6, -sn over a routed /24) and an hping3 SYN flood,
# each from a fresh source address in a throwaway namespace, at an attached
# veth.  For each, at least 95% of the packets that reached xdptag after
# the scan's first 10 must land in a non-zero class.
#
# Counting: xdptag's own per-class counters on the target's interface,
# read before and after each scan (after the link has gone quiet).  The
# packets of a scan are all packets counted in between: the attacker's
# kernel's own (RSTs, ND, ARP) included, so the share is a lower bound.
# The first 10 are allowed to pass unclassified since a fan-out of 10
# distinct ports or addresses is what the rules need to see.
#
# DETECT_REPORT=FILE appends one line per scan: tool packets detected.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/detect/lib.sh

detect_need "detection: scans"
detect_lab

# Open ports on the target: a few, as on a real host.
ip netns exec "$TGT" $PY -m http.server -b :: 80 >/dev/null 2>&1 &
on_exit kill $!

report() {
	[ -n "${DETECT_REPORT:-}" ] && echo "$*" >>"$DETECT_REPORT"
	return 0
}

# scan NAME MIN CMD...: run CMD in ATK, then check the share.  MIN is the
# least number of packets the scan must have sent (else it did not run).
scan() {
	local name=$1 min=$2 b a total nonzero need
	shift 2
	settle
	b=$(snap)
	ip netns exec "$ATK" "$@" >/dev/null 2>&1
	settle
	a=$(snap)
	read -r t0 c0 _ <<<"$b"
	read -r t1 c1 _ <<<"$a"
	total=$((t1 - t0))
	nonzero=$((total - (c1 - c0)))
	need=$(( (95 * (total - 10) + 99) / 100 ))
	report "$name $total $nonzero"
	if [ "$total" -lt "$min" ]; then
		not_ok "$name: sent $total packets, expected at least $min"
	elif [ "$nonzero" -ge "$need" ]; then
		ok "$name: $nonzero of $total packets classified (need $need)"
	else
		not_ok "$name: $nonzero of $total packets classified" \
			"need at least $need (95% after the first 10)"
	fi
}

NMAP="nmap -n -Pn -T4 --max-retries 1"
n=10
for t in sS sT sN sF sX sM sA; do
	n=$((n + 1))
	src4 $n
	scan "nmap -$t" 500 $NMAP -"$t" "$TGT4"
done

src4 20
scan "nmap -sU" 150 $NMAP -sU --top-ports 200 "$TGT4"

src6 21
scan "nmap -sS -6" 500 $NMAP -6 -sS "$TGT6S"

# Host discovery of a routed /24 (ICMP echo, SYN 443, ACK 80, ICMP
# timestamp per address); 198.19.5.77 answers.
src4 22
scan "nmap -sn $SWEEP" 500 nmap -n -sn -T4 --max-retries 1 "$SWEEP"

# A SYN flood from one source for two seconds.
src4 23
scan "hping3 -S --flood" 2000 timeout -s INT 2 hping3 -q -S -p 80 --flood "$TGT4"

# A UDP flood from one source for two seconds.
src4 24
scan "hping3 --udp --flood" 2000 timeout -s INT 2 hping3 -q --udp -p 9 --flood "$TGT4"

finish
