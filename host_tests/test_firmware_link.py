"""The WiFi and clock logic of boards with a radio (app.link), with a simulated radio and an
RTC that is not set until NTP answers (host_tests/fw_mp/wifiboard.py subclasses the unix
board), against the theThings.IO emulator: connect with a deadline and a backoff, hold the
readings sampled before the clock was set and date them when it is, reconnect after a loss
with a fresh socket, never activate twice."""

import json
import os

import procs
from fw_harness import ROOT, fast_config, micropython_for


def run(sim, tmp_path, port, script, **cfg):
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
    # the first NTP request gets no answer
    script = {"fail_first": 1, "connect_ms": 300, "ntp_fail": 1}
    out, lines, r = run(sim, tmp_path, fw_port, script, period_s=0.1, max_periods=30)
    assert "wifi: no connection (no ap found), retry in" in out
    assert r["starts"] == 2 and r["stops"] >= 1 and r["syncs"] == 2
    assert "ntp: no answer" in out
    held = [x for x in lines if "held: no clock yet" in x]
    assert len(held) >= 5
    token = (tmp_path / "token").read_text()
    stamps = [x["datetime"] for x in sim.records(token, "temperature")]
    assert len(stamps) == 30  # every reading, the held ones too
    assert stamps == sorted(stamps) and len(set(stamps)) == 30  # dated in sampling order


def test_link_lost_and_back(sim, tmp_path, fw_port):
    script = {"connect_ms": 100, "drop_at": [10, 600]}
    out, lines, r = run(sim, tmp_path, fw_port, script, period_s=0.1, max_periods=30)
    assert "wifi: lost" in out and out.count("wifi: up") == 2
    assert r["starts"] >= 2
    assert any("queued: wifi down" in x for x in lines)
    token = (tmp_path / "token").read_text()
    assert len(sim.things()) == 1  # activated once
    assert len(sim.records(token, "temperature")) == 30
