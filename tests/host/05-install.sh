#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall into a staging root (DESTDIR): installs
# exactly `make install-files` (plus depmod's indexes), each file what the
# build made; uninstall removes exactly those; an iproute2 other than the
# plugin's (a fake ip that says 6.2.0) is refused before anything is copied.
# The VM test 50-install does the same into a running system.
. "$(dirname "$0")/../lib.sh"
ktap_header
ktap_plan 9
tmp=$(mktemp -d); defer rm -rf "$tmp"
mk() { make -s -C "$RVNET_ROOT" "$@"; }
dest=$tmp/root

files=$(mk install-files)
rel=$(sed -n 's|^/lib/modules/\([^/]*\)/.*|\1|p' <<<"$files")
check "install-files names 8 files, the module under /lib/modules/REL/extra" \
	test "$(wc -l <<<"$files")" -eq 8 -a -n "$rel"
check "make install DESTDIR=... succeeds" mk install DESTDIR="$dest"
got=$(cd "$dest" && find . \( -type f -o -type l \) ! -name 'modules.*' | sed 's|^\.||' | sort)
expect_same "it installed exactly the listed files" '(/[^\n]+'$'\n'')+/[^\n]+' \
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
ktap_finish
