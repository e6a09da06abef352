#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Where the pins go when /sys/fs/bpf is not a bpffs (docs/robustness.md,
# "bpffs not mounted"), each case in mount (and PID) namespaces of its own
# so that nothing depends on how this machine mounted bpffs:
#   - an ancestor has bpffs: attach under ip netns exec joins it;
#   - no bpffs anywhere: attach mounts one where later commands find it;
#   - a chroot whose parent has bpffs: attach stays inside the chroot.
# After every case the interface is reset (veth pair recreated, pins of the
# case removed), so one failure never leaves a program for the next case.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
PINS=/sys/fs/bpf/xdptag

e2e_need "bpffs" unshare chroot

ns_new NS
A=${XT_ID}a
B=${XT_ID}b
CHROOT=$(mktemp -d)
on_exit rmdir "$CHROOT"
reset() {
	ip -n "$NS" link del "$A" 2>/dev/null
	rm -rf "${PINS:?}/$A"
	veth_pair "$A" "$NS" "$B" "$NS" || { not_ok "veth pair"; finish; }
}
on_exit rm -rf "${PINS:?}/$A"
reset

has_pins() { [ -d "$PINS/$A" ] && echo pins || echo no-pins; }
xdp_on() {
	ip -n "$NS" link show dev "$A" | grep -q 'prog/xdp' && echo xdp ||
		echo no-xdp
}
# Shell code: unmount every bpffs stacked on /sys/fs/bpf here.
UNMOUNT='while [ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ]; do
	umount /sys/fs/bpf || exit 9; done'
# tap.sh gave this test a mount namespace and a bpffs of its own.
[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] ||
	{ not_ok "a bpffs for this test" "tests/lib/tap.sh mounts one"; finish; }

# --- An ancestor has bpffs (this test), the shell in between has none.
out=$(unshare -m --propagation private bash -c "$UNMOUNT
	stat -f -c %T /sys/fs/bpf
	ip netns exec $NS $XT attach $A >/dev/null; echo attach \$?
	ip netns exec $NS $XT status $A | grep -c '^  pins'
	stat -f -c %T /sys/fs/bpf" 2>&1)
check "bpffs in an ancestor: attach joins it, status shows the pins line" \
	"sysfs attach 0 1 sysfs" "$(xargs <<<"$out")"
check "... the pins are in the ancestor's bpffs" pins "$(has_pins)"
out=$(ip netns exec "$NS" "$XT" detach "$A" 2>&1; echo $?)
check "... detach from here finds them" "0 no-pins no-xdp" \
	"$(tail -n 1 <<<"$out") $(has_pins) $(xdp_on)"
reset

# --- No bpffs anywhere (a new PID namespace hides every ancestor): the
# first attach mounts one in the outermost namespace it can see (the
# shell's), and every later command, under ip netns exec or not, uses it
# (status from outside the network namespace finds the pins, and that
# they are that namespace's: status 3).
out=$(unshare -m -p -f --mount-proc --propagation private bash -c "$UNMOUNT
	ip netns exec $NS $XT attach $A >/dev/null; echo attach \$?
	stat -f -c %T /sys/fs/bpf
	ls /sys/fs/bpf/xdptag
	ip netns exec $NS $XT status $A >/dev/null; echo status \$?
	$XT status $A >/dev/null 2>&1; echo status-here \$?
	ip netns exec $NS $XT detach $A >/dev/null; echo detach \$?
	ls /sys/fs/bpf/xdptag | wc -l" 2>&1)
check "no bpffs anywhere: attach mounts one the next commands find" \
	"attach 0 bpf_fs $A status 0 status-here 3 detach 0 0" \
	"$(xargs <<<"$out")"
check "... nothing in the outer bpffs, nothing left on the interface" \
	"no-pins no-xdp" "$(has_pins) $(xdp_on)"
reset

# --- A chroot (another root) whose parent has bpffs: xdptag must not
# leave the chroot's root for the parent's mount namespace.  The chroot is
# a tmpfs with the system and this tree bound in.
out=$(unshare -m --propagation private bash -c "
	set -e
	mount -t tmpfs xtroot $CHROOT
	cd $CHROOT
	mkdir -p usr etc proc sys dev run tmp .$PWD
	for d in bin sbin lib lib32 lib64 libx32; do
		[ -L /\$d ] && ln -s \"\$(readlink /\$d)\" \$d
		[ -d /\$d ] && [ ! -L /\$d ] && mkdir \$d &&
			mount --rbind /\$d \$d
	done
	mount --rbind /usr usr
	mount --rbind /etc etc
	mount --rbind /dev dev
	mount --rbind /run run
	mount --bind $PWD .$PWD
	mount -t proc proc proc
	mount -t sysfs sysfs sys
	set +e
	chroot . bash -c '
		ip netns exec $NS $XT attach $A >/dev/null; echo attach \$?
		stat -f -c %T /sys/fs/bpf'
	[ -d $PINS/$A ] && echo parent-pins || echo parent-no-pins
	chroot . bash -c '
		ip netns exec $NS $XT status $A >/dev/null; echo status \$?
		ip netns exec $NS $XT detach $A >/dev/null; echo detach \$?'
	" 2>&1)
check "a chroot: attach mounts the chroot's own bpffs, never the parent's" \
	"attach 0 bpf_fs parent-no-pins status 0 detach 0" "$(xargs <<<"$out")"
check "... nothing left on the interface or in the parent's bpffs" \
	"no-pins no-xdp" "$(has_pins) $(xdp_on)"
reset

finish
