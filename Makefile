# SPDX-License-Identifier: GPL-2.0
# rvnet: the kernel way to build (Kbuild, `make -C $KDIR M=$PWD`) plus the
# project's targets. `make help` lists them.

# kbuild itself reads ./Kbuild (module/ -> rvnet.ko), never this file.

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
SHELL := /bin/bash
PATHS := $(shell bash $(ROOT)/scripts/paths.sh)
KBUILD_DIR := $(patsubst KBUILD=%,%,$(filter KBUILD=%,$(PATHS)))
TOOL := $(ROOT)/tools/rvnetctl/target/release/rvnetctl
CMD ?=

.PHONY: all help setup kernel module tool cargo-test test-modules vm test demo bench paths clean

all: module tool

help:
	@echo "make demo     set up, build, boot a VM and show rvnet at work"
	@echo "make test     set up, build, cargo test, then every VM test"
	@echo "make bench    rveth vs veth and rtun vs tun in one VM boot: medians, ratios, JSON + SVG"
	@echo "make vm CMD=… boot the test kernel with rvnet.ko loaded and run CMD (no CMD: a shell)"
	@echo "make setup | kernel | module | tool | cargo-test | paths | clean"

setup:
	@bash $(ROOT)/scripts/setup.sh

kernel: setup
	@bash $(ROOT)/scripts/kernel.sh

# The module alone, against the cached kernel (after `make kernel`).
module:
	@test -f $(KBUILD_DIR)/Module.symvers || { echo "no kernel build: run 'make kernel'" >&2; exit 1; }
	$(MAKE) -C $(KBUILD_DIR) M=$(ROOT) modules

tool:
	cd $(ROOT)/tools/rvnetctl && cargo build --release --locked

# As root (CI, the project machines) the tests that talk to the running
# kernel's generic netlink and enter namespaces run too.
cargo-test:
	cd $(ROOT)/tools/rvnetctl && if [ "$$(id -u)" = 0 ]; then \
	  cargo test --release --locked -- --include-ignored; \
	else cargo test --release --locked; fi

# Modules that only the runner's own tests load (tests/modules).
test-modules:
	$(MAKE) -C $(KBUILD_DIR) M=$(ROOT)/tests/modules modules

vm:
	@bash $(ROOT)/virtme/run.sh "$(CMD)"

paths:
	@for p in $(PATHS); do echo $$p; done

test: kernel
	@$(MAKE) -s module tool
	@$(MAKE) -s cargo-test
	@$(MAKE) -s test-modules
	@bash $(ROOT)/tests/all.sh

demo: kernel
	@$(MAKE) -s module tool
	@bash $(ROOT)/virtme/run.sh "bash $(ROOT)/tests/demo.sh"

bench: kernel
	@$(MAKE) -s module tool
	@bash $(ROOT)/scripts/bench.sh

clean:
	@if [ -f $(KBUILD_DIR)/Makefile ]; then $(MAKE) -C $(KBUILD_DIR) M=$(ROOT) clean; \
	  $(MAKE) -C $(KBUILD_DIR) M=$(ROOT)/tests/modules clean; fi
	cd $(ROOT)/tools/rvnetctl && cargo clean
