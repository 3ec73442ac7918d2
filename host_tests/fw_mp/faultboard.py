# The firmware's app.App on a board that meets faults: a radio that drops or flaps, a clock
# set only by the firmware's own NTP, a DNS server of the test's, and a flash that fills up.
# Run by the host-time cells of host_tests/test_firmware_faults.py, at the real clock.
#
#   micropython faultboard.py        (in the flash directory: config.json, faults.json)
#
# faults.json: {"dns": [ip, port], "lfs": KB or 0, "wifi_down": [[from_ms, to_ms]],
# "wifi_flap": [[from_ms, to_ms, every_ms]], "flash_full": [[from_ms, to_ms]]}, the times
# in ms since the board started (its ticks, widened: the windows hold across the wrap).
# With "lfs", the flash is a littlefs (what the boards run) of that size on a block device
# in RAM, so that a full flash raises ENOSPC as on a board: filler files take all the room
# during a flash_full window (config.json and faults.json are read before it is mounted).
# Prints the firmware's log, then "result {json}".
import json
import os
import sys
from time import ticks_diff, ticks_ms

import vfs
from vworld.flash import fill  # the flash_full filler, the soak's too (host_tests/)

from app.app import App
from boards.unix import Board as Unix

_BLOCK = 512


class RAMBlocks:
    """A block device (vfs.AbstractBlockDev, the extended interface) in RAM: the flash,
    without the host file's time (filling it takes some 8 ms of host time)."""

    def __init__(self, blocks):
        self.n = blocks
        self.b = bytearray(_BLOCK * blocks)

    def readblocks(self, i, buf, off=0):
        a = i * _BLOCK + off
        buf[:] = memoryview(self.b)[a : a + len(buf)]

    def writeblocks(self, i, buf, off=0):
        a = i * _BLOCK + off
        self.b[a : a + len(buf)] = buf

    def ioctl(self, op, arg):
        return self.n if op == 4 else _BLOCK if op == 5 else 0  # count, size; erase: ok


class FaultBoard(Unix):
    name = "fault-sim"
    has_wifi = True
    simulated = ("wifi", "clock", "temperature", "rssi")

    def __init__(self, f):
        super().__init__()
        self.f = f
        self.el = 0  # ms since start, widened from the ticks
        self._t = ticks_ms()
        self.at = None  # ticks the link comes up (a connection in progress)
        self.offset = None  # the RTC, once NTP set it: ms ahead of the host's clock
        self.filled = False
        self.sampled = 0  # when sensors() was called last (self.el)
        self.period = 0  # ms (config.json's)
        self.wifi_drops = 0

    def now(self):
        t = ticks_ms()
        self.el += ticks_diff(t, self._t)
        self._t = t
        return self.el

    def _in(self, key):
        e = self.now()
        for w in self.f.get(key, ()):
            if w[0] <= e < w[1]:
                return w
        return None

    def _flash(self):
        # The filler is written when a flash_full window begins, removed when it ends: at a
        # feed (between the firmware's steps) more than two seconds before the next sample,
        # so that its own time delays no sample.
        if self.now() - self.sampled > self.period - 2000:
            return
        full = self._in("flash_full") is not None
        if full and not self.filled:
            self.filled = fill()
        elif self.filled and not full:
            for n in self.filled:
                try:
                    os.remove(n)
                except OSError:
                    pass  # the last one may not have been made
            self.filled = False

    def sensors(self):
        self.sampled = self.now()
        return super().sensors()

    def feed(self):
        super().feed()
        self._flash()

    # -- the radio -----------------------------------------------------------------------

    def wifi_start(self, ssid, password, country=None):
        self.at = ticks_ms()

    def wifi_up(self):
        if self.at is None:
            return False
        if self._in("wifi_down"):
            self.at = None  # lost: the firmware must connect again
            self.wifi_drops += 1
            return False
        w = self._in("wifi_flap")
        if w and (self.el - w[0]) // w[2] % 2:
            self.at = None
            self.wifi_drops += 1
            return False
        return True

    def wifi_status(self):
        return "got ip" if self.wifi_up() else "no ap found"

    def wifi_stop(self):
        self.at = None

    # -- clock and DNS -------------------------------------------------------------------

    def time_ms(self):
        return None if self.offset is None else super().time_ms() + self.offset

    def set_time(self, ms):
        self.offset = ms - super().time_ms()

    def dns_server(self):
        return tuple(self.f["dns"])


def main():
    with open("faults.json") as f:
        faults = json.load(f)
    from app import config

    cfg = config.load("config.json", True)
    if faults.get("lfs"):
        bdev = RAMBlocks(faults["lfs"] * 1024 // _BLOCK)
        vfs.VfsLfs2.mkfs(bdev)
        vfs.mount(vfs.VfsLfs2(bdev), "/flash")
        os.chdir("/flash")
    b = FaultBoard(faults)
    b.period = cfg["period_ms"]
    if b._in("flash_full"):  # full from the start: no room for the outbox or the token
        b.filled = fill()
    app = App(b, cfg)
    st = app.run()
    r = {"stats": st, "wifi_drops": b.wifi_drops, "late": b.late, "files": os.listdir()}
    print("result " + json.dumps(r))
    sys.exit(0)


main()
