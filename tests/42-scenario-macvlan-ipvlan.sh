#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scenario 3 (issue #6), macvlan and ipvlan on top of a pair end: the end
# ${k}a stays on the host as the "physical" NIC, its peer ${k}b is in netns
# np (10.42.0.254). Two slaves of ${k}a, each moved into its own netns, in
# turn: macvlan mode bridge, ipvlan mode l2, ipvlan mode l3 (slaves in
# 10.42.1.0/24, routed by np via the host's 10.42.0.100). The slaves reach
# each other and np, np reaches them, with the MACs each mode promises.
# Same for veth and rveth.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenario_lib.sh"
ktap_header
ktap_plan $((2 * 27))		# 27 cases for each of $KINDS
ensure_rvnet

# neigh_mac NS IP: the lladdr NS has for IP.
neigh_mac() { ip -n "$1" -j neigh show "$2" | jq -r '.[0].lladdr // empty'; }

for k in $KINDS; do
	a=${k}a b=${k}b
	setup_ns np s1 s2
	s=("" $s1 $s2)
	ip link add name $a type $k peer name $b
	defer ip link del $a
	ip link set dev $b netns $np
	ip -n $np addr add 10.42.0.254/24 dev $b
	ip -n $np link set dev $b up
	ip link set dev $a up
	amac=$(mac_of $a)

	# slaves TYPE MODE NET: two slaves ${k}s1 and ${k}s2 of $a, one per
	# netns, with NET.1 and NET.2.
	slaves() {
		local i
		for i in 1 2; do
			ip link add link $a name ${k}s$i type $1 mode $2 || return 1
			ip link set dev ${k}s$i netns ${s[$i]}
			ip -n ${s[$i]} addr add $3.$i/24 dev ${k}s$i
			ip -n ${s[$i]} link set dev ${k}s$i up
		done
	}
	noslaves() {
		ip -n $s1 link del ${k}s1
		ip -n $s2 link del ${k}s2
		ip -n $np neigh flush dev $b
	}
	pings() { # MODE NET
		check "$k: $1: s1 pings s2" ping_ok $s1 $2.2
		check "$k: $1: s2 pings s1" ping_ok $s2 $2.1
		check "$k: $1: s1 pings the peer side" ping_ok $s1 10.42.0.254
		check "$k: $1: s2 pings the peer side" ping_ok $s2 10.42.0.254
		check "$k: $1: the peer side pings s1" ping_ok $np $2.1
		check "$k: $1: the peer side pings s2" ping_ok $np $2.2
	}

	check "$k: macvlan bridge: two slaves of $a" slaves macvlan bridge 10.42.0
	pings "macvlan bridge" 10.42.0
	expect_same "$k: macvlan bridge: the peer side sees s1's own MAC" "$RE_MAC" \
		"$(mac_of ${k}s1 $s1)" "$(neigh_mac $np 10.42.0.1)"
	expect_same "$k: macvlan bridge: the peer side sees s2's own MAC" "$RE_MAC" \
		"$(mac_of ${k}s2 $s2)" "$(neigh_mac $np 10.42.0.2)"
	noslaves

	check "$k: ipvlan l2: two slaves of $a" slaves ipvlan l2 10.42.0
	pings "ipvlan l2" 10.42.0
	expect_same "$k: ipvlan l2: the peer side sees $a's MAC for s1" "$RE_MAC" "$amac" "$(neigh_mac $np 10.42.0.1)"
	expect_same "$k: ipvlan l2: the peer side sees $a's MAC for s2" "$RE_MAC" "$amac" "$(neigh_mac $np 10.42.0.2)"
	noslaves

	# L3: no ARP on the slaves; the peer side routes their subnet via an
	# address of the host on $a, and ipvlan hands the packets over.
	ip addr add 10.42.0.100/24 dev $a
	ip -n $np route add 10.42.1.0/24 via 10.42.0.100
	check "$k: ipvlan l3: two slaves of $a" slaves ipvlan l3 10.42.1
	for i in 1 2; do ip -n ${s[$i]} route add default dev ${k}s$i; done
	pings "ipvlan l3" 10.42.1
	expect_same "$k: ipvlan l3: the peer side's next hop is $a's MAC" "$RE_MAC" "$amac" "$(neigh_mac $np 10.42.0.100)"
	check "$k: ipvlan l3: the slaves do not ARP (NOARP)" \
		bash -c "ip -n $s1 -o link show dev ${k}s1 | grep -q NOARP"
	noslaves

	ip link del $a
	cleanup_ns
	__run_defer
done
ktap_finish
