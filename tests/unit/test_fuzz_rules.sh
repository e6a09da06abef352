#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The rules-file loader and compiler under ASan/UBSan: every regression
# input once, then a short fuzzing run seeded with the rules files in the
# tree (make fuzz runs longer).
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. fuzz/tap.sh
BUILD=${BUILD:-build}
fuzz_tap rules
finish
