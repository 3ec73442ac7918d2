# Raspberry Pi Pico (RP2040, no radio): the board interface of boards/unix.py on the plain
# Pico, whose image (RPI_PICO) has no `network` module. The chip is the Pico W's, so the die
# temperature (ADC input 4), the reset causes, the RP2040 watchdog limit, the BOOTSEL safe
# button and "no deep sleep with a watchdog" are boards/picow.py's; what differs is the
# wiring (the LED is on GP25, not on the radio chip) and that there is no network at all:
# has_wifi is False, so the application neither asks for WiFi nor needs a wifi section in
# config.json, and with no `socket` module its readings all go to the outbox.
#
# The wall clock: without a network there is no NTP. The RTC counts from 2021 at power-on
# (not set: time_ms() is None) until something outside sets it, e.g. `mpremote rtc --set`
# from a host; it then keeps time until the next power cycle.
from boards.picow import Board as _PicoW


class Board(_PicoW):
    # (WiFi: Mcu's methods without a radio: wifi_up() False, wifi_status() "off", wifi_stop()
    # nothing, wifi_start() OSError; none is called with has_wifi False.)
    name = "pico"
    has_wifi = False
    LED_PIN = 25  # GP25, the green LED next to the USB socket
