#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make install` into the running (guest) system, then only the installed
# layout: `modprobe rvnet`, autoload by `ip link add ... type rveth peer`
# through the installed plugin (no IP_LIB_DIR), rvnetctl from
# /usr/local/bin, `man rvnetctl`, bash completion; `make uninstall` takes
# it all away again (modprobe no longer finds the module). The guest's
# /usr is an overlay; /lib/modules/REL (vng's, read-only) gets a tmpfs
# overlay for the test: nothing reaches the host.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 13
unset IP_LIB_DIR
sys_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
files=$(make -s -C "$RVNET_ROOT" install-files)
rel=$(uname -r)
tmp=$(mktemp -d); defer rm -rf "$tmp"
# The kernel's modprobe (autoload) runs in the initial mount namespace, so
# the overlay is mounted there, and taken away at the end.
mkdir -p "$tmp/t" && mount -t tmpfs rvnet-install "$tmp/t" && mkdir "$tmp/t/u" "$tmp/t/w" &&
	mount -t overlay rvnet-install -o "lowerdir=/lib/modules/$rel,upperdir=$tmp/t/u,workdir=$tmp/t/w" \
		"/lib/modules/$rel" || diag "no writable /lib/modules/$rel"
defer umount "$tmp/t"
defer umount "/lib/modules/$rel"

rvnet_loaded && rmmod rvnet
check "rvnet is not loaded to begin with" bash -c '! grep -q "^rvnet " /proc/modules'
check "make install" make -s -C "$RVNET_ROOT" install
missing=$(for f in $files; do [ -e "$f" ] || echo "$f"; done)
expect_eq "every listed file is installed (missing: ${missing:-none})" "" "$missing"
check "the module went to /lib/modules/$rel/extra" test -f "/lib/modules/$rel/extra/rvnet.ko"

check "modprobe rvnet" modprobe rvnet
check "/dev/net/rtun appears" busywait 5000 test -c /dev/net/rtun
check "modprobe -r rvnet" modprobe -r rvnet

setup_ns ns
PATH=$sys_path ip -n "$ns" link add name a type rveth peer name b 2>"$tmp/err"
check "ip link add ... type rveth peer name b with the installed plugin: autoloads rvnet" \
	bash -c "grep -q '^rvnet ' /proc/modules && ip -n $ns -o link show dev b | grep -q 'b@a'"
diag "ip: $(cat "$tmp/err")"
expect_eq "rvnetctl is /usr/local/bin's" /usr/local/bin/rvnetctl "$(PATH=$sys_path command -v rvnetctl)"
check "the installed rvnetctl shows the pair" \
	bash -c "PATH=$sys_path rvnetctl -n $ns pair show a | grep -qw b"
cleanup_ns
check "man rvnetctl shows its page" bash -c 'MANPAGER=cat man rvnetctl 2>/dev/null | grep -q rvnetctl'
check "bash completion completes rvnetctl" bash -c \
	'. /usr/local/share/bash-completion/completions/rvnetctl && complete -p rvnetctl'

rmmod rvnet
make -s -C "$RVNET_ROOT" uninstall
left=$(for f in $files; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done)
if [ -z "$left" ] && ! modprobe -n rvnet 2>/dev/null; then
	ktap_ok "make uninstall: every file gone, modprobe finds no rvnet"
else
	ktap_fail "make uninstall: every file gone, modprobe finds no rvnet"
	diag "left: $left"
fi
ensure_rvnet
ktap_finish
