#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Every BPF object includes only the kernel's UAPI headers, libbpf's and
# ours: a glibc header under -target bpf asks for gnu/stubs-32.h, which a
# fresh Debian machine does not have (libc6-dev-i386).  Lists the headers
# each object pulls in with clang -H, the way the Makefile compiles it.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null ||
	{ skip_test "BPF headers" "no $CLANG (run 'make deps')"; finish; }
ARCH_INC=/usr/include/$(${CC:-cc} -dumpmachine)
# Allowed: this tree, libbpf's, the kernel's UAPI (linux/, asm/, asm-generic/).
allowed="^(\\./)?(include|bpf|tests|bench)/|^/usr/include/(linux|asm-generic|bpf)/|^$ARCH_INC/asm/"
for src in bpf/*/*.bpf.c tests/bpf/*.bpf.c bench/bpf/*.bpf.c; do
	[ -f "$src" ] || continue
	hdrs=$("$CLANG" -target bpf -H -fsyntax-only -Iinclude -Ibpf/lib \
		-idirafter "$ARCH_INC" "$src" 2>&1 >/dev/null |
		sed -n 's/^\.\+ //p' | sort -u)
	bad=$(grep -Ev "$allowed" <<<"$hdrs" | xargs)
	check "$src: kernel UAPI and libbpf headers only" "" "$bad"
done
finish
