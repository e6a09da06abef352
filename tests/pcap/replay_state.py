# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Captures for tests/pcap/test_replay_state.sh: per-source state in replay.

Usage:
  /usr/bin/python3 replay_state.py make DIR EPOCH
      writes DIR/scan.pcap (nanosecond pcap, capture order = time order)
      and DIR/reversed.pcapng, and prints what the built-in rules must make
      of them, one "key=value" a line.  EPOCH is the state epoch of the
      built-in rules (`xdptag rules show`), from which the fan-out hash is
      seeded (user/rules.c, state_epoch()).
  /usr/bin/python3 replay_state.py crowd DIR
      writes DIR/crowd.pcap: many sources at once, for replay's runners
      (below).
  /usr/bin/python3 replay_state.py facts FILE.json
      reads `xdptag replay --json` of scan.pcap or reversed.pcapng and
      prints what it says, one "key=value" a line (each source has a
      source port of its own, which the JSON shows).

scan.pcap, all to 198.18.0.1 (no built-in bogon rule matches 198.18/15):
  * a fast port scan: 198.18.7.1, 40 SYNs from port 40001 to ports
    1000-1039, 25 ms apart (0.975 s of capture time);
  * the same 40 SYNs spread over ten minutes: 198.18.7.2, port 40002, one
    every 15 s, so every 10 s fan-out window holds at most one;
  * benign traffic of 198.18.7.3 every 20 s for ten minutes: a DNS query
    and its answer, a ping and its reply, a TCP connection to 443 (SYN,
    SYN/ACK, ACK and data with timestamps, as Linux sends them).
reversed.pcapng: the spread scan's 40 frames, latest first (stamped
backwards, one after the other).

crowd.pcap, about 45 s of capture time, in time order (each source's
start and pace drawn from a fixed seed):
  * 64 sources 198.18.8.1-64, each a SYN scan of 6 to 40 ports of
    198.18.0.1, at its own pace: some reach syn-fanout-ports, some not;
  * 2 of them also send UDP to port 53 at 6,000 a second for a second:
    udp-flood (5000 pps) holds on the last thousand or so;
  * 500 ARP requests in 2 s among them, which no built-in rule with state
    can match (a rate rule on ARP can: the test adds one).
"""
import json
import struct
import sys

T0 = 1700000000 * 10**9     # ns
SEC = 10**9
SERVER = '198.18.0.1'
FAST, SPREAD, BENIGN = ('198.18.7.1', 40001), ('198.18.7.2', 40002), \
    ('198.18.7.3', 40003)
PORTS = list(range(1000, 1040))
FANOUT = 10                 # syn-fanout-ports: { dst_ports: 10 }
FANOUT_BITS = 128           # XT_FANOUT_BITS


def fanout_limit(n):
    """Bits n distinct values set on average (user/rules.c fanout_bits)."""
    return int(FANOUT_BITS * (1.0 - (1.0 - 1.0 / FANOUT_BITS) ** n) + 0.5)


def fires_at(ports, epoch):
    """1-based index of the SYN at which the fan-out count reaches its
    limit: the hash of bpf/lib/classify.h state_hash()."""
    seed = (epoch >> 32) ^ (epoch & 0xffffffff)
    seen = set()
    for i, p in enumerate(ports, 1):
        seen.add((((p ^ seed) * 0x9e3779b1) & 0xffffffff) >> 25)
        if len(seen) >= fanout_limit(FANOUT):
            return i
    return None


def write_pcap_ns(path, frames):
    """Nanosecond pcap (magic a1b23c4d), Ethernet: exact stamps."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
        for t, b in frames:
            f.write(struct.pack('<IIII', t // SEC, t % SEC, len(b), len(b)))
            f.write(b)


def write_pcapng(path, frames):
    """pcapng, one Ethernet interface at the default microsecond units."""
    def block(typ, body):
        body += b'\0' * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack('<II', typ, n) + body + struct.pack('<I', n)

    with open(path, 'wb') as f:
        f.write(block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1)))
        f.write(block(1, struct.pack('<HHI', 1, 0, 65535)))
        for t, b in frames:
            us = t // 1000
            f.write(block(6, struct.pack('<IIIII', 0, us >> 32,
                                         us & 0xffffffff, len(b), len(b)) + b))


def make(d, epoch):
    from xt_layers import Ether, IP, TCP, UDP, ICMP, DNS, DNSQR, Raw

    e = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
    r = Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')

    def syn(src, port):
        return e / IP(src=src[0], dst=SERVER) / TCP(
            sport=src[1], dport=port, flags='S', seq=1,
            options=[('MSS', 1460)])

    frames = []             # (ns, which, frame)
    for k, p in enumerate(PORTS):
        frames.append((T0 + 30 * SEC + k * 25 * 10**6, 'fast',
                       syn(FAST, p)))
        frames.append((T0 + k * 15 * SEC, 'spread', syn(SPREAD, p)))
    ts = [('Timestamp', (1, 0))]
    for k in range(30):
        t = T0 + 5 * SEC + k * 20 * SEC
        c, s = BENIGN[0], SERVER
        for i, f in enumerate([
            e / IP(src=c, dst=s) / UDP(sport=BENIGN[1], dport=53) /
            DNS(rd=1, qd=DNSQR(qname='example.org')),
            r / IP(src=s, dst=c) / UDP(sport=53, dport=BENIGN[1]) /
            DNS(qr=1, qd=DNSQR(qname='example.org')),
            e / IP(src=c, dst=s) / ICMP(type=8, id=7, seq=k) / Raw(b'p' * 56),
            r / IP(src=s, dst=c) / ICMP(type=0, id=7, seq=k) / Raw(b'p' * 56),
            e / IP(src=c, dst=s) / TCP(sport=50000 + k, dport=443, flags='S',
                                       options=[('MSS', 1460)] + ts),
            r / IP(src=s, dst=c) / TCP(sport=443, dport=50000 + k,
                                       flags='SA', options=ts),
            e / IP(src=c, dst=s) / TCP(sport=50000 + k, dport=443,
                                       flags='A', options=ts),
            e / IP(src=c, dst=s) / TCP(sport=50000 + k, dport=443,
                                       flags='PA', options=ts) /
            Raw(b'GET / HTTP/1.1\r\n\r\n'),
        ]):
            frames.append((t + i * 10**6, 'benign', f))
    frames.sort(key=lambda x: x[0])

    write_pcap_ns(f'{d}/scan.pcap', [(t, bytes(f)) for t, _, f in frames])
    spread = [(t, bytes(f)) for t, which, f in frames if which == 'spread']
    write_pcapng(f'{d}/reversed.pcapng', list(reversed(spread)))

    fast = [i for i, (_, which, _) in enumerate(frames, 1) if which == 'fast']
    slow = [i for i, (_, which, _) in enumerate(frames, 1)
            if which == 'spread']
    n = fires_at(PORTS, epoch)
    print(f'frames={len(frames)}')
    print(f'fast_first={fast[0]}')
    print(f'fast_fires_at_syn={n}')
    print(f'fast_fires_at_frame={fast[n - 1]}')
    print(f'fast_flagged={40 - n + 1}')
    # On a clock that runs while replay does (milliseconds): one window.
    print(f'spread_wallclock_fires_at_frame={slow[n - 1]}')
    print(f'reversed_fires_at_frame={fires_at(list(reversed(PORTS)), epoch)}')


def with_dport(frame, port):
    """An Ethernet/IPv4/TCP frame (no IP options) to another destination
    port, its checksum updated for the change (RFC 1624)."""
    old, ck = struct.unpack_from('!H12xH', frame, 36)
    s = (~ck & 0xffff) + (~old & 0xffff) + port
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    f = bytearray(frame)
    struct.pack_into('!H', f, 36, port)
    struct.pack_into('!H', f, 50, ~s & 0xffff)
    return bytes(f)


def crowd(d):
    import random
    from xt_layers import Ether, IP, TCP, UDP, ARP

    rnd = random.Random(7)
    e = Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
    frames = []
    # Each frame built by scapy once and its copies' bytes patched: scapy
    # takes milliseconds a frame in the VMs, 16 s for these 2,000.
    for n in range(1, 65):
        src = f'198.18.8.{n}'
        t0 = T0 + rnd.randrange(0, 10 * SEC)
        gap = rnd.choice([5, 50, 200, 900]) * 10**6
        syn = bytes(e / IP(src=src, dst=SERVER) /
                    TCP(sport=41000 + n, dport=2000, flags='S'))
        for k in range(rnd.randrange(6, 41)):
            frames.append((t0 + k * gap, with_dport(syn, 2000 + k)))
        if n % 32 == 0:
            b = bytes(e / IP(src=src, dst=SERVER) /
                      UDP(sport=42000 + n, dport=53) / (b'q' * 20))
            frames += [(t0 + k * SEC // 6000, b) for k in range(6000)]
    arp = [bytes(Ether(src='02:00:00:00:00:03', dst='ff:ff:ff:ff:ff:ff') /
                 ARP(psrc=f'198.18.8.{n}', pdst=SERVER))
           for n in range(1, 65)]
    for k in range(500):
        frames.append((T0 + 5 * SEC + rnd.randrange(0, 2 * SEC),
                       arp[k % 64]))
    frames.sort(key=lambda x: x[0])
    write_pcap_ns(f'{d}/crowd.pcap', frames)
    print(f'frames={len(frames)}')


def facts(path):
    per, summ = [], None
    with open(path) as f:
        for line in f:
            o = json.loads(line)
            if o.get('live_summary'):
                continue
            if o.get('summary'):
                summ = o
            else:
                per.append(o)
    by = {'fast': [], 'spread': [], 'benign': []}
    for o in per:
        s, d = o['sport'], o['dport']
        if s == FAST[1]:
            by['fast'].append(o)
        elif s == SPREAD[1]:
            by['spread'].append(o)
        else:
            by['benign'].append(o)
    fan = 'syn-fanout-ports'
    for k, fr in by.items():
        hit = [o['frame'] for o in fr if fan in o['rules']]
        # replay --live: the live path's view of the same rule.
        live = [o['frame'] for o in fr
                if 'live' in o and fan in o['live'].get('rules', [])]
        print(f'{k}_live_first_fanout={live[0] if live else "none"}')
        print(f'{k}_live_fanout={len(live)}')
        dis = [o['frame'] for o in fr
               if 'live' in o and not o['live']['agrees']]
        print(f'{k}_disagree={len(dis)} {dis[0] if dis else "none"}')
        print(f'{k}_frames={len(fr)}')
        print(f'{k}_first_fanout={hit[0] if hit else "none"}')
        print(f'{k}_fanout={len(hit)}')
        print(f'{k}_scan={sum(o["class"] == "scan" for o in fr)}')
        print(f'{k}_nonzero={sum(o["class"] != "unclassified" for o in fr)}')
        # From the first hit on, every frame of the source is flagged.
        print(f'{k}_gap_after_first='
              f'{sum(fan not in o["rules"] for o in fr if hit and o["frame"] > hit[0])}')
    st = summ['state']
    rules = {r['rule']: r for r in st['rules']}
    print(f'summary_runners={summ["runners"]}')
    print(f'summary_clock={st["clock"]}')
    print(f'summary_fanout={rules[fan]["frames"]} {rules[fan]["first_frame"]}')
    print('summary_others_held=' + str(sum(r['frames'] for n, r in
                                           rules.items() if n != fan)))
    print(f'summary_backwards={st["stamped_backwards"]}')


if __name__ == '__main__':
    if sys.argv[1] == 'make':
        make(sys.argv[2], int(sys.argv[3], 16))
    elif sys.argv[1] == 'crowd':
        crowd(sys.argv[2])
    else:
        facts(sys.argv[2])
