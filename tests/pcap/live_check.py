# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""`xdptag replay --live` against `xdptag replay`, and against nftables.

Usage: /usr/bin/python3 live_check.py XDPTAG RULES CAPTURE...

The Ethernet captures are concatenated (mergecap) and replayed twice with
RULES: by `replay --json` (the test run's prediction) and by `replay --live
--json` (the real receive path of a veth in a throwaway namespace, with
xdptag nft's counters in a netdev ingress chain).  Prints "ok NAME" or
"not ok NAME: why" lines:
  - every frame replay ran was injected, and its live verdict, score,
    class, rules and mark at TC equal replay's prediction, or it is lost
    for a reason the output gives (longer than the veth takes);
  - a frame replay predicts dropped is dropped at XDP and never reaches TC;
  - each class's nft counter equals the frames whose mark at TC carries
    that class.
"""
import json
import os
import subprocess
import sys
import tempfile


def run(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True).stdout


def frames(out):
    per, summ, live = {}, None, None
    for line in out.splitlines():
        o = json.loads(line)
        if o.get('summary'):
            summ = o
        elif o.get('live_summary'):
            live = o
        else:
            per[o['frame']] = o
    return per, summ, live


def main():
    xdptag, rules, caps = sys.argv[1], sys.argv[2], sys.argv[3:]
    info = run(['capinfos', '-T', '-r', '-E'] + caps)
    eth = [ln.split('\t')[0] for ln in info.splitlines()
           if ln.split('\t')[1].strip() == 'ether']
    with tempfile.TemporaryDirectory() as tmp:
        merged = os.path.join(tmp, 'all.pcap')
        run(['mergecap', '-F', 'pcap', '-a', '-w', merged] + eth)
        pred, _, _ = frames(run([xdptag, 'replay', '--json', '--rules',
                                 rules, merged]))
        live, summ, lsum = frames(run([xdptag, 'replay', '--live', '--json',
                                       '--rules', rules, merged]))
    tag = os.path.basename(rules)
    bad, lost, dropped = [], 0, 0
    marks = {}
    for n, p in pred.items():
        lv = live.get(n, {}).get('live')
        if lv is None:
            bad.append(f'frame {n}: no live result')
            continue
        if not lv['at_xdp'] and lv['why'] and 'MTU' in lv['why']:
            lost += 1
            continue
        if p['verdict'] == 'drop':
            dropped += 1
            if lv.get('verdict') != 'drop' or lv['at_tc']:
                bad.append(f'frame {n}: predicted drop, live {lv}')
            continue
        same = (lv['at_xdp'] and lv['verdict'] == p['verdict'] and
                lv['score'] == p['score'] and lv['class'] == p['class'] and
                lv['rules'] == p['rules'] and lv['at_tc'] and
                lv['tc_tagged'] and lv['mark'] == p['mark'])
        if not same:
            bad.append(f'frame {n}: predicted {p["verdict"]} mark '
                       f'{p["mark"]}, live {lv}')
        if lv['at_tc']:
            marks[lv['mark'] & 0xff] = marks.get(lv['mark'] & 0xff, 0) + 1
    name = f'{tag}: {len(pred)} frames, live agrees with replay'
    if bad:
        print(f'not ok {name}: ' + '; '.join(bad[:3]) +
              (f' (+{len(bad) - 3} more)' if len(bad) > 3 else ''))
    else:
        print(f'ok {name} ({lost} longer than the veth takes, '
              f'{dropped} dropped at XDP)')
    if lsum is None or summ is None:
        print(f'not ok {tag}: summaries: no live summary')
        return
    print(f'# {tag}: live summary {json.dumps(lsum)[:300]}')
    # Class ids of the default-rules classes from the counter names:
    # xt_class_NAME; NAME -> id through the frames' class names.
    ids = {p['class']: p['mark'] & 0xff for p in pred.values()
           if p['mark'] is not None}
    ids.setdefault('unclassified', 0)
    nbad = []
    seen = 0
    for c in lsum['nft_counters']:
        cname = c['name'].removeprefix('xt_class_')
        if cname not in ids:
            if c['packets']:
                nbad.append(f'{c["name"]} counted {c["packets"]}, '
                            'no frame has that class')
            continue
        want = marks.get(ids[cname], 0)
        seen += want
        if c['packets'] != want:
            nbad.append(f'{c["name"]} counted {c["packets"]}, '
                        f'{want} frames carried its mark at TC')
    name = f'{tag}: nft counters equal the marks seen at TC'
    if nbad or not lsum['nft_counters']:
        print(f'not ok {name}: ' + ('; '.join(nbad) or 'no counters'))
    else:
        print(f'ok {name} ({seen} packets)')


if __name__ == '__main__':
    main()
