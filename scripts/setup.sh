#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what rvnet needs on a Debian 12 machine, skipping what is there:
# Debian packages, rust-src, bindgen-cli, virtme-ng (in a venv in the cache).
# Idempotent: a second run takes a second or two.
set -euo pipefail
. "$(dirname "$0")/common.sh"

[ "$(id -u)" = 0 ] || die "run as root (apt-get, insmod in the VM)"

# Debian packages: command or file that shows each is present.
declare -A PKGS=(
	[flex]=/usr/bin/flex [bison]=/usr/bin/bison [bc]=/usr/bin/bc
	[libelf-dev]=/usr/include/libelf.h [libssl-dev]=/usr/include/openssl/ssl.h
	[cpio]=/usr/bin/cpio [xz-utils]=/usr/bin/xz [kmod]=/usr/bin/kmod
	[clang-19]=/usr/bin/clang-19 [libclang-19-dev]=/usr/lib/llvm-19/lib/libclang.so
	[lld-19]=/usr/bin/ld.lld-19
	[qemu-system-x86]=/usr/bin/qemu-system-x86_64 [python3-venv]=/usr/lib/python3.11/ensurepip/__init__.py
	[iproute2]=/usr/sbin/ip [ethtool]=/usr/sbin/ethtool [iputils-ping]=/usr/bin/ping
	[tcpdump]=/usr/bin/tcpdump [iperf3]=/usr/bin/iperf3 [socat]=/usr/bin/socat
	[busybox-static]=/bin/busybox [debian-archive-keyring]=/usr/share/keyrings/debian-archive-keyring.gpg
	[patch]=/usr/bin/patch [make]=/usr/bin/make [gcc]=/usr/bin/gcc [file]=/usr/bin/file
	[gcc-multilib]=/usr/include/asm
	[procps]=/usr/bin/ps [psmisc]=/usr/bin/killall
	[openvpn]=/usr/sbin/openvpn
	[strace]=/usr/bin/strace [jq]=/usr/bin/jq [binutils]=/usr/bin/nm [man-db]=/usr/bin/man
	[linux-perf]=/usr/bin/perf
	[python3-yaml]=/usr/lib/python3/dist-packages/yaml/__init__.py
	[python3-jsonschema]=/usr/lib/python3/dist-packages/jsonschema/__init__.py
)
missing=()
for p in "${!PKGS[@]}"; do
	[ -e "${PKGS[$p]}" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update >&2 || die "apt-get update failed"
	apt-get -q install -y --no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
fi

# Rust: the machine's rustup toolchain plus its sources (for the kernel's core crate).
command -v rustup >/dev/null || die "rustup not found: install Rust with rustup first"
# rustfmt and clippy: tests/host/04-style.sh checks the module with both.
for c in rust-src rustfmt clippy; do
	if ! rustup component list --installed 2>/dev/null | grep -q "^$c"; then
		log "rustup component add $c"
		rustup component add "$c" >&2 || die "rustup component add $c failed"
	fi
done
if [ "$(bindgen --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
	log "cargo install bindgen-cli $BINDGEN_VERSION (a minute or two)"
	cargo install --locked --quiet bindgen-cli --version "$BINDGEN_VERSION" >&2 ||
		die "cargo install bindgen-cli failed"
fi

# virtme-ng from PyPI, in a venv of its own.
if [ ! -x "$VNG" ]; then
	log "installing virtme-ng into $VENV"
	mkdir -p "$RVNET_CACHE"
	/usr/bin/python3 -m venv "$VENV" >&2 || die "python3 -m venv failed"
	"$VENV/bin/pip" install -q "virtme-ng==1.42" >&2 || die "pip install virtme-ng failed"
fi
log "setup complete"
