# ESP32-C3 (RISC-V: its .mpy is rv32imc, `make mpy BOARD=esp32c3`): the ESP32 board with
# the C3's wiring, as on the common ESP32-C3 dev boards (SuperMini, DevKitM-1). boards.load()
# picks it when os.uname().machine names the C3. The die temperature is calibrated there
# (esp32.mcu_temperature()).
from boards.esp32 import Board as _Esp32


class Board(_Esp32):
    name = "esp32c3"
    LED_PIN = 8  # the SuperMini's blue LED (active low); on a DevKitM-1 GPIO8 drives the
    # addressable RGB LED, which a plain level does not light
    SAFE_PIN = 9  # the BOOT button: hold it right after releasing RESET
