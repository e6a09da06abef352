#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# xdptag next to another tool's TC programs (docs/coexistence.md).  The
# other tool is tests/bpf/other_pass: it sets mark bit 30 and ends the
# chain (TCX_PASS under tcx, TC_ACT_OK as a cls_bpf filter), as Cilium's
# programs do.  Echo requests are counted by nftables in the receiver:
# all of them, those with xdptag's class 5 in the low byte, and those with
# the other tool's bit.  On kernels with tcx (6.6+) xdptag's TC stage is a
# tcx link placed first, so its marks are written whatever the other tool
# attached before or after it; those cases SKIP on kernels without tcx.
# On every kernel: a cls_bpf filter before xdptag's cls_bpf filter is
# warned about at attach and named by status as why TC did not run.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
OTHER=$PWD/$BUILD/tests/bpf/other_pass.bpf.o
TCX=$PWD/$BUILD/tests/tools/tcx_attach
PINTABLE=$PWD/$BUILD/tests/tools/pin_table
DISPATCHER=$PWD/$BUILD/tests/bpf/xdp_dispatcher.bpf.o
XDP_PASS=$PWD/$BUILD/tests/bpf/xdp_pass.bpf.o
N=5

e2e_need "coexistence e2e" "$OTHER" "$TCX" "$PINTABLE" "$DISPATCHER" "$XDP_PASS" \
	nft tc jq
lab_pair
lab_ip4 10.198.0

TMP=$(mktemp -d)
on_exit rm -rf "$TMP"
PIN=/sys/fs/bpf/xtcoexist$$
on_exit rm -f "${PIN}_1" "${PIN}_2"
cat >"$TMP/rules.yaml" <<'YAML'
classes:
  - { id: 5, name: ping }
rules:
  - name: echo
    class: ping
    weight: 40
    match:
      proto: icmp
      icmp_type: 8
YAML

xt() { ip netns exec "$RCV" "$XT" "$@"; }
attach() { xt attach "$B" --rules "$TMP/rules.yaml" "$@"; }

nft_arm() {
	ip netns exec "$RCV" nft -f - <<'NFT'
flush ruleset
table ip xtc {
	chain pre {
		type filter hook prerouting priority -300;
		icmp type echo-request counter
		icmp type echo-request meta mark & 0xff == 5 counter
		icmp type echo-request meta mark & 0x40000000 == 0x40000000 counter
	}
}
NFT
}

# "all class5 other" echo requests since nft_arm
nft_counts() { nft_counters "$RCV" chain ip xtc pre; }

# pings_count: arm the counters, send N echo requests, print the counts.
pings_count() {
	local sent
	nft_arm
	sent=$(echo "$N IP(src='10.198.0.1', dst='10.198.0.2')/ICMP(type=8)" |
	       ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC")
	[ "$sent" = "$N" ] || echo "# scapy sent '$sent'" >&2
	nft_counts
}

other_tcx() {	# other_tcx PIN first|last
	"$TCX" "$RCV" "$B" "$OTHER" other_pass "$1" "$2" >/dev/null
}
other_cls() {	# other_cls PRIO
	tc -n "$RCV" qdisc add dev "$B" clsact 2>/dev/null
	tc -n "$RCV" filter add dev "$B" ingress prio "$1" bpf da \
		obj "$OTHER" sec tc
}
other_cls_del() { tc -n "$RCV" qdisc del dev "$B" clsact 2>/dev/null; }
on_exit tc -n "$RCV" qdisc del dev "$B" clsact

# ------------------------------------------------------------ tcx ---
if "$TCX" "$RCV" "$B" probe; then
	HAVE_TCX=1
else
	HAVE_TCX=
fi
tcx_cases=(
	"tcx: other tool attached first, then xdptag: marks written"
	"tcx: status lists the other program after xdptag"
	"tcx: other tool appended after xdptag: both run"
	"tcx: detach the other tool first: xdptag still marks"
	"tcx: other tool prepended before xdptag: status names it"
	"tcx: detach xdptag first: the other tool still runs"
	"tcx: cls_bpf filter at prio 10 returning TC_ACT_OK: marks written"
	"tcx: --force replaces an older xdptag's cls_bpf attachment"
	"tcx: attach --tc-attach cls warns about the tcx program"
	"tcx: pins as xt_pin_table lists them for tcx"
)
if [ -z "$HAVE_TCX" ]; then
	for c in "${tcx_cases[@]}"; do
		skip_test "$c" "kernel $(uname -r) has no tcx (6.6+)"
	done
else
	# 1. The other tool is there first; xdptag (auto: tcx) goes before it.
	other_tcx "${PIN}_1" last || not_ok "other tool's tcx link"
	out=$(attach 2>&1)
	grep -q 'TC ingress through tcx, first' <<<"$out" ||
		echo "# $out"
	check "${tcx_cases[0]}" "$N $N $N" "$(pings_count)"
	check "${tcx_cases[9]}" "$("$PINTABLE" names tcx | sort | xargs)" \
		"$(ls "/sys/fs/bpf/xdptag/$B" | sort | xargs)"
	out=$(xt status "$B")
	check "${tcx_cases[1]}" 1 \
		"$(grep -Ec '^          tcx ingress #2 prog [0-9]+ other_pass: runs after xdptag' <<<"$out")"
	# 2. Appended after xdptag too: both of theirs and ours run.
	other_tcx "${PIN}_2" last || not_ok "second tcx link"
	check "${tcx_cases[2]}" "$N $N $N" "$(pings_count)"
	rm -f "${PIN}_1" "${PIN}_2"
	check "${tcx_cases[3]}" "$N $N 0" "$(pings_count)"
	# 3. Prepended before xdptag and ending the chain: nothing can help,
	# but status says what happened and who did it.
	other_tcx "${PIN}_1" first || not_ok "prepended tcx link"
	counts=$(pings_count)
	out=$(xt status "$B")
	health=$(grep -c "^  health  TC stage did not run for $N of $((4 * N)) packets XDP passed; likely cause: tcx ingress #1 prog [0-9]* other_pass runs before it and ends the chain" <<<"$out")
	check "${tcx_cases[4]}" "$N 0 $N 1" "$counts $health"
	[ "$health" = 1 ] || echo "$out" | sed 's/^/# /'
	# 4. Detach xdptag while theirs stays.
	xt detach "$B" >/dev/null
	check "${tcx_cases[5]}" "$N 0 $N" "$(pings_count)"
	# 4b. cls_bpf asked for on a kernel with tcx, a tcx program there:
	# attach warns that it hides xdptag's filter, and says what to do.
	out=$(attach --tc-attach cls 2>&1)
	check "${tcx_cases[8]}" 1 \
		"$(grep -Ec "^Warning: $B: tcx ingress #1 prog [0-9]+ other_pass runs before xdptag's TC stage: .* are never marked; attach with --tc-attach tcx$" <<<"$out")"
	xt detach "$B" >/dev/null
	rm -f "${PIN}_1"
	# 5. A cls_bpf filter ending the clsact chain: tcx runs before it.
	other_cls 10 || not_ok "other tool's cls_bpf filter"
	attach >/dev/null 2>&1
	check "${tcx_cases[6]}" "$N $N $N" "$(pings_count)"
	xt detach "$B" >/dev/null
	check "tcx: detach leaves their cls_bpf filter running" "$N 0 $N" \
		"$(pings_count)"
	other_cls_del
	# 6. Upgrade: an older xdptag's cls_bpf filter, replaced by --force.
	attach --tc-attach cls >/dev/null 2>&1
	out=$(attach --force 2>&1)
	rc=$?
	left=$(tc -n "$RCV" qdisc show dev "$B" | grep -c clsact)
	how=$(xt status "$B" | grep -c '^  tc      tcx ingress link')
	marks=$(pings_count)
	check "${tcx_cases[7]}" "0 1 0 1 $N $N 0" \
		"$rc $(grep -c 'Replaced the xdptag attachment of .* (TC stage was cls)' <<<"$out") $left $how $marks"
	xt detach "$B" >/dev/null
	check "tcx: detach after the upgrade leaves no pins, no clsact" "0 0" \
		"$(ls -a /sys/fs/bpf/xdptag/ | grep -c "$B") $(tc -n "$RCV" qdisc show dev "$B" | grep -c clsact)"
fi

# ------------------------------------------------------ cls_bpf ---
# Their filter at prio 10 before xdptag's at 100: warned about at attach,
# and the reason status gives for the marks that were not written.
other_cls 10 || not_ok "other tool's cls_bpf filter"
out=$(attach --tc-attach cls 2>&1)
check "cls: attach warns about the filter that runs first" 1 \
	"$(grep -Ec "^Warning: $B: tc ingress prio 10 handle 0x1 bpf prog [0-9]+ other_pass da runs before xdptag's TC filter" <<<"$out")"
counts=$(pings_count)
health=$(xt status "$B" | grep -c "^  health  TC stage did not run for $N of $N packets XDP passed; likely cause: tc ingress prio 10 handle 0x1 bpf prog [0-9]* other_pass da runs before it")
check "cls: hidden behind it, and status says why" "$N 0 $N 1" \
	"$counts $health"
xt detach "$B" >/dev/null
# The way out on 6.1: a lower priority than theirs.
attach --tc-attach cls --tc-prio 5 >/dev/null 2>&1
check "cls: at prio 5, before theirs: marks written, theirs still runs" \
	"$N $N $N" "$(pings_count)"
check "cls: health ok" 1 "$(xt status "$B" | grep -c '^  health  ok')"
xt detach "$B" >/dev/null
check "cls: detach leaves their filter running" "$N 0 $N" "$(pings_count)"
other_cls_del

# --- upgrade in place on every kernel: cls_bpf over cls_bpf, same slot
attach --tc-attach cls >/dev/null 2>&1
old=$(tc -n "$RCV" filter show dev "$B" ingress | grep -o 'xdptag_tc.* id [0-9]*' | awk '{print $NF}')
out=$(attach --force --tc-attach cls 2>&1)
rc=$?
new=$(tc -n "$RCV" filter show dev "$B" ingress | grep -o 'xdptag_tc.* id [0-9]*' | awk '{print $NF}')
check "cls: --force replaces the filter in its slot" "0 1 1 yes $N $N 0" \
	"$rc $(grep -c 'Replaced the xdptag attachment of .* (TC stage was cls)' <<<"$out") $(wc -w <<<"$new") $([ "$new" != "$old" ] && echo yes) $(pings_count)"
xt detach "$B" >/dev/null
check "cls: detach after the upgrade leaves no clsact, no pins" "0 0" \
	"$(tc -n "$RCV" qdisc show dev "$B" | grep -c clsact) $(ls -a /sys/fs/bpf/xdptag/ | grep -c "$B")"

# --- Someone else takes the XDP hook from xdptag: status says so, not ok.
attach >/dev/null 2>&1
ip -n "$RCV" link set dev "$B" xdp off
ip -n "$RCV" link set dev "$B" xdpgeneric obj "$XDP_PASS" sec xdp
out=$(xt status "$B")
theirs=$(ip -n "$RCV" -d link show dev "$B" | grep -o 'prog/xdp.* id [0-9]*' |
	 awk '{print $NF}')
check "XDP stage replaced by another program: status says so, and that --force replaces it" "1 0" \
	"$(grep -c "^  health  xdptag's XDP stage is no longer on the interface's XDP hook (someone else detached or replaced it); packets are neither classified nor tagged: 'xdptag attach $B --force' attaches it again, replacing xdp generic prog $theirs xdp_pass, which runs there now$" <<<"$out") $(grep -c '^  health  ok' <<<"$out")"
xt detach "$B" >/dev/null 2>&1
ip -n "$RCV" link set dev "$B" xdpgeneric off

# --- Someone else's filter takes xdptag's cls_bpf slot: the hint says
# that --force would replace it.
attach --tc-attach cls >/dev/null 2>&1
tc -n "$RCV" filter replace dev "$B" ingress prio 100 handle 0x7854 bpf da \
	obj "$OTHER" sec tc
theirs=$(tc -n "$RCV" filter show dev "$B" ingress | grep -o 'other_pass.* id [0-9]*' |
	 awk '{print $NF}')
out=$(xt status "$B")
check "TC slot taken by another filter: status says so, and that --force replaces it" "1 0" \
	"$(grep -c "^  health  xdptag's TC stage is no longer on the interface's ingress hooks (its tcx link or cls_bpf filter was removed by someone else); packets are not marked: 'xdptag attach $B --force' attaches it again, replacing tc ingress prio 100 handle 0x7854 bpf prog $theirs other_pass da, which holds its slot now$" <<<"$out") $(grep -c '^  health  ok' <<<"$out")"
xt detach "$B" >/dev/null 2>&1
tc -n "$RCV" qdisc del dev "$B" clsact 2>/dev/null

# --- A program named like libxdp's dispatcher that libxdp does not
# recognise as one (no dispatcher config): refused like any other program
# (tests/e2e/test_libxdp.sh joins a real one).
ip -n "$RCV" link set dev "$B" xdpgeneric obj "$DISPATCHER" sec xdp
id=$(ip -n "$RCV" -d link show dev "$B" | grep -o 'prog/xdp.* id [0-9]*' |
     awk '{print $NF}')
out=$(attach 2>&1 | grep '^Error'; exit "${PIPESTATUS[0]}")
check "not libxdp's dispatcher, only named so: refused like any program" \
	"3 Error: $B already has an XDP program attached (id $id); use --force to replace it" \
	"$? $out"
ip -n "$RCV" link set dev "$B" xdpgeneric off
finish
