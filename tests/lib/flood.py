# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Send one frame as fast as a raw socket allows, for a number of seconds.

Usage: /usr/bin/python3 tests/lib/flood.py IFACE DST_MAC SECONDS EXPR

EXPR is a scapy expression for the layers above Ethernet, in the names
xt_layers.py gives.  Prints "sending" on stderr once the first frame is
about to go, and at the end (SECONDS over, or SIGTERM) how many frames
went out on stdout.  Run it inside the sender's namespace.
"""
import signal
import socket
import sys
import time

from xt_layers import *  # noqa: F401,F403  (EXPR may use any of them)
from xt_layers import Ether, get_if_hwaddr


def main():
    iface, dst, secs, expr = sys.argv[1], sys.argv[2], float(sys.argv[3]), \
        sys.argv[4]
    frame = bytes(Ether(src=get_if_hwaddr(iface), dst=dst) / eval(expr))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    n, end = 0, time.monotonic() + secs
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    print('sending', file=sys.stderr, flush=True)
    while time.monotonic() < end and not stop:
        for _ in range(256):
            try:
                s.send(frame)
                n += 1
            except BlockingIOError:
                pass
            except OSError:		# a full queue: try again
                pass
    print(n)


if __name__ == '__main__':
    main()
