#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The parser, compiled for user space under ASan/UBSan: every regression
# input once, then a short fuzzing run seeded with the shared captures
# (make fuzz runs longer).
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. fuzz/tap.sh
BUILD=${BUILD:-build}
fuzz_tap parse
finish
