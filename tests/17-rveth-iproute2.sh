#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iproute2 with rvnet's plugins (tools/ipplugin, IP_LIB_DIR from lib.sh),
# veth and tun side by side:
# - `ip link add ... type rveth peer ...` sends what `type veth` sends with
#   the kind changed (the RTM_NEWLINK request decoded from strace), for the
#   link options users put on either end, and makes the same pair;
# - bad `peer` arguments give iproute2's own messages and exit codes, with
#   the kind's name in them, never a crash of ip;
# - `ip -d link show` of an rveth end prints what it prints for veth, and of
#   an rtun device (made by `ip tuntap` itself, through a bind mount) what
#   it prints for tun: tun's IFLA_INFO_DATA, which rtun fills alike.
. "$(dirname "$0")/lib.sh"
NLREQ=$RVNET_ROOT/tests/tools/nlreq.py

requests=(
	"name K1 type KIND peer name K2"
	"name K1 type KIND peer K2"
	"name K1 type KIND"
	"name K1 mtu 1400 txqueuelen 50 type KIND peer name K2 mtu 1300 address 02:00:00:00:00:0b txqueuelen 100 numtxqueues 2 numrxqueues 3"
	"name K1 index 300 type KIND peer name K2 index 301"
	"name K1 type KIND peer name K2 netns NSP"
	"name K1 address 02:00:00:00:00:0a type KIND peer name K2 gso_max_size 32768 gro_max_size 32768"
)
errors=(
	"name K1 type KIND foo"
	"name K1 type KIND help"
	"name K1 type KIND peer name K2 type dummy"
	"name K1 type KIND peer name K2 mtu"
	"name K1 type KIND peer name K2 mtu lots"
	"name K1 type KIND peer name"
	"name K1 type KIND peer name K2 netns nosuchns"
	"name K1 type KIND peer name K2 address zz:zz"
	"name K1 type KIND peer name K2 name K3"
	"name K1 type KIND peer name aaaaaaaaaaaaaaaaaaaaaaaaa"
)
tuns=(
	"mode tun"
	"mode tap pi"
	"mode tap user 1000 group 100"
)
ktap_header
ktap_plan $((${#requests[@]} * 2 + ${#errors[@]} + 4 + ${#tuns[@]}))
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"

# args KIND TEMPLATE: the template for one kind (end names per kind).
args() {
	local k=${1:0:2}
	sed -e "s/KIND/$1/g; s/K1/${k}1/g; s/K2/${k}2/g; s/K3/${k}3/g; s/NSP/$nsp/g" <<<"$2"
}

# veth_as_rveth: the veth reference, as rveth's would read (kind and names).
veth_as_rveth() { sed -e 's/\bveth\([0-9]*\)\b/rveth\1/g; s/\bve\([123]\)\b/rv\1/g'; }

for t in "${requests[@]}"; do
	setup_ns nsp ns_veth ns_rveth
	for kind in veth rveth; do
		ns=ns_$kind; ns=${!ns}
		ip netns exec "$ns" python3 "$NLREQ" ip link add $(args $kind "$t") >"$tmp/req.$kind"
		{ ip -n "$ns" -o link show; ip -n "$nsp" -o link show | grep ": ${kind:0:2}"; } |
			sed -e 's/^[0-9]*: //; s/ link\/ether .*//; s/@[^:]*:/:/' |
			grep -v '^lo:' | sort >"$tmp/links.$kind"
	done
	cleanup_ns
	veth_as_rveth <"$tmp/req.veth" >"$tmp/req.ref"
	if grep -q "^kind 'rveth'\|^  kind 'rveth'" "$tmp/req.rveth" && grep -q '^exit 0$' "$tmp/req.veth"; then
		expect_files_eq "request of 'ip link add $t' as veth's" "$tmp/req.ref" "$tmp/req.rveth"
	else
		ktap_fail "request of 'ip link add $t' as veth's"
		diag "veth: $(tr '\n' '|' <"$tmp/req.veth")"
		diag "rveth: $(tr '\n' '|' <"$tmp/req.rveth")"
	fi
	veth_as_rveth <"$tmp/links.veth" >"$tmp/links.ref"
	expect_same "links made by 'ip link add $t' as veth's" '.+' \
		"$(cat "$tmp/links.ref")" "$(cat "$tmp/links.rveth")"
done

for t in "${errors[@]}"; do
	for kind in veth rveth; do
		setup_ns ns
		ip netns exec "$ns" ip link add $(args $kind "$t") >"$tmp/out.$kind" 2>&1
		echo "exit $?" >>"$tmp/out.$kind"
		ip -n "$ns" -o link show | grep -vc ': lo:' >>"$tmp/out.$kind"
		cleanup_ns
	done
	veth_as_rveth <"$tmp/out.veth" >"$tmp/out.ref"
	expect_same "'ip link add $t': veth's message, exit code, nothing made" \
		'.*exit [0-9]+'$'\n''0' "$(cat "$tmp/out.ref")" "$(cat "$tmp/out.rveth")"
done

# Both ends up at creation: veth fails to open the peer before the pair is
# linked (ENOTCONN, printed as strerror); rveth fails alike and says so in
# an extack message. Same exit code, nothing made.
for kind in veth rveth; do
	setup_ns ns
	ip netns exec "$ns" ip link add $(args $kind "name K1 up type KIND peer name K2 up") >"$tmp/up.$kind" 2>&1
	echo "exit $? links $(ip -n "$ns" -o link show | grep -vc ': lo:')" >>"$tmp/up.$kind"
	cleanup_ns
done
if grep -q '^RTNETLINK answers: Transport endpoint is not connected$' "$tmp/up.veth" &&
	grep -q '^Error: rveth: cannot configure the peer device\.$' "$tmp/up.rveth" &&
	[ "$(tail -n1 "$tmp/up.veth")" = "exit 2 links 0" ] && [ "$(tail -n1 "$tmp/up.rveth")" = "exit 2 links 0" ]; then
	ktap_ok "'ip link add ... up type KIND peer ... up': refused as veth, with an extack message"
else
	ktap_fail "'ip link add ... up type KIND peer ... up': refused as veth, with an extack message"
	diag "veth: $(tr '\n' '|' <"$tmp/up.veth") rveth: $(tr '\n' '|' <"$tmp/up.rveth")"
fi

expect_same "ip link help rveth: veth's usage" '.*Usage.*' \
	"$(ip link help veth 2>&1 | veth_as_rveth; echo "exit ${PIPESTATUS[0]}")" \
	"$(ip link help rveth 2>&1; echo "exit $?")"

setup_ns ns
for kind in veth rveth; do
	k=${kind:0:2}
	ip -n "$ns" link add name ${k}1 type $kind peer name ${k}2
	ip -n "$ns" -d -j link show dev ${k}1 | jq -c '.[0].linkinfo' >"$tmp/d.$kind"
	ip -n "$ns" -d link show dev ${k}1 | sed -n 3p | awk '{print $1}' >"$tmp/dt.$kind"
done
expect_same "ip -d -j link: rveth's linkinfo as veth's" '\{.*\}' \
	"$(veth_as_rveth <"$tmp/d.veth")" "$(cat "$tmp/d.rveth")"
expect_same "ip -d link: the kind line as veth's" '[a-z]+' \
	"$(veth_as_rveth <"$tmp/dt.veth")" "$(cat "$tmp/dt.rveth")"
cleanup_ns

# ip tuntap, the real client, on /dev/net/tun and (bind-mounted) on rtun.
for t in "${tuns[@]}"; do
	for node in tun rtun; do
		unshare -m bash -c "
			[ $node = tun ] || mount --bind /dev/net/rtun /dev/net/tun || exit 1
			ip tuntap add dev ${node}9 $t" || echo "ip tuntap add failed" >&2
		ip -d -j link show dev ${node}9 | jq -c '.[0].linkinfo' >"$tmp/t.$node"
		ip tuntap del dev ${node}9 mode ${t#mode } 2>/dev/null || ip link del dev ${node}9
	done
	expect_same "ip -d -j link after 'ip tuntap add $t': rtun's linkinfo as tun's" \
		'\{"info_kind":"r?tun","info_data":\{.+\}\}' \
		"$(sed 's/"info_kind":"tun"/"info_kind":"rtun"/' "$tmp/t.tun")" "$(cat "$tmp/t.rtun")"
done
ktap_finish
