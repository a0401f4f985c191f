# SPDX-License-Identifier: GPL-2.0
# Shared settings for rvnet's scripts. Source this file; do not run it.

RVNET_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RVNET_CACHE=${RVNET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rvnet}

# The pinned kernel: Debian's linux-source package and the suite that carries it.
KPKG=$(sed -n 's/^package=//p' "$RVNET_ROOT/kernel/VERSION")
KSUITE=$(sed -n 's/^suite=//p' "$RVNET_ROOT/kernel/VERSION")
KSERIES=$(sed -n 's/^series=//p' "$RVNET_ROOT/kernel/VERSION")

KSRC=$RVNET_CACHE/linux-$KSERIES          # unpacked, patched source tree
KBUILD=$RVNET_CACHE/build-$KSERIES        # O= build directory (the module's KDIR)
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
		cat "$RVNET_ROOT/virtme/kernel.config"
		cat "$RVNET_ROOT"/kernel/patches/*.patch 2>/dev/null
	} | sha256sum | cut -c1-16
}
