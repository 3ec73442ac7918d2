"""The firmware in virtual time (host_tests/vworld, driven by vworld_host.py) on the i386 port:
days of a board's life in seconds, its ticks wrapping at 2**30 ms as on a 32-bit board.

- a 7-day server outage (black hole) with the ticks wrap inside it: writes flow again
  within 2 periods of its end, and every reading that fit in the outbox reaches the server
  (the rest are counted in `dropped`);
- a 6.5-day WiFi outage (6.2-12.4 days is where a ticks stamp taken before it reads as
  being in the future), the wrap inside it too: likewise;
- a day with seeded random faults of every kind: no reading lost, no watchdog overrun, no
  heap growth;
- the link lost while the activation is being retransmitted (a send raised OSError out of
  App.run() before, and the new client after the link's return never finished it).

Skipped (with the make target named) where `make targets` has not built the i386 port.
"""

import os

import pytest
import vworld_host

# The outages at a 2-minute period: half the periods of the soak's minute (bench/soak.py),
# so that a week is some 20 s of host time; the day of faults at the soak's.
PERIOD = 120  # s
LATE_MS = 20  # of firmware time, as the fault matrix's
HOUR = 3600


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    vworld_host.micropython_for("i386")  # skips without the i386 port
    return vworld_host.build(str(tmp_path_factory.mktemp("vworld-mpy")))


def _check(r, start, end, outbox_max=200):  # (at PERIOD)
    """No loss, no overrun; writes again within 2 periods of `end`; the readings of the last
    outbox_max - 2 periods before it all on the server."""
    why = vworld_host.tail(r)
    assert not r["crashed"], why
    assert r["periods"] == r["periods_asked"], why
    assert r["lost"] == 0, (r["lost"], why)
    assert r["overruns"] == 0, why
    late = (r["stats"] or {}).get("late_max_ms")
    assert late is not None and late <= LATE_MS, (late, why)  # as the fault matrix's cells
    assert r["duplicates"] == 0
    assert r["outbox"] == 0 and r["held"] == 0, why
    w = r.first_write_after(end)
    assert w is not None and w - end <= 2 * PERIOD, (w, end, why)
    assert not [x for x in r["writes"] if start + 2 * PERIOD < x[0] < end]  # the outage held
    # what fit in the outbox made it: the newest readings of the outage, all of them
    span = (outbox_max - 2) * PERIOD
    assert r.delivered_between(end - span, end) >= outbox_max - 2, why
    # and what did not fit was counted, not lost
    assert r["dropped"] >= (end - start) // PERIOD - outbox_max - 2


def test_server_outage_7_days_across_the_wrap(build, tmp_path):
    start, end = 2 * HOUR, 2 * HOUR + 7 * vworld_host.DAY
    ticks0 = vworld_host.WRAP - 3 * vworld_host.DAY * 1000  # the wrap 3 days in: inside the outage
    r = vworld_host.run(
        build, str(tmp_path), (end + 3 * HOUR) / vworld_host.DAY, PERIOD,
        faults=[["blackhole", start, end]], ticks0=ticks0,
    )  # fmt: skip
    assert r["ticks"] < ticks0  # the ticks wrapped
    assert r["losses"] == 0  # the link held all along (its stamp never read as stale)
    _check(r, start, end)


def test_wifi_outage_6_5_days_across_the_wrap(build, tmp_path):
    start, end = 2 * HOUR, 2 * HOUR + int(6.5 * vworld_host.DAY)
    ticks0 = vworld_host.WRAP - 2 * vworld_host.DAY * 1000
    # Attempts of 10 s (half the default): each is polled in 50-ms slices, which cost host
    # time; how long one lasts changes nothing here (its stamp is dropped when it ends).
    wifi = dict(vworld_host.config()["wifi"], timeout_s=10)
    r = vworld_host.run(
        build, str(tmp_path), (end + 3 * HOUR) / vworld_host.DAY, PERIOD,
        faults=[["wifi_down", start, end]], ticks0=ticks0, wifi=wifi,
    )  # fmt: skip
    assert r["ticks"] < ticks0
    assert r["losses"] >= 1  # the link did go down
    _check(r, start, end)


# `make test-all` repeats the day with more days of faults (SOAK_DAYS) and other seeds.
SOAK_DAYS = int(os.environ.get("SOAK_DAYS", "1"))
SOAK_SEED = int(os.environ.get("SOAK_SEED", "10"))


def test_days_with_faults(build, tmp_path):
    # faults every 1-3 h, none in the hour before each 6-hour heap figure (the first
    # after start-up, the last at the end) nor in the last 2 h: the outbox drains
    days = SOAK_DAYS
    quiet = [(5 * HOUR, 6 * HOUR), (days * 24 * HOUR - 2 * HOUR, days * 24 * HOUR)]
    faults = vworld_host.random_faults(
        SOAK_SEED, days, quiet, every=(HOUR, 2 * HOUR), longest=2 * HOUR
    )
    assert len({w[0] for w in faults}) >= 8, faults
    r = vworld_host.run(
        build, str(tmp_path), days, 60, faults=faults,
        ticks0=vworld_host.WRAP - 12 * HOUR * 1000, per_day=6 * HOUR // 60, seed=SOAK_SEED,
    )  # fmt: skip
    why = "seed %d, %d days, scene %s\n%s" % (SOAK_SEED, days, r["scene"], vworld_host.tail(r))
    assert not r["crashed"], why
    assert r["periods"] == 1440 * days
    assert r["lost"] == 0, (r["lost"], faults, why)
    assert r["overruns"] == 0, why
    assert r["stats"]["late_max_ms"] <= LATE_MS, why
    assert r["outbox"] == 0, why
    h = r["heap_days"]
    assert len(h) == 4 * days, h
    # the heap after collection: no growth. The figure moves by some 300 bytes with what is
    # alive at the moment it is taken (the link's, a DNS or NTP module's state); a leak
    # lifts the later half's highest above the earlier half's.
    half = len(h) // 2
    assert max(h[half:]) <= max(h[:half]), h


def test_wifi_lost_while_activating(build, tmp_path):
    # the server silent at first (the activation CON retransmitted), the link gone at 8 s
    faults = [["blackhole", 0, 20], ["wifi_down", 8, 200]]
    r = vworld_host.run(build, str(tmp_path), 0.05, faults=faults, ticks0=1000)
    assert not r["crashed"], vworld_host.tail(r)
    assert r["lost"] == 0 and r["things"]["activations"] == 1
