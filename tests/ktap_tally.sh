# SPDX-License-Identifier: GPL-2.0
# The runners' count of one test's results (tests/run.sh, tests/all.sh; source
# this file). As the kernel's kselftest/ktap_helpers.sh (ktap_finished): a
# test passes only when it ran as many results as its plan says; a result
# that did not run is a failure, never a silence.

# ktap_tally NAME FILE: count the results in FILE, the KTAP output of test
# NAME, and check them against its plan line "1..N". Sets t_pass, t_fail,
# t_skip (a skip is run but never passed), t_ran, t_plan and t_missing: the
# failures the plan adds, the planned results that did not run (1 when there
# is no plan, more than one, or more results than planned). Prints a "# ..."
# line saying what is wrong with the plan.
ktap_tally() {
	local name=$1 file=$2 plans
	t_pass=$(grep -E '^ok [0-9]+' "$file" | grep -vc '# SKIP')
	t_skip=$(grep -E '^ok [0-9]+' "$file" | grep -c '# SKIP')
	t_fail=$(grep -Ec '^not ok [0-9]+' "$file")
	t_ran=$((t_pass + t_skip + t_fail))
	plans=$(grep -Ec '^1\.\.[0-9]+' "$file")
	t_plan=$(grep -Em1 '^1\.\.[0-9]+' "$file" | sed 's/^1\.\.\([0-9]*\).*/\1/')
	t_missing=0
	if [ "$plans" -eq 0 ]; then
		echo "# $name: no plan (1..N): planned none, ran $t_ran; counted as 1 failed"
		t_missing=1
	elif [ "$plans" -gt 1 ]; then
		echo "# $name: $plans plan lines: planned $t_plan first, ran $t_ran; counted as 1 failed"
		t_missing=1
	elif [ "$t_ran" -lt "$t_plan" ]; then
		t_missing=$((t_plan - t_ran))
		echo "# $name: planned $t_plan, ran $t_ran: the $t_missing not run counted as failed"
	elif [ "$t_ran" -gt "$t_plan" ]; then
		echo "# $name: planned $t_plan, ran $t_ran: more results than planned, counted as 1 failed"
		t_missing=1
	fi
}
