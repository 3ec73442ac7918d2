"""The soak: 30 days of a board's life in virtual time (host_tests/vworld, vworld_host.py) on the
i386 port, one reading a minute (43,200), with seeded random faults of every kind (the
server black-holed, 5.03s, slow separate responses, DNS slow or failing, WiFi down or
flapping, a full flash, NTP silent or wrong), one JSON line per figure like bench/run.py's:

- soak_days, soak_readings: what ran;
- soak_readings_lost: readings neither on the server nor counted in the firmware's
  `dropped` (nor still in its outbox at the end): 0, or the firmware lost some;
- soak_readings_dropped: those it counted (an outbox full in a long outage);
- soak_wdt_overruns: steps that ran past the watchdog (0);
- soak_heap_growth_bytes: the heap after a period's collection, day 30 minus day 1 (each
  the least over the day's last hour, which no fault overlaps);
- soak_real_s: the host's wall time of the run;
- soak_heap_bytes: the heap the firmware had (-X heapsize minus the world's own).

The firmware's log is left in build/soak.log, the faults in build/soak.log.faults.json.

    .venv/bin/python bench/soak.py [days] [seed]
"""

import json
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "host_tests"), os.path.join(ROOT, "lib")]

import targets  # noqa: E402
import vworld_host  # noqa: E402

DAYS = 30
SEED = 2026
PERIOD = 60
LOG = os.path.join(ROOT, "build", "soak.log")


def run(days=DAYS, seed=SEED):
    """The figures as bench/run.py's dicts ([] without the i386 port: `make targets`)."""
    if targets.i386() is None:
        print("soak: no i386 port (make targets): skipped", file=sys.stderr)
        return []
    day = vworld_host.DAY
    # quiet: the last 2 h of day 1 and the last 6 h (the heap figures; the outbox drains)
    quiet = [(day - 7200, day), (days * day - 6 * 3600, days * day)]
    faults = vworld_host.random_faults(seed, days, quiet)
    with tempfile.TemporaryDirectory() as tmp:
        build = vworld_host.build(os.path.join(tmp, "mpy"))
        r = vworld_host.run(
            build, os.path.join(tmp, "world"), days, PERIOD, faults=faults,
            ticks0=vworld_host.WRAP - 3 * day * 1000, timeout=1800,
        )  # fmt: skip
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        shutil.copy(r["log"], LOG)  # the firmware's log, kept to look into
        with open(LOG + ".faults.json", "w") as f:
            json.dump(faults, f)
        tail = vworld_host.tail(r, 12)
    h = r["heap_days"]
    note = "%d faults (seed %d: %s), -X heapsize=%d, ticks wrapped on day 3" % (
        len(faults), seed, " ".join(sorted({w[0] for w in faults})), r["heapsize"],
    )  # fmt: skip
    note += ", %d datagrams the world had no heap for" % r["net"]["nomem"]
    if r["crashed"]:
        note += "; THE FIRMWARE STOPPED on day %d (%s)" % (r["virtual_s"] // day + 1, LOG)
        print("soak: the firmware stopped:\n" + tail, file=sys.stderr)
    out = [
        ("soak_days", days, "days"),
        ("soak_readings", r["readings"], "readings"),
        ("soak_readings_lost", r["lost"], "readings"),
        ("soak_readings_dropped", r.get("dropped", 0), "readings"),
        ("soak_wdt_overruns", r["overruns"], "overruns"),
        ("soak_heap_growth_bytes", h[-1] - h[0] if len(h) >= 2 else None, "bytes"),
        ("soak_real_s", round(r["real_s"], 1), "s"),
        ("soak_heap_bytes", r["heapsize"] - r["probe"]["world_bytes"], "bytes"),
    ]
    return [{"name": n, "value": v, "unit": u, "note": note} for n, v, u in out]


def summary(by):
    if "soak_days" not in by:
        return "soak: not run (no i386 port: make targets)"
    f = {k: by["soak_" + k]["value"] for k in (
        "days", "readings", "readings_lost", "readings_dropped", "wdt_overruns",
        "heap_growth_bytes", "real_s", "heap_bytes",
    )}  # fmt: skip
    return (
        "soak (%(days)d days, %(readings)d readings, i386, heap %(heap_bytes)d + the world's): "
        "%(readings_lost)d lost, %(readings_dropped)d dropped (counted), %(wdt_overruns)d "
        "watchdog overruns, heap growth %(heap_growth_bytes)s bytes, %(real_s).0f s" % f
    )


if __name__ == "__main__":
    a = sys.argv[1:]
    for line in run(float(a[0]) if a else DAYS, int(a[1]) if len(a) > 1 else SEED):
        print(json.dumps(line), flush=True)
