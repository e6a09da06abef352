#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Install every Debian package xdptag builds, tests, benchmarks and demos
# with.  Idempotent: when all are present it only checks and returns.
set -eu

PKGS="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config
libcmocka-dev libyaml-dev libpcap-dev libmicrohttpd-dev iproute2 nftables
iptables tshark python3-scapy tcpreplay prometheus curl gnuplot-nox
qemu-system-x86 busybox-static cpio kmod libclang-rt-14-dev strace procps
jq libcap2-bin mmdebstrap libjansson-dev libxdp1 libxdp-dev xdp-tools nmap hping3 dnsmasq-base
dropbear-bin openssh-client dpkg-dev debhelper lintian scdoc bash-completion
e2fsprogs"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "Error: missing packages:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "  DEPS     installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
