#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build rvnet.ko against the $RVNET_KERNEL kernel (scripts/common.sh):
#   debug  in the tree, as `make module` does (module/rvnet.ko);
#   bench  in a copy of the sources under $RVNET_CACHE, because kbuild keeps
#          an external module's objects beside its sources and refuses an
#          MO= directory for a tree that has objects of its own.
# The copy holds the sources (.rs, Kbuild), refreshed on every call; make
# rebuilds what changed.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ -f "$KBUILD/Module.symvers" ] || die "no $RVNET_KERNEL kernel build in $KBUILD: run 'RVNET_KERNEL=$RVNET_KERNEL scripts/kernel.sh'"
if [ "$RVNET_KERNEL" = debug ]; then
	exec make -C "$KBUILD" M="$RVNET_ROOT" -s modules
fi
copy=$(dirname "$(dirname "$RVNET_MODULE")")
copy_module_sources "$copy"
make -C "$KBUILD" M="$copy" -s modules
[ -f "$RVNET_MODULE" ] || die "no $RVNET_MODULE after building"
log "module for the $RVNET_KERNEL kernel: $RVNET_MODULE"
