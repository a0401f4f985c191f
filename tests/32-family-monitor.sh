#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `rvnetctl monitor` sees the family's notifications (group "notify"):
# pair-new-ntf and pair-del-ntf for both ends of a pair made by `ip link add`
# or by rvnetctl, link-change-ntf when both ends come up and go down,
# tun-new-ntf and tun-del-ntf for a device made by opening /dev/net/rtun and
# for `rvnetctl tun add/del` (with vnet_hdr, multi_queue and the queue
# counts); only events of its own namespace; --count N
# exits after N events; one JSON object per line with -j.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 17
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"
rvnetctl_from "$tmp"
setup_ns n1
group=$(rvnet_notify_group)
diag "group notify has id $group"

# monitor OUT N [ARGS...]: start `rvnetctl ARGS monitor --count N` in the
# background, output in OUT; returns once it listens. Its pid is in $mon.
monitor() {
	local out=$1 n=$2; shift 2
	timeout 120 rvnetctl "$@" monitor --count "$n" > "$out" 2> "$out.err" &
	mon=$!
	defer kill $mon
	wait_joined $mon "$group"
}
# finish: wait for the monitor; its exit code.
finish() { wait $mon; }
# events FILE: one line per event, "event ifname carrier|mode".
events() { jq -r '"\(.event) \(.ifname) \(if .mode then .mode else .carrier end)"' "$1" | tr '\n' ';'; }

# --- a pair made by ip link: new, carrier up and down, deleted ----------------
monitor "$tmp/ev1" 8 -j
expect_eq "monitor listens to group notify" 0 $?
defer ip link del m0
ip link add name m0 type rveth
peer=$(ip -j link show dev m0 | jq -r '.[0].link')
idx=$(ip -j link show dev m0 | jq -r '.[0].ifindex')
ip link set dev m0 up
ip link set dev "$peer" up
ip link set dev m0 down
ip link del m0
finish; rc=$?
expect_eq "monitor exits 0 after --count events" 0 "$rc"
expect_eq "events in order: ip link add, up, down, del" "pair-new pair-new link-change link-change link-change link-change pair-del pair-del" \
	"$(jq -r .event "$tmp/ev1" | tr '\n' ' ' | sed 's/ $//')"
# The order of the two ends' events within each step is the kernel's business.
expect_eq "each event for both ends, with the carrier after the change" \
	"$(printf '%s\n' "pair-new m0 false" "pair-new $peer false" "link-change m0 true" "link-change $peer true" \
		"link-change m0 false" "link-change $peer false" "pair-del m0 false" "pair-del $peer false" | sort | tr '\n' ';')" \
	"$(events "$tmp/ev1" | tr ';' '\n' | sort | tr '\n' ';' | sed 's/^;//')"
expect_eq "pair-new-ntf carries what pair-get does" "$idx $peer 1500 true" \
	"$(jq -r 'select(.event == "pair-new" and .ifname == "m0") | "\(.ifindex) \(.link) \(.mtu) \(has("stats64") and has("link_index"))"' "$tmp/ev1")"
expect_eq "one JSON object per line" "8 8" "$(wc -l < "$tmp/ev1") $(jq -c . "$tmp/ev1" | wc -l)"
expect_eq "nothing on stderr" "" "$(cat "$tmp/ev1.err" 2>&1)"	# no file: cat says so

# --- rvnetctl pair add/del, readable lines ------------------------------------
monitor "$tmp/ev2" 4
defer ip link del ma
rvnetctl pair add ma --peer mb >/dev/null
# A pair whose peer takes a used ifindex fails in register_netdevice after
# ndo_uninit and priv_destructor ran: refused, and announced to nobody (an
# event here would take the place of a pair-del below).
out=$(python3 "$RTNL_PAIR" rveth mx --peer my --index 950 --peer-index "$(cat /sys/class/net/ma/ifindex)")
expect_eq "a pair with a taken peer ifindex is refused (EBUSY)" EBUSY "$(awk '{print $3}' <<<"$out")"
rvnetctl pair del mb
finish
expect_eq "readable lines for rvnetctl pair add/del" \
	"pair-del ma ifindex X peer mb ifindex X mtu 1500 carrier down;pair-del mb ifindex X peer ma ifindex X mtu 1500 carrier down;pair-new ma ifindex X peer mb ifindex X mtu 1500 carrier down;pair-new mb ifindex X peer ma ifindex X mtu 1500 carrier down;" \
	"$(sed -E 's/ifindex [0-9]+/ifindex X/g' "$tmp/ev2" | sort | tr '\n' ';')"

# --- rtun: a device made by opening /dev/net/rtun, then rvnetctl tun add/del ----
monitor "$tmp/ev3" 4 -j
cat > "$tmp/rtun.py" <<'EOF'
import fcntl, os, struct
TUNSETIFF = 0x400454ca
fd = os.open("/dev/net/rtun", os.O_RDWR)
ifr = fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", b"mt%d", 0x0001))  # IFF_TUN
print(ifr[:16].rstrip(b"\0").decode())
os.close(fd)  # not persistent: the device goes with the file
EOF
opened=$("$PYTHON" "$tmp/rtun.py")
defer ip link del mt9
# A name register_netdevice refuses (TUNSETIFF "bad/name"): the device made
# for it is destroyed by the layer and never announced (an event would take
# mt9's place below).
expect_eq "TUNSETIFF with an invalid name is refused: EINVAL" EINVAL "$("$PYTHON" -c '
import errno, fcntl, os, struct
fd = os.open("/dev/net/rtun", os.O_RDWR)
try:
    fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH22x", b"bad/name", 0x0001))
    print("made")
except OSError as e:
    print(errno.errorcode[e.errno])
')"
rvnetctl tun add mt9 --mode tap --user 1000 --vnet-hdr --multi-queue >/dev/null
rvnetctl tun del mt9
finish
expect_eq "tun-new/tun-del for /dev/net/rtun and for rvnetctl tun add/del" \
	"tun-new $opened tun;tun-del $opened tun;tun-new mt9 tap;tun-del mt9 tap;" "$(events "$tmp/ev3")"
expect_eq "tun-new-ntf of an opened device: tun, pi, not persistent, no vnet header, one queue (no counts)" \
	"tun true false false false false" \
	"$(sed -n 1p "$tmp/ev3" | jq -r '"\(.mode) \(.pi) \(.persist) \(.vnet_hdr) \(.multi_queue) \(has("queues"))"')"
expect_eq "tun-new-ntf of tun add: persistent, no file attached" "0 true" \
	"$(sed -n 3p "$tmp/ev3" | jq -r '"\(.attached) \(.persist)"')"
# Notifications carry what tun-get says; tun add set the owner in the same request.
expect_eq "tun-new-ntf of tun add --user carries the owner" 1000 "$(sed -n 3p "$tmp/ev3" | jq -r '.user')"
expect_eq "tun-del-ntf carries the owner" 1000 "$(sed -n 4p "$tmp/ev3" | jq -r '.user')"
expect_eq "tun-new-ntf of tun add --vnet-hdr --multi-queue: vnet_hdr, multi_queue, queues, disabled_queues" \
	"true true 0 0" "$(sed -n 3p "$tmp/ev3" | jq -r '"\(.vnet_hdr) \(.multi_queue) \(.queues) \(.disabled_queues)"')"

# --- namespaces: a monitor sees its own namespace only -------------------------
monitor "$tmp/ev4" 1 -j
m4=$mon
monitor "$tmp/ev5" 1 -j -n "$n1"
rvnetctl -n "$n1" tun add other --mode tun >/dev/null
defer ip link del mt8
rvnetctl tun add mt8 --mode tun >/dev/null
finish
wait $m4
expect_eq "a monitor sees only its namespace's events" "tun-new mt8 tun;|tun-new other tun;" \
	"$(events "$tmp/ev4")|$(events "$tmp/ev5")"
rvnetctl tun del mt8
ktap_finish
