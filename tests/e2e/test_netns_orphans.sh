#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Interfaces in two network namespaces with the same ifindex, both
# attached.  Clearing xdptag's orphans on one (its pins lost, then
# `detach`) must leave the other's TC stage attached and marking: an
# ifindex names a device only within its namespace, and the kernel's list
# of tcx links spans them all.  Before the fix, the second namespace's
# detach took the first one's tcx link too (seen as a flake: "XDP tagged
# 7, TC found 0" when tests ran side by side).  If xdptag's TC stage does
# go missing, `status` says so.
set -u
# classes.yaml: UDP to port 53 is class 2 (dns).
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
TCX=$PWD/$BUILD/tests/tools/tcx_attach

e2e_need "orphans across namespaces" "$TCX" nft bpftool jq
lab_pair
{ ns_new S2 && ns_new R2; } || { not_ok "second pair's namespaces"; finish; }
A2=${XT_ID}s2 B2=${XT_ID}r2
veth_pair "$A2" "$S2" "$B2" "$R2" || { not_ok "second veth pair"; finish; }
on_exit ip netns exec "$R2" "$XT" detach "$B2"
B2MAC=$(ip -n "$R2" -br link show "$B2" | awk '{print $3}')

if ! "$TCX" "$RCV" "$B" probe; then
	skip_test "orphans across namespaces" \
		"kernel $(uname -r) has no tcx (6.6+); cls_bpf filters are found per namespace"
	finish
fi
i1=$(ip netns exec "$RCV" cat "/sys/class/net/$B/ifindex")
i2=$(ip netns exec "$R2" cat "/sys/class/net/$B2/ifindex")
if [ "$i1" != "$i2" ]; then
	skip_test "orphans across namespaces" "ifindex $i1 and $i2 differ"
	finish
fi

ip netns exec "$RCV" nft -f - <<'NFT'
table ip xto {
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		meta mark and 0xff == 2 counter
	}
}
NFT
# dns_marked: send 4 DNS queries to B, print how many nft saw marked.
sent_total=0
dns_marked() {
	local n
	n=$(ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC" \
		2>/dev/null <<'PKT'
4 IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=40000, dport=53)/Raw(b"q")
PKT
)
	sent_total=$((sent_total + n))
	nft_counters "$RCV" chain ip xto pre
}

ip netns exec "$RCV" "$XT" attach "$B" --rules "$PWD/tests/e2e/rules/classes.yaml" >/dev/null 2>&1
check "first namespace: attached, marks written" 4 "$(dns_marked)"
ip netns exec "$R2" "$XT" attach "$B2" >/dev/null 2>&1
check "second namespace: attached through tcx" 1 \
	"$("$TCX" "$R2" "$B2" count xdptag_tc)"

# The second interface's pins are lost while its tcx link lives on (held
# elsewhere, as an attach still running or killed mid-way holds it); its
# detach clears the orphans.
KEEP=/sys/fs/bpf/xtkeep$$
on_exit rm -f "$KEEP"
mv "/sys/fs/bpf/xdptag/$B2/tc_link" "$KEEP"
rm -rf "/sys/fs/bpf/xdptag/$B2"
out=$(ip netns exec "$R2" "$XT" detach "$B2" 2>&1)
check "second namespace: orphans cleared" "0 0" \
	"$? $("$TCX" "$R2" "$B2" count xdptag_tc)"
[ -n "$out" ] && echo "$out" | sed 's/^/# /'

check "first namespace: TC stage still attached" 1 \
	"$("$TCX" "$RCV" "$B" count xdptag_tc)"
check "first namespace: still marked" 8 "$(dns_marked)"
check "first namespace: status healthy" 1 \
	"$(ip netns exec "$RCV" "$XT" status "$B" | grep -c '^  health  ok')"

# Someone else removes the first interface's TC stage: status names it.
link=$(bpftool -j link show pinned "/sys/fs/bpf/xdptag/$B/tc_link" |
	jq -r .id)
bpftool link detach id "$link"
out=$(ip netns exec "$RCV" "$XT" status "$B")
check "status: the TC stage gone is named" 1 \
	"$(grep -c "^  health  xdptag's TC stage is no longer on the interface's ingress hooks" <<<"$out")"
check "status: the mend names the interface" 1 \
	"$(grep -c "packets are not marked: 'xdptag attach $B --force' attaches it again\$" <<<"$out")"
finish
