"""The firmware with config "serve" on (lib/app/serve.py), as it is deployed (.mpy) on the
unix ports, against the theThings.IO emulator on loopback: libcoap's coap-client-notls asks
it for /status and /.well-known/core on the one socket the firmware also writes from (bound
to serve_port, RFC 7252 §4: one message layer for both roles), while it goes on writing its
readings."""

import json
import os
import re

import procs
import pytest
import targets
import test_firmware_faults as faults
import vworld_host as world
from coap_servers import LIBCOAP_CLIENT, LOOPBACK, free_udp_port
from fw_harness import _PERIOD, Period, fast_config, fixture_firmware, fixture_fw_build, token_of

firmware = fixture_firmware
fw_build = fixture_fw_build


def libcoap(*args):
    r = procs.run([LIBCOAP_CLIENT, "-B", "5", *args], timeout=20)
    return r.stdout + r.stderr


def test_serving_firmware_answers_libcoap(sim, firmware):
    port = free_udp_port()
    code = sim.new_codes(1)[0]
    cfg = fast_config(sim.url, code, period_s=0.5, serve=True, serve_port=port,
                      wifi={"ssid": "home", "password": "wifi-secret-pw"})  # fmt: skip
    fw = firmware(cfg)
    fw.wait_for(lambda: [p for p in fw.periods() if p.outcome == "sent"], timeout=30)
    url = "coap://%s:%d" % (LOOPBACK, port)
    doc = libcoap("-m", "get", url + "/.well-known/core").strip()
    links = doc.split(",")
    for k in ("temperature", "heap_free", "rssi", "uptime"):
        assert "</sensors/%s>;ct=0;obs" % k in links, doc
    assert "</status>;ct=50" in links, doc
    got = libcoap("-m", "get", url + "/status").strip()
    st = json.loads(got)
    before = fw.periods()[-1]
    assert st["write"] == "sent" and st["reset"] == "power-on", st
    assert st["outbox"] == 0 and st["requests"] >= 2, st
    assert int(before.values["uptime"]) <= st["uptime"], (before, st)
    t = libcoap("-m", "get", url + "/sensors/temperature").strip()
    assert t in {p.values["temperature"] for p in fw.periods()[-3:]}, t
    token = token_of(fw.flash)
    assert token and token not in got and "wifi-secret-pw" not in got
    assert "4.04" in libcoap("-m", "get", url + "/sensors/nothing")
    # the readings went on meanwhile, all written
    n = fw.periods()[-1].n
    fw.wait_period(n + 2)
    assert all(p.outcome == "sent" for p in fw.periods()), fw.tail()
    fw.kill()


# -- in virtual time: cells of the fault matrix with serve on -----------------------------
# The world's CoAP clients (host_tests/vworld/vclient.py) send to the board's serve port;
# each cell runs the matrix's own checks (test_firmware_faults.problems: no watchdog
# overrun, no sample later than LATE_MS, every reading delivered, writes flowing again
# within 2 periods of the window's end) besides what the clients got.
P = faults.PERIOD_S
WINDOW = [2 * P + 7, 5 * P + 7]  # periods 3-5, as the matrix's faults
vbuild = faults.vbuild
HEAP = world.HEAP + 32 * 1024


def vcell(build, tmp, clients, subscribe, wdt=8000, fault=None):
    ws = [[fault, WINDOW[0], WINDOW[1], 0]] if fault else []
    r = world.run(
        build, str(tmp), period_s=P, periods=faults.PERIODS, faults=ws,
        ticks0=targets.WRAP - (WINDOW[0] + WINDOW[1]) // 2 * 1000, seed=faults.SEED,
        lfs_kb=64, subscribe=subscribe, keepalive_s=60, watchdog_ms=wdt,
        wifi={"ssid": "home", "password": "secret-wifi-pw", "timeout_s": 5},
        serve=True, serve_port=5683, clients=clients, heap=HEAP,
    )  # fmt: skip
    bad = faults.problems("serve", {"window": WINDOW}, r)
    log = world.tail(r, 60)
    assert not bad, "%s\n\nscene %s\n%s" % ("; ".join(bad), r["scene"], log)
    with open(r["log"]) as f:
        samples = {p.n: p for p in map(_period, f) if p}
    return r, samples, log


def _period(line):
    m = _PERIOD.match(line.rstrip("\n"))
    return m and Period(m)


@pytest.mark.parametrize("subscribe", [False, True], ids=["nosub", "sub"])
def test_get_sensor_and_status_answer_the_latest_sample(vbuild, tmp_path, subscribe):
    clients = [
        {"kind": "get", "path": "/sensors/temperature", "from": 25, "every": 7, "until": 170},
        {"kind": "get", "path": "/status", "from": 30, "every": 11, "until": 170},
    ]
    r, samples, log = vcell(vbuild, tmp_path, clients, subscribe)
    (_, _, st_t, temps), (_, _, st_s, stats) = r["clients"]
    assert st_t["answers"] >= 18 and st_s["answers"] >= 12, (st_t, st_s, log)
    for ms, n, code, pay, _ in temps:  # the period's own reading, whichever period it was
        assert code == 0x45 and pay == samples[n].values["temperature"], (ms, n, pay)
    for _, n, code, pay, _ in stats:
        d = json.loads(pay)
        assert code == 0x45 and d["uptime"] == int(samples[n].values["uptime"]), (n, d)
        assert d["periods"] == n and d["reset"] == "power-on" and d["outbox"] == 0, d
        assert "secret-wifi-pw" not in pay and world_token() not in pay, pay
    assert {d for d in (json.loads(x[3])["write"] for x in stats[2:])} == {"sent"}


def world_token():
    # the thing token the world's theThings.IO hands out (host_tests/vworld/servers.py)
    with open(os.path.join(os.path.dirname(__file__), "vworld", "servers.py")) as f:
        return re.search(r'^TOKEN = "(\w+)"', f.read(), re.M).group(1)


@pytest.mark.parametrize("subscribe", [False, True], ids=["nosub", "sub"])
def test_a_flood_of_requests_is_shed_and_moves_no_sample(vbuild, tmp_path, subscribe):
    # 100 CON GETs a second from 10 source ports in periods 3-5: the matrix's checks hold
    # (no sample late, the watchdog fed, every reading written); the server handles at most
    # its rate (20 client datagrams a second) and sheds the rest, counted in /status
    a, b = WINDOW
    clients = [
        {"kind": "flood", "path": "/sensors/temperature", "from": a, "until": b, "rate": 100,
         "ports": 10},
        {"kind": "get", "path": "/status", "from": b + 3, "every": 100, "until": b + 4},
    ]  # fmt: skip
    r, samples, log = vcell(vbuild, tmp_path, clients, subscribe)
    (_, _, fl, _), (_, _, _, stats) = r["clients"]
    secs = b - a
    assert fl["sent"] >= 99 * secs, fl
    assert 10 * secs <= fl["answers"] <= 20 * (secs + 1), (fl, log)
    d = json.loads(stats[0][3])
    assert d["shed"] >= fl["sent"] - 20 * (secs + 1), (d, fl)
    assert d["requests"] <= 20 * (secs + 1) + 2, d


def test_an_observer_gets_fresh_samples_after_a_wifi_outage(vbuild, tmp_path):
    clients = [{"kind": "observe", "path": "/sensors/temperature", "from": 25}]
    r, samples, log = vcell(vbuild, tmp_path, clients, True, fault="wifi_down")
    ((_, _, st, notes),) = r["clients"]
    a, b = WINDOW
    for ms, n, code, pay, _ in notes:  # each one the sample of its period
        assert code == 0x45 and pay == samples[n].values["temperature"], (ms, n, pay)
    before = [x for x in notes if x[0] < a * 1000 and x[4] is not None]
    after = [x for x in notes if x[0] >= b * 1000 and x[4] is not None]
    assert len(before) >= 1, (st, notes)
    # after the outage: the sample of each period from the second after it on (the first
    # one after it brings the link back; the observer then registers again, RFC 7641
    # §3.3.1, the board's server state having gone with its old client)
    fresh = {x[1] for x in after}
    first = min(n for n in samples if (n - 1) * P >= b)
    want = set(range(first + 1, max(samples) + 1))
    assert want and want <= fresh, (fresh, want, st, log)
