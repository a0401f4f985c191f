#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every test that is not `cargo test`: the host-side checks of the VM runner,
# then the whole VM suite in one boot. Ends with "N passed, N failed".
root=$(cd "$(dirname "$0")/.." && pwd)
passed=0; failed=0
count() { # OUTPUT
	passed=$((passed + $(grep -E '^ok [0-9]+' <<<"$1" | grep -vc '# SKIP')))
	failed=$((failed + $(grep -Ec '^not ok [0-9]+' <<<"$1")))
}
for t in "$root"/tests/host/[0-9][0-9]-*.sh; do
	echo "# host: $(basename "$t" .sh)"
	out=$(bash "$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	count "$out"
	[ $rc -ne 0 ] && [ $rc -ne 4 ] && ! grep -q '^not ok' <<<"$out" && failed=$((failed + 1))
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
