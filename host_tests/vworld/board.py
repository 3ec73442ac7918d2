# The board of the virtual world: boards/unix.py's Board (its sensors, the software
# watchdog's bookkeeping) with what an ESP32 or a Pico W adds (host_tests/fw_mp/wifiboard.py):
# a radio that connects in connect_ms and meets the world's WiFi faults, an RTC set by the
# firmware's own NTP exchange (drifting DRIFT_PPM), the router's DNS server; and a flash
# that can be a littlefs on a block device in a host file (vworld.flash), filled up by a
# fault. It also takes the heap figures of each day (heap).
#
# Watchdog: the unix board exits when a feed comes late (checked at a sample, a sleep, a
# feed); here an overrun is counted (overruns, and the first ones printed) and the run goes
# on, and it is also caught where it happens: before every skipped wait (vclock.WD) that
# would take the time past the last feed plus the timeout.
import os

import vworld.vclock as clock
import vworld.vnet as net
from boards.unix import Board as Unix
from vworld.flash import fill

DRIFT_PPM = 40  # the RTC runs this much fast (a crystal's tolerance)
DAYS = 64  # days of heap figures kept


class VBoard(Unix):
    name = "vworld"
    has_wifi = True
    simulated = ("wifi", "clock", "temperature", "rssi", "flash")

    def __init__(self, faults, connect_ms=1500):
        super().__init__()
        self.uid = "0000vw01"  # (Unix's is a hash of the flash's path: a run's own)
        self.F = faults
        self.connect_ms = connect_ms
        self.at = None  # ticks the link comes up (while connecting)
        self.conn = False  # connected
        self.off = None  # the RTC: ms ahead of the virtual wall clock, once set
        self.overruns = 0
        self.worst = 0  # the latest feed seen, ms after the last (overruns: > wdt_ms)
        self._barked = None  # the feed stamp an overrun was counted for
        self.losses = 0  # link losses
        self.starts = 0
        self.syncs = 0
        self.filled = None
        self.app = None  # the App (vworld.run): its stats["heap_last"] each period
        # The heap after the period's collection, its least over the last hour of each day
        # (DAYS at most; preallocated: the probe itself must not grow the heap)
        self.per_day = 1440
        self.heap = [0] * DAYS

    # -- watchdog -------------------------------------------------------------------------

    def _late(self, t):
        if self.wdt_ms:
            late = clock.ticks_diff(t, self.fed)
            if late > self.worst:
                self.worst = late
            if late > self.wdt_ms and self._barked != self.fed:
                self._barked = self.fed
                self.overruns += 1
                if self.overruns <= 5:
                    print("WDT overrun at %d s: not fed for %d ms" % (clock.S, late))

    def _bark(self):
        self._late(clock.ticks_ms())

    def wd(self, t):  # vclock: a wait is about to take the time to t
        self._late(t)

    def feed(self):  # (Unix's, in fewer calls: the WiFi wait feeds every 50 ms)
        t = clock.ticks_ms()
        self._late(t)
        self.fed = t

    # -- radio ----------------------------------------------------------------------------

    def _ap(self):
        # the access point is there (and the link would hold)
        F = self.F
        if F.on("wifi_down") is not None:
            return False
        w = F.on("wifi_flap")
        return w is None or (clock.S - w[0]) // w[2] % 2 == 0

    def _link(self):
        # Connected now? The radio's state: an attempt's stamp (at) is dropped once it has
        # connected, so that no ticks stamp outlives an attempt (a connection held for 6.2
        # days would otherwise read as one not made yet); a lost AP ends the connection.
        if not self._ap():
            if self.conn:
                self.losses += 1
            self.conn = False
            self.at = None  # the attempt failed, or the link was lost: connect again
        elif not self.conn and self.at is not None:
            if clock.ticks_diff(clock.ticks_ms(), self.at) >= 0:
                self.conn = True
                self.at = None
        return self.conn

    def net_up(self):
        """The link carries datagrams now (vnet asks this for each one)."""
        return self._link()

    def wifi_start(self, ssid, password, country=None):
        self.starts += 1
        self.conn = False
        self.at = clock.ticks_add(clock.ticks_ms(), self.connect_ms)

    def wifi_up(self):
        return self._link()

    def wifi_status(self):
        return "got ip" if self._link() else "connecting" if self.at else "no ap found"

    def wifi_stop(self):
        self.at = None
        self.conn = False

    def dns_server(self):
        return ("10.0.0.1", 53)

    # -- clock ----------------------------------------------------------------------------

    def _rtc(self):
        return clock.wall_ms() + clock.S * DRIFT_PPM // 1000

    def time_ms(self):
        return None if self.off is None else self._rtc() + self.off

    def set_time(self, ms):
        self.syncs += 1
        self.off = ms - self._rtc()

    # -- flash ----------------------------------------------------------------------------

    def _flash(self):
        # the filler takes the room when a flash_full window begins, and goes when it ends
        full = self.F.on("flash_full") is not None
        if full and not self.filled:
            try:
                self.filled = fill()
            except MemoryError:  # (the world's share of the heap: the next call again)
                pass
        elif self.filled and not full:
            for n in self.filled:
                try:
                    os.remove(n)
                except OSError:
                    pass
            self.filled = None

    def sensors(self):
        # (called right after the period's gc.collect() and its heap_last)
        if self.F.flash:
            self._flash()
        a = self.app
        n = self.n + 1  # this period's number (Unix.sensors counts it)
        k = n % self.per_day
        if a is not None and (k == 0 or k > self.per_day - 60):
            d = (n - 1) // self.per_day
            if d < DAYS:
                h = a.stats["heap_last"]
                if not self.heap[d] or h < self.heap[d]:
                    self.heap[d] = h
        return super().sensors()

    def sleep_ms(self, ms):
        # (Unix's, with fewer calls: the WiFi wait runs it every 50 ms for 20 s)
        if self.F.flash:
            self._flash()
        self._late(clock.ticks_ms())
        net.wait(ms)
