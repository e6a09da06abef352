#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# docs/architecture.md's map table describes the maps bpf/lib/maps.h
# defines: the same names, none missing on either side.  xt_info is made by
# user space (user/pins.c), not by a BPF object, and is in the doc only.
# A map is either defined in .maps or a global alone in a data section
# named by include/xdptag.h (XT_*_SEC), which libbpf makes a map of.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh

code=$( (grep -oE '^\} xt_[a-z0-9_]+ SEC\("\.maps"\)' bpf/lib/maps.h
	 grep -oE '^struct xt_[a-z0-9_]+ xt_[a-z0-9_]+ SEC\(XT_[A-Z0-9_]+_SEC\)' \
		bpf/lib/maps.h) |
	sed -E 's/^(\}|struct xt_[a-z0-9_]+) (xt_[a-z0-9_]+).*/\2/' | sort -u)
doc=$(sed -n '/^## Maps/,/^## /p' docs/architecture.md |
	grep -E '^\| `xt_' | cut -d'|' -f2 | grep -oE 'xt_[a-z0-9_]+' |
	grep -vx xt_info | sort)
other=$(grep -lE 'SEC\("\.maps"\)' bpf/*/*.c bpf/*/*.h | grep -vx bpf/lib/maps.h)

check "maps.h defines maps" 1 "$([ "$(wc -w <<<"$code")" -ge 10 ] && echo 1 || echo 0)"
check "maps in docs/architecture.md = maps in bpf/lib/maps.h" "$code" "$doc"
check "no map defined outside bpf/lib/maps.h" "" "$other"
finish
