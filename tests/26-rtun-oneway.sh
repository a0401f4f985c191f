#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One direction at a time through a tun-ABI fd, a differential test: for
# TUN and TAP, write() and read(), 64, 512 and 1400 bytes, blocking and
# non-blocking fds, tests/tools/tunrate.c (what `make bench` times) moves
# 2,000 packets through /dev/net/tun and then /dev/net/rtun, each in a
# fresh netns, and checks every one: written IPv4/UDP packets must reach a
# local socket whole and in order, datagrams the stack sends must come out
# of the fd whole and in order. Only the packets are checked here, never
# the speed.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 50
. "$(dirname "$0")/rtun_lib.sh"
rtun_check_dev

RATE=$tmp/tunrate
check "tunrate.c builds" gcc -O2 -Wall -o "$RATE" "$RVNET_ROOT/tests/tools/tunrate.c"

# verified OUT: tunrate's JSON says every packet of the 2,000 arrived intact.
verified() {
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(not (r["verified"] and r["packets"] == 2000 and r["bad"] == 0))' "$1" 2>/dev/null
}

for mode in tun tap; do
	for dir in write read; do
		for size in 64 512 1400; do
			for nb in "" nonblock; do
				for p in $RTUN_PATHS; do
					dev=${p%:*}; pfx=${p#*:}; out=$tmp/out
					rm -f "$out"
					if [ -x "$RATE" ]; then
						timeout 120 unshare -n "$RATE" "$dev" $mode $dir $size 2000 $nb >"$out" 2>"$out.err"
					fi
					if verified "$out"; then
						ktap_ok "$pfx $mode $dir() $size bytes ${nb:-blocking}: 2000 packets, each intact, in order"
					else
						ktap_fail "$pfx $mode $dir() $size bytes ${nb:-blocking}: 2000 packets, each intact, in order"
						diag "$(cat "$out" "$out.err" 2>/dev/null | head -n 3)"
					fi
				done
			done
		done
	done
done
ktap_finish
