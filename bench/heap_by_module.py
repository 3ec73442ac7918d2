"""What each firmware module holds of the heap in the steady state, on the i386 unix port
(a board's 32-bit objects) with the firmware as .mpy (its code in the heap, as deployed).

A driver (itself .mpy, so that no compiler runs in the heap) imports the firmware's modules
in the order the firmware does and unloads those the firmware unloads (app.unload), with a
gc.collect() and the heap and qstr counts after each step. A module kept for the loop holds
its code, its globals and the qstrs (interned names, never freed) it added; one unloaded
after its use holds only those qstrs. What the steady run (heap_run, the heap test's
setting) holds beyond all the modules is the firmware's state: the objects, the client's
buffers, the qstr pools' free slots.

    {"name": "heap_module_app.app_bytes", "value": 4400, "unit": "bytes", "note": "..."}
    .venv/bin/python bench/heap_by_module.py [periods]    (prints a table on stderr too)
"""

import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "host_tests"), os.path.join(ROOT, "lib")]

from fw_harness import ARCH, MPY_CROSS, build_firmware, heap_run, micropython_for  # noqa: E402
from test_firmware_heap import HEAP, PERIOD  # noqa: E402

PORT = "i386"
# The firmware's imports in its order (main.py, app.main, App(), App.run(), App.ready(),
# the subscription); "-x": the firmware unloads x there. A step imports what it needs
# first, so each is charged for its own code and the qstrs nobody interned before it.
STEPS = (
    ("boards", "boards.load(): picks the board; deleted by main.py"),
    ("main", "main.py: the crash handler (its body, which runs the loop, not counted)"),
    ("boards.unix", "the board: sensors, clock, feed, sleep"),
    ("boards.unix_extra", "the board's set-up and rare methods (watchdog, led...): per call"),
    ("-boards.unix_extra", ""),
    ("-boards", ""),
    ("app", "app.main(), unload()"),
    ("coap", "the package (names for CPython)"),
    ("coap.uri", "the server URL (config.json, Client())"),
    ("app.config", "config.json: load, validate"),
    ("-app.config", ""),
    ("-coap.uri", ""),
    ("coap.message", "the codec (viper)"),
    ("coap.engine", "the protocol: retransmission, dedup, requests"),
    ("coap.client", "the blocking client: socket, poll"),
    ("coap.client_extra", "Client.wait(), observe(), cancel(): loaded for the call"),
    ("-coap.client_extra", ""),
    ("coap.setup", "Engine(), Client(): the constructors' bodies, loaded for the call"),
    ("-coap.setup", ""),
    ("thethings", "thethings and thethings.thing: write, poll, ThingError, Backoff"),
    ("app.app", "the loop: sample, write, store and forward"),
    ("app.store", "flash: the outbox's state (Store)"),
    (
        "app.outbox",
        "write_atomic(), the store's operations, the outbox's flush (loaded while "
        "used: App.period unloads it while the outbox is empty)",
    ),
    ("app.scan", "the store's start-up scan"),
    ("-app.scan", ""),
    ("app.subscribe", "values written to the thing (subscribe on)"),
    ("app.start", "the App's set-up"),
    ("-app.start", ""),
    ("app.provision", "DNS, socket, client, activation; server(), activation(): App's record"),
    ("coap.uri", ""),
    ("-coap.uri", ""),
    ("thethings.activation", "the activation request"),
    ("-thethings.activation", ""),
    ("-app.provision", ""),
    ("-app.outbox", ""),
    (
        "app.subscribe_extra",
        "Subscription.start() and the built-in handlers (period_s, led): loaded for the call",
    ),
    ("-app.subscribe_extra", ""),
    ("thethings.subscription", "Thing.subscribe(), unsubscribe(), _observe(): for the call"),
    ("-thethings.subscription", ""),
    ("coap.observer", "the subscription's observation"),
)

DRIVER = """
import gc, sys, micropython
def snap(tag):
    gc.collect()
    print("SNAP", tag, gc.mem_alloc())
    micropython.qstr_info()
open("SAFE", "w").close()
snap("base")
for step in %r:
    if step == "-boards":
        sys.modules["main"].boards = None  # as main.py does
    if step[0] == "-":
        pkg, _, mod = step[1:].rpartition(".")
        sys.modules.pop(step[1:], None)
        if pkg:
            del sys.modules[pkg].__dict__[mod]
    else:
        __import__(step)
    snap(step)
""" % (tuple(s for s, _ in STEPS),)
EMPTY = "import gc\ngc.collect()\nprint('SNAP base', gc.mem_alloc())\n"


def _mp(build, flash, name, src):
    with open(os.path.join(build, name + ".py"), "w") as f:
        f.write(src)
    mpy = os.path.join(build, name + ".mpy")
    subprocess.run([MPY_CROSS, "-O3", "-march=" + ARCH[PORT], "-o", mpy, name + ".py"],
                   cwd=build, check=True)  # fmt: skip
    os.remove(os.path.join(build, name + ".py"))
    env = dict(os.environ, MICROPYPATH="lib:.frozen")
    argv = [micropython_for(PORT), "-X", "heapsize=64K", "-m", name]
    p = subprocess.run(argv, cwd=flash, env=env, capture_output=True, text=True, check=True)
    pat = r"SNAP (\S+) (\d+)\n(?:qstr pool: .*n_qstr=(\d+), .*n_total_bytes=(\d+))?"
    return [(t, int(a), int(q or 0), int(b or 0)) for t, a, q, b in re.findall(pat, p.stdout)]


def measure(periods=300):
    """[(module, bytes held besides qstrs, qstrs added, kept, what)], the qstr pools' bytes
    and count, the interpreter's own bytes, the steady heap of the firmware's run."""
    with tempfile.TemporaryDirectory() as tmp:
        build = build_firmware(os.path.join(tmp, "lib"), ARCH[PORT])
        flash = os.path.join(tmp, "flash")
        os.mkdir(flash)
        os.symlink(build, os.path.join(flash, "lib"))
        interp = _mp(build, flash, "empty", EMPTY)[0][1]
        snaps = _mp(build, flash, "driver", DRIVER)
        os.remove(os.path.join(flash, "SAFE"))
        os.remove(os.path.join(build, "driver.mpy"))
        os.remove(os.path.join(build, "empty.mpy"))
        stats, _, _ = heap_run(build, os.path.join(tmp, "run"), HEAP[PORT], periods, PERIOD,
                               micropython=micropython_for(PORT))  # fmt: skip
    what = dict(STEPS)
    rows = {}
    order = []
    for (_, a0, q0, b0), (tag, a1, q1, b1) in zip(snaps, snaps[1:], strict=False):
        name = tag.lstrip("-")
        if name not in rows:
            rows[name] = [0, 0, True, what[tag]]
            order.append(name)
        rows[name][0] += (a1 - a0) - (b1 - b0)  # the qstr pools' growth goes to their row
        rows[name][1] += q1 - q0
    for name in rows:  # kept: its last step an import
        rows[name][2] = [t for t, _ in STEPS if t.lstrip("-") == name][-1][0] != "-"
    out = [(n,) + tuple(rows[n]) for n in order]
    pools = snaps[-1][3] - snaps[0][3], snaps[-1][2] - snaps[0][2]
    return out, pools, interp, snaps[-1][1] - snaps[0][1], stats["heap_last"]


def run(periods=300):
    rows, pools, interp, held, steady = measure(periods)
    note = "i386 .mpy: code and globals held in the steady state (its qstrs: heap_qstr_bytes)"
    figs = [
        {"name": "heap_module_%s_bytes" % n, "value": b, "unit": "bytes",
         "note": "%s; %d qstrs; %s" % ("kept" if k else "unloaded", q, note)}
        for n, b, q, k, _ in rows
    ]  # fmt: skip
    figs.append({"name": "heap_qstr_bytes", "value": pools[0], "unit": "bytes",
                 "note": "%d qstrs of the modules: names and pools" % pools[1]})  # fmt: skip
    state = steady - interp - held
    figs.append({"name": "heap_state_bytes", "value": state, "unit": "bytes",
                 "note": "steady %d - modules %d - interpreter %d: objects and buffers"
                 % (steady, held, interp)})  # fmt: skip
    return figs, rows, pools, interp, state, steady


def table(rows, pools, interp, state, steady):
    """The README's table (markdown)."""
    out = ["| module | steady bytes | qstrs | what it pays for |", "|---|---|---|---|"]
    out.append("| qstrs (interned names of every module loaded) | %s | %d | the pools "
               "(they double: 20 ... 320 entries) and the names |" % (format(pools[0], ","),
               pools[1]))  # fmt: skip
    for n, b, q, k, what in rows:
        out.append("| `%s`%s | %s | %d | %s |" % (n, "" if k else " (unloaded)",
                   format(b, ","), q, what))  # fmt: skip
    out.append("| the state | %s | | App, client (buffers), thing, observation, store, "
               "dicts |" % format(state, ","))  # fmt: skip
    out.append("| the interpreter | %s | | sys.modules, the REPL's state |" % format(interp, ","))
    out.append("| **steady heap** | **%s** | | |" % format(steady, ","))
    return "\n".join(out)


if __name__ == "__main__":
    figs, *parts = run(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
    for f in figs:
        print(json.dumps(f), flush=True)
    print(table(*parts), file=sys.stderr)
