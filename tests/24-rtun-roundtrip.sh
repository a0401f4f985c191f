#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packets round-trip through a tun device, in order and with contents
# checked, for /dev/net/tun and /dev/net/rtun in the same boot: `rvnetctl
# exercise tun` writes ICMP echo requests into the fd, the kernel answers,
# the replies are read back and checked, and so are the counters.
# RVNET_ROUNDTRIP sets the count (default 100,000 in `make test`; `make
# stress` runs 1,000,000); TAP mode runs a tenth.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan $((2 * 2))		# 2 cases for each device
ensure_rvnet
n=${RVNET_ROUNDTRIP:-100000}

for path in /dev/net/tun /dev/net/rtun; do
	p=$(basename $path)
	out=$(rvnetctl -j exercise tun "${p}rt%d" --path $path --pi --count $n --window 64 2>&1)
	rc=$?
	expect_eq "$p: $n TUN packets (PI) round-trip intact, counters exact" 0 $rc
	[ $rc -ne 0 ] && printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
	diag "$p TUN: $(python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); print(round(d["packets_per_s"]), "packets/s,", round(d["elapsed_s"], 1), "s")' <<<"$out" 2>/dev/null)"
	out=$(rvnetctl -j exercise tun "${p}rp%d" --path $path --mode tap --count $((n / 10)) 2>&1)
	rc=$?
	expect_eq "$p: $((n / 10)) TAP frames (no PI, the default) round-trip intact" 0 $rc
	[ $rc -ne 0 ] && printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'
done
ktap_finish
