#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `xdptag replay` against tshark, frame by frame, over every capture in
# ../shared/pcaps/tcpdump: vlans, l3, ip_proto, fragment, sport, dport and
# tcp_flags must agree (tshark with reassembly off, outermost headers).
# Frames replay marks malformed are not compared; every other difference
# must be a row of "Known differences" in docs/replay.md, and every such row
# must still occur.  One TAP line per capture; the agreement figure is
# printed as a comment.
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/tap.sh
. tests/pcap/replay_common.sh

replay_compare fields "tshark fields:"
finish
