#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag exporter: attach in a namespace pair, send packets of known
# classes, run the exporter on loopback inside the receiving namespace and
# scrape it with curl: promtool must accept the scrape, the class count must
# be exact, other paths are 404, IPv6 listening works, a bad --listen is
# refused, and SIGTERM ends it with status 0.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

e2e_need "exporter e2e"

lab_pair
IFS_=$A IFR=$B
# The [::1] listener needs IPv6 on loopback only.
ip netns exec "$RCV" sysctl -qw net.ipv6.conf.lo.disable_ipv6=0

ip netns exec "$RCV" "$XT" attach "$IFR" >/dev/null
check "attach $IFR" 0 $?

mac=$(ip netns exec "$RCV" cat /sys/class/net/"$IFR"/address)
sent=$(ip netns exec "$SND" $PY tests/lib/scapy_send.py "$IFS_" "$mac" 2>/dev/null <<'EOF2'
5 IP(src="198.18.0.1", dst="198.18.1.1")/TCP(sport=40000, dport=80, flags="FPU")
3 IP(src="198.18.0.1", dst="198.18.1.1")/UDP(sport=53, dport=40000)/Raw(b"x" * 400)
EOF2
)
check "scapy sent 8 frames" 8 "$sent"

# The namespace is new: any port is free in it.
PORT=$((20000 + $$ % 20000))
EXP=
exporter_start() {
	ip netns exec "$RCV" "$XT" exporter "$@" >/dev/null 2>&1 &
	EXP=$!
	on_exit kill "$EXP"
}
# Ready once it answers; the URL is its first argument.
wait_ready() {
	local i
	for i in $(seq 50); do
		ip netns exec "$RCV" curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

exporter_start --listen 127.0.0.1:$PORT
URL=http://127.0.0.1:$PORT
wait_ready "$URL/metrics"
check "exporter answers on 127.0.0.1:$PORT" 0 $?

prom=$(ip netns exec "$RCV" curl -s "$URL/metrics")
if out=$(promtool check metrics <<<"$prom" 2>&1); then
	ok "scrape passes promtool check metrics"
else
	not_ok "scrape passes promtool check metrics" "$out"
fi
check "scrape counts the scan class exactly" \
	"xdptag_class_packets_total{iface=\"$IFR\",class=\"scan\"} 5" \
	"$(grep "^xdptag_class_packets_total{iface=\"$IFR\",class=\"scan\"}" <<<"$prom")"
check "scrape counts the reflection class exactly" \
	"xdptag_class_packets_total{iface=\"$IFR\",class=\"reflection\"} 3" \
	"$(grep "^xdptag_class_packets_total{iface=\"$IFR\",class=\"reflection\"}" <<<"$prom")"
check "content type is the Prometheus text format" \
	"text/plain; version=0.0.4; charset=utf-8" \
	"$(ip netns exec "$RCV" curl -s -o /dev/null -w '%{content_type}' "$URL/metrics")"

check "other paths are 404" 404 \
	"$(ip netns exec "$RCV" curl -s -o /dev/null -w '%{http_code}' "$URL/")"
check "/metricsx is 404" 404 \
	"$(ip netns exec "$RCV" curl -s -o /dev/null -w '%{http_code}' "$URL/metricsx")"
check "POST is 405" 405 \
	"$(ip netns exec "$RCV" curl -s -o /dev/null -w '%{http_code}' -d x "$URL/metrics")"

# More packets show up in the next scrape: counters are read per scrape.
ip netns exec "$SND" $PY tests/lib/scapy_send.py "$IFS_" "$mac" >/dev/null 2>&1 <<'EOF2'
2 IP(src="198.18.0.1", dst="198.18.1.1")/TCP(sport=40000, dport=80, flags="FPU")
EOF2
check "a later scrape sees new packets" \
	"xdptag_class_packets_total{iface=\"$IFR\",class=\"scan\"} 7" \
	"$(ip netns exec "$RCV" curl -s "$URL/metrics" | grep "^xdptag_class_packets_total{iface=\"$IFR\",class=\"scan\"}")"

kill -TERM "$EXP"
wait "$EXP"
check "SIGTERM stops the exporter with status 0" 0 $?

# IPv6 loopback, in brackets.
if ip -n "$RCV" addr show dev lo | grep -q 'inet6 ::1'; then
	exporter_start --listen "[::1]:$PORT"
	wait_ready "http://[::1]:$PORT/metrics"
	check "exporter answers on [::1]:$PORT" 0 $?
	check "IPv6 scrape has the count" 1 \
		"$(ip netns exec "$RCV" curl -s "http://[::1]:$PORT/metrics" | grep -c "^xdptag_class_packets_total{iface=\"$IFR\",class=\"scan\"} 7$")"
	kill -INT "$EXP"
	wait "$EXP"
	check "SIGINT stops the exporter with status 0" 0 $?
else
	skip_test "exporter on [::1]" "no IPv6 loopback in the namespace"
fi

for bad in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 ::1:80 "[127.0.0.1]:80" \
	   localhost:80 "[::1]80"; do
	out=$(ip netns exec "$RCV" "$XT" exporter --listen "$bad" 2>&1)
	rc=$?
	check "--listen $bad refused with exit 2 and one line" \
		"2 Error: --listen: '$bad' is not IPv4 ADDR:PORT or [IPv6]:PORT" \
		"$rc $out"
done

finish
