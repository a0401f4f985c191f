#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The layering rule: driver code (everything in module/ outside
# abstractions/) has no `unsafe` and no `bindings::`, and says so to the
# compiler with #![forbid(unsafe_code)]; every unsafe block in the wrapper
# layer carries a SAFETY comment.
. "$(dirname "$0")/../lib.sh"
ktap_header
cd "$RVNET_ROOT/module" || exit 1

drivers=$(find . -name '*.rs' ! -path './abstractions/*' ! -name rvnet.rs | sort)
for f in $drivers; do
	check "$f: no unsafe" bash -c "! grep -vE '^\s*//' '$f' | grep -E '\\bunsafe\\b'"
	check "$f: no bindings::" bash -c "! grep -n 'bindings::' '$f'"
done
for f in rveth.rs rtun/mod.rs family/mod.rs; do
	check "$f: #![forbid(unsafe_code)]" grep -q '^#!\[forbid(unsafe_code)\]' "$f"
done
check "rvnet.rs: no unsafe" bash -c "! grep -vE '^\s*//' rvnet.rs | grep -E '\\bunsafe\\b'"
# Every `unsafe {` / `unsafe impl` in abstractions/ has a SAFETY comment within
# the three lines above it.
missing=$(awk '
	FNR == 1 { l1 = l2 = l3 = "" }
	/unsafe[ ]*\{|unsafe impl/ && $0 !~ /^[ \t]*\/\// {
		if ((l1 l2 l3 $0) !~ /SAFETY/) print FILENAME ":" FNR
	}
	{ l3 = l2; l2 = l1; l1 = $0 }' abstractions/*.rs)
expect_eq "every unsafe block in abstractions/ has a SAFETY comment" "" "$missing"
ktap_finish
