#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag exporter: attach in a namespace pair, send packets of known
# classes, run the exporter on loopback inside the receiving namespace and
# scrape it with curl: promtool must accept the scrape, the class count must
# be exact, other paths are 404, IPv6 listening works, a bad --listen is
# refused, and SIGTERM ends it with status 0.  Idle connections cannot
# starve it: with 2,000 of them open (beyond select()'s 1,024) a scrape is
# answered within 1 s, and one address holds at most 32.  A deleted
# interface's counters leave the scrape, with a warning.
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
3 IP(src="198.18.0.1", dst="198.18.1.1")/UDP(sport=53, dport=40000)/Raw(b"x" * 20)
EOF2
)
check "scapy sent 8 frames" 8 "$sent"

# The namespace is new: any port is free in it.
PORT=$((20000 + $$ % 20000))
EXP=
TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
exporter_start() {
	ip netns exec "$RCV" "$XT" exporter "$@" >/dev/null 2>"$TMP/exp.err" &
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

# --- idle connections (slowloris): 2,000 of them, 1 byte every 3 s.
# The helper needs the file descriptors; the exporter raises its own limit.
ulimit -n 8192 2>/dev/null || ulimit -Sn "$(ulimit -Hn)"
# idle_start one|many: IDLE is the helper's PID, HELD the connections
# the exporter kept open.
IDLE= HELD=
idle_start() {
	: >"$TMP/idle.out"
	ip netns exec "$RCV" $PY tests/lib/idle_conns.py 127.0.0.1 "$PORT" \
		2000 "$1" >"$TMP/idle.out" 2>&1 &
	IDLE=$!
	on_exit kill "$IDLE"
	for _ in $(seq 1200); do
		grep -q '^ready' "$TMP/idle.out" && break
		sleep 0.1
	done
	HELD=$(awk '/^ready/ { print $2 }' "$TMP/idle.out")
}
idle_stop() {
	kill "$IDLE"
	wait "$IDLE" 2>/dev/null
}
# scrape_within_1s LABEL: from 127.0.0.1, which the helper does not use.
scrape_within_1s() {
	local out
	out=$(ip netns exec "$RCV" curl -s -m 1 --interface 127.0.0.1 \
		-o "$TMP/scrape" -w '%{http_code} %{time_total}' "$URL/metrics")
	check "$1: a scrape is answered within 1 s ($out s)" 200 "${out%% *}"
	check "$1: the scrape has the count" 1 \
		"$(grep -c "^xdptag_class_packets_total{iface=\"$IFR\",class=\"scan\"} 7$" "$TMP/scrape")"
}
if [ "$(ulimit -n)" -lt 2100 ]; then
	skip_test "2,000 idle connections" \
		"RLIMIT_NOFILE $(ulimit -n), cannot raise it to 2,100"
else
	idle_start many
	check "2,000 idle connections from 2,000 addresses are all held" \
		2000 "$HELD"
	scrape_within_1s "2,000 idle connections"
	idle_stop
	idle_start one
	check "one address holds at most 32 connections" 32 "$HELD"
	scrape_within_1s "2,000 idle connections from one address"
	idle_stop
fi

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

# The interface goes away: its counters leave the scrape, with a warning.
exporter_start --listen 127.0.0.1:$PORT
wait_ready "$URL/metrics"
ip -n "$RCV" link del "$IFR"
check "a deleted interface's counters leave the scrape" 0 \
	"$(ip netns exec "$RCV" curl -s "$URL/metrics" | grep -c "iface=\"$IFR\"")"
ip netns exec "$RCV" curl -s -o /dev/null "$URL/metrics"
check "a deleted interface is said once on stderr" \
	"Warning: $IFR: interface no longer exists; its counters are left out (run 'xdptag detach $IFR' to remove its pins)" \
	"$(cat "$TMP/exp.err")"
kill -TERM "$EXP"
wait "$EXP"

for bad in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 ::1:80 "[127.0.0.1]:80" \
	   localhost:80 "[::1]80"; do
	out=$(ip netns exec "$RCV" "$XT" exporter --listen "$bad" 2>&1)
	rc=$?
	check "--listen $bad refused with exit 2 and one line" \
		"2 Error: --listen: '$bad' is not IPv4 ADDR:PORT or [IPv6]:PORT" \
		"$rc $out"
done

finish
