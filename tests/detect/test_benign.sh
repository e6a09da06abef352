#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Ordinary traffic against the built-in rules must land in class 0: ping
# and ping -6, HTTP over IPv4 and IPv6 with curl (a 10 MB download into
# the watched interface), DNS queries to dnsmasq over both families, an
# ssh session (only its opening SYN may carry a class, admin), a DHCP
# exchange from 0.0.0.0, mDNS and LLMNR over both families, and the
# interfaces' own ND, MLD and IGMP chatter all along (link flaps and
# group joins make sure there is some).
#
# Each item is counted with xdptag's per-class counters on the watched
# interface before and after it; everything counted in between must be in
# class 0 (chatter included).  DETECT_REPORT=FILE appends one line per item.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/detect/lib.sh

detect_need "detection: benign traffic"
detect_lab
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
src4 2
ip -n "$ATK" addr add fd18::2/64 dev "$A" nodad

report() {
	[ -n "${DETECT_REPORT:-}" ] && echo "$*" >>"$DETECT_REPORT"
	return 0
}

# quiet NAME MIN ADMIN CMD...: run CMD; the watched interface must count at
# least MIN packets meanwhile, exactly ADMIN of them in class admin and
# none in any other non-zero class.
quiet() {
	local name=$1 min=$2 admin=$3 t0 c0 a0 t1 c1 a1 total other
	shift 3
	settle
	read -r t0 c0 a0 <<<"$(snap)"
	"$@" >"$TMP/out" 2>&1
	local rc=$?
	settle
	read -r t1 c1 a1 <<<"$(snap)"
	total=$((t1 - t0))
	other=$((total - (c1 - c0) - (a1 - a0)))
	report "$name $total $((a1 - a0 + other))"
	if [ "$rc" != 0 ]; then
		not_ok "$name" "exit status $rc: $(tail -3 "$TMP/out")"
	elif [ "$total" -lt "$min" ]; then
		not_ok "$name: $total packets, expected at least $min"
	else
		check "$name: $total packets, admin and other classes" \
			"$admin 0" "$((a1 - a0)) $other"
	fi
}

in_atk() { ip netns exec "$ATK" "$@"; }
in_tgt() { ip netns exec "$TGT" "$@"; }

# Servers on the target: HTTP, DNS, ssh, DHCP.  The client side serves
# the 10 MB file that the target downloads.
head -c 10000000 /dev/urandom >"$TMP/big"
echo hello >"$TMP/index.html"
ip netns exec "$TGT" $PY -m http.server -b :: -d "$TMP" 80 >/dev/null 2>&1 &
on_exit kill $!
ip netns exec "$ATK" $PY -m http.server -b :: -d "$TMP" 8080 >/dev/null 2>&1 &
on_exit kill $!
ip netns exec "$TGT" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
	--interface="$B" --bind-interfaces --pid-file="$TMP/dnsmasq.pid" \
	--address=/www.lan/198.18.0.80 --address=/www.lan/fd18::80 \
	>/dev/null 2>&1 &
on_exit kill $!

# dropbear finds root's authorized_keys through the passwd entry's home:
# give it a passwd of its own, in a mount namespace of its own.
mkdir -m 700 "$TMP/home" "$TMP/home/.ssh"
ssh-keygen -q -t ed25519 -N "" -f "$TMP/id" &&
	cp "$TMP/id.pub" "$TMP/home/.ssh/authorized_keys"
sed "s|^root:\([^:]*\):0:0:\([^:]*\):[^:]*:|root:\1:0:0:\2:$TMP/home:|" \
	/etc/passwd >"$TMP/passwd"
dropbearkey -t ed25519 -f "$TMP/hostkey" >/dev/null 2>&1
ip netns exec "$TGT" unshare -m sh -c "mount --bind '$TMP/passwd' /etc/passwd &&
	exec dropbear -F -E -s -r '$TMP/hostkey' -P '$TMP/db.pid' -p 22" \
	>/dev/null 2>&1 &
on_exit kill $!

cat >"$TMP/udhcpd.conf" <<EOF
interface $B
start 198.18.0.100
end 198.18.0.150
lease_file $TMP/leases
pidfile $TMP/udhcpd.pid
option subnet 255.255.255.0
EOF
ip netns exec "$TGT" busybox udhcpd -f "$TMP/udhcpd.conf" >/dev/null 2>&1 &
on_exit kill $!
sleep 1

quiet "ping" 5 0 in_atk busybox ping -c 5 -i 0.2 "$TGT4"
quiet "ping -6" 5 0 in_atk busybox ping -6 -c 5 -i 0.2 "$TGT6"
quiet "curl http://v4/" 5 0 in_atk curl -sf -o /dev/null "http://$TGT4/"
quiet "curl http://[v6]/" 5 0 in_atk curl -sf -o /dev/null "http://[$TGT6]/"
quiet "curl 10 MB into the target, IPv4" 300 0 \
	in_tgt curl -sf -o /dev/null "http://198.18.0.2:8080/big"
quiet "curl 10 MB into the target, IPv6" 300 0 \
	in_tgt curl -sf -o /dev/null "http://[fd18::2]:8080/big"
quiet "DNS to dnsmasq, IPv4" 4 0 sh -c "
	for i in 1 2 3 4; do
		ip netns exec $ATK busybox nslookup www.lan $TGT4 || exit 1
	done"
quiet "DNS to dnsmasq, IPv6" 4 0 sh -c "
	for i in 1 2 3 4; do
		ip netns exec $ATK busybox nslookup www.lan $TGT6 || exit 1
	done"
quiet "ssh session" 10 1 in_atk ssh -i "$TMP/id" -o BatchMode=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
	root@"$TGT4" 'echo session; head -c 200000 /dev/zero'
quiet "DHCP exchange from 0.0.0.0" 2 0 in_atk busybox udhcpc -i "$A" -n -q \
	-t 3 -T 1 -s /bin/true
quiet "mDNS and LLMNR, both families" 8 0 in_atk $PY -c '
import socket, sys
ifn = sys.argv[1]
idx = socket.if_nametoindex(ifn)
for dst, port, ttl in (("224.0.0.251", 5353, 255), ("224.0.0.252", 5355, 1)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifn.encode())
    if port == 5353:
        s.bind(("", 5353))
    for _ in range(2):
        s.sendto(b"\0\0\0\0\0\1\0\0\0\0\0\0\3www\5local\0\0\1\0\1", (dst, port))
for dst, port, hops in (("ff02::fb", 5353, 255), ("ff02::1:3", 5355, 1)):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hops)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    for _ in range(2):
        s.sendto(b"\0\0\0\0\0\1\0\0\0\0\0\0\3www\5local\0\0\1\0\1",
                 (dst, port, 0, idx))
' "$A"
# Chatter: the link goes down and up (DAD, router solicitations, MLD
# reports) and groups are joined (IGMP and MLD reports), for a few seconds.
quiet "ND, MLD and IGMP chatter" 5 0 in_atk $PY -c '
import socket, struct, subprocess, sys, time
ifn = sys.argv[1]
subprocess.run(["ip", "link", "set", ifn, "down"], check=True)
subprocess.run(["ip", "link", "set", ifn, "up"], check=True)
idx = socket.if_nametoindex(ifn)
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for g in ("239.1.2.3", "224.0.0.251"):
    s4.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                  socket.inet_aton(g) + socket.inet_aton("0.0.0.0") +
                  struct.pack("@i", idx))
for g in ("ff02::fb", "ff05::1:3"):
    s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                  socket.inet_pton(socket.AF_INET6, g) + struct.pack("@I", idx))
time.sleep(5)
' "$A"

finish
