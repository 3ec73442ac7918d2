# The firmware's app.App with a board that has a radio and a clock to set (as an ESP32 or a
# Pico W), simulated over the unix board: run by host_tests/test_firmware_link.py.
#
#   micropython wifiboard.py SCRIPT_JSON      (config.json in the current directory)
#
# SCRIPT: {"connect_ms": the time a connection takes, "fail_first": attempts that never
# connect, "drop_at": [period, ms]: the link goes down at that period for so long}. The
# clock is set by the firmware's own NTP exchange (config ntp_host: the test's fake
# server). Prints the firmware's log, then one line "result {json}" with the board's
# counters and the app's stats.
import json
import sys

from app.app import App
from boards.unix import Board as Unix

try:
    from time import ticks_add, ticks_diff, ticks_ms
except ImportError:
    pass


class WifiBoard(Unix):
    name = "wifi-sim"
    has_wifi = True
    simulated = ("wifi", "clock")

    def __init__(self, script):
        super().__init__()
        self.s = script
        self.at = None  # ticks the link comes up
        self.down_until = None
        self.starts = 0
        self.stops = 0
        self.syncs = 0
        self.offset = None  # ms the RTC is ahead of the host's clock, once set
        self.app = None

    def wifi_start(self, ssid, password, country=None):
        self.starts += 1
        if self.starts > self.s.get("fail_first", 0):
            self.at = ticks_add(ticks_ms(), self.s.get("connect_ms", 100))

    def wifi_up(self):
        now = ticks_ms()
        d = self.s.get("drop_at")
        if d and self.app and self.app.n == d[0] and self.down_until is None:
            self.down_until = ticks_add(now, d[1])
            self.at = None  # lost: a new connect() is needed
        if self.down_until is not None and ticks_diff(now, self.down_until) < 0:
            return False
        return self.at is not None and ticks_diff(now, self.at) >= 0

    def wifi_status(self):
        return "got ip" if self.wifi_up() else "connecting" if self.at else "no ap found"

    def wifi_stop(self):
        self.stops += 1
        self.at = None

    def time_ms(self):
        return None if self.offset is None else super().time_ms() + self.offset

    def set_time(self, ms):
        self.syncs += 1
        self.offset = ms - super().time_ms()


def main():
    # (a long JSON argument trips the unix port: "FATAL: uncaught NLR"; a file does not)
    script = json.loads(sys.argv[1])
    from app import config

    cfg = config.load("config.json", True)
    b = WifiBoard(script)
    app = App(b, cfg)
    b.app = app
    st = app.run()
    print(
        "result "
        + json.dumps({"starts": b.starts, "stops": b.stops, "syncs": b.syncs, "stats": st})
    )


main()
