#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scenario 1 (issue #6), a container host: three namespaces, each with one
# end of a pair renamed eth0 inside it, the other end a port of a Linux
# bridge on the host that holds the gateway address (docker0/cni0 style).
# Every namespace pings every other one and the bridge, the host pings them,
# the bridge learns their MACs on the right ports, and deleting a namespace
# deletes its pair: the host end leaves the bridge. Same for veth and rveth.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenario_lib.sh"
ktap_header
ktap_plan $((2 * 21))		# 21 cases for each of $KINDS
ensure_rvnet

for k in $KINDS; do
	br=br-$k
	ip link add name $br type bridge
	defer ip link del $br
	ip addr add 10.40.0.1/24 dev $br
	ip link set dev $br up
	setup_ns c1 c2 c3
	ns=("" $c1 $c2 $c3)
	for i in 1 2 3; do
		# As container runtimes do: make the pair here, move one end
		# into the namespace and call it eth0 there.
		ip link add name ${k}h$i type $k peer name ${k}c$i
		defer ip link del ${k}h$i
		ip link set dev ${k}c$i netns ${ns[$i]}
		ip -n ${ns[$i]} link set dev ${k}c$i name eth0
		ip -n ${ns[$i]} addr add 10.40.0.1$i/24 dev eth0
		ip -n ${ns[$i]} link set dev eth0 up
		ip -n ${ns[$i]} route add default via 10.40.0.1
		ip link set dev ${k}h$i master $br
		ip link set dev ${k}h$i up
	done
	check "$k: three host ends are ports of the bridge" \
		test "$(ip -o link show master $br | wc -l)" = 3

	for i in 1 2 3; do
		check "$k: c$i pings the bridge 10.40.0.1" ping_ok ${ns[$i]} 10.40.0.1
		for j in 1 2 3; do
			[ $i = $j ] && continue
			check "$k: c$i pings c$j" ping_ok ${ns[$i]} 10.40.0.1$j
		done
		check "$k: the host pings c$i" ping_ok - 10.40.0.1$i
	done

	for i in 1 2 3; do
		mac=$(mac_of eth0 ${ns[$i]})
		check "$k: the bridge learned c$i's MAC on ${k}h$i" \
			bash -c "bridge fdb show br $br dev ${k}h$i | grep -v permanent | grep -q '^$mac '"
	done

	# A container goes away: its namespace, its eth0 and so the pair.
	ip netns del $c2
	check "$k: deleting c2's netns deletes the host end ${k}h2" \
		busywait 5000 bash -c "! ip link show dev ${k}h2 >/dev/null 2>&1"
	check "$k: the bridge has two ports left" \
		test "$(ip -o link show master $br | wc -l)" = 2
	check "$k: no fdb entry left on ${k}h2" \
		bash -c "! bridge fdb show br $br | grep -q 'dev ${k}h2 '"
	check "$k: c1 still pings c3" ping_ok $c1 10.40.0.13
	check "$k: c1 no longer reaches c2's address" ping_none $c1 10.40.0.12

	ip link del $br
	cleanup_ns
	__run_defer
done
ktap_finish
