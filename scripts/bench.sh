#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: tests/bench.sh in one VM boot of the $RVNET_KERNEL kernel
# (bench unless `make bench KERNEL=debug`), its results brought back to the
# host as JSON and drawn as an SVG chart next to it:
#
#   $RVNET_BENCH_OUT/bench-DATE-COMMIT-KERNEL.json, .svg   (and latest.json, .svg)
#
# RVNET_BENCH_OUT defaults to $RVNET_CACHE/bench. Every RVNET_BENCH_*
# variable is handed to tests/bench.sh in the VM (ROUNDS, ONLY, ...).
set -uo pipefail
. "$(dirname "$0")/common.sh"

out=${RVNET_BENCH_OUT:-$RVNET_CACHE/bench}
mkdir -p "$out" || die "cannot create $out"
out=$(cd "$out" && pwd)
commit=$(git -C "$RVNET_ROOT" describe --always --dirty --abbrev=7 2>/dev/null || echo unknown)
export RVNET_BENCH_COMMIT=$commit
export RVNET_BENCH_ACCEL=$(cat "$RVNET_CACHE/kvm-probe" 2>/dev/null || echo unknown)
export RVNET_BENCH_KERNEL=$RVNET_KERNEL
export RVNET_BENCH_JSON=$out/bench-$(date -u +%Y%m%d-%H%M%S)-$commit-$RVNET_KERNEL.json
log "benchmarks on the $RVNET_KERNEL kernel ($KIMAGE)"

vars=
for v in ${!RVNET_BENCH_@}; do vars+="$v=$(printf %q "${!v}") "; done
# The guest writes the JSON straight into $out, shared read-write.
RVNET_VM_RWDIR=$out bash "$RVNET_ROOT/virtme/run.sh" "${vars}bash $RVNET_ROOT/tests/bench.sh"
status=$?

json=$RVNET_BENCH_JSON
if [ -f "$json" ]; then
	svg=${json%.json}.svg
	if python3 "$RVNET_ROOT/tests/tools/bench_chart.py" "$json" -o "$svg"; then
		ln -sfn "$(basename "$json")" "$out/latest.json"
		ln -sfn "$(basename "$svg")" "$out/latest.svg"
		log "results: $json"
		log "chart:   $svg"
	else
		log "results: $json (no chart: bench_chart.py failed)"
		[ "$status" = 0 ] && status=1
	fi
elif [ "$status" = 0 ]; then
	die "the bench wrote no $json"
fi
exit "$status"
