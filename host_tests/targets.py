"""What `make targets` builds into build/targets/ (tools/targets/targets.mk), for the tests:

targets.i386()            the i386 unix port (or $MICROPYTHON_I386), None if not built
targets.need("name")      the path of build/targets/name, else the test is skipped with
                          the make target that builds it, or fails when REQUIRE_TARGETS=1
                          (CI: .ci/run sets it, so a missing target is never silent)
targets.clock_env(port, ticks_ms=..., speed=...)
                          environment for the clock hook (clockshift.c) on that port
"""

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIR = os.path.join(ROOT, "build", "targets")
WRAP = 1 << 30  # ticks_ms() period of a 32-bit port, ms


def required():
    return os.environ.get("REQUIRE_TARGETS", "") not in ("", "0")


def missing(what, make="targets"):
    """Skip the test (or fail it under REQUIRE_TARGETS) for a target that is not built."""
    msg = "%s is not built: run `make %s`" % (what, make)
    if required():
        pytest.fail(msg + " (REQUIRE_TARGETS is set)", pytrace=False)
    pytest.skip(msg)


def path(name):
    return os.path.join(DIR, name)


def need(name, make="targets"):
    p = path(name)
    if not os.path.exists(p):
        missing("build/targets/" + name, make)
    return p


def i386():
    p = os.environ.get("MICROPYTHON_I386") or path("micropython-i386")
    return p if os.access(p, os.X_OK) else None


def clock_env(port, ticks_ms=None, speed=None, real_s=None, anchor_ns=None):
    """Environment variables that start the process's clocks where a test wants them:
    ticks_ms: CLOCK_MONOTONIC at the start, in ms (WRAP - 5000: the wrap comes 5 s in);
    speed: compressed time; real_s: the wall clock at the start; anchor_ns: a shared start
    (real CLOCK_MONOTONIC ns) for processes that must agree on the fake time."""
    env = {"LD_PRELOAD": need("clockshift-%s.so" % port)}
    for key, v in (("MONO_MS", ticks_ms), ("SPEED", speed), ("REAL_S", real_s),
                   ("ANCHOR_NS", anchor_ns)):  # fmt: skip
        if v is not None:
            env["CLOCKSHIFT_" + key] = str(v)
    return env
