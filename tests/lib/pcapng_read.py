# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Print the packets of a pcapng file: "CAPLEN WIRELEN COMMENT" per line,
or with --ts "TIMESTAMP CAPLEN WIRELEN COMMENT" (the 64-bit timestamp as
written, in the interface's units: ns for xdptag's files).

Usage: /usr/bin/python3 tests/lib/pcapng_read.py [--ts] FILE|-

A reader of its own, independent of the writer (user/pcapng.c) and usable
where tshark is not installed (the 6.1 VM): section headers set the byte
order, enhanced packet blocks give lengths and the opt_comment option.
Exits 1 on a malformed file.
"""
import struct
import sys


def main():
    args = sys.argv[1:]
    ts_col = args[0] == '--ts'
    if ts_col:
        args = args[1:]
    data = (sys.stdin.buffer.read() if args[0] == '-'
            else open(args[0], 'rb').read())
    off, bo = 0, '<'
    while off + 12 <= len(data):
        btype = struct.unpack_from(bo + 'I', data, off)[0]
        if btype == 0x0a0d0d0a:
            magic = data[off + 8:off + 12]
            bo = '<' if magic == b'\x4d\x3c\x2b\x1a' else '>'
        blen = struct.unpack_from(bo + 'I', data, off + 4)[0]
        if blen < 12 or blen % 4 or off + blen > len(data) or \
                struct.unpack_from(bo + 'I', data, off + blen - 4)[0] != blen:
            sys.exit(f'bad block at {off}')
        if btype == 6:
            hi, lo, cap, wire = struct.unpack_from(bo + 'IIII', data, off + 12)
            o = off + 28 + (cap + 3) // 4 * 4
            comment = ''
            while o + 4 <= off + blen - 4:
                code, olen = struct.unpack_from(bo + 'HH', data, o)
                if code == 0:
                    break
                if code == 1:
                    comment = data[o + 4:o + 4 + olen].decode()
                o += 4 + (olen + 3) // 4 * 4
            if ts_col:
                print(hi << 32 | lo, cap, wire, comment)
            else:
                print(cap, wire, comment)
        off += blen
    if off != len(data):
        sys.exit('trailing bytes')


if __name__ == '__main__':
    main()
