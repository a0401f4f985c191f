#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""nlreq.py CMD...: run CMD under strace and print the first RTM_NEWLINK
request it sends, decoded into one line per field (sequence number and
port id left out, attribute lengths implied by their payload), so the
requests of two commands can be compared line by line. Prints CMD's exit
status last ("exit N"). Used to compare `ip link add ... type veth` with
`... type rveth` (the iproute2 plugin)."""

import re
import struct
import subprocess
import sys
import tempfile

RTM_NEWLINK = 16
IFLA_LINKINFO = 18
IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
VETH_INFO_PEER = 1


def dumps(path):
    """The buffers strace -e write=all dumped, one bytes object each."""
    bufs, cur = [], None
    for line in open(path, encoding="ascii", errors="replace"):
        if re.match(r"^\s*\* \d+ bytes in buffer", line):
            cur = bytearray()
            bufs.append(cur)
        m = re.match(r"^\s*\| [0-9a-f]{5}  ((?:[0-9a-f]{2} ){1,8}) ?((?:[0-9a-f]{2} ){0,8})", line)
        if m and cur is not None:
            cur += bytes.fromhex((m.group(1) + m.group(2)).replace(" ", ""))
    return [bytes(b) for b in bufs]


def attrs(buf, depth, out, where):
    off = 0
    while off + 4 <= len(buf):
        ln, ty = struct.unpack_from("<HH", buf, off)
        if ln < 4 or off + ln > len(buf):
            out.append(f"{'  ' * depth}bad attribute at {off}: len {ln}")
            return
        pay = buf[off + 4:off + ln]
        nested = ty & 0x8000
        ty &= 0x3fff
        pad = "  " * depth
        if where == "link" and ty == IFLA_LINKINFO:
            out.append(f"{pad}linkinfo{' (nested flag)' if nested else ''}")
            attrs(pay, depth + 1, out, "linkinfo")
        elif where == "linkinfo" and ty == IFLA_INFO_KIND:
            out.append(f"{pad}kind {text(pay)!r}")
        elif where == "linkinfo" and ty == IFLA_INFO_DATA:
            out.append(f"{pad}data")
            attrs(pay, depth + 1, out, "data")
        elif where == "data" and ty == VETH_INFO_PEER:
            out.append(f"{pad}peer")
            ifinfo(pay[:16], depth + 1, out)
            attrs(pay[16:], depth + 1, out, "link")
        elif where == "link" and ty == 3:
            out.append(f"{pad}attr {ty} {text(pay)!r}")
        else:
            out.append(f"{pad}attr {ty} {pay.hex()}")
        off += (ln + 3) & ~3


def text(b):
    return b.rstrip(b"\0").decode(errors="replace")


def ifinfo(b, depth, out):
    fam, _, ty, idx, flags, change = struct.unpack("<BBHiII", b)
    out.append(f"{'  ' * depth}ifinfomsg family={fam} type={ty} index={idx} "
               f"flags={flags:#x} change={change:#x}")


def main():
    cmd = sys.argv[1:]
    with tempfile.NamedTemporaryFile(prefix="nlreq.") as t:
        p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=sendmsg,sendto",
                            "-e", "write=all", "-o", t.name] + cmd,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for b in dumps(t.name):
            if len(b) < 32:
                continue
            ln, ty, flags = struct.unpack_from("<IHH", b)
            if ty != RTM_NEWLINK:
                continue
            out = [f"nlmsg type={ty} flags={flags:#x}"]
            ifinfo(b[16:32], 0, out)
            attrs(b[32:ln], 0, out, "link")
            print("\n".join(out))
            break
        else:
            print("no RTM_NEWLINK sent")
    print(f"exit {p.returncode}")


if __name__ == "__main__":
    main()
