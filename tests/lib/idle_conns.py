# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Hold N idle HTTP connections open to HOST:PORT, as a slowloris does.

  idle_conns.py HOST PORT N one|many

Each connection sends the start of a request and then one byte every 3 s,
never ending its headers.  "one": all from 127.0.0.2; "many": each from
its own loopback address (127.1.x.y), so that no per-address limit
applies.  Prints "ready C" (C = connections the server accepted) once all
are made, then trickles until killed.  Run it with a high RLIMIT_NOFILE.
"""
import socket
import sys
import time

host, port, n, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
socks = []
for i in range(n):
    s = socket.socket()
    # Generous: on a slow machine (qemu without KVM) the server's accept
    # queue fills and a SYN is retried after 1 s, then 3 s.
    s.settimeout(10)
    src = "127.0.0.2" if mode == "one" else \
        "127.1.%d.%d" % (i // 250, 1 + i % 250)
    try:
        s.bind((src, 0))
        s.connect((host, port))
        s.send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    except OSError:
        s.close()
time.sleep(0.5)
# Connections the server closed at once (over a limit) read as EOF.
alive = []
for s in socks:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            s.close()
            continue
    except BlockingIOError:
        pass
    except OSError:
        s.close()
        continue
    alive.append(s)
print("ready", len(alive), flush=True)
while True:
    time.sleep(3)
    for s in alive:
        try:
            s.send(b"X")
        except OSError:
            pass
