#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Where a frame's instructions go: bench/trace.sh's summary.

Reads xt_bench's output (its "# jit" and "# line" lines: each xdptag
program's JIT image and line map, XT_PEER_LINES=1) and qemu's trace of
the same guest (-singlestep -d in_asm,exec,nochain: one "Trace" line per
instruction executed, an "IN:" block the first time an address runs).
For each xdptag program and frame it takes the last run of the timed
round (the steady state), maps each instruction to its source line and
that line to the function it is in, and prints the instructions per
function and in all.  Only the JIT image's own instructions count: a
helper's body runs in the kernel's text, which the trace leaves out.

usage: trace.py XT_BENCH_OUTPUT QEMU_LOG REPEAT [ROW FRAME]
With ROW and FRAME (a name each, as printed), the instructions of that
run one by one instead: offset, function, source line, disassembly.
"""
import bisect
import collections
import os
import re
import sys

# The tree whose sources name the functions (XT_TRACE_SRC: another, for
# tests/unit/test_trace.sh).
TREE = os.environ.get("XT_TRACE_SRC") or \
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A function's first line: its name at the start of a line, or after its
# return type on the same line (kernel style puts it either way).
FUNC_RE = re.compile(r"^(?:[A-Za-z_][\w \t*]*?[\s*])?([A-Za-z_]\w*)\(")
NOT_FUNC = {"if", "for", "while", "switch", "return", "sizeof",
            "_Static_assert", "SEC", "struct", "__builtin_offsetof"}


def functions(path):
    """Line number -> the function it is in, for one source file."""
    rel = path[path.find("bpf/"):] if "bpf/" in path else path
    src = os.path.join(TREE, rel)
    names, cur = {}, None
    try:
        with open(src, errors="replace") as f:
            lines = f.readlines()
    except OSError:
        return lambda n: os.path.basename(path)
    for i, line in enumerate(lines, 1):
        m = FUNC_RE.match(line)
        if (m and m.group(1) not in NOT_FUNC and not line.startswith("#")
                and not line.rstrip().endswith(";")):
            cur = m.group(1)
        names[i] = cur or os.path.basename(path)
    return lambda n: names.get(n, os.path.basename(path))


def bench_output(path):
    """The programs, by name: their row, entry, functions' images (start,
    length) and line records (address, file, line); and the timed test
    runs' order: (row, frame) for each; and the frames' names."""
    progs, order, frames = {}, [], {}
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            if line.startswith("# jit "):
                p = progs.setdefault(w[2], {"row": int(w[3]),
                                            "entry": int(w[4], 16),
                                            "images": [], "lines": []})
                p["images"].append((int(w[4], 16), int(w[5])))
            elif line.startswith("# line "):
                progs[w[2]]["lines"].append((int(w[3], 16), w[4],
                                             int(w[5])))
            elif line.startswith("# run "):
                order.append((int(w[2]), int(w[3])))
                frames[int(w[3])] = w[4]
    for name, p in progs.items():
        p["lines"].sort()
        # A line map that misses the images would count nonsense.
        for a, _, _ in p["lines"]:
            if not any(s <= a < s + n for s, n in p["images"]):
                sys.exit("trace.py: %s: line record at %x is in none of "
                         "its images" % (name, a))
    return progs, order, [frames[i] for i in sorted(frames)]


def trace(path, images):
    """Each program's runs (by its entry): the addresses it executed in
    any of its functions' images, a run starting at its entry.  images:
    (start, length, entry) of every function of every program."""
    dis, runs = {}, {e: [] for _, _, e in images}
    pc_re = re.compile(r"\[[0-9a-f]+/([0-9a-f]+)/")
    in_re = re.compile(r"0x([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(.*)")
    images = sorted(images)
    starts = [a for a, _, _ in images]
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("Trace"):
                pc = int(pc_re.search(line).group(1), 16)
                i = bisect.bisect_right(starts, pc) - 1
                if i < 0 or pc >= images[i][0] + images[i][1]:
                    continue
                entry = images[i][2]
                if pc == entry:
                    runs[entry].append([])
                if runs[entry]:
                    runs[entry][-1].append(pc)
            elif line.startswith("0x"):
                m = in_re.match(line)
                if m:
                    dis[int(m.group(1), 16)] = m.group(2).strip()
    return dis, runs


def steady_runs(runs, row, order, repeat, nframes):
    """The last run of each frame's last test-run call: the timed calls
    come last, repeat runs each, in the order xt_bench printed."""
    calls = [frame for r, frame in order if r == row]
    if len(runs) < len(calls) * repeat:
        sys.exit("trace.py: row %d: %d runs traced, %d timed"
                 % (row, len(runs), len(calls) * repeat))
    base = len(runs) - len(calls) * repeat
    last = {}
    for call, frame in enumerate(calls):
        last[frame] = runs[base + (call + 1) * repeat - 1]
    return [last[i] for i in range(nframes)]


def main():
    if len(sys.argv) not in (4, 6):
        sys.exit("usage: trace.py XT_BENCH_OUTPUT QEMU_LOG REPEAT"
                 " [ROW FRAME]")
    only = sys.argv[4:6]
    progs, order, names = bench_output(sys.argv[1])
    repeat = int(sys.argv[3])
    if not progs:
        sys.exit("trace.py: no '# jit' lines (XT_PEER_LINES=1) in "
                 + sys.argv[1])
    images = [(a, n, p["entry"]) for p in progs.values()
              for a, n in p["images"]]
    dis, runs = trace(sys.argv[2], images)
    funcs = {}
    for name, p in progs.items():
        addrs = [a for a, _, _ in p["lines"]]
        where = []
        for _, path, ln in p["lines"]:
            if path not in funcs:
                funcs[path] = functions(path)
            # Line 0: code clang made for no line of its own.
            where.append(funcs[path](ln) if ln else "(no line)")
        frames = steady_runs(runs[p["entry"]], p["row"], order, repeat,
                             len(names))
        if only:
            if name != only[0]:
                continue
            for pc in frames[names.index(only[1])]:
                k = bisect.bisect_right(addrs, pc) - 1
                print("%5x %-18s %5d  %s" % (
                    pc - p["entry"], where[k] if k >= 0 else "?",
                    p["lines"][k][2] if k >= 0 else 0, dis.get(pc, "?")))
            continue
        per = collections.OrderedDict()
        for i, run in enumerate(frames):
            for pc in run:
                k = bisect.bisect_right(addrs, pc) - 1
                fn = where[k] if k >= 0 else "?"
                per.setdefault(fn, [0] * len(names))[i] += 1
        print("%s: x86 instructions of its JIT image per run, steady state"
              % name)
        print("  %-22s" % "function" + "".join("%14s" % f for f in names))
        for fn, c in per.items():
            print("  %-22s" % fn + "".join("%14d" % x for x in c))
        print("  %-22s" % "all" +
              "".join("%14d" % len(r) for r in frames))
        print()


if __name__ == "__main__":
    main()
