#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real client: QEMU's tap backend with vnet_hdr=on, unchanged. Two
# `qemu-system-x86_64 -machine none` processes (no guest), one in netns a
# and one in netns b, each relay between a TAP device they open
# (ifname qa / qb, vnet_hdr=on: IFF_VNET_HDR, TUNSETVNETHDRSZ, the
# TUNSETOFFLOAD probes QEMU makes, TUNSETSNDBUF) and a unix datagram
# socket to the other one, through a QEMU hub. 10.28.0.1 (a) then pings
# 10.28.0.2 (b) and sends it 1 MiB over TCP, compared by hash. Then again
# with queues=2 for qa (IFF_MULTI_QUEUE, two fds): QEMU's hub is the peer of
# one queue only, so what a's stack sends must go back on the queue its
# flow was written from (tun's flow table); b starts every flow there (ARP,
# ping, TCP from b to a). QEMU
# hardcodes /dev/net/tun: for rtun it runs in a private mount namespace
# with /dev/net/rtun bound over that path. The same steps with the
# kernel's tun first (the reference), then rtun.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((4 * 8 + 2))
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"
head -c $((1024 * 1024)) /dev/urandom >"$tmp/send"
want=$(sha256sum <"$tmp/send" | cut -d' ' -f1)
QEMU=$(command -v qemu-system-x86_64)

# qemu_tap T NS IFNAME LOCAL REMOTE QUEUES: QEMU in NS (rtun: /dev/net/rtun bound
# over /dev/net/tun first), its pid in $qemu_pid, stderr in $tmp/T.IFNAME.err.
qemu_tap() {
	local t=$1 ns=$2 ifn=$3 bind=
	[ "$t" = rtun ] && bind="mount --bind /dev/net/rtun /dev/net/tun &&"
	unshare -m sh -c "$bind exec ip netns exec $ns timeout 120 $QEMU -machine none -nodefaults \
		-display none -monitor none -serial none \
		-netdev tap,id=t0,ifname=$ifn,script=no,downscript=no,vnet_hdr=on,queues=$6 \
		-netdev dgram,id=d0,local.type=unix,local.path=$4,remote.type=unix,remote.path=$5 \
		-netdev hubport,id=h0,hubid=0,netdev=t0 -netdev hubport,id=h1,hubid=0,netdev=d0" \
		>/dev/null 2>"$tmp/$t.$ifn.err" &
	qemu_pid=$!
}

# has_link NS IFNAME
has_link() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }
# qemu_errors T: QEMU's messages beyond the expected "hub with no nics".
qemu_errors() { cat "$tmp/$1".*.err 2>/dev/null | grep -v 'hub 0 with no nics\|terminating on signal\|netdev t0 has no peer' || true; }

declare -A vnet
for run in tun:1 rtun:1 tun:2 rtun:2; do
	t=${run%:*} nq=${run#*:}
	rm -f "$tmp/$t".*.err
	setup_ns a b
	rm -f "$tmp"/*.sock
	qemu_tap $t "$a" qa "$tmp/a.sock" "$tmp/b.sock" $nq; pa=$qemu_pid
	qemu_tap $t "$b" qb "$tmp/b.sock" "$tmp/a.sock" 1; pb=$qemu_pid
	if busywait 60000 has_link "$a" qa && busywait 60000 has_link "$b" qb; then
		ktap_ok "$t, queues=$nq: QEMU opened TAP devices qa and qb (vnet_hdr=on)"
	else
		ktap_fail "$t, queues=$nq: QEMU opened TAP devices qa and qb (vnet_hdr=on)"
		qemu_errors $t | sed 's/^/#   /' | head -n 10
	fi
	# What `ip -d link` says of the device: tun's printer, for rtun through
	# the link_rtun.so plugin.
	vnet[$run]=$(ip -n "$a" -d link show dev qa 2>&1 | grep -o 'type tap pi [a-z]* vnet_hdr [a-z]*\( multi_queue numqueues [0-9]* numdisabled [0-9]*\)\?')
	wantl="type tap pi off vnet_hdr on"
	[ $nq = 2 ] && wantl+=" multi_queue numqueues 2 numdisabled 0"
	expect_eq "$t, queues=$nq: qa is a TAP device with a virtio-net header" "$wantl" "${vnet[$run]}"
	for n in "$a:qa:10.28.0.1" "$b:qb:10.28.0.2"; do
		IFS=: read -r ns ifn addr <<<"$n"
		ip -n "$ns" addr add "$addr/24" dev "$ifn" 2>/dev/null
		ip -n "$ns" link set "$ifn" up 2>/dev/null
	done
	# From a to b with one queue each; from b to a when a has two.
	if [ $nq = 1 ]; then src=$a dst=$b daddr=10.28.0.2; else src=$b dst=$a daddr=10.28.0.1; fi
	check "$t, queues=$nq: $(ip netns exec $src ip -o -4 addr show | grep -o '10.28.0.[12]') pings $daddr through both QEMUs" \
		busywait 30000 ip netns exec "$src" ping -c 1 -W 1 -q $daddr
	rm -f "$tmp/recv"
	ip netns exec "$dst" timeout 60 socat -u TCP-LISTEN:5001,reuseaddr OPEN:"$tmp/recv",creat,trunc &
	rx=$!
	busywait 20000 eval "ip netns exec $dst ss -Hltn 'sport = :5001' | grep -q 5001"
	ip netns exec "$src" timeout 60 socat -u FILE:"$tmp/send" TCP:$daddr:5001
	wait $rx
	got=$(sha256sum <"$tmp/recv" 2>/dev/null | cut -d' ' -f1)
	expect_eq "$t, queues=$nq: 1 MiB over TCP to $daddr arrives intact (sha256)" "$want" "$got"
	kill $pa $pb 2>/dev/null
	wait $pa $pb 2>/dev/null
	check_fail "$t, queues=$nq: qa goes when its QEMU exits" has_link "$a" qa
	check_fail "$t, queues=$nq: qb goes when its QEMU exits" has_link "$b" qb
	errs=$(qemu_errors $t)
	expect_eq "$t, queues=$nq: QEMU printed no error" "" "$errs"
	# Both QEMUs ran until killed (a refused ioctl makes QEMU exit at once).
	check "$t, queues=$nq: both QEMUs ran until the end" test -z "$(grep -l 'terminating on signal' "$tmp/$t".*.err | wc -l | grep -vx 2)"
	cleanup_ns
done
for nq in 1 2; do
	expect_same "rtun = tun, queues=$nq: what ip -d link says of QEMU's TAP device" \
		'type tap pi (on|off) vnet_hdr (on|off)( multi_queue numqueues [0-9]+ numdisabled [0-9]+)?' \
		"${vnet[tun:$nq]}" "${vnet[rtun:$nq]}"
done
ktap_finish
