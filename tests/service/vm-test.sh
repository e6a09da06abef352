#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Runs at every boot of the test VM (tests/service/run.sh builds it) from
# xt-svc-test.service, and reports each step as a TAP line prefixed with
# "XT-SVC: " on the console.  First boot (the package is installed, by
# run.sh with apt in the root file system): enable xdptag@IFACE, check the marks (nftables counters), reload, a bad file,
# the exporter, systemd-analyze verify; then reboot.  Second boot: attached
# again and marking, an upgrade leaves the instance as it was and restarts
# the exporter, stop leaves nothing attached, purge leaves nothing.
# IFACE is a virtio-net NIC (native XDP); pings come from a second one on
# the same qemu hub, moved into the network namespace "peer".
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8
STATE=/var/lib/xt-svc
mkdir -p "$STATE"
# run.sh reported the install (step 1) and left its count here.
[ -f /var/lib/xt-svc-n ] && mv /var/lib/xt-svc-n "$STATE/n"
N=$(cat "$STATE/n" 2>/dev/null || echo 0)
PHASE=$(cat "$STATE/phase" 2>/dev/null || echo 1)

say() { echo "XT-SVC: $*" >/dev/console; }
# Seconds since the VM booted, for the log of a slow step.
up() { cut -d. -f1 /proc/uptime; }
ok() { N=$((N + 1)); echo "$N" >"$STATE/n"; say "ok $N - $1"; say "# uptime $(up)s"; }
not_ok() {
	N=$((N + 1)); echo "$N" >"$STATE/n"
	say "not ok $N - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -n 20 |
		while IFS= read -r l; do say "#   $l"; done
	say "# uptime $(up)s"
	return 0
}
check() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1" "expected '$2', got '$3'"; fi
}
# t SECONDS CMD...: a step's command under a timeout.
t() { local s=$1; shift; timeout --kill-after=5 "$s" "$@"; }
done_vm() { say "END"; systemctl poweroff; exit 0; }

# The NICs by the MAC addresses run.sh gives them.
nic() {
	local d
	for d in /sys/class/net/*; do
		[ "$(cat "$d/address")" = "$1" ] && basename "$d" && return
	done
}
X=$(nic 52:54:00:78:74:01)
P=$(nic 52:54:00:78:74:02)
[ -n "$X" ] && [ -n "$P" ] || { not_ok "two NICs" "xdptag's '$X', the sender's '$P'"; done_vm; }
CONF=/etc/xdptag/$X.yaml
U=xdptag@$X.service

# The sender in its own namespace; IPv6 off (its chatter would be counted).
lab() {
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link set "$X" up
	ip addr add 10.99.0.1/24 dev "$X" 2>/dev/null
	ip netns add peer
	ip link set "$P" netns peer
	ip netns exec peer sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n peer link set lo up
	ip -n peer link set "$P" up
	ip -n peer addr add 10.99.0.2/24 dev "$P"
	nft -f - <<EOF
table ip xtsvc {
	counter m5 {}
	counter m6 {}
	chain pre {
		type filter hook prerouting priority 0; policy accept;
		iifname "$X" meta mark and 0xff == 5 counter name m5
		iifname "$X" meta mark and 0xff == 6 counter name m6
	}
}
EOF
}
counters() {
	echo "$(nft list counter ip xtsvc m5 | grep -o 'packets [0-9]*' | cut -d' ' -f2)" \
	     "$(nft list counter ip xtsvc m6 | grep -o 'packets [0-9]*' | cut -d' ' -f2)"
}
# ping COUNT: echo requests from the peer; prints how many were answered.
pings() {
	t 30 ip netns exec peer ping -q -n -c "$1" -i 0.3 -W 2 10.99.0.1 |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}
# rules CLASS: echo requests to class CLASS (5 or 6), as the file of X.
rules() {
	cat >"$CONF" <<EOF
classes:
  - { id: 5, name: ping5 }
  - { id: 6, name: ping6 }
rules:
  - name: echo-request
    class: ping$1
    weight: 10
    match:
      icmp_type: echo-request
EOF
}
# The id of the XDP program attached to X, empty if none.
xdp_prog() { ip -d link show "$X" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p'; }
journal() { journalctl -b -o cat -u "$U" --no-pager 2>/dev/null; }
attached() {
	echo "$(ip -d link show "$X" | grep -c 'prog/xdp')" \
	     "$(tc filter show dev "$X" ingress | grep -c 'xdptag')" \
	     "$(ls /sys/fs/bpf/xdptag 2>/dev/null | wc -l)"
}

say "phase $PHASE: kernel $(uname -r), xdptag on $X, sender $P"
systemd-analyze blame 2>/dev/null | head -n 5 |
	while IFS= read -r l; do say "# blame: $l"; done
if [ "$PHASE" = 1 ]; then
	check "xdptag --version is the package's" \
		"xdptag $(dpkg-query -W -f='${Version}' xdptag)" "$(xdptag --version)"
	out=$(t 60 systemd-analyze verify "$U" xdptag-exporter.service 2>&1)
	check "systemd-analyze verify is clean" "0|" "$?|$out"
	lab
	mkdir -p /etc/xdptag
	rules 5
	out=$(t 60 systemctl enable --now "$U" 2>&1)
	check "systemctl enable --now $U" "0 active" \
		"$? $(systemctl is-active "$U")"
	check "attached: XDP, TC filter, pins" "1 1 1" "$(attached)"
	check "the journal has the attach line" 1 \
		"$(journal | grep -c "^Attached xdptag to $X: XDP in native mode")"
	check "5 pings answered" 5 "$(pings 5)"
	check "marked class 5 by $CONF" "5 0" "$(counters)"

	rules 6
	out=$(t 60 systemctl reload "$U" 2>&1)
	check "systemctl reload with new rules" 0 $?
	check "the journal has the reload line" 1 \
		"$(journal | grep -c "^$X: loaded $CONF, 1 rules")"
	check "4 pings answered" 4 "$(pings 4)"
	check "after the reload marked class 6" "5 4" "$(counters)"

	cp "$CONF" "$STATE/good.yaml"
	printf 'rules:\n  - name: broken\n    weight: 10\n' >"$CONF"
	out=$(t 60 systemctl reload "$U" 2>&1)
	check "a bad file fails the reload" "1 active" \
		"$([ $? != 0 ] && echo 1) $(systemctl is-active "$U")"
	check "the journal has the checker's message" 1 \
		"$(journal | grep -c "^$CONF:.*class")"
	check "3 pings answered" 3 "$(pings 3)"
	check "the old rules keep marking" "5 7" "$(counters)"
	cp "$STATE/good.yaml" "$CONF"

	# Enabled: it comes back after the reboot, and the purge must stop it.
	out=$(t 60 systemctl enable --now xdptag-exporter.service 2>&1)
	m=""
	for _ in $(seq 20); do
		m=$(t 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/9435
			printf "GET /metrics HTTP/1.0\r\n\r\n" >&3; cat <&3' 2>/dev/null |
			grep -c "^xdptag_.*iface=\"$X\"")
		[ "${m:-0}" -gt 0 ] && break
		sleep 1
	done
	check "the hardened exporter serves $X's metrics" 1 \
		"$([ "${m:-0}" -gt 0 ] && echo 1)"

	echo 2 >"$STATE/phase"
	say "rebooting"
	systemctl reboot
	exit 0
fi

# ----------------------------------------------------- after the reboot --- #
for _ in $(seq 60); do
	[ "$(systemctl is-active "$U")" = active ] && break
	sleep 1
done
check "after the reboot $U is active" active "$(systemctl is-active "$U")"
check "the enabled exporter runs again" active \
	"$(systemctl is-active xdptag-exporter.service)"
check "attached again: XDP, TC filter, pins" "1 1 1" "$(attached)"
check "with $CONF" "$CONF" \
	"$(xdptag status "$X" | sed -n 's/^  rules   \(.*\) (.*/\1/p')"
check "the journal of this boot has one attach line" 1 \
	"$(journal | grep -c "^Attached xdptag to $X")"
lab
check "5 pings answered" 5 "$(pings 5)"
check "marked class 6" "0 5" "$(counters)"

# An upgrade (docs/deploy.md, "Upgrade"): the instance is neither stopped
# nor restarted, its programs stay attached and marking; the enabled
# exporter is restarted, by a new process.
prog=$(xdp_prog)
since=$(systemctl show -p ActiveEnterTimestampMonotonic --value "$U")
epid=$(systemctl show -p MainPID --value xdptag-exporter.service)
want="$(dpkg-query -W -f='${Version}' xdptag)+up1"
out=$(t 180 apt-get install -y -q /root/upgrade.deb 2>&1)
rc=$?
rm -f /root/upgrade.deb
check "apt install of the upgrade" "0 $want" \
	"$rc $(dpkg-query -W -f='${Version}' xdptag)"
[ "$rc" = 0 ] || say "# $(tail -n 5 <<<"$out" | tr '\n' '|')"
check "the upgrade left $U active, neither stopped nor restarted" \
	"active ${since:-none}" "$(systemctl is-active "$U") \
$(systemctl show -p ActiveEnterTimestampMonotonic --value "$U")"
check "the same XDP program stays attached" "${prog:-none}" "$(xdp_prog)"
check "the upgrade restarted the exporter" "active new" \
	"$(systemctl is-active xdptag-exporter.service) \
$([ "$(systemctl show -p MainPID --value xdptag-exporter.service)" != "$epid" ] && echo new)"
check "3 pings answered" 3 "$(pings 3)"
check "still marked class 6" "0 8" "$(counters)"

out=$(t 60 systemctl stop "$U" 2>&1)
check "systemctl stop" "0 inactive" "$? $(systemctl is-active "$U")"
check "nothing attached: no XDP, no TC filter, no pins" "0 0 0" "$(attached)"
check "the journal has the detach line" 1 \
	"$(journal | grep -c "^Detached xdptag from $X")"
check "2 pings answered" 2 "$(pings 2)"
check "nothing marked any more" "0 8" "$(counters)"

# What a start killed after pinning leaves (or a crash of anything it
# started): an attachment in bpffs and a unit that is not active.  Start
# finds the pins intact, keeps them and loads the file.
out=$(t 60 xdptag attach "$X" 2>&1)
check "attached by hand, outside the unit" "1 1 1 inactive" \
	"$(attached) $(systemctl is-active "$U")"
out=$(t 60 systemctl start "$U" 2>&1)
check "systemctl start carries on with the pins" "0 active 1 1" \
	"$? $(systemctl is-active "$U") $(journal | grep -c "^$X: xdptag is already attached; keeping it") $(journal | grep -c "^$X: loaded $CONF, 1 rules")"
check "6 pings answered" 6 "$(pings 6)"
check "marked class 6 by the file again" "0 14" "$(counters)"

# Purge while attached: the package's prerm must detach.  (man-db's cat
# page cache, /var/cache/man, keeps what `systemd-analyze verify` had man
# format; it is man-db's, not the package's, and is not looked at.)
out=$(t 180 apt-get purge -y -q xdptag 2>&1)
rc=$?
check "apt purge xdptag" "0 " "$rc $(dpkg-query -W -f='${Status}' xdptag 2>/dev/null)"
[ "$rc" = 0 ] || say "# $(tail -n 5 <<<"$out" | tr '\n' '|')"
check "nothing attached after purge" "0 0 0" "$(attached)"
check "no xdptag process left (the enabled exporter stopped)" "" \
	"$(grep -lx xdptag /proc/[0-9]*/comm 2>/dev/null)"
check "no pin directory left" no "$([ -e /sys/fs/bpf/xdptag ] || echo no)"
check "no files, units, enablement links or configuration left" "" \
	"$(find / -xdev \( -path /proc -o -path /sys -o -path /run \
		-o -path /var/lib/xt-svc -o -path /var/log/journal \
		-o -path /var/cache/man \) -prune \
		-o -iname '*xdptag*' -print)"
check "systemd knows no xdptag unit files" "" \
	"$(systemctl list-unit-files --no-legend 'xdptag*' | head -n 3)"
done_vm
