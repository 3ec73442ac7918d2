"""The firmware (main.py, boards/unix.py, lib/app) as it is deployed (.mpy), on the MicroPython
unix port with a temporary directory as its flash, against the theThings.IO emulator on
loopback: activation, the token across restarts, configuration errors, refused activation,
safe mode, crash recovery, subscription handlers."""

import json
import os
import time

from fw_harness import fast_config, fixture_firmware, fixture_fw_build, outbox_of, stored, token_of

firmware = fixture_firmware
fw_build = fixture_fw_build

KEYS = {"temperature", "heap_free", "rssi", "uptime"}


def activations(sim):
    return [
        e
        for e in sim.request_log
        if e["method"] == "POST" and e["path"] in ("/v2/things", "/v2/things/")
    ]


def test_first_boot_activates_once_and_writes(sim, firmware):
    code = sim.new_codes(1)[0]
    fw = firmware(fast_config(sim.url, code, max_periods=4))
    assert fw.wait() == 0, fw.tail()
    things = sim.things()
    assert len(things) == 1 and things[0]["code"] == code
    token = token_of(fw.flash)
    assert token == things[0]["token"] and len(token) == 43
    assert len(activations(sim)) == 1
    # the log shows the token by its first 4 characters only
    out = fw.output()
    assert token not in out and ("token %s..." % token[:4]) in out
    periods = fw.periods()
    assert [p.n for p in periods] == [1, 2, 3, 4]
    assert all(p.outcome == "sent" for p in periods), periods
    by = stored(sim, token)
    for p in periods:  # one write per period, all values with the reading's own datetime
        recs = by[p.datetime]
        assert {r["key"] for r in recs} == KEYS
        assert {str(r["value"]) for r in recs} == {p.values[k] for k in KEYS}
    assert sum(len(v) for v in by.values()) == 4 * len(KEYS)
    assert outbox_of(fw.flash) == []
    st = fw.stats()
    assert st["sent"] == 4 and st["activations"] == 1 and st["queued"] == 0


def test_restart_uses_the_saved_token(sim, firmware, tmp_path):
    code = sim.new_codes(1)[0]
    cfg = fast_config(sim.url, code, max_periods=2)
    assert firmware(cfg).wait() == 0
    token = token_of(str(tmp_path / "flash"))
    # a restart, then a power cut in the middle of a run, then another start
    assert firmware().wait() == 0
    fw = firmware(fast_config(sim.url, code))  # no max_periods: runs until killed
    fw.wait_period(3)
    fw.kill()
    assert firmware(cfg).wait() == 0
    assert len(activations(sim)) == 1  # never a second activation
    assert len(sim.things()) == 1 and token_of(str(tmp_path / "flash")) == token
    assert len(stored(sim, token)) >= 2 + 2 + 3 + 2


def test_token_from_config_needs_no_activation(sim, firmware):
    token = sim.activate()
    cfg = fast_config(sim.url, "", max_periods=2)
    del cfg["activation_code"]
    cfg["token"] = token
    assert firmware(cfg).wait() == 0
    assert activations(sim) == [] and len(stored(sim, token)) == 2


def test_a_refused_write_is_dropped_and_counted(sim, firmware, tmp_path):
    # App.write()'s REJECTED (an answer that will never change: 4.00 here), from the outbox
    # and from the period alike: the batch leaves the outbox or is not queued, and counts as
    # dropped; the next period's write goes through (SENT), nothing is kept to retry.
    token = sim.activate()
    flash = tmp_path / "flash"
    (flash / "outbox").mkdir(parents=True)
    old = {"t": 1700000000000, "v": [["temperature", 20.5]]}  # a reading left by a last run
    (flash / "outbox" / "00000000").write_text(json.dumps(old))
    cfg = fast_config(sim.url, "", max_periods=2, token=token)
    del cfg["activation_code"]
    sim.fail_next(2, code="4.00")  # the outbox's batch, then the period's reading
    fw = firmware(cfg)
    assert fw.wait() == 0, fw.tail()
    out = fw.output()
    assert "outbox: 1 rejected (4.00 " in out, fw.tail()
    p = fw.periods()
    assert [x.n for x in p] == [1, 2], p
    assert p[0].outcome.startswith("rejected: 4.00 "), p[0].outcome
    assert p[1].outcome == "sent", p[1].outcome
    assert outbox_of(str(flash)) == [], "nothing kept to retry"
    with open(flash / "dropped") as f:
        assert int(f.read()) == 2, "both counted as dropped"
    assert len(stored(sim, token)) == 1  # only period 2's reading


OK = {"server": "coap://h", "activation_code": "x", "period_s": 1}
BAD = [  # (config.json: a dict merged into OK (None deletes a field), a text, or None: none)
    (None, "missing in the flash root"),
    ("{not json", "not valid JSON"),
    ([1, 2], "must be a JSON object"),
    ({"server": None}, '"server" is missing'),
    ({"server": "http://h"}, '"server" must be coap://host[:port]'),
    ({"server": "coap://h/x"}, '"server" must be coap://host[:port], got "coap://h/x"'),
    ({"activation_code": None}, '"activation_code" is missing'),
    ({"activation_code": 5}, '"activation_code" must be a string, got 5'),
    ({"period_s": None}, '"period_s" is missing'),
    ({"period_s": "60"}, '"period_s" must be a number, got "60"'),
    ({"period_s": 0}, '"period_s" must be between 0.001 and 86400, got 0'),
    ({"subscribe": "yes"}, '"subscribe" must be true or false'),
    ({"wifi": "home"}, '"wifi" must be an object'),
    ({"wifi": {"password": "p"}}, '"wifi.ssid" is missing'),
    ({"coap": {"ack_timeout_ms": 0}}, '"coap.ack_timeout_ms" must be between'),
    ({"outbox_max": 2.5}, '"outbox_max" must be an integer'),
    ({"serve": "on"}, '"serve" must be true or false, got "on"'),
    ({"serve_port": 70000}, '"serve_port" must be between 1 and 65535, got 70000'),
]


def test_bad_config_names_the_field_and_does_not_crash_loop(firmware, tmp_path):
    for i, (cfg, message) in enumerate(BAD):
        flash = tmp_path / ("flash%d" % i)
        flash.mkdir()
        if isinstance(cfg, dict):
            cfg = {k: v for k, v in dict(OK, **cfg).items() if v is not None}
        if cfg is not None:
            text = cfg if isinstance(cfg, str) else json.dumps(cfg)
            (flash / "config.json").write_text(text)
        fw = firmware(flash=flash)
        assert fw.wait(20) == 2, (cfg, fw.output())  # the unix port's "wait for a fix": exit 2
        out = fw.output()
        assert message in out, (cfg, out)
        assert "Traceback" not in out and "crash" not in out
        assert not (flash / "crashes").exists() and not (flash / "token").exists()


def test_unknown_field_is_reported_not_fatal(sim, firmware):
    cfg = fast_config(sim.url, sim.new_codes(1)[0], max_periods=1, perod_s=5)
    fw = firmware(cfg)
    assert fw.wait() == 0
    assert 'unknown field "perod_s" ignored' in fw.output()


def test_refused_activation_is_reported_once_and_retried_rarely(sim, firmware):
    # A refused code (4.00 "Error creating thing": unknown or spent) is reported once with
    # the server's message and tried again after 1 h (doubling to 12 h), not at the write
    # backoff: sampling goes on meanwhile, the readings wait in the outbox.
    cfg = fast_config(sim.url, "not-a-code", period_s=0.05, retry_min_s=0.1, retry_max_s=0.8)
    fw = firmware(cfg)
    fw.wait_period(40, timeout=20)
    fw.kill()
    eq = len(activations(sim)), len(fw.grep("activation refused"))
    assert eq == (1, 1), (eq, fw.tail())
    assert "activation refused: Error creating thing (4.00)" in fw.output()
    assert fw.grep("activation: retry in 3") and not os.path.exists(fw.flash + "/token")
    assert fw.periods()[-1].outbox >= 30 and "Traceback" not in fw.output()
    assert all("not activated" in p.outcome for p in fw.periods()[1:])


def test_refused_activation_retried_after_hours(sim, fw_build, fw_port, tmp_path):
    # The same in compressed time (the clock hook: 1 h of the firmware's in 2 s): tried at
    # 0, after 1 h and 2 h more (each +25% at most), the message reported once.
    import targets
    from fw_harness import Firmware, micropython_for, write_config

    flash = str(tmp_path / "flash")
    # RFC timing, and a 1 h watchdog: 2 s of real time, room for the host's own hiccups
    rfc = {"ack_timeout_ms": 2000, "ack_random_factor": 1.5, "max_retransmit": 4}
    cfg = fast_config(sim.url, "not-a-code", period_s=60, watchdog_ms=3600000, coap=rfc)
    write_config(flash, **cfg)
    env = targets.clock_env(fw_port, speed=1800)
    fw = Firmware(fw_build, flash, env=env, micropython=micropython_for(fw_port)).start()
    try:
        time.sleep(10.5)  # 5 h 15 min
    finally:
        fw.kill()
    # An attempt whose answer the host was too slow to give in time (93 s of the firmware's
    # are 52 ms here) is not a refusal: it is tried again at the write backoff, seconds
    # later. Such a burst is one attempt; the hours lie between the bursts.
    times = []
    for e in activations(sim):
        if not times or (e["time"] - times[-1][-1]) * 1800 > 600:
            times.append([])
        times[-1].append(e["time"])
    times = [t[0] for t in times]
    gaps = [(b - a) * 1800 / 3600 for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 3, (gaps, fw.tail())
    assert 0.95 < gaps[0] < 1.3 and 1.95 < gaps[1] < 2.6, gaps  # hours
    assert len(fw.grep("activation refused")) == 1, fw.output()


def test_safe_mode(sim, firmware, tmp_path):
    code = sim.new_codes(1)[0]
    fw = firmware(fast_config(sim.url, code), env={"FW_SAFE_PIN": "1"})
    assert fw.wait(10) == 0
    assert "SAFE MODE (safe pin held low)" in fw.output()
    (tmp_path / "flash" / "SAFE").write_text("")
    fw = firmware()
    assert fw.wait(10) == 0
    assert "SAFE MODE (file SAFE present)" in fw.output() and "mpremote" in fw.output()
    assert sim.things() == [] and fw.periods() == []


def test_crash_prints_backs_off_and_resets(sim, firmware, tmp_path):
    flash = tmp_path / "flash"
    flash.mkdir()
    (flash / "outbox").write_text("not a directory")  # the store cannot start
    fw = firmware(fast_config(sim.url, sim.new_codes(1)[0]), flash=flash)
    t0 = time.monotonic()
    assert fw.wait(20) == 3  # the unix board's reset: exit status 3 (`make sim` restarts)
    assert time.monotonic() - t0 >= 0.9  # after the first backoff, 1 s
    out = fw.output()
    assert "Traceback" in out and "crash #1: reset in 1 s" in out
    assert (flash / "crashes").read_text() == "1"
    fw = firmware(flash=flash)
    assert fw.wait(20) == 3 and "crash #2: reset in 2 s" in fw.output()
    # fixed: the first good period clears the count
    (flash / "outbox").unlink()
    cfg = json.loads((flash / "config.json").read_text())
    cfg["max_periods"] = 1
    fw = firmware(cfg, flash=flash)
    assert fw.wait(20) == 0 and not (flash / "crashes").exists()


def test_subscription_handlers(sim, firmware):
    code = sim.new_codes(1)[0]
    fw = firmware(fast_config(sim.url, code, subscribe=True, period_s=0.2))
    fw.wait_for(lambda: fw.grep("subscribed"), timeout=20)
    token = token_of(fw.flash)
    path = "/v2/things/%s" % token
    code_, _ = sim.request("POST", path, {"values": [{"key": "led", "value": 1}]})
    assert code_ == "2.01"
    fw.wait_for(lambda: fw.grep("LED on"), timeout=10)
    sim.request("POST", path, {"values": [{"key": "led", "value": "off"}]})
    fw.wait_for(lambda: fw.grep("LED off"), timeout=10)
    sim.request("POST", path, {"values": [{"key": "period_s", "value": 0.5}]})
    fw.wait_for(lambda: fw.grep("period_s 0.5: period 500 ms"), timeout=10)
    n = fw.periods()[-1].n
    fw.wait_period(n + 4, timeout=10)
    ps = [p for p in fw.periods() if p.n > n]
    gaps = [b.time - a.time for a, b in zip(ps, ps[1:], strict=False)]
    assert all(0.4 < g < 0.6 for g in gaps), gaps
    # the period set by the server is kept across a restart
    fw.kill()
    fw = firmware()
    fw.wait_period(1)
    assert "every 500 ms" in fw.output()
