#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input to 'ip link add ... type rveth' fails with veth's errno, rveth
# explains it in the extended ack, and nothing is left half-made.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((2 * 3 + 10 * 4 + 1))	# try: 3 cases (--core), else 4
ensure_rvnet
setup_ns n1

# try [--core] DESC ARGS...: the same request for veth and rveth. --core:
# rtnetlink refuses it before the driver is called, so no driver message.
try() {
	local core=0
	[ "$1" = --core ] && { core=1; shift; }
	local desc=$1; shift
	local before after v r
	before=$(links)
	v=$(pair_err veth "$@")
	r=$(pair_err rveth "$@")
	after=$(links)
	# Each side an errno name (or ok): two broken requests never agree.
	expect_same "$desc: same errno as veth" 'ok|E[A-Z0-9]+' "${v%%|*}" "${r%%|*}"
	check "$desc: refused" test "${r%%|*}" != ok
	if [ $core = 0 ]; then
		check "$desc: rveth explains it (extack: '${r#*|}')" test -n "${r#*|}"
	fi
	expect_same "$desc: nothing half-created" "$RE_LINKS" "$before" "$after"
}

ip link add name taken type veth peer name taken2
defer ip link del taken
try --core "duplicate name" taken --peer fresh1
try "peer name taken" fresh2 --peer taken
try "peer name = own name" same --peer same
try "name too long" abcdefghijklmnopq --peer fresh3
try "peer name too long" fresh4 --peer abcdefghijklmnopq
try "MTU too small" fresh5 --peer fresh6 --mtu 67
try "MTU too large" fresh5 --peer fresh6 --mtu 65536
try "peer MTU too small" fresh5 --peer fresh6 --peer-mtu 67
try --core "bad peer netns fd" fresh7 --peer fresh8 --peer-netns-fd /nonexistent
try "multicast MAC" fresh9 --peer fresh10 --address 01:00:5e:00:00:01
try "peer multicast MAC" fresh9 --peer fresh10 --peer-address 01:00:5e:00:00:01
try "truncated peer ifinfomsg" fresh11 --raw-peer 0000
expect_eq "the netns was left alone (lo only)" lo "$(links $n1)"
ktap_finish
