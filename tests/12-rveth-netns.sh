#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pairs across namespaces, veth and rveth alike: peer created in a netns
# (by fd and by pid), link-netnsid, moving either end, deleting a netns.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((2 * 11))		# 11 cases for each of $KINDS
ensure_rvnet

for k in $KINDS; do
	setup_ns n1 n2 n3
	check "$k: create with the peer in a netns (fd)" pair_add $k ${k}a --peer ${k}b --peer-netns-fd /run/netns/$n1
	check "$k: peer is in that netns" ip -n $n1 link show dev ${k}b
	check "$k: this end stays here" ip link show dev ${k}a
	check "$k: 'ip link' shows the peer as @ifN with a link-netns" \
		bash -c "ip -o link show dev ${k}a | grep -q '${k}a@if[0-9]*:.*link-netns $n1'"

	# Move this end away and back: the pair keeps working.
	ip link set dev ${k}a netns $n2
	ip -n $n2 addr add 10.1.0.1/24 dev ${k}a
	ip -n $n1 addr add 10.1.0.2/24 dev ${k}b
	ip -n $n2 link set dev ${k}a up
	ip -n $n1 link set dev ${k}b up
	check "$k: ping after moving one end" ip netns exec $n2 ping -c 1 -W 2 10.1.0.2
	ip -n $n1 link set dev ${k}b netns $n3
	ip -n $n3 addr add 10.1.0.2/24 dev ${k}b
	ip -n $n3 link set dev ${k}b up
	check "$k: ping after moving the other end" ip netns exec $n2 ping -c 1 -W 2 10.1.0.2
	expect_same "$k: iflink follows the move" "$RE_NUM" \
		"$(ip netns exec $n3 cat /sys/class/net/${k}b/ifindex)" "$(ip netns exec $n2 cat /sys/class/net/${k}a/iflink)"

	# Deleting the netns that holds one end deletes the pair.
	ip netns del $n3
	check "$k: deleting a netns deletes the pair" busywait 5000 bash -c "! ip -n $n2 link show dev ${k}a 2>/dev/null"

	# Peer netns given by pid.
	# A process that lives in n1 (its sleep is no wait), once it is there.
	ip netns exec $n1 sleep 30 & holder=$!
	busywait 10000 in_netns $holder $n1 || diag "pid $holder did not enter $n1"
	check "$k: create with the peer in a netns (pid)" pair_add $k ${k}p --peer ${k}q --peer-netns-pid $holder
	check "$k: peer created in the pid's netns" ip -n $n1 link show dev ${k}q
	kill $holder; wait $holder 2>/dev/null
	ip link del ${k}p
	check "$k: gone from both namespaces" bash -c "! ip -n $n1 link show dev ${k}q 2>/dev/null"
	cleanup_ns
done
ktap_finish
