#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The pipeline outlives the process that attached it, even one killed with
# SIGKILL while it still holds every program and map open: strace holds
# `xdptag attach` at its final exit_group (after it printed "Attached"),
# the test kills it there, then sends packets and checks that they are
# still tagged, marked and counted by class.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
RULES=$PWD/tests/e2e/rules/classes.yaml

e2e_need "sigkill" strace pgrep nft
lab_pair
OUT=$(mktemp)
on_exit rm -f "$OUT"

# exit_group is delayed 20 s: long enough to be killed inside it.  Only
# xdptag's own (no -f): attach runs nft and iptables-save, whose exits
# must not wait.
ip netns exec "$RCV" strace -o /dev/null \
	-e inject=exit_group:delay_enter=20000000 \
	"$XT" attach "$B" --rules "$RULES" >"$OUT" 2>&1 &
SPID=$!
on_exit kill "$SPID"
for _ in $(seq 100); do
	grep -q '^Attached' "$OUT" && break
	sleep 0.1
done
check "attach printed its line before exiting" 1 "$(grep -c '^Attached' "$OUT")"
XPID=$(pgrep -P "$SPID" -x xdptag)
check "the attaching process is still there" 1 "$(wc -w <<<"$XPID")"
kill -KILL "$XPID"
wait "$SPID" 2>/dev/null
check "the attaching process is gone" "" "$(pgrep -P "$SPID" -x xdptag)"

ip netns exec "$RCV" nft -f - <<'NFT'
table ip xtk {
	counter dns {}
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		meta mark and 0xff == 2 counter name dns
	}
}
NFT
on_exit ip netns exec "$RCV" nft delete table ip xtk
sent=$(ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC" \
	2>/dev/null <<'PKT'
7 IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=40000, dport=53)/Raw(b"q")
PKT
)
check "frames sent after the kill" 7 "$sent"
check "nft counted them in class 2 (dns) by their mark" "packets 7" \
	"$(ip netns exec "$RCV" nft list counter ip xtk dns |
	   grep -o 'packets [0-9]*')"
json=$(ip netns exec "$RCV" "$XT" stats "$B" --json)
check "XDP tagged and TC found every tag" "7 7 7" \
	"$($PY -c 'import json, sys
i = json.load(sys.stdin)["interfaces"][0]
c = {x["name"]: x["packets"] for x in i["classes"]}
print(i["xdp"]["tagged"], i["tc"]["valid"], c.get("dns"))' <<<"$json")"
ip netns exec "$RCV" "$XT" detach "$B" >/dev/null
check "detach afterwards" 0 $?
finish
