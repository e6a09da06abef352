#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag stats over a real veth pair: attach the default rules on the
# receiving side, send packets of known classes with scapy, and check that
# `stats --json` counts exactly them and `stats --prom` passes promtool.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

e2e_need "stats e2e"

lab_pair
IFS_=$A IFR=$B

out=$(ip netns exec "$RCV" "$XT" attach "$IFR" 2>&1)
rc=$?
check "attach $IFR" 0 "$rc"
[ "$rc" = 0 ] || { echo "# $out"; finish; }

# Before any packet: everything zero, the interface listed with its names.
json=$(ip netns exec "$RCV" "$XT" stats "$IFR" --json)
check "fresh counters are zero" "0 0 scan" "$($PY -c '
import json, sys
i = json.load(sys.stdin)["interfaces"][0]
print(i["packets"], i["tc"]["valid"],
      [c["name"] for c in i["classes"] if c["id"] == 2][0])' <<<"$json")"

# Known classes under the default rules (rules/default.yaml).  The source
# 198.18.0.1 is no bogon there, so each kind lands in exactly one class.
mac=$(ip netns exec "$RCV" cat /sys/class/net/"$IFR"/address)
sent=$(ip netns exec "$SND" $PY tests/lib/scapy_send.py "$IFS_" "$mac" 2>/dev/null <<'EOF'
5 IP(src="198.18.0.1", dst="198.18.1.1")/TCP(sport=40000, dport=80, flags="FPU")
3 IP(src="198.18.0.1", dst="198.18.1.1")/UDP(sport=53, dport=40000)/Raw(b"x" * 20)
4 IP(src="198.18.0.1", dst="198.18.1.1")/TCP(sport=40000, dport=80, flags="A")
2 IP(src="10.1.2.3", dst="198.18.1.1")/TCP(sport=40000, dport=443, flags="A")
EOF
)
check "scapy sent 14 frames" 14 "$sent"

json=$(ip netns exec "$RCV" "$XT" stats "$IFR" --json)
got=$($PY -c '
import json, sys
d = json.load(sys.stdin)
i = d["interfaces"][0]
c = {x["name"]: x["packets"] for x in i["classes"]}
r = {x["name"]: x["hits"] for x in i["rules"]}
print(i["ifname"], c["unclassified"], c["scan"], c["reflection"], c["bogon"],
      i["packets"], r["tcp-xmas-scan"], r["tcp-fin-scan"],
      i["actions"]["pass"], i["xdp"]["tagged"], i["tc"]["valid"],
      i["tc"]["no_meta"], i["tagged_valid_share"])' <<<"$json" 2>&1)
check "stats --json counts exactly what was sent" \
	"$IFR 4 5 3 2 14 5 5 14 14 14 0 1.0" "$got"

# Scores: XMAS matches the xmas and FIN scan rules (80 + 60 = 140, band 8),
# 10.1.2.3 the private-source rule (20, band 1), reflection 15 and plain
# ACKs 0 (band 0).
got=$($PY -c '
import json, sys
i = json.load(sys.stdin)["interfaces"][0]
print(" ".join("%d:%d" % (b["band"], b["packets"]) for b in i["bands"]
               if b["packets"]))' <<<"$json")
check "score histogram" "0:7 1:2 8:5" "$got"

# Bytes: 5 XMAS frames of 14 + 20 + 20 bytes.
got=$($PY -c '
import json, sys
i = json.load(sys.stdin)["interfaces"][0]
print([c["bytes"] for c in i["classes"] if c["name"] == "scan"][0])' <<<"$json")
check "class bytes are frame lengths" 270 "$got"

# Without IFACE: every attached interface, ours among them.
got=$(ip netns exec "$RCV" "$XT" stats --json | $PY -c '
import json, sys
print([i["packets"] for i in json.load(sys.stdin)["interfaces"]
       if i["ifname"] == sys.argv[1]])' "$IFR")
check "stats without IFACE includes $IFR" "[14]" "$got"

prom=$(ip netns exec "$RCV" "$XT" stats "$IFR" --prom)
if out=$(promtool check metrics <<<"$prom" 2>&1); then
	ok "stats --prom passes promtool check metrics"
else
	not_ok "stats --prom passes promtool check metrics" "$out"
fi
check "prom sample for scan" \
	"xdptag_class_packets_total{iface=\"$IFR\",class=\"scan\"} 5" \
	"$(grep "class=\"scan\"" <<<"$prom" | grep ^xdptag_class_packets)"

# --watch with --count: two samples; the second carries rates.
got=$(ip netns exec "$RCV" "$XT" stats "$IFR" --json --watch 0.2 \
	--count 2 | $PY -c '
import json, sys
docs = [json.loads(l) for l in sys.stdin]
print(len(docs), "rate" in docs[0]["interfaces"][0],
      docs[1]["interfaces"][0]["rate"]["packets"])')
check "--watch 0.2 --count 2: two samples, rates in the second" \
	"2 False 0.0" "$got"

# The table: aligned class rows, bridge health.
table=$(ip netns exec "$RCV" "$XT" stats "$IFR")
check "table class row" \
	"  scan                                   5       270 B  35.7%" \
	"$(grep '^  scan ' <<<"$table")"
check "table bridge row" \
	"  reached TC tagged                     14 100.0% of tagged" \
	"$(grep 'reached TC tagged' <<<"$table")"

# SIGINT ends --watch cleanly, exit 0.
# Signal only once the first sample is out: the handler is in place by then.
tmp=$(mktemp)
on_exit rm -f "$tmp"
ip netns exec "$RCV" "$XT" stats "$IFR" --watch 5 >"$tmp" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp" ] && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
check "SIGINT stops --watch with status 0" 0 $?

# --watch follows a detach and a new attach to the new pins (it used to
# read the old maps forever), with no rate across the two.
watch=$(mktemp)
on_exit rm -f "$watch"
ip netns exec "$RCV" "$XT" stats "$IFR" --json --watch 0.2 >"$watch" &
pid=$!
on_exit kill "$pid"
for _ in $(seq 100); do [ -s "$watch" ] && break; sleep 0.1; done
ip netns exec "$RCV" "$XT" detach "$IFR" >/dev/null
sleep 0.5
ip netns exec "$RCV" "$XT" attach "$IFR" >/dev/null
ip netns exec "$SND" $PY tests/lib/scapy_send.py "$IFS_" "$mac" >/dev/null 2>&1 <<'EOF'
3 IP(src="198.18.0.1", dst="198.18.1.1")/TCP(sport=40000, dport=80, flags="FPU")
EOF
sleep 0.6
kill -INT "$pid"
wait "$pid"
got=$($PY -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
seen = [[i["packets"] for i in d["interfaces"]] for d in docs]
# 14 before the detach, nothing while detached, then the new maps: 3.
gone = [] in seen
last = docs[-1]["interfaces"][0]
new = [d["interfaces"][0] for d in docs if d["interfaces"] and
       d["interfaces"][0]["packets"] != 14]
print(seen[0], gone, last["packets"], "rate" in new[0])' "$watch" 2>&1)
check "--watch across detach and attach: old, none, new counters; no rate at the change" \
	"[14] True 3 False" "$got"

ip netns exec "$RCV" "$XT" stats nosuch0 >/dev/null 2>&1
check "stats of an interface not attached: exit 3" 3 $?
check "its error message" \
	"Error: nosuch0: xdptag is not attached (try 'xdptag attach nosuch0')" \
	"$("$XT" stats nosuch0 2>&1 >/dev/null)"
"$XT" stats --watch 0 >/dev/null 2>&1
check "--watch 0 is a usage error" 2 $?

finish
