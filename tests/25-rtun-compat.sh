#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 32-bit callers (the compat ioctl path) against the kernel's tun, a
# differential test: tests/tools/tun32.c, built here with `gcc -m32 -static`,
# runs on /dev/net/tun (the reference) and on /dev/net/rtun, one fresh netns
# each. A 32-bit `struct ifreq` is the kernel's `struct compat_ifreq`, 32
# bytes, not 40:
#   TUNSETIFF and TUNGETIFF leave the canary right after it alone, and work
#   on an ifreq that ends where an unmapped page begins; the name and flags
#   round-trip; TUNGETFEATURES (a pointer) and TUNSETPERSIST (a value) work;
#   one IPv4 echo request is written and its reply read, from 32 bit.
# Then rtun's step lines must equal tun's. Needs gcc-multilib (installed by
# scripts/setup.sh): without it, or without /dev/net/rtun, the test fails.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 23
. "$(dirname "$0")/rtun_lib.sh"
rtun_check_dev

TUN32=$tmp/tun32
check "tun32.c builds with gcc -m32 -static" \
	gcc -m32 -static -O2 -Wall -o "$TUN32" "$RVNET_ROOT/tests/tools/tun32.c"
[ -x "$TUN32" ] || diag "no 32-bit client: is gcc-multilib installed? (scripts/setup.sh)"

# step FILE NAME: the result of the client's step NAME.
step() { awk -v k="$2: " 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$1"; }

for p in $RTUN_PATHS; do
	dev=${p%:*}; pfx=${p#*:}; out=$tmp/out.$pfx
	: >"$out"
	if [ -c "$dev" ] && [ -x "$TUN32" ]; then
		setup_ns ns
		ip netns exec "$ns" timeout 120 "$TUN32" "$dev" >"$out" 2>"$out.err"
		echo $? >"$out.rc"
		cleanup_ns
	else
		echo "missing" >"$out.rc"
	fi
	f=$out
	expect_eq "$pfx: TUNSETIFF from 32 bit" "ok" "$(step "$f" TUNSETIFF)"
	expect_eq "$pfx: TUNSETIFF leaves the bytes after the ifreq alone" "intact" "$(step "$f" "TUNSETIFF canary")"
	expect_eq "$pfx: TUNSETIFF gives the name back" "c32a" "$(step "$f" "TUNSETIFF name")"
	expect_eq "$pfx: TUNGETIFF from 32 bit" "ok" "$(step "$f" TUNGETIFF)"
	expect_eq "$pfx: TUNGETIFF leaves the bytes after the ifreq alone" "intact" "$(step "$f" "TUNGETIFF canary")"
	expect_eq "$pfx: TUNGETIFF reports the name and TUN|NO_PI" "c32a 0x1001" \
		"$(step "$f" "TUNGETIFF name") $(step "$f" "TUNGETIFF flags")"
	expect_eq "$pfx: TUNGETIFF on an ifreq that ends at an unmapped page" "ok c32a" \
		"$(step "$f" "TUNGETIFF at a page's end") $(step "$f" "TUNGETIFF name at a page's end")"
	expect_eq "$pfx: TUNSETIFF on an ifreq that ends at an unmapped page" "ok c32b" \
		"$(step "$f" "TUNSETIFF at a page's end") $(step "$f" "TUNSETIFF name at a page's end")"
	expect_eq "$pfx: TUNGETFEATURES and TUNSETPERSIST from 32 bit" "ok 0x1003 ok" \
		"$(step "$f" TUNGETFEATURES) $(step "$f" "TUNGETFEATURES tun, tap, no_pi") $(step "$f" "TUNSETPERSIST 0")"
	expect_eq "$pfx: an IPv4 echo written and its reply read from 32 bit" "84 84 bytes" \
		"$(step "$f" "echo write") $(step "$f" "echo reply")"
	if [ "$(cat "$out.rc")" != 0 ]; then
		diag "$pfx: tun32 $dev: exit $(cat "$out.rc")"
		sed 's/^/#   /' "$out" "$out.err" | head -n 30
	fi
done

if [ ! -c "$RTUN_DEV" ] || [ ! -x "$TUN32" ]; then
	ktap_fail "rtun = tun: the 32-bit client's steps # not run"
elif ! grep -q '^TUNSETIFF: ' "$tmp/out.tun" || ! grep -q '^TUNSETIFF: ' "$tmp/out.rtun"; then
	# Two empty outputs (both clients failed to start) never agree.
	ktap_fail "rtun = tun: the 32-bit client's steps # no steps from both"
else
	expect_files_eq "rtun = tun: the 32-bit client's steps" "$tmp/out.tun" "$tmp/out.rtun"
fi
ktap_finish
