# The firmware frozen into the MicroPython unix port (what README's frozen-heap figure ran):
#
#   make -C ports/unix FROZEN_MANIFEST=$PROJECT/firmware/manifest_unix.py \
#       MPY_CROSS_FLAGS=-march=x64           (from a MicroPython checkout; PROJECT: this one)
#
# The unix port, unlike esp32 and rp2, gives mpy-cross no -march for frozen code, and the
# codec is viper (native code): hence MPY_CROSS_FLAGS. Then run main.py from a directory
# holding only it and config.json: `MICROPYPATH=.frozen ports/unix/build-standard/micropython
# -m main` (or `micropython main.py`).
include("$(PORT_DIR)/variants/standard/manifest.py")
include("project.py")
