"""The Pico W image a user flashes (`make firmware BOARD=picow`: MicroPython v1.28.0's
RPI_PICO_W with coap, thethings, app and boards frozen in, REPL on USB, network, lwIP and
bluetooth as shipped), booted in rp2040js and driven over its USB CDC REPL
(tools/targets/rp2040js.py, `usb=True`).

rp2040js has no CYW43: the chip's SPI bus never answers, so this is a Pico W whose radio
does not start. The driver tries the bus at each bring-up (WL_REG_ON low, high, 10 reads of
the test register: about 350 ms of busy waiting, as on a real board), prints "[CYW43] Failed
to start CYW43", and WLAN.active(True) returns as if it had worked; connect() then raises
OSError EPERM. boards/picow.py takes that for a failed attempt: one log line, then the app's
WiFi timeout and backoff (app.link), every reading into the outbox, the watchdog fed.
Without it the firmware crash-looped at the first attempt. (After six bring-ups the driver
has no PIO resources left to claim, and each fails at once: boards/picow.py's note.)

One run of PERIODS periods of PERIOD_S emulated seconds; the emulator skips idle time, so
the host pays for the busy cycles only: ~1,650 M (the first two attempts' bring-ups ~300 M,
the rest the periods' work and littlefs's in the growing outbox), 40-50 s of host time.
WIFI_TIMEOUT_S spaces the attempts (one per ~20 periods): the policy is the same as with the
default 20 s. The RTC is set from the host, as `mpremote rtc --set` does (no NTP without
WiFi).
"""

import json
import os
import statistics
import sys
import time

import pytest
import targets
from fw_harness import _PERIOD, ROOT, Period
from test_targets_rp2 import HEAP_SLACK, RAMFS, heap_growth

sys.path.insert(0, os.path.join(ROOT, "tools", "targets"))
import rp2040js  # noqa: E402

PERIODS = 110
PERIOD_S = 5
WIFI_TIMEOUT_S = 90
RETRY_MIN_S = 5  # config.json's default retry_min_s
UF2 = os.path.join(rp2040js.TARGETS, "RPI_PICO_W.uf2")
ADC4 = 876  # 27.0 °C
# Right after the run, in the same exec: stop the watchdog (nobody feeds it at the REPL).
AFTER = "import machine\nmachine.mem32[%d] = 1 << 30\n" % (rp2040js.WATCHDOG_CTRL + 0x3000)
DEAD = "wifi: the CYW43 radio did not start ([Errno 1] EPERM); the next attempt tries again"


def uf2_payload(path):
    """The flash bytes a UF2 file holds (512-byte blocks: magic, flags, address, size,
    payload at 32), from the start of flash, as one bytes object."""
    with open(path, "rb") as f:
        data = f.read()
    assert len(data) % 512 == 0 and data, path
    out = bytearray()
    base = None
    for i in range(0, len(data), 512):
        magic0, magic1, _, addr, size = (
            int.from_bytes(data[i + k : i + k + 4], "little") for k in range(0, 20, 4)
        )
        assert (magic0, magic1) == (0x0A324655, 0x9E5D5157), "block %d of %s" % (i // 512, path)
        base = addr if base is None else base
        off = addr - base
        out[len(out) : off] = bytes(max(0, off - len(out)))
        out[off : off + size] = data[i + 32 : i + 32 + size]
    assert base == 0x10000000, hex(base)
    return bytes(out)


class Run:
    pass


def picow_config(periods, outbox_max):
    return {
        "server": "coap://127.0.0.1",
        "activation_code": "picow-emulated",
        "period_s": PERIOD_S,
        "max_periods": periods,
        "outbox_max": outbox_max,
        "subscribe": False,
        "retry_min_s": RETRY_MIN_S,
        "wifi": {"ssid": "home", "password": "secret12", "timeout_s": WIFI_TIMEOUT_S},
    }


@pytest.fixture(scope="module")
def run():
    gone = rp2040js.missing(rp2040js.PICOW_IMAGE)
    if gone:
        targets.missing(", ".join(gone) + " (the Pico W image in rp2040js)")
    r = Run()
    t0 = time.monotonic()
    with rp2040js.Emulator(rp2040js.PICOW_IMAGE, adc4=ADC4, usb=True) as mcu:
        r.uname = mcu.eval("__import__('os').uname().machine")
        mcu.ramfs(**RAMFS)
        mcu.put("config.json", json.dumps(picow_config(PERIODS, PERIODS + 20)))
        with open(os.path.join(ROOT, "main.py")) as f:
            mcu.put("main.py", f.read())
        mcu.set_rtc()
        r.before = mcu.report()
        r.out = mcu.exec("import main\n" + AFTER, timeout=400)
        r.after = mcu.report()
        r.files = mcu.eval("sorted(__import__('os').listdir())")
        r.stored = mcu.exec(
            "for n in sorted(__import__('os').listdir('outbox')):\n"
            "    print(n, open('outbox/' + n).read())",
            timeout=120,
        ).splitlines()
    r.wall_s = time.monotonic() - t0
    r.lines = [line.rstrip("\r") for line in r.out.splitlines()]
    r.periods = [Period(m) for m in map(_PERIOD.match, r.lines) if m]
    print(
        "\npicow firmware run: %d periods, %.0f M cycles, %.0f s emulated, %.0f s on the host"
        % (
            len(r.periods),
            (r.after["cycles"] - r.before["cycles"]) / 1e6,
            (r.after["nanos"] - r.before["nanos"]) / 1e9,
            r.wall_s,
        )
    )
    return r


def test_the_emulated_image_is_the_uf2_a_user_flashes(run):
    if not os.path.exists(UF2):
        targets.missing("build/targets/RPI_PICO_W.uf2")
    with open(rp2040js.PICOW_IMAGE, "rb") as f:
        image = f.read()
    assert uf2_payload(UF2)[: len(image)] == image
    assert "Pico W" in run.uname, run.uname
    # what `make flash BOARD=picow` checks before it copies (tools/fwimage.py): MicroPython
    # v1.28.0 for pico_w, our firmware frozen in
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import fwimage

    with open(UF2, "rb") as f:
        info = fwimage.check_uf2(f.read(), "picow")
    got = (info["program"], info["version"], info["board"])
    assert got == ("MicroPython", "v1.28.0", "pico_w"), info
    assert {"app", "boards/picow", "coap", "thethings"} <= set(info["frozen"]), info["frozen"]


def test_a_radio_that_does_not_answer_is_a_wifi_failure_not_a_crash(run):
    start = [line for line in run.lines if line.startswith("firmware on ")]
    assert len(start) == 1, run.out[-3000:]
    assert start[0].startswith("firmware on picow ") and "wdt 8000 ms" in start[0], start[0]
    assert "simulated" not in start[0], start[0]
    assert "Traceback" not in run.out and "crash" not in run.out, run.out[-3000:]
    assert run.after["watchdog"] == 0, "the watchdog fired during the run"
    # each attempt: the app's line, the driver's, the board's; then, after the attempt's
    # timeout, the app's with the board's reason and the backoff
    attempts = [i for i, line in enumerate(run.lines) if line == "wifi: connecting to home"]
    assert len(attempts) >= 5, run.out[-3000:]
    for i in attempts:
        assert run.lines[i + 1] == "[CYW43] Failed to start CYW43", run.lines[i : i + 5]
        j = run.lines.index(DEAD, i)
        assert set(run.lines[i + 1 : j]) == {"[CYW43] Failed to start CYW43"}, run.lines[i:j]
    given_up = [line for line in run.lines if line.startswith("wifi: no connection (")]
    assert len(given_up) in (len(attempts), len(attempts) - 1), given_up
    for line in given_up:
        assert line.startswith("wifi: no connection (no radio: [Errno 1] EPERM), retry in ")
        # the backoff: from retry_min_s, doubling, capped at max(retry_min_s, half a
        # period): here retry_min_s every time (plus jitter the line does not show)
        assert line.endswith("retry in %d ms" % (RETRY_MIN_S * 1000)), line
    # the retry policy: an attempt is given up after WIFI_TIMEOUT_S, the next one follows
    # the backoff, so the periods between attempts are the timeout's and one or two more
    # (the period lines are the firmware's clock: emulated time, the same every run)
    n = [sum(1 for line in run.lines[a:b] if _PERIOD.match(line))
         for a, b in zip(attempts, attempts[1:], strict=False)]  # fmt: skip
    lo = WIFI_TIMEOUT_S // PERIOD_S
    assert all(lo <= k <= lo + 3 for k in n), n


def test_every_period_samples_on_schedule_into_the_outbox(run):
    assert [p.n for p in run.periods] == list(range(1, PERIODS + 1)), run.out[-3000:]
    stats = json.loads([line for line in run.lines if line.startswith("stats {")][0][6:])
    assert stats["periods"] == PERIODS and stats["queued"] == PERIODS and stats["sent"] == 0
    assert stats["skipped"] == 0, stats  # no period overran, the radio's power-ups included
    assert all(p.outcome == "queued: wifi down" for p in run.periods), run.periods[:3]
    assert [p.outbox for p in run.periods] == list(range(1, PERIODS + 1))
    uptime = [int(p.values["uptime"]) for p in run.periods]
    steps = [b - a for a, b in zip(uptime, uptime[1:], strict=False)]
    assert all(PERIOD_S - 1 <= d <= PERIOD_S + 1 for d in steps), steps
    assert all("rssi" not in p.values for p in run.periods)  # no link, no RSSI
    assert run.files == ["config.json", "main.py", "outbox"], run.files
    assert len(run.stored) == PERIODS
    for n, (p, line) in enumerate(zip(run.periods, run.stored, strict=True), 1):
        name, doc = line.split(" ", 1)
        assert name == "%08d" % n
        reading = json.loads(doc)
        assert {k: str(v) for k, v in reading["v"]} == p.values, (p, doc)
        iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(reading["t"] // 1000))
        assert p.datetime == "%s.%03dZ" % (iso, reading["t"] % 1000), (p, doc)


def test_the_heap_does_not_grow_while_the_radio_fails(run):
    free = [int(p.values["heap_free"]) for p in run.periods]
    early, late = statistics.median(free[10:60]), statistics.median(free[-50:])
    print("heap_free: first %d, median early %d, late %d" % (free[0], early, late))
    assert heap_growth(free) <= HEAP_SLACK, free


def test_without_a_clock_the_readings_wait_and_nothing_crashes():
    # A Pico W at power-on whose WiFi never comes up has no NTP: its RTC says 2021, so the
    # readings are held in RAM (App.held, at most 16) until a clock is set, and the periods
    # go on, the radio retried.
    gone = rp2040js.missing(rp2040js.PICOW_IMAGE)
    if gone:
        targets.missing(", ".join(gone) + " (the Pico W image in rp2040js)")
    with rp2040js.Emulator(rp2040js.PICOW_IMAGE, adc4=ADC4, usb=True) as mcu:
        mcu.ramfs(**RAMFS)
        mcu.put("config.json", json.dumps(picow_config(3, 20)))
        with open(os.path.join(ROOT, "main.py")) as f:
            mcu.put("main.py", f.read())
        out = mcu.exec("import main\n" + AFTER, timeout=120)
        files = mcu.eval("sorted(__import__('os').listdir())")
        outbox = mcu.eval("__import__('os').listdir('outbox')")
    lines = [line.rstrip("\r") for line in out.splitlines()]
    assert "Traceback" not in out and "crash" not in out, out
    assert DEAD in lines, out
    periods = [Period(m) for m in map(_PERIOD.match, lines) if m]
    assert [p.n for p in periods] == [1, 2, 3], out
    assert all(p.datetime == "-" and p.outcome == "held: no clock yet" for p in periods), out
    assert files == ["config.json", "main.py", "outbox"] and outbox == [], (files, outbox)
