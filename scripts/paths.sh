#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prints where things are (for `make paths` and the scripts).
. "$(dirname "$0")/common.sh"
echo "KERNEL=$KIMAGE"
echo "MODULE=$RVNET_MODULE"
echo "TOOL=$RVNET_ROOT/tools/rvnetctl/target/release/rvnetctl"
echo "KSRC=$KSRC"
echo "KBUILD=$KBUILD"
echo "VNG=$VNG"
echo "CLIENTS=$RVNET_CACHE/clients"
