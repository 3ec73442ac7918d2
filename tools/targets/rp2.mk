# `make targets-rp2`: MicroPython v1.28.0's rp2 port, board RPI_PICO, with the firmware frozen
# in, for the rp2040js emulator (tools/targets/rp2040js_run.mjs). Included by targets.mk.
#
#   build/targets/picotool/bin/picotool  picotool 2.2.0, which pico-sdk 2.x needs to build
#                                        an image (else it tries to download one)
#   build/targets/rp2-pico.bin           the flash image (what rp2040js loads at 0x10000000),
#   build/targets/rp2-pico.elf           and its symbols
#   build/targets/rp2040-bootrom-b1.ts   the RP2040 B1 bootrom as rp2040js's demo ships it
#
# RPI_PICO, not RPI_PICO_W: the W's image needs the cyw43 driver and lwIP, which the trimmed
# tarball leaves out; the board code without WiFi is what runs (boards/pico.py). The REPL is
# on UART0 and USB is off: rp2040js's USB emulation triples the cost of every instruction
# run (its IRQ takes a fifth of them), which would spoil the cycle counts.
#
# Sources: ../shared/vendor when it has them, else the public repositories (picotool's tag
# 2.2.0; demo/bootrom.ts of wokwi/rp2040js at 7701ee06; PICOTOOL_GIT, RP2040JS_GIT to clone
# them from elsewhere).

PICOTOOL_VERSION := 2.2.0
PICOTOOL_TARBALL := $(wildcard $(VENDOR)/picotool-$(PICOTOOL_VERSION).tar.xz)
PICOTOOL_SRC  := $(TARGETS)/src/picotool-$(PICOTOOL_VERSION)
PICOTOOL_DIR  := $(abspath $(TARGETS)/picotool)
PICOTOOL      := $(PICOTOOL_DIR)/bin/picotool
BOOTROM_TS    := $(wildcard $(VENDOR)/rp2040js-demo-bootrom.ts)
BOOTROM_REV   := 7701ee06
PICOTOOL_GIT  ?= https://github.com/raspberrypi/picotool
RP2040JS_GIT  ?= https://github.com/wokwi/rp2040js
RP2_BOOTROM   := $(TARGETS)/rp2040-bootrom-b1.ts
RP2_BUILD     := $(TARGETS)/build-rp2-pico
RP2_IMAGE     := $(TARGETS)/rp2-pico.bin
RP2_MANIFEST  := $(abspath firmware/manifest.py)
# What is frozen (firmware/manifest.py and what it includes); main.py and boot.py are not.
RP2_INPUTS    := $(shell find lib boards firmware -name '*.py' -not -path '*/__pycache__/*')
# -D...: UART0 REPL (GP0/GP1, 115200), no USB device stack. Through CFLAGS, which CMake adds
# to the toolchain's -mcpu flags (a CMAKE_C_FLAGS given on the command line would replace them).
RP2_CFLAGS    := -DMICROPY_HW_ENABLE_USBDEV=0 -DMICROPY_HW_ENABLE_UART_REPL=1

.PHONY: targets-rp2
targets-rp2: $(RP2_IMAGE) $(RP2_BOOTROM)

$(PICOTOOL_SRC)/.complete: tools/targets/rp2.mk | $(PICOTOOL_TARBALL)  # (order-only: targets.mk)
	rm -rf $(PICOTOOL_SRC) $(PICOTOOL_SRC).part && mkdir -p $(PICOTOOL_SRC).part
	if [ -n "$(PICOTOOL_TARBALL)" ]; then \
	  tar -xJf $(PICOTOOL_TARBALL) -C $(PICOTOOL_SRC).part --strip-components=1; \
	else \
	  echo "targets: picotool $(PICOTOOL_VERSION) from $(PICOTOOL_GIT)"; \
	  git -c advice.detachedHead=false clone -q --depth 1 -b $(PICOTOOL_VERSION) $(PICOTOOL_GIT) \
	    $(PICOTOOL_SRC).part; \
	fi
	touch $(PICOTOOL_SRC).part/.complete && mv $(PICOTOOL_SRC).part $(PICOTOOL_SRC)

# Without libusb: it is only for talking to a real board; the build needs picotool to
# hash, sign and convert (pico-sdk's image steps).
$(PICOTOOL): $(PICOTOOL_SRC)/.complete $(MPY_SRC)/.complete $(TARGETS_DEPS)
	rm -rf $(TARGETS)/build-picotool $(PICOTOOL_DIR)
	cmake -S $(PICOTOOL_SRC) -B $(TARGETS)/build-picotool -DCMAKE_BUILD_TYPE=Release \
	  -DPICO_SDK_PATH=$(abspath $(MPY_SRC)/lib/pico-sdk) -DPICOTOOL_NO_LIBUSB=1 \
	  -DCMAKE_INSTALL_PREFIX=$(PICOTOOL_DIR) -DPICOTOOL_FLAT_INSTALL=0 >/dev/null
	cmake --build $(TARGETS)/build-picotool -j2 >/dev/null
	cmake --install $(TARGETS)/build-picotool >/dev/null
	$@ version | grep -q "picotool v$(PICOTOOL_VERSION)"

# Configured afresh when the flags (this file) or picotool change.
$(RP2_BUILD)/CMakeCache.txt: tools/targets/rp2.mk $(PICOTOOL) $(MPY_SRC)/mpy-cross/build/mpy-cross
	rm -rf $(RP2_BUILD)
	CFLAGS="$(RP2_CFLAGS)" cmake -S $(MPY_SRC)/ports/rp2 -B $(RP2_BUILD) -DPICO_BUILD_DOCS=0 \
	  -DMICROPY_BOARD=RPI_PICO -Dpicotool_DIR=$(PICOTOOL_DIR)/lib/cmake/picotool \
	  -DMICROPY_FROZEN_MANIFEST=$(RP2_MANIFEST) >/dev/null

# The port's build re-freezes the manifest itself; this rule runs it when a frozen file
# changed. The check: our modules are in the image (frozen names are plain strings in it).
# GIT_CEILING_DIRECTORIES: the source tree sits inside this repository, whose commit the
# version header would otherwise take for MicroPython's (it then says v1.28.0).
$(RP2_IMAGE): $(RP2_BUILD)/CMakeCache.txt $(RP2_INPUTS)
	GIT_CEILING_DIRECTORIES=$(abspath $(TARGETS)/src) cmake --build $(RP2_BUILD) -j2 \
	  >$(RP2_BUILD)/build.log 2>&1 || { tail -40 $(RP2_BUILD)/build.log; exit 1; }
	grep -qa "boards/pico.py" $(RP2_BUILD)/firmware.bin || \
	  { echo "targets: boards/pico.py is not frozen into $(RP2_BUILD)/firmware.bin"; exit 1; }
	cp $(RP2_BUILD)/firmware.elf $(TARGETS)/rp2-pico.elf
	cp $(RP2_BUILD)/firmware.bin $@.tmp && mv $@.tmp $@

$(RP2_BOOTROM): tools/targets/rp2.mk | $(BOOTROM_TS)
	mkdir -p $(TARGETS)
	if [ -n "$(BOOTROM_TS)" ]; then cat $(BOOTROM_TS) >$@.tmp; else \
	  echo "targets: the rp2040js bootrom from $(RP2040JS_GIT) ($(BOOTROM_REV))"; \
	  rm -rf $(TARGETS)/src/rp2040js && \
	  git clone -q $(RP2040JS_GIT) $(TARGETS)/src/rp2040js && \
	  git -C $(TARGETS)/src/rp2040js checkout -q $(BOOTROM_REV) && \
	  cp $(TARGETS)/src/rp2040js/demo/bootrom.ts $@.tmp; fi
	grep -q "export const bootromB1" $@.tmp && mv $@.tmp $@
