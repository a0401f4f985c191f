#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real client: the tun-rs crate (crates.io tun-rs, pinned in
# tests/clients/tunrs-echo/Cargo.toml), through its sync API in
# tunrs-echo, a userspace host behind a TUN device. tun-rs opens
# /dev/net/tun, TUNSETIFF (IFF_TUN | IFF_NO_PI, name tr0), TUNSETOFFLOAD 0
# (its failure is fatal to the crate), then TUNGETIFF for the name before
# each SIOCSIFADDR 10.29.0.1, SIOCSIFNETMASK /24, SIOCGIFFLAGS/SIOCSIFFLAGS
# (IFF_UP) on an AF_INET socket. tunrs-echo then plays 10.29.0.2: it
# answers ICMP echo requests and sends UDP datagrams to port 7 back, every
# checksum recomputed (requests with a wrong one are counted as bad, not
# answered). Checked: the device tun-rs made, ping -c 5 all answered, a UDP
# round trip with the payload and the swapped addresses, the client's
# counters at SIGTERM, the device gone when it exits; then rtun's steps
# must equal tun's. tun-rs hardcodes /dev/net/tun: the client runs in a
# private mount namespace with the device under test bound over that path
# (for tun, /dev/net/tun over itself: the same command line), the kernel's
# tun first (the reference), then rtun. RTUN_DEV points the rtun half
# elsewhere (RTUN_DEV=/dev/net/tun checks the test itself: both halves must
# then agree). The client is built on the host (`make clients`,
# scripts/clients.sh) into the cache; missing, every case fails.
. "$(dirname "$0")/lib.sh"
ktap_header
# The device check, 7 cases a device, rtun = tun.
ktap_plan $((1 + 2 * 7 + 1))
[ "${RVNET_NO_LOAD:-0}" = 1 ] || ensure_rvnet || diag "rvnet.ko could not be loaded"

RTUN_DEV=${RTUN_DEV:-/dev/net/rtun}
TUNRS=$(client_bin tunrs-echo)
tmp=$(mktemp -d); defer rm -rf "$tmp"
NL=$'\n'

rtun_check_dev
[ -x "$TUNRS" ] || diag "no tunrs-echo at $TUNRS: run 'make clients' on the host"

# tunrs_start T DEV NS: tunrs-echo in NS making tr0 on DEV (bound over
# /dev/net/tun), bounded (its own 90 s, timeout's 120 s); its pid (that of
# timeout, which passes SIGTERM on) in $tunrs_pid, stdout in $tmp/T.out,
# stderr in $tmp/T.err.
tunrs_start() {
	unshare -m sh -c "mount --bind '$2' /dev/net/tun && exec ip netns exec '$3' \
		timeout 120 '$TUNRS' tr0 --addr 10.29.0.1/24 --host 10.29.0.2 --seconds 90" \
		>"$tmp/$1.out" 2>"$tmp/$1.err" &
	tunrs_pid=$!
}

# Under TCG every fork costs: the parsing uses bash builtins where it can.
# link_line NS: tr0's flags, MTU, qlen and link type.
link_line() {
	local l re='^[0-9]+: tr0: (<[^>]*>) mtu ([0-9]+)' r
	l=$(ip -n "$1" -o link show dev tr0 2>&1)
	if [[ $l =~ $re ]]; then
		r="link ${BASH_REMATCH[1]} mtu ${BASH_REMATCH[2]}"
		[[ $l =~ (qlen [0-9]+) ]] && r+=" ${BASH_REMATCH[1]}"
		[[ $l =~ (link/[a-z0-9]+) ]] && r+=" ${BASH_REMATCH[1]}"
	else
		r="link: ${l%%"$NL"*}"
	fi
	echo "$r"
}
# addr_line NS: tr0's IPv4 address.
addr_line() {
	local a
	a=$(ip -n "$1" -o -4 addr show dev tr0 2>&1)
	[[ $a =~ (inet [0-9./]+ (peer [0-9./]+ )?scope [a-z]+) ]] && a=${BASH_REMATCH[1]}
	echo "addr ${a%%"$NL"*}"
}
has_tr0() { ip -n "$1" link show dev tr0 >/dev/null 2>&1; }
is_gone() { ! has_tr0 "$1"; }
# started T PID: tunrs-echo said ready, or is gone (no use waiting).
started() { grep -q '^ready ' "$tmp/$1.out" || ! kill -0 "$2" 2>/dev/null; }
# One datagram to 10.29.0.2:7 (argv[1]); prints "ADDR:PORT DATA" of the
# reply, waited for 10 s.
UDP_ECHO='
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(sys.argv[1].encode(), ("10.29.0.2", 7))
d, a = s.recvfrom(65536)
print("%s:%d %s" % (a[0], a[1], d.decode(errors="replace")))'

declare -A res
for p in "/dev/net/tun:tun" "$RTUN_DEV:rtun"; do
	dev=${p%:*}; t=${p#*:}; out=$tmp/$t.out; r=
	setup_ns ns
	# No IPv6 on tr0: nothing but the test's packets reaches the client.
	no_ipv6 "$ns"
	tunrs_start "$t" "$dev" "$ns"; pid=$tunrs_pid
	defer kill $pid

	busywait 60000 started "$t" $pid
	ready=$(grep -m1 '^ready ' "$out")
	r+="${ready:-no ready}$NL"
	if [ "$ready" = "ready tr0" ] && has_tr0 "$ns"; then
		ktap_ok "$t: tun-rs made tr0 ($dev bound over /dev/net/tun), tunrs-echo ready"
	else
		ktap_fail "$t: tun-rs made tr0 ($dev bound over /dev/net/tun), tunrs-echo ready"
		sed 's/^/#   stderr: /' "$tmp/$t.err" | head -n 10
		# Which of tun-rs's ioctls failed: once more under strace (--count 0
		# ends right after ready).
		[ -x "$TUNRS" ] && unshare -m sh -c "mount --bind '$dev' /dev/net/tun && exec ip netns exec \
			'$ns' timeout 60 strace -e trace=openat,ioctl '$TUNRS' tr1 --count 0" 2>&1 |
			grep '/dev/net/tun\|ioctl(' | grep -v '= 0$' | sed 's/^/#   strace: /' | head -n 5
	fi

	link=$(link_line "$ns"); addr=$(addr_line "$ns")
	r+="$link$NL$addr$NL"
	flags=${link#link }; flags=${flags%% *}
	expect_eq "$t: tr0 up with 10.29.0.1/24 (set by tun-rs through SIOCSIF* ioctls)" \
		"<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> inet 10.29.0.1/24 scope global" \
		"$flags ${addr#addr }"

	ping=$(ip netns exec "$ns" timeout 30 ping -c 5 -i 0.2 -W 5 -q 10.29.0.2 2>&1)
	re='([0-9]+) packets transmitted, ([0-9]+) received'
	if [[ $ping =~ $re ]]; then
		ping="${BASH_REMATCH[1]} transmitted, ${BASH_REMATCH[2]} received"
	else
		ping="no summary: ${ping%%"$NL"*}"
	fi
	r+="ping $ping$NL"
	expect_eq "$t: ping -c 5 10.29.0.2: every echo request answered by tunrs-echo" \
		"5 transmitted, 5 received" "$ping"

	# 1200 bytes: the checksums cover more than one word of payload.
	payload=$(head -c 600 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
	reply=$(ip netns exec "$ns" timeout 30 "${PYTHON:-python3}" -S -c "$UDP_ECHO" "$payload" 2>&1 | tail -n 1)
	reply=${reply//$payload/<payload>}
	r+="udp $reply$NL"
	expect_eq "$t: UDP to 10.29.0.2:7 comes back from 10.29.0.2:7 with its 1200 bytes" \
		"10.29.0.2:7 <payload>" "${reply:0:200}"

	# SIGTERM: the client prints its counters, closes the fd and exits 0.
	had=no; has_tr0 "$ns" && had=yes
	kill -TERM $pid 2>/dev/null
	busywait 20000 eval "! kill -0 $pid 2>/dev/null" || kill -KILL $pid 2>/dev/null
	wait $pid
	rc=$?
	end=$(grep -m1 '^end ' "$out")
	err=$(head -c 300 "$tmp/$t.err")
	r+="exit $rc ${end:-no end}$NL"
	expect_eq "$t: tunrs-echo ends on SIGTERM: exit 0, 'end signal', nothing on stderr" \
		"0|end signal|" "$rc|$end|$err"

	counters=$(grep -m1 '^counters ' "$out")
	r+="${counters:-no counters}$NL"
	expect_eq "$t: tunrs-echo answered 5 echo requests and 1 datagram, saw nothing else" \
		"counters icmp=5 udp=1 bad=0 other=0" "$counters"

	# There until then (else it cannot go), gone after.
	if [ $had = no ]; then gone="not there at SIGTERM"
	elif busywait 10000 is_gone "$ns"; then gone=yes
	else gone=no; fi
	r+="gone $gone"
	expect_eq "$t: tr0 there until tunrs-echo exits, gone after" yes "$gone"
	res[$t]=$r
	cleanup_ns
done

# Each step's line of the form it has when the step ran (a failed step
# still has it, with tun's and rtun's values then compared).
L="[^$NL]*"
form="ready tr0${NL}link <[A-Z_,]*> mtu [0-9]+( qlen [0-9]+)?( link/[a-z0-9]+)?${NL}addr $L${NL}"
form+="ping [0-9]+ transmitted, [0-9]+ received${NL}udp $L${NL}exit [0-9]+ end [a-z]+${NL}"
form+="counters icmp=[0-9]+ udp=[0-9]+ bad=[0-9]+ other=[0-9]+${NL}gone (yes|no|not there at SIGTERM)"
expect_same "rtun = tun: tun-rs's device and tunrs-echo's steps" "$form" "${res[tun]}" "${res[rtun]}"
sed -n '2,3p' <<<"${res[tun]}" | sed 's/^/# tun: /'
ktap_finish
