# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Does the VM survive kernel text patched while another CPU runs it?

Usage, from the tree on the host (docs/kernels.md, "When the VM dies"):
    XT_VM_KERNEL=... XT_VM_RUN='python3 tests/vm/textpoke.py SECONDS' \\
        tests/vm/run.sh

Not a test of xdptag: a check of the VM tests/vm/run.sh boots.  One CPU
flips netstamp_needed_key: a socket with SO_TIMESTAMP turns it on, closing
it turns it off, and a work item then rewrites the key's jump in every
function that tests it (int3 first, then IPIs: text_poke_bp).  Another
sends UDP over loopback, whose netif_rx_internal() and
__netif_receive_skb_core() test the key on every packet.  Packet sockets
flip the same key, so the tests do it each time they capture.  Prints
"survived" and the counts when the time is up; a VM that loses the race
dies of an int3 oops first.
"""
import os
import socket
import sys
import time

SO_TIMESTAMP = 29  # SO_TIMESTAMP_OLD on x86; python's socket lacks it


def send(end, cpu):
    os.sched_setaffinity(0, {cpu})
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.setblocking(False)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = 0
    while time.monotonic() < end:
        for _ in range(200):
            tx.sendto(b"x", rx.getsockname())
            try:
                rx.recv(64)
            except BlockingIOError:
                pass
        sent += 200
    return sent


def flip(end, cpu):
    os.sched_setaffinity(0, {cpu})
    flips = 0
    while time.monotonic() < end:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
        s.close()
        flips += 1
        # Lets the work item run between flips, so that each one patches.
        time.sleep(0.002)
    return flips


def main():
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        sys.exit("textpoke: needs two CPUs")
    with open("/proc/uptime") as f:
        # The kernel stamps an oops with its uptime: this says how far in.
        print(f"textpoke: {secs:g} s from uptime {f.read().split()[0]}",
              flush=True)
    end = time.monotonic() + secs
    pid = os.fork()
    if pid == 0:
        sent = send(end, cpus[1])
        print(f"textpoke: {sent} datagrams over loopback", flush=True)
        os._exit(0)
    flips = flip(end, cpus[0])
    _, status = os.waitpid(pid, 0)
    print(f"textpoke: {flips} flips of netstamp_needed_key in {secs:g} s, "
          "survived", flush=True)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
