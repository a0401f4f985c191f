#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `rvnetctl info` finds the rvnet family when the module is loaded, and says
# "rvnet module not loaded" (exit non-zero) when it is not.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 8

ensure_rvnet
check "rvnetctl --version" bash -c "rvnetctl --version | grep -q '^rvnetctl '"
out=$(rvnetctl info 2>&1); rc=$?
expect_eq "info exits 0 with the module loaded" 0 "$rc"
check "info names the family" grep -q "rvnet" <<<"$out"
check "info shows the module version" grep -q "0.1.0" <<<"$out"
json=$(rvnetctl -j info)
expect_eq "info -j: version" "0.1.0" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' <<<"$json")"

rmmod rvnet
out=$(rvnetctl info 2>&1); rc=$?
check "info fails without the module" test "$rc" -ne 0
check "info says the module is not loaded" grep -q "rvnet module not loaded" <<<"$out"
insmod "$RVNET_KO"
check "info works again after reload" rvnetctl info
ktap_finish
