# The virtual clock, installed as the module `time` (vworld.run puts it in sys.modules
# before the firmware is imported). Virtual time passes only when the firmware waits (a
# poll or a sleep: vworld.vnet jumps to the next event or to the wait's end) and by a fixed
# cost per clock read (READ_US): computation costs no host time. So a run is the same on
# every host, under any load, and a scene with the same seed replays to the byte; a
# sample's lateness is exact (what the firmware's own waits cost it, nothing of the
# host's). What the model leaves out (the board's CPU time, the host's scheduling) is what
# the host-time cells of the fault matrix check (host_tests/test_firmware_faults.py).
#
#   ticks_ms()            the virtual ticks, wrapping at 2**30 ms as on a 32-bit board;
#                         start(ticks0, wall0_s) sets where they start (a chosen time before
#                         the wrap) and the wall clock then; each read costs READ_US
#   ticks_add, ticks_diff the port's on a 32-bit port (the same 2**30 arithmetic); on the
#                         x64 port (ticks period 2**62) the 32-bit ones, written here
#   time(), time_ns(), gmtime(), localtime(), mktime(): the virtual wall clock (UTC)
#   sleep*()              skip (vnet.install() replaces them with waits that run the
#                         network's events on the way)
# Elapsed virtual time is kept as seconds S and a ms remainder MS (small ints on a 32-bit
# port: 30 days of ms would be a long int, allocated at every read).
import time as _t

from micropython import const

_WRAP = const(1 << 30)
_MASK = const((1 << 30) - 1)
_HALF = const(1 << 29)
# What a clock read costs, in µs of virtual time: the firmware's computation, as a board
# would spend it, in a unit the run counts exactly (some hundred reads a period: a few ms;
# a loop that polls the clock without waiting still ends).
READ_US = 10

gmtime_ = _t.gmtime
mktime = _t.mktime

if _t.ticks_add(0, -1) == _MASK:  # a 32-bit port: the port's own, in C
    ticks_add = _t.ticks_add
    ticks_diff = _t.ticks_diff
else:

    def ticks_add(t, d):
        if not -_HALF <= d < _HALF:
            raise OverflowError("ticks interval overflow")
        return (t + d) & _MASK

    def ticks_diff(a, b):
        return ((a - b + _HALF) & _MASK) - _HALF


VT = 0  # virtual ticks now
S = 0  # virtual seconds since start
MS = 0  # ... and ms
WALL0 = 0  # wall clock (s since 1970 UTC) at the start
SKIPPED = 0  # s of waits skipped (the rest of S is what the clock reads cost)
_skms = 0
_us = 0  # µs of clock reads not yet a whole ms
WD = None  # the board: WD.wd(target ticks) before each skip (its watchdog)


def start(ticks0, wall0):
    global VT, S, MS, WALL0, SKIPPED, _skms, _us
    VT = ticks0 & _MASK
    S = MS = SKIPPED = _skms = _us = 0
    WALL0 = wall0


def _adv(ms):
    global VT, S, MS
    VT = (VT + ms) & _MASK
    m = MS + ms
    if m >= 1000:
        S += m // 1000
        m %= 1000
    MS = m


def ticks_ms():
    global _us
    u = _us + READ_US
    if u >= 1000:
        _adv(u // 1000)
        u %= 1000
    _us = u
    return VT


def skip(ms):
    """Let ms of virtual time pass at once (a wait)."""
    global SKIPPED, _skms
    if ms > 0:
        if WD is not None:
            WD.wd((VT + ms) & _MASK)
        _adv(ms)
        k = _skms + ms
        if k >= 1000:
            SKIPPED += k // 1000
            k %= 1000
        _skms = k


def skip_to(t):
    """Skip to virtual ticks t (nothing when it is not ahead)."""
    skip(ticks_diff(t, VT))


def ticks_us():
    return (ticks_ms() * 1000) & _MASK


ticks_cpu = ticks_us


def time():
    return WALL0 + S + MS / 1000


def time_ns():
    return (WALL0 + S) * 1000000000 + MS * 1000000


def wall_ms():
    return (WALL0 + S) * 1000 + MS


def gmtime(secs=None):
    return gmtime_(WALL0 + S if secs is None else secs)


localtime = gmtime  # the world is in UTC


def sleep_ms(ms):
    skip(ms)


def sleep(s):
    skip(int(s * 1000))


def sleep_us(us):
    skip(us // 1000)
