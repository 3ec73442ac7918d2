# What the microcontroller boards (boards/esp32.py, boards/picow.py, boards/pico.py) share:
# the WiFi station, the clock, the sensor list, LED, watchdog, sleep and the safe pin,
# over the `machine` and `network` modules, each hardware object built lazily on first use
# (no `network` on the plain Pico, whose board has has_wifi False). A board module subclasses
# Mcu and sets its wiring and limits as class attributes; the interface is documented in
# boards/unix.py.
import gc
import time

import machine

try:
    import network
except ImportError:  # RPI_PICO: no radio, no module (boards/pico.py, has_wifi False)
    network = None

# network.STAT_* values differ between ports: compare with the names, never with numbers.
_STATUS = (
    "IDLE", "CONNECTING", "GOT_IP", "WRONG_PASSWORD", "NO_AP_FOUND", "CONNECT_FAIL",
    "BEACON_TIMEOUT", "ASSOC_FAIL", "HANDSHAKE_TIMEOUT",  # ESP32 only
)  # fmt: skip


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

    # -- WiFi ----------------------------------------------------------------------------------

    def _w(self, country):
        if self._wlan is None:
            if country and self.COUNTRY:
                try:
                    network.country(country)  # before active(True): the radio's channel plan
                except (OSError, ValueError):
                    pass  # an unknown code: the port's default plan
            w = network.WLAN(network.STA_IF)
            w.active(True)
            pm = getattr(network.WLAN, "PM_NONE", None)
            if not self.power_save and pm is not None:
                w.config(pm=pm)
            self._wlan = w
        return self._wlan

    def wifi_start(self, ssid, password, country=None):
        """Begin connecting and return at once (wlan.connect() does not wait)."""
        w = self._w(country)
        try:
            w.disconnect()  # ESP32: connect() twice without it raises "Wifi Internal Error"
        except OSError:
            pass
        w.connect(ssid, password)

    def wifi_up(self):
        return self._wlan is not None and self._wlan.isconnected()

    def wifi_status(self):
        if self._wlan is None:
            return "off"
        if self._stat is None:
            self._stat = {}
            for n in _STATUS:
                v = getattr(network, "STAT_" + n, None)
                if v is not None:
                    self._stat[v] = n.lower().replace("_", " ")
        s = self._wlan.status()
        return self._stat.get(s, str(s))

    def wifi_stop(self):
        if self._wlan is not None:
            try:
                self._wlan.disconnect()
            except OSError:
                pass

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

    def set_time(self, ms):
        """Set the RTC to ms since 1970 UTC (app.link's NTP)."""
        from thethings.thing import EPOCH

        t = time.gmtime(ms // 1000 - EPOCH)
        machine.RTC().datetime((t[0], t[1], t[2], t[6], t[3], t[4], t[5], ms % 1000 * 1000))
        self._synced = True

    def dns_server(self):
        """(address, port) of the DNS server DHCP gave, or None (not connected)."""
        if self._wlan is None or not self._wlan.isconnected():
            return None
        return (self._wlan.ifconfig()[3], 53)

    # -- LED, watchdog, sleep, reset, safe pin -------------------------------------------------

    def led(self, on):
        if self._led is None:
            self._led = machine.Pin(self.LED_PIN, machine.Pin.OUT)
        self._led.value(1 if on else 0)

    def watchdog(self, timeout_ms):
        timeout_ms = max(self.wdt_min_ms, min(timeout_ms, self.wdt_max_ms))
        self._wdt = machine.WDT(timeout=timeout_ms)
        self._wdt_ms = timeout_ms
        self._fed = time.ticks_ms()
        return timeout_ms

    def feed(self):
        if self._wdt is not None:
            self._wdt.feed()
            self._fed = time.ticks_ms()

    def wdt_left(self):
        """ms until the watchdog resets the board unless fed, None when it was not started."""
        if self._wdt is None:
            return None
        return self._wdt_ms - time.ticks_diff(time.ticks_ms(), self._fed)

    def sleep_ms(self, ms):
        if ms > 0:
            time.sleep_ms(ms)

    def reset(self):
        machine.reset()

    def safe_pin(self):
        return machine.Pin(self.SAFE_PIN, machine.Pin.IN, machine.Pin.PULL_UP).value() == 0
