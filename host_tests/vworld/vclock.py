# The virtual clock, installed as the module `time` (vworld.run puts it in sys.modules
# before the firmware is imported). Virtual ms = the real ms this process ran + every wait
# skipped: computation costs its real time, idle waits cost nothing (a poll, a sleep jump
# to the next event or their timeout: vworld.vnet).
#
#   ticks_ms()            the virtual ticks, wrapping at 2**30 ms as on a 32-bit board;
#                         start(ticks0, wall0_s) sets where they start (a chosen time before
#                         the wrap) and the wall clock then
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

_rms = _t.ticks_ms
_rdiff = _t.ticks_diff
_radd = _t.ticks_add
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
SKIPPED = 0  # s of waits skipped (the rest of S is real time)
_skms = 0
_r = _rms()
WD = None  # the board: WD.wd(target ticks) before each skip (its watchdog)


def start(ticks0, wall0):
    global VT, S, MS, WALL0, SKIPPED, _skms, _r
    VT = ticks0 & _MASK
    S = MS = SKIPPED = _skms = 0
    WALL0 = wall0
    _r = _rms()


def _adv(ms):
    global VT, S, MS
    VT = (VT + ms) & _MASK
    m = MS + ms
    if m >= 1000:
        S += m // 1000
        m %= 1000
    MS = m


def sync():
    # real time since the last look
    global _r
    r = _rms()
    d = _rdiff(r, _r)
    if d > 0:
        _r = r
        _adv(d)


def ticks_ms():
    sync()
    return VT


def skip(ms):
    """Let ms of virtual time pass at once (a wait that costs no real time)."""
    sync()
    _skip(ms)


def _skip(ms):
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
    sync()
    _skip(ticks_diff(t, VT))


def ticks_us():
    return (ticks_ms() * 1000) & _MASK


ticks_cpu = ticks_us


def time():
    sync()
    return WALL0 + S + MS / 1000


def time_ns():
    sync()
    return (WALL0 + S) * 1000000000 + MS * 1000000


def wall_ms():
    sync()
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
