#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every test that is not `cargo test`: the host-side checks of the VM runner,
# then the whole VM suite in one boot. Ends with "N passed, N failed".
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/ktap_tally.sh"
passed=0; failed=0
out=$(mktemp); trap 'rm -f "$out"' EXIT
for t in "$root"/tests/host/[0-9][0-9]-*.sh; do
	name=$(basename "$t" .sh)
	echo "# host: $name"
	bash "$t" >"$out" 2>&1; rc=$?
	cat "$out"
	# Its results against its plan: planned ones that did not run fail.
	ktap_tally "host/$name" "$out"
	passed=$((passed + t_pass)); failed=$((failed + t_fail + t_missing))
	# A crash with no failed or missing case still counts once.
	[ $rc -ne 0 ] && [ $rc -ne 4 ] && [ "$t_fail" -eq 0 ] && [ "$t_missing" -eq 0 ] &&
		failed=$((failed + 1))
done

echo "# VM suite (one boot)"
vm_out=$(mktemp)
bash "$root/virtme/run.sh" "bash $root/tests/run.sh" 2>&1 | tee "$vm_out"
vm_rc=${PIPESTATUS[0]}
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$vm_out" | tail -n1)
rm -f "$vm_out"
if [ -z "$last" ]; then
	echo "# the VM suite did not finish (exit $vm_rc)"
	failed=$((failed + 1))
else
	passed=$((passed + $(awk '{print $1}' <<<"$last")))
	failed=$((failed + $(awk '{print $3}' <<<"$last")))
	# A clean suite whose VM run still failed (splat, leak, rmmod) is a failure.
	if [ "$vm_rc" -ne 0 ] && [ "$(awk '{print $3}' <<<"$last")" = 0 ]; then
		echo "# the VM run failed after the suite passed (exit $vm_rc): see above"
		failed=$((failed + 1))
	fi
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
