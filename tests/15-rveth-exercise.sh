#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `rvnetctl exercise pair`: raw Ethernet frames both ways through a pair,
# order, contents and exact counters checked, for veth and rveth.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((2 * 2))		# 2 cases for each of $KINDS
ensure_rvnet
n=${RVNET_PAIR_FRAMES:-100000}

for k in $KINDS; do
	pair_add $k ${k}x --peer ${k}y
	# No IPv6 chatter (RS, MLD) whose frames cross the moment the tool
	# reads the counters: it counts every frame exactly.
	sysctl -qw net.ipv6.conf.${k}x.disable_ipv6=1 net.ipv6.conf.${k}y.disable_ipv6=1
	ip link set dev ${k}x up
	ip link set dev ${k}y up
	out=$(rvnetctl exercise pair ${k}x ${k}y --count $n 2>&1)
	rc=$?
	expect_eq "$k: $n frames each way, intact, counters exact" 0 $rc
	[ $rc -ne 0 ] && printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	out=$(rvnetctl exercise pair ${k}x ${k}y --count 1000 --size 1486 2>&1)
	expect_eq "$k: full-size frames" 0 $?
	ip link del ${k}x
done
ktap_finish
