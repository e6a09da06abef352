#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag's XDP stage as one program of libxdp's dispatcher, next to
# xdp-filter from Debian's xdp-tools (docs/coexistence.md, "libxdp").
# xdp-filter denies UDP port 7777; nftables in the receiver counts UDP to
# 7777, UDP to 8888, and UDP to 8888 carrying xdptag's class 5.
# By default (--xdp-attach auto) xdptag makes a dispatcher on a bare
# interface, so that xdp-filter loaded later joins it without --force: its
# drops happen, every other packet is tagged and marked; detaching either,
# in either order, leaves the other running.  A program that writes
# metadata after xdptag's (meta_foreign, priority 250) leaves the tag
# immediately before the packet, where TC finds it.
# Kernels that refuse the dispatcher (this 6.18 host: no extension
# programs; Debian's 6.12: not xdptag's in libxdp 1.3's slots) get xdptag
# alone by default, with the reason in status, and nothing of the refused
# dispatcher left; `--xdp-attach dispatcher` fails there with the reason.
# The dispatcher cases SKIP with it.
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

# What libxdp and xdptag left: the XDP program on B, by name (the
# dispatcher's or xdptag's), and what is under the bpffs but xdptag's own
# pin root (libxdp pins its dispatchers under xdp/); "$@": find's tests
# (-type f: pins only, not the directory libxdp keeps for its lock).
on_b() {
	local id
	id=$(ip -n "$RCV" -d link show dev "$B" | grep -o 'prog/xdp.* id [0-9]*' |
	     awk '{print $NF}')
	[ -n "$id" ] && bpftool prog show id "$id" | sed -n 's/^[0-9]*: xdp *name \([^ ]*\).*/\1/p'
}
libxdp_left() {
	find /sys/fs/bpf -mindepth 1 -not -path '/sys/fs/bpf/xdptag*' \
		-not -name '*.debug' "$@" | tr '\n' ' ' | sed 's/ $//'
}
# The status line of the XDP stage, prog id blanked.
xdp_line() { xt status "$B" | sed -n 's/^  xdp     //p' | sed 's/prog [0-9]*/prog N/'; }

# What the dispatcher costs per packet: xdptag alone (on A) against
# libxdp's dispatcher running xdptag (on B), in BPF_PROG_TEST_RUN,
# interleaved, where the kernel runs it; else the estimate
# (bench/dispatcher_cost.sh; `make bench` builds xt_bench).  Printed, not
# asserted (tests/run.sh shows `# measured:` lines always):
# docs/performance.md.  A and B must be bare.
cost() {
	local xb=$PWD/$BUILD/bench/xt_bench
	[ -x "$xb" ] || return 0
	on_exit ip netns exec "$SND" "$XT" detach "$A"
	bench/dispatcher_cost.sh "$XT" "$xb" "$SND" "$A" "$RCV" "$B" |
		sed 's/^/# measured: /'
}

# 0. The default on a bare interface: the dispatcher where the kernel
# takes it, else xdptag alone with the reason.
out=$(attach 2>&1)
rc=$?
line=$(xdp_line)
case "$line" in
*"in libxdp's dispatcher") disp=1 ;;
*) disp=0 ;;
esac
why=$(sed -n "s/^native mode, prog N, alone: //p" <<<"$line")

dcases=(
	"default attach on a bare interface makes libxdp's dispatcher"
	"xdp-filter joins it later without --force: drops happen, the rest is marked"
	"detach xdptag first: xdp-filter still drops, alone in the dispatcher"
	"xdptag joins xdp-filter's dispatcher by default"
	"xdp-filter unloaded first: xdptag still marks"
	"metadata written after xdptag's tag: marks still written"
	"detach the last one: no XDP program, no libxdp pins left"
	"attach --force on xdptag in a dispatcher: replaced in it, xdp-filter stays"
	"--xdp-attach direct: xdptag alone on the hook"
	"--xdp-attach dispatcher on a bare interface makes a dispatcher"
	"status lists xdp-filter in the dispatcher, before xdptag's XDP"
)
acases=(
	"default attach where the kernel refuses the dispatcher: alone, status says why"
	"alone: nothing of the refused dispatcher left"
	"alone: marks written"
	"--xdp-attach dispatcher: one-line reason, the interface as it was"
)

if [ "$disp" = 0 ]; then
	for c in "${dcases[@]}"; do
		skip_test "$c" "kernel $(uname -r): ${why:-$line}"
	done
	# This host refuses extension programs; 6.12 refuses xdptag's in
	# libxdp 1.3's slots.  Either way the reason reaches status.
	check "${acases[0]}" "0 1 xdptag_xdp yes" \
		"$rc $(grep -c "^Attached xdptag to $B: XDP in native mode (prog [0-9]*, alone: this kernel refuses .*), TC" <<<"$out") $(on_b) $(grep -q '^this kernel refuses .*(.*)$' <<<"$why" && echo yes)"
	echo "# $line"
	check "${acases[1]}" "" "$(libxdp_left)"
	check "${acases[2]}" "$N $N $N" "$(counts)"
	xt detach "$B" >/dev/null
	# (the nft rule above uses mark bits: attach warns, not our point)
	out=$(attach --xdp-attach dispatcher 2>&1 >/dev/null |
	      grep -v '^Warning: nftables'; exit "${PIPESTATUS[0]}")
	rc=$?
	check "${acases[3]}" "1 1 1 0 " \
		"$rc $(wc -l <<<"$out") $(grep -c "^Error: $B: this kernel refuses .*; --xdp-attach direct attaches xdptag alone$" <<<"$out") $(ls /sys/fs/bpf/xdptag | grep -c "$B") $(on_b)$(libxdp_left)"
	echo "$out" | sed 's/^/# /'
	cost
	finish
fi
for c in "${acases[@]}"; do
	skip_test "$c" "kernel $(uname -r) runs libxdp's dispatcher"
done

# 1. The default made a dispatcher with xdptag in it; xdp-filter joins
# it without --force.
check "${dcases[0]}" "0 xdp_dispatcher xdptag_xdp in libxdp's dispatcher" \
	"$rc $(on_b) $(progs) ${line#native mode, prog N, }"
rcv xdp-filter load "$B" >/dev/null 2>&1 || not_ok "xdp-filter load"
rcv xdp-filter port 7777 --proto udp >/dev/null 2>&1 ||
	not_ok "xdp-filter port"
check "${dcases[1]}" "0 $N $N xdpfilt_alw_all xdptag_xdp" "$(counts) $(progs)"
# The others: xdp-filter's program, not the dispatcher, nor xdptag's.
others=$(xt status "$B" | sed -n '/^  others/,/^  bridge/p' | grep ' xdp ')
check "${dcases[10]}" "1 0" \
	"$(grep -Ec "^ +xdp native prog [0-9]+ xdpfilt_alw_all in libxdp's dispatcher, priority [0-9]+ \(before xdptag's XDP\): runs before xdptag's TC stage$" <<<"$others") $(grep -c 'xdp_dispatcher\|xdptag_xdp' <<<"$others")"
echo "$others" | sed 's/^/# /'

# 2. Detach xdptag first: only its program goes.
xt detach "$B" >/dev/null
check "${dcases[2]}" "0 $N 0 xdpfilt_alw_all" "$(counts) $(progs)"

# 3. Back in: it joins the dispatcher xdp-filter has now.
out=$(attach 2>&1)
check "${dcases[3]}" "1 0 $N $N xdpfilt_alw_all xdptag_xdp" \
	"$(grep -c "in libxdp's dispatcher" <<<"$out") $(counts) $(progs)"

# 4. --force over xdptag in the dispatcher: the new xdptag replaces the
# old one in it; the dispatcher and xdp-filter stay.
old=$(xt status "$B" | sed -n 's/^  xdp .* prog \([0-9]*\).*/\1/p')
out=$(attach --force 2>&1)
rc=$?
new=$(xt status "$B" | sed -n 's/^  xdp .* prog \([0-9]*\).*/\1/p')
check "${dcases[7]}" "0 yes 0 $N $N xdpfilt_alw_all xdptag_xdp" \
	"$rc $([ "$new" != "$old" ] && echo yes) $(counts) $(progs)"
echo "$out" | sed 's/^/# /'

# 5. xdp-filter goes first: xdptag keeps marking.
rcv xdp-filter unload "$B" >/dev/null 2>&1 || not_ok "xdp-filter unload"
check "${dcases[4]}" "$N $N $N xdptag_xdp" "$(counts) $(progs)"

# 6. Another program after xdptag grows the metadata area in front of the
# tag: the tag stays immediately before the packet.
rcv xdp-loader load -P 250 -n meta_foreign "$B" "$META" >/dev/null 2>&1 ||
	not_ok "xdp-loader load meta_foreign"
check "${dcases[5]}" "$N $N $N xdptag_xdp meta_foreign" "$(counts) $(progs)"
id=$(rcv xdp-loader status "$B" | awk '$3 == "meta_foreign" { print $4 }')
rcv xdp-loader unload "$B" -i "$id" >/dev/null 2>&1 ||
	not_ok "xdp-loader unload meta_foreign ($id)"

# 7. Last program out: no dispatcher is left behind, nor its pins.
xt detach "$B" >/dev/null
check "${dcases[6]}" "" "$(on_b)$(libxdp_left -type f)"

# 8. Alone when asked.
out=$(attach --xdp-attach direct 2>&1)
check "${dcases[8]}" "xdptag_xdp native mode, prog N $N $N $N" \
	"$(on_b) $(xdp_line) $(counts)"
xt detach "$B" >/dev/null

# 9. The dispatcher when asked.
out=$(attach --xdp-attach dispatcher 2>&1)
check "${dcases[9]}" "1 xdptag_xdp $N $N $N" \
	"$(grep -c "in libxdp's dispatcher" <<<"$out") $(progs) $(counts)"
xt detach "$B" >/dev/null

cost
finish
