#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# make deb: build xdptag_VERSION_ARCH.deb with dpkg-buildpackage from a
# clean copy of the tree (no .git, no build directories), check it with
# lintian (errors and warnings fail; overrides are in debian/), and leave
# the .deb and lintian's report in $BUILD/deb.
set -eu -o pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
OUT=$BUILD/deb

die() { echo "Error: $*" >&2; exit 1; }
for c in dpkg-buildpackage dh lintian scdoc; do
	command -v "$c" >/dev/null || die "$c not found (run 'make deps')"
done
# Build dependencies missing here are named by dpkg-checkbuilddeps.
dpkg-checkbuilddeps || die "build dependencies missing (run 'make deps')"

WORK=$(mktemp -d /tmp/xdptag-deb.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SRC=$WORK/xdptag
mkdir "$SRC"
tar --exclude=./.git --exclude='./build*' -cf - . | tar -C "$SRC" -xf -

printf '  %-8s %s\n' DPKG "dpkg-buildpackage (log: $OUT/build.log)"
mkdir -p "$OUT"
# Not the calling make's flags (-s hid the compiler lines from the log, and
# -j without its jobserver made the build serial): the build's own.
(cd "$SRC" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}" \
	dpkg-buildpackage -us -uc) >"$OUT/build.log" 2>&1 ||
	{ tail -n 30 "$OUT/build.log" >&2; die "dpkg-buildpackage failed"; }

rm -f "$OUT"/*.deb
cp "$WORK"/*.deb "$OUT/"
deb=$(ls "$OUT"/xdptag_*.deb)
printf '  %-8s %s\n' LINTIAN "$(basename "$deb")"
lintian --fail-on error,warning --info --display-info \
	"$WORK"/*.changes >"$OUT/lintian.log" 2>&1 ||
	{ cat "$OUT/lintian.log" >&2; die "lintian found errors or warnings"; }
grep -E '^[EW]:' "$OUT/lintian.log" && die "lintian found errors or warnings"
echo "$deb"
