# Raspberry Pi Pico W / Pico 2 W (rp2): the board interface of boards/unix.py on real
# hardware. Every hardware object of the firmware is built here, lazily, on first use.
import gc
import time

import machine
import network

SAFE_PIN = 22  # GP22 (pin 29) jumpered to GND at reset = safe mode; or hold BOOTSEL

# rp2 counts from 1970 already; normalise anyway in case a port changes it.
_EPOCH = 946684800 if time.gmtime(0)[0] == 2000 else 0

_CAUSES = {
    getattr(machine, "PWRON_RESET", -1): "power-on",
    getattr(machine, "WDT_RESET", -3): "watchdog",
}


def _status_names():
    names = {}
    for n in ("IDLE", "CONNECTING", "GOT_IP", "WRONG_PASSWORD", "NO_AP_FOUND", "CONNECT_FAIL"):
        v = getattr(network, "STAT_" + n, None)
        if v is not None:
            names[v] = n.lower().replace("_", " ")
    return names


class Board:
    name = "picow"
    has_wifi = True
    simulated = ()
    wdt_max_ms = 8388  # RP2040 hardware limit
    wdt_default_ms = 8000
    # rp2's deepsleep() is lightsleep + reset, and a watchdog timeout during lightsleep can
    # hang firmware up to 1.28: no deep sleep with the watchdog running.
    can_deepsleep = False
    config_wait_s = 10

    def __init__(self):
        self._wlan = None
        self._led = None
        self._wdt = None
        self._synced = False
        self._stat = None
        self.uid = machine.unique_id().hex()
        self.cause = _CAUSES.get(machine.reset_cause(), "other")
        self._adc = None

    # -- network -------------------------------------------------------------------------------

    def _w(self, country=None):
        if self._wlan is None:
            if country:
                network.country(country)  # before active(True)
            self._wlan = network.WLAN(network.STA_IF)
            self._wlan.active(True)
            pm = getattr(network.WLAN, "PM_NONE", None)
            if pm is not None:
                self._wlan.config(pm=pm)  # power save stalls replies for hundreds of ms
        return self._wlan

    def wifi_start(self, ssid, password, country=None):
        """Begin connecting and return at once (wlan.connect() does not wait)."""
        w = self._w(country)
        try:
            w.disconnect()
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
        """RP2040 die temperature in °C from ADC input 4 (datasheet formula, about ±2 °C)."""
        if self._adc is None:
            self._adc = machine.ADC(4)
        v = self._adc.read_u16() * 3.3 / 65535
        return round(27 - (v - 0.706) / 0.001721, 1)

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
        import ntptime

        if host:
            ntptime.host = host
        try:
            ntptime.settime()
            self._synced = True
        except (OSError, OverflowError):
            pass
        return self.time_ms() is not None

    # -- LED -----------------------------------------------------------------------------------

    def led(self, on):
        if self._led is None:
            self._led = machine.Pin("LED", machine.Pin.OUT)  # on the CYW43: needs WiFi driver
        self._led.value(1 if on else 0)

    # -- watchdog, sleep, reset ----------------------------------------------------------------

    def watchdog(self, timeout_ms):
        timeout_ms = max(1, min(timeout_ms, self.wdt_max_ms))
        self._wdt = machine.WDT(timeout=timeout_ms)
        return timeout_ms

    def feed(self):
        if self._wdt is not None:
            self._wdt.feed()

    def sleep_ms(self, ms):
        if ms > 0:
            time.sleep_ms(ms)  # not lightsleep: see can_deepsleep

    def deepsleep(self, ms):
        raise OSError("no deep sleep on rp2 with a watchdog")

    def rtc_memory(self, data=None):
        return None  # rp2 has none: the firmware keeps its state in flash

    def reset(self):
        machine.reset()

    def safe_pin(self):
        try:
            import rp2

            if rp2.bootsel_button():
                return True
        except (ImportError, AttributeError):
            pass
        return machine.Pin(SAFE_PIN, machine.Pin.IN, machine.Pin.PULL_UP).value() == 0
