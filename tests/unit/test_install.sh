#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make install / uninstall with PREFIX and DESTDIR: exactly Debian's layout
# (docs/deploy.md), units that run the installed binary, and an installed
# binary that needs nothing of the build tree: with the tree hidden under
# an empty tmpfs (a private mount namespace), it loads the BPF programs it
# carries as skeletons and replays a frame.  Uninstall leaves nothing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

[ -x "$BUILD/xdptag" ] || { skip_test "make install" "no $BUILD/xdptag (run make)"; finish; }
D=$(mktemp -d)
on_exit rm -rf "$D"

files() { (cd "$D" && find . -type f | sort | tr '\n' ' ' | sed 's/ $//'); }

make -s --no-print-directory install DESTDIR="$D" PREFIX=/usr BUILD="$BUILD" >/dev/null
check "PREFIX=/usr installs Debian's layout" \
	"./lib/systemd/system/xdptag-exporter.service ./lib/systemd/system/xdptag@.service ./usr/sbin/xdptag ./usr/share/bash-completion/completions/xdptag ./usr/share/doc/xdptag/examples/IFACE.yaml ./usr/share/man/man8/xdptag.8 ./usr/share/xdptag/default.yaml" \
	"$(files)"
check "the units run /usr/sbin/xdptag" \
	"/usr/sbin/xdptag service start %I|/usr/sbin/xdptag exporter \$XDPTAG_EXPORTER_OPTS" \
	"$(sed -n 's/^ExecStart=//p' "$D/lib/systemd/system/xdptag@.service")|$(sed -n 's/^ExecStart=//p' "$D/lib/systemd/system/xdptag-exporter.service")"
check "the default ruleset file is the built-in one" "" \
	"$(cmp "$D/usr/share/xdptag/default.yaml" rules/default.yaml)"
check "the binary is 0755" 755 "$(stat -c %a "$D/usr/sbin/xdptag")"

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	skip_test "the installed binary runs without the build tree" "needs root"
else
	# One Ethernet/IPv4/UDP frame to port 53 in a pcap file.
	python3 - "$D/one.pcap" <<'EOF'
import struct, sys
udp = struct.pack('!HHHH', 40000, 53, 9, 0) + b'q'
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 bytes([10, 1, 0, 1]), bytes([10, 2, 0, 1]))
frame = b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + ip + udp
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack('<IIII', 0, 0, len(frame), len(frame)) + frame)
EOF
	out=$(unshare -m --propagation private sh -c \
		'mount -t tmpfs none "$1" && cd / && ls -A "$1" | wc -l &&
		 "$2"/usr/sbin/xdptag replay --json "$2"/one.pcap' \
		sh "$PWD" "$D" 2>&1)
	# 10.1.0.1 is a private source: the built-in rules' bogon class, mark 1.
	check "the tree hidden, replay runs the embedded programs" "0 1" \
		"$(head -n 1 <<<"$out") $(grep -c '^{"frame":1,.*"class":"bogon",.*"mark":1,' <<<"$out")"
fi

make -s --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr BUILD="$BUILD"
rm -f "$D/one.pcap"
check "uninstall removes every file" "" "$(files)"
check "... and the directories of its own" "" \
	"$(cd "$D" && find . -path '*xdptag*')"
finish
