#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make stress`: the long versions of tests whose short versions `make
# test` runs, in this boot, each bounded. Today: test 24 with 1,000,000
# TUN (and 100,000 TAP) packets per driver (RVNET_ROUNDTRIP overrides).
# Prints run.sh's "N passed, N failed" line; exits 1 on a failure.
set -u
export RVNET_ROUNDTRIP=${RVNET_ROUNDTRIP:-1000000}
exec bash "$(dirname "$0")/run.sh" 24-rtun-roundtrip.sh
