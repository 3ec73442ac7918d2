# The MicroPython unix port as a board: `make sim`, `make run`, the tests, and the virtual
# board (tools/vboard), whose `machine` adds reset, WDT, deepsleep and unique_id.
#
# The board interface, the same in boards/esp32.py and boards/picow.py:
#   name, uid, cause (reset cause), t0 (ticks at the reset), has_wifi, simulated (keys of
#   made-up values),
#   wdt_default_ms, can_deepsleep, config_wait_s (re-read a broken config.json this
#   often; None: exit with status 2)
#   sensors() -> [(key, value)]        temperature, heap_free, rssi (when connected)
#   time_ms() -> int | None            wall clock, ms since 1970 UTC; None: not set yet
#   set_time(ms)                       set it (app.link's NTP; boards with has_wifi)
#   dns_server() -> (ip, port) | None  the DNS server to ask (None: the port's getaddrinfo)
#   led(on)                            the board LED
#   watchdog(ms) -> ms, feed()         the hardware watchdog (cannot be stopped)
#   wdt_left() -> ms | None            until it resets the board unless fed
#   sleep_ms(ms), deepsleep(ms), rtc_memory([bytes]), reset()
#                                      (app.crash leaves a file "resetby" before reset():
#                                      boards.load() names the next boot's cause by it)
#   safe_pin() -> bool                 the safe-mode pin is held low
#   wifi_start(ssid, password, country), wifi_up(), wifi_status(), wifi_stop()
#                                      boards with has_wifi only (not here)
# Every method returns quickly: nothing here waits for the network.
#
# SIMULATED here (and said so at start): temperature and RSSI (no sensor, no radio) and
# the LED (its state is printed). Real: the host clock, the heap, the host's network.
import gc
import sys
import time

import machine

_VB = hasattr(machine, "reset")  # the virtual board: resets, a real watchdog, deep sleep


class Board:
    name = "unix"
    has_wifi = False
    simulated = ("temperature", "rssi", "led")
    wdt_default_ms = 30000
    can_deepsleep = hasattr(machine, "deepsleep")
    config_wait_s = 5 if _VB else None

    def __init__(self):
        self.t0 = time.ticks_ms()  # ticks at the reset (the interpreter's start, nearly)
        self.setup()  # the rest, once: boards/unix_extra.py's

    def _bark(self):
        # Plain unix: the software watchdog, as a board's would, resets when it is not fed
        # in time (checked at each call of the loop's: a sample, a sleep, a feed).
        if self.wdt_ms and not self.wdt:
            late = time.ticks_diff(time.ticks_ms(), self.fed)
            if late > self.wdt_ms:
                self.late += 1
                self.bark(late)  # (unix_extra's: says so, and resets)

    def sensors(self):
        self._bark()
        n = self.n = self.n + 1
        return [
            ("temperature", (215 + n % 7) / 10),  # 21.5 to 22.1 (no float constant: RAM)
            ("heap_free", gc.mem_free()),
            ("rssi", -55 - n % 5),
        ]

    def time_ms(self):
        return time.time_ns() // 1000000

    def feed(self):
        if self.wdt:
            self.wdt.feed()
        self._bark()
        self.fed = time.ticks_ms()

    def sleep_ms(self, ms):
        self._bark()
        time.sleep_ms(ms)

    def __getattr__(self, name):
        # setup (the constructor's rest), set_time, dns_server, led, watchdog, wdt_left,
        # deepsleep, rtc_memory, reset and safe_pin, which the loop never calls:
        # boards/unix_extra.py's functions, imported for the call and unloaded at once (RAM: a
        # .mpy's code lives in the heap; 9 methods fewer here hold 600 bytes less).
        pkg = sys.modules.get("boards")  # None once main.py dropped it: this imports it again
        from boards import unix_extra as m

        del sys.modules[m.__name__]
        if pkg:
            del pkg.__dict__["unix_extra"]
        else:
            del sys.modules["boards"]
        return m.method(self, name)
