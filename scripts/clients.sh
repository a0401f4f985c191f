#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the real third-party clients the VM tests run (tests/clients/*/, one
# Cargo project each, dependencies pinned by its Cargo.lock) into the cache:
# $RVNET_CACHE/clients/NAME/release/NAME, nothing in the repo. The guest sees
# the host's root read-only and cannot build them. Idempotent; an up-to-date
# client takes cargo's no-op check (well under a second).
#   scripts/clients.sh [NAME ...]      (what `make clients` calls)
set -euo pipefail
. "$(dirname "$0")/common.sh"

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup first"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for m in "$RVNET_ROOT"/tests/clients/*/Cargo.toml; do
		[ -f "$m" ] && names+=("$(basename "$(dirname "$m")")")
	done
fi
for n in "${names[@]}"; do
	dir=$RVNET_ROOT/tests/clients/$n
	[ -f "$dir/Cargo.toml" ] || die "no client $n (no $dir/Cargo.toml)"
	out=$RVNET_CACHE/clients/$n
	mkdir -p "$out"
	CARGO_TARGET_DIR=$out cargo build --quiet --release --locked \
		--manifest-path "$dir/Cargo.toml" || die "building client $n failed"
	[ -x "$out/release/$n" ] || die "client $n: no binary at $out/release/$n"
done
