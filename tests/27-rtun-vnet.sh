#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rtun's virtio-net header (IFF_VNET_HDR) against the kernel's tun, a
# differential test: tests/tools/vnettest.c runs the same steps on
# /dev/net/tun (the reference) and on /dev/net/rtun, each in a fresh netns.
# Per device: vnettest's own checks (each step has the result 7.3's tun
# gives, read in drivers/net/tun.c, tun_vnet.h, include/linux/virtio_net.h);
# then rtun's step lines must equal tun's.
#   ioctls tun|tap: TUNGETFEATURES, TUNGETIFF, TUNGET/SETVNETHDRSZ,
#           TUNGET/SETVNETLE, TUNGET/SETVNETBE (EINVAL without
#           CONFIG_TUN_VNET_CROSS_LE), TUNSETOFFLOAD (each bit, the
#           features it leaves, as ETHTOOL_GFEATURES shows them),
#           TUNSETNOCSUM, TUNSETDEBUG (the ethtool msglevel), TUNGET/
#           SETSNDBUF, TUNSETCARRIER (sysfs carrier), EBADFD unattached
#   inject tun|tap: write() with headers: zero, NEEDS_CSUM, DATA_VALID,
#           refused ones (EINVAL, rx_frame_errors), hdr_len and short
#           writes (EINVAL), UDP GSO into four datagrams, header sizes
#   read tun|tap: read() headers of the stack's UDP packets: offloads 0,
#           CSUM, USO, short buffers, header sizes, the UDP tunnel's size
#   relay:  two devices in two netns, vnettest relaying between them with
#           the headers passed unchanged; 4 MiB over TCP, with offloads
#           CSUM|TSO4|TSO6 (GSO TCPV4 packets > MTU) and without (none)
# /dev/net/rtun missing is a failure, not a skip.
. "$(dirname "$0")/lib.sh"
ktap_header
# rtun_check_dev, the build, 6 step-line runs (ioctls, inject, read; TUN
# and TAP) of 3 cases, 2 relays of 5 cases.
ktap_plan $((2 + 6 * 3 + 2 * 5))
. "$(dirname "$0")/rtun_lib.sh"
rtun_check_dev

VT=$tmp/vnettest
check "vnettest.c builds" gcc -O2 -Wall -o "$VT" "$RVNET_ROOT/tests/tools/vnettest.c"

for what in ioctls inject read; do
	for mode in tun tap; do
		tool_steps "$VT" "$what $mode" $what $mode
	done
done

# --- relay -------------------------------------------------------------------
# 4 MiB of random data from 10.77.0.1 (netns A) to 10.77.0.2 (netns B), the
# devices' packets relayed by `vnettest DEV relay A B OFFLOADS`.
BYTES=$((4 << 20))
head -c $BYTES /dev/urandom >"$tmp/data"
sum=$(sha256sum <"$tmp/data")

# shape JSON: what the relay saw, as categories (the counts vary).
shape() {
	jq -r 'def yn(n): if n > 0 then "yes" else "no" end;
	def dir(d): "gso_tcpv4 \(yn(d.gso_tcpv4)), gso_other \(yn(d.gso_tcpv6 + d.gso_other)), " +
		"over 1500 \(yn(d.max_len - 1500)), needs_csum \(yn(d.needs_csum)), " +
		"data_valid \(yn(d.data_valid))";
	"a->b: \(dir(.a_to_b)); b->a: \(dir(.b_to_a)); errors \(.a_to_b.read_errors +
		.a_to_b.write_errors + .a_to_b.short_writes + .b_to_a.read_errors +
		.b_to_a.write_errors + .b_to_a.short_writes)"' <<<"$1" 2>/dev/null
}

# relay DEV OFFLOADS OUT: the transfer; OUT.data is what B received, OUT
# the relay's output (its JSON last), OUT.log what went wrong.
relay() {
	local dev=$1 off=$2 out=$3 rpid spid a b
	: >"$out.log"
	rm -f "$out.data"
	setup_ns na nb
	no_ipv6 "$na" "$nb"
	timeout 120 "$VT" "$dev" relay "$na" "$nb" "$off" >"$out" 2>>"$out.log" &
	rpid=$!
	# Ready, or gone (a set-up error): no use waiting.
	busywait 10000 eval "grep -q '^ready\$' '$out' || ! kill -0 $rpid 2>/dev/null"
	if ! grep -q '^ready$' "$out"; then
		echo "relay not ready: $(tail -n 2 "$out")" >>"$out.log"
		kill $rpid 2>/dev/null; wait $rpid
		cleanup_ns
		return 1
	fi
	a=$(sed -n 's/^a: //p' "$out"); b=$(sed -n 's/^b: //p' "$out")
	ip -n "$na" addr add 10.77.0.1/24 dev "$a" && ip -n "$na" link set "$a" up &&
		ip -n "$nb" addr add 10.77.0.2/24 dev "$b" && ip -n "$nb" link set "$b" up ||
		echo "could not configure $a and $b" >>"$out.log"
	ip netns exec "$nb" timeout 50 "$VT" sink 5001 "$out.data" >"$out.sink" 2>&1 &
	spid=$!
	busywait 10000 eval "grep -q '^listening\$' '$out.sink' || ! kill -0 $spid 2>/dev/null"
	grep -q '^listening$' "$out.sink" ||
		echo "sink not listening: $(cat "$out.sink")" >>"$out.log"
	ip netns exec "$na" timeout 45 "$VT" send 10.77.0.2 5001 "$tmp/data" >>"$out.log" 2>&1 ||
		echo "send failed" >>"$out.log"
	wait $spid || echo "sink failed: $(cat "$out.sink")" >>"$out.log"
	kill -TERM $rpid 2>/dev/null; wait $rpid
	cleanup_ns
}

NOGSO="gso_tcpv4 no, gso_other no, over 1500 no"
for t in "0x7 CSUM|TSO4|TSO6" "0x0 no offloads"; do
	read -r off what <<<"$t"
	case $off in
	0x7) want="a->b: gso_tcpv4 yes, gso_other no, over 1500 yes, needs_csum yes, data_valid no; b->a: $NOGSO, needs_csum yes, data_valid no; errors 0" ;;
	0x0) want="a->b: $NOGSO, needs_csum no, data_valid no; b->a: $NOGSO, needs_csum no, data_valid no; errors 0" ;;
	esac
	declare -A got=()
	for p in $RTUN_PATHS; do
		dev=${p%:*}; pfx=${p#*:}; out=$tmp/relay.$pfx.$off
		if [ ! -c "$dev" ] || [ ! -x "$VT" ]; then
			ktap_fail "$pfx relay, $what: 4 MiB from A to B intact # $dev or vnettest missing"
			ktap_fail "$pfx relay, $what: the packets"
			continue
		fi
		relay "$dev" "$off" "$out"
		rx=$([ -f "$out.data" ] && sha256sum <"$out.data")
		if [ "$rx" = "$sum" ] && [ "$(stat -c %s "$out.data")" = $BYTES ]; then
			ktap_ok "$pfx relay, $what: 4 MiB from A to B intact"
		else
			ktap_fail "$pfx relay, $what: 4 MiB from A to B intact"
			diag "received $(stat -c %s "$out.data" 2>/dev/null || echo no) bytes"
			sed 's/^/#   /' "$out.log" | head -n 10
		fi
		got[$pfx]=$(shape "$(tail -n 1 "$out")")
		expect_eq "$pfx relay, $what: the packets" "$want" "${got[$pfx]}"
		[ "${got[$pfx]}" = "$want" ] || diag "relay output: $(tail -n 2 "$out" | tr '\n' ' ')"
	done
	expect_same "rtun = tun: relay, $what: the packets" "a->b: .*; b->a: .*; errors [0-9]+" \
		"${got[tun]:-}" "${got[rtun]:-}"
	unset got
done
ktap_finish
