#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A VM's NIC seen from the hypervisor: a TAP client of /dev/net/tun or
/dev/net/rtun that plays a guest with its own MAC and IPv4 address.

  tapnic.py --path DEV persist NAME on|off
      Create the persistent TAP device NAME (IFF_TAP | IFF_NO_PI, then
      TUNSETPERSIST 1) or remove it (attach, TUNSETPERSIST 0, close).
  tapnic.py --path DEV run NAME --mac MAC --ip IP --peer IP
            [--count N] [--serve N] [--timeout S] [--hold-until FILE]
      Attach to NAME and, as the guest: ARP for --peer (prints
      `arp-reply: MAC`), send N ICMP echo requests to it (prints
      `echo-replies: GOT/N`), then print `serving` and answer ARP requests
      and ICMP echo requests for --ip until --serve of them were answered
      (prints `served-echo: GOT`). ARP requests for --ip are answered all
      along. With --hold-until FILE it then prints `holding` and stays
      attached (still answering) until FILE exists or --timeout passes.
      Exit 0 when every step got all it waited for.

Standard library only (python starts slowly under TCG: run it with -S).
"""
import argparse
import fcntl
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The ioctl numbers and packet builders tunclient.py already has.
from tunclient import (IFF_NO_PI, IFF_TAP, TUNSETIFF, TUNSETPERSIST,  # noqa: E402
                       csum, icmp4_echo, ipv4 as _ipv4, mac_bytes, mac_text)

ETH_P_IP, ETH_P_ARP = 0x0800, 0x0806
BCAST = b"\xff" * 6
IDENT = 0x4545


def attach(path, name):
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    ifr = struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    return fd


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, op, sha,
                       socket.inet_aton(spa), tha, socket.inet_aton(tpa))


def ipv4(src, dst, proto, payload):
    return _ipv4(src, dst, proto, payload, ident=IDENT)


def icmp(itype, ident, seq, payload):
    return icmp4_echo(itype, ident, seq, payload)


def parse(frame):
    """('arp', op, sha, spa, tha, tpa) or ('icmp', src_mac, src, dst, type,
    ident, seq, payload) or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if etype == ETH_P_ARP and len(p) >= 28:
        _, ptype, _, _, op, sha, spa, tha, tpa = struct.unpack("!HHBBH6s4s6s4s", p[:28])
        if ptype == ETH_P_IP:
            return ("arp", op, sha, socket.inet_ntoa(spa), tha, socket.inet_ntoa(tpa))
    if etype == ETH_P_IP and len(p) >= 20 and p[0] >> 4 == 4 and p[9] == 1:
        ihl = (p[0] & 15) * 4
        tot = struct.unpack("!H", p[2:4])[0]
        if csum(p[:ihl]) or len(p) < tot:
            return None
        ic = p[ihl:tot]
        if len(ic) < 8 or csum(ic):
            return None
        itype, _, _, ident, seq = struct.unpack("!BBHHH", ic[:8])
        return ("icmp", frame[6:12], socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]),
                itype, ident, seq, ic[8:])
    return None


class Guest:
    def __init__(self, fd, mac, ip):
        self.fd, self.mac, self.ip = fd, mac_bytes(mac), ip
        self.served_echo = 0

    def write(self, frame):
        os.write(self.fd, frame)

    def answer(self, pkt):
        """Answer ARP and echo requests for our address, as a guest would."""
        if pkt[0] == "arp" and pkt[1] == 1 and pkt[5] == self.ip:
            self.write(eth(pkt[2], self.mac, ETH_P_ARP, arp(2, self.mac, self.ip, pkt[2], pkt[3])))
            return True
        if pkt[0] == "icmp" and pkt[3] == self.ip and pkt[4] == 8:
            self.write(eth(pkt[1], self.mac, ETH_P_IP,
                           ipv4(self.ip, pkt[2], 1, icmp(0, pkt[5], pkt[6], pkt[7]))))
            self.served_echo += 1
            return True
        return False

    def until(self, match, timeout, resend=None):
        """Read frames, answering requests, until match(pkt) is true (after
        the answer, if any); call
        resend() every 0.5 s meanwhile. Returns the packet or None."""
        end = time.monotonic() + timeout
        next_send = 0
        while True:
            now = time.monotonic()
            if now > end:
                return None
            if resend and now >= next_send:
                resend()
                next_send = now + 0.5
            wait = min(end, next_send) - now if resend else end - now
            if not select.select([self.fd], [], [], max(wait, 0))[0]:
                continue
            try:
                frame = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            pkt = parse(frame)
            if pkt is None:
                continue
            self.answer(pkt)
            if match(pkt):
                return pkt


def run(a):
    fd = attach(a.path, a.name)
    g = Guest(fd, a.mac, a.ip)
    print("attached: %s" % a.name, flush=True)
    ok = True

    def arp_request():
        g.write(eth(BCAST, g.mac, ETH_P_ARP, arp(1, g.mac, a.ip, b"\0" * 6, a.peer)))

    got = g.until(lambda p: p[0] == "arp" and p[1] == 2 and p[3] == a.peer and p[5] == a.ip
                  and p[4] == g.mac, a.timeout, arp_request)
    if got is None:
        print("arp-reply: none", flush=True)
        return 1
    peer_mac = got[2]
    print("arp-reply: %s" % mac_text(peer_mac), flush=True)

    replies = 0
    payload = bytes(range(56))
    for seq in range(1, a.count + 1):
        g.write(eth(peer_mac, g.mac, ETH_P_IP, ipv4(a.ip, a.peer, 1, icmp(8, IDENT, seq, payload))))
        if g.until(lambda p, s=seq: p[0] == "icmp" and p[2] == a.peer and p[3] == a.ip and p[4] == 0
                   and p[5] == IDENT and p[6] == s and p[7] == payload, 3):
            replies += 1
    print("echo-replies: %d/%d" % (replies, a.count), flush=True)
    ok &= replies == a.count

    if a.serve:
        g.served_echo = 0
        print("serving", flush=True)
        g.until(lambda p: g.served_echo >= a.serve, a.timeout)
        print("served-echo: %d" % g.served_echo, flush=True)
        ok &= g.served_echo >= a.serve
    if a.hold_until:
        # Stay attached (the port stays up) until the caller is done.
        print("holding", flush=True)
        end = time.monotonic() + a.timeout
        while not os.path.exists(a.hold_until) and time.monotonic() < end:
            g.until(lambda p: False, 0.1)
    os.close(fd)
    return 0 if ok else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--path", default="/dev/net/tun")
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("persist")
    ps.add_argument("name")
    ps.add_argument("state", choices=["on", "off"])
    pr = sub.add_parser("run")
    pr.add_argument("name")
    pr.add_argument("--mac", required=True)
    pr.add_argument("--ip", required=True)
    pr.add_argument("--peer", required=True)
    pr.add_argument("--count", type=int, default=5)
    pr.add_argument("--serve", type=int, default=0)
    pr.add_argument("--timeout", type=float, default=20)
    pr.add_argument("--hold-until", metavar="FILE")
    a = p.parse_args()
    if a.cmd == "persist":
        fd = attach(a.path, a.name)
        fcntl.ioctl(fd, TUNSETPERSIST, 1 if a.state == "on" else 0)
        os.close(fd)
        return 0
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
