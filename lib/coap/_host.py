# CPython stand-ins for MicroPython's compile-time names, so the library runs
# unchanged on a host. Never imported on a board (and never deployed there).
import time


def const(x):
    return x


class micropython:  # noqa: N801 - stands in for the module of that name
    @staticmethod
    def viper(f):
        return f

    native = viper


def ptr8(buf):
    # Viper's raw pointers index like the buffer itself; the library masks every
    # byte it stores, so CPython's range check never fires.
    return buf


ptr16 = ptr8


# time.ticks_* with their wrap-around arithmetic replaced by plain integers.
def ticks_ms():
    return time.monotonic_ns() // 1000000


def ticks_diff(a, b):
    return a - b


def ticks_add(a, b):
    return a + b
