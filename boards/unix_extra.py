# The unix board's methods that the loop never calls (boards/unix.py: Board.__getattr__
# imports this module for one call and unloads it): set-up, DNS, the LED, the watchdog's
# state, deep sleep, RTC memory, reset, the safe pin. The interface is boards/unix.py's.
import os
import sys
import time

import machine
from micropython import const

_VB = hasattr(machine, "reset")  # the virtual board (boards/unix.py)
_METHODS = const(
    ("setup", "bark", "set_time", "dns_server", "led", "watchdog", "wdt_left", "deepsleep",
     "rtc_memory", "reset", "safe_pin")
)  # fmt: skip


def method(board, name):
    """Board.__getattr__: the function `name` of this module bound to board."""
    if name not in _METHODS:
        raise AttributeError(name)
    f = globals()[name]
    return lambda *args: f(board, *args)


def setup(board):
    """Board(), once: the software watchdog's state, the board's id and its reset cause."""
    board.n = 0
    board.wdt = None
    board.wdt_ms = 0
    board.fed = 0
    board.late = 0  # software watchdog (plain unix): feeds later than the timeout
    if _VB:
        board.uid = machine.unique_id().hex()
        board.cause = ("power-on", "hard", "watchdog", "deepsleep", "soft")[
            machine.reset_cause() - 1
        ]
    else:
        board.uid = "%08x" % (hash(os.getcwd()) & 0xFFFFFFFF)  # the flash directory's
        board.cause = "power-on"


def set_time(board, ms):
    raise OSError("the host's clock")


def dns_server(board):
    """FW_DNS=ip:port (tests: a DNS server of theirs), else None (getaddrinfo)."""
    d = os.getenv("FW_DNS")
    if not d:
        return None
    ip, port = d.rsplit(":", 1)
    return (ip, int(port))


def led(board, on):
    print("LED", "on" if on else "off", "(simulated)")


def watchdog(board, ms):
    """The virtual board's machine.WDT; on plain unix a software one, which prints
    "WDT: ..." and resets (exits with status 3) when not fed within ms."""
    if _VB:
        board.wdt = machine.WDT(timeout=ms)
    board.wdt_ms = ms
    board.fed = time.ticks_ms()
    return ms


def bark(board, late):
    """The software watchdog (Board._bark) fires: not fed for late ms."""
    print("WDT: not fed for %d ms (timeout %d ms): reset" % (late, board.wdt_ms))
    sys.exit(3)


def wdt_left(board):
    if not board.wdt_ms:
        return None
    return board.wdt_ms - time.ticks_diff(time.ticks_ms(), board.fed)


def deepsleep(board, ms):
    machine.deepsleep(ms)


def rtc_memory(board, data=None):
    # emulated with a file in the flash directory (the virtual board only)
    with open(".rtcmem", "rb" if data is None else "wb") as f:
        return f.read() if data is None else f.write(data)


def reset(board):
    """Plain unix: exit with status 3, which `make sim` takes as a reset."""
    if _VB:
        machine.reset()
    sys.exit(3)


def safe_pin(board):
    return os.getenv("FW_SAFE_PIN") == "1"  # stands for the pin
