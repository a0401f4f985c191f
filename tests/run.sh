#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every rvnet VM test (tests/*.sh, or those named) in this boot.
# Output is TAP 13; the last line is "N passed, N failed" over all test cases.
# Skips are listed apart and never counted as passed. A test that prints no
# plan, or whose results do not number its plan, fails: each planned case
# that did not run counts as failed (tests/ktap_tally.sh).
#   tests/run.sh [test.sh ...]
cd "$(dirname "$0")" || exit 1
. ./ktap_tally.sh
tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=($(ls [0-9][0-9]-*.sh))

passed=0; failed=0; skipped=(); failed_names=()
log=$(mktemp); trap 'rm -f "$log"' EXIT
echo "TAP version 13"
echo "1..${#tests[@]}"
n=0
for t in "${tests[@]}"; do
	n=$((n + 1))
	name=${t%.sh}
	echo "# --- $name"
	start=$(date +%s)
	# Stream the test's output (indented) and keep it for counting.
	timeout "${RVNET_TEST_TIMEOUT:-2700}" bash "$t" 2>&1 | tee "$log" | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}
	# Its results against its plan: planned ones that did not run fail.
	ktap_tally "$name" "$log"
	passed=$((passed + t_pass)); failed=$((failed + t_fail + t_missing))
	[ "$t_skip" -gt 0 ] && skipped+=("$name: $t_skip case(s)")
	plan_note=
	[ "$t_missing" -gt 0 ] && plan_note=", planned ${t_plan:-none}, ran $t_ran"
	case $rc in
	0) if [ "$t_fail" -eq 0 ] && [ "$t_missing" -eq 0 ]; then
		echo "ok $n $name # $(( $(date +%s) - start ))s"
	   else
		echo "not ok $n $name # exit 0 with failed cases$plan_note"; failed_names+=("$name")
	   fi ;;
	4) if [ "$t_fail" -eq 0 ] && [ "$t_missing" -eq 0 ]; then
		echo "ok $n $name # SKIP"; skipped+=("$name: whole test")
	   else
		echo "not ok $n $name # exit 4 (skip) with failed cases$plan_note"; failed_names+=("$name")
	   fi ;;
	*) echo "not ok $n $name # exit $rc$plan_note"; failed_names+=("$name")
	   # A crash or timeout with no failed or missing case still counts once.
	   [ "$t_fail" -eq 0 ] && [ "$t_missing" -eq 0 ] && failed=$((failed + 1)) ;;
	esac
done
echo "# skipped: ${#skipped[@]}"
for s in "${skipped[@]}"; do echo "#   $s"; done
[ ${#failed_names[@]} -gt 0 ] && echo "# failed tests: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ ${#failed_names[@]} -eq 0 ]
