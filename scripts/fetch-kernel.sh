#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source package with a private apt state, so the
# system's sources and package lists stay untouched, and unpack it into
# the cache. The mirror is the one the machine already uses.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ -f "$KSRC/Makefile" ] && { log "kernel source present: $KSRC"; exit 0; }

mirror() {
	local uri=""
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' \
			/etc/apt/sources.list.d/debian.sources)
	fi
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:.*\/debian\/?$/) { print $i; exit } }')
	fi
	[ -n "$uri" ] || die "no Debian mirror found in the apt sources"
	echo "${uri%/}"
}

APT=$RVNET_CACHE/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$RVNET_CACHE/src"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "missing $keyring (apt-get install debian-archive-keyring)"
echo "deb [signed-by=$keyring] $(mirror) $KSUITE main" > "$APT/sources.list"
aptopts=(-o Dir::Etc::SourceList="$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
	 -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache"
	 -o Dir::State::Status=/var/lib/dpkg/status -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)

deb=$(ls "$RVNET_CACHE"/src/"${KPKG}"_*.deb 2>/dev/null | tail -n1 || true)
if [ -z "$deb" ]; then
	log "fetching $KPKG from $KSUITE"
	apt-get -q "${aptopts[@]}" update >&2 || die "apt-get update for $KSUITE failed"
	(cd "$RVNET_CACHE/src" && apt-get -q "${aptopts[@]}" download "$KPKG" >&2) ||
		die "apt-get download $KPKG failed"
	deb=$(ls "$RVNET_CACHE"/src/"${KPKG}"_*.deb | tail -n1)
fi

log "unpacking $(basename "$deb")"
tmp=$RVNET_CACHE/src/unpack
rm -rf "$tmp"
dpkg-deb -x "$deb" "$tmp"
tarball=$(ls "$tmp"/usr/src/linux-source-*.tar.xz)
rm -rf "$KSRC.tmp"
mkdir -p "$KSRC.tmp"
tar -xJf "$tarball" -C "$KSRC.tmp" --strip-components=1
rm -rf "$tmp"
mv "$KSRC.tmp" "$KSRC"
log "kernel source at $KSRC"
