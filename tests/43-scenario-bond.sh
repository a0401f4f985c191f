#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scenario 4 (issue #6), a bond over two pairs: in netns nb, bond0 enslaves
# ${k}1a and ${k}2a; their peers ${k}1b and ${k}2b are ports of a bridge in
# netns np (the "switch", 10.43.0.2). When a peer goes down the slave loses
# its carrier (veth semantics) and miimon=100 sees it.
#   active-backup (primary ${k}1a): fails over to ${k}2a when ${k}1b goes
#     down, pings keep working (also a continuous ping across the failover),
#     and it goes back when ${k}1b comes up;
#   balance-rr: both slaves carry echo requests; with ${k}1b down all of
#     them go through ${k}2a and none is lost.
# Same for veth and rveth.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/scenario_lib.sh"
ktap_header
ktap_plan $((2 * 22))		# 22 cases for each of $KINDS
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"

for k in $KINDS; do
	setup_ns nb np
	no_ipv6 $nb $np
	ip -n $np link add sw type bridge
	ip -n $np addr add 10.43.0.2/24 dev sw
	ip -n $np link set dev sw up
	for i in 1 2; do
		ip link add name ${k}${i}a type $k peer name ${k}${i}b netns $np
		ip link set dev ${k}${i}a netns $nb
		ip -n $np link set dev ${k}${i}b master sw
		ip -n $np link set dev ${k}${i}b up
	done
	sysb() { ip netns exec $nb cat /sys/class/net/$1; }
	carrier_is() { [ "$(sysb $1/carrier 2>/dev/null)" = "$2" ]; }
	active_is() { [ "$(sysb bond0/bonding/active_slave)" = "$1" ]; }
	mii_is() { # SLAVE up|down: what the bond's miimon says about SLAVE
		ip netns exec $nb awk -v s="$1" '/^Slave Interface:/ { on = ($3 == s) }
			on && /^MII Status:/ { print $3; exit }' /proc/net/bonding/bond0 | grep -qx "$2"
	}
	carriers_are() { carrier_is ${k}1a $1 && carrier_is ${k}2a $2; }
	rx_since() { # RX0 N: bond0 received N packets or more since it had RX0
		local rx; rx=$(sysb bond0/statistics/rx_packets 2>/dev/null)
		[[ $rx =~ ^[0-9]+$ && $1 =~ ^[0-9]+$ ]] && [ $((rx - $1)) -ge $2 ]
	}
	miis_are() { mii_is ${k}1a $1 && mii_is ${k}2a $2; }
	enslave() { # MODE [options]
		ip -n $nb link add bond0 type bond mode "$@" miimon 100 || return 1
		ip -n $nb link set dev ${k}1a master bond0 || return 1
		ip -n $nb link set dev ${k}2a master bond0 || return 1
		ip -n $nb addr add 10.43.0.1/24 dev bond0
		ip -n $nb link set dev bond0 up
	}

	# --- active-backup ---------------------------------------------------
	check "$k: active-backup bond over ${k}1a and ${k}2a" enslave active-backup
	ip -n $nb link set dev bond0 type bond primary ${k}1a
	check "$k: ab: both slaves have carrier" busywait 5000 carriers_are 1 1
	check "$k: ab: ${k}1a is the active slave" busywait 5000 active_is ${k}1a
	check "$k: ab: bond pings the switch" ping_ok $nb 10.43.0.2
	ip -n $np link set dev ${k}1b down
	check "$k: ab: ${k}1b down: ${k}1a loses its carrier" busywait 5000 carrier_is ${k}1a 0
	check "$k: ab: miimon sees ${k}1a down" busywait 5000 mii_is ${k}1a down
	check "$k: ab: failed over to ${k}2a" busywait 5000 active_is ${k}2a
	expect_eq "$k: ab: after the failover 10 of 10 echo replies" 10 "$(ping_received $nb 10.43.0.2 10)"
	ip -n $np link set dev ${k}1b up
	check "$k: ab: ${k}1b up: ${k}1a has carrier again" busywait 5000 carrier_is ${k}1a 1
	check "$k: ab: back on the primary ${k}1a" busywait 5000 active_is ${k}1a
	check "$k: ab: bond pings the switch again" ping_ok $nb 10.43.0.2
	# A continuous ping (4 s) with the failover in its middle: after its
	# 15th reply (bond0 received 15 packets more).
	rx0=$(sysb bond0/statistics/rx_packets)
	ip netns exec $nb ping -q -c 40 -i 0.1 -W 1 10.43.0.2 >"$tmp/cont.$k" 2>&1 &
	pinger=$!
	busywait 20000 rx_since "$rx0" 15 || diag "$k: ab: fewer than 15 replies before the failover"
	ip -n $np link set dev ${k}1b down
	wait $pinger
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/cont.$k")
	check "$k: ab: a continuous ping survives the failover (${got:-0} of 40 replies, >= 30)" \
		test "${got:-0}" -ge 30
	check "$k: ab: ... and it is on ${k}2a" active_is ${k}2a
	ip -n $nb link del bond0
	ip -n $np link set dev ${k}1b up

	# --- balance-rr ------------------------------------------------------
	check "$k: balance-rr bond over ${k}1a and ${k}2a" enslave balance-rr
	check "$k: rr: miimon sees both slaves up" busywait 5000 miis_are up up
	check "$k: rr: bond pings the switch" ping_ok $nb 10.43.0.2
	# Both neighbours permanent: no ARP (a request, or the switch's unicast
	# probe of a stale entry answered by the bond) in the counted window.
	ip -n $nb neigh replace 10.43.0.2 lladdr $(mac_of sw $np) dev bond0 nud permanent
	ip -n $np neigh replace 10.43.0.1 lladdr $(mac_of bond0 $nb) dev sw nud permanent
	t1=$(counter ${k}1a tx_packets $nb); t2=$(counter ${k}2a tx_packets $nb)
	expect_eq "$k: rr: 10 of 10 echo replies" 10 "$(ping_received $nb 10.43.0.2 10)"
	d1=$(( $(counter ${k}1a tx_packets $nb) - t1 )); d2=$(( $(counter ${k}2a tx_packets $nb) - t2 ))
	expect_eq "$k: rr: the 10 requests went round robin (${k}1a +$d1, ${k}2a +$d2)" "5 5" "$d1 $d2"
	ip -n $np link set dev ${k}1b down
	check "$k: rr: ${k}1b down: ${k}1a loses its carrier" busywait 5000 carrier_is ${k}1a 0
	check "$k: rr: miimon sees ${k}1a down" busywait 5000 mii_is ${k}1a down
	t1=$(counter ${k}1a tx_packets $nb); t2=$(counter ${k}2a tx_packets $nb)
	expect_eq "$k: rr: with ${k}1a down 10 of 10 echo replies" 10 "$(ping_received $nb 10.43.0.2 10)"
	d1=$(( $(counter ${k}1a tx_packets $nb) - t1 )); d2=$(( $(counter ${k}2a tx_packets $nb) - t2 ))
	expect_eq "$k: rr: ... all through ${k}2a (${k}1a +$d1, ${k}2a +$d2)" "0 10" "$d1 $d2"
	ip -n $nb link del bond0
	cleanup_ns
done
ktap_finish
