# The firmware frozen into a MicroPython board image: its code then runs from flash and
# leaves the whole heap to data (as .mpy files, `make deploy`, the code is loaded into the
# heap: about 45 KB of it on the 64-bit unix port, roughly 60% of that on a 32-bit board).
#
#   ESP32:   make -C ports/esp32 BOARD=ESP32_GENERIC FROZEN_MANIFEST=$PROJECT/firmware/manifest.py
#   Pico W:  make -C ports/rp2 BOARD=RPI_PICO_W FROZEN_MANIFEST=$PROJECT/firmware/manifest.py
#
# (from a MicroPython checkout; PROJECT is this one). Then flash the image and copy only
# boot.py, main.py and config.json (mpremote cp).
# The codec is viper (native code): these ports pass mpy-cross their -march themselves.

# What the board's image freezes anyway (asyncio, ntptime, networking, ...): the board's own
# manifest (RPI_PICO_W has one), else the port's (ESP32_GENERIC).
try:
    include("$(BOARD_DIR)")
except Exception:
    include("$(PORT_DIR)/boards/manifest.py")

include("project.py")
