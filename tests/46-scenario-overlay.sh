#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scenario 7 (issue #6): a UDP overlay between two namespaces joined only by a
# pair, one `rvnetctl tunnel` in each, over rtun devices. Ping and an 8 MiB TCP
# transfer (sha256 checked) across the overlay; truncated, oversized, badly
# sized, non-IP and foreign datagrams sent to a tunnel port are counted and
# never reach the device; SIGTERM ends both tunnels cleanly with consistent
# counters and the non-persistent devices gone. Each run is made first with
# the kernel's veth and /dev/net/tun (the reference), then with rveth and
# /dev/net/rtun, in tun mode and in tap mode. Last, OpenVPN (point to point, no
# crypto) as an independent client of /dev/net/rtun.
. "$(dirname "$0")/lib.sh"
ktap_header
# 26 cases a run of overlay, 4 runs, 2 comparisons; openvpn: 7 a device.
if command -v openvpn >/dev/null; then
	ktap_plan $((4 * 26 + 2 + 2 * 7))
else
	ktap_plan $((4 * 26 + 2 + 1))
fi
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"
rvnetctl_from "$tmp"
head -c $((8 * 1024 * 1024 + 4321)) /dev/urandom > "$tmp/in8"
head -c $((1024 * 1024 + 17)) /dev/urandom > "$tmp/in1"
PORT=4789

# The bad datagrams, sent from the peer namespace to 10.0.0.1:$PORT. Each
# line: the reason the tunnel must count, then the datagram as Python bytes.
# tun: IP packets; tap: Ethernet frames (an IPv4 header after 14 bytes).
bad_tun='truncated b"\x45" + bytes(9)
oversized b"\x45\x00\x07\xd0" + bytes(1996)
bad_length b"\x45\x00\x00\x3c" + bytes(80)
not_ip b"\x50" + bytes(83)'
bad_tap='truncated bytes(10)
oversized bytes(12) + b"\x08\x00" + b"\x45\x00\x07\xd0" + bytes(1996)
truncated bytes(12) + b"\x08\x00" + b"\x45\x00\x00\x54" + bytes(40)'

# send_bad NS SRC MODE: send the bad datagrams of MODE from SRC (any port).
send_bad() {
	local list=bad_$3
	ip netns exec "$1" "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for line in sys.argv[3].splitlines():
    reason, expr = line.split(" ", 1)
    s.sendto(eval(expr), ("10.0.0.1", int(sys.argv[2])))' "$2" "$PORT" "${!list}"
}

# rcvbuf_errors NS: UDP datagrams the kernel of NS dropped for want of room in a
# socket's receive buffer (a slow tunnel under TCG): lost on the underlay.
rcvbuf_errors() {
	ip netns exec "$1" awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1; next }
		$1 == "Udp:" { print $c }' /proc/net/snmp
}

# jget FILE FILTER: a value of the tunnel's JSON report.
jget() { jq -r "$2" "$1" 2>/dev/null; }

# sum A B: A + B, or "?" when either is no number (a missing report).
sum() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && echo $(($1 + $2)) || echo "?($1 + $2)"; }

# start_tunnel NS N LOCAL REMOTE MODE DEVPATH: rvnetctl tunnel in the
# background, JSON to $tmp/t$N.json, stderr (the ready line) to $tmp/t$N.err;
# its pid in tpid[N].
declare -A tpid
start_tunnel() {
	ip netns exec "$1" rvnetctl -j tunnel --dev ov0 --mode "$5" --device-path "$6" \
		--local "$3:$PORT" --remote "$4:$PORT" >"$tmp/t$2.json" 2>"$tmp/t$2.err" &
	tpid[$2]=$!
}

# overlay KIND DEVPATH MODE: the whole scenario once.
overlay() {
	local kind=$1 dev=$2 mode=$3 tag="$1+${2##*/} $3" i ns rx0 rx1 r n want
	setup_ns n1 n2
	no_ipv6 $n1 $n2
	pair_across $kind ul0 $n1 ul1 $n2 10.0.0.1/24 10.0.0.2/24
	check "$tag: underlay ping" ip netns exec $n1 ping -c 1 -W 5 10.0.0.2

	start_tunnel $n1 1 10.0.0.1 10.0.0.2 $mode $dev
	start_tunnel $n2 2 10.0.0.2 10.0.0.1 $mode $dev
	for i in 1 2; do
		if busywait 30000 grep -q '^ready: ov0 ' "$tmp/t$i.err"; then
			ktap_ok "$tag: tunnel $i ready"
		else
			ktap_fail "$tag: tunnel $i ready"
			sed 's/^/#   /' "$tmp/t$i.err" | head -n 5
			kill ${tpid[1]} ${tpid[2]} 2>/dev/null; wait
			cleanup_ns
			return
		fi
	done
	ip -n $n1 addr add 172.16.0.1/24 dev ov0
	ip -n $n2 addr add 172.16.0.2/24 dev ov0
	for ns in $n1 $n2; do ip -n $ns link set dev ov0 mtu 1400 up; done

	n=5
	check "$tag: ping across the overlay" ip netns exec $n1 ping -c $n -i 0.2 -W 5 172.16.0.2
	check "$tag: ping back across the overlay" ip netns exec $n2 ping -c 2 -i 0.2 -W 5 172.16.0.1

	# TCP across the overlay: 8 MiB in tun mode, 1 MiB in tap mode (TCG is slow).
	local in=$tmp/in8; [ $mode = tap ] && in=$tmp/in1
	want=$(sha256sum < "$in" | cut -d' ' -f1)
	rm -f "$tmp/out"
	ip netns exec $n2 timeout 300 socat -u TCP-LISTEN:5000,reuseaddr OPEN:"$tmp/out",creat,trunc &
	local srv=$!
	busywait 10000 ip netns exec $n2 bash -c "ss -ltn | grep -q ':5000'"
	ip netns exec $n1 timeout 300 socat -u OPEN:"$in" TCP:172.16.0.2:5000 || kill $srv 2>/dev/null
	wait $srv
	expect_eq "$tag: $(( $(stat -c %s "$in") / 1048576 )) MiB over TCP across the overlay arrive intact" \
		"$want" "$(sha256sum < "$tmp/out" | cut -d' ' -f1)"

	# Bad input, from the peer's address and from a foreign one: counted,
	# dropped, nothing written to the device (its rx counters stay). Then
	# one echo request from ns 2: tunnel 1 reads its socket in order, so
	# once that is answered it has handled every bad datagram before it,
	# and the device has received exactly that one packet more. In tap
	# mode the neighbours across the overlay are pinned first: no ARP
	# refresh may land in the counted window.
	ip -n $n2 addr add 10.0.0.3/24 dev ul1
	if [ $mode = tap ]; then
		ip -n $n1 neigh replace 172.16.0.2 dev ov0 nud permanent \
			lladdr "$(ip -n $n2 -j link show dev ov0 | jq -r '.[0].address')"
		ip -n $n2 neigh replace 172.16.0.1 dev ov0 nud permanent \
			lladdr "$(ip -n $n1 -j link show dev ov0 | jq -r '.[0].address')"
	fi
	rx0=$(counter ov0 rx_packets $n1)
	send_bad $n2 10.0.0.2 $mode
	send_bad $n2 10.0.0.3 $mode
	ip netns exec $n2 ping -c 1 -W 5 172.16.0.1 >/dev/null || diag "$tag: no reply to the echo request after the bad datagrams"
	rx1=$(counter ov0 rx_packets $n1)
	expect_same "$tag: bad datagrams do not reach the device (rx_packets +1: the echo request after them)" \
		"$RE_NUM" "$(sum "$rx0" 1)" "$rx1"

	# SIGTERM: clean exit, counters, device gone.
	for i in 1 2; do kill -TERM ${tpid[$i]}; done
	for i in 1 2; do
		wait ${tpid[$i]}
		expect_eq "$tag: tunnel $i exits 0 on SIGTERM" 0 $?
	done
	for i in 1 2; do
		cp "$tmp/t$i.json" "$tmp/report.$kind.$mode.$i"
		expect_eq "$tag: tunnel $i reports SIGTERM" SIGTERM "$(jget "$tmp/t$i.json" .signal)"
	done
	check_fail "$tag: ov0 is gone in ns 1 after exit" ip -n $n1 link show dev ov0
	check_fail "$tag: ov0 is gone in ns 2 after exit" ip -n $n2 link show dev ov0

	# Counters: each side sent at least the pings, everything sent arrived
	# (but for what a full socket buffer made the kernel drop), and the
	# device counted as received exactly what tunnel 1 wrote to it.
	local to1 from1 to2 from2 lost1 lost2
	lost1=$(rcvbuf_errors $n1); lost2=$(rcvbuf_errors $n2)
	[ "$lost1$lost2" != 00 ] && diag "$tag: UDP receive buffer overruns: ns 1 $lost1, ns 2 $lost2"
	to1=$(jget "$tmp/t1.json" .to_peer.packets); from1=$(jget "$tmp/t1.json" .from_peer.packets)
	to2=$(jget "$tmp/t2.json" .to_peer.packets); from2=$(jget "$tmp/t2.json" .from_peer.packets)
	check "$tag: tunnel 1 sent >= $n packets ($to1)" test "${to1:-0}" -ge $n
	check "$tag: tunnel 2 sent >= $n packets ($to2)" test "${to2:-0}" -ge $n
	expect_same "$tag: tunnel 2 wrote all that tunnel 1 sent" "$RE_NUM" "$to1" "$(sum "$from2" "$lost2")"
	expect_same "$tag: tunnel 1 wrote all that tunnel 2 sent" "$RE_NUM" "$to2" "$(sum "$from1" "$lost1")"
	expect_same "$tag: ov0 rx_packets in ns 1 = tunnel 1's from_peer" "$RE_NUM" "$rx1" "$from1"
	if [ "$lost2" = 0 ]; then
		expect_same "$tag: tunnel 1 to_peer bytes = tunnel 2 from_peer bytes" "$RE_NUM" \
			"$(jget "$tmp/t1.json" .to_peer.bytes)" "$(jget "$tmp/t2.json" .from_peer.bytes)"
	else
		ktap_skip "$tag: tunnel 1 to_peer bytes = tunnel 2 from_peer bytes" "ns 2 dropped $lost2 datagrams (receive buffer)"
	fi

	# Drops: exactly the bad datagrams, by reason; the foreign ones (each
	# bad datagram once more, from 10.0.0.3) as foreign.
	local list=bad_$mode nbad reasons got
	nbad=$(grep -c . <<<"${!list}")
	for r in truncated oversized bad_length not_ip; do
		want=$(grep -c "^$r " <<<"${!list}")
		expect_eq "$tag: dropped $r = $want" "$want" "$(jget "$tmp/t1.json" .dropped.$r)"
	done
	expect_eq "$tag: dropped foreign = $nbad" "$nbad" "$(jget "$tmp/t1.json" .dropped.foreign)"
	expect_eq "$tag: tunnel 1 dropped nothing else" $((2 * nbad)) "$(jget "$tmp/t1.json" .dropped.total)"
	expect_eq "$tag: tunnel 2 dropped nothing" 0 "$(jget "$tmp/t2.json" .dropped.total)"
	cleanup_ns
}

overlay veth /dev/net/tun tun
overlay rveth /dev/net/rtun tun
overlay veth /dev/net/tun tap
overlay rveth /dev/net/rtun tap
# rtun and tun must give the same drops for the same input; each must have
# reported them (two missing reports do not agree).
for mode in tun tap; do
	expect_same "$mode: rtun's drops = tun's drops" '\{.*"total":[0-9]+.*\}' \
		"$(jq -c .dropped "$tmp/report.veth.$mode.1" 2>&1)" \
		"$(jq -c .dropped "$tmp/report.rveth.$mode.1" 2>&1)"
done

# OpenVPN, point to point over UDP without crypto (2.6 still allows it, with
# a deprecation warning), its tun device on DEVPATH: an independent client.
# ovpn KIND DEVPATH
ovpn() {
	local kind=$1 dev=$2 tag="openvpn $1+${2##*/}" i o p
	setup_ns n1 n2
	pair_across $kind ul0 $n1 ul1 $n2 10.0.0.1/24 10.0.0.2/24
	declare -A opid
	for i in 1 2; do
		o=$((3 - i))
		ip netns exec $(eval echo \$n$i) openvpn --dev ovpn0 --dev-type tun --dev-node "$dev" \
			--ifconfig 172.17.0.$i 172.17.0.$o --proto udp \
			--local 10.0.0.$i --lport 1194 --remote 10.0.0.$o --rport 1194 \
			--disable-dco --verb 3 >"$tmp/ovpn$i.log" 2>&1 &
		opid[$i]=$!
	done
	for i in 1 2; do
		if busywait 90000 grep -q 'Initialization Sequence Completed' "$tmp/ovpn$i.log"; then
			ktap_ok "$tag: side $i connected"
		else
			ktap_fail "$tag: side $i connected"
			grep -v DEPRECATION "$tmp/ovpn$i.log" | tail -n 8 | sed 's/^/#   /'
		fi
	done
	check "$tag: ping across the VPN" ip netns exec $n1 ping -c 3 -i 0.2 -W 5 172.17.0.2
	p=$(counter ovpn0 rx_packets $n1 2>/dev/null)
	check "$tag: ovpn0 counted the replies (rx_packets $p)" test "${p:-0}" -ge 3
	for i in 1 2; do kill -TERM ${opid[$i]}; done
	for i in 1 2; do
		wait ${opid[$i]}
		expect_eq "$tag: side $i exits 0 on SIGTERM" 0 $?
	done
	check_fail "$tag: ovpn0 is gone after exit" ip -n $n1 link show dev ovpn0
	cleanup_ns
}

if command -v openvpn >/dev/null; then
	ovpn veth /dev/net/tun
	ovpn rveth /dev/net/rtun
else
	ktap_skip "openvpn over /dev/net/rtun" "openvpn is not installed on the host (scripts/setup.sh installs it)"
fi
ktap_finish
