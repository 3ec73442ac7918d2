"""The firmware across the ticks wrap of a 32-bit port: on the i386 port (a board's 30-bit
ticks) with its clock moved by the clock hook of `make targets` to 3 s before ticks_ms()
wraps at 2**30 ms, the firmware samples on schedule, backs off and retries through a server
outage that spans the wrap, and keeps its subscription (keepalive timers, re-subscription)
alive across it: every reading is delivered once, none late, and a value written to the
thing after the wrap reaches its handler."""

import time
from collections import Counter

import procs
import targets
from fw_harness import (
    Firmware,
    build_firmware,
    fast_config,
    micropython_for,
    token_of,
    write_config,
)

WRAP = targets.WRAP


def test_firmware_across_the_ticks_wrap(sim, tmp_path):
    mp = micropython_for("i386")
    env = targets.clock_env("i386", ticks_ms=WRAP - 3000)
    probe = "import time; print(time.ticks_ms()); time.sleep(3.2); print(time.ticks_ms())"
    out = procs.run([mp, "-c", probe], env=env, timeout=20).stdout
    t0, t1 = map(int, out.split())
    assert WRAP - 3100 < t0 < WRAP and t1 < 1000, (t0, t1)  # the hook moves the port's ticks
    build = build_firmware(str(tmp_path / "mpy"), "x86")
    cfg = fast_config(sim.url, sim.new_codes(1)[0], period_s=0.2, max_periods=100,
                      subscribe=True, keepalive_s=1)  # fmt: skip
    write_config(str(tmp_path / "flash"), **cfg)
    fw = Firmware(build, str(tmp_path / "flash"), env=env, micropython=mp).start()
    try:
        fw.wait_for(lambda: fw.grep("subscribed"), timeout=20)
        fw.wait_period(6, timeout=20)  # 1.2 s in: subscribed, writing
        sim.outage(2.5)  # until ~4 s: the wrap comes at 3 s, the backoffs span it
        fw.wait_for(lambda: fw.periods()[-1].n >= 22 and fw.periods()[-1].outbox == 0)
        token = token_of(fw.flash)
        # After the wrap, once the subscription (its keepalives missed in the outage) is
        # renewed, a value written to the thing reaches the handler: written until it does.
        path = "/v2/things/%s" % token
        end = time.monotonic() + 15
        while not fw.grep("LED on") and time.monotonic() < end:
            sim.request("POST", path, {"values": [{"key": "led", "value": 1}]})
            time.sleep(1)
        assert fw.grep("LED on"), fw.tail()
        assert fw.wait(30) == 0, fw.tail()
    finally:
        fw.kill()
    ps = fw.periods()
    assert [p.n for p in ps] == list(range(1, 101))
    queued = [p for p in ps if p.outcome.startswith("queued")]
    assert len(queued) >= 5, fw.tail()  # the outage was seen
    got = Counter(r["datetime"] for r in sim.records(token, "temperature"))
    assert sorted(got) == sorted(p.datetime for p in ps) and set(got.values()) == {1}
    st = fw.stats()
    assert st["skipped"] == 0 and st["late_max_ms"] < 200, st
    assert "Traceback" not in fw.output()
