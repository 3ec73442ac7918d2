"""`make run`: the firmware on the MicroPython unix port against a local theThings.IO server.

Starts the emulator (tools/thethings_sim) on a free loopback port with a fresh activation
code, gives the firmware a flash directory (build/run-flash, emptied first) holding a
config.json that points at it, runs the firmware for a few periods (writing a value to the
thing half-way, to show the subscription), then prints what the server stored. The sim's
web page (`page: http://127.0.0.1:8080/`, a free port when 8080 is taken) shows the readings
live and writes values to the board for as long as the firmware runs; --periods 0 runs it
until Ctrl-C.

    python tools/fw_run.py [--periods 6] [--period 1.0] [--flash build/run-flash]
"""

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

from thethings_sim.testing import SimServer  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(prog="fw_run.py", description=__doc__.split("\n")[0])
    ap.add_argument("--periods", type=int, default=6, help="0: until Ctrl-C")
    ap.add_argument("--page-port", type=int, default=8080, help="the web page's TCP port")
    ap.add_argument("--period", type=float, default=1.0, help="seconds")
    ap.add_argument("--flash", default=os.path.join(ROOT, "build", "run-flash"))
    ap.add_argument("--micropython", default=os.path.join(ROOT, ".venv", "bin", "micropython"))
    args = ap.parse_args(argv)

    with contextlib.closing(_sim(args.page_port)) as sim:
        code = sim.codes[0]
        shutil.rmtree(args.flash, ignore_errors=True)
        os.makedirs(args.flash)
        cfg = {
            "server": sim.url,
            "activation_code": code,
            "period_s": args.period,
            "subscribe": True,
        }
        if args.periods:
            cfg["max_periods"] = args.periods
        with open(os.path.join(args.flash, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        print("theThings.IO emulator on %s, activation code %s" % (sim.url, code))
        print("page: %s" % sim.page_url, flush=True)
        print("flash %s, config.json: %s" % (os.path.relpath(args.flash, ROOT), json.dumps(cfg)))
        print("--- the board (MicroPython unix port, %s periods of %g s):" % (
            args.periods or "endless", args.period))  # fmt: skip
        env = dict(os.environ, MICROPYPATH="%s:%s:.frozen" % (os.path.join(ROOT, "lib"), ROOT))
        proc = subprocess.Popen(
            [args.micropython, os.path.join(ROOT, "main.py")],
            cwd=args.flash,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        subscribed = threading.Event()

        def pump():
            for line in proc.stdout:
                print("board | " + line.rstrip("\n"), flush=True)
                if line.startswith("subscribed"):
                    subscribed.set()

        t = threading.Thread(target=pump, daemon=True)
        t.start()
        # half-way, another client writes "led" to the thing: the board switches its LED
        if subscribed.wait(args.periods * args.period / 2 + 10) and proc.poll() is None:
            token = _token(args.flash)
            print("--- someone writes led=1 to the thing")
            sim.request("POST", "/v2/things/%s" % token, {"values": [{"key": "led", "value": 1}]})
        try:
            rc = proc.wait(args.periods * args.period + 60 if args.periods else None)
        except KeyboardInterrupt:  # Ctrl-C reached the board too (same process group)
            rc = proc.wait(10)
        t.join(5)
        token = _token(args.flash)
        print("--- the board exited with status %d; token in flash: %s..." % (rc, token[:4]))
        rows = sim.records(token) if token else []
        print("--- the server stored %d values for the thing:" % len(rows))
        print("%-26s %-12s %s" % ("datetime", "key", "value"))
        for r in rows:
            print("%-26s %-12s %s" % (r["datetime"], r["key"], json.dumps(r["value"])))
        return rc


def _sim(page_port):
    # the page on a port worth a bookmark; a free one when another sim holds it
    sim = SimServer(codes=1, log_requests=False, page_port=page_port)
    try:
        return sim.start()
    except OSError as e:
        sim.close()
        print("page: port %d taken (%s), using a free one" % (page_port, e.strerror))
        return SimServer(codes=1, log_requests=False, page_port=0).start()


def _token(flash):
    try:
        with open(os.path.join(flash, "token")) as f:
            return f.read().strip()
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())
