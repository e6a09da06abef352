#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Privileges: run as nobody (setpriv), every command that needs BPF or
# network admin rights stops up front with one line naming the capabilities
# and exit 1, and changes nothing; `rules check` works as nobody.  The pins
# are root's alone (mode 0700): nobody cannot open them.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh

if [ "$(id -u)" != 0 ]; then
	skip_test "privs e2e" "needs root to switch to nobody"; finish
fi
if ! command -v setpriv >/dev/null; then
	skip_test "privs e2e" "setpriv (util-linux) missing"; finish
fi

ns_new RCV || exit 1
IFA=pva$$ IFB=pvb$$
veth_pair "$IFA" "$RCV" "$IFB" "$RCV" || exit 1
on_exit ip netns exec "$RCV" "$XT" detach "$IFA"

# A world-readable copy of the default rules for nobody to read.
tmp=$(mktemp -d)
on_exit rm -rf "$tmp"
chmod 755 "$tmp"
cp rules/default.yaml "$tmp/rules.yaml"
chmod 644 "$tmp/rules.yaml"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
as_nobody() { ip netns exec "$RCV" "${NOBODY[@]}" "$XT" "$@"; }

# xdp/clsact on each veth end and the pins there: the state to keep.
state() {
	local i s=""
	for i in "$IFA" "$IFB"; do
		ip -n "$RCV" link show dev "$i" | grep -q ' xdp' && s+="$i:xdp "
		tc -n "$RCV" qdisc show dev "$i" | grep -q clsact &&
			s+="$i:clsact "
		[ -e /sys/fs/bpf/xdptag/"$i" ] && s+="$i:pins "
	done
	echo "${s:-none}"
}

LOAD="needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (or CAP_SYS_ADMIN); run it as root"
PINS="needs CAP_BPF (or CAP_SYS_ADMIN) to read the pins under /sys/fs/bpf/xdptag; run it as root"
DETACH="needs CAP_SYS_ADMIN and CAP_NET_ADMIN; run it as root"

# expect NAME MESSAGE ARGS...: exit 1 and exactly "Error: xdptag NAME MESSAGE".
expect() {
	local name=$1 msg=$2 out rc
	shift 2
	out=$(as_nobody "$@" 2>&1)
	rc=$?
	check "as nobody: xdptag $* exits 1 with one line" \
		"1 Error: xdptag $name $msg" "$rc $out"
}

expect attach "$LOAD" attach "$IFB"
check "nobody's attach changed nothing" none "$(state)"
expect probe "$LOAD" probe "$IFB" --seconds 1
expect replay "$LOAD" replay /nonexistent.pcap
expect status "$PINS" status
expect stats "$PINS" stats
expect nft "$PINS" nft
expect exporter "$PINS" exporter --listen 127.0.0.1:9435
check "nobody's probe changed nothing" none "$(state)"

# Against a real attachment: nobody can neither change nor read it.
ip netns exec "$RCV" "$XT" attach "$IFA" --mode generic >/dev/null
check "root attaches $IFA" 0 $?
before=$(state)
expect detach "$DETACH" detach "$IFA"
expect "rules load" "$PINS" rules load "$IFA" "$tmp/rules.yaml"
expect stats "$PINS" stats "$IFA"
check "nobody's detach and rules load changed nothing" "$before" "$(state)"
check "root still reads the rules attached" \
	"  rules   default (26 rules)" \
	"$(ip netns exec "$RCV" "$XT" status "$IFA" | grep '^  rules')"

check "pin root is mode 700" 700 "$(stat -c %a /sys/fs/bpf/xdptag)"
check "pin directory is mode 700" 700 "$(stat -c %a /sys/fs/bpf/xdptag/"$IFA")"
out=$("${NOBODY[@]}" cat /sys/fs/bpf/xdptag/"$IFA"/xt_info 2>&1)
check "nobody cannot open a pin" 1 "$?"
case $out in
*"Permission denied"*) ok "opening a pin as nobody: Permission denied" ;;
*) not_ok "opening a pin as nobody: Permission denied" "$out" ;;
esac

# Root with too few capabilities gets the same message: PERFMON counts.
if command -v capsh >/dev/null; then
	out=$(ip netns exec "$RCV" capsh --drop=cap_sys_admin,cap_perfmon -- \
		-c "$XT attach $IFB" 2>&1)
	check "root without CAP_SYS_ADMIN and CAP_PERFMON: attach refused" \
		"1 Error: xdptag attach $LOAD" "$? $out"
else
	skip_test "capability subset" "capsh missing"
fi

# What needs no privileges works as nobody.
out=$(as_nobody rules check "$tmp/rules.yaml" 2>&1)
check "rules check works as nobody" 0 $?
as_nobody --help >/dev/null
check "--help works as nobody" 0 $?
as_nobody attach --help >/dev/null
check "attach --help works as nobody" 0 $?

finish
