#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scenario 5 (issue #6), ingress shaping through ifb: the ingress of pair
# end ${k}b (netns n2) is redirected to ifb0 (ingress qdisc + matchall +
# mirred egress redirect) and shaped there, first with tbf (4 Mbit/s), then
# with sfq. Traffic from n1 still arrives; ifb0's counters and its qdisc's
# count at least every packet sent; tbf throttles (overlimits) a 1 MiB TCP
# transfer that still arrives intact; without the redirect ifb0 sees
# nothing. Same for veth and rveth.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenario_lib.sh"
ktap_header
ktap_plan $((2 * 19))		# 19 cases for each of $KINDS
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"
head -c $((1024 * 1024)) /dev/urandom > "$tmp/in"
want=$(sha256sum < "$tmp/in" | cut -d' ' -f1)

# qstat NS DEV FIELD: a statistic of DEV's root qdisc (packets, overlimits...).
qstat() { tc -n "$1" -s -j qdisc show dev "$2" root | jq -r ".[0].$3"; }

for k in $KINDS; do
	a=${k}a b=${k}b
	setup_ns n1 n2
	no_ipv6 $n1 $n2
	pair_across $k $a $n1 $b $n2 10.44.0.1/24 10.44.0.2/24
	ip -n $n2 link add ifb0 type ifb
	ip -n $n2 link set dev ifb0 up
	check "$k: ingress qdisc on $b" tc -n $n2 qdisc add dev $b handle ffff: ingress
	check "$k: matchall redirect of $b's ingress to ifb0" \
		tc -n $n2 filter add dev $b parent ffff: matchall action mirred egress redirect dev ifb0
	check "$k: tbf on ifb0" tc -n $n2 qdisc add dev ifb0 root handle 1: tbf rate 4mbit burst 16k latency 400ms
	check "$k: n1 pings n2 through the redirect" ping_ok $n1 10.44.0.2
	ip -n $n1 neigh replace 10.44.0.2 lladdr $(mac_of $b $n2) dev $a nud permanent
	ip -n $n2 neigh replace 10.44.0.1 lladdr $(mac_of $a $n1) dev $b nud permanent

	n=20
	r0=$(counter ifb0 rx_packets $n2); t0=$(counter ifb0 tx_packets $n2)
	q0=$(qstat $n2 ifb0 packets); b0=$(counter $b rx_packets $n2)
	expect_eq "$k: tbf: $n of $n echo replies" $n "$(ping_received $n1 10.44.0.2 $n)"
	check "$k: tbf: $b rx_packets +$n or more" test $(( $(counter $b rx_packets $n2) - b0 )) -ge $n
	check "$k: tbf: ifb0 rx_packets +$n or more" test $(( $(counter ifb0 rx_packets $n2) - r0 )) -ge $n
	check "$k: tbf: ifb0 tx_packets +$n or more" test $(( $(counter ifb0 tx_packets $n2) - t0 )) -ge $n
	check "$k: tbf: the tbf qdisc sent $n packets or more" test $(( $(qstat $n2 ifb0 packets) - q0 )) -ge $n

	# 1 MiB over TCP (8.4 Mbit at 4 Mbit/s: about 2 s), content checked.
	o0=$(qstat $n2 ifb0 overlimits)
	rm -f "$tmp/out"
	ip netns exec $n2 timeout 60 socat -u TCP-LISTEN:5000,reuseaddr OPEN:"$tmp/out",creat,trunc &
	srv=$!
	busywait 3000 ip netns exec $n2 bash -c "ss -ltn | grep -q ':5000'"
	start=$(date +%s%3N)
	ip netns exec $n1 timeout 60 socat -u OPEN:"$tmp/in" TCP:10.44.0.2:5000
	wait $srv
	ms=$(( $(date +%s%3N) - start ))
	expect_eq "$k: tbf: 1 MiB TCP transfer arrives intact" "$want" "$(sha256sum < "$tmp/out" | cut -d' ' -f1)"
	check "$k: tbf: it was throttled (overlimits +$(( $(qstat $n2 ifb0 overlimits) - o0 )))" \
		test $(( $(qstat $n2 ifb0 overlimits) - o0 )) -gt 0
	check "$k: tbf: it took 1.5 s or more (${ms} ms)" test $ms -ge 1500

	tc -n $n2 qdisc del dev ifb0 root
	check "$k: sfq in place of tbf on ifb0" tc -n $n2 qdisc add dev ifb0 root handle 2: sfq perturb 10
	expect_eq "$k: sfq: the root qdisc is sfq" sfq "$(qstat $n2 ifb0 kind)"
	r0=$(counter ifb0 rx_packets $n2); q0=$(qstat $n2 ifb0 packets)
	expect_eq "$k: sfq: $n of $n echo replies" $n "$(ping_received $n1 10.44.0.2 $n)"
	check "$k: sfq: ifb0 rx_packets +$n or more" test $(( $(counter ifb0 rx_packets $n2) - r0 )) -ge $n
	check "$k: sfq: the sfq qdisc sent $n packets or more" test $(( $(qstat $n2 ifb0 packets) - q0 )) -ge $n

	# Without the redirect, traffic bypasses ifb0.
	tc -n $n2 qdisc del dev $b handle ffff: ingress
	r0=$(counter ifb0 rx_packets $n2)
	expect_eq "$k: no redirect: $n of $n echo replies" $n "$(ping_received $n1 10.44.0.2 $n)"
	expect_eq "$k: no redirect: ifb0 rx_packets +0" 0 $(( $(counter ifb0 rx_packets $n2) - r0 ))
	cleanup_ns
done
ktap_finish
