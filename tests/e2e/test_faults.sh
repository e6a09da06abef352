#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Faults around an attachment: the interface vanishes under it, two
# attaches race, TC attach fails halfway, and a signal ends `stats --watch`
# on a terminal (bpffs not mounted: test_bpffs.sh).  Each leaves a state that status,
# detach and the kernel agree on (docs/robustness.md).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
PREMARK=$PWD/$BUILD/tests/bpf/premark.bpf.o
PINS=/sys/fs/bpf/xdptag

e2e_need "faults" "$PREMARK"

ns_new NS
A=${XT_ID}a
B=${XT_ID}b
# Each case starts from a new veth pair and no pins, whatever the case
# before it left: one failure must not make the next cases fail.
new_pair() {
	ip -n "$NS" link del "$A" 2>/dev/null
	rm -rf "${PINS:?}/$A"
	veth_pair "$A" "$NS" "$B" "$NS" || { not_ok "veth pair"; finish; }
}
new_pair
on_exit ip netns exec "$NS" "$XT" detach "$A"

xt() { ip netns exec "$NS" "$XT" "$@"; }
# run ARGS...: OUT gets stdout, ERR stderr, RC the status.
run() {
	local e
	e=$(mktemp)
	OUT=$(xt "$@" 2>"$e")
	RC=$?
	ERR=$(cat "$e")
	rm -f "$e"
}
xdp_ids() { xdp_running "$NS" "$A"; }
tc_ids() {
	tc -n "$NS" filter show dev "$A" ingress |
		grep -o 'xdptag_tc:\[[0-9]*\]' | grep -o '[0-9]*'
}
has_pins() { [ -e "$PINS/$A" ] && echo yes || echo no; }

# --- the interface disappears while attached
run attach "$A"
check "attach before the interface goes" 0 $RC
ip -n "$NS" link del "$A"
run status "$A"
check "status: interface gone, first line" \
	"$A: interface no longer exists (run 'xdptag detach $A' to remove its pins)" \
	"$(head -n 1 <<<"$OUT")"
run detach "$A"
check "detach of a vanished interface: status 0" 0 $RC
check "detach of a vanished interface: message" \
	"$A no longer exists; removed its pins" "$OUT"
check "detach of a vanished interface: pins gone" no "$(has_pins)"
run status "$A"
check "status afterwards: not attached" \
	"3 Error: $A has no xdptag attached" "$RC $ERR"
new_pair

# --- two attaches at once: one wins, one is refused, never half of each
rounds=5 good=0
for i in $(seq $rounds); do
	e1=$(mktemp) e2=$(mktemp)
	xt attach "$A" --tc-attach cls >/dev/null 2>"$e1" &
	p1=$!
	xt attach "$A" --tc-attach cls >/dev/null 2>"$e2" &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	rcs=$(printf '%s\n' $r1 $r2 | sort | xargs)
	loser=$([ $r1 = 3 ] && cat "$e1" || cat "$e2")
	rm -f "$e1" "$e2"
	run status "$A"
	sx=$(grep -o 'xdp .*prog [0-9]*' <<<"$OUT" | grep -o '[0-9]*$')
	st=$(grep -o 'tc .*prog [0-9]*' <<<"$OUT" | grep -o '[0-9]*$')
	state="$(xdp_ids | wc -l) $(tc_ids | wc -l) $(has_pins)"
	if [ "$rcs" != "0 3" ]; then
		not_ok "race $i: exit statuses" "expected '0 3', got '$rcs'"
	elif [ "$loser" != "Error: $A already has xdptag attached (detach first, or --force to replace it)" ]; then
		not_ok "race $i: the loser's message" "$loser"
	elif [ "$state" != "1 1 yes" ]; then
		not_ok "race $i: one XDP prog, one TC filter, pins" "$state"
	elif [ "$sx" != "$(xdp_ids)" ] || [ "$st" != "$(tc_ids)" ]; then
		not_ok "race $i: pins name the attached programs" \
			"pins $sx/$st, kernel $(xdp_ids)/$(tc_ids)"
	else
		good=$((good + 1))
	fi
	xt detach "$A" >/dev/null 2>&1
done
check "two concurrent attaches, $rounds rounds: one wins, one gets status 3" \
	$rounds $good
check "after the races: nothing left" "no" "$(xdp_ids)$(tc_ids)$(has_pins)"

new_pair

# --- TC attach fails halfway: the XDP half is rolled back
tc -n "$NS" qdisc add dev "$A" clsact
tc -n "$NS" filter add dev "$A" ingress pref 100 handle 0x7854 bpf da \
	obj "$PREMARK" sec tc
run attach "$A" --tc-attach cls
check "someone else's filter in our slot: status and message" \
	"1 Error: $A already has a TC ingress filter at prio 100 handle 0x7854; choose another --tc-prio" \
	"$RC $ERR"
check "... no XDP program, no pins left" "no" "$(xdp_ids)$(has_pins)"
check "... their filter untouched" 1 \
	"$(tc -n "$NS" filter show dev "$A" ingress | grep -c 'premark')"
tc -n "$NS" filter del dev "$A" ingress pref 100
# A u32 filter at the priority: the kernel refuses a bpf one beside it.
tc -n "$NS" filter add dev "$A" ingress pref 200 u32 match u32 0 0 \
	flowid 1:1
run attach "$A" --tc-prio 200 --tc-attach cls
check "a u32 filter at --tc-prio: status and message" \
	"1 Error: $A already has a TC ingress filter of another kind or protocol at prio 200; choose another --tc-prio" \
	"$RC $ERR"
check "... no XDP program, no pins left" "no" "$(xdp_ids)$(has_pins)"
n_clsact=$(tc -n "$NS" qdisc show dev "$A" | grep -c clsact)
n_u32=$(tc -n "$NS" filter show dev "$A" ingress |
	grep -c 'u32 chain 0 fh 800::800')
check "... clsact and the u32 filter still there" "1 1" "$n_clsact $n_u32"
tc -n "$NS" qdisc del dev "$A" clsact

new_pair

# --- a signal during stats --watch on a terminal shows the cursor again
run attach "$A"
for sig in INT TERM; do
	out=$($PY - "$NS" "$XT" "$A" "$sig" <<-'EOF'
	import os, pty, select, signal, sys
	ns, xt, ifname, sig = sys.argv[1:]
	pid, fd = pty.fork()
	if pid == 0:
	    os.execvp("ip", ["ip", "netns", "exec", ns, xt, "stats", ifname,
	                     "--watch", "1"])
	buf = b""
	# The cursor is hidden once the handlers are in place: signal then.
	while b"\033[?25l" not in buf:
	    if not select.select([fd], [], [], 30)[0]:
	        break
	    buf += os.read(fd, 65536)
	n = len(buf)
	os.kill(pid, getattr(signal, "SIG" + sig))
	while True:
	    try:
	        d = os.read(fd, 65536)
	    except OSError:
	        break
	    if not d:
	        break
	    buf += d
	st = os.waitpid(pid, 0)[1]
	print(b"\033[?25l" in buf[:n], b"\033[?25h" in buf[n:],
	      os.waitstatus_to_exitcode(st))
	EOF
	)
	check "SIG$sig during stats --watch 1: cursor hidden, shown again, exit 0" \
		"True True 0" "$out"
done
run detach "$A"
check "detach at the end" 0 $RC
finish
