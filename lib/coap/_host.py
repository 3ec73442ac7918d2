# CPython stand-ins for what the library takes from MicroPython, installed where MicroPython
# has them: a `micropython` module (const, viper, native), time.ticks_* and viper's ptr8
# and ptr16 as builtins. coap/__init__.py imports this under CPython only (never on a
# board, and never deployed there), so the library's modules import MicroPython's names
# unconditionally: no try/except in each of them, which costs a board RAM.
import builtins
import sys
import time
import types


def const(x):
    return x


def viper(f):
    return f


def ptr8(buf):
    # Viper's raw pointers index like the buffer itself; the library masks every byte it
    # stores, so CPython's range check never fires.
    return buf


# time.ticks_* as on a 32-bit board: they wrap at 2**30 ms (12.4 days), ticks_diff orders
# stamps within ±2**29 ms, and ticks_add past that raises OverflowError, as there.
_PERIOD = 1 << 30
_HALF = _PERIOD // 2


def ticks_ms():
    return time.monotonic_ns() // 1000000 % _PERIOD


def ticks_us():
    return time.monotonic_ns() // 1000 % _PERIOD


def ticks_diff(a, b):
    return (a - b + _HALF) % _PERIOD - _HALF


def ticks_add(a, b):
    if not -_HALF <= b < _HALF:
        raise OverflowError("ticks interval overflow")
    return (a + b) % _PERIOD


def sleep_ms(ms):
    time.sleep(ms / 1000)


micropython = types.ModuleType("micropython")
micropython.const = const
micropython.viper = micropython.native = viper
sys.modules.setdefault("micropython", micropython)
for _f in (ticks_ms, ticks_us, ticks_diff, ticks_add, sleep_ms):
    if not hasattr(time, _f.__name__):
        setattr(time, _f.__name__, _f)
builtins.ptr8 = builtins.ptr16 = ptr8
