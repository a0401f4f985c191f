#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Demo fragment: a UDP overlay between two namespaces joined by an rveth pair,
# one `rvnetctl tunnel` on /dev/net/rtun in each; ping across it, show the
# tunnels' counters, clean up. Source it from tests/demo.sh (after lib.sh) or
# run it alone in the VM: bash tests/demo_overlay.sh
if [ -z "${RVNET_ROOT:-}" ]; then
	. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
	ensure_rvnet
fi
declare -F step >/dev/null || step() { printf '\n==> %s\n' "$*"; }

demo_overlay() {
	local ovl ovr dir t1 t2 ns
	step "an overlay: rvnetctl tunnel over /dev/net/rtun, UDP across an rveth pair"
	setup_ns ovl ovr
	no_ipv6 $ovl $ovr
	pair_across rveth under0 $ovl under1 $ovr 10.0.0.1/24 10.0.0.2/24

	dir=$(mktemp -d)
	ip netns exec $ovl rvnetctl tunnel --dev ov0 --local 10.0.0.1:4789 --remote 10.0.0.2:4789 >"$dir/l" 2>&1 &
	t1=$!
	ip netns exec $ovr rvnetctl tunnel --dev ov0 --local 10.0.0.2:4789 --remote 10.0.0.1:4789 >"$dir/r" 2>&1 &
	t2=$!
	busywait 30000 grep -q '^ready:' "$dir/l"
	busywait 30000 grep -q '^ready:' "$dir/r"
	cat "$dir/l" "$dir/r"
	ip -n $ovl addr add 172.16.0.1/24 dev ov0
	ip -n $ovr addr add 172.16.0.2/24 dev ov0
	ip -n $ovl link set dev ov0 mtu 1400 up
	ip -n $ovr link set dev ov0 mtu 1400 up
	ip -n $ovl -br addr show dev ov0

	step "ping across the overlay (172.16.0.1 -> 172.16.0.2, carried in UDP over 10.0.0.0/24)"
	ip netns exec $ovl ping -c 3 -i 0.2 172.16.0.2

	step "a truncated and an oversized datagram to the left tunnel: counted, dropped"
	ip netns exec $ovr python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"\x45" + bytes(9), ("10.0.0.1", 4789))
s.sendto(b"\x45" + bytes(2999), ("10.0.0.1", 4789))'
	# The left tunnel reads its socket in order: once this echo request
	# from the right is answered, it has handled the two datagrams.
	ip netns exec $ovr ping -q -c 1 -W 5 172.16.0.1 >/dev/null

	step "stop both tunnels (SIGTERM): their counters; the devices go with them"
	kill -TERM $t1 $t2
	wait $t1 $t2
	echo "-- left"; sed '/^ready:/d' "$dir/l"
	echo "-- right"; sed '/^ready:/d' "$dir/r"
	ip -n $ovl link show dev ov0 2>&1 | head -n 1
	rm -rf "$dir"
	ip netns del $ovl; ip netns del $ovr
}

demo_overlay
