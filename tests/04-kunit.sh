#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module's KUnit suites (#[kunit_tests] in module/abstractions/) ran
# when rvnet.ko loaded, and every case passed: the policy tables, the
# family's flag bitfield and the vtables are what the C side expects.
. "$(dirname "$0")/lib.sh"
ktap_header
suites=(rvnet_netlink rvnet_genl rvnet_netdev_vtable rvnet_rcu)
ktap_plan $((2 * ${#suites[@]}))

# A fresh load runs the suites again; their results stay in debugfs while
# the module is loaded.
rvnet_loaded && rmmod rvnet
insmod "$RVNET_KO"
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
for s in "${suites[@]}"; do
	f=/sys/kernel/debug/kunit/$s/results
	out=$(cat "$f" 2>/dev/null)
	diag "$s: $(grep -c '^ *ok ' <<<"$out") ok, $(grep -c '^ *not ok ' <<<"$out") not ok"
	# The suite's own line: "ok 1 <suite>" (not a case line).
	check "$s: the suite ran" grep -Eq "^ok [0-9]+ $s\$" <<<"$out"
	# A missing results file is a failure here too, not "no failures".
	if [ -n "$out" ]; then fails=$(grep -c 'not ok' <<<"$out"); else fails="no results"; fi
	expect_eq "$s: no case failed" 0 "$fails"
done
ktap_finish
