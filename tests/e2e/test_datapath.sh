#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The whole datapath over a veth pair: `xdptag attach` on the receiving
# side, real packets sent with scapy from the other namespace, and nftables
# counting them by skb->mark.  Each class's counter must equal the number of
# packets sent for it, in native and in generic mode, in the tc and auto
# bridge modes (auto on an XDP stage whose adjust_meta fails), and a mark
# bit set by an earlier TC filter outside xdptag's mask must survive.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
RULES=$PWD/tests/e2e/rules/classes.yaml
PREMARK=$PWD/$BUILD/tests/bpf/premark.bpf.o

e2e_need "datapath" "$PREMARK" nft tc bpftool ip

# Packets per class; the sender builds exactly these.
declare -A SENT=([0]=6 [1]=5 [2]=7 [3]=3 [4]=4)
TOTAL=25

lab_pair

# The packets behind SENT, through the shared sender.
send_packets() {
	ip netns exec "$SND" $PY tests/lib/scapy_send.py "$A" "$BMAC" <<'EOF'
5 IP(src="10.1.0.1", dst="10.2.0.1")/TCP(sport=40000, dport=80, flags="S")
7 IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=40000, dport=53)/Raw(b"q")
3 IP(src="10.1.0.1", dst="10.2.0.1")/TCP(sport=41000, dport=443, flags="FPU")
4 IP(src="198.51.100.7", dst="10.2.0.1")/UDP(sport=1234, dport=9999)
6 IP(src="10.1.0.1", dst="10.2.0.1")/UDP(sport=2000, dport=7777)
EOF
}

# One named counter per class: mark & MASK == VALUE (VALUE | HIGH).
nft_load() {
	local high=$1 c rules=""
	for c in 0 1 2 3 4; do
		rules+="counter c$c {}"$'\n'
	done
	rules+="chain pre { type filter hook prerouting priority 0; policy accept;"$'\n'
	for c in 0 1 2 3 4; do
		if [ "$high" = 0 ]; then
			rules+="meta mark and 0xff == $c counter name c$c"$'\n'
		else
			rules+="meta mark == $(printf '0x%x' $((high | c))) counter name c$c"$'\n'
		fi
	done
	ip netns exec "$RCV" nft delete table ip xtt 2>/dev/null
	ip netns exec "$RCV" nft -f - <<<"table ip xtt {
$rules}
}"
}

nft_count() {
	ip netns exec "$RCV" nft list counter ip xtt "c$1" |
		awk '/packets/ { for (i = 1; i < NF; i++)
			if ($i == "packets") print $(i + 1) }'
}

# Sum fields (FIELD or FIELD[i]) of a pinned per-CPU map over the CPUs,
# printed on one line: one dump and one python a map read (under qemu's
# TCG a python costs 0.3 s or more).
pin_sum() {
	local map=$1
	shift
	bpftool -j map dump pinned "/sys/fs/bpf/xdptag/$B/$map" |
		$PY -c '
import json, re, sys

def memo(e, name, idx):
    """What a live verdict memo entry adds to the field (include/xdptag.h,
    xt_memo_fold): its packets to its class, its passes to tagged."""
    if not e["key"] & 0x80000000:
        return 0
    if name == "class_pkts":
        return e["pkts"] if e["class_id"] == idx else 0
    if name == "tagged":
        return e["pkts"] if e["action"] == 2 else 0
    if name == "meta_fail":
        return 0
    sys.exit("pin_sum: no memo rule for " + name)

def total(ents, field):
    m = re.match(r"(\w+)(?:\[(\d+)\])?$", field)
    name, idx = m.group(1), m.group(2) and int(m.group(2))
    t = 0
    for ent in ents:
        for v in ent.get("formatted", ent)["values"]:
            v = v["value"]
            c = v.get("s", v)	# xt_cls_stats: struct xt_cls_cpu
            x = c[name]
            t += x[idx] if idx is not None else x
            for stage in v.get("memo", []):
                t += sum(memo(e, name, idx) for e in stage)
    return t % 2**64

ents = json.load(sys.stdin)
print(" ".join(str(total(ents, f)) for f in sys.argv[1:]))' "$@"
}

# uses_pin PROG MAP: yes if the pinned program PROG uses the pinned map MAP
# (by id: a global's map is named after its object, OBJ.bss).
uses_pin() {
	bpftool -j prog show pinned "/sys/fs/bpf/xdptag/$B/$1" |
		$PY -c 'import json, sys
print("yes" if int(sys.argv[1]) in json.load(sys.stdin)["map_ids"] else "no")' \
		"$(bpftool -j map show pinned "/sys/fs/bpf/xdptag/$B/$2" |
		   $PY -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
}

# run LABEL MODE HIGH [BRIDGE [NO_META]]: attach, send, check, detach.
run() {
	local label=$1 mode=$2 high=$3 bridge=${4:-meta} nometa=${5:-}
	local c out got line tagged valid nometa_n cls
	local cls_tagged cls_meta_fail tc_valid tc_no_meta tc_classified
	nft_load "$high" || { not_ok "$label: nft rules load"; return; }
	out=$(ip netns exec "$RCV" "$XT" attach "$B" --mode "$mode" \
		--rules "$RULES" --bridge "$bridge" $nometa 2>&1)
	check "$label: attach exits 0" 0 $?
	line=$(grep -o "XDP in [a-z]* mode" <<<"$out")
	check "$label: attach reports the mode" "XDP in $mode mode" "$line"

	check "$label: frames sent" $TOTAL "$(send_packets 2>/dev/null)"
	for c in 0 1 2 3 4; do
		got=$(nft_count $c)
		check "$label: nft counter for class $c" "${SENT[$c]}" "$got"
	done
	# Read after nftables counted the frames: the stages saw them before.
	read -r -a cls <<<"$(pin_sum xt_cls_stats "class_pkts[0]" \
		"class_pkts[1]" "class_pkts[2]" "class_pkts[3]" "class_pkts[4]" \
		tagged meta_fail)"
	cls_tagged=${cls[5]:-} cls_meta_fail=${cls[6]:-}
	read -r tc_valid tc_no_meta tc_classified \
		<<<"$(pin_sum xt_tc_stats valid no_meta classified)"
	for c in 0 1 2 3 4; do
		check "$label: xt_cls_stats class_pkts[$c]" "${SENT[$c]}" \
			"${cls[$c]:-}"
	done
	# Where the tag went: in meta mode every packet crosses tagged; in
	# tc mode none is tagged and TC classifies all; in auto mode without
	# metadata the first packet fails adjust_meta, flips the switch, and
	# TC classifies everything from then on.
	case $bridge in
	meta) tagged=$TOTAL valid=$TOTAL nometa_n=0 ;;
	*) tagged=0 valid=0 nometa_n=$TOTAL ;;
	esac
	check "$label: xt_cls_stats tagged" $tagged "$cls_tagged"
	check "$label: xt_tc_stats valid" $valid "$tc_valid"
	# Seen once under load: TC counted nothing.  Say what was attached.
	[ "$tc_valid" = "$valid" ] || {
		ip netns exec "$RCV" "$XT" status "$B"
		ip netns exec "$RCV" bpftool net show dev "$B"
	} 2>&1 | sed 's/^/# /'

	check "$label: xt_tc_stats no_meta" $nometa_n "$tc_no_meta"
	line=$(ip netns exec "$RCV" "$XT" status "$B" | grep bridge)
	case $bridge in
	meta)
		check "$label: status bridge line" \
			"  bridge  meta; 100.0% of tagged packets reached TC with a valid tag ($TOTAL of $TOTAL)" \
			"$line" ;;
	tc)
		check "$label: xt_tc_stats classified" $TOTAL \
			"$tc_classified"
		# One ruleset and one set of counters for both stages, each
		# stage its own scratch slot in the counters' entry
		# (struct xt_cls_cpu, include/xdptag.h).
		# The rulesets and the generation are globals (xt_map_twin(),
		# user/pins.c): shared all the same.
		for m in xt_rules xt_cls_stats xt_active; do
			check "$label: XDP and TC use the pinned $m" "yes yes" \
				"$(uses_pin xdp_prog $m) $(uses_pin tc_prog $m)"
		done
		check "$label: status bridge line" \
			"  bridge  tc; $TOTAL classified at TC; no tagged packets yet (0 of 0)" \
			"$line" ;;
	auto)
		check "$label: xt_cls_stats meta_fail" 1 \
			"$cls_meta_fail"
		check "$label: xt_tc_stats classified" $TOTAL \
			"$tc_classified"
		check "$label: status shows the switch" \
			"switched to tc ($TOTAL so far)" \
			"$(sed -E 's/.*(switched to tc) [0-9]+ s ago after untagged packets at TC (\([0-9]+ so far\)).*/\1 \2/' <<<"$line")" ;;
	esac

	ip netns exec "$RCV" "$XT" detach "$B" >/dev/null
	check "$label: detach exits 0" 0 $?
}

run native native 0
run generic generic 0
# Drivers without metadata (issue: bridge modes): marks still right.
run bridge-tc native 0 tc
run bridge-auto-nometa native 0 auto --no-meta

# Another mark user's filter at prio 1, before ours (prio 100): its bit
# outside xdptag's mask 0xff must reach nftables next to the class.
ip -n "$RCV" link set "$B" up
tc -n "$RCV" qdisc add dev "$B" clsact &&
tc -n "$RCV" filter add dev "$B" ingress prio 1 bpf da obj "$PREMARK" sec tc
check "premark filter added" 0 $?
run premark native 0x80000000

finish
