# ESP32 (classic, S2, S3; the C3 in boards/esp32c3.py): the board interface of
# boards/unix.py on real hardware.
# What it shares with the Pico W (WiFi, clock, LED, watchdog) is boards/mcu.py; here are the
# wiring, the limits, the die temperature and deep sleep with RTC memory.
import machine

from boards.mcu import Mcu


class Board(Mcu):
    name = "esp32"
    # Board wiring; change here for another devkit.
    LED_PIN = 2  # blue LED of most ESP32 DevKit boards (active high)
    SAFE_PIN = 0  # the BOOT button: press and hold it right AFTER releasing EN/RESET
    # (holding it during reset starts the ROM bootloader instead); boot.py reads it once.
    CAUSES = {
        getattr(machine, "PWRON_RESET", -1): "power-on",
        getattr(machine, "HARD_RESET", -2): "hard reset",
        getattr(machine, "WDT_RESET", -3): "watchdog",
        getattr(machine, "DEEPSLEEP_RESET", -4): "deepsleep",
        getattr(machine, "SOFT_RESET", -5): "soft reset",
    }
    wdt_min_ms = 1000
    wdt_max_ms = 60000
    wdt_default_ms = 30000
    can_deepsleep = True

    def _temperature(self):
        """Die temperature in °C: calibrated on S2/S3/C3, raw (±10 °C) on the classic ESP32."""
        import esp32

        if hasattr(esp32, "mcu_temperature"):
            return esp32.mcu_temperature()
        return round((esp32.raw_temperature() - 32) / 1.8, 1)  # °F -> °C

    def deepsleep(self, ms):
        self.wifi_stop()
        machine.deepsleep(ms)

    def rtc_memory(self, data=None):
        """RTC slow memory (2048 bytes on ESP32): survives deep sleep, not power loss."""
        rtc = machine.RTC()
        if data is None:
            return rtc.memory()
        rtc.memory(data)
