# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# TAP output and throwaway network namespaces for shell tests.  Source it.
#
#   ok "name"; not_ok "name" "why"; skip_test "name" "why"
#   check "name" EXPECTED ACTUAL      ok when equal, else not ok with both
#   ns_new VAR                        a unique namespace name, removed at exit
#   veth_pair A NSA B NSB             a veth pair between two namespaces
#   finish                            exit status: 1 if anything failed
# Everything created is removed by the EXIT trap, on failure too.

# Hermetic mounts: as root, a test runs in a mount namespace of its own with
# a new bpffs of its own at /sys/fs/bpf (as systemd would mount it), whatever
# this machine mounted: a bpffs the machine has would otherwise be copied
# into the namespace and shared.  Its pins, and what it mounts or unmounts,
# vanish with it.  XT_OWN_MNTNS: 1 re-executed in the namespace, 2 its bpffs
# is mounted (scripts it runs that source this file keep that one).
if [ "$(id -u)" = 0 ] && [ -z "${XT_OWN_MNTNS:-}" ] &&
   command -v unshare >/dev/null; then
	export XT_OWN_MNTNS=1
	case $0 in
	/*) exec unshare -m --propagation private bash "$0" "$@" ;;
	*) exec unshare -m --propagation private bash "${OLDPWD:-$PWD}/$0" "$@" ;;
	esac
fi
if [ "${XT_OWN_MNTNS:-}" = 1 ]; then
	mount -t bpf -o mode=0700 bpf /sys/fs/bpf && export XT_OWN_MNTNS=2
fi

TAP_N=0
TAP_FAILED=0
XT_NS=()
XT_CLEANUP=()

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() {
	TAP_N=$((TAP_N + 1)); TAP_FAILED=1
	echo "not ok $TAP_N - $1"
	[ -n "${2:-}" ] && printf '#   %s\n' "$2"
	return 0
}
skip_test() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP ${2:-}"; }
check() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1" "expected '$2', got '$3'"; fi
}
finish() { exit $TAP_FAILED; }

# Run at exit: caller-registered commands first (last in, first out), then
# the namespaces (deleting a namespace deletes the veths inside it).
xt_cleanup() {
	local i
	for ((i = ${#XT_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${XT_CLEANUP[i]}" >/dev/null 2>&1
	done
	for i in "${XT_NS[@]}"; do ip netns del "$i" 2>/dev/null; done
}
trap xt_cleanup EXIT
trap 'exit 130' INT TERM
on_exit() { XT_CLEANUP+=("$*"); }

# Names unique to this process: tests share the machine with other work.
XT_ID="xt$$$(printf '%04x' $((RANDOM)))"
ns_new() {
	local name="${XT_ID}${1}"
	ip netns add "$name" || return 1
	XT_NS+=("$name")
	ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# veth_pair IFA NSA IFB NSB: interface names are short (15 chars max).
veth_pair() {
	ip link add "$1" netns "$2" type veth peer name "$3" netns "$4" &&
	ip -n "$2" link set "$1" up && ip -n "$4" link set "$3" up
}

# ---------------------------------------------------------------- e2e ---
# What the end-to-end tests share (run from the repository's top).
BUILD=${BUILD:-build}
XT=$PWD/$BUILD/xdptag
PY=/usr/bin/python3	# Debian's scapy belongs to this interpreter
# Where the tests' scripts, and those inline, find xt_layers (scapy's
# layers without importing every one of them).
export PYTHONPATH=$PWD/tests/lib

# e2e_need NAME [TOOL|/FILE ...]: unless root, the CLI built, scapy for
# $PY and every tool or file named are there, report NAME skipped and exit.
e2e_need() {
	local name=$1 t
	shift
	[ "$(id -u)" = 0 ] ||
		{ skip_test "$name" "needs root (namespaces, XDP)"; finish; }
	[ -x "$XT" ] || { skip_test "$name" "no $XT (run make)"; finish; }
	# Found, not imported: the layers take 0.3 s to import on a host and
	# 1.1 s under qemu's TCG (xt_layers.py), and a test that sends
	# imports them anyway.
	$PY -c 'import importlib.util as u, sys
sys.exit(u.find_spec("scapy.all") is None)' 2>/dev/null ||
		{ skip_test "$name" "no scapy for $PY"; finish; }
	for t; do
		case $t in
		/*) [ -e "$t" ] ;;
		*) command -v "$t" >/dev/null ;;
		esac || { skip_test "$name" "no $t"; finish; }
	done
}

# nft_counters NS WHAT...: the packet counts of the counters in what
# `nft -j list WHAT...` shows in namespace NS, in rule order.
nft_counters() {
	local ns=$1
	shift
	ip netns exec "$ns" nft -j list "$@" |
	jq -r '[.nftables[] | select(.rule) | .rule.expr[] |
		select(.counter) | .counter.packets] | join(" ")'
}

# xdp_running NS IFACE: the ids of the XDP programs IFACE runs, one a
# line: the program of each mode, or for libxdp's dispatcher the programs
# in it (xdptag's by default where the kernel runs the dispatcher; listed
# by xdp-loader, from this mount namespace's bpffs, which xdptag's libxdp
# uses too), or the dispatcher itself when xdp-loader lists none.
xdp_running() {
	local id name ids
	ip -n "$1" -d link show dev "$2" 2>/dev/null |
	grep -o 'prog/xdp id [0-9]* name [^ ]*' |
	while read -r _ _ id _ name; do
		if [ "$name" = xdp_dispatcher ]; then
			ids=$(nsenter --net="/run/netns/$1" xdp-loader status \
				"$2" 2>/dev/null | awk '$1 ~ /=>/ { print $4 }')
			[ -n "$ids" ] && { echo "$ids"; continue; }
		fi
		echo "$id"
	done
}

# lab_pair: namespaces SND and RCV joined by veth A (in SND) and B (in
# RCV), IPv6 off in both (its autoconfiguration packets would change every
# count), xdptag detached from B at exit, BMAC set to B's address.
lab_pair() {
	local ns
	{ ns_new SND && ns_new RCV; } || { not_ok "lab namespaces"; finish; }
	for ns in "$SND" "$RCV"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	A=${XT_ID}s
	B=${XT_ID}r
	veth_pair "$A" "$SND" "$B" "$RCV" || { not_ok "lab veth pair"; finish; }
	on_exit ip netns exec "$RCV" "$XT" detach "$B"
	BMAC=$(ip -n "$RCV" -br link show "$B" | awk '{print $3}')
}

# cap_start NAME ARGS...: `xdptag capture $B ARGS...` in RCV (lab_pair's),
# in the background (its PID in CPID, ended at exit), once it says it is
# on; its stderr in $TMP/NAME.err.  cap_wait: its exit status.
CPID=
cap_start() {
	local name=$1 i
	shift
	[ -n "${CAP_TRAP:-}" ] || { on_exit '[ -n "$CPID" ] && kill "$CPID"'; CAP_TRAP=1; }
	ip netns exec "$RCV" "$XT" capture "$B" "$@" 2>"$TMP/$name.err" &
	CPID=$!
	for ((i = 0; i < 100; i++)); do
		grep -qs '^capture: on' "$TMP/$name.err" && return 0
		kill -0 "$CPID" 2>/dev/null || break
		sleep 0.1
	done
	not_ok "$name: capture started" "$(cat "$TMP/$name.err")"
	return 1
}
cap_wait() {
	wait "$CPID"
	local rc=$?
	CPID=
	return $rc
}
# cap_lengths FILE: "CAPLEN WIRELEN" of a capture's packets, distinct ones.
cap_lengths() {
	$PY tests/lib/pcapng_read.py "$1" | cut -d' ' -f1-2 | sort -u
}

# mark_counters CLASS...: in RCV, an nft table counting before routing the
# packets whose skb->mark & 0xff is each CLASS (xdptag's default mark
# settings), one counter each; it goes with the namespace.
mark_counters() {
	local c rules=""
	for c in "$@"; do
		rules+="counter c$c {}"$'\n'
	done
	rules+="chain pre { type filter hook prerouting priority 0; policy accept;"$'\n'
	for c in "$@"; do
		rules+="meta mark and 0xff == $c counter name c$c"$'\n'
	done
	ip netns exec "$RCV" nft -f - <<<"table ip xtmarks {
$rules}
}"
}

# mark_count CLASS...: what mark_counters counted for each, one line.
mark_count() {
	local c counts=()
	for c in "$@"; do
		counts+=("$(ip netns exec "$RCV" nft list counter ip xtmarks "c$c" |
			    grep -o 'packets [0-9]*' | cut -d' ' -f2)")
	done
	echo "${counts[*]}"
}

# lab_ip4 NET: NET.1/24 on A, NET.2/24 on B, each the other's permanent
# neighbour (no ARP in any count), AMAC set to A's address.
lab_ip4() {
	ip -n "$SND" addr add "$1.1/24" dev "$A"
	ip -n "$RCV" addr add "$1.2/24" dev "$B"
	AMAC=$(ip -n "$SND" -br link show "$A" | awk '{print $3}')
	ip -n "$SND" neigh replace "$1.2" lladdr "$BMAC" dev "$A" nud permanent
	ip -n "$RCV" neigh replace "$1.1" lladdr "$AMAC" dev "$B" nud permanent
}
