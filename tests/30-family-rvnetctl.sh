#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rvnetctl drives the rvnet family: pair add/show/list/del, tun
# add/show/list/del, -n NETNS, --peer-netns; its JSON keeps a fixed shape and
# agrees with `ip -j link` (ifindex, ifname, mtu, peer, counters after a
# ping) and, for tun add --vnet-hdr --multi-queue, with `ip -d link`
# (vnet_hdr, multi_queue, queue counts with files attached and one queue
# disabled); pairs made with `ip link add ... type rveth` are listed; errors
# map to iproute2's exit codes with the kernel's message.
# (Every process costs ~1 s under a loaded TCG: values are read in batches.)
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 75
ensure_rvnet
tmp=$(mktemp -d); defer rm -rf "$tmp"
rvnetctl_from "$tmp"
setup_ns n1 n2

# run_rc CMD...: "RC|first line of stderr" of CMD (stdout discarded).
run_rc() { local err rc; err=$("$@" 2>&1 >/dev/null); rc=$?; echo "$rc|${err%%$'\n'*}"; }
# here DEV: does DEV exist in this (the root) namespace? (sysfs: no process)
here() { [ -e "/sys/class/net/$1" ]; }
# ip_j DEV [NS] [-s]: `ip -j link show dev DEV` in NS.
ip_j() { ip ${2:+-n "$2"} -j ${3:-} link show dev "$1"; }
PAIR_KEYS='["carrier","ifindex","ifname","link","link_index","mtu","stats64"]'
DIR_KEYS='["bytes","dropped","packets"]'

# --- pair add / show / list / del --------------------------------------------
defer ip link del fa
out=$(rvnetctl -j pair add fa --peer fb); rc=$?
expect_eq "pair add: exit 0, prints the new end" "0 fa fb" "$rc $(jq -r '.[0] | "\(.ifname) \(.link)"' <<<"$out")"
check "pair add: the peer exists" here fb

json=$(rvnetctl -j pair show fa)
read -r keys skeys rxkeys txkeys carrier <<<"$(jq -c '.[0] | keys, (.stats64 | keys), (.stats64.rx | keys), (.stats64.tx | keys), .carrier' <<<"$json" | tr '\n' ' ')"
expect_eq "pair show -j: key set" "$PAIR_KEYS" "$keys"
expect_eq "pair show -j: stats64 keys" '["rx","tx"]' "$skeys"
expect_eq "pair show -j: stats64.rx keys" "$DIR_KEYS" "$rxkeys"
expect_eq "pair show -j: stats64.tx keys" "$DIR_KEYS" "$txkeys"
expect_eq "pair show -j: carrier is a boolean, off while down" false "$carrier"
filter='.[0] | "\(.ifindex) \(.ifname) \(.mtu) \(.link)"'
expect_same "pair show agrees with ip -j link: ifindex ifname mtu link" "[0-9]+ fa [0-9]+ fb" \
	"$(ip_j fa | jq -r "$filter")" "$(jq -r "$filter" <<<"$json")"
expect_same "pair show: link_index is the peer's ifindex" "$RE_NUM" \
	"$(ip_j fb | jq -r '.[0].ifindex')" "$(jq -r '.[0].link_index' <<<"$json")"

table=$(rvnetctl pair show fa)
check "pair show: table header" grep -q '^IFINDEX  *IFNAME  *PEER  *PEER-IFINDEX  *PEER-NETNSID  *MTU  *CARRIER$' <<<"$table"
check "pair show: table row" grep -Eq "^[0-9]+ +fa +fb +[0-9]+ +- +1500 +down$" <<<"$table"
check "pair show -s: counters in the table" grep -q 'CARRIER  *RX-PACKETS.*TX-DROPPED$' <<<"$(rvnetctl -s pair show fa)"
list=$(rvnetctl -j pair list)
expect_eq "pair list -j: both ends, each with its peer" "fa:fb fb:fa" \
	"$(jq -r '[.[] | select(.ifname == "fa" or .ifname == "fb") | "\(.ifname):\(.link)"] | sort | join(" ")' <<<"$list")"
expect_eq "pair list: table" 2 "$(rvnetctl pair list | grep -Ec '^[0-9]+ +(fa +fb|fb +fa) ')"
expect_same "info counts the ends pair list shows" "$RE_NUM" "$(jq length <<<"$list")" "$(rvnetctl -j info | jq .pairs)"

expect_eq "pair del (by the peer's name): exit 0" "0|" "$(run_rc rvnetctl pair del fb)"
check_fail "pair del: both ends gone" bash -c '[ -e /sys/class/net/fa ] || [ -e /sys/class/net/fb ]'
expect_eq "pair show of a deleted end: exit 2, the kernel's message" \
	"2|Error: no such rveth device." "$(run_rc rvnetctl pair show fa)"

# --- mtu, auto-named peer, refusals -------------------------------------------
defer ip link del fm
out=$(rvnetctl -j pair add fm --mtu 9000)
peer=$(jq -r '.[0].link' <<<"$out")
check "pair add without --peer: the kernel names it rvethN" grep -Eq '^rveth[0-9]+$' <<<"$peer"
expect_eq "pair add --mtu: both ends, and ip agrees" "9000 9000 $peer" \
	"$(jq -r '.[0].mtu' <<<"$out") $(ip_j "$peer" | jq -r '.[0].mtu') $(ip_j fm | jq -r '.[0].link')"
before=$(links)
expect_eq "pair add of a used name: exit 2, extack" "2|Error: rveth: name already in use." "$(run_rc rvnetctl pair add fm)"
expect_eq "pair add --peer of a used name: exit 2, extack" \
	"2|Error: rveth: peer name already in use." "$(run_rc rvnetctl pair add fz --peer fm)"
expect_eq "pair add --mtu 10: exit 2, extack" "2|Error: rveth: MTU must be between 68 and 65535." \
	"$(run_rc rvnetctl pair add fz --mtu 10)"
expect_same "refused pair adds left nothing behind (not even a peer)" "$RE_LINKS" "$before" "$(links)"
expect_eq "too long a name: usage error (255), nothing sent" 255 "$(run_rc rvnetctl pair add sixteen-chars-12 | cut -d'|' -f1)"
expect_eq "unknown --peer-netns: exit 1" \
	"1|Error: cannot open network namespace \"rvnet-nosuch\": No such file or directory." \
	"$(run_rc rvnetctl pair add fz --peer-netns rvnet-nosuch)"
expect_eq "show of a non-rveth device: exit 2" "2|Error: no such rveth device." "$(run_rc rvnetctl pair show lo)"
rvnetctl pair del fm

# --- pairs made by ip link -------------------------------------------------------
defer ip link del fi
ip link add name fi type rveth
ipeer=$(ip_j fi | jq -r '.[0].link')
expect_eq "ip link add ... type rveth: both ends in pair list" "fi:$ipeer $ipeer:fi" \
	"$(rvnetctl -j pair list | jq -r --arg p "$ipeer" '[.[] | select(.ifname == "fi" or .ifname == $p) | "\(.ifname):\(.link)"] | sort | join(" ")')"
rvnetctl pair del fi
check_fail "ip-made pair deleted by rvnetctl" here fi

# --- -n NETNS -----------------------------------------------------------------
rvnetctl -n "$n1" pair add na --peer nb >/dev/null
expect_eq "-n: the pair is in the namespace, not here" "na nb|" \
	"$(ip -n "$n1" -j link show type rveth | jq -r '[.[].ifname] | sort | join(" ")')|$(ls /sys/class/net | grep -x 'n[ab]')"
expect_eq "-n: pair list of the namespace" "na nb" "$(rvnetctl -n "$n1" -j pair list | jq -r '[.[].ifname] | sort | join(" ")')"
expect_eq "-n: no such namespace: exit 1" \
	"1|Error: cannot open network namespace \"rvnet-nosuch\": No such file or directory." \
	"$(run_rc rvnetctl -n rvnet-nosuch pair list)"
rvnetctl -n "$n1" pair del na
expect_eq "-n: pair del" "[]" "$(rvnetctl -n "$n1" -j pair list)"

# --- --peer-netns: ends in two namespaces, then traffic ---------------------------
for ns in $n1 $n2; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1; done
out=$(rvnetctl -n "$n1" -j pair add p1 --peer p2 --peer-netns "$n2")
# The spec: peer-netnsid is absent only when the peer is in the same netns.
expect_eq "pair add --peer-netns: the reply has link_netnsid (peer elsewhere)" true "$(jq '.[0] | has("link_netnsid")' <<<"$out")"
expect_eq "pair add --peer-netns: the peer is there, not here" "p2|" \
	"$(ip -n "$n2" -j link show type rveth | jq -r '[.[].ifname] | join(" ")')|$(ip -n "$n1" -o link show dev p2 2>/dev/null)"
filter='.[0] | "\(.link_index) \(.link_netnsid)"'
ipj=$(ip_j p1 "$n1" | jq -r "$filter")       # ip makes the netns id if none was made yet
j1=$(rvnetctl -n "$n1" -j pair show p1)
expect_same "peer elsewhere: link_index and link_netnsid agree with ip" "[0-9]+ [0-9]+" "$ipj" "$(jq -r "$filter" <<<"$j1")"
expect_same "peer elsewhere: link_index is the peer's ifindex there" "$RE_NUM" \
	"$(ip_j p2 "$n2" | jq '.[0].ifindex')" "$(jq '.[0].link_index' <<<"$j1")"
expect_eq "peer elsewhere: key set" '["carrier","ifindex","ifname","link","link_index","link_netnsid","mtu","stats64"]' "$(jkeys "$j1")"

ip -n "$n1" addr add 10.30.0.1/24 dev p1
ip -n "$n2" addr add 10.30.0.2/24 dev p2
ip -n "$n1" link set dev p1 up
ip -n "$n2" link set dev p2 up
# Static neighbours: nothing but the pings crosses the pair.
ip -n "$n1" neigh replace 10.30.0.2 lladdr "$(ip_j p2 "$n2" | jq -r '.[0].address')" dev p1 nud permanent
ip -n "$n2" neigh replace 10.30.0.1 lladdr "$(ip_j p1 "$n1" | jq -r '.[0].address')" dev p2 nud permanent
check "ping across the pair" ip netns exec "$n1" ping -q -c 5 -i 0.05 -W 2 10.30.0.2
counters='(.stats64 | (.rx, .tx) | .bytes, .packets, .dropped)'
for end in "p1 $n1" "p2 $n2"; do
	set -- $end
	mine=$(rvnetctl -n "$2" -j pair show "$1" | jq -r ".[0] | [.carrier, $counters] | map(tostring) | join(\" \")")
	theirs=$(ip_j "$1" "$2" -s | jq -r ".[0] | [(.flags | index(\"LOWER_UP\") != null), $counters] | map(tostring) | join(\" \")")
	expect_same "$1: carrier and counters (rx, tx: bytes packets dropped) agree with ip -s" \
		"(true|false)( [0-9]+){6}" "$theirs" "$mine"
done
expect_eq "p1 sent the 5 echo requests and got 5 replies (98-byte frames)" "true 490 5 0 490 5 0" "$mine"
check "-s table shows the counters" grep -Eq '^[0-9]+ +p1 .* up +5 +490 +0 +5 +490 +0$' <<<"$(rvnetctl -n "$n1" -s pair show p1)"
rvnetctl -n "$n2" pair del p2
expect_eq "pair del from the peer's namespace removes both" "[]|[]" \
	"$(ip -n "$n1" -j link show type rveth)|$(ip -n "$n2" -j link show type rveth)"

# --- tun add / show / list / del ----------------------------------------------
defer ip link del ft0
out=$(rvnetctl -j tun add ft0 --mode tun); rc=$?
expect_eq "tun add: exit 0" 0 "$rc"
json=$(rvnetctl -j tun show ft0)
read -r keys rxkeys values <<<"$(jq -c '.[0] | keys, (.stats64.rx | keys), {mode, pi, vnet_hdr, multi_queue, persist, attached, queue_len}' <<<"$json" | tr '\n' ' ')"
expect_eq "tun show -j: key set (no queue counts: not multiqueue)" '["attached","ifindex","ifname","mode","multi_queue","persist","pi","queue_len","stats64","vnet_hdr"]' "$keys"
expect_eq "tun show -j: stats64.rx keys" "$DIR_KEYS" "$rxkeys"
expect_eq "tun show -j: values (no PI, no vnet header, one queue by default, as ip tuntap)" \
	'{"mode":"tun","pi":false,"vnet_hdr":false,"multi_queue":false,"persist":true,"attached":0,"queue_len":0}' "$values"
expect_same "tun add prints what tun show prints" '\{.*"ifname":"ft0".*\}' \
	"$(jq -c '.[0] | del(.stats64)' <<<"$json")" "$(jq -c '.[0] | del(.stats64)' <<<"$out")"
filter='.[0] | "\(.ifindex) \(.ifname)"'
expect_same "tun show agrees with ip -d -j link (ifindex, ifname, kind rtun)" "[0-9]+ ft0 rtun" \
	"$(ip -d -j link show dev ft0 | jq -r '.[0] | "\(.ifindex) \(.ifname) \(.linkinfo.info_kind)"')" "$(jq -r "$filter" <<<"$json") rtun"
expect_same "tun show agrees with ip -d -j link: vnet_hdr, multi_queue, no queue counts" "false false null null" \
	"$(ip -d -j link show dev ft0 | jq -r '.[0].linkinfo.info_data | "\(.vnet_hdr) \(.multi_queue) \(.numqueues) \(.numdisabled)"')" \
	"$(jq -r '.[0] | "\(.vnet_hdr) \(.multi_queue) \(.queues) \(.disabled_queues)"' <<<"$json")"

defer ip link del ft1
json=$(rvnetctl -j tun add ft1 --mode tap --no-pi --user 1000 --group 1000)
expect_eq "tun add --mode tap --no-pi (the default, still accepted) --user --group: key set" \
	'["attached","group","ifindex","ifname","mode","multi_queue","persist","pi","queue_len","stats64","user","vnet_hdr"]' "$(jkeys "$json")"
expect_eq "tun add tap: values" '{"mode":"tap","pi":false,"user":1000,"group":1000}' \
	"$(jq -c '.[0] | {mode, pi, user, group}' <<<"$json")"
defer ip link del ft2
expect_eq "tun add --pi --user root --group root: PI, names become ids" "true 0 0" \
	"$(rvnetctl -j tun add ft2 --mode tun --pi --user root --group root | jq -r '.[0] | "\(.pi) \(.user) \(.group)"')"
expect_eq "tun add --user of an unknown name: exit 1, nothing made" "1|Error: unknown user \"rvnet-nosuch\".|" \
	"$(run_rc rvnetctl tun add ft3 --mode tun --user rvnet-nosuch)|$(ls /sys/class/net | grep -x ft3)"

defer 'for d in /sys/class/net/ftt*; do ip link del ${d##*/}; done'
name=$(rvnetctl -j tun add 'ftt%d' --mode tun | jq -r '.[0].ifname')
check "tun add with a template: the kernel's name is printed" grep -Eq '^ftt[0-9]+$' <<<"$name"
check "the templated device exists" here "$name"
expect_eq "tun list: every device" "ft0 ft1 ft2 $name" "$(rvnetctl -j tun list | jq -r '[.[].ifname] | sort | join(" ")')"
table=$(rvnetctl -s tun list)
# MODE PI VNET-HDR MULTI-QUEUE PERSIST USER GROUP ATTACHED QUEUES DISABLED QUEUED, then -s's
check "tun list: table" grep -Eq '^[0-9]+ +ft1 +tap +off +off +off +on +1000 +1000 +0 +- +- +0 +[0-9]+' <<<"$table"
check "tun list -s: counters" grep -q 'QUEUED  *RX-PACKETS' <<<"$table"
check "tun list -s -s: error counters too, in the table and in JSON" bash -c \
	'rvnetctl -s -s tun list | grep -q "TX-DROPPED  *RX-ERRORS.*TX-CARRIER\$" &&
	 rvnetctl -j -s -s tun show ft1 | jq -e ".[0].stats64 | .rx.frame_errors == 0 and .tx.carrier_errors == 0" >/dev/null'
expect_eq "tun add of a used name: exit 2" "2|Error: a device of that name exists." "$(run_rc rvnetctl tun add ft0 --mode tap)"
for d in ft0 ft1 ft2 "$name"; do rvnetctl tun del "$d"; done
expect_eq "tun del: all gone, ip agrees" "[]|" "$(rvnetctl -j tun list)|$(ls /sys/class/net | grep '^ft')"
expect_eq "tun del of a missing device: exit 2" "2|Error: no such rtun device." "$(run_rc rvnetctl tun del ft0)"
expect_eq "tun show of another kind of device: exit 2" "2|Error: no such rtun device." "$(run_rc rvnetctl tun show lo)"

# --- tun add --vnet-hdr --multi-queue: rvnetctl and ip -d link agree -------------
defer ip link del ftq
json=$(rvnetctl -j tun add ftq --mode tap --vnet-hdr --multi-queue)
expect_eq "tun add --vnet-hdr --multi-queue: key set (queue counts of a multiqueue device)" \
	'["attached","disabled_queues","ifindex","ifname","mode","multi_queue","persist","pi","queue_len","queues","stats64","vnet_hdr"]' "$(jkeys "$json")"
expect_eq "tun add --vnet-hdr --multi-queue: values" \
	'{"mode":"tap","pi":false,"vnet_hdr":true,"multi_queue":true,"queues":0,"disabled_queues":0,"attached":0}' \
	"$(jq -c '.[0] | {mode, pi, vnet_hdr, multi_queue, queues, disabled_queues, attached}' <<<"$json")"
expect_eq "ip -d link: vnet_hdr on, multi_queue with its queue counts" \
	"type tap pi off vnet_hdr on multi_queue numqueues 0 numdisabled 0 persist on" \
	"$(ip -d link show dev ftq | grep -o 'type tap pi .* persist o[nf]*')"
check "tun show: table row (QUEUES and DISABLED 0)" grep -Eq '^[0-9]+ +ftq +tap +off +on +on +on +- +- +0 +0 +0 +0$' <<<"$(rvnetctl tun show ftq)"
# Two files attached as queues (TUNSETIFF with IFF_MULTI_QUEUE, and
# IFF_VNET_HDR, which the first attach sets anew), the second disabled by
# TUNSETQUEUE: what rvnetctl and ip -d -j link say while both are open.
cat > "$tmp/mq.py" <<'EOF'
import fcntl, os, struct, subprocess, sys
TUNSETIFF, TUNSETQUEUE = 0x400454ca, 0x400454d9
IFF_TAP, IFF_MULTI_QUEUE, IFF_DETACH_QUEUE, IFF_NO_PI, IFF_VNET_HDR = 0x2, 0x100, 0x400, 0x1000, 0x4000
dev = sys.argv[1]
fds = [os.open("/dev/net/rtun", os.O_RDWR) for _ in range(2)]
for fd in fds:
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", dev.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE))
fcntl.ioctl(fds[1], TUNSETQUEUE, struct.pack("16sH22x", b"", IFF_DETACH_QUEUE))
for cmd in (["rvnetctl", "-j", "tun", "show", dev], ["ip", "-d", "-j", "link", "show", "dev", dev]):
    print(subprocess.run(cmd, capture_output=True, text=True).stdout.strip() or "(nothing)")
EOF
mapfile -t mq < <("$PYTHON" "$tmp/mq.py" ftq 2>&1)
expect_eq "two queues attached, one disabled by TUNSETQUEUE: attached, queues, disabled_queues, vnet_hdr" \
	"2 1 1 true" "$(jq -r '.[0] | "\(.attached) \(.queues) \(.disabled_queues) \(.vnet_hdr)"' <<<"${mq[0]}" 2>&1)"
expect_same "... and ip -d -j link agrees (numqueues, numdisabled, vnet_hdr, multi_queue)" "1 1 true true" \
	"$(jq -r '.[0].linkinfo.info_data | "\(.numqueues) \(.numdisabled) \(.vnet_hdr) \(.multi_queue)"' <<<"${mq[1]}" 2>&1)" \
	"$(jq -r '.[0] | "\(.queues) \(.disabled_queues) \(.vnet_hdr) \(.multi_queue)"' <<<"${mq[0]}" 2>&1)"
rvnetctl tun del ftq
rvnetctl -n "$n2" tun add nt --mode tap >/dev/null
expect_eq "-n: tun list of the namespace, not here" "nt|[]" "$(rvnetctl -n "$n2" -j tun list | jq -r '.[].ifname')|$(rvnetctl -j tun list)"
rvnetctl -n "$n2" tun del nt

# --- help, completions, usage ----------------------------------------------------
check "--help of a command has examples" bash -c "rvnetctl pair add --help | grep -q '^Examples:'"
check "bash completion script loads" bash -c 'source <(rvnetctl completions bash) && complete -p rvnetctl'
expect_eq "unknown subcommand, tun add without --mode: exit 255" "255 255" \
	"$(run_rc rvnetctl pair frob | cut -d'|' -f1) $(run_rc rvnetctl tun add x | cut -d'|' -f1)"
ktap_finish
