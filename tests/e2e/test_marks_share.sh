#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The mark shared with netfilter (docs/marks.md): the built-in classes in a
# 4-bit field; attach warns about a live nft rule using bits inside the
# mask (and not about one outside it), and about an iptables TPROXY rule
# setting them (not about rules on ct mark); `xdptag nft --connmark` carries the
# class of a TCP connection's first packet (a SYN to port 5900: class
# admin, 3, in the built-in rules) to every later packet and every reply,
# over a real connection (curl to python3's http.server).  Counted with
# nftables in the server's namespace, before and after the connmark rules.
# Addresses from 198.18.0.0/15, which no built-in rule classifies (10/8
# is a bogon source there).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "marks shared with netfilter e2e" nft curl jq
lab_pair
ip -n "$SND" addr add 198.18.7.1/24 dev "$A"
ip -n "$RCV" addr add 198.18.7.2/24 dev "$B"
xt() { ip netns exec "$RCV" "$XT" "$@"; }

# --- a live rule inside the mask, one outside it
ip netns exec "$RCV" nft -f - <<'NFT'
table inet theirs {
	chain pre {
		type filter hook prerouting priority 0;
		meta mark & 0x00000300 == 0x00000100 counter
		meta mark & 0x00030000 == 0x00010000 counter
	}
}
NFT
# iptables rules on ct mark only (no warning) and a TPROXY that sets the
# packet's mark (one), if iptables is there.
IPT_TPROXY='-A PREROUTING -p tcp -j TPROXY --on-port 1234 --on-ip 0.0.0.0 --tproxy-mark 0x100/0x300'
ipt=false
command -v iptables-restore >/dev/null &&
ip netns exec "$RCV" iptables-restore <<IPT && ipt=true
*mangle
-A PREROUTING -m connmark --mark 0x100/0xf00 -j ACCEPT
-A PREROUTING -j CONNMARK --set-xmark 0x100/0xf00
$IPT_TPROXY
COMMIT
IPT
out=$(xt attach "$B" --mark-mask 0xf00 --mark-shift 8 2>&1)
check "4-bit mask (0xf00, shift 8) holds the built-in classes 0-8" 0 $?
check "attach warns about the live nft rule inside the mask" \
	"Warning: nftables rule in table inet theirs chain pre (handle 2) matches mark bits 0x00000300 inside xdptag's mask 0x00000f00" \
	"$(grep '^Warning: nftables' <<<"$out")"
if $ipt; then
	check "attach warns about TPROXY's mark, not about ct mark rules" \
		"Warning: iptables rule in table mangle chain PREROUTING sets mark bits 0x00000300 inside xdptag's mask 0x00000f00: $IPT_TPROXY" \
		"$(grep '^Warning: iptables' <<<"$out")"
	ip netns exec "$RCV" iptables -t mangle -F PREROUTING
else
	skip_test "attach warns about TPROXY's mark" "no iptables-restore"
fi
ip netns exec "$RCV" nft delete table inet theirs

# --- a TCP connection: class 3 on the SYN only, then on all with connmark
PORT=5900
ip netns exec "$RCV" python3 -m http.server "$PORT" --bind 198.18.7.2 \
	>/dev/null 2>&1 &
SRV=$!
on_exit kill "$SRV"
for _ in $(seq 50); do
	ip netns exec "$RCV" ss -Htln "sport = :$PORT" | grep -q . && break
	sleep 0.1
done

# Counters, in order: packets to the server, those with class 3 in the
# mark; replies, those with class 3 in the mark, those with it in ct mark.
count_arm() {
	ip netns exec "$RCV" nft -f - <<NFT
table inet xtcount
delete table inet xtcount
table inet xtcount {
	chain pre {
		type filter hook prerouting priority 0;
		tcp dport $PORT counter
		tcp dport $PORT meta mark & 0xf00 == 0x300 counter
	}
	chain out {
		type filter hook output priority 0;
		tcp sport $PORT counter
		tcp sport $PORT meta mark & 0xf00 == 0x300 counter
		tcp sport $PORT ct mark & 0xf00 == 0x300 counter
	}
}
NFT
}
counts() {
	nft_counters "$RCV" table inet xtcount
}
fetch() {
	ip netns exec "$SND" curl -s -o /dev/null -w '%{http_code}' \
		--max-time 5 "http://198.18.7.2:$PORT/"
}

# "in in_marked out out_marked out_ctmarked" -> verdict words
shape() {
	awk '{ printf "%s %s %s %s %s", ($1 > 3 ? "in" : "few-in"),
		($2 == 1 ? "syn-only" : $2 == $1 ? "all" : "marked=" $2),
		($3 > 3 ? "out" : "few-out"),
		($4 == 0 ? "none" : $4 == $3 ? "all" : "marked=" $4),
		($5 == 0 ? "none" : $5 == $3 ? "all" : "ct=" $5) }'
}

count_arm
check "without --connmark: HTTP 200" 200 "$(fetch)"
c=$(counts)
check "without --connmark: only the SYN has class 3, no reply does ($c)" \
	"in syn-only out none none" "$(shape <<<"$c")"

xt nft "$B" --connmark | ip netns exec "$RCV" nft -f -
check "nft --connmark loads" 0 "${PIPESTATUS[1]}"
count_arm
check "with --connmark: HTTP 200" 200 "$(fetch)"
c=$(counts)
check "with --connmark: every packet and every reply carries class 3 ($c)" \
	"in all out all all" "$(shape <<<"$c")"
check "--connmark prints the iptables CONNMARK equivalents" 3 \
	"$(xt nft "$B" --connmark | grep -c 'CONNMARK --.*-mark --nfmask 0xf00 --ctmask 0xf00')"
ip netns exec "$RCV" nft delete table inet xdptag_connmark
ip netns exec "$RCV" nft delete table inet xtcount
finish
