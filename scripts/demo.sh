#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The xdptag demo (`make demo`): a two-namespace lab, an "internet" side
# sending a realistic mix to a "server" side that runs xdptag with the
# built-in rules and an nftables ruleset counting by xdptag's marks.  Prints
# `xdptag stats` and the nft counters side by side, then removes the lab.
# Unattended; needs root.  Nothing outside its own namespaces is touched.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
XT=$PWD/$BUILD/xdptag
PY=/usr/bin/python3

die() { echo "Error: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "the demo needs root (namespaces, XDP, nftables)"
[ -x "$XT" ] || die "$XT not built (run 'make BUILD=$BUILD')"
$PY -c 'import scapy' 2>/dev/null ||
	die "scapy missing for $PY (run 'make deps')"
command -v nft >/dev/null || die "nft missing (run 'make deps')"

# Namespaces, veths and the removal of both on every exit path, shared
# with the tests.
. tests/lib/tap.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lab: namespaces 'internet' and 'server' joined by a veth pair"
ns_new INET || die "cannot create a network namespace"
ns_new SRV || die "cannot create a network namespace"
IF_I=xdi$$ IF_S=xds$$
for ns in "$INET" "$SRV"; do
	# Keep IPv6 autoconfiguration chatter out of the counts.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
veth_pair "$IF_I" "$INET" "$IF_S" "$SRV" || die "cannot create the veth pair"
ip -n "$INET" addr add 198.18.0.1/15 dev "$IF_I"
ip -n "$SRV" addr add 198.19.0.1/15 dev "$IF_S"
echo "internet: $INET ($IF_I, 198.18.0.1)   server: $SRV ($IF_S, 198.19.0.1)"

step "attach xdptag to $IF_S (built-in rules)"
on_exit ip netns exec "$SRV" "$XT" detach "$IF_S"
ip netns exec "$SRV" "$XT" attach "$IF_S" || die "attach failed"

step "load the 'xdptag nft' ruleset in the server namespace"
ip netns exec "$SRV" "$XT" nft "$IF_S" | ip netns exec "$SRV" nft -f - ||
	die "nft refused the ruleset"
ip netns exec "$SRV" nft list chain inet xdptag prerouting | sed 's/^/  /'

step "send the mix from the internet side (scapy)"
mac=$(ip netns exec "$SRV" cat /sys/class/net/"$IF_S"/address)
# COUNT EXPR: tests/lib/scapy_send.py.  Clients are 198.18.0.0/15, which the
# built-in rules do not treat as bogons; the server is 198.19.0.1.
sent=$(ip netns exec "$INET" $PY tests/lib/scapy_send.py "$IF_I" "$mac" \
	2>/dev/null <<'EOF'
# ordinary web: handshake, request, data and ACKs on 80 and 443
40 IP(src="198.18.7.%d" % RandByte(), dst="198.19.0.1")/TCP(sport=RandShort(), dport=443, flags="S")
40 IP(src="198.18.7.%d" % RandByte(), dst="198.19.0.1")/TCP(sport=RandShort(), dport=443, flags="A")
60 IP(src="198.18.7.%d" % RandByte(), dst="198.19.0.1")/TCP(sport=RandShort(), dport=443, flags="PA")/Raw(b"\x17\x03\x03" + b"x" * 600)
20 IP(src="198.18.8.%d" % RandByte(), dst="198.19.0.1")/TCP(sport=RandShort(), dport=80, flags="S")
20 IP(src="198.18.8.%d" % RandByte(), dst="198.19.0.1")/TCP(sport=RandShort(), dport=80, flags="PA")/Raw(b"GET / HTTP/1.1\r\nHost: example\r\n\r\n")
20 IP(src="198.18.8.%d" % RandByte(), dst="198.19.0.1")/TCP(sport=RandShort(), dport=80, flags="FA")
# DNS: queries to the server, and answers to its own lookups
30 IP(src="198.18.9.%d" % RandByte(), dst="198.19.0.1")/UDP(sport=RandShort(), dport=53)/DNS(rd=1, qd=DNSQR(qname="www.example.com"))
10 IP(src="198.18.9.53", dst="198.19.0.1")/UDP(sport=53, dport=RandShort())/DNS(qr=1, qd=DNSQR(qname="www.example.com"), an=DNSRR(rrname="www.example.com", rdata="198.18.8.8"))
# a SYN scan of common ports from one host
1 [IP(src="198.18.66.6", dst="198.19.0.1")/TCP(sport=61000, dport=p, flags="S") for p in (21, 22, 23, 25, 80, 110, 143, 443, 445, 3306, 3389, 5900, 8080)]
# XMAS and NULL probes
1 [IP(src="198.18.66.7", dst="198.19.0.1")/TCP(sport=61001, dport=p, flags="FPU") for p in (22, 80, 443, 8080)]
1 [IP(src="198.18.66.7", dst="198.19.0.1")/TCP(sport=61002, dport=p, flags="") for p in (22, 80, 443, 8080)]
# reflection-style UDP: large "answers" nobody asked for (400 bytes and up)
8 IP(src="198.18.44.%d" % RandByte(), dst="198.19.0.1")/UDP(sport=53, dport=RandShort())/Raw(b"r" * 1200)
6 IP(src="198.18.45.%d" % RandByte(), dst="198.19.0.1")/UDP(sport=123, dport=RandShort())/Raw(b"m" * 440)
6 IP(src="198.18.46.%d" % RandByte(), dst="198.19.0.1")/UDP(sport=1900, dport=RandShort())/Raw(b"HTTP/1.1 200 OK\r\n" * 24)
4 IP(src="198.18.47.%d" % RandByte(), dst="198.19.0.1")/UDP(sport=11211, dport=RandShort())/Raw(b"VALUE " * 200)
# IPv4 fragments of a large datagram
3 fragment(IP(src="198.18.12.1", dst="198.19.0.1")/UDP(sport=5000, dport=5001)/Raw(b"f" * 3000), fragsize=1000)
# bogon sources: private, documentation, loopback, multicast, reserved
5 IP(src="10.0.0.5", dst="198.19.0.1")/TCP(sport=RandShort(), dport=80, flags="S")
5 IP(src="192.168.1.20", dst="198.19.0.1")/TCP(sport=RandShort(), dport=443, flags="S")
3 IP(src="192.0.2.66", dst="198.19.0.1")/UDP(sport=RandShort(), dport=53)
2 IP(src="127.0.0.1", dst="198.19.0.1")/TCP(sport=RandShort(), dport=22, flags="S")
2 IP(src="224.0.0.9", dst="198.19.0.1")/UDP(sport=520, dport=520)
2 IP(src="240.1.2.3", dst="198.19.0.1")/ICMP()
# oddities: a big ping, traceroute probes, a land packet
3 IP(src="198.18.13.1", dst="198.19.0.1")/ICMP()/Raw(b"p" * 1400)
3 IP(src="198.18.13.2", dst="198.19.0.1", ttl=1)/UDP(sport=RandShort(), dport=33434)
1 IP(src="198.19.0.1", dst="198.19.0.1")/TCP(sport=80, dport=80, flags="S")
EOF
) || die "scapy could not send"
echo "sent $sent frames to $IF_S"

step "xdptag stats $IF_S"
ip netns exec "$SRV" "$XT" stats "$IF_S"

step "side by side: xdptag's class counters and the nft counters"
stats=$(ip netns exec "$SRV" "$XT" stats "$IF_S" --json)
counters=$(ip netns exec "$SRV" nft -j list counters table inet xdptag)
$PY - "$stats" "$counters" <<'EOF'
import json, sys

iface = json.loads(sys.argv[1])["interfaces"][0]
nft = {o["counter"]["name"]: o["counter"]["packets"]
       for o in json.loads(sys.argv[2])["nftables"] if "counter" in o}
print("  %-14s %16s %18s" % ("class", "xdptag (XDP)", "nft (mark match)"))
for c in iface["classes"]:
    n = nft.get("xt_class_" + c["name"])
    print("  %-14s %16d %18s%s" % (c["name"], c["packets"],
          "-" if n is None else n,
          "" if n == c["packets"] else "   (differs)"))
EOF

step "detach and remove the lab"
ip netns exec "$SRV" "$XT" detach "$IF_S"
