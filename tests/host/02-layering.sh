#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The layering rule: driver code (everything in module/ outside
# abstractions/) has no `unsafe` and no `bindings::`; every unsafe block in
# the wrapper layer carries a SAFETY comment.
# "No unsafe" in driver code is the compiler's to enforce, not grep's: each
# driver module says #![forbid(unsafe_code)] at its root (rveth.rs,
# rtun/mod.rs, ...), which rustc applies to the module and everything below
# it, so this test checks that the attribute is there. rvnet.rs, the crate
# root, cannot forbid what abstractions/ needs: grep checks it.
. "$(dirname "$0")/../lib.sh"
ktap_header
cd "$RVNET_ROOT/module" || exit 1

# Every file, also in subdirectories (abstractions/net/dev.rs).
drivers=$(find . -name '*.rs' ! -path './abstractions/*' ! -path ./rvnet.rs | sort)
abstractions=$(find abstractions -name '*.rs' | sort)
# The root of a driver file's top module: ./rveth.rs itself, ./DIR/mod.rs
# for ./DIR/**.rs.
root_of() {
	local top=${1#./}
	case $top in
	*/*) echo "./${top%%/*}/mod.rs" ;;
	*) echo "./$top" ;;
	esac
}
roots=$(for f in $drivers; do root_of "$f"; done | sort -u)
ktap_plan $(( $(wc -w <<<"$drivers") + $(wc -w <<<"$roots") + 3 ))

for f in $drivers; do
	check "$f: no bindings::" bash -c "! grep -n 'bindings::' '$f'"
done
for f in $roots; do
	check "$f: #![forbid(unsafe_code)] (for it and its submodules)" \
		grep -q '^#!\[forbid(unsafe_code)\]' "$f"
done
check "rvnet.rs: no unsafe" bash -c "! grep -vE '^\s*//' rvnet.rs | grep -E '\\bunsafe\\b'"
# Every `unsafe {` / `unsafe impl` in abstractions/ has a SAFETY comment
# within the three lines above it or in the comment block right above it
# (rustfmt wraps a long one over more lines). No file found is a failure, not
# a pass.
check "abstractions/ has .rs files ($(wc -w <<<"$abstractions") found)" test -n "$abstractions"
missing=$([ -n "$abstractions" ] && awk '
	FNR == 1 { l1 = l2 = l3 = blk = "" }
	/unsafe[ ]*\{|unsafe impl/ && $0 !~ /^[ \t]*\/\// {
		if ((l1 l2 l3 $0 blk) !~ /SAFETY/) print FILENAME ":" FNR
	}
	{ l3 = l2; l2 = l1; l1 = $0 }
	{ if ($0 ~ /^[ \t]*\/\//) blk = blk $0; else blk = "" }' $abstractions 2>&1 ||
	echo "(awk failed or no files)")
expect_eq "every unsafe block in abstractions/ has a SAFETY comment" "" "$missing"
ktap_finish
