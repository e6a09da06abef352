# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The detection tier's lab, sourced after tests/lib/tap.sh: an attacker or
# client namespace ATK and a target namespace TGT joined by a veth pair
# (A in ATK, B in TGT), IPv6 on, xdptag attached to B with the built-in
# rules.  Traffic from ATK is what xdptag classifies (B's ingress).
#
#   TGT4=198.18.0.1  TGT6=fd18::1      addresses of B (and TGT6S, in the
#                                      /64 of the scanners' src6)
#   SWEEP=198.19.5.0/24                routed to TGT; 198.19.5.77 answers
#   snap                               "total class0 admin" counted on B
#   src4 N / src6 N                    make ATK's address fresh for a test
#
# Sources are 198.18.0.0/15 and fd18::/16: no default bogon rule matches
# them, so every class seen comes from what the traffic does.

TGT4=198.18.0.1
TGT6=fd18::1
TGT6S=fd18:0:0:1::1
SWEEP=198.19.5.0/24
SWEEP_ANSWER=198.19.5.77

detect_need() {
	e2e_need "$@" nmap hping3 dnsmasq dropbear ssh ssh-keygen dropbearkey \
		busybox curl
}

detect_lab() {
	local ns
	{ ns_new ATK && ns_new TGT; } || { not_ok "lab namespaces"; finish; }
	A=${XT_ID}a
	B=${XT_ID}t
	# Replies of the target must not be slowed by ICMP rate limits
	# (nmap -sU waits for port-unreachables).
	ip netns exec "$TGT" sysctl -qw net.ipv4.icmp_ratelimit=0 \
		net.ipv6.icmp.ratelimit=0 net.ipv4.ping_group_range="0 0"
	veth_pair "$A" "$ATK" "$B" "$TGT" || { not_ok "lab veth pair"; finish; }
	# One queue, no offloads to surprise: what the kernel sends is what
	# XDP sees (GRO does not run before XDP).
	ip -n "$TGT" addr add "$TGT4/24" dev "$B"
	ip -n "$TGT" addr add "$TGT6/64" dev "$B" nodad
	ip -n "$TGT" addr add "$TGT6S/64" dev "$B" nodad
	ip -n "$TGT" addr add "$SWEEP_ANSWER/32" dev lo
	ip -n "$ATK" route add "$SWEEP" via "$TGT4" dev "$A" 2>/dev/null
	on_exit ip netns exec "$TGT" "$XT" detach "$B"
	out=$(ip netns exec "$TGT" "$XT" attach "$B" 2>&1) ||
		{ not_ok "attach $B" "$out"; finish; }
	ok "attach $B with the built-in rules"
}

# src4 N: ATK's only IPv4 address becomes 198.18.0.N (fresh per-source
# state for the next test); the route to the sweep range follows.
src4() {
	ip -n "$ATK" -4 addr flush dev "$A"
	ip -n "$ATK" addr add "198.18.0.$1/24" dev "$A"
	ip -n "$ATK" route replace "$SWEEP" via "$TGT4" dev "$A"
	SRC4=198.18.0.$1
}

# src6 N: ATK's global IPv6 address becomes fd18:0:0:1::N (another /64
# than the benign traffic's fd18::2, so another per-source entry).
src6() {
	ip -n "$ATK" -6 addr flush dev "$A" scope global
	ip -n "$ATK" addr add "fd18:0:0:1::$1/64" dev "$A" nodad
	SRC6=fd18:0:0:1::$1
}

# snap: packets on B since attach, all classes, class 0, class admin (3).
snap() {
	ip netns exec "$TGT" "$XT" stats "$B" --json | $PY -c '
import json, sys
i = json.load(sys.stdin)["interfaces"][0]
c = {x["id"]: x["packets"] for x in i["classes"]}
print(i["packets"], c.get(0, 0), c.get(3, 0))'
}

# Wait until B has been quiet for a moment: the scan's stragglers and
# ATK's reactions are counted before the next snapshot.
settle() {
	local a b
	b=$(snap)
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.3
		a=$(snap)
		[ "$a" = "$b" ] && return
		b=$a
	done
}
