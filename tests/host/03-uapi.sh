#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The family's uapi has one source, spec/rvnet.yaml: module/family/uapi.rs
# and tools/rvnetctl/src/uapi.rs must be exactly what scripts/uapi-gen.py
# generates from it (`--check`), and `--check` must notice a hand edit.
. "$(dirname "$0")/../lib.sh"
ktap_header
ktap_plan 5
GEN=$RVNET_ROOT/scripts/uapi-gen.py
FILES="module/family/uapi.rs tools/rvnetctl/src/uapi.rs"

check "python3 has PyYAML (python3-yaml)" python3 -c 'import yaml'
out=$(python3 "$GEN" --check 2>&1); rc=$?
for f in $FILES; do
	# Exit 1 names the files that differ; anything else (a traceback) fails both.
	if { [ $rc -eq 0 ] || { [ $rc -eq 1 ] && grep -q ': differs from' <<<"$out"; }; } &&
		! grep -q "^$f: differs" <<<"$out"; then
		ktap_ok "$f is what uapi-gen.py generates from spec/rvnet.yaml"
	else
		ktap_fail "$f is what uapi-gen.py generates from spec/rvnet.yaml"
		diag "run scripts/uapi-gen.py (exit $rc):"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -n 30
	fi
done

# A copy of the three files with one constant edited in each: --check fails
# and names both; regenerating puts them right.
tmp=$(mktemp -d); defer rm -rf "$tmp"
for f in spec/rvnet.yaml $FILES; do
	mkdir -p "$tmp/$(dirname "$f")" && cp "$RVNET_ROOT/$f" "$tmp/$f"
done
sed -i 's/\(RVNET_A_TUN_PERSIST: u[0-9]*\) = 10;/\1 = 11;/' $(printf "$tmp/%s " $FILES)
out=$(python3 "$GEN" --check --root "$tmp" 2>&1); rc=$?
expect_eq "--check fails on a hand-edited copy and names both files" "1 2" \
	"$rc $(grep -c ': differs from' <<<"$out")"
python3 "$GEN" --root "$tmp" >/dev/null
check "regenerating the copy makes --check pass" python3 "$GEN" --check --root "$tmp"
ktap_finish
