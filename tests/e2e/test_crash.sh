#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# SIGKILL at the worst moments (issue 13, items 4 and 5), made exact with
# strace delays: the process is killed while strace holds it inside one
# system call (docs/robustness.md, "Crash consistency").
#
#  - `rules load` killed after the generation flip (in the RCU wait, the
#    membarrier call): the datapath runs the new rules, and status, stats
#    and the next load must name the new rules too;
#  - an XDP program left without pins (what an attach killed before it
#    pinned left, or pins in a mount namespace that is gone): detach and
#    attach recognise it by name and remove it, without --force;
#  - attach killed just after it made its pin directory, detach killed
#    while removing pins (after two loads, so that the record's current
#    entry is its second): the next attach finishes the job;
#  - tcx (SKIP without it): detach killed before it removed the pinned
#    tcx link, and an xdptag_tc tcx link without pins: the next attach or
#    detach removes them;
#  - attach --force killed right after it moved the old pins aside
#    (:old-IFACE): the old attachment stays; killed while removing the old
#    pins: the next command finishes the replacement.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

TCX=$PWD/$BUILD/tests/tools/tcx_attach
TCOBJ=$PWD/$BUILD/xdptag_tc.bpf.o
e2e_need "crash" strace pgrep unshare nsenter tc ip "$TCX" "$TCOBJ"
TMP=$(mktemp -d /tmp/xt-crash.XXXXXX)
on_exit rm -rf "$TMP"
lab_pair
ROOT=/sys/fs/bpf/xdptag

cat >"$TMP/a.yaml" <<'EOF'
classes: [ { id: 1, name: one }, { id: 2, name: two } ]
rules:
  - { name: a-first, class: one, weight: 10, match: { proto: udp, dport: 5555 } }
  - { name: a-second, class: one, weight: 10, match: { proto: tcp, dport: 80 } }
EOF
cat >"$TMP/b.yaml" <<'EOF'
classes: [ { id: 1, name: one }, { id: 2, name: two } ]
rules:
  - { name: b-only, class: two, weight: 20, match: { proto: udp, dport: 5555 } }
  - { name: a-second, class: one, weight: 10, match: { proto: tcp, dport: 80 } }
EOF

X() { ip netns exec "$RCV" "$XT" "$@"; }
xdp_id() { xdp_running "$RCV" "$B"; }
tc_ours() { tc -n "$RCV" filter show dev "$B" ingress 2>/dev/null |
		grep -c 'handle 0x7854'; }
send5() {
	ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC" \
		2>/dev/null <<'EOF'
5 IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=40000, dport=5555)/Raw(b"x")
EOF
}
# stats --json of B: "PATH SLOT:NAME:HITS ..." for rules with hits.
rules_seen() {
	X stats "$B" --json | $PY -c '
import json, sys
i = json.load(sys.stdin)["interfaces"][0]
print(i["ruleset"]["path"], " ".join("%d:%s:%d" % (r["slot"], r["name"],
      r["hits"]) for r in i["rules"] if r["hits"]))'
}

# strace_kill OUT PATTERN: wait (10 s at most) until strace's log OUT shows
# the delayed call, then SIGKILL the traced xdptag (strace's child).
strace_kill() {
	local spid=$1 log=$2 pat=$3 xpid
	for _ in $(seq 100); do
		grep -qs "$pat" "$log" && break
		sleep 0.1
	done
	xpid=$(pgrep -P "$spid" -x xdptag)
	if [ -z "$xpid" ] || ! grep -qs "$pat" "$log"; then
		not_ok "xdptag reached $pat under strace"
		return 1
	fi
	kill -KILL "$xpid"
	# strace would hold the dying process until the delay is over: it
	# goes too (xdptag cannot run another instruction with SIGKILL
	# pending), and init reaps xdptag.
	kill -KILL "$spid"
	wait "$spid" 2>/dev/null
	for _ in $(seq 100); do
		[ -e "/proc/$xpid" ] || break
		sleep 0.05
	done
	return 0
}

# ---- 1. rules load killed after the flip -----------------------------
X attach "$B" --mode generic --tc-attach cls --rules "$TMP/a.yaml" >/dev/null
check "attach with a.yaml" 0 $?
ip netns exec "$RCV" strace -f -qq -o "$TMP/st1" -e trace=membarrier \
	-e inject=membarrier:delay_enter=10000000 \
	"$XT" rules load "$B" "$TMP/b.yaml" >/dev/null 2>&1 &
SPID=$!
on_exit kill "$SPID"
if strace_kill "$SPID" "$TMP/st1" 'membarrier('; then
	ok "rules load killed in the RCU wait, after the flip"
	send5 >/dev/null
	# b-only is new: it takes the never-used slot 2, a-first's is vacated.
	check "status, stats and the datapath agree: b.yaml, b-only in slot 2" \
		"$TMP/b.yaml 2:b-only:5" "$(rules_seen)"
	check "status names b.yaml" "  rules   $TMP/b.yaml (2 rules)" \
		"$(X status "$B" | grep '^  rules')"
	X rules load "$B" "$TMP/a.yaml" >/dev/null
	check "the next load works" 0 $?
	send5 >/dev/null
	# Placed by the names b.yaml left: a-first reuses vacated slot 0;
	# slot 2, vacated now, keeps b-only's count.
	check "and places by the new names: a-first in slot 0" \
		"$TMP/a.yaml 0:a-first:5 2:rule-2:5" "$(rules_seen)"
fi
X detach "$B" >/dev/null
check "detach" 0 $?

# ---- 2. XDP program without pins -------------------------------------
# Attach in a mount namespace of its own, with its own bpffs: when it
# exits, the pins are gone and the programs stay on the interface.
orphan() {
	unshare -m --propagation private bash -c '
		mount -t bpf bpf /sys/fs/bpf &&
		nsenter --net=/run/netns/"$1" "$2" attach "$3" \
			--mode generic --tc-attach cls --rules "$4"' _ "$RCV" "$XT" "$B" "$TMP/a.yaml" >/dev/null
}
orphan
check "orphan: attached in a vanished mount namespace" 0 $?
# The audit's state: XDP program, no TC filter, no pins.
tc -n "$RCV" filter del dev "$B" ingress prio 100 handle 0x7854 bpf
check "orphan: XDP left, no TC filter, no pins" "yes 0 no" \
	"$([ -n "$(xdp_id)" ] && echo yes) $(tc_ours) $([ -e "$ROOT/$B" ] && echo yes || echo no)"
out=$(X detach "$B" 2>&1)
check "detach removes the orphan: exit 0" 0 $?
check "detach removes the orphan: message" \
	"Removed xdptag programs left on $B without pins" "$out"
check "no XDP program left" "" "$(xdp_id)"

orphan
out=$(X attach "$B" --mode generic --tc-attach cls --rules "$TMP/b.yaml" 2>&1)
check "attach over an orphan (XDP and TC), no --force: exit 0" 0 $?
check "attach over an orphan: says it removed it first" \
	"Removed xdptag programs left on $B without pins" \
	"$(head -1 <<<"$out")"
check "one XDP program, one TC filter, the pinned ones" \
	"$(X status "$B" | sed -n 's/^  xdp .* prog \([0-9]*\).*/\1/p') 1" \
	"$(xdp_id) $(tc_ours)"
X detach "$B" >/dev/null
check "detach" 0 $?

# ---- 3. attach killed right after it made its pin directory ----------
ip netns exec "$RCV" strace -f -qq -o "$TMP/st3" -P "$ROOT/$B" \
	-e trace=mkdir -e inject=mkdir:delay_exit=10000000 \
	"$XT" attach "$B" --mode generic --tc-attach cls --rules "$TMP/a.yaml" >/dev/null 2>&1 &
SPID=$!
on_exit kill "$SPID"
if strace_kill "$SPID" "$TMP/st3" 'mkdir('; then
	ok "attach killed after mkdir of its pin directory"
	out=$(X attach "$B" --mode generic --tc-attach cls --rules "$TMP/a.yaml" 2>&1)
	check "the next attach: exit 0" 0 $?
	check "the next attach: cleared the empty directory first" \
		"Removed the incomplete pins of $B" "$(head -1 <<<"$out")"
fi

# ---- 4. detach killed while removing its pins ------------------------
# Attach and two loads: three flips, so the current xt_info entry is the
# second, and the first is the first load's, saying "attached".  Read
# without xt_active (a detach that removed it before xt_info), the record
# would be that entry, and the next attach would refuse.
X rules load "$B" "$TMP/b.yaml" >/dev/null &&
	X rules load "$B" "$TMP/a.yaml" >/dev/null
check "two rules loads" 0 $?
ip netns exec "$RCV" strace -f -qq -o "$TMP/st4" -P "$ROOT/$B/xt_rules" \
	-e trace=unlink -e inject=unlink:delay_enter=10000000 \
	"$XT" detach "$B" >/dev/null 2>&1 &
SPID=$!
on_exit kill "$SPID"
if strace_kill "$SPID" "$TMP/st4" 'unlink('; then
	ok "detach killed while removing pins"
	check "programs already gone" " 0" "$(xdp_id) $(tc_ours)"
	check "status says so" \
		"Error: cannot read the pins of $B: the pins of $B are incomplete: an attach or detach was interrupted (the next 'xdptag attach' or 'xdptag detach' of $B finishes it)" \
		"$(X status "$B" 2>&1)"
	out=$(X attach "$B" --mode generic --tc-attach cls --rules "$TMP/b.yaml" 2>&1)
	check "the next attach: exit 0" 0 $?
	check "the next attach: attached" 1 "$(grep -c '^Attached' <<<"$out")"
	send5 >/dev/null
	check "and classifies with b.yaml" "$TMP/b.yaml 0:b-only:5" \
		"$(rules_seen)"
fi
X detach "$B" >/dev/null
check "detach, nothing left" "0 0" "$?$(xdp_id) $(tc_ours)"

# ---- 5. tcx ------------------------------------------------------------
tcx_ours() { "$TCX" "$RCV" "$B" count xdptag_tc; }
tcx_cases=(
	"tcx: detach killed before it removed the link: status says interrupted"
	"tcx: the next attach undoes it: exit 0"
	"tcx: the next attach: says so"
	"tcx: the old link is gone, the new filter is there"
	"tcx: a link without pins: detach removes it"
	"tcx: nothing of xdptag left"
)
if ! "$TCX" "$RCV" "$B" probe; then
	for c in "${tcx_cases[@]}"; do
		skip_test "$c" "kernel $(uname -r) has no tcx (6.6+)"
	done
else
	X attach "$B" --mode generic --tc-attach tcx --rules "$TMP/a.yaml" \
		>/dev/null
	# Held in the first netlink send: XDP's query, after "detaching".
	ip netns exec "$RCV" strace -f -qq -o "$TMP/st5" -e trace=sendto \
		-e inject=sendto:delay_enter=10000000 \
		"$XT" detach "$B" >/dev/null 2>&1 &
	SPID=$!
	on_exit kill "$SPID"
	strace_kill "$SPID" "$TMP/st5" 'sendto(' &&
	check "${tcx_cases[0]}" "1 yes interrupted" \
		"$(tcx_ours) $([ -n "$(xdp_id)" ] && echo yes) $(X status "$B" |
		grep -o 'interrupted' | head -1)"
	out=$(X attach "$B" --mode generic --tc-attach cls \
		--rules "$TMP/b.yaml" 2>&1)
	check "${tcx_cases[1]}" 0 $?
	check "${tcx_cases[2]}" "Undid an interrupted detach of $B" \
		"$(head -1 <<<"$out")"
	check "${tcx_cases[3]}" "0 1" "$(tcx_ours) $(tc_ours)"
	X detach "$B" >/dev/null
	# Another process's pin, outside xdptag's: no record says it is ours.
	LINK=/sys/fs/bpf/xt-crash-$XT_ID-link
	on_exit rm -f "$LINK"
	"$TCX" "$RCV" "$B" "$TCOBJ" xdptag_tc "$LINK" first >/dev/null
	out=$(X detach "$B" 2>&1)
	check "${tcx_cases[4]}" \
		"0 Removed xdptag programs left on $B without pins" "$? $out"
	rm -f "$LINK"
	check "${tcx_cases[5]}" "0 0 no" \
		"$(tcx_ours) $(tc_ours) $([ -e "$ROOT/$B" ] && echo yes || echo no)"
fi

# ---- 6. attach --force killed while replacing --------------------------
OLD=$ROOT/:old-$B
X attach "$B" --mode generic --tc-attach cls --rules "$TMP/a.yaml" >/dev/null
check "attach, to be replaced" 0 $?
old_xdp=$(xdp_id)
# Not -P: strace matches only rename's first path.  attach renames
# nothing else.
ip netns exec "$RCV" strace -f -qq -o "$TMP/st6" \
	-e trace=rename,renameat,renameat2 \
	-e inject=rename,renameat,renameat2:delay_exit=10000000 \
	"$XT" attach "$B" --force --mode generic --tc-attach cls \
	--tc-prio 200 --rules "$TMP/b.yaml" >/dev/null 2>&1 &
SPID=$!
on_exit kill "$SPID"
if strace_kill "$SPID" "$TMP/st6" 'rename'; then
	check "--force killed after moving the old pins aside" \
		"yes no $old_xdp" \
		"$([ -e "$OLD" ] && echo yes) $([ -e "$ROOT/$B" ] && echo yes || echo no) $(xdp_id | grep -x "$old_xdp")"
	out=$(X detach "$B" 2>&1)
	check "the next detach: exit 0" 0 $?
	check "the next detach: the old attachment came back, then went" \
		"Undid an interrupted attach --force of $B; the attachment it was replacing stays
Detached xdptag from $B" "$out"
	check "nothing left" "0 no no" \
		"$(xdp_id)$(tc_ours) $([ -e "$ROOT/$B" ] && echo yes || echo no) $([ -e "$OLD" ] && echo yes || echo no)"
fi

X attach "$B" --mode generic --tc-attach cls --rules "$TMP/a.yaml" >/dev/null
check "attach, to be replaced" 0 $?
ip netns exec "$RCV" strace -f -qq -o "$TMP/st7" -P "$OLD/xt_rules" \
	-e trace=unlink -e inject=unlink:delay_enter=10000000 \
	"$XT" attach "$B" --force --mode generic --tc-attach cls \
	--tc-prio 200 --rules "$TMP/b.yaml" >/dev/null 2>&1 &
SPID=$!
on_exit kill "$SPID"
if strace_kill "$SPID" "$TMP/st7" 'unlink('; then
	# The old filter (prio 100) went before the old pins.
	check "--force killed removing the old pins: new one attached" \
		"yes 1 prio 200" \
		"$([ -e "$OLD" ] && echo yes) $(tc_ours) $(X status "$B" |
		grep -o 'prio [0-9]*' | head -1)"
	out=$(X attach "$B" --mode generic --tc-attach cls \
		--rules "$TMP/a.yaml" 2>&1)
	check "the next attach finishes the replacement, then refuses: 3" \
		"3 1 1" "$? $(grep -cx "Finished replacing the xdptag attachment of $B" <<<"$out") $(grep -cx "Error: $B already has xdptag attached (detach first, or --force to replace it)" <<<"$out")"
	send5 >/dev/null
	check "and the replacement classifies with b.yaml" \
		"$TMP/b.yaml 0:b-only:5" "$(rules_seen)"
fi
X detach "$B" >/dev/null
check "detach, nothing left" "0 0 no" \
	"$?$(xdp_id) $(tc_ours) $([ -e "$OLD" ] && echo yes || echo no)"
finish
