# `make targets-rp2`: MicroPython v1.28.0's rp2 port (RPI_PICO) for rp2040js, see targets.mk.
.PHONY: targets-rp2
targets-rp2:
