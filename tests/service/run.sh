#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make test-service: the Debian package under a real systemd.  Boots a
# Debian 12 root file system (mmdebstrap --variant=important, systemd as
# init, Debian's 6.1 cloud kernel from the same mirror, the package's
# Depends) in qemu without KVM, with two virtio-net NICs on one qemu hub:
# xdptag's (native XDP on a real driver) and the sender's, moved into a
# network namespace (the cloud kernel has no e1000 driver).  tests/service/vm-test.sh runs inside at boot,
# across one reboot, and reports TAP lines over the serial console; this
# script prints them and a summary line, and fails if any failed or the VM
# did not finish.
#
#   BUILD               build directory ($BUILD/deb/xdptag_*.deb, make deb)
#   XT_SVC_TIMEOUT      seconds the VM may run (default 560)
#   XT_SVC_ACCEL        qemu accelerator (default tcg)
#   XT_SVC_SMP          vCPUs (default 1)
#   XT_SVC_KEEP=1       keep the work directory (image, console log)
#
# The root file system without the package is cached as a tar under
# ${XDG_CACHE_HOME:-/var/cache}/xdptag, keyed by everything it is built
# from; a missing or unwritable cache only costs the mmdebstrap run.
set -eu -o pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
CACHE=${XDG_CACHE_HOME:-/var/cache}/xdptag
VM_TIMEOUT=${XT_SVC_TIMEOUT:-560}
ACCEL=${XT_SVC_ACCEL:-tcg}
# One vCPU: under TCG a second one costs more than it gives on a busy host.
SMP=${XT_SVC_SMP:-1}
SUITE=bookworm
# What the test itself uses in the VM besides the package's Depends (man-db:
# systemd-analyze verify checks Documentation=man:xdptag(8)).
PKGS="systemd-sysv udev kmod iproute2 nftables iputils-ping man-db
      linux-image-cloud-amd64 apt"

die() { echo "Error: $*" >&2; exit 1; }
step() { printf '  %-8s %s\n' "$1" "$2"; }
start=$(date +%s)

for c in mmdebstrap mkfs.ext4 qemu-system-x86_64 dpkg-deb sha256sum; do
	command -v "$c" >/dev/null || die "$c not found (run 'make deps')"
done
[ "$(id -u)" = 0 ] || die "make test-service needs root (mmdebstrap, image)"
DEB=$(ls "$BUILD"/deb/xdptag_*.deb 2>/dev/null | tail -n 1)
[ -n "$DEB" ] || die "no $BUILD/deb/xdptag_*.deb (run 'make deb')"

# The package's Depends, first alternative, without versions.
DEPS=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//' |
       tr -d ' ' | grep . | sort -u | tr '\n' ' ')
INCLUDE=$(echo $PKGS $DEPS | tr ' ' '\n' | sort -u | paste -sd, -)

WORK=$(mktemp -d /tmp/xdptag-svc.XXXXXX)
if [ "${XT_SVC_KEEP:-}" = 1 ]; then
	trap 'echo "  kept $WORK"' EXIT
else
	trap 'rm -rf "$WORK"' EXIT
fi

# ------------------------------------------------------------ root fs --- #

# Keyed by the recipe: mmdebstrap's version, the suite, the packages, the
# mirrors, and this file's recipe lines (the IMAGE-RECIPE marker's).
key=$( { mmdebstrap --version; echo "$SUITE $INCLUDE"
	 cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null
	 grep 'IMAGE-RECIPE' "$0"; } | sha256sum | cut -c1-16)
TAR=$CACHE/service-root-$key.tar
if [ ! -s "$TAR" ]; then
	mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] || TAR=$WORK/root.tar
	step MMDEB "$SUITE --variant=important (cache $(basename "$TAR"))"
	# IMAGE-RECIPE: mmdebstrap --variant=important --include=$INCLUDE
	# The output's name ends in .tar: mmdebstrap picks the format by it.
	tmp=$(dirname "$TAR")/.tmp-$$-$(basename "$TAR")
	timeout 600 mmdebstrap --quiet --variant=important \
		--include="$INCLUDE" "$SUITE" "$tmp" ||
		{ rm -f "$tmp"; die "mmdebstrap failed"; }
	mv "$tmp" "$TAR"
else
	step CACHE "$(basename "$TAR")"
fi

ROOT=$WORK/root
mkdir "$ROOT"
tar -C "$ROOT" --numeric-owner -xpf "$TAR"
KVER=$(ls "$ROOT/lib/modules" | sort -V | tail -n 1)
cp "$ROOT/boot/vmlinuz-$KVER" "$ROOT/boot/initrd.img-$KVER" "$WORK/"

# The package goes in with apt, in the pristine root on this machine
# (dpkg under TCG costs a minute); everything that needs the kernel and
# systemd happens in the VM.
cp "$DEB" "$ROOT/root/"
if out=$(timeout 300 chroot "$ROOT" apt-get install -y -q --no-install-recommends \
		-o APT::Sandbox::User=root "/root/$(basename "$DEB")" 2>&1) &&
   [ "$(chroot "$ROOT" dpkg-query -W -f='${Status}' xdptag)" = "install ok installed" ]; then
	HOST_TAP="ok 1 - apt install ./$(basename "$DEB") in the Debian 12 root"
else
	HOST_TAP="not ok 1 - apt install ./$(basename "$DEB") in the Debian 12 root"
	printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /' >&2
fi
echo "$HOST_TAP"
echo 1 >"$ROOT/var/lib/xt-svc-n"
rm "$ROOT/root/$(basename "$DEB")"
# The upgrade the VM installs over it: the same files as version
# VERSION+up1, so that dpkg runs the maintainer scripts' upgrade paths
# (vm-test.sh removes it before it looks for leftovers).
UP=$WORK/up
dpkg-deb -R "$DEB" "$UP"
sed -i 's/^Version: .*/&+up1/' "$UP/DEBIAN/control"
dpkg-deb -b "$UP" "$ROOT/root/upgrade.deb" >/dev/null
rm -rf "$UP"
install -m 755 tests/service/vm-test.sh "$ROOT/root/xt-svc-test.sh"
cat >"$ROOT/etc/systemd/system/xt-svc-test.service" <<'EOF'
[Unit]
Description=xdptag service test (tests/service/vm-test.sh)
After=multi-user.target

[Service]
Type=oneshot
ExecStart=/root/xt-svc-test.sh
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
ln -s /etc/systemd/system/xt-svc-test.service \
	"$ROOT/etc/systemd/system/multi-user.target.wants/xt-svc-test.service"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$ROOT/etc/fstab"
echo xt-svc >"$ROOT/etc/hostname"
# man-db's trigger rebuilds its index at every install and purge: minutes
# under TCG, and nothing the test reads.
rm -f "$ROOT/var/lib/man-db/auto-update"
# Units the test does not need cost seconds of every boot under TCG: no
# login prompts (the console carries the results), no cron, no timers.
for u in serial-getty@ttyS0.service getty@tty1.service cron.service \
	 e2scrub_reap.service apt-daily.timer apt-daily-upgrade.timer \
	 dpkg-db-backup.timer e2scrub_all.timer fstrim.timer logrotate.timer \
	 man-db.timer systemd-tmpfiles-clean.timer; do
	ln -sf /dev/null "$ROOT/etc/systemd/system/$u"
done
IMG=$WORK/root.img
timeout 300 mkfs.ext4 -q -F -L xt-svc -d "$ROOT" "$IMG" 2G >/dev/null ||
	die "mkfs.ext4 failed"
rm -rf "$ROOT"
step IMAGE "$(du -m "$IMG" | cut -f1) MB ext4, kernel $KVER, $(basename "$DEB")"

# --------------------------------------------------------------- boot --- #

# No default devices (VGA, floppy, CD-ROM, parallel port) and no network
# boot ROMs: each costs seconds of every boot under TCG.
step QEMU "accel $ACCEL, two boots, timeout ${VM_TIMEOUT}s"
LOG=$WORK/console.log
set +e
timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 \
	-accel "$ACCEL" -m 1G -smp "$SMP" \
	-nodefaults -display none -serial stdio \
	-kernel "$WORK/vmlinuz-$KVER" -initrd "$WORK/initrd.img-$KVER" \
	-append "root=/dev/vda rw console=ttyS0 quiet loglevel=3 systemd.show_status=0 panic=-1" \
	-drive file="$IMG",if=virtio,format=raw \
	-netdev hubport,id=n0,hubid=0 \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:78:74:01,addr=0x4,romfile= \
	-netdev hubport,id=n1,hubid=0 \
	-device virtio-net-pci,netdev=n1,mac=52:54:00:78:74:02,addr=0x5,romfile= \
	</dev/null 2>&1 | sed -u 's/\r//g' | tee "$LOG" |
	sed -un 's/.*XT-SVC: //p' |
	while IFS= read -r l; do
		printf '[%3ds] %s\n' $(($(date +%s) - start)) "$l"
	done
qrc=${PIPESTATUS[0]}
set -e

# ------------------------------------------------------------ verdict --- #

# The console stays beside the package, for CI to keep.
cp "$LOG" "$BUILD/deb/test-service-console.log" 2>/dev/null || true
res=$(echo "$HOST_TAP"; sed -n 's/.*XT-SVC: //p' "$LOG")
pass=$(grep -E '^ok ' <<<"$res" | grep -vc '# SKIP') || true
fail=$(grep -cE '^not ok ' <<<"$res") || true
skip=$(grep -cE '^ok .*# SKIP' <<<"$res") || true
if ! grep -q '^END' <<<"$res"; then
	echo "  console (last 30 lines):"
	tail -n 30 "$LOG" | sed 's/^/    /'
	fail=$((fail + 1))
	[ "$qrc" = 124 ] && echo "not ok - VM did not finish within ${VM_TIMEOUT}s" ||
		echo "not ok - VM stopped before the test finished (qemu status $qrc)"
fi
echo
echo "test-service: $((pass)) passed, $fail failed, $skip skipped in $(($(date +%s) - start))s"
[ "$fail" = 0 ]
