#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The main job, run inside the VM by `make demo`: rvnet loaded, an rveth pair
# joining two namespaces, real traffic through it, and the counters.
set -e
. "$(dirname "$0")/lib.sh"
trap cleanup_ns EXIT

step() { printf '\n==> %s\n' "$*"; }

step "rvnet.ko is loaded"
grep '^rvnet ' /proc/modules
rvnetctl info

step "an rveth pair made with rvnetctl, one end in each of two namespaces"
setup_ns left right
rvnetctl -n $left pair add demo0 --peer demo1 --peer-netns $right
ip -n $left addr add 192.0.2.1/24 dev demo0
ip -n $right addr add 192.0.2.2/24 dev demo1
ip -n $left addr add 2001:db8::1/64 dev demo0 nodad
ip -n $right addr add 2001:db8::2/64 dev demo1 nodad
ip -n $left link set dev demo0 up
ip -n $right link set dev demo1 up
ip -n $left -d link show dev demo0
ip netns exec $right ethtool -i demo1 | head -n 2

step "traffic: IPv4 and IPv6 ping"
ip netns exec $left ping -c 3 -i 0.2 192.0.2.2
ip netns exec $left ping -6 -c 3 -i 0.2 2001:db8::2

step "traffic: 4 MiB over TCP, checked end to end"
tmp=$(mktemp -d)
head -c $((4 * 1024 * 1024)) /dev/urandom > "$tmp/in"
ip netns exec $right timeout 60 socat -u TCP-LISTEN:7000,reuseaddr OPEN:"$tmp/out",creat,trunc &
busywait 3000 ip netns exec $right bash -c "ss -ltn | grep -q ':7000'"
ip netns exec $left timeout 60 socat -u OPEN:"$tmp/in" TCP:192.0.2.2:7000
wait
a=$(sha256sum < "$tmp/in" | cut -c1-16); b=$(sha256sum < "$tmp/out" | cut -c1-16)
echo "sent     $a"
echo "received $b"
[ "$a" = "$b" ] && echo "content matches"
rm -rf "$tmp"

step "counters (rvnetctl -s pair show, then ip -s link for comparison)"
rvnetctl -n $left -s pair show demo0
rvnetctl -n $right -s pair show demo1
ip -n $left -s link show dev demo0
rvnetctl -n $left -j -p pair list

step "a pair made as veth users do (iproute2 plugin), then rvnetctl exercise pair: raw frames both ways, every one checked"
ip link add name ex0 type rveth peer name ex1
ip -d link show dev ex0
ip link set dev ex0 up
ip link set dev ex1 up
rvnetctl exercise pair ex0 ex1 --count 2000
rvnetctl -s pair show ex0
rvnetctl pair del ex0

step "an rtun device made with rvnetctl: exercise tun pings the kernel through it"
rvnetctl tun add rdemo0 --mode tun
rvnetctl exercise tun rdemo0 --path /dev/net/rtun --count 2000
rvnetctl -s tun show rdemo0
rvnetctl tun list
rvnetctl tun del rdemo0
rvnetctl exercise tun rtap%d --path /dev/net/rtun --mode tap --count 1000

. "$(dirname "$0")/demo_overlay.sh"   # runs the overlay demo

step "delete one end: the pair goes"
ip -n $left link del demo0
ip -n $right link show dev demo1 2>/dev/null || echo "demo1 is gone too"
