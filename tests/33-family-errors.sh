#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The rvnet family refuses bad requests with the right errno and an extack
# message, and creates nothing: a missing required attribute, a wrong type
# (mtu, mode, pi, vnet-hdr, multi-queue), a reply-only attribute, a
# too-long name, an unknown attribute, a peer-netns-fd that is no network
# namespace, a duplicate name (EEXIST). Modifying operations need
# CAP_NET_ADMIN (EPERM for an unprivileged uid), reading ones do not.
# Malformed requests are crafted with a small raw generic netlink client.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 43
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"

# genl: read requests from stdin, one a line, "CMD ATTR..." with ATTR one of
# TYPE:str:TEXT TYPE:u8:N TYPE:u16:N TYPE:u32:N TYPE:fd:PATH (opened, its fd
# as u32) TYPE:rawfd:N; print one result a line: "OK" or
# "ERRNAME|extack message|missing attribute type".
cat > "$tmp/genl.py" <<'EOF'
import errno, os, socket, struct, sys

NETLINK_GENERIC, SOL_NETLINK = 16, 270
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11
NLM_F_REQUEST, NLM_F_ACK, NLMSG_ERROR = 1, 4, 2
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_MISS_TYPE = 1, 5

def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)

def attrs(buf):
    out, off = {}, 0
    while off + 4 <= len(buf):
        n, t = struct.unpack_from("=HH", buf, off)
        if n < 4:
            break
        out[t & 0x3fff] = buf[off + 4:off + n]
        off += (n + 3) & ~3
    return out

sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
seq = 0

def request(family, version, cmd, payload):
    global seq
    seq += 1
    body = struct.pack("=BBH", cmd, version, 0) + payload
    sock.send(struct.pack("=IHHII", 16 + len(body), family, NLM_F_REQUEST | NLM_F_ACK, seq, 0) + body)
    replies = []
    while True:
        data, off = sock.recv(65536), 0
        while off < len(data):
            n, typ, flags, s, _ = struct.unpack_from("=IHHII", data, off)
            msg, off = data[off:off + n], off + ((n + 3) & ~3)
            if s != seq:
                continue
            if typ == NLMSG_ERROR:
                err = struct.unpack_from("=i", msg, 16)[0]
                return err, attrs(msg[16 + 4 + 16:]), replies
            replies.append(attrs(msg[20:]))

# nlctrl: the family's id.
err, _, rep = request(0x10, 2, 3, attr(2, b"rvnet\0"))
family = struct.unpack("=H", rep[0][1][:2])[0]

keep = []
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    payload = b""
    for spec in words[1:]:
        t, kind, value = spec.split(":", 2)
        if kind == "str":
            data = value.encode() + b"\0"
        elif kind in ("u8", "u16", "u32"):
            data = struct.pack({"u8": "=B", "u16": "=H", "u32": "=I"}[kind], int(value))
        elif kind == "fd":
            keep.append(os.open(value, os.O_RDONLY))
            data = struct.pack("=I", keep[-1])
        elif kind == "rawfd":
            data = struct.pack("=I", int(value))
        payload += attr(int(t), data)
    err, ext, _ = request(family, 1, int(words[0]), payload)
    if err == 0:
        print("OK")
        continue
    msg = ext.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0").decode()
    miss = ext.get(NLMSGERR_ATTR_MISS_TYPE)
    miss = str(struct.unpack("=I", miss)[0]) if miss else ""
    print(f"{errno.errorcode.get(-err, -err)}|{msg}|{miss}")
EOF
genl() { "$PYTHON" "$tmp/genl.py"; }

PAIR_NEW=2 PAIR_DEL=3 PAIR_GET=4 TUN_NEW=5 TUN_DEL=6
touch "$tmp/file"
defer ip link del ex
ip link add name ex type rveth          # for the duplicate-name cases

before=$(links)
mapfile -t r < <(genl <<EOF
$PAIR_NEW 4:str:eb
$PAIR_NEW 2:str:e1 6:u16:1500
$PAIR_NEW 2:str:e1 6:u8:1
$PAIR_NEW 2:str:sixteen-chars-12
$PAIR_NEW 2:str:e1 4:str:sixteen-chars-12
$PAIR_NEW 2:str:e1 99:u32:1
$PAIR_NEW 2:str:e1 4:str:e2 5:fd:$tmp/file
$PAIR_NEW 2:str:e1 4:str:e2 5:fd:/proc/self/ns/uts
$PAIR_NEW 2:str:e1 4:str:e2 5:rawfd:999
$PAIR_NEW 2:str:ex
$PAIR_NEW 2:str:e1 4:str:ex
$PAIR_NEW 2:str:
$PAIR_NEW 1:u32:1 2:str:e1
$PAIR_NEW 2:str:e1 6:u32:67
$PAIR_DEL
$PAIR_DEL 2:str:rvnet-nosuch
$PAIR_GET 2:str:lo
$TUN_NEW 2:str:e1
$TUN_NEW 2:str:e1 3:u32:3
$TUN_NEW 2:str:e1 3:u16:1
$TUN_NEW 2:str:e1 3:u32:1 4:u32:1
$TUN_NEW 2:str:sixteen-chars-12 3:u32:1
$TUN_NEW 2:str:e1 3:u32:1 5:u32:4294967295
$TUN_NEW 2:str:ex 3:u32:1
$TUN_NEW 2:str:e1 3:u32:1 99:u8:0
$TUN_NEW 2:str:e1 3:u32:1 11:u32:1
$TUN_NEW 2:str:e1 3:u32:1 12:u16:1
$TUN_NEW 2:str:e1 3:u32:1 13:u32:2
$TUN_DEL 2:str:ex
EOF
)
i=0
# expect_r DESC ERRNAME MESSAGE [MISSING]: the next result.
expect_r() { expect_eq "$1" "$2|$3|${4:-}" "${r[$i]}"; i=$((i + 1)); }
expect_r "pair-new without ifname: EINVAL, missing attribute 2" EINVAL "ifname is required" 2
expect_r "pair-new with mtu as a u16: EINVAL" EINVAL "invalid attribute length"
expect_r "pair-new with mtu as a u8: EINVAL" EINVAL "invalid attribute length"
expect_r "pair-new with a 16-char ifname: EINVAL" EINVAL "Attribute failed policy validation"
expect_r "pair-new with a 16-char peer-ifname: EINVAL" EINVAL "Attribute failed policy validation"
expect_r "pair-new with attribute type 99: EINVAL" EINVAL "Unknown attribute type"
expect_r "pair-new with peer-netns-fd of a regular file: EINVAL" EINVAL "peer-netns-fd is not a network namespace"
expect_r "pair-new with peer-netns-fd of a uts namespace: EINVAL" EINVAL "peer-netns-fd is not a network namespace"
expect_r "pair-new with peer-netns-fd not open: EBADF" EBADF "peer-netns-fd is not a network namespace"
expect_r "pair-new of a used name: EEXIST" EEXIST "rveth: name already in use"
expect_r "pair-new with a used peer name: EEXIST" EEXIST "rveth: peer name already in use"
expect_r "pair-new with an empty ifname: EINVAL" EINVAL "ifname must not be empty"
expect_r "pair-new with ifindex (not a request attribute): EINVAL" EINVAL "Attribute failed policy validation"
expect_r "pair-new with mtu 67: EINVAL" EINVAL "rveth: MTU must be between 68 and 65535"
expect_r "pair-del without a device: EINVAL, missing attribute 2" EINVAL "ifindex or ifname is required" 2
expect_r "pair-del of a missing device: ENODEV" ENODEV "no such rveth device"
expect_r "pair-get of a device of another kind: ENODEV" ENODEV "no such rveth device"
expect_r "tun-new without mode: EINVAL, missing attribute 3" EINVAL "mode is required" 3
expect_r "tun-new with mode 3: EINVAL" EINVAL "mode must be tun (1) or tap (2)"
expect_r "tun-new with mode as a u16: EINVAL" EINVAL "invalid attribute length"
expect_r "tun-new with pi as a u32: EINVAL" EINVAL "invalid attribute length"
expect_r "tun-new with a 16-char ifname: EINVAL" EINVAL "Attribute failed policy validation"
expect_r "tun-new with owner -1: EINVAL" EINVAL "owner is not a valid uid here"
expect_r "tun-new of a used name: EEXIST" EEXIST "a device of that name exists"
expect_r "tun-new with attribute type 99: EINVAL" EINVAL "Unknown attribute type"
expect_r "tun-new with vnet-hdr as a u32: EINVAL" EINVAL "invalid attribute length"
expect_r "tun-new with multi-queue as a u16: EINVAL" EINVAL "invalid attribute length"
expect_r "tun-new with queues (reply-only): EINVAL" EINVAL "Attribute failed policy validation"
expect_r "tun-del of a pair end: ENODEV" ENODEV "no such rtun device"
expect_same "refused requests created nothing" "$RE_LINKS" "$before" "$(links)"
expect_eq "no rtun device either" "[]" "$(rvnetctl -j tun list)"

# The same through rvnetctl: exit 2 and the kernel's message.
run_rc() { local err rc; err=$("$@" 2>&1 >/dev/null); rc=$?; echo "$rc|${err%%$'\n'*}"; }
mkdir -p /run/netns
touch /run/netns/rvnet-not-a-netns; defer rm -f /run/netns/rvnet-not-a-netns
expect_eq "rvnetctl pair add --peer-netns of a regular file: exit 2" \
	"2|Error: peer-netns-fd is not a network namespace." "$(run_rc rvnetctl pair add e1 --peer-netns rvnet-not-a-netns)"
expect_eq "rvnetctl pair add of a used name: exit 2, EEXIST's message" \
	"2|Error: rveth: name already in use." "$(run_rc rvnetctl pair add ex)"
expect_eq "rvnetctl tun add of a used name: exit 2" \
	"2|Error: a device of that name exists." "$(run_rc rvnetctl tun add ex --mode tun)"
expect_same "rvnetctl: nothing created" "$RE_LINKS" "$before" "$(links)"

# --- an unprivileged uid reads but does not change ---------------------------
defer ip link del pt
rvnetctl tun add pt --mode tun >/dev/null
before=$(links)
user() { setpriv --reuid 1000 --regid 1000 --clear-groups "$@"; }
EPERM="2|Error: Operation not permitted."
expect_eq "uid 1000: pair add: EPERM" "$EPERM" "$(run_rc user rvnetctl pair add u1 --peer u2)"
expect_eq "uid 1000: tun add: EPERM" "$EPERM" "$(run_rc user rvnetctl tun add u3 --mode tun)"
expect_eq "uid 1000: pair del: EPERM" "$EPERM" "$(run_rc user rvnetctl pair del ex)"
expect_eq "uid 1000: tun del: EPERM" "$EPERM" "$(run_rc user rvnetctl tun del pt)"
expect_same "uid 1000 changed nothing" "$RE_LINKS" "$before" "$(links)"
out=$(user rvnetctl -j pair list); rc=$?
expect_eq "uid 1000: pair list works" "0 ex" "$rc $(jq -r '[.[].ifname | select(. == "ex")] | join(" ")' <<<"$out")"
out=$(user rvnetctl -j tun list); rc=$?
expect_eq "uid 1000: tun list works" "0 pt" "$rc $(jq -r '[.[].ifname] | join(" ")' <<<"$out")"
check "uid 1000: pair show, tun show and info work" user bash -c 'rvnetctl pair show ex && rvnetctl tun show pt && rvnetctl info'
rvnetctl tun del pt
ktap_finish
