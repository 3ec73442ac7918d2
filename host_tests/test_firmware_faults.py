"""The fault matrix of the firmware: each fault a board meets, with the subscription off and
on, under the watchdogs of a Pico W (8000 ms) and an ESP32 (30000 ms). The firmware runs on
the i386 port (a board's 31-bit ints and 2**30 ms ticks) on the fault board
(fw_mp/faultboard.py: radio, clock by NTP, DNS, a littlefs flash that fills up), in a world
(fault_world.py: theThings.IO's emulator, fake DNS and NTP servers) that switches faults on
and off, at RFC 7252 default CoAP timing. Compressed time: the firmware and the world run
SPEED times as fast as the clock on the wall, under the clock hook, one anchor for both.

Every cell: the firmware ends its periods with status 0 (the unix board's software
watchdog exits 3 when a feed comes late: no overrun), no sample later than LATE_MS, every
reading stored by the server but those the firmware counted as dropped (and none dropped
that fitted the outbox), writes flowing again within 2 periods of the fault's end.
The README's table "Fault matrix" lists what runs here."""

import concurrent.futures
import json
import os
import re
import threading

import procs
import pytest
import targets
from fw_harness import ARCH, ROOT, build_firmware

SPEED = 5  # compressed time: a 180 s scene in 36 s (at 10, a 12 ms wait for a core read as late)
PERIOD_S = 20  # a period long enough for a separate response after 10 s
PERIODS = 9
FAULT = (2 * PERIOD_S + 5, 5 * PERIOD_S + 5)  # the scene's seconds: 3 periods of fault
LATE_MS = 100

# fault -> (world faults, board faults): the scene's seconds; the board counts ms from its
# start, which is the scene's start within a few ms (it is started first).
_A, _B = FAULT
FAULTS = {
    "server black-holed": ([{"kind": "blackhole"}], {}),
    "server answers 5.03": ([{"kind": "error"}], {}),
    "server slow (10 s)": ([{"kind": "slow", "delay_s": 10}], {}),
    "DNS slow (10 s)": ([{"kind": "dns_slow", "delay_s": 10}], {}),
    "DNS failing": ([{"kind": "dns_fail"}], {}),
    "WiFi down": ([], {"wifi_down": [[_A * 1000, _B * 1000]]}),
    "WiFi flapping": ([], {"wifi_flap": [[_A * 1000, _B * 1000, 7000]]}),
    "flash full": (
        [{"kind": "blackhole", "from_s": _A + PERIOD_S, "to_s": _B}],
        {"flash_full": [[_A * 1000, _B * 1000]]},
    ),  # fmt: skip
    "flash full at boot": ([], {"flash_full": [[0, _B * 1000]]}),  # activation: token kept
    "NTP failing": ([{"kind": "ntp_fail"}], {}),
    "NTP garbage": ([{"kind": "ntp_garbage"}], {}),
}
# faults that bite at boot (DNS and NTP are asked then: the scene starts with them)
AT_BOOT = {"DNS slow (10 s)", "DNS failing", "NTP failing", "NTP garbage"}

_lock = threading.Lock()
_builds = {}


def fw_build(tmp_path_factory):
    with _lock:
        if "x86" not in _builds:
            d = str(tmp_path_factory.mktemp("fw-faults"))
            _builds["x86"] = build_firmware(d, ARCH["i386"])
        return _builds["x86"]


def scene(fault, subscribe, wdt, build, flash):
    world, board = FAULTS[fault]
    a, b = (0, 3 * PERIOD_S + 5) if fault in AT_BOOT else FAULT
    faults = [dict({"from_s": a, "to_s": b}, **f) for f in world]
    if fault in AT_BOOT:
        board = {}
    return {
        "build": build,
        "flash": flash,
        "micropython": targets.i386() or targets.missing("the i386 unix port"),
        "hook": targets.need("clockshift-i386.so"),
        "config": {
            "period_s": PERIOD_S,
            "subscribe": subscribe,
            "keepalive_s": 60,
            "watchdog_ms": wdt,
            "max_periods": PERIODS,
            "wifi": {"ssid": "home", "password": "secret", "timeout_s": 5},
        },
        "faults": faults,
        "board": dict(board, lfs=64),
        "end_s": PERIOD_S * (PERIODS + 2),
        "window": [a, b],
    }


def run_scene(sc, tmp_path):
    path = tmp_path / "scene.json"
    out = tmp_path / "out.json"
    path.write_text(json.dumps(sc))
    env = dict(os.environ, **targets.clock_env("x64", speed=SPEED))
    env["CLOCKSHIFT_ANCHOR_NS"] = str(_mono_ns())
    argv = [os.path.join(ROOT, ".venv", "bin", "python"),
            os.path.join(ROOT, "host_tests", "fault_world.py"), str(path), str(out)]  # fmt: skip
    p = procs.run(argv, env=env, timeout=sc["end_s"] / SPEED + 60)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(out.read_text())


def _mono_ns():
    import time

    return time.monotonic_ns()


_LINE = re.compile(r"^#(\d+) \S+ (.*?) \| (.*?) \| outbox (\d+)(?: \| dropped (\d+))?$")


def check(sc, r):
    lines = r["lines"]
    text = "\n".join(lines)
    tail = "\n".join(lines[-60:])
    assert r["status"] == 0, "exit %s (3: the software watchdog)\n%s" % (r["status"], tail)
    assert "WDT:" not in text and "Traceback" not in text, tail
    stats = json.loads([x for x in lines if x.startswith("result ")][-1][7:])
    st = stats["stats"]
    assert st["periods"] == PERIODS, tail
    assert st["late_max_ms"] <= LATE_MS, "a sample %d ms late\n%s" % (st["late_max_ms"], tail)
    assert st["skipped"] == 0, tail
    periods = [m for m in map(_LINE.match, lines) if m]
    assert len(periods) == PERIODS, tail
    dropped = int(periods[-1].group(5) or 0)
    # every reading stored but the counted drops: one "uptime" record per reading
    ups = [x for x in r["records"] if x["key"] == "uptime"]
    assert len(ups) + dropped == PERIODS, (len(ups), dropped, tail)
    assert len({x["datetime"] for x in ups}) == len(ups), "a reading stored twice"
    if dropped:
        assert sc["board"].get("flash_full"), "dropped without a full flash\n" + tail
    assert "token" in stats["files"], "the token saved in the end: %s" % stats["files"]
    # writes flow again within 2 periods of the fault's end
    end = sc["window"][1]
    ok = [e["time"] for e in r["log"] if e["method"] == "POST" and e["code"] == "2.01"
          and e["time"] >= end and e["path"].startswith("/v2/things/")]  # fmt: skip
    assert ok and ok[0] - end <= 2 * PERIOD_S, (ok[:3], end, tail)
    return st


# a fault's 4 cells run side by side, 2 at a time (a CI machine's 2 cores: each cell is a
# world and a firmware process, both mostly asleep): 44 cells in about 12 minutes
PARALLEL = 2


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault(fault, tmp_path, tmp_path_factory):
    build = fw_build(tmp_path_factory)
    cells = [(s, w) for s in (False, True) for w in (8000, 30000)]

    def one(cell):
        s, w = cell
        d = tmp_path / ("%s-wdt%d" % ("sub" if s else "nosub", w))
        d.mkdir()
        sc = scene(fault, s, w, build, str(d / "flash"))
        try:
            check(sc, run_scene(sc, d))
            return None
        except AssertionError as e:
            return "%s: %s" % (d.name, e)

    with concurrent.futures.ThreadPoolExecutor(PARALLEL) as ex:
        failed = [f for f in ex.map(one, cells) if f]
    assert not failed, "\n\n".join(failed)
