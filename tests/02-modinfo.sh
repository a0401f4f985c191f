#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module carries full modinfo and was built for the running kernel.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 7

field() { modinfo -F "$1" "$RVNET_KO"; }
expect_eq "name" "rvnet" "$(field name)"
expect_eq "license" "GPL" "$(field license)"
expect_eq "version" "0.1.0" "$(field version)"
check "description" test -n "$(field description)"
check "author" test -n "$(field author)"
check "genl family autoload alias" bash -c "modinfo -F alias '$RVNET_KO' | grep -qx net-pf-16-proto-16-family-rvnet"
expect_eq "vermagic matches the running kernel" "$(uname -r)" "$(field vermagic | awk '{print $1}')"
ktap_finish
