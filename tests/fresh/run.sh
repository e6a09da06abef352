#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make test-fresh: the README's two commands, exactly as written, on a
# pristine Debian 12 root, from a fresh clone of this tree's HEAD.  That is
# a new user's machine: nothing beyond `mmdebstrap --variant=important
# bookworm`, no compiler, no bpffs mounted.  A missing install step in
# `make deps`, or a test that leans on this machine's mounts or its
# hand-installed packages, fails here.
#
# The root is entered as its own root (unshare -m, pivot_root) with /proc,
# /sys, /dev and a tmpfs /run mounted and no PID namespace, so the
# processes above it stay visible; one of them has a bpffs of its own,
# which xdptag inside must keep out of (it never leaves its own root's
# mount namespaces).  The network is the host's: apt inside fetches from
# the host's apt sources, with its Acquire:: options (a snapshot mirror may
# need Check-Valid-Until).
#
#   XT_FRESH_TAR        the root tarball (default: cached under
#                       ${XDG_CACHE_HOME:-/var/cache}/xdptag, rebuilt when
#                       older than XT_FRESH_MAX_DAYS, default 7)
#   XT_FRESH_REBUILD=1  rebuild the tarball now
#   XT_FRESH_KEEP=1     keep the root directory afterwards
#
# The tarball and the apt archive cache are speed-ups only: without them
# the run builds the root and downloads every package.  Prints the
# commands' output, then one TAP line per check; exits nonzero if a command
# fails, a test skips for something missing, or anything was pinned above
# the root.
set -eu -o pipefail
cd "$(dirname "$0")/../.."
TOP=$PWD
CACHE=${XDG_CACHE_HOME:-/var/cache}/xdptag
TAR=${XT_FRESH_TAR:-$CACHE/fresh-bookworm.tar}
MAX_DAYS=${XT_FRESH_MAX_DAYS:-7}
# The README's prerequisite (make itself; the clone is made here), then
# its two commands.
PREREQ="apt-get update -qq && apt-get install -y -qq --no-install-recommends make"
CMDS=("make demo" "make deps test")
PATH_FRESH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "Error: $*" >&2; exit 1; }
step() { printf '  %-8s %s\n' "$1" "$2"; }

[ "$(id -u)" = 0 ] || die "test-fresh needs root (mount namespaces, pivot_root)"
for c in mmdebstrap unshare git tar; do
	command -v "$c" >/dev/null || die "$c not found (run 'make deps')"
done

# The two inner steps: this script again, in new mount namespaces.
case ${1:-} in
__above)
	# A process above the root with a bpffs of its own.
	mount -t bpf -o mode=0700 bpf /sys/fs/bpf
	unshare -m --propagation private "$TOP/tests/fresh/run.sh" __enter || true
	# (A new bpffs may hold the kernel's own maps.debug and progs.debug.)
	if [ -e /sys/fs/bpf/xdptag ]; then
		echo "### pins above the root: xdptag/ $(ls /sys/fs/bpf/xdptag | xargs)"
	else
		echo "### pins above the root: none"
	fi
	exit 0 ;;
__enter)
	cd "$XT_ROOT"
	mount --bind . .
	cd "$XT_ROOT"
	mount -t proc proc proc
	mount -t sysfs sysfs sys
	mount --rbind /dev dev
	mount -t tmpfs tmpfs run
	mount --bind "$XT_ARCHIVES" var/cache/apt/archives
	mkdir -p .oldroot
	pivot_root . .oldroot
	cd /
	umount -l /.oldroot
	rmdir /.oldroot
	exec env -i PATH="$PATH_FRESH" HOME=/root LANG=C.UTF-8 TERM=dumb \
		bash -c "$XT_INNER" ;;
esac

# ------------------------------------------------------------- the root --- #

if [ -n "${XT_FRESH_REBUILD:-}" ] || [ ! -s "$TAR" ] ||
   [ -n "$(find "$TAR" -mtime +"$MAX_DAYS" 2>/dev/null)" ]; then
	mkdir -p "$(dirname "$TAR")"
	sources=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -s "$f" ] && sources+=("$f")
	done
	[ ${#sources[@]} != 0 ] || die "no apt sources on this machine"
	opts=$(mktemp)
	apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy|Retries) ' >"$opts" || true
	step MMDEB "$TAR (mmdebstrap --variant=important bookworm)"
	if ! timeout 900 mmdebstrap --quiet --variant=important --format=tar \
		--aptopt="$opts" bookworm "$TAR.tmp" "${sources[@]}"; then
		rm -f "$opts" "$TAR.tmp"
		die "mmdebstrap failed"
	fi
	rm -f "$opts"
	mv "$TAR.tmp" "$TAR"
fi

ROOT=$(mktemp -d /var/tmp/xdptag-fresh.XXXXXX)
ARCHIVES=$CACHE/fresh-apt-archives
LOG=$(mktemp)
cleanup() {
	local p
	# Whatever a command left running in the root, known by its root.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] &&
			kill -9 "${p#/proc/}" 2>/dev/null
	done
	rm -f "$LOG"
	if [ -z "${XT_FRESH_KEEP:-}" ]; then
		rm -rf --one-file-system "$ROOT"
	else
		echo "# kept $ROOT"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step ROOT "$ROOT"
tar -C "$ROOT" -xpf "$TAR"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A fresh clone of HEAD, and the captures beside it where the pcap tier
# looks for them (scripts/pcaps-dir).
git clone -q "$TOP" "$ROOT/root/work/xdptag"
PCAPS_DIR=$(scripts/pcaps-dir)
[ -d "$PCAPS_DIR" ] || die "no captures at $PCAPS_DIR (the pcap tier needs them)"
mkdir -p "$ROOT/root/work/shared/pcaps" "$ARCHIVES/partial"
cp -a "$PCAPS_DIR" "$ROOT/root/work/shared/pcaps/tcpdump"

# ------------------------------------------------------------- the run --- #

# Each command, its output, then "### rc N".
inner="echo '### $PREREQ'; ($PREREQ) >/dev/null 2>&1 || echo 'apt-get failed';"
for c in "${CMDS[@]}"; do
	inner+="echo '### $c'; (cd /root/work/xdptag && timeout 2400 $c) 2>&1;"
	inner+=" echo \"### rc \$?\";"
done
set +e
XT_ROOT=$ROOT XT_ARCHIVES=$ARCHIVES XT_INNER=$inner PATH_FRESH=$PATH_FRESH \
	unshare -m --propagation private "$TOP/tests/fresh/run.sh" __above 2>&1 | tee "$LOG"
set -e

# ----------------------------------------------------------- the result --- #

n=0 failed=0
result() {
	n=$((n + 1))
	if [ "$2" = ok ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1: $3"
		failed=$((failed + 1))
	fi
}
i=0
for c in "${CMDS[@]}"; do
	i=$((i + 1))
	rc=$(grep '^### rc ' "$LOG" | sed -n "${i}p" | cut -d' ' -f3)
	if [ "$rc" = 0 ]; then
		result "$c on a fresh Debian 12 root" ok
	else
		result "$c on a fresh Debian 12 root" fail "exit status ${rc:-none}"
	fi
done
# A test skipped for a missing tool or package hides an install step that
# make deps lacks.
missing=$(grep -E '# SKIP .*(\bno |not found|missing|not installed)' "$LOG" |
	  sort -u || true)
if [ -z "$missing" ]; then
	result "no test skipped for something missing" ok
else
	result "no test skipped for something missing" fail "$(xargs -0 <<<"$missing")"
fi
above=$(sed -n 's/^### pins above the root: *//p' "$LOG")
if [ "$above" = none ]; then
	result "nothing pinned in the bpffs above the root" ok
else
	result "nothing pinned in the bpffs above the root" fail "$above"
fi
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$LOG" | tail -n 1)
echo "# the suite inside: ${summary:-no summary line}"
echo "# test-fresh: $n checks, $failed failed"
[ "$failed" = 0 ]
