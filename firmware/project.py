# The project's packages, as frozen into an image: included by firmware/manifest.py (ESP32,
# Pico W) and firmware/manifest_unix.py (the unix port), after the port's own manifest.
add_library("micropython-coap", "../lib")
require("thethings")  # and coap, through lib/thethings/manifest.py
package("app", base_path="../lib")
# boards.load() picks the module of the running port; the others are never imported.
package(
    "boards",
    files=(
        "__init__.py",
        "esp32.py",
        "esp32c3.py",
        "picow.py",
        "pico.py",
        "unix.py",
        "unix_extra.py",
        "mcu.py",
        "mcu_extra.py",
    ),  # fmt: skip
    base_path="..",
)
