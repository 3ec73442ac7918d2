# `make targets-qemu`: MicroPython v1.28.0's qemu port on the cores the boards have, see
# targets.mk; driven by tools/targets/qemu_board.py (tests, bench, by hand).
#
#   build/targets/qemu-microbit.elf   board MICROBIT: a Cortex-M0 (armv6m, the RP2040's ISA;
#                                     qemu faults on any Thumb-2 instruction), 140 KB heap
#   build/targets/qemu-virt-rv32.elf  board VIRT_RV32: rv32imac (ESP32-C3's ISA is rv32imc)
#
# Each is built from scratch in its own directory: the port's Makefile does not notice
# changed flags, so a stale object could survive a flag change here.

QEMU_BUILD := $(abspath $(TARGETS))/qemu-build
QEMU_M0    := $(TARGETS)/qemu-microbit.elf
QEMU_RV32  := $(TARGETS)/qemu-virt-rv32.elf
QEMU_PORT  := $(MPY_SRC)/ports/qemu

# MICROBIT turns the native emitter off, and with it the loading of native code: a viper
# .mpy (our codec) would not import. qemu's nRF51 SysTick runs at 16 MHz, not the port's
# default 25 MHz: without it ticks_us() runs 1.56 times too slow.
QEMU_M0_FLAGS := BOARD=MICROBIT \
  CFLAGS_EXTRA="-DMICROPY_PERSISTENT_CODE_LOAD_NATIVE=1 -DCPU_FREQ_HZ=16000000u"

# VIRT_RV32 as the port builds it does not link with Debian 12's toolchain: it links through
# gcc with -march=rv32imac_zicsr, which GCC 12's multilib table does not map to rv32imac/ilp32,
# so picolibc's crt0 and libc and libgcc come from the rv64 default ("ELFCLASS64 incompatible
# with ELFCLASS32"). Compiling needs the _zicsr (GCC 12 rejects csrr without it); the link
# gets the port's LDFLAGS with -march=rv32imac, which selects the rv32imac/ilp32 multilib.
RV32_SPECS = $(shell riscv64-unknown-elf-gcc --print-file-name=picolibc.specs)
QEMU_RV32_FLAGS = BOARD=VIRT_RV32 LDFLAGS="-mabi=ilp32 -march=rv32imac -Wl,-EL \
  -T mcu/rv32/virt.ld -Wl,--gc-sections --specs=$(RV32_SPECS)"

.PHONY: targets-qemu
targets-qemu: $(QEMU_M0) $(QEMU_RV32)

QEMU_INPUTS := $(MPY_SRC)/.complete $(MPY_SRC)/mpy-cross/build/mpy-cross $(TARGETS_DEPS) \
  tools/targets/qemu.mk

# The check: the loader of native code is in (mp_native_relocate), as the flag promised.
$(QEMU_M0): $(QEMU_INPUTS)
	rm -rf $(QEMU_BUILD)/MICROBIT
	$(MAKE) -s -j2 -C $(QEMU_PORT) $(QEMU_M0_FLAGS) BUILD=$(QEMU_BUILD)/MICROBIT
	arm-none-eabi-nm $(QEMU_BUILD)/MICROBIT/firmware.elf | grep -q ' T mp_native_relocate$$'
	cp $(QEMU_BUILD)/MICROBIT/firmware.elf $@

# The check: a 32-bit image (the failure above links a mix of ELF classes, or not at all).
$(QEMU_RV32): $(QEMU_INPUTS)
	rm -rf $(QEMU_BUILD)/VIRT_RV32
	$(MAKE) -s -j2 -C $(QEMU_PORT) $(QEMU_RV32_FLAGS) BUILD=$(QEMU_BUILD)/VIRT_RV32
	riscv64-unknown-elf-readelf -h $(QEMU_BUILD)/VIRT_RV32/firmware.elf | grep -q 'Class: *ELF32'
	cp $(QEMU_BUILD)/VIRT_RV32/firmware.elf $@
