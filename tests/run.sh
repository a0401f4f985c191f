#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every rvnet VM test (tests/*.sh, or those named) in this boot.
# Output is TAP 13; the last line is "N passed, N failed" over all test cases.
# Skips are listed apart and never counted as passed.
#   tests/run.sh [test.sh ...]
cd "$(dirname "$0")" || exit 1
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
	out=$(cat "$log")
	p=$(printf '%s\n' "$out" | grep -E '^ok [0-9]+' | grep -vc '# SKIP')
	f=$(printf '%s\n' "$out" | grep -Ec '^not ok [0-9]+')
	s=$(printf '%s\n' "$out" | grep -E '^ok [0-9]+' | grep -c '# SKIP')
	passed=$((passed + p)); failed=$((failed + f))
	[ "$s" -gt 0 ] && skipped+=("$name: $s case(s)")
	case $rc in
	0) [ "$f" -eq 0 ] && echo "ok $n $name # $(( $(date +%s) - start ))s" ||
		{ echo "not ok $n $name # exit 0 with failed cases"; failed_names+=("$name"); } ;;
	4) echo "ok $n $name # SKIP"; skipped+=("$name: whole test") ;;
	*) echo "not ok $n $name # exit $rc"; failed_names+=("$name")
	   # A crash or timeout with no failed case reported still counts once.
	   [ "$f" -eq 0 ] && failed=$((failed + 1)) ;;
	esac
done
echo "# skipped: ${#skipped[@]}"
for s in "${skipped[@]}"; do echo "#   $s"; done
[ ${#failed_names[@]} -gt 0 ] && echo "# failed tests: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ ${#failed_names[@]} -eq 0 ]
