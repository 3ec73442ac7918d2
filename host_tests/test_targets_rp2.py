"""The firmware on the real rp2 port: MicroPython v1.28.0's RPI_PICO image with coap,
thethings, app and boards frozen in (`make targets-rp2`), booted in rp2040js, driven over
its UART0 raw REPL (tools/targets/rp2040js.py).

One run serves the checks below: a littlefs on a RAM block device (the emulated flash does
not mount) as the flash root, config.json and main.py put there as `make deploy` would, the
RTC set from the host as `mpremote rtc --set` does (a plain Pico has no network, so no NTP),
then `import main`: boards.load() picks boards/pico.py, and with no `socket` module in the
image every reading goes to the outbox ("queued: no server").

PERIODS periods of PERIOD_S emulated seconds: the emulator skips idle time, so the host pays
only for the busy cycles (12 M per period on average here, most of them littlefs's directory
work in the growing outbox, through a block device written in Python, each append costing
more than the last), which rp2040js runs at about 45 M cycles per host second: the run takes
about 55 s whatever PERIOD_S is. One second keeps every period well clear of overrunning
(the last periods' work is about 130 ms at 125 MHz; a shorter period would skip samples).
"""

import json
import os
import statistics
import sys
import threading
import time

import pytest
import targets
from fw_harness import _PERIOD, ROOT, Period

sys.path.insert(0, os.path.join(ROOT, "tools", "targets"))
import rp2040js  # noqa: E402

PERIODS = 200  # and outbox_max above it: every reading of the run stays in the outbox
PERIOD_S = 1
ADC4 = (876, 868)  # raw 12-bit readings of ADC input 4 (27.0, 30.8 °C): then after SWITCH_AT
SWITCH_AT = 100
GC_BLOCK = 16  # bytes (4 words of the 32-bit port)
HEAP_SLACK = 4 * GC_BLOCK
# 112 KB of RAM as the flash: room for ~220 readings (littlefs takes 2 blocks of 256 bytes
# per small file and its directory entries), next to the firmware's ~25 KB and its peaks.
RAMFS = {"block_size": 256, "blocks": 448, "readsize": 64, "progsize": 64}
# Right after the run, in the same exec: stop the watchdog (the firmware started it; at the
# REPL nobody feeds it), so a trigger in the reports can only be from during the run.
AFTER = "import machine\nmachine.mem32[%d] = 1 << 30\n" % (rp2040js.WATCHDOG_CTRL + 0x3000)


def temperature(raw12):
    """What boards/pico.py (picow's formula) makes of a raw ADC(4) conversion: the port's
    read_u16() scales 12 bits to 16 as (raw << 4) | (raw >> 8); 27 - (V - 0.706)/0.001721."""
    v = ((raw12 << 4) | (raw12 >> 8)) * 3.3 / 65535
    return round(27 - (v - 0.706) / 0.001721, 1)


def heap_growth(free):
    """Early median minus late median of the free heap after each period's collection
    (periods 11-60 against the last 50): > 0 is growth."""
    return statistics.median(free[10:60]) - statistics.median(free[-50:])


def need_emulator():
    gone = rp2040js.missing()
    if gone:
        targets.missing(", ".join(gone) + " (the rp2 port in rp2040js)")


def boot(mcu, config):
    mcu.ramfs(**RAMFS)
    mcu.put("config.json", json.dumps(config))
    with open(os.path.join(ROOT, "main.py")) as f:
        mcu.put("main.py", f.read())


class Run:
    pass


@pytest.fixture(scope="module")
def run():
    need_emulator()
    config = {
        "server": "coap://127.0.0.1",
        "activation_code": "rp2-emulated",
        "period_s": PERIOD_S,
        "max_periods": PERIODS,
        "outbox_max": PERIODS + 20,
        "subscribe": False,
    }
    r = Run()
    t0 = time.monotonic()
    with rp2040js.Emulator(adc4=ADC4[0]) as mcu:
        boot(mcu, config)
        mcu.set_rtc()

        def switch():  # the sensor's input changes while the firmware runs
            while mcu.proc and not mcu.seen(b"\n#%d " % SWITCH_AT):
                time.sleep(0.05)
            if mcu.proc:
                mcu.set_adc4(ADC4[1])

        threading.Thread(target=switch, daemon=True).start()
        r.before = mcu.report()
        r.out = mcu.exec("import main\n" + AFTER, timeout=400)
        r.after = mcu.report()
        r.files = mcu.eval("sorted(__import__('os').listdir())")
        r.outbox = mcu.eval("sorted(__import__('os').listdir('outbox'))")
        # every reading as the firmware stored it, one JSON document per line
        r.stored = mcu.exec(
            "for n in sorted(__import__('os').listdir('outbox')):\n"
            "    print(open('outbox/' + n).read())",
            timeout=120,
        ).splitlines()
    r.wall_s = time.monotonic() - t0
    r.lines = [line.rstrip("\r") for line in r.out.splitlines()]
    r.periods = [Period(m) for m in map(_PERIOD.match, r.lines) if m]
    print(
        "\nrp2 firmware run: %d periods, %.0f M cycles (%.1f M per period), %.0f s emulated, "
        "%.0f s on the host"
        % (
            len(r.periods),
            (r.after["cycles"] - r.before["cycles"]) / 1e6,
            (r.after["cycles"] - r.before["cycles"]) / 1e6 / max(len(r.periods), 1),
            (r.after["nanos"] - r.before["nanos"]) / 1e9,
            r.wall_s,
        )
    )
    return r


def test_the_frozen_firmware_runs_its_periods_on_the_pico_board(run):
    start = [line for line in run.lines if line.startswith("firmware on ")]
    assert len(start) == 1, run.out[-3000:]
    # boards/pico.py, nothing simulated, the RP2040 watchdog; the server unreachable
    assert start[0].startswith("firmware on pico "), start[0]
    assert "simulated" not in start[0] and "wdt 8000 ms" in start[0], start[0]
    assert [p.n for p in run.periods] == list(range(1, PERIODS + 1)), run.out[-3000:]
    stats = json.loads([line for line in run.lines if line.startswith("stats {")][0][6:])
    assert stats["periods"] == PERIODS and stats["queued"] == PERIODS and stats["sent"] == 0
    assert stats["skipped"] == 0, stats  # no period overran on the emulated 125 MHz core
    assert all(p.outcome == "queued: no server" for p in run.periods), run.periods[:3]
    assert "Traceback" not in run.out, run.out[-3000:]
    # the code came from the image: the flash holds only what the test put there and the
    # firmware's own state
    assert run.files == ["config.json", "main.py", "outbox"], run.files
    assert run.after["watchdog"] == 0, "the watchdog fired during the run"


def test_every_reading_went_into_the_outbox_on_littlefs(run):
    assert len(run.outbox) == PERIODS == run.periods[-1].outbox
    assert run.outbox == ["%08d" % n for n in range(1, PERIODS + 1)]
    assert len(run.stored) == PERIODS
    for p, doc in zip(run.periods, run.stored, strict=True):
        reading = json.loads(doc)
        values = {k: str(v) for k, v in reading["v"]}
        assert values == p.values, (p, doc)
        # the period line shows the stored time (ms since 1970 UTC) in ISO form
        t = reading["t"]
        iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 1000))
        assert p.datetime == "%s.%03dZ" % (iso, t % 1000), (p, doc)


def test_the_temperature_is_adc4_through_the_rp2040_formula(run):
    temps = [float(p.values["temperature"]) for p in run.periods]
    first, second = (temperature(raw) for raw in ADC4)
    assert first != second
    # every reading is the formula's value of what ADC input 4 gave at the time: the first
    # input until the switch (made once period SWITCH_AT was seen: a period takes ~0.3 s of
    # host time, the switch one or two; 20 for a host busy with other work), the second after
    k = temps.index(second)
    assert SWITCH_AT < k + 1 <= SWITCH_AT + 20, temps[SWITCH_AT - 3 : SWITCH_AT + 8]
    assert temps == [first] * k + [second] * (PERIODS - k), temps


def test_the_heap_does_not_grow(run):
    free = [int(p.values["heap_free"]) for p in run.periods]
    early, late = statistics.median(free[10:60]), statistics.median(free[-50:])
    print("heap_free: first %d, median early %d, late %d" % (free[0], early, late))
    assert heap_growth(free) <= HEAP_SLACK, free


def test_the_checks_catch_what_they_are_for():
    # a leak of one GC block every 10 periods, and no leak
    assert heap_growth([100000 - n // 10 * GC_BLOCK for n in range(PERIODS)]) > HEAP_SLACK
    assert heap_growth([100000 + (n % 3) * GC_BLOCK for n in range(PERIODS)]) <= HEAP_SLACK
    # the unix board's simulated temperature is never the formula's value of these inputs
    # by hand: 876 -> 14019/65535 * 3.3 V = 0.70594 V -> 27.0; 868 -> 0.69950 V -> 30.8
    assert temperature(876) == 27.0 and temperature(868) == 30.8
    assert {21.5 + n % 7 / 10 for n in range(7)}.isdisjoint({temperature(r) for r in ADC4})


def test_the_firmware_runs_before_the_clock_is_set():
    need_emulator()
    config = {"server": "coap://127.0.0.1", "activation_code": "c", "period_s": PERIOD_S,
              "max_periods": 3}  # fmt: skip
    with rp2040js.Emulator(adc4=ADC4[0]) as mcu:
        boot(mcu, config)
        mcu.raw()
        mcu.start_exec("import main")  # it does not return after a crash: main.py resets
        deadline = time.monotonic() + 60
        while not (mcu.seen(b"\n#3 ") or mcu.seen(b"crash #1")) and time.monotonic() < deadline:
            time.sleep(0.05)
        out = mcu.tail()
    # A Pico before `mpremote rtc --set` (no radio, no NTP): the readings are held until a
    # clock is set, dated then (App.held), and the periods go on. (The port's own _boot.py
    # fails to mount the emulated flash before: OSError 28, a Traceback of its own.)
    assert "firmware on pico " in out, out
    fw = out[out.index("firmware on pico ") :]
    assert "Traceback" not in fw and "crash" not in fw, fw
    for n in (1, 2, 3):
        assert "\n#%d - temperature=" % n in fw, fw
    assert fw.count("| held: no clock yet |") == 3, fw
