#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make test-kernels: run the kernel-facing tests on the kernel Debian 12
# ships (6.1, cloud flavour) in a qemu VM without KVM, and exit nonzero if
# anything fails there.  docs/kernels.md explains the steps and the knobs:
#
#   BUILD             build directory to test (default build)
#   XT_VM_KERNEL      6.1, 6.12 (Debian 12's cloud kernels), or a regex of
#                     the kernel package (default 6.1; 6.12 with XT_VM_ICOUNT)
#   XT_VM_TIERS       tests/run.sh tiers or scripts (default "prog pcap e2e")
#   XT_SHARD          K/N: only that share of them (tests/run.sh)
#   XT_VM_TIMEOUT     seconds the whole VM run may take (default 1800)
#   XT_SOAK_SECONDS   the crash soak's time in the VM (default 30)
#   XT_VM_ACCEL       qemu accelerator (default tcg, what CI machines have;
#                     plain tcg runs single-threaded, see QEMU_ACCEL)
#   XT_VM_KEEP=1      keep the work directory (initramfs, console log)
#   XT_VM_RUN='cmd'   run this command line in /xt instead of the selftest
#                     and tiers, print its output, exit with its status
#   XT_VM_ICOUNT=1    count instructions: the guest's clock advances one ns
#                     per instruction it executes (make bench's icount
#                     part, bench/run.sh)
#   XT_VM_MEM         guest memory (default 1G)
#   XT_VM_QEMU_ARGS   more qemu arguments, split at spaces (bench/trace.sh:
#                     qemu's instruction trace)
#
# The .deb is cached under ${XDG_CACHE_HOME:-/var/cache}/xdptag; everything
# else is rebuilt each run in a temporary directory.
set -eu -o pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
CACHE=${XDG_CACHE_HOME:-/var/cache}/xdptag
# Debian 12's two kernels: 6.1, its release kernel, and 6.12 from
# bookworm-security.  Counting instructions, 6.12: Debian's 6.1 stops early
# in its boot under -icount (its console's last line "pid_max: default:
# 32768", after it picked the AMD E400 idle routine for qemu's CPU), and
# would hold the run until XT_VM_TIMEOUT.
KPKG_6_1='linux-image-6\.1\.0-[0-9]+-cloud-amd64'
KPKG_6_12='linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64'
KERNEL=6.1
[ "${XT_VM_ICOUNT:-}" = 1 ] && KERNEL=6.12
KERNEL=${XT_VM_KERNEL:-$KERNEL}
case $KERNEL in
6.1) KPKG_RE=$KPKG_6_1 ;;
6.12) KPKG_RE=$KPKG_6_12 ;;
*) KPKG_RE=$KERNEL ;;
esac
TIERS=${XT_VM_TIERS:-prog pcap e2e}
VM_TIMEOUT=${XT_VM_TIMEOUT:-1800}
ACCEL=${XT_VM_ACCEL:-tcg}
MEM=${XT_VM_MEM:-1G}
RUN=${XT_VM_RUN:-}
read -r -a QEMU_ARGS <<<"${XT_VM_QEMU_ARGS:-}"

# Loaded at boot; the rest of the copied tree loads on demand by alias.
MODULES="veth sch_ingress cls_bpf act_bpf nf_tables nft_meta nft_counter
	 nf_conntrack 8021q dummy"
# Module directories copied whole (with their dependencies), so that the
# e2e scripts find any qdisc, classifier, nft expression or link type.
MOD_DIRS="net/netfilter net/ipv4/netfilter net/ipv6/netfilter net/sched
	  net/8021q net/bridge net/802 net/llc drivers/net/veth.ko
	  drivers/net/dummy.ko drivers/net/macvlan.ko drivers/net/ifb.ko
	  drivers/net/tun.ko drivers/net/vxlan drivers/net/geneve.ko"
# Tools every run gets, whether or not a script names them: and those
# xdptag itself runs (iptables-save for its mark-rule warnings).
TOOLS="bash ip tc nft bpftool kmod timeout iptables-save ip6tables-save"
# Named in scripts but never worth copying into the VM (compilers, package
# managers, the VM itself); a test needing one must SKIP without it.
NO_COPY="make cc gcc clang llc llvm-strip git apt apt-get dpkg sudo
	 qemu-system-x86_64 tshark wireshark dumpcap gnuplot prometheus"

die() { echo "Error: $*" >&2; exit 1; }
step() { printf '  %-8s %s\n' "$1" "$2"; }

# -icount shift=0: each guest instruction advances the virtual clock, which
# the guest's clocksources read, by 2^0 ns, and sleep=off lets an idle guest
# skip ahead instead of waiting: a duration the guest measures is a count of
# the instructions it ran in between, whatever the host and its load.
QEMU_ICOUNT=()
if [ "${XT_VM_ICOUNT:-}" = 1 ]; then
	[ "$ACCEL" = tcg ] || die "XT_VM_ICOUNT needs XT_VM_ACCEL=tcg"
	# shellcheck disable=SC2054  # one option, its value has commas
	QEMU_ICOUNT=(-icount shift=0,sleep=off)
fi

# Plain tcg takes its vCPUs in turn on one host thread.  With a thread each
# (thread=multi, qemu 7.2's default here) a vCPU can trap on an int3 that
# another vCPU has already patched out of a static key's jump, and the
# guest dies of the oops (netstamp_needed_key, which packet captures flip).
# tests/vm/textpoke.py provokes it; docs/kernels.md, "When the VM dies".
QEMU_ACCEL=$ACCEL
[ "$ACCEL" = tcg ] && QEMU_ACCEL=tcg,thread=single

for c in qemu-system-x86_64 cpio gzip dpkg-deb depmod apt-get ldd perl; do
	command -v "$c" >/dev/null || die "$c not found (run 'make deps')"
done
[ -x /bin/busybox ] || die "/bin/busybox not found (run 'make deps')"
case $BUILD in
/*|*..*) die "BUILD must be a directory inside the tree" ;;
esac
[ -f "$BUILD/xdptag.bpf.o" ] || die "$BUILD not built (make BUILD=$BUILD)"

# ------------------------------------------------------------- kernel --- #

# Newest package matching KPKG_RE that apt knows; the cache answers when apt
# lists are missing (offline reruns).
kernel_deb() {
	local pkg ver deb

	pkg=$(apt-cache pkgnames linux-image-6 2>/dev/null |
	      grep -E "^${KPKG_RE}\$" | sort -V | tail -n 1) || true
	if [ -z "$pkg" ]; then
		deb=$(ls "$CACHE"/*.deb 2>/dev/null | grep -E "/${KPKG_RE}_" |
		      sort -V | tail -n 1) || true
		[ -n "$deb" ] && { echo "$deb"; return; }
		die "no package matches '$KPKG_RE' (run 'apt-get update')"
	fi
	ver=$(apt-cache show --no-all-versions "$pkg" |
	      sed -n 's/^Version: //p' | head -n 1)
	deb="$CACHE/${pkg}_${ver//:/%3a}_amd64.deb"
	if [ ! -s "$deb" ]; then
		mkdir -p "$CACHE"
		step APT "$pkg $ver" >&2
		# The cache is root's; apt's sandbox user could not write it.
		(cd "$CACHE" && timeout 300 apt-get download -q \
			-o APT::Sandbox::User=root "$pkg" >/dev/null) ||
			die "apt-get download $pkg failed"
	fi
	echo "$deb"
}

WORK=$(mktemp -d /tmp/xdptag-vm.XXXXXX)
if [ "${XT_VM_KEEP:-}" = 1 ]; then
	trap 'echo "  kept $WORK"' EXIT
else
	trap 'rm -rf "$WORK"' EXIT
fi
ROOT=$WORK/root
KX=$WORK/kernel
mkdir -p "$ROOT" "$KX"

DEB=$(kernel_deb)
step DEB "$(basename "$DEB")"
timeout 120 dpkg-deb -x "$DEB" "$KX"
KVER=$(ls "$KX/lib/modules")
if [ "${XT_VM_ICOUNT:-}" = 1 ] && [[ $KVER == 6.1.* ]]; then
	die "$KVER does not boot under qemu's -icount (XT_VM_ICOUNT=1):" \
	    "use XT_VM_KERNEL=6.12"
fi
VMLINUZ=$KX/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || die "$(basename "$DEB") holds no vmlinuz"
# The package leaves modules.dep to its postinst.
timeout 120 depmod -b "$KX" "$KVER"

# ---------------------------------------------------------- initramfs --- #

# Merged /usr as on Debian 12, so /bin/bash and /usr/bin/bash are one file.
mkdir -p "$ROOT"/usr/{bin,sbin,lib,lib64} "$ROOT"/{etc,proc,sys,dev,run,tmp}
mkdir -p "$ROOT"/{root,xt}
for d in bin sbin lib lib64; do
	ln -s "usr/$d" "$ROOT/$d"
done
mkdir -p "$ROOT/var" && ln -s /run "$ROOT/var/run"

# Copy files to the same paths in the VM, symlinks resolved, but for those
# already there.  All of them in one cp, their libraries in one ldd: a
# process a file (milliseconds each where PTI is on) made the initramfs
# take a minute to build.
put() {
	local f
	local -A new=()

	for f; do
		[ -e "$ROOT$f" ] || new[$f]=1
	done
	[ ${#new[@]} = 0 ] || cp -L --parents -t "$ROOT" -- "${!new[@]}"
}

# The libraries executables or shared objects load, one path a line.
elf_libs() {
	ldd "$@" 2>/dev/null | grep -v ':$' | grep -o '/[^ ]*' | sort -u
}

# Executables or shared objects, and every library they load.
put_elf() {
	put "$@"
	# shellcheck disable=SC2046  # one path a word
	put $(elf_libs "$@")
}

# Every word of the test scripts that names a program on this machine:
# what the e2e scripts run is found here, not kept in a second list.
# TOOLS too, each as its path.  What `type -t` calls a file: not a
# builtin, keyword or function, and on PATH (tested without a subshell a
# word: a fork for each of the scripts' thousands of words took 20 s).
script_tools() {
	local w
	local -A shell=()

	for w in $(compgen -b) $(compgen -k) $(compgen -A function); do
		shell[$w]=1
	done
	{ echo "$TOOLS"; cat tests/lib/*.sh tests/run.sh tests/vm/selftest.sh \
		tests/{prog,pcap,e2e}/*.sh 2>/dev/null; } |
	sed 's/^[[:space:]]*#.*//' |
	grep -oE '(/usr)?/s?bin/[A-Za-z0-9_.+-]+|[A-Za-z_][A-Za-z0-9_.+-]*' |
	sort -u |
	while read -r w; do
		case $w in
		/*) [ -x "$w" ] && [ -f "$w" ] && echo "$w" ;;
		*) [ -z "${shell[$w]:-}" ] && { type -P "$w" || true; } ;;
		esac
	done | sort -u	# two words can name one file (bash, /bin/bash)
}

# Python helpers next to the scripts are run by them, so they count too.
PYTHON=0
ls tests/lib/*.py tests/e2e/*.py >/dev/null 2>&1 && PYTHON=1
copied="" tools=()
no_copy=" ${NO_COPY//[$'\n\t']/ } "
for t in $(script_tools); do
	name=${t##*/}
	case $no_copy in *" $name "*) continue ;; esac
	case $name in python3*) PYTHON=1; continue ;; esac
	tools+=("$t")
done
put_elf "${tools[@]}" 2>/dev/null || true
for t in "${tools[@]}"; do
	[ -e "$ROOT$t" ] && copied+=" ${t##*/}"
done

# busybox supplies every other command, except the ones iproute2 must win:
# its ip and tc applets lack netns and bpf support.
put /bin/busybox
links=() dirs=()
for a in $(/bin/busybox --list-full); do
	# Without an init applet a broken /init panics (and qemu exits)
	# instead of waiting for a console login.
	case ${a##*/} in ip|tc|busybox|init|linuxrc) continue ;; esac
	for d in /bin /sbin /usr/bin /usr/sbin; do
		[ -e "$ROOT$d/${a##*/}" ] && continue 2
	done
	links+=("$ROOT/$a") dirs+=("$ROOT/${a%/*}")
done
# One process for all the links, not an ln each.
if [ ${#links[@]} != 0 ]; then
	mkdir -p "${dirs[@]}"
	perl -e 'for (@ARGV) { symlink("/bin/busybox", $_) or die "$_: $!\n" }' \
		"${links[@]}"
fi
for a in modprobe insmod rmmod lsmod depmod modinfo; do
	rm -f "$ROOT/sbin/$a"
	ln -s /usr/bin/kmod "$ROOT/sbin/$a"
done
[ -e "$ROOT/bin/sh" ] || ln -s bash "$ROOT/bin/sh"

# The loader of every ELF, and the name service files tools look up.
put /lib64/ld-linux-x86-64.so.2
for f in /etc/protocols /etc/services /etc/ethertypes /etc/nsswitch.conf; do
	[ -f "$f" ] && put "$f"
done
cp -r /etc/iproute2 "$ROOT/etc/"
# libxdp1's BPF objects (xdp-filter's programs), which xdp-filter loads
# by path: data, not ELF files a script names.
XDP_OBJS=/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)/bpf
if [ -d "$XDP_OBJS" ]; then
	mkdir -p "$ROOT$XDP_OBJS"
	cp "$XDP_OBJS"/*.o "$ROOT$XDP_OBJS/"
fi
# iptables' extensions (libxt_mark.so and the like), which it dlopen()s
# by name for each -m and -j: data to ldd, like the objects above.
XT_EXTS=${XDP_OBJS%/bpf}/xtables
if [ -d "$XT_EXTS" ] && [ -e "$ROOT/usr/sbin/iptables-restore" ]; then
	put_elf "$XT_EXTS"/*.so
fi
echo 'root:x:0:0:root:/root:/bin/bash' >"$ROOT/etc/passwd"
echo 'root:x:0:' >"$ROOT/etc/group"

# Python and scapy only when a script sends with them: about 60 MB, kept
# with their compiled bytecode (compiling under TCG would cost minutes).
if [ "$PYTHON" = 1 ]; then
	PY=$(readlink -f /usr/bin/python3)
	PYLIB=/usr/lib/$(basename "$PY")
	put_elf "$PY"
	ln -sf "$(basename "$PY")" "$ROOT/usr/bin/python3"
	mkdir -p "$ROOT$PYLIB" "$ROOT/usr/lib/python3/dist-packages"
	tar -C "$PYLIB" --exclude=./test --exclude=./idlelib \
		--exclude=./tkinter --exclude=./ensurepip \
		--exclude=./turtledemo --exclude=./lib2to3 -cf - . |
		tar -C "$ROOT$PYLIB" -xf -
	cp -r /usr/lib/python3/dist-packages/scapy \
		"$ROOT/usr/lib/python3/dist-packages/"
	put_elf "$PYLIB"/lib-dynload/*.so 2>/dev/null || true
	copied+=" python3+scapy"
fi

# Kernel modules: the chosen directories and everything they depend on
# (modules.dep lists the whole closure on each line; 6.12 packages
# compress them with xz, which kmod reads).
MODROOT=lib/modules/$KVER
(cd "$KX/$MODROOT" &&
	for d in $MOD_DIRS; do
		grep -E "^kernel/$d(\.xz|\.zst)?[:/]" modules.dep || true
	done | tr -d ':' | tr ' ' '\n' | grep . | sort -u) >"$WORK/modules"
mkdir -p "$ROOT/$MODROOT"
tar -C "$KX/$MODROOT" -T "$WORK/modules" -cf - | tar -C "$ROOT/$MODROOT" -xf -
cp "$KX/$MODROOT"/modules.{builtin,builtin.modinfo,order} "$ROOT/$MODROOT/"
depmod -b "$ROOT" "$KVER"

# The project: sources and scripts as in the tree, and the build's
# binaries and objects (the tests run from /xt exactly as from the repo).
tar --exclude=./.git --exclude='./build*' -cf - . | tar -C "$ROOT/xt" -xf -
mkdir -p "$ROOT/xt/$BUILD"
(cd "$BUILD" && find . -type f ! -name '*.d' ! -name '*.a' ! -name '*.h' \
	! -path './user/*' -print0 | tar --null -T - -cf -) |
	tar -C "$ROOT/xt/$BUILD" -xf -
# shellcheck disable=SC2046  # one path a word
put $(elf_libs $(find "$ROOT/xt/$BUILD" -type f -perm -u+x))

install -m 755 tests/vm/init "$ROOT/init"
[ -x "$ROOT/bin/bash" ] || die "bash missing from the initramfs"
cat >"$ROOT/etc/xt-vm.conf" <<EOF
BUILD='$BUILD'
XT_TIERS='$TIERS'
XT_SHARD='${XT_SHARD:-}'
XT_MODULES='$(echo $MODULES)'
XT_SUITE_TIMEOUT=$((VM_TIMEOUT - 60))
XT_SOAK_SECONDS='${XT_SOAK_SECONDS:-30}'
XT_RUN=$(printf '%q' "$RUN")
EOF
# What a Debian host has and user space reads CONFIG_HZ from, for the
# state windows' jiffies clock: without it the datapath falls back to the
# coarse clock's helper call, which a count of the host's path must not
# include.  The test runs keep the fallback they have always exercised.
if [ ${#QEMU_ICOUNT[@]} != 0 ]; then
	mkdir -p "$ROOT/boot"
	cp "$KX/boot/config-$KVER" "$ROOT/boot/"
fi

(cd "$ROOT" && find . -print0 | cpio --null -o -H newc --quiet) |
	gzip -1 >"$WORK/initramfs.gz"
step INITRD "$(du -m "$WORK/initramfs.gz" | cut -f1) MB gzip,\
 $(du -sm "$ROOT" | cut -f1) MB unpacked:$copied"

# -------------------------------------------------------------- boot --- #

if [ -n "$RUN" ]; then
	step QEMU "$KVER, accel $QEMU_ACCEL${QEMU_ICOUNT[*]:+ ${QEMU_ICOUNT[*]}}, run: $RUN"
else
	step QEMU "$KVER, accel $QEMU_ACCEL, tiers: selftest $TIERS${XT_SHARD:+ (shard $XT_SHARD)}"
fi
LOG=$WORK/console.log
start=$(date +%s)
set +e
timeout --kill-after=10 "$VM_TIMEOUT" qemu-system-x86_64 \
	-accel "$QEMU_ACCEL" ${QEMU_ICOUNT[@]+"${QEMU_ICOUNT[@]}"} \
	${QEMU_ARGS[@]+"${QEMU_ARGS[@]}"} -m "$MEM" \
	-smp 2 -nographic -no-reboot \
	-kernel "$VMLINUZ" -initrd "$WORK/initramfs.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init" \
	</dev/null 2>&1 | tr -d '\r' | tee "$LOG" |
	sed -n '/^XT-VM-BEGIN/,/^XT-VM-END/p' | grep -v '^XT-VM-'
qrc=${PIPESTATUS[0]}
set -e
elapsed=$(($(date +%s) - start))

# ----------------------------------------------------------- verdict --- #

if ! grep -q '^XT-VM-END' "$LOG"; then
	echo "  console (last 30 lines):"
	tail -n 30 "$LOG" | sed 's/^/    /'
	# The tail of a panic is its call trace; what says why is the kernel's
	# first report and the test output just before it.
	first='^\[ *[0-9.]+\] (Oops|BUG|kernel BUG|general protection|int3|WARNING)'
	oops=$(grep -nE -m 1 "$first" "$LOG" | cut -d: -f1) || true
	if [ -n "$oops" ]; then
		echo "  kernel's first report: $(sed -n "${oops}p" "$LOG")"
		echo "  test output before it: $(head -n "$((oops - 1))" "$LOG" |
			grep -v '^\[ *[0-9.]*\]' | tail -n 1)"
	fi
	[ "$qrc" = 124 ] && die "VM did not finish within ${VM_TIMEOUT}s"
	die "VM stopped before the tests finished (qemu status $qrc)"
fi
if [ -n "$RUN" ]; then
	run_rc=$(sed -n 's/^XT-VM-RUN rc=//p' "$LOG")
	echo "kernel $KVER under qemu ($ACCEL): ${elapsed}s, '$RUN' exit $run_rc" >&2
	exit "${run_rc:-1}"
fi
self=$(sed -n '/^== vm selftest/,/^XT-VM-SELFTEST/p' "$LOG")
s_pass=$(grep -E '^ok ' <<<"$self" | grep -vc '# SKIP') || true
s_fail=$(grep -cE '^not ok ' <<<"$self") || true
s_skip=$(grep -cE '^ok .*# SKIP' <<<"$self") || true
self_rc=$(sed -n 's/^XT-VM-SELFTEST rc=//p' "$LOG")
suite_rc=$(sed -n 's/^XT-VM-SUITE rc=//p' "$LOG")
read -r p f s < <(sed -n \
	's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
	"$LOG" | tail -n 1)
p=${p:-0} f=${f:-0} s=${s:-0}
[ "$self_rc" != 0 ] && [ "$s_fail" = 0 ] && s_fail=1
[ "$suite_rc" != 0 ] && [ "$f" = 0 ] && f=1

echo
echo "kernel $KVER under qemu ($ACCEL): ${elapsed}s"
p=$((p + s_pass)) f=$((f + s_fail)) s=$((s + s_skip))
echo "kernels: $p passed, $f failed, $s skipped"
[ "$f" = 0 ]
