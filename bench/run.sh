#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `make bench`: per-packet cost in BPF_PROG_TEST_RUN, then CPU cost per
# received packet through a veth pair between two namespaces, then the
# replay rate, then one summary table (docs/performance.md explains it).
#
#   BUILD=build bench/run.sh            everything, under 10 minutes
#   ROUNDS=5 SECS=1 CPU=0 PROG_ROUNDS=5 PROG_REPEAT=10000000   the defaults
#   ONLY=prog|veth                      one part only
#   SRC=xdp|skb                         veth runs of that traffic source only
#
# Raw results go to $BUILD/bench/results/; the plot data and, if gnuplot is
# installed, perf-scaling.svg too.  Every namespace made is removed on exit.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-5}
SECS=${SECS:-1}
CPU=${CPU:-0}
PROG_ROUNDS=${PROG_ROUNDS:-5}
PROG_REPEAT=${PROG_REPEAT:-10000000}
ONLY=${ONLY:-}
SRC=${SRC:-}
XB=$BUILD/bench/xt_bench
OUT=$BUILD/bench/results
# shellcheck source=../tests/lib/tap.sh
. tests/lib/tap.sh

die() { echo "Error: $*" >&2; exit 1; }
[ -x "$XB" ] || die "$XB missing: run 'make BUILD=$BUILD bench'"
[ "$(id -u)" = 0 ] || die "the bench needs root (namespaces, XDP)"
mkdir -p "$OUT"
export BUILD
# A receiver still holding its interface if we stop half-way.
APID=
# shellcheck disable=SC2016  # expanded at exit, by eval
on_exit '[ -n "$APID" ] && kill -TERM "$APID"'

# ------------------------------------------------------------------ prog --
if [ -z "$ONLY" ] || [ "$ONLY" = prog ]; then
	echo "== per-packet cost (BPF_PROG_TEST_RUN, $PROG_ROUNDS rounds x" \
	     "$PROG_REPEAT)"
	"$XB" prog "$PROG_ROUNDS" "$PROG_REPEAT" >"$OUT/prog.txt" ||
		die "prog bench failed"
fi

# ------------------------------------------------------------------ veth --
# name  receiver-mode  rules  prefixes  nft(0/1)  source(xdp/skb)
# Receiver modes attach native XDP; MODE:generic attaches generic XDP.
# Source xdp: live XDP frames (XDP_TX from the sending veth); skb: real
# skbs from an AF_PACKET socket, the path socket-sent traffic takes.
CONFIGS=(
	"none none 0 0 0 xdp"
	"null-xdp null 0 0 0 xdp"
	"xdptag xdptag 0 0 0 xdp"
	"xdptag-xdp-only xdponly 0 0 0 xdp"
	"xdptag-xdp-null-tc xdpnulltc 0 0 0 xdp"
	"nft nft 0 0 1 xdp"
	"xdptag-drop drop 0 0 0 xdp"
	"null-drop nulldrop 0 0 0 xdp"
	"skb-none none 0 0 0 skb"
	"skb-null-generic null:generic 0 0 0 skb"
	"skb-null-native null 0 0 0 skb"
	"skb-xdptag-generic xdptag:generic 0 0 0 skb"
	"skb-xdptag-native xdptag 0 0 0 skb"
	"skb-nft nft 0 0 1 skb"
)
for n in 10 1000 10000 100000; do
	CONFIGS+=("xdptag-pfx-$n xdptag 0 $n 0 xdp" "nft-pfx-$n nft 0 $n 1 xdp")
done
for n in 1 16 64; do
	CONFIGS+=("xdptag-rules-$n xdptag $n 0 0 xdp"
		  "nft-rules-$n nft $n 0 1 xdp")
done

rx_count() {
	ip netns exec "$RX" cat "/sys/class/net/$IFB/statistics/rx_packets"
}

# One 1 s run of one configuration; appends a line to $OUT/veth.txt.
veth_run() {
	local round=$1 name=$2 mode=$3 rules=$4 pfx=$5 nft=$6 src=$7
	local amode=$mode apid i rx0 rx1 gen att seen=0

	[ "$mode" = nft ] && amode=none
	if [ "$nft" = 1 ]; then
		ip netns exec "$RX" nft -f "$OUT/nft-$rules-$pfx.nft" ||
			die "nft ruleset nft-$rules-$pfx did not load"
	fi
	# The child truncates the file only once forked: no stale "ready".
	rm -f "$OUT/attach.out"
	ip netns exec "$RX" "$XB" attach "$IFB" "$amode" "$rules" "$pfx" \
		>"$OUT/attach.out" 2>&1 &
	apid=$!
	APID=$apid
	for ((i = 0; i < 300; i++)); do
		grep -qs ready "$OUT/attach.out" && break
		kill -0 "$apid" 2>/dev/null || break
		sleep 0.1
	done
	grep -qs ready "$OUT/attach.out" ||
		die "$name: receiver did not attach: $(cat "$OUT/attach.out")"
	rx0=$(rx_count)
	gen=$(ip netns exec "$TX" "$XB" gen "$IFA" "$SECS" "$CPU" "$src") ||
		die "$name: generator failed"
	rx1=$(rx_count)
	kill -TERM "$apid"
	wait "$apid"
	APID=
	att=$(grep -v ready "$OUT/attach.out" | tr '\n' ' ')
	if [ "$nft" = 1 ]; then
		seen=$(ip netns exec "$RX" nft list chain netdev xtbench in |
		       sed -n 's/.*counter packets \([0-9]*\) .*"seen".*/\1/p')
		ip netns exec "$RX" nft delete table netdev xtbench
	fi
	echo "round $round name $name src $src rx $((rx1 - rx0))" \
		"nft_seen $seen $gen $att" >>"$OUT/veth.txt"
}

if [ -z "$ONLY" ] || [ "$ONLY" = veth ]; then
	echo "== CPU per received packet through veth ($ROUNDS rotated" \
	     "rounds of ${SECS}s, CPU $CPU)"
	ns_new TX
	ns_new RX
	IFA="xb$$a"
	IFB="xb$$b"
	# No IPv6 autoconfiguration: stray packets would upset the counts.
	for ns in "$TX" "$RX"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	veth_pair "$IFA" "$TX" "$IFB" "$RX" || die "cannot make the veth pair"
	# NAPI on the receiving peer, or XDP_TX frames vanish (MEASURED.md).
	# Socket-sent skbs then take the same NAPI ring into the receiver.
	ip netns exec "$RX" "$XB" gro "$IFB" ||
		die "cannot turn GRO on"
	for c in "${CONFIGS[@]}"; do
		read -r name mode rules pfx nft src <<<"$c"
		[ "$nft" = 1 ] || continue
		f="$OUT/nft-$rules-$pfx.nft"
		"$XB" nft "$IFB" "$rules" "$pfx" >"$f" || die "nft gen"
	done
	: >"$OUT/veth.txt"
	for ((r = 0; r < ROUNDS; r++)); do
		n=${#CONFIGS[@]}
		for ((j = 0; j < n; j++)); do
			read -r name mode rules pfx nft src \
				<<<"${CONFIGS[$(((j + r * 5) % n))]}"
			[ -z "$SRC" ] || [ "$SRC" = "$src" ] || continue
			veth_run "$r" "$name" "$mode" "$rules" "$pfx" "$nft" \
				"$src"
		done
		echo "# veth round $((r + 1))/$ROUNDS" >&2
	done
fi

# ---------------------------------------------------------------- replay --
if [ -z "$ONLY" ] && [ -f bench/replay_rate.sh ]; then
	echo "== replay rate (bench/replay_rate.sh)"
	bash bench/replay_rate.sh >"$OUT/replay.txt" 2>&1 ||
		echo "# replay_rate.sh failed: see $OUT/replay.txt"
fi

/usr/bin/python3 bench/summary.py "$OUT"
status=$?	# nonzero when a count check failed
# Only a header when the scaling runs were left out (SRC=skb, ONLY=prog).
if command -v gnuplot >/dev/null && grep -qsv '^#' "$OUT/scaling.dat"; then
	gnuplot -e "datafile='$OUT/scaling.dat'; outfile='$OUT/perf-scaling.svg'" \
		bench/scaling.gp && echo "plot: $OUT/perf-scaling.svg"
fi
exit $status
