#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `xdptag service start|reload|stop`, what xdptag@IFACE.service runs, on a
# veth pair: stop with nothing attached succeeds; start attaches with
# $XDPTAG_CONFIG_DIR/IFACE.yaml; start again keeps the attachment; reload
# with a changed file changes the marks (nft counters exact); a bad file is
# refused with the checker's message and the old rules keep marking; start
# after the XDP program vanished behind xdptag's back attaches afresh;
# stop detaches; without a file the built-in ruleset is used.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

e2e_need "service" nft
lab_pair
CONF=$(mktemp -d)
on_exit rm -rf "$CONF"
export XDPTAG_CONFIG_DIR=$CONF
OUT=$(mktemp)
on_exit rm -f "$OUT"
xs() { ip netns exec "$RCV" "$XT" service "$@"; }

mark_counters 1 2
counters() { mark_count 1 2; }
dns() {
	ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC" \
		2>/dev/null <<PKT
$1 IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=40000, dport=53)/Raw(b"q")
PKT
}

xs stop "$B" >"$OUT" 2>&1
check "stop with nothing attached: status 0" 0 $?
check "... and says so" "$B: xdptag is not attached; nothing to detach" \
	"$(cat "$OUT")"

cp tests/e2e/rules/classes.yaml "$CONF/$B.yaml"
xs start "$B" --mode generic >"$OUT" 2>&1
check "start attaches with CONFIG_DIR/IFACE.yaml" "0 1" \
	"$? $(grep -c "^Attached xdptag to $B: XDP in generic mode" "$OUT")"
check "status names the file" "$CONF/$B.yaml" \
	"$(ip netns exec "$RCV" "$XT" status "$B" |
	   sed -n 's/^  rules   \(.*\) (.*/\1/p')"
check "5 DNS frames sent" 5 "$(dns 5)"
check "marked class 2 (dns)" "0 5" "$(counters)"

xs start "$B" >"$OUT" 2>&1
check "start on an intact attachment keeps it and reloads" \
	"0|$B: xdptag is already attached; keeping it|$B: loaded $CONF/$B.yaml, 4 rules" \
	"$?|$(paste -sd'|' "$OUT")"
# Its options still count: a bad one is an error, one that the attachment
# does not have is named.
prog=$(ip -n "$RCV" -d link show "$B" | grep -o 'prog/xdp id [0-9]*')
xs start "$B" --mode turbo >"$OUT" 2>&1
check "start on an intact attachment, a bad option: status 2, one line" \
	"2 1" "$? $(wc -l <"$OUT")"
xs start "$B" --mode native --mark-mask 0xff00 >"$OUT" 2>&1
check "... options it was not attached with: kept, and named" \
	"0|$B: xdptag is already attached; keeping it|Warning: $B: kept as attached, not as its --mode, --mark-mask say (a stop detaches; the next start attaches with them)|$B: loaded $CONF/$B.yaml, 4 rules" \
	"$?|$(paste -sd'|' "$OUT")"
check "... the XDP program is the same" "$prog" \
	"$(ip -n "$RCV" -d link show "$B" | grep -o 'prog/xdp id [0-9]*')"

# dns-query now belongs to class 1 (web).
sed 's/^    class: dns$/    class: web/' tests/e2e/rules/classes.yaml \
	>"$CONF/$B.yaml"
xs reload "$B" >"$OUT" 2>&1
check "reload loads the changed file" \
	"0 $B: loaded $CONF/$B.yaml, 4 rules" "$? $(cat "$OUT")"
check "4 DNS frames sent" 4 "$(dns 4)"
check "after the reload they are marked class 1" "4 5" "$(counters)"

printf 'rules:\n  - name: broken\n    weight: 10\n' >"$CONF/$B.yaml"
xs reload "$B" >"$OUT" 2>&1
rc=$?
check "a bad file fails the reload with status 2" 2 "$rc"
check "... with the checker's message and the file named" \
	"1 1" "$(grep -c "^$CONF/$B.yaml:.*class" "$OUT") $(grep -c "^Error: invalid rules file '$CONF/$B.yaml'" "$OUT")"
check "3 DNS frames sent" 3 "$(dns 3)"
check "the old rules keep marking" "7 5" "$(counters)"

# The XDP program removed behind xdptag's back: the pins are stale.
ip -n "$RCV" link set dev "$B" xdpgeneric off
rm "$CONF/$B.yaml"
xs start "$B" --mode generic >"$OUT" 2>&1
check "start over stale pins attaches afresh with the built-in rules" \
	"0 1" "$? $(grep -c "^Attached xdptag to $B" "$OUT")"
check "status: default rules" "default" \
	"$(ip netns exec "$RCV" "$XT" status "$B" |
	   sed -n 's/^  rules   \([a-z]*\) .*/\1/p')"

xs stop "$B" >"$OUT" 2>&1
check "stop detaches" "0 Detached xdptag from $B" "$? $(cat "$OUT")"
check "no XDP program left" "" \
	"$(ip -n "$RCV" link show "$B" | grep -o 'xdp[a-z]*')"
check "no TC filter left" "" \
	"$(ip netns exec "$RCV" tc filter show dev "$B" ingress)"
xs reload "$B" >"$OUT" 2>&1
check "reload with nothing attached: status 3" 3 $?
xs frobnicate "$B" >"$OUT" 2>&1
check "unknown action: status 2, one line" "2 1" "$? $(wc -l <"$OUT")"
finish
