#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `make bench`: per-packet cost in BPF_PROG_TEST_RUN, beside the peer
# (xdp-tools' xdp-filter) and alone, then CPU cost per received packet
# through a veth pair between two namespaces, then the replay and capture
# rates, then one summary table (docs/performance.md explains it).
#
#   BUILD=build bench/run.sh            everything, about 14 minutes
#   ROUNDS=5 SECS=1 CPU=0 PROG_ROUNDS=5 PROG_REPEAT=10000000   the defaults
#   PEER_ROUNDS=11 PEER_REPEAT=1000000  the peer tier's
#   XT_VARIANTS="no-pfx ..."            the variant builds the peer tier
#                                       measures too (make bench: all)
#   XT_VARIANTS_STATELESS=1             the variants with the default rules
#                                       less their stateful rules, to
#                                       compare with xdptag-stateless
#   XT_PEER_SMALL=1                     the peer tier without its
#                                       100,000-entry rows
#   XT_PEER_RULES="a.yaml ..."          rulesets the peer tier and the
#                                       icount part measure xdptag with
#                                       too (one row each)
#   XT_TC_VARIANTS="cls-call"           the TC stage's variant builds the tc
#                                       tier measures too (make bench: all)
#   ICOUNT_ROUNDS=3 ICOUNT_REPEAT=20000 the icount part's
#   XT_ICOUNT_KERNEL=6.12               its guest kernel (tests/vm/run.sh's
#                                       XT_VM_KERNEL, whose icount default
#                                       is 6.12)
#   ONLY=peer|icount|prog|tc|dispatcher|veth   one part only
#   SRC=xdp|skb                         veth runs of that traffic source only
#   NAMES="none null-drop"              veth runs of those configurations only
#   RX_STACK=rst|noroute|otherhost      what the receiving host does with
#                                       the SYNs (below; rst is the default)
#   GEN_BATCH=64                        frames per live-frames batch (1-256)
#   XT_BENCH_OUT=dir                    raw results there, not in
#                                       $BUILD/bench/results (the suite's
#                                       tests/prog/test_bench.sh)
#   REPLY_SINK=nulldrop                 `xt_bench attach` mode on the sending
#                                       veth for RX_STACK=rst replies
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
PEER_ROUNDS=${PEER_ROUNDS:-11}
PEER_REPEAT=${PEER_REPEAT:-1000000}
ICOUNT_ROUNDS=${ICOUNT_ROUNDS:-3}
ICOUNT_REPEAT=${ICOUNT_REPEAT:-20000}
ONLY=${ONLY:-}
SRC=${SRC:-}
NAMES=${NAMES:-}
RX_STACK=${RX_STACK:-rst}
GEN_BATCH=${GEN_BATCH:-64}
XB=$BUILD/bench/xt_bench
OUT=${XT_BENCH_OUT:-$BUILD/bench/results}
# shellcheck source=../tests/lib/tap.sh
. tests/lib/tap.sh

die() { echo "Error: $*" >&2; exit 1; }
[ -x "$XB" ] || die "$XB missing: run 'make BUILD=$BUILD bench'"
# `make all` rebuilds the shipped objects, not the bench's: a variant or
# xt_bench (which holds the XDP skeleton) older than a file it was built
# from (its .d) would load another struct xt_ruleset and measure nothing
# true.
fresh() {
	local o=$1 f

	[ -f "$o" ] || die "$o missing: run 'make BUILD=$BUILD bench'"
	[ -f "${o%.o}.d" ] || return 0
	# Words, not lines: a line of a .d holds several files.
	# shellcheck disable=SC2013
	for f in $(sed -e 's/^[^:]*:$//' -e 's/^[^:]*://' -e 's/\\$//' \
		   "${o%.o}.d"); do
		if [ -f "$f" ] && [ "$f" -nt "$o" ]; then
			die "$o is older than $f: run 'make BUILD=$BUILD bench'"
		fi
	done
}
fresh "$XB"
for v in ${XT_VARIANTS:-}; do
	fresh "$BUILD/bench/bpf/xdptag-$v.bpf.o"
done
for v in ${XT_TC_VARIANTS:-}; do
	fresh "$BUILD/bench/bpf/xdptag_tc-$v.bpf.o"
done
[ "$(id -u)" = 0 ] || die "the bench needs root (namespaces, XDP)"
mkdir -p "$OUT"
# Only this run's parts in the summary, never an earlier run's.
rm -f "$OUT"/peer.txt "$OUT"/prog.txt "$OUT"/tc.txt "$OUT"/dispatcher.txt \
	"$OUT"/veth.txt "$OUT"/icount.txt "$OUT"/icount.err \
	"$OUT"/replay.txt \
	"$OUT"/capture.txt "$OUT"/scaling.dat
export BUILD
# The CPU and how the kernel makes it pay for calls and returns: every
# ratio below moves with them (docs/performance.md, "The machine"); and
# for system calls (meltdown's PTI), which replay pays once a frame.
{
	# Family and model too: "AMD EPYC" is more than one CPU, and two of
	# them pay for calls very differently (docs/performance.md, "A second
	# CPU", "A third CPU").
	cpuinfo() { sed -n "s/^$1[[:space:]]*: //p" /proc/cpuinfo | head -n 1; }
	echo "cpu $(cpuinfo 'model name'), family $(cpuinfo 'cpu family')" \
	     "model $(cpuinfo model), $(nproc) CPUs"
	echo "kernel $(uname -r)"
	for v in spectre_v2 spec_rstack_overflow retbleed \
		 indirect_target_selection meltdown; do
		f=/sys/devices/system/cpu/vulnerabilities/$v
		[ -r "$f" ] && echo "$v $(cat "$f")"
	done
} >"$OUT/machine.txt"
# A receiver (APID) or the reply sink (SPID) still holding its interface
# if we stop half-way.
APID=
SPID=
# shellcheck disable=SC2016  # expanded at exit, by eval
on_exit '[ -n "$APID" ] && kill -TERM "$APID"'
: "$APID"	# read by the exit handler only
# shellcheck disable=SC2016
on_exit '[ -n "$SPID" ] && kill -TERM "$SPID"'

# ------------------------------------------------------------------ peer --
if [ -z "$ONLY" ] || [ "$ONLY" = peer ]; then
	echo "== per-packet cost beside xdp-filter (BPF_PROG_TEST_RUN," \
	     "$PEER_ROUNDS rounds x $PEER_REPEAT; variants: ${XT_VARIANTS:-none})"
	XT_VARIANTS=${XT_VARIANTS:-} "$XB" peer "$PEER_ROUNDS" "$PEER_REPEAT" \
		>"$OUT/peer.txt" || die "peer bench failed"
fi

# ---------------------------------------------------------------- icount --
# The peer tier once more, in a qemu guest whose clock counts instructions
# (tests/vm/run.sh XT_VM_ICOUNT): each "ns" of its lines is one instruction
# of the program's JIT image and the test-run loop, per frame, the same on
# any host and under any load.  Three rounds, for their median: the count
# of a round also holds what the guest's kernel ran in between (a timer
# tick is about one instruction a run; once in a while a kworker's turn
# adds tens).  Small tables only: the 100,000-entry rows of every variant
# would not fit the guest's memory.  What a CPU makes of those instructions
# (its calls and returns above all) is what the timed tier shows.
if [ -z "$ONLY" ] || [ "$ONLY" = icount ]; then
	echo "== instructions per packet beside xdp-filter (qemu icount," \
	     "$ICOUNT_ROUNDS rounds x $ICOUNT_REPEAT; variants: ${XT_VARIANTS:-none})"
	# Not the timed figures: without the guest's kernel package (apt's
	# lists, the network) or qemu, the bench goes on without this part.
	# The peer tier's knobs reach xt_bench in the guest as on the host
	# (XT_PEER_LINES: bench/trace.sh's line maps).
	guest="XT_PEER_SMALL=1 XT_VARIANTS='${XT_VARIANTS:-}'"
	guest+=" XT_PEER_RULES='${XT_PEER_RULES:-}'"
	guest+="${XT_PEER_LINES:+ XT_PEER_LINES=1}"
	if ! XT_VM_ICOUNT=1 XT_VM_MEM=3G XT_VM_TIMEOUT=${XT_VM_TIMEOUT:-900} \
		XT_VM_KERNEL=${XT_ICOUNT_KERNEL:-${XT_VM_KERNEL:-}} \
		XT_VM_RUN="$guest $XB peer $ICOUNT_ROUNDS $ICOUNT_REPEAT" \
		tests/vm/run.sh >"$OUT/icount.txt" 2>"$OUT/icount.err"; then
		echo "   skipped: $(tail -n 1 "$OUT/icount.err")"
		rm -f "$OUT/icount.txt"
	fi
fi

# ------------------------------------------------------------------ prog --
if [ -z "$ONLY" ] || [ "$ONLY" = prog ]; then
	echo "== per-packet cost (BPF_PROG_TEST_RUN, $PROG_ROUNDS rounds x" \
	     "$PROG_REPEAT)"
	"$XB" prog "$PROG_ROUNDS" "$PROG_REPEAT" >"$OUT/prog.txt" ||
		die "prog bench failed"
fi

# -------------------------------------------------------------------- tc --
# The TC stage classifying (the tc bridge mode), beside a null TC program
# and its meta mode, with the peer tier's rounds and repeat.
if [ -z "$ONLY" ] || [ "$ONLY" = tc ]; then
	echo "== per-packet cost of the TC stage classifying (BPF_PROG_TEST_RUN," \
	     "$PEER_ROUNDS rounds x $PEER_REPEAT; variants: ${XT_TC_VARIANTS:-none})"
	XT_TC_VARIANTS=${XT_TC_VARIANTS:-} "$XB" tc "$PEER_ROUNDS" \
		"$PEER_REPEAT" >"$OUT/tc.txt" || die "tc bench failed"
fi

# ------------------------------------------------------------ dispatcher --
# xdptag in libxdp's dispatcher against xdptag alone: measured where the
# kernel runs the dispatcher, estimated where it refuses it (the line says
# which; bench/dispatcher_cost.sh).
if [ -z "$ONLY" ] || [ "$ONLY" = dispatcher ]; then
	echo "== per-packet cost of libxdp's dispatcher (BPF_PROG_TEST_RUN," \
	     "$PEER_ROUNDS rounds x $PEER_REPEAT)"
	ns_new DA
	DAA="xd$$a"
	DAB="xd$$b"
	veth_pair "$DAA" "$DA" "$DAB" "$DA" || die "cannot make the veth pair"
	on_exit ip netns exec "$DA" "$XT" detach "$DAA"
	on_exit ip netns exec "$DA" "$XT" detach "$DAB"
	bench/dispatcher_cost.sh "$XT" "$XB" "$DA" "$DAA" "$DA" "$DAB" \
		"$PEER_ROUNDS" "$PEER_REPEAT" >"$OUT/dispatcher.txt"
	grep -q '^dispatcher ' "$OUT/dispatcher.txt" ||
		die "dispatcher bench failed"
fi

# ------------------------------------------------------------------ veth --
# name  receiver-mode  rules  prefixes  nft(0/1)  source(xdp/skb)  to
# Receiver modes attach native XDP; MODE:generic attaches generic XDP.
# Source xdp: live XDP frames (XDP_TX from the sending veth); skb: real
# skbs from an AF_PACKET socket, the path socket-sent traffic takes.
# To: host, frames addressed to the receiving host (RX_STACK below); other,
# addressed to another MAC, so the stack drops them at once.  The scaling
# runs compare added costs of a few hundred ns, which the RST path's 2 us
# and its noise would drown: they use "other", with their own baseline.
CONFIGS=(
	"none none 0 0 0 xdp host"
	"null-xdp null 0 0 0 xdp host"
	"xdptag xdptag 0 0 0 xdp host"
	"xdptag-xdp-only xdponly 0 0 0 xdp host"
	"xdptag-xdp-null-tc xdpnulltc 0 0 0 xdp host"
	"nft nft 0 0 1 xdp host"
	"xdptag-drop drop 0 0 0 xdp host"
	"null-drop nulldrop 0 0 0 xdp host"
	"skb-none none 0 0 0 skb host"
	"skb-null-generic null:generic 0 0 0 skb host"
	"skb-null-native null 0 0 0 skb host"
	"skb-xdptag-generic xdptag:generic 0 0 0 skb host"
	"skb-xdptag-native xdptag 0 0 0 skb host"
	"skb-nft nft 0 0 1 skb host"
	"none-other none 0 0 0 xdp other"
)
for n in 10 1000 10000 100000; do
	CONFIGS+=("xdptag-pfx-$n xdptag 0 $n 0 xdp other"
		  "nft-pfx-$n nft 0 $n 1 xdp other")
done
for n in 1 16 64; do
	CONFIGS+=("xdptag-rules-$n xdptag $n 0 0 xdp other"
		  "nft-rules-$n nft $n 0 1 xdp other")
done

# rx_count rx|tx: packets the receiving veth received or sent.
rx_count() {
	ip netns exec "$RX" cat "/sys/class/net/$IFB/statistics/${1}_packets"
}

# attach_start NS OUTFILE IFNAME MODE [RULES PREFIXES]: an `xt_bench
# attach` in NS, once it says ready; its PID in ATT_PID.
attach_start() {
	local ns=$1 out=$2 i

	shift 2
	# The child truncates the file only once forked: no stale "ready".
	rm -f "$out"
	ip netns exec "$ns" "$XB" attach "$@" >"$out" 2>&1 &
	ATT_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -qs ready "$out" && break
		kill -0 "$ATT_PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -qs ready "$out"
}

# One 1 s run of one configuration; appends a line to $OUT/veth.txt.
veth_run() {
	local round=$1 name=$2 mode=$3 rules=$4 pfx=$5 nft=$6 src=$7 to=$8
	local amode=$mode apid rx0 rx1 tx0 tx1 gen att seen=0

	[ "$mode" = nft ] && amode=none
	[ "$RX_STACK" = otherhost ] && to=other
	if [ "$nft" = 1 ]; then
		ip netns exec "$RX" nft -f "$OUT/nft-$rules-$pfx.nft" ||
			die "nft ruleset nft-$rules-$pfx did not load"
	fi
	attach_start "$RX" "$OUT/attach.out" "$IFB" "$amode" "$rules" "$pfx"
	apid=$ATT_PID
	APID=$apid
	grep -qs ready "$OUT/attach.out" ||
		die "$name: receiver did not attach: $(cat "$OUT/attach.out")"
	rx0=$(rx_count rx)
	tx0=$(rx_count tx)
	gen=$(ip netns exec "$TX" "$XB" gen "$IFA" "$SECS" "$CPU" "$src" \
		"$GEN_BATCH" "$to") || die "$name: generator failed"
	rx1=$(rx_count rx)
	tx1=$(rx_count tx)
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
		"replies $((tx1 - tx0)) rx_stack $RX_STACK to $to" \
		"nft_seen $seen" \
		"$gen $att" >>"$OUT/veth.txt"
}

# What the receiving host does with the SYNs (RX_STACK).  The bench frame
# (pkt_bench in xt_bench.c) goes from 02:00:00:00:00:01 to ...:02 and from
# 198.18.0.1 to 192.0.2.2:22; here those become the two veths' own.
#   rst        addressed to the host, port 22 closed, a default route back:
#              each SYN gets a RST, really sent out of IFB.  IFA drops
#              them in native XDP (the reply sink), which keeps the far
#              end's receive cost small but not nil: veth first copies
#              each RST skb into an XDP buffer.  The default: what a host
#              pays for traffic to it, with no application to choose.
#   noroute    the same without a route back: the RST's route lookup fails
#              and nothing is sent.
#   otherhost  every frame goes to another MAC (xt_bench gen ... other),
#              as the scaling runs' always do: it ends as OTHERHOST at the
#              start of ip_rcv, the cheapest stack path there is.
REPLY_SINK=${REPLY_SINK:-nulldrop}
rx_stack_setup() {
	case $RX_STACK in
	otherhost|noroute|rst) ;;
	*)
		die "RX_STACK $RX_STACK: rst, noroute or otherhost" ;;
	esac
	if ! { ip -n "$TX" link set dev "$IFA" address 02:00:00:00:00:01 &&
	       ip -n "$RX" link set dev "$IFB" address 02:00:00:00:00:02 &&
	       ip -n "$RX" addr add 192.0.2.2/24 dev "$IFB"; }; then
		die "cannot address the veth pair"
	fi
	[ "$RX_STACK" = rst ] || return 0
	# A permanent neighbour: IFA answers no ARP once it drops everything.
	if ! { ip -n "$RX" neigh replace 192.0.2.1 \
		lladdr 02:00:00:00:00:01 dev "$IFB" nud permanent &&
	       ip -n "$RX" route add default via 192.0.2.1 dev "$IFB"; }; then
		die "cannot route back to the sender"
	fi
	attach_start "$TX" "$OUT/sink.out" "$IFA" "$REPLY_SINK" ||
		die "reply sink did not attach: $(cat "$OUT/sink.out")"
	SPID=$ATT_PID
}

if [ -z "$ONLY" ] || [ "$ONLY" = veth ]; then
	echo "== CPU per received packet through veth ($ROUNDS rotated" \
	     "rounds of ${SECS}s, CPU $CPU)"
	ns_new TX
	ns_new RX
	IFA="xb$$a"
	IFB="xb$$b"
	# No IPv6 autoconfiguration: stray packets would upset the counts.
	# No reverse-path filter: RX_STACK=noroute has no route back.
	for ns in "$TX" "$RX"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
	veth_pair "$IFA" "$TX" "$IFB" "$RX" || die "cannot make the veth pair"
	# NAPI on the receiving peer, or XDP_TX frames vanish (MEASURED.md).
	# Socket-sent skbs then take the same NAPI ring into the receiver.
	ip netns exec "$RX" "$XB" gro "$IFB" ||
		die "cannot turn GRO on"
	rx_stack_setup
	for c in "${CONFIGS[@]}"; do
		read -r name mode rules pfx nft _ <<<"$c"
		[ "$nft" = 1 ] || continue
		f="$OUT/nft-$rules-$pfx.nft"
		"$XB" nft "$IFB" "$rules" "$pfx" >"$f" || die "nft gen"
	done
	: >"$OUT/veth.txt"
	for ((r = 0; r < ROUNDS; r++)); do
		n=${#CONFIGS[@]}
		for ((j = 0; j < n; j++)); do
			read -r name mode rules pfx nft src to \
				<<<"${CONFIGS[$(((j + r * 5) % n))]}"
			[ -z "$SRC" ] || [ "$SRC" = "$src" ] || continue
			[ -z "$NAMES" ] || [[ " $NAMES " == *" $name "* ]] ||
				continue
			veth_run "$r" "$name" "$mode" "$rules" "$pfx" "$nft" \
				"$src" "$to"
		done
		echo "# veth round $((r + 1))/$ROUNDS" >&2
	done
	if [ -n "$SPID" ]; then
		kill -TERM "$SPID"
		wait "$SPID"
		SPID=
	fi
fi

# ---------------------------------------------------------------- replay --
if [ -z "$ONLY" ] && [ -f bench/replay_rate.sh ]; then
	echo "== replay rate (bench/replay_rate.sh)"
	bash bench/replay_rate.sh >"$OUT/replay.txt" 2>&1 ||
		echo "# replay_rate.sh failed: see $OUT/replay.txt"
fi

# ---------------------------------------------------------------- capture --
if [ -z "$ONLY" ] && [ -f bench/capture_rate.sh ]; then
	echo "== capture rate (bench/capture_rate.sh)"
	bash bench/capture_rate.sh >"$OUT/capture.txt" 2>&1 ||
		echo "# capture_rate.sh failed: see $OUT/capture.txt"
fi

/usr/bin/python3 bench/summary.py "$OUT"
status=$?	# nonzero when a count check failed
# Only a header when the scaling runs were left out (SRC=skb, ONLY=prog).
if command -v gnuplot >/dev/null && grep -qsv '^#' "$OUT/scaling.dat"; then
	gnuplot -e "datafile='$OUT/scaling.dat'; outfile='$OUT/perf-scaling.svg'" \
		bench/scaling.gp && echo "plot: $OUT/perf-scaling.svg"
fi
exit $status
