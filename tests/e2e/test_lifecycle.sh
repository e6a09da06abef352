#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# attach / detach / status as a user meets them: a cycle leaves the
# interface exactly as it was, other people's clsact, filters and XDP
# programs are respected, every refusal has its documented text and exit
# status, and a failed attach changes nothing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
PREMARK=$PWD/$BUILD/tests/bpf/premark.bpf.o
XDPPASS=$PWD/$BUILD/tests/bpf/xdp_pass.bpf.o
PINS=/sys/fs/bpf/xdptag
PINTABLE=$PWD/$BUILD/tests/tools/pin_table

e2e_need "lifecycle" "$PREMARK" "$XDPPASS" "$PINTABLE" bpftool

lab_pair

xt() { ip netns exec "$RCV" "$XT" "$@"; }

# Everything attach may touch on B, as text.
snap() {
	ip -n "$RCV" -d link show dev "$B" | grep -o 'prog/xdp.* id [0-9]*'
	tc -n "$RCV" qdisc show dev "$B"
	tc -n "$RCV" filter show dev "$B" ingress
	[ -e "$PINS/$B" ] && echo "pins"
}

# Run the CLI; OUT gets stdout and stderr, RC the exit status.
run() {
	OUT=$(xt "$@" 2>&1)
	RC=$?
}

send_dns() {
	ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC" \
		<<<"$1 IP(src=\"10.1.0.1\", dst=\"10.2.0.1\")/UDP(dport=53)" \
		2>/dev/null
}

# --- a cycle leaves nothing behind
before=$(snap)
check "baseline has no XDP, clsact, filter or pins" \
	"qdisc noqueue 0: root refcnt 2 " "$before"
# The cls_bpf path here (Debian 12's 6.1 has only it); tcx in test_coexist.
run attach "$B" --tc-attach cls
check "attach exits 0" 0 $RC
check "attach creates the pin directory" yes \
	"$([ -d "$PINS/$B" ] && echo yes)"
check "pin directory is mode 0700" 700 "$(stat -c %a "$PINS/$B")"
# The expected names come from xt_pin_table (user/pins.c), the one list.
check "pins as xt_pin_table lists them for cls" \
	"$("$PINTABLE" names cls | sort | xargs)" \
	"$(ls "$PINS/$B" | sort | xargs)"
check "TC filter at prio 100 handle 0x7854" 1 \
	"$(tc -n "$RCV" filter show dev "$B" ingress | grep -c 'pref 100 bpf chain 0 handle 0x7854 xdptag_tc')"
run status "$B"
check "status exits 0" 0 $RC
check "status shows the default ruleset" 1 \
	"$(grep -c '^  rules   default (' <<<"$OUT")"

# --- the pipeline outlives the attaching process
check "5 frames sent" 5 "$(send_dns 5)"
run status "$B"
check "tags reach TC after attach exited" \
	"  bridge  meta; 100.0% of tagged packets reached TC with a valid tag (5 of 5)" \
	"$(grep bridge <<<"$OUT")"

# --- refusals
run attach "$B"
check "attach twice: exit status" 3 $RC
check "attach twice: message" \
	"Error: $B already has xdptag attached (detach first, or --force to replace it)" "$OUT"
# A pin of another xdptag version (a map since renamed) goes with the rest.
bpftool map pin pinned "$PINS/$B/xt_tc_stats" "$PINS/$B/xt_old_name"
check "a pin the table does not name is in the directory" yes \
	"$([ -e "$PINS/$B/xt_old_name" ] && echo yes)"
run detach "$B"
check "detach exits 0" 0 $RC
check "detach message" "Detached xdptag from $B" "$OUT"
check "attach + detach leaves the interface as it was" "$before" "$(snap)"
run detach "$B"
check "detach twice: exit status" 3 $RC
check "detach twice: message" "Error: $B has no xdptag attached" "$OUT"
run attach nosuch0
check "attach to a missing interface: exit status" 2 $RC
check "attach to a missing interface: message" \
	"Error: interface 'nosuch0' does not exist" "$OUT"
run status "$B"
check "status of an unattached interface: exit status" 3 $RC

# --- bad options change nothing
bad() {
	local name=$1 msg=$2; shift 2
	run attach "$B" "$@"
	check "$name: exit status" 2 $RC
	check "$name: message" "$msg" "$OUT"
	check "$name: interface unchanged" "$before" "$(snap)"
}
bad "mask 0" "Error: mark mask 0 leaves no bit to write" --mark-mask 0
bad "mask too small for both" \
	"Error: mark mask 0x3f cannot hold both values (0-143, classes up to 8) shifted by 0 (needs 0xff)" \
	--mark-value both --mark-mask 0x3f
bad "mask too small after shift" \
	"Error: mark mask 0xff cannot hold class values (0-8, classes up to 8) shifted by 6 (needs 0x3c0)" \
	--mark-shift 6
bad "shift 32" "Error: --mark-shift: '32' is not a number in 0-31" \
	--mark-shift 32
bad "bad mask number" "Error: --mark-mask: '0xfg' is not a number in 0-4294967295" \
	--mark-mask 0xfg
bad "bad mode" \
	"Error: --mode: 'fast' is not one of auto, native, generic, offload" \
	--mode fast
bad "drop above 255" "Error: --drop-above: '256' is not a number in 0-255" \
	--drop-above 256
bad "tc prio 0" "Error: --tc-prio: '0' is not a number in 1-65535" --tc-prio 0
run attach "$B" --rules /nonexistent.yaml
check "missing rules file: exit status" 2 $RC
check "missing rules file: last line names the file" \
	"Error: cannot load rules from /nonexistent.yaml" "$(tail -1 <<<"$OUT")"
check "missing rules file: interface unchanged" "$before" "$(snap)"

# --- a failed attach undoes what it did
run attach "$B" --mode offload
check "offload on veth: exit status" 1 $RC
check "offload on veth: interface unchanged" "$before" "$(snap)"

# --- the clsact xdptag made goes only with the last filter in it
qdiscs() { tc -n "$RCV" qdisc show dev "$B" | grep -c clsact; }
theirs_at() {	# DIR PRIO: their premark filters at PRIO on DIR
	tc -n "$RCV" filter show dev "$B" "$1" | grep -c "pref $2 bpf.*premark"
}
# Theirs in our slot (tc filter replace): our filter is gone, theirs stays.
run attach "$B" --tc-attach cls
tc -n "$RCV" filter replace dev "$B" ingress prio 100 handle 0x7854 bpf da \
	obj "$PREMARK" sec tc
run detach "$B"
check "their filter in our slot: detach exits 0" 0 $RC
check "their filter in our slot: detach says so, keeps the clsact" \
	"Warning: the TC filter at prio 100 handle 0x7854 on $B is not xdptag's any more; left in place
Detached xdptag from $B" "$OUT"
check "their filter in our slot: clsact and filter survive detach" "1 1" \
	"$(qdiscs) $(theirs_at ingress 100)"
tc -n "$RCV" qdisc del dev "$B" clsact 2>/dev/null
# Our clsact deleted and made again by someone else, with their filter.
run attach "$B" --tc-attach cls
tc -n "$RCV" qdisc del dev "$B" clsact 2>/dev/null
tc -n "$RCV" qdisc add dev "$B" clsact
tc -n "$RCV" filter add dev "$B" ingress prio 5 bpf da obj "$PREMARK" sec tc
run detach "$B"
check "their new clsact: detach warns that our filter is gone" \
	"Warning: the TC filter of $B (prio 100 handle 0x7854) is gone
Detached xdptag from $B" "$OUT"
check "their new clsact: it and their filter survive detach" "1 1" \
	"$(qdiscs) $(theirs_at ingress 5)"
tc -n "$RCV" qdisc del dev "$B" clsact 2>/dev/null
# Their egress filter in the clsact xdptag made: the qdisc stays for it.
run attach "$B" --tc-attach cls
tc -n "$RCV" filter add dev "$B" egress prio 7 bpf da obj "$PREMARK" sec tc
run detach "$B"
check "their egress filter: detach keeps the clsact for it" \
	"Kept the clsact qdisc xdptag made on $B: other filters are in it
Detached xdptag from $B" "$OUT"
check "their egress filter: clsact and filter survive, ours gone" "1 1 0" \
	"$(qdiscs) $(theirs_at egress 7) $(tc -n "$RCV" filter show dev "$B" ingress | grep -c xdptag_tc)"
tc -n "$RCV" qdisc del dev "$B" clsact 2>/dev/null
# Nothing else in it: the clsact xdptag made goes with its filter.
run attach "$B" --tc-attach cls
check "plain attach: xdptag made the clsact" 1 "$(qdiscs)"
run detach "$B"
check "plain detach removes the clsact xdptag made" \
	"0 Detached xdptag from $B" "$(qdiscs) $OUT"

# Someone else's clsact and filters: kept by attach and detach alike.
tc -n "$RCV" qdisc add dev "$B" clsact &&
	tc -n "$RCV" filter add dev "$B" ingress prio 1 bpf da \
		obj "$PREMARK" sec tc
check "someone else's clsact and filter set up" 0 $?
theirs=$(snap)
run attach "$B" --mode generic
check "attach next to another filter" 0 $RC
check "their filter is still there while attached" 1 \
	"$(tc -n "$RCV" filter show dev "$B" ingress | grep -c 'pref 1 bpf.*premark')"
run status "$B"
check "status: clsact not ours" 0 "$(grep -c 'clsact created by xdptag' <<<"$OUT")"
run detach "$B"
check "detach keeps their clsact and filter" "$theirs" "$(snap)"

# Their filter at our priority and handle: TC attach fails after XDP is
# attached, and the XDP program must be taken off again.
tc -n "$RCV" filter add dev "$B" ingress prio 100 handle 0x7854 bpf da \
	obj "$PREMARK" sec tc
theirs=$(snap)
run attach "$B" --tc-attach cls
check "filter in our slot: exit status" 1 $RC
check "filter in our slot: message" \
	"Error: $B already has a TC ingress filter at prio 100 handle 0x7854; choose another --tc-prio" \
	"$OUT"
check "filter in our slot: interface unchanged (XDP rolled back)" \
	"$theirs" "$(snap)"
run attach "$B" --tc-prio 200 --tc-attach cls
check "--tc-prio 200 attaches beside it" 0 $RC
check "our filter at prio 200" 1 \
	"$(tc -n "$RCV" filter show dev "$B" ingress | grep -c 'pref 200 bpf chain 0 handle 0x7854 xdptag_tc')"
run detach "$B"
check "detach at prio 200 leaves theirs" "$theirs" "$(snap)"
# Their filter of another protocol at our priority: the kernel says only
# EINVAL; the message names the slot and the way out.
tc -n "$RCV" filter add dev "$B" ingress protocol ip prio 300 bpf da \
	obj "$PREMARK" sec tc
theirs=$(snap)
run attach "$B" --tc-attach cls --tc-prio 300
check "another protocol's filter at our prio: status and message" \
	"1 Error: $B already has a TC ingress filter of another kind or protocol at prio 300; choose another --tc-prio" \
	"$RC $OUT"
check "another protocol's filter at our prio: interface unchanged" \
	"$theirs" "$(snap)"
tc -n "$RCV" qdisc del dev "$B" clsact

# --- another XDP program: refused without --force, replaced with it
ip -n "$RCV" link set dev "$B" xdpgeneric obj "$XDPPASS" sec xdp
theirs=$(snap)
id=$(ip -n "$RCV" -d link show dev "$B" | grep -o 'prog/xdp.* id [0-9]*' |
     awk '{print $NF}')
run attach "$B"
check "other XDP program: exit status" 3 $RC
check "other XDP program: message" \
	"Error: $B already has an XDP program attached (id $id); use --force to replace it" \
	"$OUT"
check "other XDP program: interface unchanged" "$theirs" "$(snap)"
# A mode --force cannot replace it in: neither refusal offers --force alone.
mode_why="Error: the XDP program on $B (id $id) runs in generic mode; --force replaces it only in that mode"
run attach "$B" --mode native
check "other XDP program, another --mode: no --force offered" \
	"3 $mode_why" "$RC $OUT"
run attach "$B" --mode native --force
check "... and with --force the same" "3 $mode_why" "$RC $OUT"
run attach "$B" --force
check "--force replaces it" 0 $RC
check "--force keeps its generic mode" 1 \
	"$(grep -c 'XDP in generic mode' <<<"$OUT")"
run detach "$B"
check "detach after --force removes our program" "$before" "$(snap)"

# --force over xdptag's own lone program keeps the reason it is alone.
xdp_why() { xt status "$B" | grep '^  xdp ' | sed 's/prog [0-9]*/prog N/'; }
run attach "$B" --tc-attach cls
why=$(xdp_why)
run attach "$B" --tc-attach cls --force
check "--force over xdptag: exit 0, status's xdp line as before" \
	"0 $why" "$RC $(xdp_why)"
run detach "$B"

# A device native XDP refuses (lo has no driver hook): the kernel's
# reason, which libbpf shows at -v only, is on the line, as ip link shows
# it, and said once though two tries fall back.  auto falls back to
# generic; an asked native mode fails with one line, in the dispatcher or
# alone, and leaves the interface as it was.
# (A jumbo MTU, the refusal used here before, attaches natively since the
# program is multi-buffer there: tests/e2e/test_jumbo.sh.)
lo_xdp() { ip -n "$RCV" -d link show dev lo | grep -o 'prog/xdp.* id [0-9]*'; }
lobefore=$(lo_xdp)
said='\(kernel: [^)]*native mode[^)]*\)'
run attach lo
check "lo, auto: exit 0, the kernel's reason once, generic mode" "0 1 1 1" \
	"$RC $(grep -c '^Native XDP not available on lo' <<<"$OUT") $(grep -cE "^Native XDP not available on lo: .+ $said; trying generic$" <<<"$OUT") $(xt status lo | grep -c '^  xdp     generic mode')"
run detach lo
for how in "" "--xdp-attach direct"; do
	# shellcheck disable=SC2086  # $how: no option, or one and its value
	run attach lo --mode native $how
	check "lo, --mode native${how:+ $how}: exit 1, one error line with the kernel's reason" \
		"1 1 1" "$RC $(wc -l <<<"$OUT") $(grep -cE "^Error: .+ $said$" <<<"$OUT")"
	check "lo, --mode native${how:+ $how}: interface unchanged" \
		"$lobefore" "$(lo_xdp)"
done

# --- two attaches at once: one wins, the other is refused cleanly
( xt attach "$B" --tc-attach cls >/dev/null 2>&1; echo $? >"/tmp/$XT_ID.1" ) &
( xt attach "$B" --tc-attach cls >/dev/null 2>&1; echo $? >"/tmp/$XT_ID.2" ) &
wait
on_exit rm -f "/tmp/$XT_ID.1" "/tmp/$XT_ID.2"
check "concurrent attach: one 0 and one 3" "0 3" \
	"$(cat "/tmp/$XT_ID.1" "/tmp/$XT_ID.2" | sort | xargs)"
check "concurrent attach: one TC filter" 1 \
	"$(tc -n "$RCV" filter show dev "$B" ingress | grep -c handle)"
run detach "$B"
check "concurrent attach: detach restores" "$before" "$(snap)"

# --- the interface vanishes while attached
C=${XT_ID}c
ip -n "$RCV" link add "$C" type veth peer name "${C}p" &&
	ip -n "$RCV" link set "$C" up
run attach "$C"
check "attach to a second veth" 0 $RC
ip -n "$RCV" link del "$C"
run status "$C"
check "status says it is gone" 1 \
	"$(grep -c "^$C: interface no longer exists" <<<"$OUT")"
run detach "$C"
check "detach of a vanished interface: exit status" 0 $RC
check "detach of a vanished interface: message" \
	"$C no longer exists; removed its pins" "$OUT"
check "detach of a vanished interface: pins gone" no \
	"$([ -e "$PINS/$C" ] && echo yes || echo no)"

# --- help
for c in attach detach status; do
	run "$c" --help
	check "$c --help" "0 Usage: xdptag $c" \
		"$RC $(head -1 <<<"$OUT" | awk '{print $1, $2, $3}')"
done

finish
