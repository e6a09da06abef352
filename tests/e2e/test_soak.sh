#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Crash soak (issue 13): random SIGKILLs of `attach`, `rules load` and
# `detach` while traffic flows.  After each kill the interface must be in
# one of the states docs/robustness.md documents:
#
#   clean        no XDP program, no xdptag TC filter, no clsact, no pins;
#   attached     the pinned programs are the ones on the interface, and the
#                names status and stats give are those of the ruleset that
#                classifies the traffic (the active generation's);
#   interrupted  the pins record an attach or detach in progress, and
#                nothing on the interface is anyone's but theirs.
#
# Then the next command, run to its end without --force, must work and
# leave the interface clean or attached as it says.
#
# Bounded in time: it stops after XT_SOAK_KILLS kills (default 200) or
# XT_SOAK_SECONDS seconds (default 70), whichever comes first, but not
# before 3 kills (a slow machine, or qemu without KVM), and says how many
# it did.  XT_SOAK_KILLS=200 XT_SOAK_SECONDS=1200 runs all 200.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

KILLS=${XT_SOAK_KILLS:-200}
SECONDS_MAX=${XT_SOAK_SECONDS:-70}
e2e_need "soak" ip tc jq
TMP=$(mktemp -d /tmp/xt-soak.XXXXXX)
on_exit rm -rf "$TMP"
lab_pair
ROOT=/sys/fs/bpf/xdptag

# Two rulesets that name the rule classifying the traffic differently; b
# vacates both of a's slots, a both of b's.
cat >"$TMP/a.yaml" <<'EOF'
classes: [ { id: 1, name: one }, { id: 2, name: two } ]
rules:
  - { name: a-udp, class: one, weight: 10, match: { proto: udp, dport: 5555 } }
  - { name: a-tcp, class: one, weight: 10, match: { proto: tcp, dport: 80 } }
EOF
cat >"$TMP/b.yaml" <<'EOF'
classes: [ { id: 1, name: one }, { id: 2, name: two } ]
rules:
  - { name: b-udp, class: two, weight: 20, match: { proto: udp, dport: 5555 } }
EOF
declare -A RULE_OF=([$TMP/a.yaml]=a-udp [$TMP/b.yaml]=b-udp)

X() { ip netns exec "$RCV" "$XT" "$@"; }

# Traffic for the whole run: UDP to port 5555, about 100 packets/s.
ip netns exec "$SND" $PY - "$A" "$BMAC" "$TMP/stop" <<'EOF' &
import logging, os, sys, time
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from xt_layers import Ether, IP, UDP, Raw, conf
iface, dmac, stop = sys.argv[1:4]
s = conf.L2socket(iface=iface)
p = Ether(dst=dmac) / IP(src="10.1.0.1", dst="10.2.0.1") / \
    UDP(sport=40000, dport=5555) / Raw(b"x")
while not os.path.exists(stop):
    s.send(p)
    time.sleep(0.01)
EOF
SENDER=$!
on_exit kill "$SENDER"
on_exit touch "$TMP/stop"

# The kernel's view, independent of xdptag.
xdp_id() { xdp_running "$RCV" "$B"; }
tc_id() {
	tc -n "$RCV" filter show dev "$B" ingress 2>/dev/null |
		awk '/handle 0x7854/ {
			for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }'
}
clsact() { tc -n "$RCV" qdisc show dev "$B" | grep -c clsact; }

# Names of the rules whose hits grew over 0.2 s: the rules
# the traffic meets now, by the names stats gives them.
hits() {
	X stats "$B" --json 2>/dev/null |
		jq -r '.interfaces[0].rules[] | "\(.name) \(.hits)"' | sort
}
# The sender sends 100 a second, but a loaded machine (or qemu) can starve
# it for a second or more: look for 8 s or more before calling the rules
# silent, which the caller takes for a broken state.  Usually the first
# 0.2 s answers.
rules_hit() {
	local i out
	# Files, not <(...): the 6.1 VM has no /dev/fd.
	for i in $(seq 40); do
		hits >"$TMP/hits.a"
		sleep 0.2
		hits >"$TMP/hits.b"
		out=$(join "$TMP/hits.a" "$TMP/hits.b" |
			awk '$3 > $2 { printf "%s%s", s, $1; s = " " }')
		[ -n "$out" ] && { echo "$out"; return; }
	done
}

# state: prints clean, attached FILE, interrupted, or BAD: why.
state() {
	local x t c st path sx stc name
	x=$(xdp_id) t=$(tc_id) c=$(clsact)
	if [ ! -e "$ROOT/$B" ]; then
		[ -z "$x$t" ] && [ "$c" = 0 ] && { echo clean; return; }
		echo "BAD: no pins, yet xdp '$x' tc '$t' clsact $c"
		return
	fi
	if ! st=$(X status "$B" 2>&1); then
		case $st in
		*"pins of $B are incomplete"*) echo interrupted ;;
		*) echo "BAD: status: $st" ;;
		esac
		return
	fi
	sx=$(sed -n 's/^  xdp .* prog \([0-9]*\).*/\1/p' <<<"$st")
	stc=$(awk '/^  tc / { for (i = 1; i < NF; i++)
		if ($i == "prog") print $(i + 1) + 0 }' <<<"$st")
	case $(head -1 <<<"$st") in
	*"in progress or interrupted"*)
		if [ -n "$x" ] && [ "$x" != "$sx" ] ||
		   [ -n "$t" ] && [ "$t" != "$stc" ]; then
			echo "BAD: interrupted, but xdp '$x' tc '$t' are not the pinned $sx $stc"
		else
			echo interrupted
		fi
		return ;;
	esac
	path=$(awk '/^  rules / { print $2 }' <<<"$st")
	if [ "$x" != "$sx" ] || [ "$t" != "$stc" ] || [ "$c" != 1 ]; then
		echo "BAD: attached, but xdp '$x' tc '$t' clsact $c, pins say $sx $stc"
		return
	fi
	name=$(rules_hit)
	if [ "$name" != "${RULE_OF[$path]:-?}" ]; then
		echo "BAD: status says $path, the traffic meets rules named '$name'"
		return
	fi
	echo "attached $path"
}

other() { [ "$1" = "$TMP/a.yaml" ] && echo "$TMP/b.yaml" || echo "$TMP/a.yaml"; }
pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }

# A command for the state s: "attach FILE", "load FILE" or "detach".
command_for() {
	case $1 in
	clean) echo "attach $(pick "$TMP/a.yaml" "$TMP/b.yaml")" ;;
	attached*) pick "load $(other "${1#attached }")" detach ;;
	*) pick "attach $(pick "$TMP/a.yaml" "$TMP/b.yaml")" detach ;;
	esac
}
argv_of() {
	case $1 in
	# cls: the states above are read with tc(8), which sees no tcx.
	attach) ARGV=(attach "$B" --mode generic --tc-attach cls --rules "$2") ;;
	load) ARGV=(rules load "$B" "$2") ;;
	detach) ARGV=(detach "$B") ;;
	esac
}
run() { argv_of "$@"; X "${ARGV[@]}"; }
# What the state must be after command $1 $2 ran to its end.
expect_after() {
	case $1 in
	attach|load) echo "attached $2" ;;
	detach) echo clean ;;
	esac
}

# How long each command takes here, unkilled (x below).
declare -A MS
for c in "attach $TMP/a.yaml" "load $TMP/b.yaml" detach; do
	t0=${EPOCHREALTIME/./}
	run $c >/dev/null 2>&1 || { not_ok "calibration: $c"; finish; }
	MS[${c%% *}]=$(((${EPOCHREALTIME/./} - t0) / 1000))
done
echo "# unkilled: attach ${MS[attach]} ms, rules load ${MS[load]} ms, detach ${MS[detach]} ms"

declare -A SEEN
kills=0 bad=0 norecover=0 start=$(date +%s)
s=$(state)
while [ $kills -lt "$KILLS" ] &&
      { [ $kills -lt 3 ] || [ $(($(date +%s) - start)) -lt "$SECONDS_MAX" ]; }; do
	cmd=$(command_for "$s")
	# In the background as xdptag itself (ip netns exec execs it), so
	# that the kill lands on xdptag, not on a shell waiting for it.
	argv_of $cmd
	ip netns exec "$RCV" "$XT" "${ARGV[@]}" >/dev/null 2>&1 &
	pid=$!
	# Half the kills anywhere in [0, 1.2 x], half in the last part of
	# the run [0.6 x, 1.2 x], where a command changes the interface
	# (loading programs comes first and takes most of an attach).
	d=${MS[${cmd%% *}]}
	if ((RANDOM % 2)); then ms=$((RANDOM % (d * 12 / 10 + 1)))
	else ms=$((d * 6 / 10 + RANDOM % (d * 6 / 10 + 1))); fi
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	[ $rc = 137 ] || { s=$(state); continue; }	# it had finished
	kills=$((kills + 1))
	s=$(state)
	# A killed load leaves the old ruleset or the new one: which?
	k="${cmd%% *}->${s%% *}"
	[ "$cmd" = "load ${s#attached }" ] && k+=" (the new rules)"
	[ "${cmd%% *}" = load ] && [ "$cmd" != "load ${s#attached }" ] &&
		k+=" (the old rules)"
	SEEN[$k]=$((${SEEN[$k]:-0} + 1))
	case $s in
	BAD*) bad=$((bad + 1))
	      echo "# kill $kills: $cmd after $ms ms: $s" ;;
	esac
	# The next command, to its end, without --force.
	next=$(command_for "$s")
	out=$(run $next 2>&1)
	rc=$?
	s=$(state)
	if [ $rc != 0 ] || [ "$s" != "$(expect_after $next)" ]; then
		norecover=$((norecover + 1))
		echo "# kill $kills: $cmd after $ms ms, then $next: exit $rc, state '$s'"
		sed 's/^/#   /' <<<"$out"
	fi
done
elapsed=$(($(date +%s) - start))
echo "# $kills kills in $elapsed s; command->state after the kill:"
for k in "${!SEEN[@]}"; do echo "#   $k ${SEEN[$k]}"; done | sort
[ $kills -ge 1 ] && ok "$kills random kills (XT_SOAK_KILLS=$KILLS, XT_SOAK_SECONDS=$SECONDS_MAX)" ||
	not_ok "random kills" "none in $elapsed s"
check "after every kill: clean, attached (names of the active generation) or interrupted" 0 $bad
check "every next command worked, without --force" 0 $norecover
touch "$TMP/stop"
wait "$SENDER"
X detach "$B" >/dev/null 2>&1
check "clean at the end" clean "$(state)"
finish
