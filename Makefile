# SPDX-License-Identifier: GPL-2.0
# rvnet: the kernel way to build (Kbuild, `make -C $KDIR M=$PWD`) plus the
# project's targets. `make help` lists them.

# kbuild itself reads ./Kbuild (module/ -> rvnet.ko), never this file.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
SHELL := /bin/bash
PATHS := $(shell RVNET_KERNEL=debug bash $(ROOT)/scripts/paths.sh)
KBUILD_DIR := $(patsubst KBUILD=%,%,$(filter KBUILD=%,$(PATHS)))
TOOL := $(ROOT)/tools/rvnetctl/target/release/rvnetctl
PLUGIN_DIR := $(ROOT)/tools/ipplugin
PLUGINS := $(PLUGIN_DIR)/target/ip
CMD ?=

# The kernel build the module is built against: the cached one, or the
# user's own 7.3 tree carrying kernel/patches/ (make module KDIR=...).
KDIR ?= $(KBUILD_DIR)
# Its release, for /lib/modules/$(KERNELRELEASE).
KERNELRELEASE ?= $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)

# make install: into the running system, or a staging root (DESTDIR=...).
DESTDIR ?=
PREFIX ?= /usr/local
MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
# Where Debian's ip looks for link_<kind>.so (its LIBDIR/ip).
IPLIBDIR ?= /usr/lib/$(MULTIARCH)/ip
IP ?= $(shell command -v ip)
DEPMOD ?= /sbin/depmod

.PHONY: all help setup kernel module tool plugins clients cargo-test test-modules vm test stress demo bench \
	paths clean install uninstall install-files kernel-patches

all: module tool plugins

help:
	@echo "make demo     set up, build, boot a VM and show rvnet at work"
	@echo "make test     set up, build, cargo test, then every VM test"
	@echo "make stress   the long runs (bounded) in one VM boot: test 24's million-packet round trips"
	@echo "make bench    rveth vs veth and rtun vs tun in one VM boot: medians, ratios, JSON + SVG"
	@echo "              (on the bench kernel, built once into the cache; KERNEL=debug: the test kernel)"
	@echo "make vm CMD=… boot the test kernel with rvnet.ko loaded and run CMD (no CMD: a shell; KERNEL=bench: the bench kernel)"
	@echo "make install  (as root, after make) the module, rvnetctl, the ip plugins, completions, man page"
	@echo "make uninstall  removes what make install put there (same DESTDIR/PREFIX)"
	@echo "make module KDIR=/your/7.3/build   the module against your kernel (kernel-patches first)"
	@echo "make kernel-patches KSRC=/your/linux-7.3   apply kernel/patches/ to your tree"
	@echo "make clients  the real clients the VM tests run (tests/clients/), built into \$$RVNET_CACHE/clients"
	@echo "make setup | kernel | module | tool | plugins | clients | cargo-test | paths | clean"

setup:
	@bash $(ROOT)/scripts/setup.sh

kernel: setup
	@bash $(ROOT)/scripts/kernel.sh

# The module alone, against the cached kernel (after `make kernel`) or KDIR.
module:
	@test -f $(KDIR)/Module.symvers || { echo "no kernel build in $(KDIR): run 'make kernel' or give KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(ROOT) modules

tool:
	cd $(ROOT)/tools/rvnetctl && cargo build --release --locked

# The iproute2 plugins: one shared object under both names ip looks for,
# checked against the ip it is for (refused for another iproute2).
plugins:
	cd $(PLUGIN_DIR) && cargo build --release --locked
	@bash $(PLUGIN_DIR)/check-ip.sh "$(IP)" $(PLUGIN_DIR)/target/release/librvnet_iproute2.so
	@mkdir -p $(PLUGINS)
	@cp -f $(PLUGIN_DIR)/target/release/librvnet_iproute2.so $(PLUGINS)/link_rveth.so
	@ln -sf link_rveth.so $(PLUGINS)/link_rtun.so

# The third-party clients the VM tests run (tests/clients/NAME, each a Cargo
# project with its Cargo.lock, e.g. tunrs-echo on the tun-rs crate for test
# 48): built on the host, the guest cannot, into the cache (nothing in the
# repo); a no-op when up to date.
clients:
	@bash $(ROOT)/scripts/clients.sh

# kernel/patches/ onto the user's own 7.3 tree (once; a tree that has them
# already is left alone, one that half-has them is refused).
kernel-patches:
	@bash $(ROOT)/scripts/kernel-patches.sh "$(KSRC)"

# What make install puts where (make uninstall removes exactly these).
MOD_DEST := /lib/modules/$(KERNELRELEASE)/extra/rvnet.ko
INSTALLED := $(MOD_DEST) $(PREFIX)/bin/rvnetctl \
	$(IPLIBDIR)/link_rveth.so $(IPLIBDIR)/link_rtun.so \
	$(PREFIX)/share/bash-completion/completions/rvnetctl \
	$(PREFIX)/share/zsh/site-functions/_rvnetctl \
	$(PREFIX)/share/fish/vendor_completions.d/rvnetctl.fish \
	$(PREFIX)/share/man/man1/rvnetctl.1

install-files:
	@for f in $(INSTALLED); do echo "$$f"; done

# Installs what `make` built; builds nothing (as `make modules_install`).
install:
	@test -f $(ROOT)/module/rvnet.ko && test -x $(TOOL) && test -f $(PLUGINS)/link_rveth.so || \
	  { echo "nothing built: run 'make' first" >&2; exit 1; }
	@test -n "$(KERNELRELEASE)" || { echo "no kernel release in $(KDIR)" >&2; exit 1; }
	@bash $(PLUGIN_DIR)/check-ip.sh "$(IP)" $(PLUGINS)/link_rveth.so
	install -D -m 0644 $(ROOT)/module/rvnet.ko $(DESTDIR)$(MOD_DEST)
	$(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) $(KERNELRELEASE)
	install -D -m 0755 $(TOOL) $(DESTDIR)$(PREFIX)/bin/rvnetctl
	install -D -m 0644 $(PLUGINS)/link_rveth.so $(DESTDIR)$(IPLIBDIR)/link_rveth.so
	ln -sf link_rveth.so $(DESTDIR)$(IPLIBDIR)/link_rtun.so
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d $(DESTDIR)$(PREFIX)/share/man/man1
	$(TOOL) completions bash >$(DESTDIR)$(PREFIX)/share/bash-completion/completions/rvnetctl
	$(TOOL) completions zsh >$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_rvnetctl
	$(TOOL) completions fish >$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/rvnetctl.fish
	$(TOOL) manpage >$(DESTDIR)$(PREFIX)/share/man/man1/rvnetctl.1

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@if [ -d $(DESTDIR)/lib/modules/$(KERNELRELEASE) ]; then \
	  rmdir --ignore-fail-on-non-empty $(DESTDIR)/lib/modules/$(KERNELRELEASE)/extra; \
	  $(DEPMOD) $(if $(DESTDIR),-b $(DESTDIR)) $(KERNELRELEASE); fi

# As root (CI, the project machines) the tests that talk to the running
# kernel's generic netlink and enter namespaces run too.
cargo-test:
	cd $(ROOT)/tools/rvnetctl && if [ "$$(id -u)" = 0 ]; then \
	  cargo test --release --locked -- --include-ignored; \
	else cargo test --release --locked; fi

# Modules that only the runner's own tests load (tests/modules).
test-modules:
	$(MAKE) -C $(KBUILD_DIR) M=$(ROOT)/tests/modules modules

# KERNEL=bench boots the bench kernel (after a make bench built it).
vm:
	@RVNET_KERNEL=$(or $(KERNEL),debug) bash $(ROOT)/virtme/run.sh "$(CMD)"

paths:
	@for p in $(PATHS); do echo $$p; done

test: kernel clients
	@$(MAKE) -s module tool plugins
	@$(MAKE) -s cargo-test
	@$(MAKE) -s test-modules
	@bash $(ROOT)/tests/all.sh

# The long runs, bounded, in one VM boot (tests/stress.sh): today the
# million-packet round trips of test 24 (RVNET_ROUNDTRIP=N to change).
stress: kernel clients
	@$(MAKE) -s module tool plugins
	@bash $(ROOT)/virtme/run.sh "bash $(ROOT)/tests/stress.sh"

demo: kernel
	@$(MAKE) -s module tool plugins
	@bash $(ROOT)/virtme/run.sh "bash $(ROOT)/tests/demo.sh"

# On the bench kernel (the test kernel without its checkers; its own cached
# build, kept out of make test) unless KERNEL=debug.
KERNEL ?=
bench: setup
	@RVNET_KERNEL=$(or $(KERNEL),bench) bash $(ROOT)/scripts/kernel.sh
	@RVNET_KERNEL=$(or $(KERNEL),bench) bash $(ROOT)/scripts/module.sh
	@$(MAKE) -s tool
	@RVNET_KERNEL=$(or $(KERNEL),bench) bash $(ROOT)/scripts/bench.sh

clean:
	@if [ -f $(KBUILD_DIR)/Makefile ]; then $(MAKE) -C $(KBUILD_DIR) M=$(ROOT) clean; \
	  $(MAKE) -C $(KBUILD_DIR) M=$(ROOT)/tests/modules clean; fi
	cd $(ROOT)/tools/rvnetctl && cargo clean
	cd $(PLUGIN_DIR) && cargo clean
