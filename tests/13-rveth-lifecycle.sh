#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Deletion and scale, veth and rveth alike: either end deletes both, 1000
# pairs made and removed; rmmod rvnet with live pairs removes them all.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((2 * 4 + 4))	# 4 cases for each of $KINDS, then 4 for rmmod
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"

count_kind() { ip -d -o link show | grep -c " $1 addrgenmode\| $1 " ; }
for k in $KINDS; do
	pair_add $k ${k}a --peer ${k}b
	ip link del ${k}a
	check "$k: deleting the first end deletes both" bash -c "! ip link show dev ${k}b 2>/dev/null"
	pair_add $k ${k}a --peer ${k}b
	ip link del ${k}b
	check "$k: deleting the second end deletes both" bash -c "! ip link show dev ${k}a 2>/dev/null"

	n=1000
	before=$(links | wc -l)
	for i in $(seq $n); do echo "link add name s$i type $k peer name t$i"; done > "$tmp/add"
	if [ $k = veth ]; then
		ip -batch "$tmp/add"
	else
		# iproute2 has no rveth plugin for 'peer name': let the driver name peers.
		for i in $(seq $n); do echo "link add name s$i type $k"; done > "$tmp/add"
		ip -batch "$tmp/add"
	fi
	expect_eq "$k: $n pairs created" $((before + 2 * n)) "$(links | wc -l)"
	for i in $(seq $n); do echo "link del s$i"; done > "$tmp/del"
	ip -batch "$tmp/del"
	expect_eq "$k: $n pairs deleted, nothing left" "$before" "$(links | wc -l)"
done

# rmmod with live pairs (rveth only: veth is built in).
before=$(links)
for i in $(seq 100); do echo "link add name m$i type rveth"; done > "$tmp/add"
ip -batch "$tmp/add"
ip link set dev m1 up
expect_eq "100 rveth pairs live" 200 "$(comm -13 <(echo "$before") <(links) | wc -l)"
check "rmmod rvnet with 100 live pairs" rmmod rvnet
expect_same "every rveth device is gone" "$RE_LINKS" "$before" "$(links)"
check "insmod again" insmod "$RVNET_KO"
ktap_finish
