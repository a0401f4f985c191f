#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rveth link basics, checked side by side with veth in the same boot:
# naming, a@b display, MACs, carrier sequence, MTU limits, MAC change, ethtool.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((2 * 26))		# 26 cases for each of $KINDS
ensure_rvnet

carrier() { cat "/sys/class/net/$1/carrier" 2>/dev/null || echo 0; }
# carriers_are A B WANT: "$(carrier A)$(carrier B)" is WANT, read afresh at
# every call (for busywait).
carriers_are() { [ "$(carrier $1)$(carrier $2)" = "$3" ]; }

for k in $KINDS; do
	a=${k}a; b=${k}b
	check "$k: create a pair with a named peer" pair_add $k $a --peer $b
	defer ip link del $a
	check "$k: 'ip link' shows $a@$b" bash -c "ip -o link show dev $a | grep -q ' $a@$b:'"
	check "$k: 'ip link' shows $b@$a" bash -c "ip -o link show dev $b | grep -q ' $b@$a:'"
	expect_eq "$k: link kind" "$k" "$(ip -j -d link show dev $a | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["linkinfo"]["info_kind"])')"
	ma=$(cat /sys/class/net/$a/address); mb=$(cat /sys/class/net/$b/address)
	check "$k: random MAC is locally administered unicast" \
		test $(( 0x${ma:0:2} & 3 )) -eq 2 -a $(( 0x${mb:0:2} & 3 )) -eq 2
	check "$k: the two ends have different MACs" test "$ma" != "$mb"
	expect_eq "$k: MTU defaults to 1500" 1500 "$(cat /sys/class/net/$a/mtu)"

	# Carrier as veth: off until both ends are up.
	expect_eq "$k: no carrier while both down" "0 0" "$(carrier $a) $(carrier $b)"
	ip link set dev $a up
	expect_eq "$k: no carrier with only one end up" "0" "$(carrier $a)"
	expect_eq "$k: one end up: operstate" "LOWERLAYERDOWN" "$(ip -j link show dev $a | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["operstate"])')"
	ip link set dev $b up
	busywait 2000 carriers_are $a $b 11
	expect_eq "$k: carrier on both when both up" "1 1" "$(carrier $a) $(carrier $b)"
	ip link set dev $a down
	expect_eq "$k: one end down: the other loses carrier" "0" "$(carrier $b)"
	ip link set dev $a up
	busywait 2000 carriers_are $a $b 11
	expect_eq "$k: back up: carrier returns" "1 1" "$(carrier $a) $(carrier $b)"

	# MTU limits: 68..65535.
	check "$k: MTU 68 accepted" ip link set dev $a mtu 68
	check_fail "$k: MTU 67 refused" ip link set dev $a mtu 67
	check "$k: MTU 65535 accepted" ip link set dev $a mtu 65535
	check_fail "$k: MTU 65536 refused" ip link set dev $a mtu 65536
	ip link set dev $a mtu 1500

	# MAC changeable, also while up.
	check "$k: MAC change while up" ip link set dev $a address 02:11:22:33:44:55
	expect_eq "$k: new MAC shown" "02:11:22:33:44:55" "$(cat /sys/class/net/$a/address)"
	check_fail "$k: multicast MAC refused" ip link set dev $a address 01:11:22:33:44:55

	# ethtool.
	expect_eq "$k: ethtool -i driver" "driver: $k" "$(ethtool -i $a | head -n1)"
	expect_same "$k: ethtool -S peer_ifindex" "$RE_NUM" "$(cat /sys/class/net/$b/ifindex)" \
		"$(ethtool -S $a | awk '/peer_ifindex:/ {print $2}')"
	expect_eq "$k: ethtool link detected" "yes" "$(ethtool $a | awk '/Link detected:/ {print $3}')"

	# No peer given: the driver names it <kind>N.
	n=${k}n
	check "$k: create without a peer name" ip link add name $n type $k
	peer=$(ip -o link show dev $n | sed -n "s/.* $n@\([^:]*\):.*/\1/p")
	check "$k: driver-chosen peer name '$peer' is ${k}N" bash -c "[[ '$peer' =~ ^${k}[0-9]+$ ]]"
	ip link del $n
	check "$k: deleting removes the chosen peer too" bash -c "! ip link show dev '$peer' 2>/dev/null"
done
ktap_finish
