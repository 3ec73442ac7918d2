"""The WiFi and clock logic of boards with a radio (app.link), with a simulated radio and an
RTC that is not set until NTP answers (host_tests/fw_mp/wifiboard.py subclasses the unix
board), against the theThings.IO emulator: connect with a deadline and a backoff, hold the
readings sampled before the clock was set and date them when it is, reconnect after a loss
with a fresh socket, never activate twice."""

import calendar
import json
import os
import time

import procs
from dns_ntp_servers import FakeUDP, ntp_reply, ntp_ts
from fw_harness import ROOT, fast_config, micropython_for


def run(sim, tmp_path, port, script, ntp=None, **cfg):
    """The firmware on the WiFi board fake; its clock set by NTP from ntp (a FakeUDP; by
    default one that answers every request with the host's time)."""
    if ntp is None:
        with FakeUDP(lambda q, n: [(0, ntp_reply(q), "main")]) as ntp:
            return run(sim, tmp_path, port, script, ntp, **cfg)
    cfg.setdefault("ntp_host", "127.0.0.1:%d" % ntp.port)
    cfg = fast_config(sim.url, sim.new_codes(1)[0], **cfg)
    cfg.setdefault("wifi", {"ssid": "home", "password": "secret", "timeout_s": 0.5})
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    env = dict(os.environ, MICROPYPATH="%s:%s:.frozen" % (os.path.join(ROOT, "lib"), ROOT))
    script_py = os.path.join(ROOT, "host_tests", "fw_mp", "wifiboard.py")
    argv = [micropython_for(port), script_py, json.dumps(script)]
    p = procs.run(argv, cwd=tmp_path, env=env, timeout=120)
    out = p.stdout
    assert p.returncode == 0, out + p.stderr
    result = json.loads(out.splitlines()[-1][len("result ") :])
    lines = [x for x in out.splitlines() if x.startswith("#")]
    return out, lines, result


def test_connect_timeout_backoff_then_clock_and_held_readings(sim, tmp_path, fw_port):
    # the first attempt never connects (abandoned after 0.5 s), the second takes 0.3 s;
    # the first NTP request gets no answer, the second a time 1 h ahead of the host's
    ahead = 3600.0
    ntp = FakeUDP(lambda q, n: [(0, ntp_reply(q, ntp_ts(time.time() + ahead)), "main")] * (n > 0))
    script = {"fail_first": 1, "connect_ms": 300}
    with ntp:
        out, lines, r = run(sim, tmp_path, fw_port, script, ntp, period_s=0.1, max_periods=30)
    assert "wifi: no connection (no ap found), retry in" in out
    assert r["starts"] == 2 and r["stops"] >= 1
    assert len(ntp.requests) == 2 and r["syncs"] == 1, (ntp.requests, r)
    assert "ntp: OSError(110" in out and "retry in" in out
    held = [x for x in lines if "held: no clock yet" in x]
    assert len(held) >= 5
    token = (tmp_path / "token").read_text()
    stamps = [x["datetime"] for x in sim.records(token, "temperature")]
    assert len(stamps) == 30  # every reading, the held ones too
    assert stamps == sorted(stamps) and len(set(stamps)) == 30  # dated in sampling order
    first = calendar.timegm(time.strptime(stamps[0][:19], "%Y-%m-%dT%H:%M:%S"))
    assert abs(first - (time.time() + ahead)) < 60, "dated by the NTP clock: %s" % stamps[0]


def test_link_lost_and_back(sim, tmp_path, fw_port):
    script = {"connect_ms": 100, "drop_at": [10, 600]}
    out, lines, r = run(sim, tmp_path, fw_port, script, period_s=0.1, max_periods=30)
    assert "wifi: lost" in out and out.count("wifi: up") == 2
    assert r["starts"] >= 2
    assert any("queued: wifi down" in x for x in lines), out
    token = (tmp_path / "token").read_text()
    assert len(sim.things()) == 1  # activated once
    assert len(sim.records(token, "temperature")) == 30
