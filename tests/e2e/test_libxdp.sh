#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag's XDP stage as one program of libxdp's dispatcher, next to
# xdp-filter from Debian's xdp-tools (docs/coexistence.md, "libxdp").
# xdp-filter denies UDP port 7777; nftables in the receiver counts UDP to
# 7777, UDP to 8888, and UDP to 8888 carrying xdptag's class 5.  xdptag
# joins the dispatcher xdp-filter made; its drops still happen, every other
# packet is tagged and marked; detaching either leaves the other running.
# A program that writes metadata after xdptag's (meta_foreign, priority
# 250) leaves the tag immediately before the packet, where TC finds it.
# Kernels that refuse the dispatcher (libxdp falls back to one program)
# SKIP every case with libxdp's reason.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
META=$PWD/$BUILD/tests/bpf/meta_writer.bpf.o
N=5

e2e_need "libxdp e2e" "$META" xdp-filter xdp-loader nsenter nft jq
lab_pair
lab_ip4 10.199.0

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
cat >"$TMP/rules.yaml" <<'YAML'
classes:
  - { id: 5, name: udp }
rules:
  - name: udp
    class: udp
    weight: 40
    match:
      proto: udp
YAML

xt() { ip netns exec "$RCV" "$XT" "$@"; }
attach() { xt attach "$B" --rules "$TMP/rules.yaml" "$@"; }
# xdp-tools in the receiver, in this test's mount namespace: `ip netns
# exec` would hide its bpffs, and xdp-tools do not look for another.
rcv() { nsenter --net=/run/netns/"$RCV" "$@"; }
on_exit rcv xdp-filter unload "$B"
on_exit rcv xdp-loader unload "$B" --all

nft_arm() {
	ip netns exec "$RCV" nft -f - <<'NFT'
flush ruleset
table ip xtl {
	chain pre {
		type filter hook prerouting priority -300;
		udp dport 7777 counter
		udp dport 8888 counter
		udp dport 8888 meta mark & 0xff == 5 counter
	}
}
NFT
}

# "to7777 to8888 to8888-class5" of N datagrams to each port.
counts() {
	local sent
	nft_arm
	sent=$(printf '%s\n' \
		"$N IP(src='10.199.0.1', dst='10.199.0.2')/UDP(sport=4000, dport=7777)" \
		"$N IP(src='10.199.0.1', dst='10.199.0.2')/UDP(sport=4000, dport=8888)" |
	       ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC")
	[ "$sent" = $((2 * N)) ] || echo "# scapy sent '$sent'" >&2
	nft_counters "$RCV" chain ip xtl pre
}

# Programs in the dispatcher of B, by name, in run order.
progs() {
	rcv xdp-loader status "$B" 2>/dev/null |
	awk '$1 ~ /=>/ { print $3 }' | tr '\n' ' ' | sed 's/ $//'
}

cases=(
	"xdp-filter denies 7777; xdptag joins its dispatcher"
	"xdptag and xdp-filter: drops happen, the rest is marked"
	"status says the XDP stage is in libxdp's dispatcher"
	"detach xdptag: xdp-filter still drops, alone in the dispatcher"
	"xdptag back, then xdp-filter unloaded: xdptag still marks"
	"metadata written after xdptag's tag: marks still written"
	"detach the last one: no XDP program left"
	"--xdp-multiprog on a bare interface makes a dispatcher"
)

# Can this kernel run the dispatcher at all?  libxdp says why not.
out=$(attach --xdp-multiprog 2>&1)
if grep -q "refuses libxdp's dispatcher" <<<"$out"; then
	why=$(grep -o "refuses libxdp's dispatcher ([^)]*)" <<<"$out" | head -n 1)
	for c in "${cases[@]}"; do
		skip_test "$c" "kernel $(uname -r) $why"
	done
	check "nothing left after the refused dispatcher" "" \
		"$(ip -n "$RCV" link show dev "$B" | grep -o 'prog/xdp')"
	finish
fi
xt detach "$B" >/dev/null

# 1. xdp-filter first, with its dispatcher; xdptag joins by default.
rcv xdp-filter load "$B" >/dev/null 2>&1 || not_ok "xdp-filter load"
rcv xdp-filter port 7777 --proto udp >/dev/null 2>&1 ||
	not_ok "xdp-filter port"
out=$(attach 2>&1)
check "${cases[0]}" "1 xdpfilt_alw_all xdptag_xdp" \
	"$(grep -c "in libxdp's dispatcher" <<<"$out") $(progs)"
[ "$(progs)" = "xdpfilt_alw_all xdptag_xdp" ] || echo "$out" | sed 's/^/# /'
check "${cases[1]}" "0 $N $N" "$(counts)"
check "${cases[2]}" 1 \
	"$(xt status "$B" | grep -Ec "^  xdp     native mode, prog [0-9]+, in libxdp's dispatcher$")"

# 2. Detach xdptag: only its program goes.
xt detach "$B" >/dev/null
check "${cases[3]}" "0 $N 0 xdpfilt_alw_all" "$(counts) $(progs)"

# 3. Back in, then xdp-filter goes: xdptag keeps marking.
attach >/dev/null 2>&1
rcv xdp-filter unload "$B" >/dev/null 2>&1 || not_ok "xdp-filter unload"
check "${cases[4]}" "$N $N $N xdptag_xdp" "$(counts) $(progs)"

# 4. Another program after xdptag grows the metadata area in front of the
# tag: the tag stays immediately before the packet.
rcv xdp-loader load -P 250 -n meta_foreign "$B" "$META" >/dev/null 2>&1 ||
	not_ok "xdp-loader load meta_foreign"
check "${cases[5]}" "$N $N $N xdptag_xdp meta_foreign" "$(counts) $(progs)"
id=$(rcv xdp-loader status "$B" | awk '$3 == "meta_foreign" { print $4 }')
rcv xdp-loader unload "$B" -i "$id" >/dev/null 2>&1 ||
	not_ok "xdp-loader unload meta_foreign ($id)"

# 5. Last program out: no dispatcher is left behind.
xt detach "$B" >/dev/null
check "${cases[6]}" "" "$(ip -n "$RCV" link show dev "$B" | grep -o 'prog/xdp')"

# 6. Asked for on a bare interface.
out=$(attach --xdp-multiprog 2>&1)
check "${cases[7]}" "1 xdptag_xdp $N $N $N" \
	"$(grep -c "in libxdp's dispatcher" <<<"$out") $(progs) $(counts)"
xt detach "$B" >/dev/null

# 7. What the dispatcher costs per packet: xdptag alone (on A) against
# libxdp's dispatcher running xdptag (on B), both with the built-in rules,
# in BPF_PROG_TEST_RUN on the bench frame, interleaved (bench/xt_bench.c,
# `make bench` builds it).  Printed, not asserted: docs/coexistence.md.
XB=$PWD/$BUILD/bench/xt_bench
if [ -x "$XB" ]; then
	on_exit ip netns exec "$SND" "$XT" detach "$A"
	ip netns exec "$SND" "$XT" attach "$A" >/dev/null 2>&1
	xt attach "$B" --xdp-multiprog >/dev/null 2>&1
	alone=$(ip netns exec "$SND" "$XT" status "$A" |
		sed -n 's/^  xdp .* prog \([0-9]*\).*/\1/p')
	disp=$(ip -n "$RCV" -d link show dev "$B" |
	       grep -o 'prog/xdp.* id [0-9]*' | awk '{print $NF}')
	"$XB" ids 21 200000 "$alone" "$disp" | sed 's/^/# dispatcher cost: /'
	ip netns exec "$SND" "$XT" detach "$A" >/dev/null
	xt detach "$B" >/dev/null
fi
finish
