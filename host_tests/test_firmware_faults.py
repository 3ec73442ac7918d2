"""The fault matrix of the firmware: each fault a board meets, with the subscription off and
on, under the watchdogs of a Pico W (8000 ms) and an ESP32 (30000 ms), at RFC 7252 default
CoAP timing, on the i386 port (a board's 31-bit ints and 2**30 ms ticks; the ticks wrap in
the middle of every scene).

The cells run in virtual time (host_tests/vworld, driven by vworld_host.py): the firmware's
own code in one MicroPython process whose clock moves only when it waits, against
in-process theThings.IO, DNS and NTP servers and a board whose radio, clock and littlefs
flash meet the faults. A sample's lateness there is exact and host load cannot change it;
a run is a function of its scene and its seed (the firmware's os.urandom, the fault's
phase within a period), so a failing cell fails the same way on every run and says how to
rerun it alone. FAULT_SEED=n picks another seed (`make test-all` runs several).

Every cell: no watchdog overrun, no sample later than LATE_MS, every reading on the server
but those the firmware counted as dropped (and none dropped without a full flash), none
twice, nothing left behind, the token saved, writes flowing again within 2 periods of the
fault's end.

A few cells also run in host time (HOST_CELLS): a real process (the unix board's own
watchdog, which exits when a feed comes late), real UDP on loopback, the real clock, the
theThings.IO emulator (aiocoap): what the virtual world leaves out (the CPU's time, the
sockets' errors), so that it cannot hide a fault. The README's table "Fault matrix" lists
what runs here."""

import json
import os
import random
import threading
import time

import pytest
import targets
import vworld_host as world
from dns_ntp_servers import FakeUDP, answer, ntp_reply, ntp_ts, reply
from fw_harness import ARCH, ROOT, Firmware, build_firmware, micropython_for

from thethings_sim.testing import SimServer

PERIOD_S = 20  # a period long enough for a separate response after 10 s
PERIODS = 9
LATE_MS = 20  # of firmware time: exact in virtual time
SEED = int(os.environ.get("FAULT_SEED", "14"))

# fault -> [[kind, param]]: the world's faults (host_tests/vworld/faults.py), on during
# periods 3-5 (from the boot on for those asked at boot: DNS and NTP); "half" ones only in
# the second half of that window.
FAULTS = {
    "server black-holed": [["blackhole"]],
    "server black-holed (4 min)": [["blackhole"]],  # LONG: the subscription fails inside
    "server answers 5.03": [["error"]],
    "30% loss each way": [["loss", 30]],
    "server slow (10 s)": [["slow", 10]],
    "DNS slow (10 s)": [["dns_slow", 10]],
    "DNS failing": [["dns_fail"]],
    "WiFi down": [["wifi_down"]],
    "WiFi flapping": [["wifi_flap", 7]],
    "flash full": [["flash_full"], ["blackhole", 0, "half"]],
    "flash full at boot": [["flash_full"]],  # during the activation: the token write retried
    "NTP failing": [["ntp_fail"]],
    "NTP garbage": [["ntp_garbage"]],
}
# Faults that last longer than periods 3-5: fault -> its periods. 4 minutes is what it takes
# for a subscription to be lost and retried inside an outage: the server's keepalive missed
# (60 s + 1 s), the re-registration's CON unanswered for up to MAX_TRANSMIT_WAIT (93 s), then
# poll()'s new subscription after its backoff, again into the black hole; a retry that
# waited in the foreground there would hold up the samples (or starve the watchdog).
LONG = {"server black-holed (4 min)": 12}
AT_LEAST_ONCE = {"30% loss each way"}
AT_BOOT = {"DNS slow (10 s)", "DNS failing", "NTP failing", "NTP garbage", "flash full at boot"}
CELLS = [
    pytest.param(f, s, w, id="%s-%s-%ds" % (f, "sub" if s else "nosub", w // 1000))
    for f in FAULTS
    for s in (False, True)
    for w in (8000, 30000)
]


def periods(fault):
    """The scene's periods: PERIODS, more for a LONG fault (as many after its end)."""
    return PERIODS + LONG.get(fault, 3) - 3


def window(fault, seed):
    """(from_s, to_s) of the fault in the scene: periods 3-5 (a LONG fault: from period 3 for
    its periods), or from the boot to period 4 for faults asked at boot, shifted by a phase
    within the period drawn from the seed."""
    phase = random.Random("%d/%s" % (seed, fault)).randrange(1, PERIOD_S)
    if fault in AT_BOOT:
        return 0, 3 * PERIOD_S + phase
    return 2 * PERIOD_S + phase, (2 + LONG.get(fault, 3)) * PERIOD_S + phase


def scene(fault, seed):
    """vworld_host.run's arguments for the fault (all but build, tmp and the cell's config)."""
    a, b = window(fault, seed)
    faults = []
    for f in FAULTS[fault]:
        lo = (a + b) // 2 if f[2:] == ["half"] else a
        faults.append([f[0], lo, b, f[1] if len(f) > 1 else 0])
    # the ticks wrap during the fault (or, for a fault at boot, right after it)
    wrap_at = (a + b) // 2 if a else b + PERIOD_S // 2
    return {
        "faults": faults,
        "ticks0": targets.WRAP - wrap_at * 1000,
        "seed": seed,
        "window": [a, b],
    }


_lock = threading.Lock()
_build = {}


@pytest.fixture(scope="module")
def vbuild(tmp_path_factory):
    world.micropython_for("i386")  # skips (fails under REQUIRE_TARGETS) without the port
    with _lock:
        if "b" not in _build:
            _build["b"] = world.build(str(tmp_path_factory.mktemp("faults-mpy")))
        return _build["b"]


def run_cell(build, tmp, fault, subscribe, wdt, seed=SEED):
    sc = scene(fault, seed)
    r = world.run(
        build, str(tmp), period_s=PERIOD_S, periods=periods(fault), faults=sc["faults"],
        ticks0=sc["ticks0"], seed=seed, lfs_kb=64, subscribe=subscribe, keepalive_s=60,
        watchdog_ms=wdt, wifi={"ssid": "home", "password": "secret", "timeout_s": 5},
    )  # fmt: skip
    return sc, r


def problems(fault, sc, r):
    """What the cell's run did wrong (empty: nothing)."""
    bad = []
    st = r["stats"] or {}

    def want(ok, what):
        if not ok:
            bad.append(what)

    want(not r["crashed"] and st, "the firmware crashed (or never printed its stats)")
    want(r["periods"] == periods(fault), "%d periods of %d" % (r["periods"], periods(fault)))
    want(r["overruns"] == 0, "%d watchdog overruns" % r["overruns"])
    late = st.get("late_max_ms", 0)
    want(late <= LATE_MS, "a sample %d ms late (limit %d)" % (late, LATE_MS))
    want(st.get("skipped") == 0, "%s periods skipped" % st.get("skipped"))
    want(r["lost"] == 0, "%d readings lost" % r["lost"])
    # Under loss a write may be stored with its every answer lost: the firmware queues it and
    # sends it again from the outbox (at least once, RFC 7252 §4.5 dedups only one message's
    # retransmissions). So a duplicate there is one of the writes it counted as queued.
    dups_ok = st.get("queued", 0) if fault in AT_LEAST_ONCE else 0
    want(r["duplicates"] <= dups_ok, "%d readings stored twice" % r["duplicates"])
    left = (r["outbox"], r["held"])
    want(left == (0, 0), "left: outbox %d, held %d" % left)
    want(not r["dropped"] or "flash" in fault, "%d dropped, the flash not full" % r["dropped"])
    want("token" in r["files"], "the token not saved: %s" % r["files"])
    end = sc["window"][1]
    w = r.first_write_after(end)
    want(
        w is not None and w - end <= 2 * PERIOD_S,
        "no write within 2 periods of the fault's end at %d s (first: %s)" % (end, w),
    )
    return bad


def rerun(request, seed):
    return "FAULT_SEED=%d .venv/bin/pytest -q '%s'" % (seed, request.node.nodeid)


@pytest.mark.parametrize(("fault", "subscribe", "wdt"), CELLS)
def test_fault(fault, subscribe, wdt, vbuild, tmp_path, request):
    sc, r = run_cell(vbuild, tmp_path, fault, subscribe, wdt)
    bad = problems(fault, sc, r)
    assert not bad, "%s\n\nseed %d, scene %s:\n%s\nrerun alone: %s\n\n%s" % (
        "; ".join(bad),
        SEED,
        r["scene"],
        json.dumps(sc),
        rerun(request, SEED),
        world.tail(r, 60),
    )


def test_a_cell_replays_to_the_byte(vbuild, tmp_path):
    # The same scene and seed: the same log and the same records, byte for byte; another
    # seed: another run (the seed reaches the firmware's random choices).
    out = []
    for i, seed in enumerate((SEED, SEED, SEED + 1)):
        d = tmp_path / str(i)
        d.mkdir()
        _, r = run_cell(vbuild, d, "WiFi flapping", True, 8000, seed)
        with open(r["log"]) as f:
            log = f.read()
        out.append((log, (d / "records").read_bytes(), r["stats"]))
    assert out[0] == out[1]
    assert out[0][0] != out[2][0]
    assert out[0][2]["periods"] == PERIODS


# -- host time --------------------------------------------------------------------------
# The same checks on the real process at the real clock: the firmware's main.py with the
# fault board of host_tests/fw_mp/faultboard.py (a radio that flaps, a clock set by its own
# NTP, the test's DNS server) against the emulator and fake DNS and NTP servers on loopback,
# the faults switched here. A shorter scene (9 periods of 10 s, the fault in periods 3-5),
# and a limit for lateness that leaves room for the host's scheduling.
HOST_PERIOD_S = 10
HOST_PERIODS = 9
HOST_LATE_MS = 150
HOST_CELLS = {  # name: (fault, subscribe, watchdog)
    "black hole, subscribed, 8 s": ("server black-holed", True, 8000),
    "WiFi flapping, subscribed, 8 s": ("WiFi flapping", True, 8000),
    "DNS slow at boot, 8 s": ("DNS slow (10 s)", False, 8000),
}


class HostFaults:
    """The fault windows of a host-time cell, on this process's clock from t0."""

    def __init__(self, windows, t0):
        self.windows = windows  # [[kind, from_s, to_s, param]]
        self.t0 = t0

    def on(self, kind):
        t = time.monotonic() - self.t0
        for w in self.windows:
            if w[0] == kind and w[1] <= t < w[2]:
                return w
        return None


def _dns(faults):
    def script(q, n):
        if faults.on("dns_fail"):
            return [(0, reply(q, rcode=2), "main")]  # SERVFAIL
        w = faults.on("dns_slow")
        return [(w[3] if w else 0, answer(q, "127.0.0.1"), "main")]

    return script


def _ntp(faults):
    def script(q, n):
        if faults.on("ntp_fail"):
            return []
        return [(0, ntp_reply(q, ntp_ts(time.time())), "main")]

    return script


def host_cell(tmp, build, fault, subscribe, wdt):
    """Run one host-time cell, with an emulator of its own: (problems, the firmware's log)."""
    a, b = (0, 3 * HOST_PERIOD_S + 5) if fault in AT_BOOT else (
        2 * HOST_PERIOD_S + 5, 5 * HOST_PERIOD_S + 5)  # fmt: skip
    windows = [[f[0], a, b, f[1] if len(f) > 1 else 0] for f in FAULTS[fault]]
    flash = tmp / "flash"
    flash.mkdir()
    board = {"wifi_flap": [[w[1] * 1000, w[2] * 1000, w[3] * 1000] for w in windows
                           if w[0] == "wifi_flap"]}  # fmt: skip
    with SimServer(codes=1, log_requests=False) as sim:
        t0, w0 = time.monotonic(), time.time()
        faults = HostFaults(windows, t0)
        with FakeUDP(_dns(faults)) as dns, FakeUDP(_ntp(faults)) as ntp:
            cfg = {
                "server": "coap://thethings.test:%d" % sim.port,
                "activation_code": sim.codes[0], "period_s": HOST_PERIOD_S,
                "subscribe": subscribe, "keepalive_s": 60, "watchdog_ms": wdt,
                "max_periods": HOST_PERIODS, "ntp_host": "ntp.test:%d" % ntp.port,
                "wifi": {"ssid": "home", "password": "secret", "timeout_s": 5},
            }  # fmt: skip
            (flash / "config.json").write_text(json.dumps(cfg))
            board["dns"] = ["127.0.0.1", dns.port]
            (flash / "faults.json").write_text(json.dumps(board))
            fw = Firmware(build, str(flash), micropython=micropython_for("i386"))
            fw.path = "%s:%s:.frozen" % (build, os.path.join(ROOT, "host_tests"))
            fw.argv = [os.path.join(ROOT, "host_tests", "fw_mp", "faultboard.py")]
            fw.start()
            try:
                for w in windows:  # the emulator's outage: requests dropped unanswered
                    if w[0] == "blackhole":
                        time.sleep(max(0, t0 + w[1] - time.monotonic()))
                        sim.outage(w[2] - w[1])
                rc = fw.wait(HOST_PERIOD_S * (HOST_PERIODS + 3))
            finally:
                fw.kill()
        lines = fw.lines
        res = [x for x in lines if x.startswith("result ")]
        if rc != 0 or not res:
            return ["exit %s (3: the unix board's watchdog)" % rc], lines
        bad = []
        st = json.loads(res[-1][7:])["stats"]
        if st["late_max_ms"] > HOST_LATE_MS:
            bad.append("a sample %d ms late (limit %d)" % (st["late_max_ms"], HOST_LATE_MS))
        if st["periods"] != HOST_PERIODS or st["skipped"]:
            bad.append("periods %d, skipped %d" % (st["periods"], st["skipped"]))
        token = (flash / "token").read_text().strip() if (flash / "token").exists() else None
        ups = sim.records(token, "uptime") if token else []
        if len(ups) != HOST_PERIODS or len({x["datetime"] for x in ups}) != len(ups):
            bad.append("%d readings on the server of %d" % (len(ups), HOST_PERIODS))
        # (the log's paths carry the token cut short; an activation's is /v2/things/)
        after = [e["time"] - w0 for e in sim.request_log if e["method"] == "POST"
                 and e["code"] == "2.01" and len(e["path"]) > 12
                 and e["time"] - w0 >= b]  # fmt: skip
        if not after or after[0] - b > 2 * HOST_PERIOD_S:
            bad.append("no write within 2 periods of the fault's end (%s)" % after[:2])
    return bad, lines


def test_host_time_cells(tmp_path):
    # The cells side by side (each a firmware process and its fake servers, mostly asleep).
    build = build_firmware(str(tmp_path / "mpy"), ARCH["i386"])
    out = {}

    def one(i, name):
        out[name] = (["did not finish"], [])
        try:
            d = tmp_path / ("cell%d" % i)
            d.mkdir()
            out[name] = host_cell(d, build, *HOST_CELLS[name])
        except Exception as e:  # a harness error fails the cell, never skips it
            out[name] = (["%s: %s" % (type(e).__name__, e)], [])

    threads = [threading.Thread(target=one, args=x) for x in enumerate(HOST_CELLS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == sorted(HOST_CELLS)
    failed = ["%s: %s\n%s" % (n, "; ".join(bad), "\n".join(lines[-40:]))
              for n, (bad, lines) in out.items() if bad]  # fmt: skip
    assert not failed, "\n\n".join(failed)
