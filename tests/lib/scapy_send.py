# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Send scapy packets out of one interface, as the tests and the demo need.

Usage: /usr/bin/python3 tests/lib/scapy_send.py IFACE DST_MAC < SPEC

SPEC has one line per packet kind, "COUNT EXPR", where EXPR is a scapy
expression for the layers above Ethernet (IP(...)/TCP(...), or a list of
them, as fragment() returns) in the names xt_layers.py gives; '#' starts
a comment.  Every packet goes out COUNT times with Ethernet to DST_MAC
prepended, and the script prints how many frames it sent.  Run it inside
the sender's namespace.
"""
import sys

from xt_layers import *  # noqa: F401,F403  (EXPR may use any of them)
from xt_layers import Ether, conf, sendp

conf.verb = 0


def main():
    iface, dst = sys.argv[1], sys.argv[2]
    frames = []
    for n, line in enumerate(sys.stdin, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        count, expr = line.split(None, 1)
        pkts = eval(expr)
        if not isinstance(pkts, list):
            pkts = [pkts]
        for _ in range(int(count)):
            frames += [Ether(dst=dst) / p for p in pkts]
    sendp(frames, iface=iface)
    print(len(frames))


if __name__ == "__main__":
    main()
