#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scenario 2 (issue #6), 802.1Q VLANs across a pair: sub-interfaces for
# VLAN 8 and VLAN 9 on both ends. Side A (netns na) has a.8 and a.9; side B
# has b.8 in nb and b.9 moved to its own netns nc (as the CNI vlan plugin
# moves them), which also holds an address in VLAN 8's subnet. Pings work
# within each VLAN (also full-size 1518-byte tagged frames), the frames
# carry their tag on the pair, each VLAN's counters move only for its own
# traffic, and VLAN 8 cannot reach the VLAN-9-only host. Same for veth and
# rveth.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenario_lib.sh"
ktap_header
ktap_plan $((2 * 16))		# 16 cases for each of $KINDS
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"

for k in $KINDS; do
	a=${k}a b=${k}b
	setup_ns na nb nc
	# No IPv6 chatter in the counted windows.
	no_ipv6 $na $nb $nc
	pair_across $k $a $na $b $nb
	for v in 8 9; do
		ip -n $na link add link $a name $a.$v type vlan id $v
		ip -n $nb link add link $b name $b.$v type vlan id $v
		ip -n $na addr add 10.41.$v.1/24 dev $a.$v
		ip -n $na link set dev $a.$v up
	done
	ip -n $nb addr add 10.41.8.2/24 dev $b.8
	ip -n $nb link set dev $b.8 up
	ip -n $nb link set dev $b.9 netns $nc
	ip -n $nc addr add 10.41.9.2/24 dev $b.9
	ip -n $nc addr add 10.41.8.3/24 dev $b.9
	ip -n $nc link set dev $b.9 up
	check "$k: $b.9 is in its own netns, over $b in another" \
		bash -c "ip -n $nc -d -o link show dev $b.9 | grep -q 'vlan protocol 802.1Q id 9'"

	check "$k: VLAN 8: na pings nb (10.41.8.2)" ping_ok $na 10.41.8.2
	check "$k: VLAN 8: nb pings na (10.41.8.1)" ping_ok $nb 10.41.8.1
	check "$k: VLAN 9: na pings nc (10.41.9.2)" ping_ok $na 10.41.9.2
	check "$k: VLAN 9: nc pings na (10.41.9.1)" ping_ok $nc 10.41.9.1
	# 1472 bytes of ICMP payload: a 1518-byte frame with its tag, MTU 1500.
	check "$k: VLAN 8: full-size frames (ping -s 1472 -M do)" ping_ok $na 10.41.8.2 -s 1472 -M do
	check "$k: VLAN 9: full-size frames (ping -s 1472 -M do)" ping_ok $na 10.41.9.2 -s 1472 -M do

	# The tag is on the frames the pair carries.
	capture $nb "$tmp/dump.$k" -e -i $b -c 2 'vlan 8 and icmp'
	ip netns exec $na ping -q -c 3 -i 0.2 -W 2 10.41.8.2 >/dev/null
	wait $capture
	check "$k: tcpdump on $b sees echo requests tagged VLAN 8" \
		grep -q "vlan 8, .*10.41.8.1 > 10.41.8.2: ICMP echo request" "$tmp/dump.$k"

	# Counters: 10 echo requests over VLAN 8 reach $b and $b.8, not $b.9.
	# Every neighbour across the pair is pinned first: a late ARP probe
	# (VLAN 9's entries go DELAY -> PROBE after the pings above) would
	# otherwise land in the counted window.
	ip -n $na neigh replace 10.41.8.2 lladdr $(mac_of $b.8 $nb) dev $a.8 nud permanent
	ip -n $nb neigh replace 10.41.8.1 lladdr $(mac_of $a.8 $na) dev $b.8 nud permanent
	ip -n $na neigh replace 10.41.9.2 lladdr $(mac_of $b.9 $nc) dev $a.9 nud permanent
	ip -n $nc neigh replace 10.41.9.1 lladdr $(mac_of $a.9 $na) dev $b.9 nud permanent
	r0=$(counter $b rx_packets $nb); r8=$(counter $b.8 rx_packets $nb); r9=$(counter $b.9 rx_packets $nc)
	got=$(ping_received $na 10.41.8.2 10)
	expect_eq "$k: VLAN 8: 10 of 10 echo replies" 10 "$got"
	expect_eq "$k: VLAN 8: $b rx_packets +10" 10 $(( $(counter $b rx_packets $nb) - r0 ))
	expect_eq "$k: VLAN 8: $b.8 rx_packets +10" 10 $(( $(counter $b.8 rx_packets $nb) - r8 ))
	expect_eq "$k: VLAN 8: $b.9 rx_packets +0" 0 $(( $(counter $b.9 rx_packets $nc) - r9 ))

	# Isolation: 10.41.8.3 is in VLAN 8's subnet but only on VLAN 9.
	r9=$(counter $b.9 rx_packets $nc); t8=$(counter $a.8 tx_packets $na)
	check "$k: VLAN 8 cannot reach 10.41.8.3, a VLAN-9-only host" ping_none $na 10.41.8.3
	check "$k: the ARP requests for it did go out on $a.8" test $(( $(counter $a.8 tx_packets $na) - t8 )) -gt 0
	expect_eq "$k: none of them reached $b.9" 0 $(( $(counter $b.9 rx_packets $nc) - r9 ))
	check "$k: no neighbour entry for 10.41.8.3 on $a.8" \
		bash -c "! ip -n $na neigh show 10.41.8.3 dev $a.8 | grep -q lladdr"
	cleanup_ns
done
ktap_finish
