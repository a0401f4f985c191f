#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# check-ip.sh [IP] [PLUGIN.so]: is IP (default: the ip on PATH) the iproute2
# the plugin was written for? The plugin declares iproute2 6.1's
# `struct link_util` and calls functions `ip` exports; another ip could
# crash on it. Checks the version, the size of ip's own veth_link_util and
# tun_link_util against ours (72 bytes), and that ip exports every symbol
# the plugin leaves undefined outside the C library. Exit 1 with a reason.
set -u
ip=${1:-$(command -v ip)}
so=${2:-}
want_version=iproute2-6.1.0
want_size=72

die() { echo "check-ip: $ip: $*" >&2; exit 1; }

[ -x "$ip" ] || die "no such program"
command -v nm >/dev/null || die "nm (binutils) is needed to check it"
v=$("$ip" -V 2>/dev/null) || die "ip -V failed"
case $v in
*"$want_version"*) ;;
*) die "is '$v'; the plugin is built for $want_version (Debian 12's) only" ;;
esac
syms=$(nm -D -S --defined-only "$ip" 2>/dev/null) || die "nm could not read it"
for s in veth_link_util tun_link_util; do
	size=$(awk -v s="$s" '$4 == s { print $2 }' <<<"$syms")
	[ -n "$size" ] || die "exports no $s"
	[ $((16#$size)) -eq $want_size ] ||
		die "its struct link_util is $((16#$size)) bytes, the plugin's $want_size"
done
if [ -n "$so" ]; then
	# Undefined in the plugin and not versioned (so not the C library's).
	need=$(nm -D --undefined-only "$so" | awk '$1 == "U" && $2 !~ /@/ { print $2 }')
	for s in $need; do
		awk -v s="$s" '$4 == s || ($3 == s && NF == 3) { f = 1 } END { exit !f }' \
			<<<"$syms" || die "does not export $s, which the plugin calls"
	done
fi
exit 0
