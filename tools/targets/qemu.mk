# `make targets-qemu`: MicroPython v1.28.0's qemu port (Cortex-M0 MICROBIT), see targets.mk.
.PHONY: targets-qemu
targets-qemu:
