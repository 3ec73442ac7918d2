# The methods of the microcontroller boards (boards/mcu.py) that the loop never calls:
# WiFi (connect, status, stop), the clock's setting, DNS, the LED, the watchdog's start and
# state, reset. Mcu.__getattr__ imports this module for one call and unloads it (RAM: the
# board's code and function objects; frozen into an image, a function object and a class
# dict slot each). The interface is boards/unix.py's.
import time

import machine
from micropython import const

from boards.mcu import network

# network.STAT_* values differ between ports: compare with the names, never with numbers.
_STATUS = const(
    ("IDLE", "CONNECTING", "GOT_IP", "WRONG_PASSWORD", "NO_AP_FOUND", "CONNECT_FAIL",
     "BEACON_TIMEOUT", "ASSOC_FAIL", "HANDSHAKE_TIMEOUT")  # the last three: ESP32 only
)  # fmt: skip
_METHODS = const(
    ("wifi_start", "wifi_status", "wifi_stop", "set_time", "dns_server", "led", "watchdog",
     "wdt_left", "reset")
)  # fmt: skip


def method(board, name):
    """Mcu.__getattr__: the function `name` of this module bound to board."""
    if name not in _METHODS:
        raise AttributeError(name)
    f = globals()[name]
    return lambda *args: f(board, *args)


def _w(board, country):
    if board._wlan is None:
        if country and board.COUNTRY:
            try:
                network.country(country)  # before active(True): the radio's channel plan
            except (OSError, ValueError):
                pass  # an unknown code: the port's default plan
        w = network.WLAN(network.STA_IF)
        w.active(True)
        pm = getattr(network.WLAN, "PM_NONE", None)
        if not board.power_save and pm is not None:
            w.config(pm=pm)
        board._wlan = w
    return board._wlan


def wifi_start(board, ssid, password, country=None):
    """Begin connecting and return at once (wlan.connect() does not wait)."""
    if network is None:
        raise OSError("no radio on this board")  # the plain Pico (boards/pico.py)
    w = _w(board, country)
    try:
        w.disconnect()  # ESP32: connect() twice without it raises "Wifi Internal Error"
    except OSError:
        pass
    w.connect(ssid, password)


def wifi_status(board):
    if board._wlan is None:
        return "off"
    if board._stat is None:
        board._stat = {}
        for n in _STATUS:
            v = getattr(network, "STAT_" + n, None)
            if v is not None:
                board._stat[v] = n.lower().replace("_", " ")
    s = board._wlan.status()
    return board._stat.get(s, str(s))


def wifi_stop(board):
    if board._wlan is not None:
        try:
            board._wlan.disconnect()
        except OSError:
            pass


def set_time(board, ms):
    """Set the RTC to ms since 1970 UTC (app.link's NTP)."""
    from thethings.thing import EPOCH

    t = time.gmtime(ms // 1000 - EPOCH)
    machine.RTC().datetime((t[0], t[1], t[2], t[6], t[3], t[4], t[5], ms % 1000 * 1000))
    board._synced = True


def dns_server(board):
    """(address, port) of the DNS server DHCP gave, or None (not connected)."""
    if board._wlan is None or not board._wlan.isconnected():
        return None
    return (board._wlan.ifconfig()[3], 53)


def led(board, on):
    if board._led is None:
        board._led = machine.Pin(board.LED_PIN, machine.Pin.OUT)
    board._led.value(1 if on else 0)


def watchdog(board, timeout_ms):
    timeout_ms = max(board.wdt_min_ms, min(timeout_ms, board.wdt_max_ms))
    board._wdt = machine.WDT(timeout=timeout_ms)
    board._wdt_ms = timeout_ms
    board._fed = time.ticks_ms()
    return timeout_ms


def wdt_left(board):
    """ms until the watchdog resets the board unless fed, None when it was not started."""
    if board._wdt is None:
        return None
    return board._wdt_ms - time.ticks_diff(time.ticks_ms(), board._fed)


def reset(board):
    machine.reset()
