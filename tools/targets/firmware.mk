# `make firmware BOARD=picow|pico`: the image a user flashes onto a Raspberry Pi Pico W or
# Pico, MicroPython v1.28.0's rp2 port as it ships (REPL on USB; network, lwIP and
# bluetooth on the W) with the firmware frozen in (firmware/manifest.py). Included by
# targets.mk; `make targets` builds the W's, which host_tests/test_targets_picow.py boots
# in rp2040js.
#
#   build/firmware/RPI_PICO_W.uf2    BOARD=picow (copied from build/targets/RPI_PICO_W.uf2)
#   build/firmware/RPI_PICO.uf2      BOARD=pico
#   build/targets/rp2-picow.bin      the W's image as rp2040js loads it (at 0x10000000),
#   build/targets/rp2-picow.elf      and its symbols
#
# RPI_PICO_W needs three submodules the main tarball leaves out (lib/cyw43-driver, lib/lwip,
# lib/btstack): ../shared/vendor's micropython-1.28.0-picow-libs.tar.xz when present, laid
# into the same source tree (only those directories), else their public repositories at
# the commits v1.28.0 pins (tools/targets/fetch_picow_libs.sh). The plain Pico's image
# (RPI_PICO as shipped, with USB) is another build than the UART one of rp2.mk, which the
# cycle counts use.

PICOW_LIBS_TARBALL := $(wildcard $(VENDOR)/micropython-$(MPY_VERSION)-picow-libs.tar.xz)
PICOW_LIBS := $(MPY_SRC)/.picow-libs
FW_DIR     := build/firmware
PICOW_BUILD := $(TARGETS)/build-rp2-picow
PICO_BUILD  := $(TARGETS)/build-rp2-pico-usb
PICOW_UF2   := $(TARGETS)/RPI_PICO_W.uf2
PICO_UF2    := $(TARGETS)/RPI_PICO.uf2
PICOW_IMAGE := $(TARGETS)/rp2-picow.bin

.PHONY: targets-picow firmware-picow firmware-pico
targets-picow: $(PICOW_IMAGE) $(RP2_BOOTROM)

$(PICOW_LIBS): $(MPY_SRC)/.complete tools/targets/fetch_picow_libs.sh | $(PICOW_LIBS_TARBALL)
	tools/targets/fetch_picow_libs.sh $(MPY_SRC) $(PICOW_LIBS_TARBALL)

# fw_configure,BUILD_DIR,MICROPY_BOARD: configured afresh when this file or picotool change;
# no CFLAGS of the caller's (the port's own flags, as MicroPython's release images).
define fw_configure
	rm -rf $(1)
	CFLAGS= cmake -S $(MPY_SRC)/ports/rp2 -B $(1) -DPICO_BUILD_DOCS=0 -DMICROPY_BOARD=$(2) \
	  -Dpicotool_DIR=$(PICOTOOL_DIR)/lib/cmake/picotool \
	  -DMICROPY_FROZEN_MANIFEST=$(RP2_MANIFEST) >/dev/null
endef

# fw_build,BUILD_DIR,board module: the port's build re-freezes the manifest itself; the
# check: the board's module is in the image (frozen names are plain strings in it), and
# the .uf2 is one for the RP2040 (UF2 magic, family 0xe48bff56). GIT_CEILING_DIRECTORIES:
# see rp2.mk (the version header would take this repository's commit).
define fw_build
	GIT_CEILING_DIRECTORIES=$(abspath $(TARGETS)/src) cmake --build $(1) -j2 \
	  >$(1)/build.log 2>&1 || { tail -40 $(1)/build.log; exit 1; }
	grep -qa "boards/$(2).py" $(1)/firmware.bin || \
	  { echo "firmware: boards/$(2).py is not frozen into $(1)/firmware.bin"; exit 1; }
	od -An -tx4 -N32 $(1)/firmware.uf2 | tr -d ' \n' | grep -q '^0a324655.*e48bff56' || \
	  { echo "firmware: $(1)/firmware.uf2 is not an RP2040 UF2 image"; exit 1; }
endef

$(PICOW_BUILD)/CMakeCache.txt: tools/targets/firmware.mk $(PICOTOOL) $(PICOW_LIBS) \
    $(MPY_SRC)/mpy-cross/build/mpy-cross
	$(call fw_configure,$(PICOW_BUILD),RPI_PICO_W)

$(PICOW_UF2): $(PICOW_BUILD)/CMakeCache.txt $(RP2_INPUTS)
	$(call fw_build,$(PICOW_BUILD),picow)
	cp $(PICOW_BUILD)/firmware.elf $(TARGETS)/rp2-picow.elf
	cp $(PICOW_BUILD)/firmware.bin $(PICOW_IMAGE).tmp && mv $(PICOW_IMAGE).tmp $(PICOW_IMAGE)
	cp $(PICOW_BUILD)/firmware.uf2 $@.tmp && mv $@.tmp $@

$(PICOW_IMAGE): $(PICOW_UF2)

$(PICO_BUILD)/CMakeCache.txt: tools/targets/firmware.mk $(PICOTOOL) \
    $(MPY_SRC)/mpy-cross/build/mpy-cross
	$(call fw_configure,$(PICO_BUILD),RPI_PICO)

$(PICO_UF2): $(PICO_BUILD)/CMakeCache.txt $(RP2_INPUTS)
	$(call fw_build,$(PICO_BUILD),pico)
	cp $(PICO_BUILD)/firmware.uf2 $@.tmp && mv $@.tmp $@

firmware-picow: $(PICOW_UF2)
	mkdir -p $(FW_DIR) && cp $< $(FW_DIR)/RPI_PICO_W.uf2
	@echo "$(FW_DIR)/RPI_PICO_W.uf2: $$(wc -c <$<) bytes (hold BOOTSEL, plug in, copy it to RPI-RP2)"

firmware-pico: $(PICO_UF2)
	mkdir -p $(FW_DIR) && cp $< $(FW_DIR)/RPI_PICO.uf2
	@echo "$(FW_DIR)/RPI_PICO.uf2: $$(wc -c <$<) bytes (hold BOOTSEL, plug in, copy it to RPI-RP2)"
