#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make kernel-patches KSRC=DIR`: kernel/patches/ onto the user's own 7.3
# tree, once. The series is checked whole on copies of the files it
# touches: if it reverses cleanly (last patch first), the tree has it
# already and is left alone; if it applies cleanly (in order), it is
# applied; otherwise (another tree, or one that half-has it) nothing is
# changed. Whole, because later patches change files earlier ones add
# (a patch's own reverse check fails once a later one touched its file).
set -u
ksrc=${1:-} root=$(cd "$(dirname "$0")/.." && pwd)
[ -n "$ksrc" ] && [ -f "$ksrc/Makefile" ] || { echo "give KSRC=/path/to/linux-7.3" >&2; exit 1; }
patches=("$root"/kernel/patches/*.patch)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
files=$(grep -h '^+++ b/' "${patches[@]}" | sed 's|^+++ b/||' | sort -u)
# copy DIR: the touched files as the tree has them (missing ones stay missing).
copy() {
	local f
	mkdir -p "$1"
	for f in $files; do
		[ -e "$ksrc/$f" ] || continue
		mkdir -p "$1/$(dirname "$f")"
		cp "$ksrc/$f" "$1/$f"
	done
}
copy "$tmp/r"
whole=1
for ((i = ${#patches[@]} - 1; i >= 0; i--)); do
	patch -d "$tmp/r" -p1 -R -s -f <"${patches[i]}" >/dev/null 2>&1 || { whole=0; break; }
done
if [ $whole = 1 ]; then
	for p in "${patches[@]}"; do echo "already applied: $(basename "$p")"; done
	exit 0
fi
copy "$tmp/f"
for p in "${patches[@]}"; do
	patch -d "$tmp/f" -p1 -s -f <"$p" >/dev/null 2>&1 ||
		{ echo "does not apply to $ksrc: $(basename "$p")" >&2; exit 1; }
done
for p in "${patches[@]}"; do
	patch -d "$ksrc" -p1 -s -f <"$p" || { echo "applying $(basename "$p") failed" >&2; exit 1; }
	echo "applied: $(basename "$p")"
done
