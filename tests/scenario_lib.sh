# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the scenario tests 40-45 (issue #6: rvnet devices in the
# topologies veth and tun are used for, next to the kernel's own drivers).
# Source after lib.sh.

# ping_ok NS DST [ping options...]: NS (or the host when NS is "-") reaches
# DST; one retry covers a first echo lost to ARP or a port coming up.
ping_ok() {
	local ns=$1 dst=$2; shift 2
	local run=()
	[ "$ns" != - ] && run=(ip netns exec "$ns")
	"${run[@]}" ping -c 2 -i 0.2 -W 2 "$@" "$dst" >/dev/null 2>&1 ||
		"${run[@]}" ping -c 2 -i 0.2 -W 2 "$@" "$dst" >/dev/null 2>&1
}

# ping_none NS DST: not a single reply from DST (3 tries).
ping_none() {
	local ns=$1 dst=$2
	! ip netns exec "$ns" ping -c 3 -i 0.2 -W 1 "$dst" >/dev/null 2>&1
}

# ping_received NS DST N: the number of replies to N quick echo requests.
ping_received() {
	ip netns exec "$1" ping -q -c "$3" -i 0.05 -W 2 "$2" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p' | grep . || echo 0
}

# mac_of DEV [NS]: the MAC address of DEV.
mac_of() { ip ${2:+-n "$2"} -j link show dev "$1" | jq -r '.[0].address'; }
