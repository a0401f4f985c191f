#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# socat as an independent tun client, on /dev/net/tun (the reference) and
# /dev/net/rtun alike: `socat TUN:10.202.0.1/24,tun-device=DEV,tun-name=...,
# iff-up[,iff-no-pi] UDP4-DATAGRAM:...` relays the device's packets over UDP
# on loopback to tunclient.py's udppeer, which plays the far host. Checked:
# the device socat made (flags, MTU, address set through SIOCSIF* ioctls),
# ping and a UDP datagram from the stack to the peer and back, an echo
# request from the peer into the stack, the device gone when socat exits;
# then rtun's results must equal tun's. With and without PI framing (two
# tunnels at once).
# /dev/net/rtun missing is a failure, not a skip.
. "$(dirname "$0")/lib.sh"
ktap_header
# The device check, 8 cases a device (one when it is missing), rtun = tun.
ktap_plan $((1 + 2 * 8 + 1))
[ "${RVNET_NO_LOAD:-0}" = 1 ] || ensure_rvnet || diag "rvnet.ko could not be loaded"

TUNCLIENT=$RVNET_ROOT/tests/tools/tunclient.py
# device:prefix; the kernel's tun first, it is the reference. RTUN_DEV
# points the rtun half elsewhere (RTUN_DEV=/dev/net/tun checks the test
# itself: both halves must then agree).
RTUN_DEV=${RTUN_DEV:-/dev/net/rtun}
RTUN_PATHS="/dev/net/tun:tun $RTUN_DEV:rtun"
tmp=$(mktemp -d); defer rm -rf "$tmp"

rtun_check_dev

# Under TCG every fork costs, so the parsing below uses bash builtins where
# it can (and so does busywait).

# link_attrs NS DEV PREFIX: the device's flags, MTU, qlen, link type and
# IPv4 address, with its name made relative to PREFIX.
link_attrs() {
	local l a re='^[0-9]+: ([^:]+): (<[^>]*>) mtu ([0-9]+)'
	l=$(ip -n "$1" -o link show dev "$2" 2>&1)
	if [[ $l =~ $re ]]; then
		printf '%s\n' "<P>${BASH_REMATCH[1]#"$3"}: ${BASH_REMATCH[2]} mtu ${BASH_REMATCH[3]}"
		[[ $l =~ (qlen [0-9]+) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
		[[ $l =~ (link/[a-z0-9]+) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
	else
		printf 'link: %s\n' "${l//$2/<dev>}"
	fi
	a=$(ip -n "$1" -o -4 addr show dev "$2" 2>&1)
	[[ $a =~ (inet [0-9./]+ (peer [0-9./]+ )?scope [a-z]+) ]] && a=${BASH_REMATCH[1]}
	printf 'addr: %s\n' "${a//$2/<dev>}"
}

is_up() { [[ $(ip -n "$1" -o link show dev "$2" 2>/dev/null) == *,UP* ]]; }
is_gone() { ! ip -n "$1" link show dev "$2" >/dev/null 2>&1; }

# One round per device, in a fresh netns: two socat tunnels at once, one
# without PI (device <P>sc0, 10.202.0.1/24, UDP 7001<->7002) and one with PI
# (<P>sc1, 10.203.0.1/24, UDP 7003<->7004), one udppeer serving both until
# it is sent SIGTERM.
for p in $RTUN_PATHS; do
	dev=${p%:*}; pfx=${p#*:}; out=$tmp/socat.$pfx
	if [ ! -c "$dev" ]; then
		ktap_fail "$pfx: socat tunnels # $dev missing"
		continue
	fi
	setup_ns ns
	: >"$out"
	ip netns exec "$ns" "${PYTHON:-python3}" -S "$TUNCLIENT" --path "$dev" --prefix "$pfx" --count 1 \
		--duration 60 udppeer \
		--tunnel nopi,7001,7002,10.202.0.2,10.202.0.1,nopi \
		--tunnel pi,7003,7004,10.203.0.2,10.203.0.1,pi >"$tmp/peer.$pfx" 2>&1 &
	peer=$!
	defer kill $peer
	socats=()
	for t in "0 10.202.0.1 7001 7002 ,iff-no-pi" "1 10.203.0.1 7003 7004 "; do
		read -r i addr to bind piopt <<<"$t"
		ip netns exec "$ns" socat -d -d \
			"TUN:$addr/24,tun-device=$dev,tun-name=${pfx}sc$i,iff-up$piopt" \
			"UDP4-DATAGRAM:127.0.0.1:$to,bind=127.0.0.1:$bind" 2>"$tmp/socat$i.$pfx" &
		socats+=($!)
		defer kill $!
	done
	for t in "0 10.202.0.2 no PI" "1 10.203.0.2 PI"; do
		read -r i far what <<<"$t"
		name=${pfx}sc$i
		if busywait 15000 is_up "$ns" "$name"; then
			ktap_ok "$pfx: socat ($what) made $name and set it up"
		else
			ktap_fail "$pfx: socat ($what) made $name and set it up"
			tail -n 10 "$tmp/socat$i.$pfx" | sed 's/^/#   socat: /'
		fi
		echo "== sc$i" >>"$out"
		link_attrs "$ns" "$name" "$pfx" >>"$out"
		# The peer may still be starting: the first ping waits for it.
		busywait 30000 grep -q '^# serving' "$tmp/peer.$pfx"
		if ip netns exec "$ns" ping -c 2 -i 0.2 -W 5 "$far" >/dev/null 2>&1; then
			echo "ping: ok" >>"$out"; ktap_ok "$pfx: ($what) ping through the tunnel"
		else
			echo "ping: failed" >>"$out"; ktap_fail "$pfx: ($what) ping through the tunnel"
		fi
		# shut-null: EOF goes over as an empty datagram, which the peer
		# echoes back; socat then ends without waiting out -t.
		reply=$(echo "hello over sc$i" | ip netns exec "$ns" timeout 15 \
			socat -T 8 -t 8 - "UDP4:$far:9000,shut-null" 2>/dev/null)
		echo "udp: $reply" >>"$out"
		expect_eq "$pfx: ($what) UDP datagram through the tunnel and back" \
			"hello over sc$i" "$reply"
	done
	# The peer pinged both devices and answered ping and UDP.
	kill -TERM $peer 2>/dev/null
	wait $peer
	rc=$?
	if [ $rc -eq 0 ]; then
		ktap_ok "$pfx: udppeer: its pings answered, it answered ping and UDP (both tunnels)"
	else
		ktap_fail "$pfx: udppeer: its pings answered, it answered ping and UDP (both tunnels)"
		sed 's/^/#   peer: /' "$tmp/peer.$pfx" | head -n 20
	fi
	grep -v '^# ' "$tmp/peer.$pfx" | sed 's/^/peer /' >>"$out"
	kill "${socats[@]}" 2>/dev/null
	wait "${socats[@]}" 2>/dev/null
	gone=yes
	for i in 0 1; do
		busywait 5000 is_gone "$ns" "${pfx}sc$i" || gone=no
	done
	echo "gone: $gone" >>"$out"
	expect_eq "$pfx: both devices gone when socat exits" yes "$gone"
	cleanup_ns
done

if [ ! -c "$RTUN_DEV" ]; then
	ktap_fail "rtun = tun: socat tunnels # $RTUN_DEV missing"
elif ! grep -q '^gone: ' "$tmp/socat.tun" 2>/dev/null || ! grep -q '^gone: ' "$tmp/socat.rtun" 2>/dev/null; then
	# Two missing or empty results never agree: each ran to its end.
	ktap_fail "rtun = tun: socat tunnels # not run to the end on both"
else
	expect_files_eq "rtun = tun: socat tunnels" "$tmp/socat.tun" "$tmp/socat.rtun"
	sed -n '2,5p' "$tmp/socat.tun" | sed 's/^/# /'
fi
ktap_finish
