#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module is formatted by the kernel's own .rustfmt.toml (as `make
# rustfmtcheck` would check it in-tree) and builds without a warning under
# the kernel's clippy configuration (`CLIPPY=1`, .clippy.toml); the
# iproute2 plugin (all unsafe FFI) is rustfmt-clean and clippy-clean.
. "$(dirname "$0")/../lib.sh"
. "$RVNET_ROOT/scripts/common.sh"
ktap_header
ktap_plan 5

# Every .rs file of the module is reached from the crate root.
files=$(find "$RVNET_ROOT/module" -name '*.rs' | wc -l)
check "the module has Rust sources ($files files)" test "$files" -gt 0
out=$(rustfmt --config-path "$KSRC/.rustfmt.toml" --edition 2021 --check "$RVNET_ROOT/module/rvnet.rs" 2>&1)
rc=$?
expect_eq "rustfmt --check (kernel .rustfmt.toml): no diff" "0" "$rc"
[ $rc -ne 0 ] && grep '^Diff in' <<<"$out" | head -n 10 | sed 's/^/# /'

# A clippy build of its own: touch the crate root so that it is compiled.
touch "$RVNET_ROOT/module/rvnet.rs"
out=$(make -C "$KBUILD" M="$RVNET_ROOT" CLIPPY=1 modules 2>&1)
rc=$?
n=$(grep -cE '^(warning|error)' <<<"$out")
expect_eq "CLIPPY=1 build: exit 0, no warning or error" "0 0" "$rc $n"
[ "$n" -gt 0 ] && grep -E -A3 '^(warning|error)' <<<"$out" | head -n 30 | sed 's/^/# /'

plugin=$RVNET_ROOT/tools/ipplugin
check "tools/ipplugin: cargo fmt --check" bash -c "cd '$plugin' && cargo fmt --check"
out=$(cd "$plugin" && cargo clippy --release --locked -- -D warnings 2>&1)
rc=$?
expect_eq "tools/ipplugin: cargo clippy -D warnings" 0 "$rc"
[ $rc -ne 0 ] && grep -E -A3 '^(warning|error)' <<<"$out" | head -n 20 | sed 's/^/# /'
ktap_finish
