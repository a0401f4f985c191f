#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the cached rvnet test kernel in virtme-ng, load rvnet.ko, run a command
# as root and exit with its status. Without a command: an interactive shell.
#
#   virtme/run.sh 'CMD'          (what `make vm CMD='CMD'` calls)
#
# vng's own exit status is not reliable here (255 in this sandbox), so the
# guest writes its status into a shared --rwdir. After the command the guest
# unloads rvnet, runs a kmemleak scan and saves dmesg; any splat after the
# point where rvnet was loaded fails the run.
#
# Environment: RVNET_KERNEL=bench (boot the bench kernel with the module
# built for it; default debug, the test kernel), RVNET_NO_LOAD=1 (do not insmod), RVNET_VM_MODULES="a.ko b.ko"
# (load these instead), RVNET_VM_TIMEOUT (seconds, default 3600),
# RVNET_VM_MEM (default 2G), RVNET_VM_CPUS (default 2), RVNET_VM_RWDIR (a
# host directory the guest may write too, at the same path; created here:
# how `make bench` gets its JSON out).
set -uo pipefail
. "$(dirname "$0")/../scripts/common.sh"

cmd=${1:-}
[ -f "$KIMAGE" ] || die "no $RVNET_KERNEL kernel at $KIMAGE: run 'make kernel' (RVNET_KERNEL=$RVNET_KERNEL)"
[ -x "$VNG" ] || die "no virtme-ng at $VNG: run 'make setup'"
module=${RVNET_VM_MODULES:-$RVNET_MODULE}
if [ "${RVNET_NO_LOAD:-0}" != 1 ]; then
	for m in $module; do [ -f "$m" ] || die "no module at $m: run 'make module'"; done
fi

# KVM when it works, else TCG. Nested KVM hangs on some hosts, so boot the
# kernel once under KVM with a short timeout and remember the answer.
kvm_args() {
	local probe=$RVNET_CACHE/kvm-probe
	if [ ! -e /dev/kvm ]; then echo --disable-kvm; return; fi
	if [ ! -f "$probe" ]; then
		log "probing KVM (once per machine)"
		if timeout 20 qemu-system-x86_64 -enable-kvm -cpu host -m 256 -nographic \
			-no-reboot -kernel "$KIMAGE" -append "console=ttyS0 panic=-1" \
			</dev/null 2>/dev/null | grep -q -m1 "Linux version"; then
			echo kvm > "$probe"
		else
			echo tcg > "$probe"
		fi
		pkill -f "qemu-system-x86_64 -enable-kvm -cpu host -m 256" 2>/dev/null || true
	fi
	[ "$(cat "$probe")" = kvm ] || echo --disable-kvm
}

res=$(mktemp -d /tmp/rvnet-vm.XXXXXX)
trap 'rm -rf "$res"' EXIT
printf '%s\n' "$cmd" > "$res/cmd"
echo "${RVNET_NO_LOAD:-0}" > "$res/noload"
echo "$module" > "$res/modules"
echo "$(dirname "$(bash "$RVNET_ROOT/scripts/paths.sh" | sed -n 's/^TOOL=//p')")" > "$res/path"
# The cache, for what the tests run from it (the clients scripts/clients.sh built).
echo "$RVNET_CACHE" > "$res/cache"

vng_args=(--run "$KIMAGE" $(kvm_args) --force-9p --cpus "${RVNET_VM_CPUS:-2}"
	  --memory "${RVNET_VM_MEM:-2G}" --rwdir "$res" --cwd "$PWD"
	  --append "bonding.max_bonds=0 ifb.numifbs=0")
if [ -n "${RVNET_VM_RWDIR:-}" ]; then
	mkdir -p "$RVNET_VM_RWDIR" || die "cannot create $RVNET_VM_RWDIR"
	vng_args+=(--rwdir "$(cd "$RVNET_VM_RWDIR" && pwd)")
fi

if [ -z "$cmd" ]; then
	# Interactive: load the module, then a shell; no status to carry back.
	exec "$VNG" "${vng_args[@]}" --exec "bash $RVNET_ROOT/virtme/guest.sh $res --shell"
fi

# One VM at a time on this machine: under TCG two VMs at once slow each other
# down many times over and have failed to start. Wait for the one running.
exec 9>"$RVNET_CACHE/vm.lock"
if ! flock -n 9; then
	log "another rvnet VM is running; waiting for it"
	flock 9
fi

boot() {
	timeout "${RVNET_VM_TIMEOUT:-3600}" "$VNG" "${vng_args[@]}" \
		--exec "bash $RVNET_ROOT/virtme/guest.sh $res" </dev/null >"$res/vng.log" 2>&1 &
	vng_pid=$!
	# Stream what the command prints while it runs.
	touch "$res/output"
	tail -n +1 -f --pid=$vng_pid "$res/output" 2>/dev/null
	wait $vng_pid
}
boot
# A VM that never reached the guest script (qemu/vng start-up trouble, seen
# when several VMs start at once on a loaded host) is booted once more; one
# that started the command and then died is a failure.
if [ ! -f "$res/status" ] && [ ! -s "$res/output" ] && [ ! -f "$res/dmesg" ]; then
	log "the VM did not start the command; booting once more"
	tail -n 5 "$res/vng.log" >&2
	boot
fi

if [ ! -f "$res/status" ]; then
	tail -n 40 "$res/vng.log" >&2
	die "the VM ended without a result (boot failure, panic or timeout)"
fi
status=$(cat "$res/status")

# Splats after rvnet was loaded fail the run, whatever the command said.
splat_re='Call Trace|BUG:|WARNING:|unreferenced object|UBSAN:|KASAN:|possible circular locking|possible recursive locking|INFO: task .* blocked|general protection fault|Oops'
if [ -f "$res/dmesg" ] && sed -n '/rvnet-vm: start/,$p' "$res/dmesg" | grep -Eq "$splat_re"; then
	echo "---- guest dmesg (kernel splat after rvnet-vm: start) ----" >&2
	sed -n '/rvnet-vm: start/,$p' "$res/dmesg" | grep -E -A 25 "$splat_re" | head -n 120 >&2
	echo "make vm: FAIL: kernel splat in dmesg (command status $status)" >&2
	[ "$status" = 0 ] && status=1
fi
if [ -s "$res/kmemleak" ]; then
	echo "---- kmemleak ----" >&2
	head -n 60 "$res/kmemleak" >&2
	echo "make vm: FAIL: kmemleak reported unreferenced objects" >&2
	[ "$status" = 0 ] && status=1
fi
exit "$status"
