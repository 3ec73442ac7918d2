# `make targets`: what the boards run, built from MicroPython v1.28.0 (the release users
# flash) into build/targets/, so that the tests and benchmarks run there and not only on the
# 64-bit unix port of the venv. Included by the top Makefile. Idempotent: each product is
# rebuilt only when its inputs change.
#
#   build/targets/micropython-i386     the unix port as a 32-bit program: 31-bit small ints,
#                                      ticks wrapping at 2**30 ms, a board's object sizes,
#                                      x86 viper code (host_tests run every case on it)
#   build/targets/clockshift-{i386,x64}.so
#                                      the clock hook (tools/targets/clockshift.c): ticks
#                                      moved to just before the wrap, compressed time
#   build/targets/rp2-pico.bin, rp2-picow.bin, RPI_PICO_W.uf2
#                                      the rp2 images (rp2.mk, firmware.mk)
#
# Sources: ../shared/vendor's tarball when present (VENDOR=dir to point elsewhere), else a
# git clone of the tag and its submodules (tools/targets/fetch_micropython.sh). Debian
# packages: tools/targets/deps.sh, run once (a stamp) and whenever it changes.

MPY_VERSION := 1.28.0
TARGETS     := build/targets
VENDOR      ?= $(firstword $(wildcard ../shared/vendor /work/shared/vendor))
MPY_TARBALL := $(wildcard $(VENDOR)/micropython-$(MPY_VERSION).tar.xz)
MPY_SRC     := $(TARGETS)/src/micropython-$(MPY_VERSION)
TARGETS_DEPS := $(TARGETS)/.deps-stamp
I386        := $(TARGETS)/micropython-i386
CLOCKSHIFT  := $(TARGETS)/clockshift-i386.so $(TARGETS)/clockshift-x64.so
# The unix port without the submodules the trimmed tarball leaves out.
UNIX_FLAGS  := MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0

.PHONY: targets targets-i386
targets: targets-i386 targets-qemu targets-rp2 targets-picow
targets-i386: $(I386) $(CLOCKSHIFT)

include tools/targets/qemu.mk
include tools/targets/rp2.mk
include tools/targets/firmware.mk

$(TARGETS_DEPS): tools/targets/deps.sh
	tools/targets/deps.sh
	mkdir -p $(TARGETS) && touch $@

# The vendor tarballs are order-only prerequisites (after |): pinned by the version in their
# names, they are re-provisioned with a new mtime at times (each session of this workplace),
# which must not re-extract the tree and rebuild every target from it.
$(MPY_SRC)/.complete: tools/targets/fetch_micropython.sh | $(MPY_TARBALL)
	tools/targets/fetch_micropython.sh $(MPY_SRC) $(MPY_VERSION) $(MPY_TARBALL)

$(MPY_SRC)/mpy-cross/build/mpy-cross: $(MPY_SRC)/.complete
	$(MAKE) -s -j2 -C $(MPY_SRC)/mpy-cross

# -m32 with 64-bit time_t (glibc's time64 ABI), as the port's own Makefile builds it.
# GIT_CEILING_DIRECTORIES: the source tree sits inside this repository, whose commit the
# build would otherwise take for MicroPython's version.
$(I386): $(MPY_SRC)/mpy-cross/build/mpy-cross $(TARGETS_DEPS) tools/targets/targets.mk
	GIT_CEILING_DIRECTORIES=$(abspath $(TARGETS)/src) \
	  $(MAKE) -s -j2 -C $(MPY_SRC)/ports/unix MICROPY_FORCE_32BIT=1 $(UNIX_FLAGS) BUILD=build-i386
	cp $(MPY_SRC)/ports/unix/build-i386/micropython $@
	$@ -c "import sys, time; assert sys.maxsize == 2**31 - 1 and time.ticks_add(0, -1) == 2**30 - 1"

$(TARGETS)/clockshift-i386.so: tools/targets/clockshift.c $(TARGETS_DEPS)
	gcc -m32 -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64 -O2 -Wall -shared -fPIC -o $@ $< -ldl

$(TARGETS)/clockshift-x64.so: tools/targets/clockshift.c $(TARGETS_DEPS)
	gcc -O2 -Wall -shared -fPIC -o $@ $< -ldl
