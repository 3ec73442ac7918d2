# What the microcontroller boards (boards/esp32.py, boards/picow.py, boards/pico.py) share:
# the WiFi station, the clock, the sensor list, LED, watchdog, sleep and the safe pin,
# over the `machine` and `network` modules, each hardware object built lazily on first use
# (no `network` on the plain Pico, whose board has has_wifi False). A board module subclasses
# Mcu and sets its wiring and limits as class attributes; the interface is documented in
# boards/unix.py. What the loop never calls (WiFi's start, status and stop, set_time,
# dns_server, led, watchdog, wdt_left, reset) is boards/mcu_extra.py's (Mcu.__getattr__).
import gc
import sys
import time

import machine

try:
    import network
except ImportError:  # RPI_PICO: no radio, no module (boards/pico.py, has_wifi False)
    network = None


class Mcu:
    has_wifi = True
    simulated = ()
    config_wait_s = 10  # a broken config.json is re-read this often, no reset loop
    power_save = True  # False: WiFi power save off (WLAN.PM_NONE) for faster replies
    # set by the board module
    LED_PIN = None
    SAFE_PIN = None
    CAUSES = {}  # {machine.*_RESET: name}
    COUNTRY = False  # network.country() sets the radio's channel plan (Pico W; not ESP32)
    wdt_min_ms = 1
    wdt_max_ms = 8000

    _wlan = _led = _wdt = None
    _stat = None  # {STAT_ value: name}, built on the first wifi_status()
    _synced = False
    _wdt_ms = _fed = 0
    t0 = 0  # ticks at the reset: they start at 0

    def __init__(self):
        self.uid = machine.unique_id().hex()
        self.cause = self.CAUSES.get(machine.reset_cause(), "other")

    def __getattr__(self, name):
        # boards/mcu_extra.py's functions, imported for the call and unloaded at once (RAM:
        # 10 methods fewer here; frozen, each is a function object and a class dict slot).
        pkg = sys.modules.get("boards")  # None once main.py dropped it: this imports it again
        from boards import mcu_extra as m

        del sys.modules[m.__name__]
        if pkg:
            del pkg.__dict__["mcu_extra"]
        else:
            del sys.modules["boards"]
        return m.method(self, name)

    def wifi_up(self):
        return self._wlan is not None and self._wlan.isconnected()

    # -- sensors -------------------------------------------------------------------------------

    def sensors(self):
        r = [("temperature", self._temperature()), ("heap_free", gc.mem_free())]
        if self.wifi_up():
            try:
                r.append(("rssi", self._wlan.status("rssi")))
            except (OSError, ValueError):
                pass
        return r

    # -- clock ---------------------------------------------------------------------------------

    # time.time() counts from 2000-01-01 on ESP32, from 1970 on rp2: thethings.thing.EPOCH,
    # imported here, not with this module (boot.py, safe mode: no library loaded), when the
    # app (which loaded it) reads or sets the clock.

    def time_ms(self):
        """ms since 1970 UTC, or None until the clock was set (NTP, or kept by the RTC
        through deep sleep and soft resets: a year before 2024 means never set)."""
        if not self._synced and time.gmtime()[0] < 2024:
            return None
        from thethings.thing import EPOCH

        if hasattr(time, "time_ns"):
            return time.time_ns() // 1000000 + EPOCH * 1000
        return (time.time() + EPOCH) * 1000

    # -- watchdog, sleep, safe pin -------------------------------------------------------------

    def feed(self):
        if self._wdt is not None:
            self._wdt.feed()
            self._fed = time.ticks_ms()

    def sleep_ms(self, ms):
        if ms > 0:
            time.sleep_ms(ms)

    def safe_pin(self):
        return machine.Pin(self.SAFE_PIN, machine.Pin.IN, machine.Pin.PULL_UP).value() == 0
