#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall into a staging root (DESTDIR): installs
# exactly `make install-files` (plus depmod's indexes), each file what the
# build made; uninstall removes exactly those; an iproute2 other than the
# plugin's (a fake ip that says 6.2.0) is refused before anything is copied.
# The VM test 50-install does the same into a running system.
. "$(dirname "$0")/../lib.sh"
ktap_header
ktap_plan 12
tmp=$(mktemp -d); defer rm -rf "$tmp"
mk() { make -s -C "$RVNET_ROOT" "$@"; }
dest=$tmp/root

files=$(mk install-files)
rel=$(sed -n 's|^/lib/modules/\([^/]*\)/.*|\1|p' <<<"$files")
check "install-files names 8 files, the module under /lib/modules/REL/extra" \
	test "$(wc -l <<<"$files")" -eq 8 -a -n "$rel"
check "make install DESTDIR=... succeeds" mk install DESTDIR="$dest"
got=$(cd "$dest" && find . \( -type f -o -type l \) ! -name 'modules.*' | sed 's|^\.||' | sort)
nl=$'\n'
expect_same "it installed exactly the listed files" "(/[^$nl]+$nl)+/[^$nl]+" \
	"$(sort <<<"$files")" "$got"
check "the module is the one built" cmp "$RVNET_ROOT/module/rvnet.ko" "$dest/lib/modules/$rel/extra/rvnet.ko"
check "depmod indexed it (rtnl-link-rveth alias)" \
	grep -q 'alias rtnl-link-rveth rvnet' "$dest/lib/modules/$rel/modules.alias"
check "link_rtun.so is link_rveth.so" \
	cmp "$dest/usr/lib/x86_64-linux-gnu/ip/link_rveth.so" "$dest/usr/lib/x86_64-linux-gnu/ip/link_rtun.so"
check "make uninstall DESTDIR=... succeeds" mk uninstall DESTDIR="$dest"
left=$(cd "$dest" && find . \( -type f -o -type l \) ! -name 'modules.*' | sed 's|^\.||')
expect_eq "nothing of it is left (depmod's indexes aside)" "" "$left"

# An ip of another iproute2: refused, nothing copied.
mkdir -p "$tmp/bin"
printf '#!/bin/sh\necho "ip utility, iproute2-6.2.0, libbpf 1.1.2"\n' >"$tmp/bin/ip"
chmod +x "$tmp/bin/ip"
out=$(mk install DESTDIR="$tmp/other" IP="$tmp/bin/ip" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q 'iproute2-6.1.0' <<<"$out" && [ ! -e "$tmp/other" ]; then
	ktap_ok "another iproute2 is refused before anything is installed"
else
	ktap_fail "another iproute2 is refused before anything is installed"
	diag "exit $rc: $out"
fi
# make kernel-patches on a tree without the series: the files it touches,
# taken from the cached (patched) tree and reverse-patched to 7.3's.
ksrc=$(sed -n 's/^KSRC=//p' <<<"$(mk paths)")
src=$tmp/linux; mkdir -p "$src"; touch "$src/Makefile"
for f in $(grep -h '^+++ b/' "$RVNET_ROOT"/kernel/patches/*.patch | sed 's|^+++ b/||' | sort -u); do
	mkdir -p "$src/$(dirname "$f")"; cp "$ksrc/$f" "$src/$f"
done
for p in $(ls -r "$RVNET_ROOT"/kernel/patches/*.patch); do patch -s -d "$src" -p1 -R <"$p"; done
n=$(ls "$RVNET_ROOT"/kernel/patches/*.patch | wc -l)
cp -a "$src" "$tmp/other-linux"; echo "// another tree" >"$tmp/other-linux/rust/kernel/miscdevice.rs"
out=$(mk kernel-patches KSRC="$src" 2>&1)
expect_same "make kernel-patches applies every patch to an unpatched tree" "$RE_NUM" \
	"$n" "$(grep -c '^applied: ' <<<"$out")"
out=$(mk kernel-patches KSRC="$src" 2>&1)
expect_same "a second run finds each already applied and changes nothing" "$RE_NUM" \
	"$n" "$(grep -c '^already applied: ' <<<"$out")"
out=$(mk kernel-patches KSRC="$tmp/other-linux" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q 'does not apply' <<<"$out"; then
	ktap_ok "a tree the series does not fit is refused"
else
	ktap_fail "a tree the series does not fit is refused"
	diag "exit $rc: $out"
fi
ktap_finish
