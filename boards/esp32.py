# ESP32 (classic, S2, S3, C3, ...): the board interface of boards/unix.py on real hardware.
# Every hardware object of the firmware is built here, lazily, on first use.
import gc
import time

import machine
import network

# Board wiring; change here for another devkit.
LED_PIN = 2  # blue LED of most ESP32 DevKit boards (active high)
SAFE_PIN = 0  # the BOOT button: press and hold it right AFTER releasing EN/RESET (holding it
# during reset starts the ROM bootloader instead); boot.py reads it once.

# time.time() counts from 2000-01-01 on ESP32 (from 1970 on other ports): normalise.
_EPOCH = 946684800 if time.gmtime(0)[0] == 2000 else 0

_CAUSES = {
    getattr(machine, "PWRON_RESET", -1): "power-on",
    getattr(machine, "HARD_RESET", -2): "hard reset",
    getattr(machine, "WDT_RESET", -3): "watchdog",
    getattr(machine, "DEEPSLEEP_RESET", -4): "deepsleep",
    getattr(machine, "SOFT_RESET", -5): "soft reset",
}


def _status_names():
    # Compare with network.STAT_* names, never literal numbers (they differ between ports).
    names = {}
    for n in (
        "IDLE", "CONNECTING", "GOT_IP", "WRONG_PASSWORD", "NO_AP_FOUND", "CONNECT_FAIL",
        "BEACON_TIMEOUT", "ASSOC_FAIL", "HANDSHAKE_TIMEOUT",
    ):  # fmt: skip
        v = getattr(network, "STAT_" + n, None)
        if v is not None:
            names[v] = n.lower().replace("_", " ")
    return names


class Board:
    name = "esp32"
    has_wifi = True
    simulated = ()
    wdt_max_ms = 60000
    wdt_default_ms = 30000  # long enough for a slow DNS lookup (blocking, no deadline)
    can_deepsleep = True
    config_wait_s = 10  # a broken config.json is re-read this often, no reset loop

    def __init__(self):
        self._wlan = None
        self._led = None
        self._wdt = None
        self._synced = False
        self._stat = None
        self.uid = machine.unique_id().hex()
        self.cause = _CAUSES.get(machine.reset_cause(), "other")

    # -- network -------------------------------------------------------------------------------

    def _w(self):
        if self._wlan is None:
            self._wlan = network.WLAN(network.STA_IF)
            self._wlan.active(True)
        return self._wlan

    def wifi_start(self, ssid, password, country=None):
        """Begin connecting and return at once (wlan.connect() does not wait)."""
        w = self._w()
        try:
            w.disconnect()  # connect() twice without it raises "Wifi Internal Error"
        except OSError:
            pass
        w.connect(ssid, password)

    def wifi_up(self):
        return self._wlan is not None and self._wlan.isconnected()

    def wifi_status(self):
        if self._wlan is None:
            return "off"
        if self._stat is None:
            self._stat = _status_names()
        s = self._wlan.status()
        return self._stat.get(s, str(s))

    def wifi_stop(self):
        if self._wlan is not None:
            try:
                self._wlan.disconnect()
            except OSError:
                pass

    def _rssi(self):
        if not self.wifi_up():
            return None
        try:
            return self._wlan.status("rssi")
        except (OSError, ValueError):
            return None

    # -- sensors -------------------------------------------------------------------------------

    def _temperature(self):
        """Die temperature in °C: calibrated on S2/S3/C3, raw (±10 °C) on the classic ESP32."""
        import esp32

        if hasattr(esp32, "mcu_temperature"):
            return esp32.mcu_temperature()
        return round((esp32.raw_temperature() - 32) / 1.8, 1)  # °F -> °C

    def sensors(self):
        r = [("temperature", self._temperature()), ("heap_free", gc.mem_free())]
        rssi = self._rssi()
        if rssi is not None:
            r.append(("rssi", rssi))
        return r

    # -- clock ---------------------------------------------------------------------------------

    def time_ms(self):
        """ms since 1970 UTC, or None until the clock was set (NTP, or kept by the RTC
        through deep sleep and soft resets: a year before 2024 means never set)."""
        if not self._synced and time.gmtime()[0] < 2024:
            return None
        if hasattr(time, "time_ns"):
            return time.time_ns() // 1000000 + _EPOCH * 1000
        return (time.time() + _EPOCH) * 1000

    def sync_clock(self, host=None):
        """NTP (UDP, 1 s timeout inside ntptime). True when the clock is valid after it."""
        import ntptime

        if host:
            ntptime.host = host
        try:
            ntptime.settime()  # sets the RTC to UTC
            self._synced = True
        except (OSError, OverflowError):
            pass
        return self.time_ms() is not None

    # -- LED -----------------------------------------------------------------------------------

    def led(self, on):
        if self._led is None:
            self._led = machine.Pin(LED_PIN, machine.Pin.OUT)
        self._led.value(1 if on else 0)

    # -- watchdog, sleep, reset ----------------------------------------------------------------

    def watchdog(self, timeout_ms):
        timeout_ms = max(1000, min(timeout_ms, self.wdt_max_ms))
        self._wdt = machine.WDT(timeout=timeout_ms)
        return timeout_ms

    def feed(self):
        if self._wdt is not None:
            self._wdt.feed()

    def sleep_ms(self, ms):
        if ms > 0:
            time.sleep_ms(ms)

    def deepsleep(self, ms):
        self.wifi_stop()
        machine.deepsleep(ms)

    def rtc_memory(self, data=None):
        """RTC slow memory (2048 bytes on ESP32): survives deep sleep, not power loss."""
        rtc = machine.RTC()
        if data is None:
            return rtc.memory()
        rtc.memory(data)

    def reset(self):
        machine.reset()

    def safe_pin(self):
        return machine.Pin(SAFE_PIN, machine.Pin.IN, machine.Pin.PULL_UP).value() == 0
