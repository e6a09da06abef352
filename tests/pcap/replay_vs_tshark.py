# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Compare `xdptag replay --json` with tshark's dissection, frame by frame.

Usage: /usr/bin/python3 replay_vs_tshark.py MODE XDPTAG DOC CAPTURE...

MODE features: every frame ran and came back tagged, and the tag's L3/L4
               feature bits agree with tshark (tier 4), except frames with
               a documented l3 difference in DOC.
MODE fields:   vlans, l3, ip_proto, fragment, sport, dport and tcp_flags
               agree with tshark, except the (file, frame, field) rows of
               the "Known differences" table in DOC (docs/replay.md).

Both xdptag and tshark start slowly (the BPF object loads in about 2 s), so
the Ethernet captures are concatenated into one pcap with mergecap and each
tool runs once; per-file frame counts from capinfos map frames back to
their files.  Each file's frame lengths are checked against tshark's, so a
file that mergecap and libpcap read differently shows up as a failure.

Prints one line per capture, "ok FILE" or "not ok FILE: why" (or "skip FILE:
why"), then "# " lines with the agreement figures.  Frames replay marks
malformed are not compared.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

TSHARK_OPTS = ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
               '-o', 'tcp.desegment_tcp_streams:FALSE']
FIELDS = ['frame.number', 'frame.cap_len', 'frame.protocols', 'ip.proto',
          'ip.flags.mf', 'ip.frag_offset', 'ipv6.nxt', 'ipv6.hopopts.nxt',
          'ipv6.routing.nxt', 'ipv6.fraghdr.nxt', 'ipv6.dstopts.nxt',
          'ah.next_header', 'mip6.proto', 'ipv6.fraghdr.offset',
          'ipv6.fraghdr.more', 'tcp.srcport', 'tcp.dstport', 'tcp.flags',
          'udp.srcport', 'udp.dstport']
# IPv6 extension headers the datapath walks, and the field that holds
# each one's next-header value (bpf/lib/parse.h: xt_ipv6_ext).
EXT_NXT = {0: 'ipv6.hopopts.nxt', 43: 'ipv6.routing.nxt',
           44: 'ipv6.fraghdr.nxt', 60: 'ipv6.dstopts.nxt',
           51: 'ah.next_header', 135: 'mip6.proto'}
MAX_EXTHDRS = 8		# XT_MAX_EXTHDRS
L2_TOKENS = ('eth', 'ethertype', 'vlan', 'ieee8021ad')
COMPARED = ('vlans', 'l3', 'ip_proto', 'fragment', 'sport', 'dport',
            'tcp_flags')


def num(s):
    s = s.strip()
    if s in ('True', 'true'):
        return 1
    if s in ('False', 'false'):
        return 0
    return int(s, 0)


def occ(row, field, i=0):
    """The i-th occurrence of a field, or None."""
    vals = [v for v in row.get(field, '').split(',') if v != '']
    return num(vals[i]) if i < len(vals) else None


def expect(row):
    """What the datapath should report for a frame, from tshark's fields:
    always the outermost headers (tunnels and ICMP errors make tshark
    report inner headers too, as later occurrences)."""
    toks = row['frame.protocols'].split(':')
    k = 0
    while k < len(toks) and toks[k] in L2_TOKENS:
        k += 1
    vlans = sum(1 for t in toks[:k] if t in ('vlan', 'ieee8021ad'))
    first = toks[k] if k < len(toks) else ''
    l3 = {'ip': 'ipv4', 'ipv6': 'ipv6', 'arp': 'arp'}.get(first, 'other')
    e = dict(vlans=vlans, l3=l3, ip_proto=None, fragment=False, sport=None,
             dport=None, tcp_flags=None, l4='none')
    if l3 == 'ipv4':
        proto = occ(row, 'ip.proto')
        mf, off = occ(row, 'ip.flags.mf') or 0, occ(row, 'ip.frag_offset') or 0
        e['fragment'] = bool(mf or off)
        later = off != 0
    elif l3 == 'ipv6':
        proto, seen, later = occ(row, 'ipv6.nxt'), {}, False
        for _ in range(MAX_EXTHDRS):
            if proto not in EXT_NXT:
                break
            field = EXT_NXT[proto]
            nxt = occ(row, field, seen.get(field, 0))
            seen[field] = seen.get(field, 0) + 1
            if proto == 44:
                i = seen[field] - 1
                off = occ(row, 'ipv6.fraghdr.offset', i) or 0
                more = occ(row, 'ipv6.fraghdr.more', i) or 0
                e['fragment'] = e['fragment'] or bool(off or more)
                if off:
                    proto, later = nxt, True
                    break
            proto = nxt
    else:
        return e
    e['ip_proto'] = proto
    e['l4'] = 'other'
    if later:
        return e
    if proto == 6:
        e['l4'] = 'tcp'
        e['sport'], e['dport'] = occ(row, 'tcp.srcport'), occ(row, 'tcp.dstport')
        f = occ(row, 'tcp.flags')
        e['tcp_flags'] = None if f is None else f & 0xff
    elif proto == 17:
        e['l4'] = 'udp'
        e['sport'], e['dport'] = occ(row, 'udp.srcport'), occ(row, 'udp.dstport')
    elif proto == 1 and l3 == 'ipv4':
        e['l4'] = 'icmp'
    elif proto == 58 and l3 == 'ipv6':
        e['l4'] = 'icmpv6'
    return e


def known_differences(doc):
    """(file, frame, field) rows of the table under "Known differences"."""
    rows, on = {}, False
    for line in open(doc, encoding='utf-8'):
        if line.startswith('#'):
            on = 'Known differences' in line
            continue
        m = re.match(r'\|\s*`?([^|`]+?)`?\s*\|\s*(\d+)\s*\|\s*`?(\w+)`?\s*\|',
                     line)
        if on and m:
            rows[(m.group(1), int(m.group(2)), m.group(3))] = True
    return rows


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw).stdout


def main():
    mode, xdptag, doc, caps = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    known = known_differences(doc)
    info = run(['capinfos', '-T', '-r', '-c', '-E'] + caps)
    files = []		# (path, frames, ethernet)
    for line in info.splitlines():
        path, encap, count = line.split('\t')[:3]
        files.append((path, int(count), encap.strip() == 'ether'))
    eth = [f for f in files if f[2]]
    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, 'all.pcap')
        run(['mergecap', '-F', 'pcap', '-a', '-w', merged] +
            [f[0] for f in eth])
        rep = {}
        summary = None
        for line in run([xdptag, 'replay', '--json', merged]).splitlines():
            o = json.loads(line)
            if o.get('summary'):
                summary = o
            else:
                rep[o['frame']] = o
        ts = {}
        out = run(['tshark', '-n', '-r', merged, '-T', 'fields',
                   '-E', 'occurrence=a', '-E', 'aggregator=,',
                   '-E', 'separator=/t'] + TSHARK_OPTS +
                  sum((['-e', f] for f in FIELDS), []))
        for line in out.splitlines():
            row = dict(zip(FIELDS, line.split('\t')))
            ts[int(row['frame.number'])] = row

    total = dict(compared=0, agree=0, malformed=0, known=0, skipped=0)
    used = set()
    base = 0
    for path, count, is_eth in files:
        name = os.path.basename(path)
        if not is_eth:
            print(f'skip {name}: not Ethernet')
            continue
        bad = []
        for n in range(base + 1, base + count + 1):
            fr, row = n - base, ts.get(n)
            r = rep.get(n)
            if row is None:
                bad.append(f'frame {fr}: tshark has no such frame')
                continue
            if r is None:		# replay skipped it: too long, empty...
                total['skipped'] += 1
                continue
            if r['len'] != int(row['frame.cap_len']):
                bad.append(f'frame {fr}: length {r["len"]}, tshark '
                           f'{row["frame.cap_len"]} (files misaligned?)')
                break
            if r['verdict'] != 'pass' or not r['tagged']:
                bad.append(f'frame {fr}: verdict {r["verdict"]}, '
                           f'tagged {r["tagged"]}')
                continue
            if r['malformed']:
                total['malformed'] += 1
                continue
            e = expect(row)
            total['compared'] += 1
            if mode == 'features':
                got = [f for f in r['features'] if f in
                       ('ipv4', 'ipv6', 'arp', 'tcp', 'udp', 'icmp', 'icmpv6')]
                want = [x for x in (e['l3'], e['l4']) if x in
                        ('ipv4', 'ipv6', 'arp', 'tcp', 'udp', 'icmp',
                         'icmpv6')]
                if sorted(got) != sorted(want):
                    if (name, fr, 'l3') in known:
                        total['known'] += 1
                        continue
                    bad.append(f'frame {fr}: features {got}, tshark {want}')
                else:
                    total['agree'] += 1
                continue
            diff, documented = [], False
            for k in COMPARED:
                if r[k] == e[k]:
                    continue
                if (name, fr, k) in known:
                    used.add((name, fr, k))
                    documented = True
                    continue
                diff.append(f'{k} {r[k]} (tshark {e[k]})')
            if diff:
                bad.append(f'frame {fr}: ' + ', '.join(diff))
            elif documented:
                total['known'] += 1
            else:
                total['agree'] += 1
        base += count
        if bad:
            more = f' (+{len(bad) - 3} more)' if len(bad) > 3 else ''
            print(f'not ok {name}: ' + '; '.join(bad[:3]) + more)
        else:
            print(f'ok {name}')
    for k in sorted(set(known) - used if mode == 'fields' else []):
        print(f'not ok {k[0]}: documented difference at frame {k[1]} '
              f'field {k[2]} no longer occurs')
    pct = 100.0 * total['agree'] / total['compared'] if total['compared'] else 0
    print(f'# frames {base}, compared {total["compared"]}, agreeing '
          f'{total["agree"]} ({pct:.2f}% of non-malformed frames), '
          f'documented differences {total["known"]}, '
          f'malformed {total["malformed"]}, not run {total["skipped"]}')
    if summary:
        print('# replay skipped: ' + ', '.join(
            f'{k} {v}' for k, v in summary['skipped_by_reason'].items() if v))


if __name__ == '__main__':
    main()
