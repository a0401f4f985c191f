#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# rvnet.ko loads, says so in dmesg, and unloads cleanly, 20 times over.
. "$(dirname "$0")/lib.sh"
ktap_header
ktap_plan 4

rounds=20
rvnet_loaded && rmmod rvnet
before=$(dmesg | grep -c 'rvnet 0.1.0 loaded')
ok=0
for i in $(seq $rounds); do
	insmod "$RVNET_KO" || break
	rvnet_loaded || break
	rmmod rvnet || break
	rvnet_loaded && break
	ok=$i
done
expect_eq "insmod/rmmod $rounds times" "$rounds" "$ok"
after=$(dmesg | grep -c 'rvnet 0.1.0 loaded')
expect_eq "each load logs the version" "$rounds" "$((after - before))"
check "module is gone after rmmod" bash -c "! grep -q '^rvnet ' /proc/modules"
check "loads again" insmod "$RVNET_KO"
ktap_finish
