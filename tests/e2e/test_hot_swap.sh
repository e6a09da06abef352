#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `xdptag rules load` swaps rulesets under traffic without a gap and without
# mixing: while scapy sends UDP to port 5555 through a veth pair, the
# receiving side swaps 25 times between ruleset A (class 1) and ruleset B
# (class 2).  nftables counts the packets by mark: every packet must carry
# mark 1 or 2 (the "other" counter stays 0) and the counts must add up to
# the packets sent.  Also: mark settings that differ from the attachment
# are refused, and loading on an interface that is not attached is an error.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
SWAPS=25

e2e_need "hot swap" nft ip

TMP=$(mktemp -d /tmp/xt-hot-swap.XXXXXX)
on_exit rm -rf "$TMP"

# Same rule name in both, so its slot (and counter) stays; B has one more.
cat >"$TMP/a.yaml" <<'EOF'
classes: [ { id: 1, name: one }, { id: 2, name: two } ]
rules:
  - { name: udp-5555, class: one, weight: 10, match: { proto: udp, dport: 5555 } }
EOF
cat >"$TMP/b.yaml" <<'EOF'
classes: [ { id: 1, name: one }, { id: 2, name: two } ]
rules:
  - { name: udp-any, class: one, weight: 5, match: { proto: udp } }
  - { name: udp-5555, class: two, weight: 20, match: { proto: udp, dport: 5555 } }
EOF
cat >"$TMP/c.yaml" <<'EOF'
settings: { mark_mask: 0xf0 }
classes: [ { id: 1, name: one } ]
rules:
  - { name: udp-5555, class: one, weight: 10, match: { dport: 5555 } }
EOF

lab_pair

ip netns exec "$RCV" nft -f - <<'EOF' || { not_ok "nft rules"; finish; }
table ip xths {
	counter c1 {}
	counter c2 {}
	counter other {}
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		udp dport 5555 meta mark 1 counter name c1
		udp dport 5555 meta mark 2 counter name c2
		udp dport 5555 meta mark != { 1, 2 } counter name other
	}
}
EOF

nft_count() {
	ip netns exec "$RCV" nft list counter ip xths "$1" |
		awk '/packets/ { for (i = 1; i < NF; i++)
			if ($i == "packets") print $(i + 1) }'
}

# send N: N packets; send until FILE: until FILE exists.  Prints the count.
# Paced so that the receiving backlog never overflows: a lost packet
# would look like a swap losing it.
send() {
	ip netns exec "$SND" $PY - "$A" "$BMAC" "$@" <<'EOF'
import logging, os, sys, time
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from xt_layers import Ether, IP, UDP, Raw, conf
iface, dmac, mode, arg = sys.argv[1:5]
s = conf.L2socket(iface=iface)
n = 0
while (n < int(arg)) if mode == "n" else not os.path.exists(arg):
    s.send(Ether(dst=dmac) / IP(src="10.1.0.1", dst="10.2.0.1") /
           UDP(sport=40000 + n % 1000, dport=5555) / Raw(b"x"))
    n += 1
    time.sleep(0.0005)
s.close()
print(n)
EOF
}

out=$(ip netns exec "$RCV" "$XT" attach "$B" --mode generic \
	--rules "$TMP/a.yaml" 2>&1)
check "attach with ruleset A exits 0" 0 $?

pre=$(send n 20)
check "ruleset A: class 1 counted" 20 "$(nft_count c1)"

# The swaps, under traffic from a background sender.
send f "$TMP/stop" >"$TMP/sent" &
SENDER=$!
on_exit kill $SENDER
sleep 0.5
fails=0
for ((i = 1; i <= SWAPS; i++)); do
	f=$TMP/b.yaml
	[ $((i % 2)) = 0 ] && f=$TMP/a.yaml
	ip netns exec "$RCV" "$XT" rules load "$B" "$f" >/dev/null 2>"$TMP/err" ||
		{ fails=$((fails + 1)); cat "$TMP/err" | sed 's/^/# /'; }
done
touch "$TMP/stop"
wait $SENDER
check "$SWAPS swaps, all 'rules load' exit 0" 0 $fails
bg=$(cat "$TMP/sent")
[ "${bg:-0}" -gt 0 ] && ok "traffic flowed during the swaps ($bg packets)" ||
	not_ok "traffic flowed during the swaps" "sender sent '${bg}'"

# The last load was B.
c2_before=$(nft_count c2)
post=$(send n 20)
check "ruleset B: class 2 counted after the last swap" \
	$((c2_before + 20)) "$(nft_count c2)"

total=$((pre + bg + post))
c1=$(nft_count c1)
c2=$(nft_count c2)
check "no packet with a mark neither ruleset gives" 0 "$(nft_count other)"
check "every packet sent was counted once (class 1 $c1 + class 2 $c2)" \
	$total $((c1 + c2))

# Marks are fixed at attach: a file asking for another mask is refused.
err=$(ip netns exec "$RCV" "$XT" rules load "$B" "$TMP/c.yaml" 2>&1)
check "different mark_mask: exit 2" 2 $?
check "different mark_mask: message" \
	"Error: rules file sets mark_mask 0xf0, $B is attached with 0xff: marks are fixed at attach (detach and attach again to change them)" \
	"$err"
before=$(nft_count c2)
send n 5 >/dev/null
check "refused load left ruleset B in place" $((before + 5)) "$(nft_count c2)"

# Two rules removed (or renamed) at once vacate two slots: the load must
# work, and the new rule counts in its own slot.  B (udp-any, udp-5555) is
# loaded now; D renames both.
cat >"$TMP/d.yaml" <<'EOF'
classes: [ { id: 1, name: one }, { id: 2, name: two } ]
rules:
  - { name: renamed, class: one, weight: 10, match: { proto: udp, dport: 5555 } }
EOF
err=$(ip netns exec "$RCV" "$XT" rules load "$B" "$TMP/d.yaml" 2>&1)
check "two rules vacated at once: load exits 0" 0 $?
check "two rules vacated at once: its line" \
	"$B: loaded $TMP/d.yaml, 1 rules" "$err"
before=$(nft_count c1)
send n 5 >/dev/null
check "the renamed rule classifies (class 1)" $((before + 5)) "$(nft_count c1)"
check "stats: the renamed rule in a fresh slot, with the 5 hits" "2 renamed 5" \
	"$(ip netns exec "$RCV" "$XT" stats "$B" --json | $PY -c '
import json, sys
r = json.load(sys.stdin)["interfaces"][0]["rules"]
print(" ".join(str(x[k]) for x in r if x["name"] == "renamed"
               for k in ("slot", "name", "hits")))')"
# The two vacant slots are no rules: counted and listed as none (but for
# the hits a removed rule left in its slot).
check "status and stats count 1 rule, list no empty vacant slot" \
	"  rules   $TMP/d.yaml (1 rules) 1 0" \
	"$(ip netns exec "$RCV" "$XT" status "$B" | grep '^  rules ') $(
	   ip netns exec "$RCV" "$XT" stats "$B" --json | $PY -c '
import json, sys
i = json.load(sys.stdin)["interfaces"][0]
print(i["ruleset"]["nrules"],
      sum(1 for x in i["rules"] if x["name"] != "renamed" and not x["hits"]))')"
# And back: both old names return.
err=$(ip netns exec "$RCV" "$XT" rules load "$B" "$TMP/b.yaml" 2>&1)
check "and back to two rules: load exits 0" 0 $?

# The per-source table is sized at attach (the default 65536 sources, a.yaml
# says none): a file asking for another size loads, keeps the table, says so.
cat >"$TMP/e.yaml" <<'EOF'
settings: { state_sources: 1000 }
classes: [ { id: 1, name: one }, { id: 2, name: two } ]
rules:
  - { name: udp-5555, class: one, weight: 10, match: { proto: udp, dport: 5555, rate: { pps: 100000 } } }
EOF
err=$(ip netns exec "$RCV" "$XT" rules load "$B" "$TMP/e.yaml" 2>&1)
check "other state_sources: load exits 0" 0 $?
check "other state_sources: the table keeps its size, says so" \
	"Warning: $B: the per-source table keeps its 65536 sources (state_sources 1000 takes effect at the next attach)
$B: loaded $TMP/e.yaml, 1 rules" "$err"

err=$(ip netns exec "$RCV" "$XT" rules load "${XT_ID}n" "$TMP/a.yaml" 2>&1)
check "not attached: exit 3" 3 $?
check "not attached: message" \
	"Error: ${XT_ID}n: not attached (run 'xdptag attach ${XT_ID}n' first)" \
	"$err"
finish
