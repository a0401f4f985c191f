#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Create a veth-protocol pair over raw rtnetlink, for any link kind.

Speaks veth's IFLA_INFO_DATA layout (VETH_INFO_PEER = ifinfomsg + IFLA_*
attributes), the way iproute2's `ip link add ... type veth peer ...` does, so
the same request can be sent with kind `veth` and kind `rveth`. Prints
`ok`, or `error <errno> <ERRNAME> <extack message>` and exits 2.

  rtnl_pair.py KIND NAME [--peer NAME] [--mtu N] [--peer-mtu N]
               [--address MAC] [--peer-address MAC] [--peer-netns-fd PATH]
               [--peer-netns-pid PID] [--netns-fd PATH] [--raw-peer HEX]
               [--index N] [--peer-index N]
"""
import argparse
import errno
import os
import socket
import struct
import sys

NETLINK_ROUTE = 0
RTM_NEWLINK = 16
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 1, 4, 0x200, 0x400
NLMSG_ERROR = 2
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
NETLINK_EXT_ACK = 11
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINKINFO = 1, 3, 4, 18
IFLA_NET_NS_PID, IFLA_NET_NS_FD = 19, 28
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
VETH_INFO_PEER = 1
NLA_F_NESTED = 0x8000


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def ifinfomsg(index=0):
    return struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind")
    p.add_argument("name")
    p.add_argument("--peer")
    p.add_argument("--mtu", type=int)
    p.add_argument("--peer-mtu", type=int)
    p.add_argument("--address")
    p.add_argument("--peer-address")
    p.add_argument("--peer-netns-fd")
    p.add_argument("--peer-netns-pid", type=int)
    p.add_argument("--netns-fd")
    p.add_argument("--raw-peer", help="hex payload of VETH_INFO_PEER instead")
    p.add_argument("--index", type=int, default=0, help="ifi_index asked for")
    p.add_argument("--peer-index", type=int, default=0, help="the peer's ifi_index")
    a = p.parse_args()

    peer = b""
    if a.peer:
        peer += attr(IFLA_IFNAME, a.peer.encode() + b"\0")
    if a.peer_mtu is not None:
        peer += attr(IFLA_MTU, struct.pack("=I", a.peer_mtu))
    if a.peer_address:
        peer += attr(IFLA_ADDRESS, mac(a.peer_address))
    fds = []
    if a.peer_netns_fd:
        try:
            fd = os.open(a.peer_netns_fd, os.O_RDONLY)
        except OSError:
            fd = 999  # a number that is not an open fd
        fds.append(fd)
        peer += attr(IFLA_NET_NS_FD, struct.pack("=I", fd))
    if a.peer_netns_pid is not None:
        peer += attr(IFLA_NET_NS_PID, struct.pack("=I", a.peer_netns_pid))
    if a.raw_peer is not None:
        data = attr(VETH_INFO_PEER, bytes.fromhex(a.raw_peer))
    else:
        data = attr(VETH_INFO_PEER, ifinfomsg(a.peer_index) + peer)
    linkinfo = attr(IFLA_INFO_KIND, a.kind.encode() + b"\0")
    linkinfo += attr(IFLA_INFO_DATA | NLA_F_NESTED, data)

    body = ifinfomsg(a.index)
    body += attr(IFLA_IFNAME, a.name.encode() + b"\0")
    if a.mtu is not None:
        body += attr(IFLA_MTU, struct.pack("=I", a.mtu))
    if a.address:
        body += attr(IFLA_ADDRESS, mac(a.address))
    if a.netns_fd:
        fd = os.open(a.netns_fd, os.O_RDONLY)
        fds.append(fd)
        body += attr(IFLA_NET_NS_FD, struct.pack("=I", fd))
    body += attr(IFLA_LINKINFO | NLA_F_NESTED, linkinfo)

    flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE
    msg = struct.pack("=IHHII", 16 + len(body), RTM_NEWLINK, flags, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    s.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    s.bind((0, 0))
    s.send(msg)
    reply = s.recv(65536)
    _, typ, rflags, _, _ = struct.unpack_from("=IHHII", reply)
    if typ != NLMSG_ERROR:
        print("error: unexpected reply type", typ)
        return 2
    err = -struct.unpack_from("=i", reply, 16)[0]
    if err == 0:
        print("ok")
        return 0
    text = ""
    if rflags & NLM_F_ACK_TLVS:
        inner_len = struct.unpack_from("=I", reply, 20)[0]
        off = 20 + inner_len  # nlmsgerr: error + the original header (capped)
        if rflags & 0x100:  # NLM_F_CAPPED
            off = 20 + 16
        while off + 4 <= len(reply):
            ln, t = struct.unpack_from("=HH", reply, off)
            if ln < 4:
                break
            if t == NLMSGERR_ATTR_MSG:
                text = reply[off + 4:off + ln].split(b"\0")[0].decode()
            off += (ln + 3) & ~3
    print("error", err, errno.errorcode.get(err, "?"), text)
    return 2


if __name__ == "__main__":
    sys.exit(main())
