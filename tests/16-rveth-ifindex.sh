#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Requested interface indexes, veth and rveth side by side: a pair made
# with both indexes gets them; a peer index alone is not applied (veth
# honours it only with the first end's); a taken index, for the peer or
# the first end, is refused with veth's errno and leaves nothing behind
# (EBUSY from register_netdevice for the peer, EEXIST from rtnetlink for
# the first end, before any driver runs).
# The taken peer index fails inside register_netdevice after ndo_uninit
# and priv_destructor have run: the path where the wrapper layer must not
# destroy twice (the VM runner fails the run on any splat or leak).
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((2 * 8))
ensure_rvnet


for kind in veth rveth; do
	k=${kind:0:2}
	setup_ns ns
	x() { ip netns exec "$ns" "$@"; }
	expect_eq "$kind: pair with both indexes: made" ok \
		"$(x python3 "$RTNL_PAIR" "$kind" ${k}a --peer ${k}b --index 500 --peer-index 501)"
	expect_eq "$kind: first end has the index asked for" 500 "$(x cat /sys/class/net/${k}a/ifindex)"
	expect_eq "$kind: the peer has its index" 501 "$(x cat /sys/class/net/${k}b/ifindex)"
	x python3 "$RTNL_PAIR" "$kind" ${k}c --peer ${k}d --peer-index 777 >/dev/null
	idx=$(x cat /sys/class/net/${k}d/ifindex 2>/dev/null)
	check "$kind: a peer index alone is not applied (got ${idx:-none})" \
		test -n "$idx" -a "${idx:-777}" != 777
	before=$(x ip -o link show | wc -l)
	out=$(x python3 "$RTNL_PAIR" "$kind" ${k}e --peer ${k}f --index 600 --peer-index 500)
	expect_eq "$kind: taken peer index: EBUSY" EBUSY "$(awk '{print $3}' <<<"$out")"
	out=$(x python3 "$RTNL_PAIR" "$kind" ${k}g --peer ${k}h --index 501 --peer-index 601)
	expect_eq "$kind: taken first index: EEXIST (rtnetlink, before the driver)" EEXIST "$(awk '{print $3}' <<<"$out")"
	# At least lo: a count of no links at all (ip failed) never agrees.
	expect_same "$kind: nothing half-made after both refusals" '[1-9][0-9]*' "$before" "$(x ip -o link show | wc -l)"
	x ip link del ${k}a
	expect_eq "$kind: deleting one end deletes both" "none none" \
		"$(x cat /sys/class/net/${k}a/ifindex 2>/dev/null || echo none) $(x cat /sys/class/net/${k}b/ifindex 2>/dev/null || echo none)"
	cleanup_ns
done
ktap_finish
