#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The two cached kernels (scripts/common.sh): the bench kernel is the test
# kernel minus its checkers, in its own build directory with its own module,
# and a change to its fragment never rebuilds the test kernel. What the
# fragment may say is fixed here: checkers off, profiling on, nothing else
# (the drivers compared must be the same code as in the tests).
. "$(dirname "$0")/../lib.sh"
ktap_header
ktap_plan 6
frag=$RVNET_ROOT/virtme/kernel-bench.config

# Every setting in the fragment is a checker turned off or a profiling aid.
allowed_off='PROVE_LOCKING|PROVE_RCU|LOCKDEP|DEBUG_LOCK_ALLOC|DEBUG_SPINLOCK|DEBUG_MUTEXES|DEBUG_RWSEMS|DEBUG_RT_MUTEXES|DEBUG_WW_MUTEX_SLOWPATH|DEBUG_ATOMIC_SLEEP|DEBUG_NET|DEBUG_KMEMLEAK|NET_DEV_REFCNT_TRACKER|NET_NS_REFCNT_TRACKER|DEBUG_STACK_USAGE|DEBUG_ENTRY|DEBUG_PREEMPT|FAULT_INJECTION|FAILSLAB|FAIL_PAGE_ALLOC|RUST_DEBUG_ASSERTIONS'
allowed_on='FTRACE|FUNCTION_TRACER|FUNCTION_GRAPH_TRACER|DYNAMIC_FTRACE|KPROBES|KALLSYMS_ALL'
expect_eq "virtme/kernel-bench.config only turns checkers off and profiling on" "" \
	"$(grep -Ev '^(#.*)?$' "$frag" | grep -Ev "^CONFIG_($allowed_off)=n$" | grep -Ev "^CONFIG_($allowed_on)=y$")"
# ... and turns off each checker the test kernel requires (scripts/kernel.sh).
missing=
for o in PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_NET DEBUG_KMEMLEAK NET_DEV_REFCNT_TRACKER; do
	grep -q "^CONFIG_$o=n$" "$frag" || missing+=" $o"
done
expect_eq "it turns off every checker the test kernel is built with" "" "$missing"

cache=${RVNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rvnet}
paths() { RVNET_KERNEL=$1 bash "$RVNET_ROOT/scripts/paths.sh" | sed -n "s/^$2=//p"; }
expect_eq "each kernel has its own build directory and module" \
	"$cache/build-7.3 $RVNET_ROOT/module/rvnet.ko | $cache/build-7.3-bench $cache/module-7.3-bench/module/rvnet.ko" \
	"$(paths debug KBUILD) $(paths debug MODULE) | $(paths bench KBUILD) $(paths bench MODULE)"

out=$(RVNET_KERNEL=release bash "$RVNET_ROOT/scripts/paths.sh" 2>&1); rc=$?
expect_eq "an unknown RVNET_KERNEL is an error that names the two" \
	"1 [rvnet] error: RVNET_KERNEL=release: debug or bench" "$rc $out"

# The build keys: the debug kernel's does not read the bench fragment.
tmp=$(mktemp -d); defer rm -rf "$tmp"
mkdir -p "$tmp/root/scripts" "$tmp/root/virtme" "$tmp/root/kernel"
cp "$RVNET_ROOT/scripts/common.sh" "$tmp/root/scripts/"
cp -r "$RVNET_ROOT/kernel/VERSION" "$RVNET_ROOT/kernel/patches" "$tmp/root/kernel/"
cp "$RVNET_ROOT/virtme/kernel.config" "$frag" "$tmp/root/virtme/"
key() { RVNET_KERNEL=$1 bash -c ". '$tmp/root/scripts/common.sh'; kernel_key"; }
d1=$(key debug) b1=$(key bench)
echo "CONFIG_KPROBES=y" >> "$tmp/root/virtme/kernel-bench.config"
d2=$(key debug) b2=$(key bench)
expect_eq "editing the bench fragment changes the bench kernel's key, not the test kernel's" \
	"debug same, bench changed, differ" \
	"debug $([ "$d1" = "$d2" ] && echo same || echo changed), bench $([ "$b1" = "$b2" ] && echo same || echo changed), $([ "$d1" != "$b1" ] && echo differ || echo equal)"

# make bench builds its module from a copy of the sources, refreshed each
# time: a fake tree (one source changed, one gone, one new) and a copy.
mkdir -p "$tmp/root/module/sub" "$tmp/copy/module/sub"
printf 'obj-m += module/\n' > "$tmp/root/Kbuild"
echo a > "$tmp/root/module/a.rs"; echo b2 > "$tmp/root/module/sub/b.rs"; echo n > "$tmp/root/module/new.rs"
echo x > "$tmp/root/module/notes.txt"
printf 'obj-m += module/\n' > "$tmp/copy/Kbuild"
echo a > "$tmp/copy/module/a.rs"; echo b1 > "$tmp/copy/module/sub/b.rs"; echo g > "$tmp/copy/module/gone.rs"
echo o > "$tmp/copy/module/a.o"
touch -d 2020-01-01 "$tmp/copy/module/a.rs"
RVNET_ROOT=$tmp/root bash -c ". '$RVNET_ROOT/scripts/common.sh'; RVNET_ROOT='$tmp/root'; copy_module_sources '$tmp/copy'"
expect_eq "the copy gets changed and new sources, loses gone ones, keeps outputs and unchanged files' times" \
	"Kbuild module/a.o module/a.rs module/new.rs module/sub/b.rs | b2 | 2020" \
	"$(cd "$tmp/copy" && find . -type f ! -name .sources | sed 's|^\./||' | sort | tr '\n' ' ')| $(cat "$tmp/copy/module/sub/b.rs") | $(date -r "$tmp/copy/module/a.rs" +%Y)"
ktap_finish
