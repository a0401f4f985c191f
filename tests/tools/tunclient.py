#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A tun/tap character-device ABI client, for differential tests.

Runs scenarios against a tun-compatible clone device (the kernel's
/dev/net/tun or rvnet's /dev/net/rtun) and prints one line per step,
`step: result`, where the result never depends on which device was used:
interface names are printed relative to --prefix (`tun0` and `rtun0` both
print as `<P>0`). Lines starting with `# ` are notes (raw values, timings,
counts of skipped packets) and are not meant to be compared. Two runs, one
per device, can be compared with `diff` after dropping the `# ` lines.

Every step also has the result the kernel's tun gives (read in
drivers/net/tun.c of Linux 7.3 and observed in the test VM); a step that
differs is noted with `# step: expected ...` and makes the exit status 1.

  tunclient.py --path /dev/net/tun --prefix tun SCENARIO... [options]

Scenarios: ioctls, attach, cross (--other DEV: attach through another clone
device), echo, echo-nopi, arp, arp-nopi, poll, poll-nopi, garbage, perm,
udppeer (--tunnel NAME,LISTEN,TO,IP,PEER,pi|nopi: the far end of socat
tunnels). With several scenarios each one's lines follow a `== NAME` line
and end with `# end NAME: ok|failed`.
Run as root, best inside a fresh network namespace (`ip netns exec`).
Standard library only.
"""
import errno
import fcntl
import os
import select
import signal
import socket
import stat
import struct
import sys
import subprocess
import threading
import time

# --- ABI: include/uapi/linux/if_tun.h, linux/if.h -------------------------

IFNAMSIZ = 16
IFREQ_SIZE = 40            # sizeof(struct ifreq) on 64-bit
IFF_TUN = 0x0001
IFF_TAP = 0x0002
IFF_NO_CARRIER = 0x0040
IFF_MULTI_QUEUE = 0x0100
IFF_PERSIST = 0x0800
IFF_NO_PI = 0x1000
IFF_NOFILTER = 0x1000      # same bit as IFF_NO_PI, reported by TUNGETIFF
IFF_ONE_QUEUE = 0x2000
IFF_VNET_HDR = 0x4000
IFF_TUN_EXCL = 0x8000
TUN_PKT_STRIP = 0x0001

# The flags rtun claims to support (TUNGETFEATURES is compared under this mask).
RTUN_FEATURES = IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL
FLAG_NAMES = [(IFF_TUN, "TUN"), (IFF_TAP, "TAP"), (IFF_NO_PI, "NO_PI"),
              (IFF_TUN_EXCL, "TUN_EXCL")]


def _ioc(direction, nr, size=4):
    return (direction << 30) | (size << 16) | (ord("T") << 8) | nr


TUNSETIFF = _ioc(1, 202)        # _IOW('T', 202, int), takes struct ifreq *
TUNSETPERSIST = _ioc(1, 203)    # value in arg
TUNSETOWNER = _ioc(1, 204)      # value in arg
TUNSETGROUP = _ioc(1, 206)      # value in arg
TUNGETFEATURES = _ioc(2, 207)   # _IOR('T', 207, unsigned int)
TUNGETIFF = _ioc(2, 210)        # _IOR('T', 210, unsigned int), struct ifreq *
TUN_UNKNOWN = _ioc(1, 250)      # nothing in the 'T' space uses 250
TUNSETLINK = _ioc(1, 205)       # value in arg
TUNSETTXFILTER = _ioc(1, 209)   # struct tun_filter *
TUNATTACHFILTER = _ioc(1, 213, 16)  # struct sock_fprog *
TUNSETIFINDEX = _ioc(1, 218)    # unsigned int *
TUNSETSTEERINGEBPF = _ioc(2, 224)   # int * (a BPF fd)
TUNSETFILTEREBPF = _ioc(2, 225)     # int *
TUNGETDEVNETNS = _ioc(0, 227, 0)    # _IO('T', 227)
SIOCGSKNS = 0x894C
TUN_FLT_ALLMULTI = 1
ARPHRD_IPGRE = 778

ETH_P_IP, ETH_P_ARP, ETH_P_IPV6 = 0x0800, 0x0806, 0x86DD
ARPHRD_ETHER, ARPHRD_NONE = 1, 65534

# --- output -----------------------------------------------------------------

OUT = None
T0 = time.monotonic()
TIMING = os.environ.get("TUNCLIENT_TIME") == "1"   # note the time of each step


class Out:
    def __init__(self, prefix):
        self.prefix = prefix
        self.failed = []
        self.scenario = ""

    def rel(self, name):
        """An interface name relative to the device's prefix."""
        if name.startswith(self.prefix):
            return "<P>" + name[len(self.prefix):]
        return "!" + name

    def note(self, text):
        print("# " + text, flush=True)

    def step(self, name, got, want=None):
        """Print `name: got`; fail when want is given and got differs
        (want may be a tuple of acceptable results)."""
        if TIMING:
            print("# %6.3f s" % (time.monotonic() - T0), flush=True)
        print("%s: %s" % (name, got), flush=True)
        if want is None:
            return got
        ok = got in want if isinstance(want, tuple) else got == want
        if not ok:
            self.failed.append("%s/%s" % (self.scenario, name))
            self.note("%s: expected %s" % (name, want))
        return got

    def fail(self, name, why):
        self.failed.append("%s/%s" % (self.scenario, name))
        self.note("%s: %s" % (name, why))

    def finish(self):
        if self.failed:
            self.note("FAILED steps: " + " ".join(self.failed))
        sys.stdout.flush()
        # Threads may still sit in a read() on a broken device: do not wait.
        os._exit(1 if self.failed else 0)


def ename(e):
    return "errno " + errno.errorcode.get(e, str(e))


def res(fn, *args):
    """Run fn: "ok" (or its string result), or "errno ENAME"."""
    try:
        r = fn(*args)
    except OSError as e:
        return ename(e.errno)
    return "ok" if r is None else r


def hexflags(v):
    return "0x%04x" % v


def flagnames(v):
    names = [n for bit, n in FLAG_NAMES if v & bit]
    return "|".join(names) if names else "0"


# --- the character device -----------------------------------------------------

OPENED = []   # fds of the clone device, closed after each scenario if still open


def tun_open(nonblock=False):
    fd = os.open(ARGS.path, os.O_RDWR | (os.O_NONBLOCK if nonblock else 0))
    OPENED.append(fd)
    return fd


def close_leftovers():
    """After a failed scenario: close its fds that still are the clone
    device, so that its devices do not take the names the next one expects."""
    rdev = os.stat(ARGS.path).st_rdev
    for fd in OPENED:
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISCHR(st.st_mode) and st.st_rdev == rdev:
            os.close(fd)
    del OPENED[:]


def ifreq(name=b"", flags=0):
    ifr = bytearray(IFREQ_SIZE)
    if isinstance(name, str):
        name = name.encode()
    ifr[:len(name)] = name[:IFNAMSIZ]
    struct.pack_into("=H", ifr, 16, flags & 0xFFFF)
    return ifr


def ifr_name(ifr):
    return bytes(ifr[:IFNAMSIZ]).split(b"\0", 1)[0].decode(errors="replace")


def setiff(fd, name, flags):
    """TUNSETIFF; returns (name the kernel chose, flags copied back)."""
    ifr = ifreq(name, flags)
    fcntl.ioctl(fd, TUNSETIFF, ifr, True)
    return ifr_name(ifr), struct.unpack_from("=H", ifr, 16)[0]


def getiff(fd):
    ifr = ifreq()
    fcntl.ioctl(fd, TUNGETIFF, ifr, True)
    return ifr_name(ifr), struct.unpack_from("=H", ifr, 16)[0]


def getfeatures(fd):
    buf = bytearray(4)
    fcntl.ioctl(fd, TUNGETFEATURES, buf, True)
    return struct.unpack("=I", buf)[0]


def ioctl_val(fd, req, val):
    fcntl.ioctl(fd, req, val)


def create(flags, name=None):
    """Open the clone device and TUNSETIFF; returns (fd, ifname)."""
    fd = tun_open()
    ifname, _ = setiff(fd, name if name is not None else ARGS.prefix + "%d", flags)
    return fd, ifname


# --- the rest of the system ---------------------------------------------------

SIOCGIFFLAGS, SIOCSIFFLAGS = 0x8913, 0x8914
SIOCSIFADDR, SIOCSIFNETMASK = 0x8916, 0x891C
IFF_UP = 0x1


def link_set(ifname, up):
    """ip link set IFNAME up|down, with SIOCSIFFLAGS."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifr = ifreq(ifname)
        fcntl.ioctl(s, SIOCGIFFLAGS, ifr, True)
        fl = struct.unpack_from("=H", ifr, 16)[0]
        struct.pack_into("=H", ifr, 16, (fl | IFF_UP) if up else (fl & ~IFF_UP))
        fcntl.ioctl(s, SIOCSIFFLAGS, ifr)


def addr4(ifname, cidr):
    """ip addr add CIDR dev IFNAME, with SIOCSIFADDR and SIOCSIFNETMASK."""
    a, plen = cidr.split("/")
    mask = (0xFFFFFFFF << (32 - int(plen))) & 0xFFFFFFFF
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for req, val in ((SIOCSIFADDR, socket.inet_aton(a)), (SIOCSIFNETMASK, struct.pack("!I", mask))):
            ifr = ifreq(ifname)
            struct.pack_into("=HH4s", ifr, 16, socket.AF_INET, 0, val)
            fcntl.ioctl(s, req, ifr)


def addr6(ifname, cidr):
    """ip -6 addr add CIDR dev IFNAME nodad: no DAD on the device, then
    SIOCSIFADDR with a struct in6_ifreq."""
    with open("/proc/sys/net/ipv6/conf/%s/accept_dad" % ifname, "w") as f:
        f.write("0")
    a, plen = cidr.split("/")
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s, SIOCSIFADDR, socket.inet_pton(socket.AF_INET6, a)
                    + struct.pack("=Ii", int(plen), socket.if_nametoindex(ifname)))


def addr6_ready(ifname, addr, timeout=5.0):
    """Wait until ADDR on IFNAME is in /proc/net/if_inet6 and not tentative
    (the device must be up): until then the stack does not answer to it."""
    want = socket.inet_pton(socket.AF_INET6, addr).hex()
    end = time.monotonic() + timeout
    while True:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                a, _, _, _, flags, dev = line.split()
                if a == want and dev == ifname and not int(flags, 16) & 0x40:   # IFA_F_TENTATIVE
                    return True
        if time.monotonic() > end:
            return False
        time.sleep(0.05)        # the poll interval of a bounded wait


def link_del(ifname):
    """ip link del IFNAME: RTM_DELLINK over rtnetlink."""
    name = ifname.encode() + b"\0"
    attr = struct.pack("=HH", 4 + len(name), 3) + name      # IFLA_IFNAME
    attr += b"\0" * (-len(attr) % 4)
    body = struct.pack("=BxHiII", 0, 0, 0, 0, 0) + attr        # struct ifinfomsg
    msg = struct.pack("=IHHII", 16 + len(body), 17, 1 | 4, 1, 0) + body  # RTM_DELLINK, REQUEST|ACK
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0) as s:
        s.send(msg)
        data = s.recv(65536)
    if struct.unpack_from("=H", data, 4)[0] == 2:               # NLMSG_ERROR
        err = struct.unpack_from("=i", data, 16)[0]
        if err:
            raise OSError(-err, os.strerror(-err))


def sysfs(ifname, attr):
    try:
        with open("/sys/class/net/%s/%s" % (ifname, attr)) as f:
            return f.read().strip()
    except OSError as e:
        return ename(e.errno)


def exists(ifname):
    return os.path.exists("/sys/class/net/" + ifname)


def wait_gone(ifname, timeout=3.0):
    """Unregistering may be asynchronous: wait a little."""
    end = time.monotonic() + timeout
    while exists(ifname) and time.monotonic() < end:
        time.sleep(0.05)        # the poll interval of a bounded wait
    return "yes" if not exists(ifname) else "no"


# read(2)'s number, as /proc/PID/task/TID/syscall shows it.
SYS_READ = {"x86_64": 0, "i686": 3, "aarch64": 63, "riscv64": 63}.get(os.uname().machine, 0)


def wait_blocked_read(t, fd, timeout=10.0):
    """Wait until thread T sleeps in read(FD), or has ended: a reader that
    blocks, rather than one that has not yet reached read(). The kernel
    shows the system call a sleeping task is in (nr and arguments, in hex)
    in /proc/self/task/TID/syscall, "running" while it runs."""
    path = "/proc/self/task/%d/syscall" % t.native_id
    end = time.monotonic() + timeout
    while t.is_alive() and time.monotonic() < end:
        try:
            with open(path) as f:
                w = f.read().split()
        except OSError:
            w = []
        if len(w) > 1 and w[0] == str(SYS_READ) and int(w[1], 16) == fd:
            return True
        time.sleep(0.01)        # the poll interval of a bounded wait
    return False


def blocked_read(t, fd, why):
    """"yes" once thread T sleeps in read(FD); else "no: " and why() when T
    ended (the read returned), or that it was not seen in read()."""
    blocked = wait_blocked_read(t, fd)
    if not t.is_alive():
        return "no: " + why()
    return "yes" if blocked else "no: not seen asleep in read()"


def no_ipv6(ifname):
    """Quiet the device (no RS/MLD/DAD) so its queue holds only our traffic."""
    try:
        with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % ifname, "w") as f:
            f.write("1")
    except OSError:
        pass


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def mac_text(b):
    return ":".join("%02x" % x for x in b)


# --- packets --------------------------------------------------------------------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ident=0x1111):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000,
                      64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def icmp4_echo(icmp_type, ident, seq, payload):
    h = struct.pack("!BBHHH", icmp_type, 0, 0, ident, seq) + payload
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def ipv6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def icmp6_echo(src, dst, icmp_type, ident, seq, payload):
    h = struct.pack("!BBHHH", icmp_type, 0, 0, ident, seq) + payload
    pseudo = (socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst)
              + struct.pack("!I3xB", len(h), 58))
    return h[:2] + struct.pack("!H", csum(pseudo + h)) + h[4:]


def udp4(src, dst, sport, dport, payload):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!xBH", 17, len(h))
    c = csum(pseudo + h) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + h[8:]


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, op, sha,
                       socket.inet_aton(spa), tha, socket.inet_aton(tpa))


def parse_ipv4(p):
    """(src, dst, proto, payload) of a valid IPv4 packet, or None."""
    if len(p) < 20 or p[0] >> 4 != 4:
        return None
    ihl = (p[0] & 15) * 4
    tot = struct.unpack("!H", p[2:4])[0]
    if ihl < 20 or len(p) < tot or tot < ihl or csum(p[:ihl]) != 0:
        return None
    return socket.inet_ntoa(p[12:16]), socket.inet_ntoa(p[16:20]), p[9], p[ihl:tot]


def parse_ipv6(p):
    if len(p) < 40 or p[0] >> 4 != 6:
        return None
    plen, nh = struct.unpack("!HB", p[4:7])
    if len(p) < 40 + plen:
        return None
    return (socket.inet_ntop(socket.AF_INET6, p[8:24]),
            socket.inet_ntop(socket.AF_INET6, p[24:40]), nh, p[40:40 + plen])


def parse_arp(p):
    if len(p) < 28:
        return None
    htype, ptype, hlen, plen, op, sha, spa, tha, tpa = struct.unpack("!HHBBH6s4s6s4s", p[:28])
    if htype != 1 or ptype != ETH_P_IP or hlen != 6 or plen != 4:
        return None
    return op, sha, socket.inet_ntoa(spa), tha, socket.inet_ntoa(tpa)


def is_echo4_reply(pkt, src, dst, ident, seq, payload):
    ip4 = parse_ipv4(pkt)
    if not ip4 or ip4[:3] != (src, dst, 1):
        return False
    icmp = ip4[3]
    return (len(icmp) >= 8 and csum(icmp) == 0
            and icmp[0] == 0 and icmp[1] == 0
            and struct.unpack("!HH", icmp[4:8]) == (ident, seq) and icmp[8:] == payload)


def is_echo6_reply(pkt, src, dst, ident, seq, payload):
    ip6 = parse_ipv6(pkt)
    if not ip6 or ip6[:3] != (src, dst, 58):
        return False
    icmp = ip6[3]
    pseudo = (socket.inet_pton(socket.AF_INET6, ip6[0]) + socket.inet_pton(socket.AF_INET6, ip6[1])
              + struct.pack("!I3xB", len(icmp), 58))
    return (len(icmp) >= 8 and csum(pseudo + icmp) == 0 and icmp[0] == 129 and icmp[1] == 0
            and struct.unpack("!HH", icmp[4:8]) == (ident, seq) and icmp[8:] == payload)


# --- framing: the 4-byte packet information header -------------------------------

def frame(pkt, proto, pi):
    """What to write: struct tun_pi {u16 flags; be16 proto} then the packet."""
    return (struct.pack("=H", 0) + struct.pack("!H", proto) + pkt) if pi else pkt


def unframe(data, pi):
    """(pi_flags, pi_proto, packet) of what read() returned."""
    if not pi:
        return None, None, data
    if len(data) < 4:
        return None, None, b""
    return struct.unpack("=H", data[:2])[0], struct.unpack("!H", data[2:4])[0], data[4:]


def readable(fd, timeout):
    return bool(select.select([fd], [], [], max(timeout, 0))[0])


class Reader:
    """Reads packets from a tun fd until one matches, skipping the rest
    (IPv6 router solicitations, MLD reports...). Packets skipped are counted
    in a note only, since their number depends on timing."""

    def __init__(self, fd, pi, size=65536 + 4):
        self.fd, self.pi, self.size = fd, pi, size
        self.skipped = 0
        self.handler = None   # called with each skipped packet

    def until(self, match, timeout=None):
        timeout = ARGS.timeout if timeout is None else timeout
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not readable(self.fd, left):
                return None
            try:
                data = os.read(self.fd, self.size)
            except BlockingIOError:
                continue
            flags, proto, pkt = unframe(data, self.pi)
            if match(pkt):
                return flags, proto, pkt
            self.skipped += 1
            if self.handler:
                self.handler(pkt)

    def drain(self):
        while readable(self.fd, 0):
            try:
                os.read(self.fd, self.size)
            except BlockingIOError:
                break
            self.skipped += 1


def pi_line(flags, proto, pi):
    return "flags %d proto 0x%04x" % (flags, proto) if pi else "none"


# --- scenario: ioctls ------------------------------------------------------------------

def scn_ioctls(o):
    p = ARGS.prefix
    fd = tun_open()
    o.step("open", "ok")

    feat = None
    try:
        feat = getfeatures(fd)
    except OSError as e:
        o.step("features", ename(e.errno), "TUN|TAP|NO_PI")
    if feat is not None:
        o.note("features raw %s" % hexflags(feat))
        # tun does not report IFF_TUN_EXCL although it honours it.
        o.step("features", flagnames(feat & RTUN_FEATURES), "TUN|TAP|NO_PI")
        o.step("features-has-tun-tap-nopi",
               "yes" if feat & (IFF_TUN | IFF_TAP | IFF_NO_PI) == IFF_TUN | IFF_TAP | IFF_NO_PI
               else "no", "yes")

    # Before TUNSETIFF the fd has no device.
    o.step("getiff-unattached", res(getiff, fd), "errno EBADFD")
    o.step("setpersist-unattached", res(ioctl_val, fd, TUNSETPERSIST, 1), "errno EBADFD")
    o.step("setowner-unattached", res(ioctl_val, fd, TUNSETOWNER, 1000), "errno EBADFD")
    o.step("unknown-ioctl-unattached", res(ioctl_val, fd, TUN_UNKNOWN, 0), "errno EBADFD")
    o.step("read-unattached", res(os.read, fd, 2048), "errno EBADFD")
    o.step("write-unattached", res(os.write, fd, ipv4("10.9.9.9", "10.9.9.8", 17, b"x")),
           "errno EBADFD")
    pl = select.poll()
    pl.register(fd, select.POLLIN | select.POLLOUT)
    o.step("poll-unattached", pollbits(pl.poll(0)), "POLLERR")

    # Requests that must fail.
    o.step("setiff-no-type", res(setiff, fd, p + "%d", 0), "errno EINVAL")
    o.step("setiff-bad-name", res(setiff, fd, p + "a/b", IFF_TUN), "errno EINVAL")
    o.step("setiff-two-templates", res(setiff, fd, p + "%d%d", IFF_TUN), "errno EINVAL")

    # A TUN device from a template.
    try:
        name, rflags = setiff(fd, p + "%d", IFF_TUN | IFF_NO_PI)
    except OSError as e:
        o.step("setiff-template", ename(e.errno), "<P>0")
        return
    o.step("setiff-template", o.rel(name), "<P>0")
    o.step("setiff-template-flags-back", hexflags(rflags), hexflags(IFF_TUN | IFF_NO_PI))
    o.step("sysfs-exists", "yes" if exists(name) else "no", "yes")
    o.step("tun-type", sysfs(name, "type"), str(ARPHRD_NONE))
    o.step("tun-flags", sysfs(name, "flags"), "0x1090")   # POINTOPOINT|NOARP|MULTICAST
    o.step("tun-mtu", sysfs(name, "mtu"), "1500")
    o.step("tun-addr-len", sysfs(name, "addr_len"), "0")
    o.note("tun tx_queue_len %s" % sysfs(name, "tx_queue_len"))
    # TUNGETIFF reports IFF_NOFILTER (== IFF_NO_PI) when no socket filter is
    # attached, so the NO_PI bit is set whatever TUNSETIFF asked for.
    r = res(getiff, fd)
    o.step("getiff", r if isinstance(r, str) else "%s %s" % (o.rel(r[0]), hexflags(r[1])),
           "<P>0 0x1001")
    o.step("setiff-again", res(setiff, fd, p + "%d", IFF_TUN), "errno EEXIST")
    o.step("setiff-again-same-name", res(setiff, fd, name, IFF_TUN), "errno EEXIST")

    # Persistence flag, as TUNGETIFF shows it.
    o.step("setpersist-1", res(ioctl_val, fd, TUNSETPERSIST, 1), "ok")
    o.step("getiff-persist", flags_of(fd), "0x1801")
    o.step("setpersist-1-again", res(ioctl_val, fd, TUNSETPERSIST, 1), "ok")
    o.step("setpersist-0", res(ioctl_val, fd, TUNSETPERSIST, 0), "ok")
    o.step("getiff-not-persist", flags_of(fd), "0x1001")
    o.step("setpersist-0-again", res(ioctl_val, fd, TUNSETPERSIST, 0), "ok")

    # Owner and group (the values; their effect is in the perm scenario).
    o.step("setowner-1000", res(ioctl_val, fd, TUNSETOWNER, 1000), "ok")
    o.step("setgroup-1000", res(ioctl_val, fd, TUNSETGROUP, 1000), "ok")
    o.step("setowner-invalid", res(ioctl_val, fd, TUNSETOWNER, -1), "errno EINVAL")
    o.step("setgroup-invalid", res(ioctl_val, fd, TUNSETGROUP, -1), "errno EINVAL")
    o.note("sysfs owner %s group %s tun_flags %s" % (
        sysfs(name, "owner"), sysfs(name, "group"), sysfs(name, "tun_flags")))
    o.step("setowner-0", res(ioctl_val, fd, TUNSETOWNER, 0), "ok")
    o.step("getiff-after-owner", flags_of(fd), "0x1001")
    o.step("unknown-ioctl", res(ioctl_val, fd, TUN_UNKNOWN, 0), "errno EINVAL")

    # More devices: the template counts on, TAP, explicit and long names.
    fds = [fd]
    names = [name]

    def another(step, req, flags, want_name, want_type=None, want_getiff=None):
        f = tun_open()
        fds.append(f)
        try:
            n, _ = setiff(f, req, flags)
        except OSError as e:
            o.step(step, ename(e.errno), want_name)
            return None
        names.append(n)
        o.step(step, o.rel(n) if want_name is not None and want_name.startswith("<P>")
               else n, want_name)
        if want_type is not None:
            o.step(step + "-type", sysfs(n, "type"), want_type)
        if want_getiff is not None:
            o.step(step + "-getiff", flags_of(f), want_getiff)
        return n

    another("setiff-template-2", p + "%d", IFF_TUN, "<P>1", str(ARPHRD_NONE), "0x1001")
    tap = another("setiff-tap", p + "%d", IFF_TAP | IFF_NO_PI, "<P>2", str(ARPHRD_ETHER), "0x1002")
    if tap:
        o.step("tap-flags", sysfs(tap, "flags"), "0x1002")      # BROADCAST|MULTICAST
        o.step("tap-mtu", sysfs(tap, "mtu"), "1500")
        o.step("tap-addr-len", sysfs(tap, "addr_len"), "6")
        mac = sysfs(tap, "address")
        good = (not mac.startswith("errno") and mac != "00:00:00:00:00:00"
                and not mac_bytes(mac)[0] & 1)
        o.step("tap-mac-unicast", "yes" if good else "no", "yes")
    another("setiff-explicit", p + "x", IFF_TUN, "<P>x")
    another("setiff-tun-and-tap", p + "y", IFF_TUN | IFF_TAP, "<P>y", str(ARPHRD_NONE))
    another("setiff-onequeue", p + "q", IFF_TUN | IFF_ONE_QUEUE, "<P>q")
    n15 = p + "l" * (15 - len(p))
    f = tun_open()
    fds.append(f)
    r = res(setiff, f, n15, IFF_TUN)
    o.step("setiff-15-chars", "ok" if r == (n15, IFF_TUN) else r, "ok")
    if r == (n15, IFF_TUN):
        names.append(n15)
    f = tun_open()
    fds.append(f)
    n16 = (p + "m" * 16)[:16]   # no NUL in the 16 bytes: the kernel cuts at 15
    r = res(setiff, f, n16.encode(), IFF_TUN)
    if isinstance(r, tuple):
        names.append(r[0])
        r = "ok, cut to 15" if r[0] == n16[:15] else "ok, named %s" % o.rel(r[0])
    o.step("setiff-16-chars", r, "ok, cut to 15")
    f = tun_open()
    fds.append(f)
    r = res(setiff, f, b"", IFF_TUN)
    if isinstance(r, tuple):
        o.note("empty name gave %s" % r[0])
        names.append(r[0])
        r = "ok" if r[0] and r[0][-1].isdigit() else "ok, named %s" % r[0]
    o.step("setiff-empty-name", r, "ok")

    for f in fds:
        os.close(f)
    gone = [n for n in names if wait_gone(n) == "yes"]
    o.step("all-gone-after-close", "yes" if len(gone) == len(names) else
           "no: " + " ".join(o.rel(n) for n in names if n not in gone), "yes")


def flags_of(fd):
    r = res(getiff, fd)
    return r if isinstance(r, str) else hexflags(r[1])


def pollbits(events):
    mask = 0
    for _, ev in events:
        mask |= ev
    names = [n for bit, n in ((select.POLLIN, "POLLIN"), (select.POLLOUT, "POLLOUT"),
                              (select.POLLERR, "POLLERR"), (select.POLLHUP, "POLLHUP"),
                              (select.POLLNVAL, "POLLNVAL")) if mask & bit]
    return "|".join(names) if names else "none"


def epollbits(events):
    mask = 0
    for _, ev in events:
        mask |= ev
    names = [n for bit, n in ((select.EPOLLIN, "EPOLLIN"), (select.EPOLLOUT, "EPOLLOUT"),
                              (select.EPOLLERR, "EPOLLERR"), (select.EPOLLHUP, "EPOLLHUP"))
             if mask & bit]
    return "|".join(names) if names else "none"


# --- scenario: attach ------------------------------------------------------------------

def scn_attach(o):
    p = ARGS.prefix
    name = p + "pers"

    # A persistent device outlives its fd.
    fd1 = tun_open()
    o.step("create", res(lambda: o.rel(setiff(fd1, name, IFF_TUN | IFF_NO_PI)[0])), "<P>pers")
    o.step("setpersist", res(ioctl_val, fd1, TUNSETPERSIST, 1), "ok")
    link_set(name, True)
    o.step("carrier-attached", sysfs(name, "carrier"), "1")
    os.close(fd1)
    o.step("exists-after-close", "yes" if exists(name) else "no", "yes")
    o.step("carrier-detached", sysfs(name, "carrier"), "0")

    # Attach to it again by name.
    fd2 = tun_open()
    o.step("reattach", res(lambda: o.rel(setiff(fd2, name, IFF_TUN | IFF_NO_PI)[0])), "<P>pers")
    o.step("reattach-getiff", flags_of(fd2), "0x1801")
    o.step("carrier-reattached", sysfs(name, "carrier"), "1")

    fd3 = tun_open()
    o.step("attach-while-attached", res(setiff, fd3, name, IFF_TUN | IFF_NO_PI), "errno EBUSY")
    o.step("attach-other-mode", res(setiff, fd3, name, IFF_TAP | IFF_NO_PI), "errno EINVAL")
    o.step("attach-excl", res(setiff, fd3, name, IFF_TUN | IFF_TUN_EXCL), "errno EBUSY")
    o.step("attach-excl-other-mode", res(setiff, fd3, name, IFF_TAP | IFF_TUN_EXCL), "errno EBUSY")
    o.step("attach-to-lo", res(setiff, fd3, "lo", IFF_TUN), "errno EINVAL")
    o.step("attach-to-lo-tap", res(setiff, fd3, "lo", IFF_TAP), "errno EINVAL")
    o.step("fd3-still-unattached", flags_of(fd3), "errno EBADFD")
    # IFF_TUN_EXCL on a new name creates it.
    o.step("excl-new-name", res(lambda: o.rel(setiff(fd3, p + "excl", IFF_TUN | IFF_TUN_EXCL)[0])),
           "<P>excl")
    os.close(fd3)
    o.step("excl-gone-after-close", wait_gone(p + "excl"), "yes")

    # Detached persistent device: mode and EXCL checks still apply.
    os.close(fd2)
    o.step("exists-after-second-close", "yes" if exists(name) else "no", "yes")
    fd4 = tun_open()
    o.step("detached-attach-other-mode", res(setiff, fd4, name, IFF_TAP), "errno EINVAL")
    o.step("detached-attach-excl", res(setiff, fd4, name, IFF_TUN | IFF_TUN_EXCL), "errno EBUSY")
    o.step("detached-attach", res(lambda: o.rel(setiff(fd4, name, IFF_TUN)[0])), "<P>pers")
    o.step("unpersist", res(ioctl_val, fd4, TUNSETPERSIST, 0), "ok")
    o.step("exists-before-close", "yes" if exists(name) else "no", "yes")
    os.close(fd4)
    o.step("gone-after-unpersist-close", wait_gone(name), "yes")

    # A TAP device can be persistent and re-attached too.
    tname = p + "tp"
    fd = tun_open()
    o.step("tap-create", res(lambda: o.rel(setiff(fd, tname, IFF_TAP | IFF_NO_PI)[0])), "<P>tp")
    mac = sysfs(tname, "address")
    o.step("tap-setpersist", res(ioctl_val, fd, TUNSETPERSIST, 1), "ok")
    os.close(fd)
    fd = tun_open()
    o.step("tap-reattach-as-tun", res(setiff, fd, tname, IFF_TUN), "errno EINVAL")
    o.step("tap-reattach", res(lambda: o.rel(setiff(fd, tname, IFF_TAP)[0])), "<P>tp")
    o.step("tap-reattach-getiff", flags_of(fd), "0x1802")
    o.step("tap-mac-kept", "yes" if sysfs(tname, "address") == mac else "no", "yes")
    # Deleting a detached persistent device with ip link del.
    o.step("tap-unpersist", res(ioctl_val, fd, TUNSETPERSIST, 0), "ok")
    o.step("tap-persist-again", res(ioctl_val, fd, TUNSETPERSIST, 1), "ok")
    os.close(fd)
    o.step("ip-link-del-detached", res(link_del, tname), "ok")
    o.step("ip-link-del-detached-gone", wait_gone(tname), "yes")

    # ip link del while attached: the fd loses its device.
    dname = p + "del"
    fd = tun_open()
    o.step("del-create", res(lambda: o.rel(setiff(fd, dname, IFF_TUN | IFF_NO_PI)[0])), "<P>del")
    got = {}

    def reader():
        try:
            got["r"] = "%d bytes" % len(os.read(fd, 2048))
        except OSError as e:
            got["r"] = ename(e.errno)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    o.step("blocked-reader-waits", blocked_read(t, fd, lambda: got.get("r", "?")), "yes")
    o.step("ip-link-del-attached", res(link_del, dname), "ok")
    t.join(ARGS.timeout)
    o.step("blocked-reader-after-del", got.get("r", "still blocked"), "errno EFAULT")
    o.step("del-gone", wait_gone(dname), "yes")
    o.step("del-read", res(os.read, fd, 2048), "errno EBADFD")
    o.step("del-write", res(os.write, fd, ipv4("10.9.9.9", "10.9.9.8", 17, b"x")), "errno EBADFD")
    o.step("del-getiff", flags_of(fd), "errno EBADFD")
    o.step("del-setpersist", res(ioctl_val, fd, TUNSETPERSIST, 1), "errno EBADFD")
    pl = select.poll()
    pl.register(fd, select.POLLIN | select.POLLOUT)
    o.step("del-poll", pollbits(pl.poll(0)), "POLLERR")
    # The fd can be used for a new device afterwards.
    o.step("del-reuse-fd", res(lambda: o.rel(setiff(fd, dname, IFF_TUN)[0])), "<P>del")
    o.step("del-reuse-getiff", flags_of(fd), "0x1001")
    os.close(fd)
    o.step("del-reuse-gone-after-close", wait_gone(dname), "yes")

    # ip link del of an attached persistent device.
    fd = tun_open()
    o.step("delp-create", res(lambda: o.rel(setiff(fd, dname, IFF_TUN)[0])), "<P>del")
    o.step("delp-setpersist", res(ioctl_val, fd, TUNSETPERSIST, 1), "ok")
    o.step("delp-ip-link-del", res(link_del, dname), "ok")
    o.step("delp-gone", wait_gone(dname), "yes")
    o.step("delp-read", res(os.read, fd, 2048), "errno EBADFD")
    os.close(fd)
    o.step("delp-still-gone-after-close", "yes" if not exists(dname) else "no", "yes")


# --- scenario: echo (TUN) -----------------------------------------------------------------

def scn_echo(o, pi):
    fd, name = create(IFF_TUN | (0 if pi else IFF_NO_PI))
    o.step("create", o.rel(name), "<P>0")
    addr4(name, "10.200.0.1/24")
    addr6(name, "fc00:200::1/64")
    link_set(name, True)
    o.step("configured", "ok")
    v6ready = addr6_ready(name, "fc00:200::1")
    rd = Reader(fd, pi)
    rx0 = int(sysfs(name, "statistics/rx_packets"))
    rxb0 = int(sysfs(name, "statistics/rx_bytes"))

    def request(seq, payload, proto=ETH_P_IP):
        return frame(ipv4("10.200.0.2", "10.200.0.1", 1, icmp4_echo(8, 0x1234, seq, payload)),
                     proto, pi)

    def reply(seq, payload):
        return lambda p: is_echo4_reply(p, "10.200.0.1", "10.200.0.2", 0x1234, seq, payload)

    nbytes = 0
    for seq, size in ((1, 56), (2, 0), (3, 1400)):
        payload = bytes((seq * 7 + i) & 0xFF for i in range(size))
        data = request(seq, payload)
        o.step("v4-write-%d" % seq, res(lambda: "%d" % os.write(fd, data)), "%d" % len(data))
        nbytes += len(data) - (4 if pi else 0)
        got = rd.until(reply(seq, payload))
        o.step("v4-reply-%d" % seq, "ok" if got else "none", "ok")
        if got:
            o.step("v4-reply-%d-pi" % seq, pi_line(got[0], got[1], pi), pi_line(0, ETH_P_IP, pi))
    o.step("v4-rx-packets", str(int(sysfs(name, "statistics/rx_packets")) - rx0), "3")
    o.step("v4-rx-bytes", str(int(sysfs(name, "statistics/rx_bytes")) - rxb0), str(nbytes))
    o.step("v4-tx-packets-counted",
           "yes" if int(sysfs(name, "statistics/tx_packets")) >= 3 else "no", "yes")

    # Packets that get no answer, each followed by a good request: the
    # stack handles them in order, so a reply to the bad one would come first.
    def no_reply(step, bad, bad_seq, bad_payload, good_seq):
        os.write(fd, bad)
        os.write(fd, request(good_seq, b"good"))
        seen = []

        def match(p):
            if reply(bad_seq, bad_payload)(p):
                seen.append(1)
            return reply(good_seq, b"good")(p)
        got = rd.until(match)
        o.step(step, "no reply" if got and not seen else "reply" if seen else "good one lost",
               "no reply")

    bad = bytearray(ipv4("10.200.0.2", "10.200.0.1", 1, icmp4_echo(8, 0x1234, 9, b"bad")))
    bad[10] ^= 0xFF
    no_reply("v4-bad-checksum", frame(bytes(bad), ETH_P_IP, pi), 9, b"bad", 4)
    if pi:
        # With PI the proto field, not the version nibble, tells the stack
        # what the packet is: an IPv4 packet labelled ETH_P_IPV6 is dropped.
        no_reply("v4-labelled-ipv6", request(10, b"mislabelled", ETH_P_IPV6), 10, b"mislabelled", 5)

    o.step("v6-address-ready", "yes" if v6ready or addr6_ready(name, "fc00:200::1") else "no", "yes")
    for seq, size in ((1, 56), (2, 1200)):
        payload = bytes((seq * 11 + i) & 0xFF for i in range(size))
        pkt = ipv6("fc00:200::2", "fc00:200::1", 58,
                   icmp6_echo("fc00:200::2", "fc00:200::1", 128, 0x4321, seq, payload))
        data = frame(pkt, ETH_P_IPV6, pi)
        o.step("v6-write-%d" % seq, res(lambda: "%d" % os.write(fd, data)), "%d" % len(data))
        got = rd.until(lambda p: is_echo6_reply(p, "fc00:200::1", "fc00:200::2", 0x4321, seq,
                                                payload))
        o.step("v6-reply-%d" % seq, "ok" if got else "none", "ok")
        if got:
            o.step("v6-reply-%d-pi" % seq, pi_line(got[0], got[1], pi),
                   pi_line(0, ETH_P_IPV6, pi))
    o.note("skipped %d unrelated packets" % rd.skipped)
    os.close(fd)
    o.step("gone-after-close", wait_gone(name), "yes")


# --- scenario: arp (TAP) ----------------------------------------------------------------

def scn_arp(o, pi):
    fd, name = create(IFF_TAP | (0 if pi else IFF_NO_PI))
    o.step("create", o.rel(name), "<P>0")
    no_ipv6(name)
    addr4(name, "10.201.0.1/24")
    link_set(name, True)
    dmac = mac_bytes(sysfs(name, "address"))
    me = bytes.fromhex("020000c90002")
    bcast = b"\xff" * 6
    rd = Reader(fd, pi)

    def answer_arp(pkt):
        """Reply to the kernel's ARP requests for 10.201.0.2 and .3 (both us)."""
        if len(pkt) < 14 or struct.unpack("!H", pkt[12:14])[0] != ETH_P_ARP:
            return
        a = parse_arp(pkt[14:])
        if a and a[0] == 1 and a[4] in ("10.201.0.2", "10.201.0.3"):
            answer_arp.seen += 1
            os.write(fd, frame(eth(pkt[6:12], me, ETH_P_ARP,
                                   arp(2, me, a[4], pkt[6:12], a[2])), ETH_P_ARP, pi))
    answer_arp.seen = 0

    req = eth(bcast, me, ETH_P_ARP, arp(1, me, "10.201.0.2", b"\0" * 6, "10.201.0.1"))
    data = frame(req, ETH_P_ARP, pi)
    o.step("arp-request-write", res(lambda: "%d" % os.write(fd, data)), "%d" % len(data))

    def is_arp_reply(pkt):
        if len(pkt) < 14 or struct.unpack("!H", pkt[12:14])[0] != ETH_P_ARP:
            return False
        a = parse_arp(pkt[14:])
        return bool(a) and a[0] == 2
    got = rd.until(is_arp_reply)
    if not got:
        o.step("arp-reply", "none", "ok")
    else:
        pkt = got[2]
        a = parse_arp(pkt[14:])
        o.step("arp-reply", "ok", "ok")
        o.step("arp-reply-eth", "ok" if pkt[0:6] == me and pkt[6:12] == dmac else
               "dst %s src %s" % (mac_text(pkt[0:6]), mac_text(pkt[6:12])), "ok")
        o.step("arp-reply-fields", "ok" if a == (2, dmac, "10.201.0.1", me, "10.201.0.2") else
               repr(a), "ok")
        o.step("arp-reply-len", str(len(pkt)), "42")
        o.step("arp-reply-pi", pi_line(got[0], got[1], pi), pi_line(0, ETH_P_ARP, pi))

    # ICMP echo over Ethernet; answer whatever ARP the kernel asks.
    rd.handler = answer_arp
    for seq in (1, 2):
        payload = bytes((seq + i) & 0xFF for i in range(64))
        pkt = eth(dmac, me, ETH_P_IP,
                  ipv4("10.201.0.2", "10.201.0.1", 1, icmp4_echo(8, 0x2222, seq, payload)))
        data = frame(pkt, ETH_P_IP, pi)
        o.step("icmp-write-%d" % seq, res(lambda: "%d" % os.write(fd, data)), "%d" % len(data))
        got = rd.until(lambda p: len(p) > 14 and p[12:14] == b"\x08\x00" and is_echo4_reply(
            p[14:], "10.201.0.1", "10.201.0.2", 0x2222, seq, payload))
        o.step("icmp-reply-%d" % seq, "ok" if got else "none", "ok")
        if got:
            p = got[2]
            o.step("icmp-reply-%d-eth" % seq, "ok" if p[0:6] == me and p[6:12] == dmac else
                   "dst %s src %s" % (mac_text(p[0:6]), mac_text(p[6:12])), "ok")
            o.step("icmp-reply-%d-pi" % seq, pi_line(got[0], got[1], pi), pi_line(0, ETH_P_IP, pi))

    # A frame for another MAC is not for this host: no reply. A good request
    # follows it; a reply to the first would come before the good one's.
    other = bytes.fromhex("020000c900ff")
    for seq, dst in ((7, other), (8, dmac)):
        os.write(fd, frame(eth(dst, me, ETH_P_IP, ipv4("10.201.0.2", "10.201.0.1", 1,
                                                       icmp4_echo(8, 0x2222, seq, b"who"))),
                           ETH_P_IP, pi))
    seen = []

    def match(p):
        if len(p) > 14 and is_echo4_reply(p[14:], "10.201.0.1", "10.201.0.2", 0x2222, 7, b"who"):
            seen.append(1)
        return len(p) > 14 and is_echo4_reply(p[14:], "10.201.0.1", "10.201.0.2", 0x2222, 8, b"who")
    got = rd.until(match)
    o.step("other-host-frame", "no reply" if got and not seen else "reply" if seen else
           "good one lost", "no reply")

    # The stack sends to 10.201.0.3, which it has not resolved yet: it ARPs
    # first; then a UDP datagram goes both ways.
    seen0 = answer_arp.seen
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    us.bind(("10.201.0.1", 0))
    lport = us.getsockname()[1]
    us.sendto(b"from the stack", ("10.201.0.3", 7777))

    def udp_out(p):
        if len(p) < 14 or p[12:14] != b"\x08\x00":
            return False
        ip4 = parse_ipv4(p[14:])
        return (bool(ip4) and ip4[:3] == ("10.201.0.1", "10.201.0.3", 17)
                and ip4[3][8:] == b"from the stack"
                and struct.unpack("!HH", ip4[3][:4]) == (lport, 7777))
    got = rd.until(udp_out)
    o.step("stack-udp-out", "ok" if got else "none", "ok")
    o.step("stack-arped-first", "yes" if answer_arp.seen > seen0 else "no", "yes")
    if got:
        o.step("stack-udp-out-eth", "ok" if got[2][0:6] == me and got[2][6:12] == dmac else
               "dst %s src %s" % (mac_text(got[2][0:6]), mac_text(got[2][6:12])), "ok")
        o.step("stack-udp-out-pi", pi_line(got[0], got[1], pi), pi_line(0, ETH_P_IP, pi))
    os.write(fd, frame(eth(dmac, me, ETH_P_IP, ipv4("10.201.0.3", "10.201.0.1", 17, udp4(
        "10.201.0.3", "10.201.0.1", 7777, lport, b"to the stack"))), ETH_P_IP, pi))
    r = "none"
    if readable(us, ARGS.timeout):
        data, src = us.recvfrom(2048)
        r = "ok" if (data, src) == (b"to the stack", ("10.201.0.3", 7777)) else "other"
    o.step("stack-udp-in", r, "ok")
    us.close()
    o.note("skipped %d unrelated frames, answered %d ARP requests" % (rd.skipped, answer_arp.seen))
    os.close(fd)
    o.step("gone-after-close", wait_gone(name), "yes")


# --- scenario: poll ----------------------------------------------------------------------

def scn_poll(o, pi):
    fd = tun_open(nonblock=True)
    name, _ = setiff(fd, ARGS.prefix + "%d", IFF_TUN | (0 if pi else IFF_NO_PI))
    o.step("create", o.rel(name), "<P>0")
    no_ipv6(name)
    addr4(name, "10.204.0.1/24")
    link_set(name, True)
    rd = Reader(fd, pi)
    rd.drain()

    o.step("read-empty-nonblock", res(os.read, fd, 2048), "errno EAGAIN")
    pl = select.poll()
    pl.register(fd, select.POLLIN | select.POLLOUT)
    o.step("poll-empty", pollbits(pl.poll(0)), "POLLOUT")
    ep = select.epoll()
    ep.register(fd, select.EPOLLIN | select.EPOLLOUT)
    o.step("epoll-empty", epollbits(ep.poll(0)), "EPOLLOUT")
    o.step("select-empty", "r=%d w=%d" % tuple(len(x) for x in select.select([fd], [fd], [], 0)[:2]),
           "r=0 w=1")
    epet = select.epoll()
    epet.register(fd, select.EPOLLIN | select.EPOLLET)

    def ping(seq, payload=b"poll"):
        os.write(fd, frame(ipv4("10.204.0.2", "10.204.0.1", 1, icmp4_echo(8, 0x3333, seq, payload)),
                           ETH_P_IP, pi))

    def is_reply(seq, payload=b"poll"):
        return lambda p: is_echo4_reply(p, "10.204.0.1", "10.204.0.2", 0x3333, seq, payload)

    # A reply gets queued: POLLIN.
    ping(1)
    ms = int(ARGS.timeout * 1000)
    pl2 = select.poll()
    pl2.register(fd, select.POLLIN)
    o.step("poll-pollin-after-packet", pollbits(pl2.poll(ms)), "POLLIN")
    o.step("poll-both-after-packet", pollbits(pl.poll(0)), "POLLIN|POLLOUT")
    o.step("epoll-after-packet", epollbits(ep.poll(0)), "EPOLLIN|EPOLLOUT")
    o.step("epollet-first", epollbits(epet.poll(ARGS.timeout)), "EPOLLIN")
    o.step("epollet-second", epollbits(epet.poll(0)), "none")
    got = rd.until(is_reply(1))
    o.step("read-reply", "ok" if got else "none", "ok")
    o.step("poll-empty-again", pollbits(pl.poll(0)), "POLLOUT")
    o.step("read-empty-again", res(os.read, fd, 2048), "errno EAGAIN")

    # epoll_wait blocks until the reply is queued.
    ping(2)
    o.step("epoll-wait-wakes", epollbits(ep.poll(ARGS.timeout)),
           ("EPOLLIN|EPOLLOUT",))
    o.step("read-reply-2", "ok" if rd.until(is_reply(2)) else "none", "ok")

    # Reads shorter than the packet.
    payload = bytes(range(100))
    ping(3, payload)
    plen = 20 + 8 + len(payload)
    hdr = 4 if pi else 0
    o.step("short-wait", pollbits(pl2.poll(ms)), "POLLIN")
    o.step("read-zero", res(lambda: "%d" % len(os.read(fd, 0))), "0")
    o.step("poll-after-read-zero", pollbits(pl2.poll(0)), "POLLIN")
    r = res(lambda: os.read(fd, hdr + 10))
    if isinstance(r, bytes):
        f, pr, pkt = unframe(r, pi)
        r = "%d bytes, pi %s, head ok %s" % (len(r), pi_line(f, pr, pi),
                                            "yes" if len(pkt) == 10 and pkt[:1] == b"\x45" else "no")
    want_flags = TUN_PKT_STRIP if pi else 0
    o.step("read-truncated", r, "%d bytes, pi %s, head ok yes" % (
        hdr + 10, pi_line(want_flags, ETH_P_IP, pi)))
    o.step("truncated-packet-consumed", res(os.read, fd, 2048), "errno EAGAIN")
    o.note("full packet would have been %d bytes" % (hdr + plen))
    if pi:
        ping(4)
        pl2.poll(ms)
        o.step("read-shorter-than-pi", res(os.read, fd, 2), "errno EINVAL")
        o.step("shorter-than-pi-consumed", res(os.read, fd, 2048), "errno EAGAIN")

    # A blocking read in another thread returns when a packet arrives.
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
    got = {}

    def reader():
        try:
            got["d"] = os.read(fd, 65536)
        except OSError as e:
            got["e"] = ename(e.errno)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    o.step("blocking-read-waits", blocked_read(t, fd, lambda: "returned"), "yes")
    ping(5, b"wake")
    t.join(ARGS.timeout)
    if t.is_alive():
        o.step("blocking-read-wakes", "still blocked", "ok")
    elif "e" in got:
        o.step("blocking-read-wakes", got["e"], "ok")
    else:
        pkt = unframe(got["d"], pi)[2]
        o.step("blocking-read-wakes", "ok" if is_reply(5, b"wake")(pkt) else "other packet", "ok")
    # O_NONBLOCK set again with fcntl is honoured on the next read.
    if not t.is_alive():
        fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        o.step("read-nonblock-after-fcntl", res(os.read, fd, 2048), "errno EAGAIN")
    os.close(fd)
    o.step("gone-after-close", wait_gone(name), "yes")


# --- scenario: garbage -------------------------------------------------------------------

class Rng:
    """xorshift32: the same "random" buffers on every run and device."""

    def __init__(self, seed):
        self.x = seed

    def next(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x

    def below(self, n):
        return self.next() % n


def scn_garbage(o):
    rng = Rng(20240611)
    pool = b"".join(struct.pack("=I", rng.next()) for _ in range(2048))
    for mode, tflag in (("tun", IFF_TUN), ("tap", IFF_TAP)):
        for pi in (True, False):
            tag = "%s-%s" % (mode, "pi" if pi else "nopi")
            fd, name = create(tflag | (0 if pi else IFF_NO_PI))
            no_ipv6(name)
            link_set(name, True)
            if mode == "tun":
                base = ipv4("10.205.0.2", "10.205.0.99", 17, udp4("10.205.0.2", "10.205.0.99",
                                                                 9, 9, b"x" * 64))
                proto = ETH_P_IP
            else:
                base = eth(b"\xff" * 6, bytes.fromhex("020000cd0002"), 0x88B5, b"x" * 64)
                proto = 0x88B5
            base = frame(base, proto, pi)

            def sized(n):
                return (base + b"\0" * n)[:n]

            # tun: shorter than the PI header, or (TUN) no IP version nibble
            # without PI, or (TAP) no Ethernet header after it: EINVAL.
            # Anything else is taken (and dropped by the stack if it is junk).
            hdr = 4 if pi else 0
            least = hdr + (14 if mode == "tap" else 0 if pi else 1)

            def write(data):
                return res(lambda: "ok" if os.write(fd, data) == len(data) else "short")
            for n in (0, 1, 4, 13, 14, 18, 70000):
                o.step("%s-write-%d" % (tag, n), write(sized(n)),
                       "ok" if n >= max(least, 1) else "errno EINVAL")
            if mode == "tun":
                o.step("%s-write-version-0" % tag, write(frame(b"\0" * 20, ETH_P_IP, pi)),
                       "ok" if pi else "errno EINVAL")
                o.step("%s-write-version-6" % tag, write(frame(b"\x60" + b"\0" * 39, ETH_P_IPV6, pi)),
                       "ok")
                if pi:
                    o.step("%s-write-proto-0x1234" % tag, write(frame(base[4:], 0x1234, True)), "ok")
            o.step("%s-write-64k" % tag, write(sized(65535 + hdr)), "ok")

            counts = {}
            for _ in range(100):
                n = rng.below(64) if rng.below(2) else rng.below(2000)
                off = rng.below(len(pool) - n)
                buf = pool[off:off + n]
                r = res(lambda: "ok" if os.write(fd, buf) == n else "short")
                counts[r] = counts.get(r, 0) + 1
            o.step("%s-random-100" % tag, " ".join("%s=%d" % kv for kv in sorted(counts.items())))
            o.step("%s-still-up" % tag, "yes" if exists(name) and flags_of(fd).startswith("0x")
                   else "no", "yes")

            # Link down: a well-formed packet is refused with EIO.
            link_set(name, False)
            o.step("%s-write-link-down" % tag, write(base), "errno EIO")
            if mode == "tun" and not pi:
                # The version nibble is checked before the link state.
                o.step("%s-write-link-down-bad-version" % tag, write(b"\0" * 20), "errno EINVAL")
            os.close(fd)
            o.step("%s-gone-after-close" % tag, wait_gone(name), "yes")


# --- scenario: perm ----------------------------------------------------------------------

def as_user(uid, gid, groups, fn):
    """Run fn(fd) in a child with the given credentials (no capabilities),
    fd being the clone device opened beforehand as root (so the device
    node's mode, which udev decides, does not matter); returns what fn
    returned (a string)."""
    fd = tun_open()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.setgroups(groups)
            os.setgid(gid)
            os.setuid(uid)
            out = fn(fd)
        except OSError as e:
            out = ename(e.errno)
        except BaseException as e:   # noqa: BLE001
            out = "exception %r" % e
        os.write(w, out.encode())
        os._exit(0)
    os.close(w)
    os.close(fd)
    data = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return data.decode()


def scn_perm(o):
    p = ARGS.prefix
    o.note("%s mode %o" % (ARGS.path, os.stat(ARGS.path).st_mode & 0o777))

    def attach(name, flags=IFF_TUN):
        return lambda fd: res(lambda: o.rel(setiff(fd, name, flags)[0]))

    def persistent(name, owner=None, group=None):
        fd = tun_open()
        setiff(fd, name, IFF_TUN)
        if owner is not None:
            ioctl_val(fd, TUNSETOWNER, owner)
        if group is not None:
            ioctl_val(fd, TUNSETGROUP, group)
        ioctl_val(fd, TUNSETPERSIST, 1)
        os.close(fd)

    # Creating a device takes CAP_NET_ADMIN.
    o.step("user-create", as_user(1001, 1001, [], attach(p + "new")), "errno EPERM")
    o.step("user-create-gone", "yes" if not exists(p + "new") else "no", "yes")
    o.step("user-getfeatures", as_user(1001, 1001, [], lambda fd: flagnames(
        getfeatures(fd) & RTUN_FEATURES)), "TUN|TAP|NO_PI")

    # TUNSETOWNER: that uid may attach.
    persistent(p + "own", owner=1000)
    o.step("owner-attach", as_user(1000, 1000, [], attach(p + "own")), "<P>own")
    o.step("other-uid-attach", as_user(1001, 1001, [], attach(p + "own")), "errno EPERM")
    o.step("other-uid-owner-gid-attach", as_user(1001, 1000, [], attach(p + "own")), "errno EPERM")
    o.step("owner-attach-tap", as_user(1000, 1000, [], attach(p + "own", IFF_TAP)), "errno EINVAL")

    def owner_unpersist(fd):
        setiff(fd, p + "own", IFF_TUN)
        return res(ioctl_val, fd, TUNSETPERSIST, 0)
    o.step("owner-unpersist", as_user(1000, 1000, [], owner_unpersist), "ok")
    o.step("owner-unpersist-gone", wait_gone(p + "own"), "yes")

    # TUNSETGROUP: egid or a supplementary group.
    persistent(p + "grp", group=1000)
    o.step("group-egid-attach", as_user(1001, 1000, [], attach(p + "grp")), "<P>grp")
    o.step("group-supplementary-attach", as_user(1001, 1001, [1000], attach(p + "grp")), "<P>grp")
    o.step("other-gid-attach", as_user(1001, 1001, [], attach(p + "grp")), "errno EPERM")
    o.step("group-uid-1000-attach", as_user(1000, 1001, [], attach(p + "grp")), "errno EPERM")

    # With both set, both must match.
    persistent(p + "both", owner=1000, group=1000)
    o.step("both-match-attach", as_user(1000, 1000, [], attach(p + "both")), "<P>both")
    o.step("both-uid-only-attach", as_user(1000, 1001, [], attach(p + "both")), "errno EPERM")
    o.step("both-gid-only-attach", as_user(1001, 1000, [], attach(p + "both")), "errno EPERM")

    # Neither set: only CAP_NET_ADMIN may attach.
    persistent(p + "none")
    o.step("no-owner-user-attach", as_user(1000, 1000, [], attach(p + "none")), "errno EPERM")
    fd = tun_open()
    o.step("no-owner-root-attach", res(lambda: o.rel(setiff(fd, p + "none", IFF_TUN)[0])), "<P>none")
    os.close(fd)
    for n in ("grp", "both", "none"):
        res(link_del, p + n)
        o.step("cleanup-%s" % n, wait_gone(p + n), "yes")


# --- scenario: cross ----------------------------------------------------------------------

def scn_cross(o):
    """A device made through --path cannot be taken over through --other
    (a different driver's clone device): TUNSETIFF by its name is EINVAL
    (or EBUSY with IFF_TUN_EXCL), as for any other kind of device. Both
    devices must exist and be different drivers."""
    p = ARGS.prefix
    for mode, flags in (("tun", IFF_TUN), ("tap", IFF_TAP)):
        fd, name = create(flags, p + "c" + mode)
        o.step("%s-create" % mode, o.rel(name), "<P>c" + mode)
        o.step("%s-setpersist" % mode, res(ioctl_val, fd, TUNSETPERSIST, 1), "ok")
        os.close(fd)
        try:
            other = os.open(ARGS.other, os.O_RDWR)
        except OSError as e:
            o.step("%s-other-open" % mode, ename(e.errno), "ok")
            res(link_del, name)
            continue
        o.step("%s-other-attach" % mode,
               res(lambda: o.rel(setiff(other, name, flags)[0])), "errno EINVAL")
        o.step("%s-other-attach-excl" % mode,
               res(lambda: o.rel(setiff(other, name, flags | IFF_TUN_EXCL)[0])), "errno EBUSY")
        o.step("%s-other-unattached" % mode, flags_of(other), "errno EBADFD")
        os.close(other)
        res(link_del, name)
        o.step("%s-deleted" % mode, wait_gone(name), "yes")


# --- udppeer: the far end of `socat TUN:... UDP-DATAGRAM:...` -----------------------------

class Tunnel:
    """One socat tunnel seen from the far end: IP packets (after a PI
    header unless nopi) travel as UDP payloads between 127.0.0.1:LISTEN (us)
    and 127.0.0.1:TO (socat). We are host IP; the tun device is PEER."""

    def __init__(self, spec):
        self.name, listen, to, self.me, self.peer, framing = spec.split(",")
        self.pi = framing != "nopi"
        self.to = ("127.0.0.1", int(to))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", int(listen)))
        self.done = {"peer-ping": 0, "answered-echo": 0, "answered-udp": 0}
        self.next_ping, self.seq = 0.0, 0

    def send(self, pkt):
        self.sock.sendto(frame(pkt, ETH_P_IP, self.pi), self.to)

    def tick(self):
        """Ping the device (every 0.5 s until it answered)."""
        if self.done["peer-ping"] == 0 and time.monotonic() >= self.next_ping:
            self.seq += 1
            self.send(ipv4(self.me, self.peer, 1, icmp4_echo(8, 0x5150, self.seq, b"from-peer")))
            self.next_ping = time.monotonic() + 0.5

    def handle(self):
        flags, proto, data = unframe(self.sock.recv(65536), self.pi)
        if self.pi and (flags, proto) != (0, ETH_P_IP):
            return
        ip4 = parse_ipv4(data)
        if not ip4 or ip4[1] != self.me:
            return
        src, _, proto, payload = ip4
        if proto == 1 and len(payload) >= 8 and csum(payload) == 0:
            if payload[0] == 0 and struct.unpack("!H", payload[4:6])[0] == 0x5150 \
                    and payload[8:] == b"from-peer":
                self.done["peer-ping"] += 1
            elif payload[0] == 8:
                ident, sq = struct.unpack("!HH", payload[4:8])
                self.send(ipv4(self.me, src, 1, icmp4_echo(0, ident, sq, payload[8:])))
                self.done["answered-echo"] += 1
        elif proto == 17 and len(payload) >= 8:
            sport, dport = struct.unpack("!HH", payload[:4])
            self.send(ipv4(self.me, src, 17, udp4(self.me, src, dport, sport, payload[8:])))
            self.done["answered-udp"] += 1


def scn_udppeer(o):
    """Serve every --tunnel NAME,LISTEN,TO,IP,PEER,pi|nopi until SIGTERM
    (or --duration), then report for each whether it saw its own ping
    answered and answered --count pings and UDP datagrams."""
    import signal
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    tunnels = [Tunnel(spec) for spec in ARGS.tunnel]
    socks = {t.sock: t for t in tunnels}
    o.note("serving")
    end = time.monotonic() + ARGS.duration
    while not stop and time.monotonic() < end:
        for t in tunnels:
            t.tick()
        for sk in select.select(list(socks), [], [], 0.2)[0]:
            socks[sk].handle()
    for t in tunnels:
        for k, v in t.done.items():
            o.step("%s-%s" % (t.name, k), "yes" if v >= ARGS.count else "no", "yes")
            o.note("%s-%s %d" % (t.name, k, v))


# --- main -------------------------------------------------------------------------------

def ioctl_ptr(fd, req, data):
    """An ioctl whose argument points to DATA (bytes); the result code."""
    buf = bytearray(data)
    return str(fcntl.ioctl(fd, req, buf, True))


def ns_ino(fd):
    return os.fstat(fd).st_ino


def scn_misc(o):
    """TUNSETIFINDEX, TUNSETLINK, TUNSETTXFILTER, TUNGETDEVNETNS and
    SIOCGSKNS, the eBPF and socket filter ioctls, /proc fdinfo, sysfs
    tun_flags/owner/group."""
    p = ARGS.prefix
    fd = tun_open()
    fdinfo = "/proc/self/fdinfo/%d" % fd

    def iff():
        with open(fdinfo) as f:
            lines = [l.rstrip("\n") for l in f if l.startswith("iff:")]
        return lines[0].replace(p, "<P>") if lines else "none"

    o.step("fdinfo-unattached", iff(), "iff:\t")
    # SIOCGSKNS works on any fd; TUNGETDEVNETNS needs a device.
    def netns_of(req):
        """Whether the netns fd ioctl REQ returns is ours."""
        nsfd = fcntl.ioctl(fd, req)
        try:
            return "same" if ns_ino(nsfd) == os.stat("/proc/self/ns/net").st_ino else "other"
        finally:
            os.close(nsfd)
    o.step("siocgskns-unattached", res(netns_of, SIOCGSKNS), "same")
    o.step("getdevnetns-unattached", res(fcntl.ioctl, fd, TUNGETDEVNETNS), "errno EBADFD")
    # TUNSETIFINDEX: before TUNSETIFF only; the device gets that index.
    want = 4000 + os.getpid() % 1000
    o.step("setifindex-negative", res(ioctl_ptr, fd, TUNSETIFINDEX, struct.pack("=i", -1)),
           "errno EINVAL")
    o.step("setifindex", res(ioctl_ptr, fd, TUNSETIFINDEX, struct.pack("=i", want)), "0")
    try:
        name, _ = setiff(fd, p + "m%d", IFF_TAP | IFF_NO_PI)
    except OSError as e:
        o.step("setiff-tap", ename(e.errno), "ok")
        return
    o.step("setiff-tap", "ok", "ok")
    o.step("ifindex-asked-for", "yes" if sysfs(name, "ifindex") == str(want) else
           "no (%s)" % sysfs(name, "ifindex"), "yes")
    o.step("setifindex-attached", res(ioctl_ptr, fd, TUNSETIFINDEX, struct.pack("=i", 7)),
           "errno EPERM")
    o.step("fdinfo", iff(), "iff:\t<P>m0")
    # sysfs: tun's tun_flags, owner and group attributes.
    o.step("sysfs-tun-flags", sysfs(name, "tun_flags"), "0x1002")
    o.step("sysfs-owner-unset", sysfs(name, "owner"), "-1")
    o.step("sysfs-group-unset", sysfs(name, "group"), "-1")
    ioctl_val(fd, TUNSETOWNER, 1000)
    ioctl_val(fd, TUNSETGROUP, 1001)
    ioctl_val(fd, TUNSETPERSIST, 1)
    o.step("sysfs-owner", sysfs(name, "owner"), "1000")
    o.step("sysfs-group", sysfs(name, "group"), "1001")
    o.step("sysfs-tun-flags-persist", sysfs(name, "tun_flags"), "0x1802")
    ioctl_val(fd, TUNSETPERSIST, 0)
    o.step("getdevnetns", res(netns_of, TUNGETDEVNETNS), "same")

    # eBPF programs: "none" is accepted, a fd that is no program is not.
    o.step("steeringebpf-none", res(ioctl_ptr, fd, TUNSETSTEERINGEBPF, struct.pack("=i", -1)),
           "0")
    o.step("filterebpf-none", res(ioctl_ptr, fd, TUNSETFILTEREBPF, struct.pack("=i", -1)), "0")
    o.step("steeringebpf-not-a-program",
           res(ioctl_ptr, fd, TUNSETSTEERINGEBPF, struct.pack("=i", fd)), "errno EINVAL")

    # TAP transmit filter: two exact addresses, then only those go out.
    mac_a, mac_b = "02:00:00:00:0a:01", "02:00:00:00:0a:02"
    flt = struct.pack("=HH", 0, 2) + mac_bytes(mac_a) + mac_bytes(mac_b)
    o.step("txfilter-two", res(ioctl_ptr, fd, TUNSETTXFILTER, flt), "2")
    no_ipv6(name)
    addr4(name, "10.77.1.1/24")
    link_set(name, True)
    subprocess.run(["ip", "neigh", "replace", "10.77.1.2", "lladdr", mac_a, "dev", name,
                    "nud", "permanent"], check=True)
    subprocess.run(["ip", "neigh", "replace", "10.77.1.3", "lladdr", "02:00:00:00:0a:03",
                    "dev", name, "nud", "permanent"], check=True)
    drained = 0
    while readable(fd, 0.2):
        os.read(fd, 4096)
        drained += 1
    o.note("drained %d frames" % drained)
    dropped0 = int(sysfs(name, "statistics/tx_dropped"))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
        sk.sendto(b"to-b", ("10.77.1.3", 9))
        sk.sendto(b"to-a", ("10.77.1.2", 9))
    got = []
    while readable(fd, 1.0):
        d = os.read(fd, 4096)
        got.append(mac_text(d[:6]))
    o.step("txfilter-frames-out", " ".join(got) or "none", mac_a)
    o.step("txfilter-dropped", str(int(sysfs(name, "statistics/tx_dropped")) - dropped0), "1")
    # A unicast address beyond the eight exact ones leaves the filter off.
    many = struct.pack("=HH", 0, 9) + b"".join(mac_bytes("02:00:00:00:0b:%02x" % i)
                                               for i in range(9))
    o.step("txfilter-nine-unicast", res(ioctl_ptr, fd, TUNSETTXFILTER, many), "0")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
        sk.sendto(b"to-b", ("10.77.1.3", 9))
    got = []
    while readable(fd, 1.0):
        got.append(mac_text(os.read(fd, 4096)[:6]))
    o.step("txfilter-off-frames-out", " ".join(got) or "none", "02:00:00:00:0a:03")
    o.step("txfilter-off", res(ioctl_ptr, fd, TUNSETTXFILTER, struct.pack("=HH", 0, 0)), "0")
    # Socket filters: what rtun leaves out, and tun's answer for TUN.
    link_set(name, False)

    # TUNSETLINK: not while up; down, the type and address length change.
    fd2 = tun_open()
    name2, _ = setiff(fd2, p + "l%d", IFF_TUN | IFF_NO_PI)
    o.step("attachfilter-tun", res(ioctl_ptr, fd2, TUNATTACHFILTER, bytes(16)), "errno EINVAL")
    o.step("txfilter-tun", res(ioctl_ptr, fd2, TUNSETTXFILTER, struct.pack("=HH", 0, 0)),
           "errno EINVAL")
    link_set(name2, True)
    o.step("setlink-up", res(ioctl_val, fd2, TUNSETLINK, ARPHRD_IPGRE), "errno EBUSY")
    link_set(name2, False)
    o.step("setlink-ipgre", res(ioctl_val, fd2, TUNSETLINK, ARPHRD_IPGRE), "ok")
    o.step("type-ipgre", sysfs(name2, "type"), str(ARPHRD_IPGRE))
    o.step("addr-len-ipgre", sysfs(name2, "addr_len"), "4")
    o.step("setlink-ether", res(ioctl_val, fd2, TUNSETLINK, ARPHRD_ETHER), "ok")
    o.step("addr-len-ether", sysfs(name2, "addr_len"), "6")
    o.step("setlink-unknown", res(ioctl_val, fd2, TUNSETLINK, 1234), "ok")
    o.step("addr-len-unknown", sysfs(name2, "addr_len"), "0")
    o.step("setlink-none", res(ioctl_val, fd2, TUNSETLINK, ARPHRD_NONE), "ok")
    os.close(fd2)
    os.close(fd)
    o.step("gone", "yes" if wait_gone(name) == "yes" and wait_gone(name2) == "yes" else "no",
           "yes")


SCENARIOS = {
    "ioctls": (scn_ioctls, {}),
    "misc": (scn_misc, {}),
    "attach": (scn_attach, {}),
    "cross": (scn_cross, {}),
    "echo": (scn_echo, {"pi": True}),
    "echo-nopi": (scn_echo, {"pi": False}),
    "arp": (scn_arp, {"pi": True}),
    "arp-nopi": (scn_arp, {"pi": False}),
    "poll": (scn_poll, {"pi": True}),
    "poll-nopi": (scn_poll, {"pi": False}),
    "garbage": (scn_garbage, {}),
    "perm": (scn_perm, {}),
    "udppeer": (scn_udppeer, {}),
}

USAGE = """usage: tunclient.py [--path DEV] [--prefix P] [--timeout S] [--other DEV]
                    [--scenario_timeout S] [--tunnel SPEC]... [--count N]
                    [--duration S] SCENARIO...
scenarios: %s""" % " ".join(SCENARIOS)


class Args:
    path = "/dev/net/tun"
    prefix = None
    timeout = 5.0
    other = "/dev/net/tun"
    tunnel = []
    count = 1
    duration = 30.0
    scenario_timeout = 60


def parse_args(argv):
    """A small argparse (which is slow to import under TCG)."""
    args = Args()
    args.tunnel = []
    scenarios = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__ + "\n" + USAGE)
            sys.exit(0)
        if a.startswith("--"):
            key, eq, val = a[2:].partition("=")
            if not eq:
                if i + 1 >= len(argv):
                    sys.exit("tunclient.py: --%s needs a value\n%s" % (key, USAGE))
                i += 1
                val = argv[i]
            if not hasattr(Args, key):
                sys.exit("tunclient.py: unknown option --%s\n%s" % (key, USAGE))
            if key == "tunnel":
                args.tunnel.append(val)
            else:
                setattr(args, key, type(getattr(Args, key))(val) if getattr(Args, key) is not None
                        else val)
        elif a in SCENARIOS:
            scenarios.append(a)
        else:
            sys.exit("tunclient.py: unknown scenario %s\n%s" % (a, USAGE))
        i += 1
    if not scenarios:
        sys.exit(USAGE)
    if args.prefix is None:
        args.prefix = os.path.basename(args.path)
    return args, scenarios


class ScenarioTimeout(Exception):
    pass


def on_alarm(*_):
    raise ScenarioTimeout("scenario still running after %d s" % ARGS.scenario_timeout)


def main():
    global ARGS, OUT
    ARGS, scenarios = parse_args(sys.argv[1:])
    OUT = Out(ARGS.prefix)
    # A call that blocks for good (a read that is never woken...) ends the
    # scenario, not the whole run.
    signal.signal(signal.SIGALRM, on_alarm)
    for name in scenarios:
        fn, kw = SCENARIOS[name]
        if len(scenarios) > 1:
            print("== %s" % name, flush=True)
        OUT.scenario = name
        nfail = len(OUT.failed)
        try:
            signal.alarm(ARGS.scenario_timeout if name != "udppeer" else 0)
            try:
                fn(OUT, **kw)
            finally:
                signal.alarm(0)
        except Exception as e:   # noqa: BLE001 - report, then go on
            import traceback
            traceback.print_exc()
            print("exception: %s" % type(e).__name__, flush=True)
            OUT.fail("exception", "%s: %s" % (type(e).__name__, e))
        close_leftovers()
        OUT.note("end %s: %s" % (name, "ok" if len(OUT.failed) == nfail else "failed"))
    OUT.finish()


if __name__ == "__main__":
    main()
