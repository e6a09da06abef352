#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The quoting of names in `xdptag nft` under ASan/UBSan: every regression
# input once, then a short fuzzing run (make fuzz runs longer).
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. fuzz/tap.sh
BUILD=${BUILD:-build}
fuzz_tap nft
finish
