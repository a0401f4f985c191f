#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scenario 6 (issue #6), a VM's NIC: in netns nh (the hypervisor) a
# persistent TAP device vnic0 and pair end ${k}a are ports of bridge br0;
# the peer ${k}b is in netns ng (10.45.0.2). tests/tools/tapnic.py plays
# the guest behind vnic0 (52:54:00:45:00:10, 10.45.0.10): its ARP request
# and ICMP echo requests, written into the TAP fd, reach ng and the replies
# come back out of the fd; ng pings the guest and the guest answers. The
# bridge learns both MACs; the device persists after the client closes and
# goes with TUNSETPERSIST 0. Run with /dev/net/tun + veth (the reference)
# and /dev/net/rtun + rveth; /dev/net/rtun missing is a failure.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenario_lib.sh"
ktap_header
ktap_plan $((2 * 19))		# 19 cases for each device (1 when it is missing)
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"
TAPNIC=$RVNET_ROOT/tests/tools/tapnic.py
# python from the 9p root is slow to start under TCG: run a copy from tmpfs
# (with tunclient.py, whose packet builders it imports).
cp "$TAPNIC" "$RVNET_ROOT/tests/tools/tunclient.py" "$tmp/"
vm_mac=52:54:00:45:00:10

for p in /dev/net/tun:veth /dev/net/rtun:rveth; do
	dev=${p%:*} k=${p#*:} t=$(basename $dev)
	if [ ! -c $dev ]; then
		ktap_fail "$t: $dev is a character device"
		continue
	fi
	setup_ns nh ng
	tapnic() { ip netns exec $nh timeout 60 "$PYTHON" -S "$tmp/tapnic.py" --path $dev "$@"; }
	check "$t: a persistent TAP device vnic0" tapnic persist vnic0 on
	expect_eq "$t: vnic0 is an Ethernet device (type 1)" 1 \
		"$(ip netns exec $nh cat /sys/class/net/vnic0/type 2>&1)"
	ip -n $nh link add br0 type bridge
	ip -n $nh link set dev br0 up
	ip link add name ${k}a type $k peer name ${k}b netns $ng
	ip link set dev ${k}a netns $nh
	ip -n $ng addr add 10.45.0.2/24 dev ${k}b
	ip -n $ng link set dev ${k}b up
	check "$t: vnic0 and ${k}a are ports of br0" bash -c \
		"ip -n $nh link set dev vnic0 master br0 && ip -n $nh link set dev ${k}a master br0"
	ip -n $nh link set dev vnic0 up
	ip -n $nh link set dev ${k}a up

	# The guest: ARP, 5 echo requests to ng, then answer 3 of ng's.
	tapnic run vnic0 --mac $vm_mac --ip 10.45.0.10 --peer 10.45.0.2 \
		--count 5 --serve 3 --timeout 20 --hold-until "$tmp/done.$t" >"$tmp/out.$t" 2>&1 &
	client=$!
	busywait 60000 grep -q '^serving' "$tmp/out.$t"
	got=$(ip netns exec $ng ping -q -c 3 -i 0.2 -W 2 10.45.0.10 2>&1 | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	# While the guest is attached (the port is up): fdb and counters.
	busywait 30000 grep -q '^holding' "$tmp/out.$t"
	check "$t: br0 learned the guest's MAC on vnic0" \
		bash -c "bridge -n $nh fdb show br br0 dev vnic0 | grep -q '^$vm_mac '"
	check "$t: br0 learned ${k}b's MAC on ${k}a" \
		bash -c "bridge -n $nh fdb show br br0 dev ${k}a | grep -q '^$(mac_of ${k}b $ng) '"
	# Written by the guest: ARP request, 5 requests, 3 replies (at least).
	check "$t: vnic0 rx_packets >= 9" test "$(counter vnic0 rx_packets $nh)" -ge 9
	check "$t: vnic0 tx_packets >= 9" test "$(counter vnic0 tx_packets $nh)" -ge 9
	touch "$tmp/done.$t"
	wait $client
	rc=$?
	expect_same "$t: the guest's ARP request is answered with ${k}b's MAC" "arp-reply: $RE_MAC" \
		"arp-reply: $(mac_of ${k}b $ng)" "$(grep '^arp-reply:' "$tmp/out.$t")"
	expect_eq "$t: 5 echo requests written into the fd, 5 replies read from it" \
		"echo-replies: 5/5" "$(grep '^echo-replies:' "$tmp/out.$t")"
	expect_eq "$t: ng pings the guest: 3 of 3 replies" 3 "${got:-0}"
	expect_eq "$t: the guest answered 3 echo requests" "served-echo: 3" "$(grep '^served-echo:' "$tmp/out.$t")"
	expect_eq "$t: the client exits 0" 0 $rc
	[ $rc != 0 ] && sed 's/^/#   /' "$tmp/out.$t"
	check "$t: vnic0 persists after the client closed" ip -n $nh link show dev vnic0
	check "$t: ... and is still a port of br0" \
		bash -c "ip -n $nh -o link show dev vnic0 | grep -q 'master br0'"
	check "$t: ... without carrier" \
		bash -c "ip -n $nh -o link show dev vnic0 | grep -q NO-CARRIER"
	check "$t: ... and the guest's fdb entry is flushed" \
		bash -c "! bridge -n $nh fdb show br br0 | grep -q '^$vm_mac '"
	check "$t: TUNSETPERSIST 0 removes vnic0" tapnic persist vnic0 off
	check "$t: vnic0 is gone" busywait 5000 bash -c "! ip -n $nh link show dev vnic0 2>/dev/null"
	expect_eq "$t: br0 has one port left" 1 "$(ip -n $nh -o link show master br0 | wc -l)"
	cleanup_ns
done
ktap_finish
