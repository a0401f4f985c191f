#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (or reuse) the rvnet test kernel in the cache:
#   source (fetch-kernel.sh) -> kernel/patches applied -> config -> bzImage.
# A stamp of version + config fragment + patches says whether the build is
# current; a change rebuilds incrementally in the same O= directory.
set -euo pipefail
. "$(dirname "$0")/common.sh"

"$RVNET_ROOT/scripts/fetch-kernel.sh"

key=$(kernel_key)
if [ -f "$KIMAGE" ] && [ "$(cat "$KBUILD/.rvnet-key" 2>/dev/null)" = "$key" ]; then
	log "$RVNET_KERNEL kernel is current ($key): $KIMAGE"
	exit 0
fi

# --- patches: revert what an earlier series applied, apply ours -------------
applied=$KSRC/.rvnet-patches
mkdir -p "$applied"
want=$(cd "$RVNET_ROOT/kernel/patches" && cat *.patch | sha256sum)
have=$(cd "$applied" && { cat *.patch 2>/dev/null || true; } | sha256sum)
if [ "$want" != "$have" ]; then
	for p in $(ls -r "$applied"/*.patch 2>/dev/null); do
		log "reverting $(basename "$p")"
		patch -d "$KSRC" -p1 -R -E -s --no-backup-if-mismatch < "$p" ||
			die "cannot revert $p; delete $KSRC to start over"
		rm -f "$p"
	done
	for p in "$RVNET_ROOT"/kernel/patches/*.patch; do
		log "applying $(basename "$p")"
		patch -d "$KSRC" -p1 -E -s --no-backup-if-mismatch < "$p" ||
			die "patch $(basename "$p") does not apply to $KSRC"
		cp "$p" "$applied/"
	done
fi

# --- toolchain check ----------------------------------------------------------
mkdir -p "$KBUILD"
if ! make -C "$KSRC" O="$KBUILD" -s rustavailable >"$KBUILD/.rustavailable.log" 2>&1; then
	cat "$KBUILD/.rustavailable.log" >&2
	die "'make rustavailable' failed: run scripts/setup.sh (rust-src, bindgen, libclang)"
fi

# --- config -------------------------------------------------------------------
ckey=$(cat "$RVNET_ROOT/kernel/VERSION" $KFRAGS | sha256sum | cut -c1-16)
if [ "$(cat "$KBUILD/.rvnet-config-key" 2>/dev/null)" != "$ckey" ] || [ ! -f "$KBUILD/.config" ]; then
	log "configuring the $RVNET_KERNEL kernel (virtme-ng defconfig + $(for f in $KFRAGS; do printf '%s ' "virtme/$(basename "$f")"; done| sed 's/ $//;s/ / + /g'))"
	cat $KFRAGS > "$KBUILD/.rvnet-fragment.config"
	# virtme-configkernel is chatty (every override); keep its output in a log.
	(cd "$KSRC" && "$VENV/bin/virtme-configkernel" --defconfig \
		--custom "$KBUILD/.rvnet-fragment.config" O="$KBUILD") >"$KBUILD/.config.log" 2>&1 ||
		die "virtme-configkernel failed"
	for opt in RUST MODULES MODULE_UNLOAD NET_NS IPV6 PACKET VETH TUN NET_PKTGEN \
		   9P_FS OVERLAY_FS BRIDGE; do
		grep -q "^CONFIG_$opt=y" "$KBUILD/.config" ||
			die "CONFIG_$opt is not =y after configuring; see $KBUILD/.config"
	done
	# The checkers: on in the test kernel, off in the bench kernel.
	for opt in PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_NET DEBUG_KMEMLEAK NET_DEV_REFCNT_TRACKER; do
		if [ "$RVNET_KERNEL" = debug ]; then
			grep -q "^CONFIG_$opt=y" "$KBUILD/.config" ||
				die "CONFIG_$opt is not =y after configuring; see $KBUILD/.config"
		elif grep -q "^CONFIG_$opt=y" "$KBUILD/.config"; then
			die "CONFIG_$opt is still =y in the bench kernel; see $KBUILD/.config"
		fi
	done
	echo "$ckey" > "$KBUILD/.rvnet-config-key"
fi

# --- build ----------------------------------------------------------------------
jobs=$(( $(nproc) + 1 ))
log "building the $RVNET_KERNEL kernel in $KBUILD (make -j$jobs; cold: about 15-20 min on 2 cores)"
start=$(date +%s)
if ! make -C "$KSRC" O="$KBUILD" -j"$jobs" -s all >"$KBUILD/.build.log" 2>&1; then
	tail -n 40 "$KBUILD/.build.log" >&2
	die "kernel build failed; full log: $KBUILD/.build.log"
fi
echo "$key" > "$KBUILD/.rvnet-key"
log "$RVNET_KERNEL kernel built in $(( $(date +%s) - start )) s: $KIMAGE"
