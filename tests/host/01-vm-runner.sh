#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side checks of the VM runner (virtme/run.sh, i.e. `make vm`): the
# command's exit status comes back, and a kernel splat fails the run.
. "$(dirname "$0")/../lib.sh"
ktap_header
ktap_plan 4
run=$RVNET_ROOT/virtme/run.sh

bash "$run" 'exit 7' >/dev/null 2>&1
expect_eq "make vm CMD='exit 7' exits 7" 7 $?
bash "$run" 'true' >/dev/null 2>&1
expect_eq "make vm CMD='true' exits 0" 0 $?
out=$(bash "$run" 'grep -q "^rvnet " /proc/modules && rvnetctl info' 2>&1)
expect_eq "rvnet.ko is loaded and rvnetctl is on PATH in the VM" 0 $? 
warn_ko=$RVNET_ROOT/tests/modules/rvnet_test_warn.ko
out=$(RVNET_VM_MODULES="$warn_ko" bash "$run" 'true' 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "kernel splat" <<<"$out"; then
	ktap_ok "a module that WARNs on load fails the run"
else
	ktap_fail "a module that WARNs on load fails the run (exit $rc)"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
fi
ktap_finish
