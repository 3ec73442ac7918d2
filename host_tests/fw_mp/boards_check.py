# boards/esp32.py, boards/picow.py and boards/pico.py on the MicroPython unix port, over fakes
# of the hardware modules (machine, network, esp32, rp2, ntptime, and time with the board's
# epoch), put in sys.modules before the import, as the virtual board does with machine (for
# the plain Pico without `network`, as its image has none). Checks that
# every board has the interface the application uses, and the board-specific logic: epoch
# normalisation, clock validity, status names, sensors, watchdog limits, safe pin.
# Run by host_tests/test_firmware_boards.py; prints one JSON line: {"failures": [...]}.
import json
import sys
import time as _time

INTERFACE = (
    "name", "uid", "cause", "t0", "has_wifi", "simulated", "wdt_default_ms", "can_deepsleep",
    "config_wait_s", "sensors", "time_ms", "set_time", "dns_server", "led", "watchdog",
    "feed", "wdt_left", "sleep_ms", "deepsleep", "rtc_memory", "reset", "safe_pin",
)  # fmt: skip
WIFI = ("wifi_start", "wifi_up", "wifi_status", "wifi_stop")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


class Obj:
    pass


def fakes(epoch_2000, now_unix):
    log = []
    t = Obj()
    off = 946684800 if epoch_2000 else 0
    t.now = now_unix  # the RTC, unix seconds
    t.gmtime = lambda s=None: _time.gmtime((t.now if s is None else s + off) - 0)
    t.time = lambda: t.now - off
    t.time_ns = lambda: (t.now - off) * 1000000000 + 123000000
    t.sleep_ms = lambda ms: log.append(("sleep", ms))
    t.ticks_ms = _time.ticks_ms
    t.ticks_diff = _time.ticks_diff
    t.ticks_add = _time.ticks_add

    m = Obj()
    m.PWRON_RESET, m.HARD_RESET, m.WDT_RESET, m.DEEPSLEEP_RESET, m.SOFT_RESET = 1, 2, 3, 4, 5
    m.unique_id = lambda: b"\x01\x02\xab"
    m.reset_cause = lambda: 4
    m.reset = lambda: log.append("reset")
    m.deepsleep = lambda ms: log.append(("deepsleep", ms))

    class Pin:
        OUT, IN, PULL_UP = 1, 0, 2
        level = 1

        def __init__(self, id, mode=None, pull=None):
            self.id = id
            log.append(("pin", id, mode, pull))

        def value(self, v=None):
            if v is None:
                return Pin.level
            log.append(("led", self.id, v))

    class ADC:
        def __init__(self, ch):
            log.append(("adc", ch))

        def read_u16(self):
            return 14000  # 0.705 V: 27.6 °C

    class WDT:
        def __init__(self, timeout):
            log.append(("wdt", timeout))

        def feed(self):
            log.append("feed")

    class RTC:
        mem = b""
        dt = None

        def memory(self, data=None):
            if data is None:
                return RTC.mem
            RTC.mem = bytes(data)

        def datetime(self, dt):
            RTC.dt = dt

    m.Pin, m.ADC, m.WDT, m.RTC = Pin, ADC, WDT, RTC

    n = Obj()
    n.STA_IF = 0
    n.STAT_IDLE, n.STAT_CONNECTING, n.STAT_GOT_IP = 1000, 1001, 1010
    n.STAT_WRONG_PASSWORD, n.STAT_NO_AP_FOUND, n.STAT_CONNECT_FAIL = 202, 201, 203
    n.country = lambda c: log.append(("country", c))

    class WLAN:
        PM_NONE = 0x10
        up = False
        dead = False

        def __init__(self, i):
            self.st = n.STAT_IDLE

        def active(self, on):
            log.append(("active", on))

        def config(self, **kw):
            log.append(("config", kw))

        def connect(self, ssid, pw):
            log.append(("connect", ssid))
            if WLAN.dead:  # the CYW43 did not start: its driver's join refuses (EPERM)
                raise OSError(1)
            self.st = n.STAT_CONNECTING

        def disconnect(self):
            log.append("disconnect")
            WLAN.up = False

        def isconnected(self):
            return WLAN.up

        def status(self, what=None):
            if what == "rssi":
                return -61
            return n.STAT_GOT_IP if WLAN.up else self.st

        def ifconfig(self):
            return ("10.0.0.5", "255.255.255.0", "10.0.0.1", "10.0.0.53")

    n.WLAN = WLAN

    e = Obj()
    e.raw_temperature = lambda: 122  # °F: 50 °C
    ntp = Obj()

    def settime():
        log.append("ntp")
        t.now = 1795600000

    ntp.settime = settime
    ntp.host = "pool.ntp.org"
    rp2 = Obj()
    rp2.bootsel_button = lambda: 0
    sys.modules.update(
        {"time": t, "machine": m, "network": n, "esp32": e, "ntptime": ntp, "rp2": rp2}
    )
    return log, t, m, n, Pin, WLAN, RTC


def load(name):
    # boards.mcu: over these fakes; thethings.thing: its EPOCH (the boards' clock reads it)
    # from this fake time's epoch
    for k in ("boards", "boards.mcu", "boards." + name, "thethings.thing"):
        sys.modules.pop(k, None)
    mod = __import__("boards." + name)
    return getattr(mod, name).Board()


def board_checks(name, epoch_2000):
    log, t, m, n, Pin, WLAN, RTC = fakes(epoch_2000, 1600000000)  # RTC in 2020: not set
    b = load(name)
    for a in INTERFACE + WIFI:
        check(hasattr(b, a), "%s: no %s" % (name, a))
    check(b.uid == "0102ab", "%s uid %r" % (name, b.uid))
    check(b.has_wifi and b.simulated == (), name + " flags")
    # the clock: not set (2020) until set_time (app.link's NTP), then unix ms whatever the
    # board's epoch; the RTC gets the board's epoch and weekday
    check(b.time_ms() is None, name + ": a clock in 2020 counts as not set")
    b.set_time(1795600000123)  # 2026-11-25 09:46:40.123 UTC, a Wednesday
    check(RTC.dt == (2026, 11, 25, 2, 9, 46, 40, 123000), "%s: RTC %r" % (name, RTC.dt))
    t.now = 1795600000  # (the fake RTC does not tick by itself)
    check(b.time_ms() == 1795600000123, "%s: time_ms %r" % (name, b.time_ms()))
    check(b.dns_server() is None, name + ": no DNS server before the link is up")
    # WiFi: start returns at once (disconnect first), status names, rssi only when up
    b.wifi_start("home", "pw", "GB")
    check("disconnect" in log and ("connect", "home") in log, name + ": connect")
    check(b.wifi_status() == "connecting", "%s: status %r" % (name, b.wifi_status()))
    keys = [k for k, _ in b.sensors()]
    check(keys == ["temperature", "heap_free"], "%s: sensors offline %r" % (name, keys))
    WLAN.up = True
    check(b.wifi_up() and b.wifi_status() == "got ip", name + ": up")
    check(b.dns_server() == ("10.0.0.53", 53), "%s: dns %r" % (name, b.dns_server()))
    s = dict(b.sensors())
    check(s.get("rssi") == -61, "%s: rssi %r" % (name, s))
    check(isinstance(s["temperature"], float), name + ": temperature")
    b.wifi_stop()
    check(not b.wifi_up(), name + ": stop")
    # watchdog limits, LED, safe pin
    check(b.wdt_left() is None, name + ": no watchdog yet")
    got = b.watchdog(60000000)
    check(got <= (8388 if name == "picow" else 60000), "%s: wdt %d" % (name, got))
    check(got - 100 < b.wdt_left() <= got, "%s: wdt_left %r" % (name, b.wdt_left()))
    b.led(1)
    check(any(x[0] == "led" for x in log if isinstance(x, tuple)), name + ": led")
    Pin.level = 0
    check(b.safe_pin() is True, name + ": safe pin low")
    Pin.level = 1
    check(b.safe_pin() is False, name + ": safe pin high")
    return b, log, s


def picow_dead_radio_checks(b, log):
    """A Pico W whose radio does not answer: connect() raises (the driver's EPERM), which is
    a failed attempt the status names, not an exception out of wifi_start; each attempt
    powers the radio up again (active(True)), and one that comes back is used."""
    WLAN = sys.modules["network"].WLAN
    WLAN.dead = True
    for _ in range(2):
        del log[:]
        try:
            b.wifi_start("home", "pw", "GB")
        except OSError as e:
            check(False, "picow: wifi_start raised %r" % e)
        check(("connect", "home") in log, "picow: no attempt %r" % log)
        check(not b.wifi_up(), "picow: dead radio up")
        check(b.wifi_status() == "no radio: [Errno 1] EPERM", "picow: %r" % b.wifi_status())
    check(("active", True) in log, "picow: no fresh power-up after a failure %r" % log)
    WLAN.dead = False
    b.wifi_start("home", "pw", "GB")
    check(b.wifi_status() == "connecting", "picow: radio back %r" % b.wifi_status())


def pico_checks():
    """The plain Pico: picow's chip without the radio, and no `network` module at all."""
    log, t, m, n, Pin, WLAN, RTC = fakes(False, 1600000000)
    del sys.modules["network"]
    sys.modules.pop("boards.picow", None)
    b = load("pico")
    for a in INTERFACE + WIFI:
        check(hasattr(b, a), "pico: no %s" % a)
    check(b.name == "pico" and not b.has_wifi and b.simulated == (), "pico flags")
    check(b.uid == "0102ab" and b.wdt_default_ms == 8000, "pico uid, wdt default")
    # no NTP: the clock counts as set only once something outside set the RTC
    check(b.time_ms() is None, "pico: clock unset")
    check(b.dns_server() is None, "pico: no DNS without a network")
    t.now = 1795600000  # `mpremote rtc --set`
    check(b.time_ms() == 1795600000123, "pico: %r" % b.time_ms())
    keys = [k for k, _ in b.sensors()]
    check(keys == ["temperature", "heap_free"], "pico: sensors %r" % keys)
    check(("adc", 4) in log, "pico: temperature from ADC(4)")
    check(26.0 < dict(b.sensors())["temperature"] < 29.0, "pico: ADC(4) °C")
    try:
        b.wifi_start("home", "pw")
        check(False, "pico: wifi_start must fail")
    except OSError:
        pass
    check(not b.wifi_up() and b.wifi_status() == "off", "pico: no wifi")
    check(b.watchdog(60000000) == 8388, "pico: RP2040 watchdog limit")
    b.led(1)
    check(("pin", 25, Pin.OUT, None) in log and ("led", 25, 1) in log, "pico: LED on GP25")
    Pin.level = 0
    check(b.safe_pin() is True, "pico: safe pin low")
    Pin.level = 1
    check(b.safe_pin() is False, "pico: safe pin high")
    check(not b.can_deepsleep and b.rtc_memory() is None, "pico: no deep sleep")


def main():
    sys.path.insert(0, sys.argv[1])  # the repository root, for boards/
    sys.path.insert(1, sys.argv[1] + "/lib")  # thethings.thing: EPOCH
    b, log, s = board_checks("esp32", True)
    check(s["temperature"] == 50.0, "esp32: raw °F -> °C %r" % s["temperature"])
    check(b.cause == "deepsleep" and b.can_deepsleep, "esp32: cause / deepsleep")
    b.rtc_memory(b'{"n": 3}')
    check(b.rtc_memory() == b'{"n": 3}', "esp32: rtc memory")
    b.deepsleep(500)
    check(("deepsleep", 500) in log, "esp32: deepsleep")
    check(not any(x[0] == "country" for x in log if isinstance(x, tuple)), "esp32: no country")
    check(not any(x[0] == "config" for x in log if isinstance(x, tuple)), "esp32: power save on")
    b, log, s = board_checks("picow", False)
    check(("country", "GB") in log, "picow: country before active")
    check(("config", {"pm": 0x10}) in log, "picow: power save off")
    check(26.0 < s["temperature"] < 29.0, "picow: ADC(4) °C %r" % s["temperature"])
    check(not b.can_deepsleep and b.rtc_memory() is None, "picow: no deep sleep")
    picow_dead_radio_checks(b, log)
    pico_checks()
    print(json.dumps({"failures": failures}))


main()
