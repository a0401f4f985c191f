# SPDX-License-Identifier: GPL-2.0
# Shared settings for rvnet's scripts. Source this file; do not run it.

RVNET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RVNET_CACHE=${RVNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rvnet}

# The pinned kernel: Debian's linux-source package and the suite that carries it.
KPKG=$(sed -n 's/^package=//p' "$RVNET_ROOT/kernel/VERSION")
KSUITE=$(sed -n 's/^suite=//p' "$RVNET_ROOT/kernel/VERSION")
KSERIES=$(sed -n 's/^series=//p' "$RVNET_ROOT/kernel/VERSION")

KSRC=$RVNET_CACHE/linux-$KSERIES          # unpacked, patched source tree
# Which kernel: "debug" (the test kernel, with the checkers; the default) or
# "bench" (the same without them, for `make bench`; its own O= directory).
export RVNET_KERNEL=${RVNET_KERNEL:-debug}
case $RVNET_KERNEL in
debug)	KBUILD=$RVNET_CACHE/build-$KSERIES          # O= build directory (the module's KDIR)
	KFRAGS="$RVNET_ROOT/virtme/kernel.config"
	RVNET_MODULE=$RVNET_ROOT/module/rvnet.ko ;;
# The bench module is built from a copy of the sources (scripts/module.sh):
# kbuild keeps an external module's objects next to its sources.
bench)	KBUILD=$RVNET_CACHE/build-$KSERIES-bench
	KFRAGS="$RVNET_ROOT/virtme/kernel.config $RVNET_ROOT/virtme/kernel-bench.config"
	RVNET_MODULE=$RVNET_CACHE/module-$KSERIES-bench/module/rvnet.ko ;;
*)	printf '[rvnet] error: RVNET_KERNEL=%s: debug or bench\n' "$RVNET_KERNEL" >&2; exit 1 ;;
esac
KIMAGE=$KBUILD/arch/x86/boot/bzImage
VENV=$RVNET_CACHE/venv
VNG=$VENV/bin/vng
BINDGEN_VERSION=0.73.2

export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export PATH=$VENV/bin:$HOME/.cargo/bin:$PATH

log() { printf '[rvnet] %s\n' "$*" >&2; }
die() { printf '[rvnet] error: %s\n' "$*" >&2; exit 1; }

# Key of everything that decides the kernel image: version, config fragment, patches.
kernel_key() {
	{
		cat "$RVNET_ROOT/kernel/VERSION"
		cat $KFRAGS
		cat "$RVNET_ROOT"/kernel/patches/*.patch 2>/dev/null
	} | sha256sum | cut -c1-16
}

# copy_module_sources DIR: make DIR's module sources (.rs, Kbuild) those of
# the tree. Changed files are copied (the others keep their times, so make
# leaves them be); files gone from the tree go from DIR; build outputs stay.
copy_module_sources() {
	local dir=$1 f
	mkdir -p "$dir" || return 1
	(cd "$RVNET_ROOT" && find Kbuild module -name '*.rs' -o -name Kbuild) | sort >"$dir/.sources"
	while read -r f; do
		cmp -s "$RVNET_ROOT/$f" "$dir/$f" || install -D -m 0644 "$RVNET_ROOT/$f" "$dir/$f" || return 1
	done <"$dir/.sources"
	(cd "$dir" && find Kbuild module -name '*.rs' -o -name Kbuild 2>/dev/null) | sort |
		comm -13 "$dir/.sources" - | while read -r f; do rm -f "$dir/$f"; done
}
