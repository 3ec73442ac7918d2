# Raspberry Pi Pico W / Pico 2 W (rp2): the board interface of boards/unix.py on real
# hardware. What it shares with the ESP32 (WiFi, clock, LED, watchdog) is boards/mcu.py;
# here are the wiring, the limits, the die temperature and the BOOTSEL button.
import machine

from boards.mcu import Mcu


class Board(Mcu):
    name = "picow"
    LED_PIN = "LED"  # on the CYW43: needs the WiFi driver
    SAFE_PIN = 22  # GP22 (pin 29) jumpered to GND at reset = safe mode; or hold BOOTSEL
    CAUSES = {
        getattr(machine, "PWRON_RESET", -1): "power-on",
        getattr(machine, "WDT_RESET", -3): "watchdog",
    }
    power_save = False  # the CYW43's power save delays replies by hundreds of ms
    COUNTRY = True  # network.country() before active(True) sets the CYW43's channel plan
    wdt_max_ms = 8388  # RP2040 hardware limit
    wdt_default_ms = 8000
    # rp2's deepsleep() is lightsleep + reset, and a watchdog timeout during lightsleep can
    # hang firmware up to 1.28: no deep sleep with the watchdog running (and sleep_ms is
    # time.sleep_ms, not lightsleep, for the same reason).
    can_deepsleep = False
    _adc = None
    _radio = None  # why the radio did not start at the last attempt, or None

    def wifi_start(self, ssid, password, country=None):
        """Mcu.wifi_start, with a radio that does not answer taken as a failed attempt.

        When the CYW43 does not come up (no answer on its SPI bus), the driver prints
        "[CYW43] Failed to start CYW43" at each bring-up (active(True), then config() and
        disconnect(): about 350 ms of busy waiting each) and active(True) returns as if it
        had worked; connect() then raises OSError EPERM. That is a WiFi failure like any
        other, not a crash: one line per attempt, then the app's timeout and backoff
        (app.link) apply, and wifi_status() names it. The next attempt starts from
        active(True) again. (The driver claims a PIO state machine and program space at
        each bring-up of its SPI bus and keeps them when the chip does not answer: after
        six, two attempts, a bring-up fails at once (in rp2040js: 70 ms, the power cycle
        only) until the board resets, so a radio that comes back later is used after the
        next reset.)"""
        try:
            self.__getattr__("wifi_start")(ssid, password, country)  # boards/mcu_extra.py
            self._radio = None
        except OSError as e:
            if not self.has_wifi:
                raise  # the plain Pico (boards/pico.py): no radio at all, not one to retry
            self._wlan = None  # the next attempt: active(True), the driver's bring-up
            self._radio = "no radio: %s" % e
            print("wifi: the CYW43 radio did not start (%s); the next attempt tries again" % e)

    def wifi_status(self):
        return self._radio or self.__getattr__("wifi_status")()

    def _temperature(self):
        """RP2040 die temperature in °C from ADC input 4 (datasheet formula, about ±2 °C)."""
        if self._adc is None:
            self._adc = machine.ADC(4)
        v = self._adc.read_u16() * 3.3 / 65535
        return round(27 - (v - 0.706) / 0.001721, 1)

    def deepsleep(self, ms):
        raise OSError("no deep sleep on rp2 with a watchdog")

    def rtc_memory(self, data=None):
        return None  # rp2 has none: the firmware keeps its state in flash

    def safe_pin(self):
        try:
            import rp2

            if rp2.bootsel_button():
                return True
        except (ImportError, AttributeError):
            pass
        return super().safe_pin()
