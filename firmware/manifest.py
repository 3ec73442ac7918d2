# The firmware frozen into a MicroPython board image: its code then runs from flash and
# leaves the whole heap to data (as .mpy files, `make deploy`, the code is loaded into the
# heap: about 40 KB of it on the 64-bit unix port, roughly 60% of that on a 32-bit board).
#
#   ESP32:   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=$PWD/firmware/manifest.py
#   Pico W:  make -C ports/rp2 BOARD=RPI_PICO_W FROZEN_MANIFEST=$PWD/firmware/manifest.py
#
# Then flash the image and copy only boot.py, main.py and config.json (mpremote cp).

# What the board's image freezes anyway (asyncio, ntptime, networking, ...): the board's own
# manifest (RPI_PICO_W has one), else the port's (ESP32_GENERIC).
try:
    include("$(BOARD_DIR)")
except Exception:
    include("$(PORT_DIR)/boards/manifest.py")

add_library("micropython-coap", "../lib")
require("thethings")  # and coap, through lib/thethings/manifest.py
package("app", base_path="../lib")
# boards.load() picks the module of the running port; the others are never imported.
_BOARDS = ("__init__.py", "esp32.py", "picow.py", "unix.py", "mcu.py")
package("boards", files=_BOARDS, base_path="..")
