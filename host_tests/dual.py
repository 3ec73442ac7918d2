"""Dual-interpreter tests: every case runs under CPython, under the MicroPython unix port of
the venv (x86-64) and under the i386 unix port (`make targets`: a 32-bit MicroPython, as the
boards are: 31-bit small ints, ticks wrapping at 2**30 ms, half-size objects), and passes only
when all three pass. Without the i386 port a case passing the other two is skipped, naming
`make targets`; with REQUIRE_TARGETS=1 (CI) it fails.

A case module lives in host_tests/cases/ and is plain MicroPython-compatible Python: no pytest,
plain `assert`, only modules both interpreters have. Each `test_*` function is a case; its
parameters name pytest fixtures, whose values (JSON: ints, strings, lists, dicts) it receives:

    # host_tests/cases/case_thing.py
    from caseutil import case, eq

    @case(timeout=120)                      # optional, see below
    def test_ping(libcoap_server):          # the port of a fresh coap-server-notls
        ...
        eq(got, want, "what")               # assert with both values shown on MicroPython
        return {"rtt_ms": 3}                # optional JSON result

    # host_tests/test_thing.py
    from dual import collect
    globals().update(collect("case_thing"))

Each generated pytest test resolves the fixtures (request.getfixturevalue), converts their
values for the case (an object with `__dual__()` becomes its result, a `per_run(fn)` value
becomes fn(interpreter) for each of INTERPRETERS, a path a string, then a JSON round trip),
runs the case in-process under CPython and as `micropython host_tests/mp_runner.py MODULE
NAME KWARGS` in a subprocess per port, and reports every outcome: a MicroPython failure shows
its traceback, stdout and a command line that reproduces it. The pseudo-fixture
`interpreter` gives a case "cpython", "micropython" or "micropython-i386".

Per-case options, set with the `case` decorator of cases/caseutil.py (MicroPython functions
take no attributes, so it sets them under CPython only, where this harness reads them), or as
collect() keyword defaults:

    from caseutil import case
    @case(timeout=120, compare=True)
    def test_x(): ...

    timeout   seconds per interpreter (default 60); a hang fails the test
    compare   True: the two return values must be equal
    parallel  run the interpreters at once; default: only cases without fixtures, as cases
              with a server would otherwise race for it (sequential: CPython, then each port)
    xfail     a reason: a known bug, expected to fail (strict: passing fails the test)
    heapsize  MicroPython heap, e.g. "16M" (micropython -X heapsize=...)
    ticks_ms  the MicroPython runs start with their monotonic clock at this many ms (the
              clock hook of `make targets`, targets.clock_env): WRAP - 2000 makes the i386
              port's ticks_ms() wrap 2 s into the case
    board     the name of a smaller case checking the same rule in a board's heap, for a
              case too big for one: on the boards (test_targets_m0.py) this one must raise
              MemoryError, and the smaller one runs there

Fixture values are resolved once per test and shared by both runs: use per_run() or the
`interpreter` parameter when a run must not see the other's state. CPython imports a case
module once per session, MicroPython once per case: keep no state in module globals.
"""

import importlib
import inspect
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pytest
import targets

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = os.path.join(HERE, "cases")
LIB = os.path.join(ROOT, "lib")
RUNNER = os.path.join(HERE, "mp_runner.py")
MARK = "@@dual-result@@ "
DEFAULT_TIMEOUT = 60
INTERPRETER = "interpreter"
_ARGV_MAX = 32000  # larger kwargs go through a file
PORTS = ("micropython", "micropython-i386")  # the MicroPython interpreters, 64 and 32 bit
_HOOK = {"micropython": "x64", "micropython-i386": "i386"}  # their clock hook builds
INTERPRETERS = ("cpython",) + PORTS

if CASES not in sys.path:
    sys.path.insert(0, CASES)


def micropython_path(interp="micropython"):
    """The x64 unix port: $MICROPYTHON, else next to this Python (the project venv), else
    PATH; "micropython-i386": the i386 port of `make targets` (None when not built)."""
    if interp == "micropython-i386":
        return targets.i386()
    env = os.environ.get("MICROPYTHON")
    if env:
        return env
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.access(here, os.X_OK):
        return here
    return shutil.which("micropython")


def micropython_env(extra_path=()):
    """Environment for the unix port: lib, the cases and host_tests on its path (.frozen last,
    or the frozen asyncio vanishes)."""
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join([LIB, CASES, HERE, *extra_path, ".frozen"])
    return env


class PerRun:
    """A fixture value computed separately for each interpreter: fn(interpreter)."""

    def __init__(self, fn):
        self.fn = fn


def per_run(fn):
    """Wrap a fixture's return value so each interpreter gets its own, e.g. a fresh server:
    `return dual.per_run(lambda interp: libcoap_server_factory("-l", "1,2").port)`."""
    return PerRun(fn)


def case_value(value, interpreter):
    """The JSON value a case receives for a fixture value."""
    if isinstance(value, PerRun):
        value = value.fn(interpreter)
    if isinstance(value, os.PathLike):  # tmp_path and friends: the path as a string
        value = os.fspath(value)
    to_dual = getattr(value, "__dual__", None)
    if callable(to_dual):
        value = to_dual()
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as e:
        raise TypeError(
            "fixture value %r cannot go to a MicroPython case (%s); return JSON data, "
            "or give the object a __dual__() method" % (value, e)
        ) from None


# -- MicroPython subprocess ----------------------------------------------------------------------


class MicroPythonRun:
    """One case run in a MicroPython subprocess; output goes to files, not pipes, so a chatty
    case never blocks while CPython runs its half."""

    def __init__(
        self, module, name, kwargs, heapsize=None, extra_path=(), interp="micropython",
        ticks_ms=None,
    ):  # fmt: skip
        self.module, self.name, self.interp = module, name, interp
        mp = micropython_path(interp)
        if mp is None:
            raise RuntimeError("%s not found (set $MICROPYTHON, or make targets)" % interp)
        self._tmp = tempfile.TemporaryDirectory(prefix="dual-")
        arg = json.dumps(kwargs)
        if len(arg) > _ARGV_MAX:
            path = os.path.join(self._tmp.name, "kwargs.json")
            with open(path, "w") as f:
                f.write(arg)
            arg = "@" + path
        self.argv = [mp]
        if heapsize:
            self.argv += ["-X", "heapsize=%s" % heapsize]
        self.argv += [RUNNER, module, name, arg]
        self.env = micropython_env(extra_path)
        if ticks_ms is not None:
            self.env.update(targets.clock_env(_HOOK[interp], ticks_ms=ticks_ms))
        self._out = open(os.path.join(self._tmp.name, "stdout"), "w+b")  # noqa: SIM115
        self._err = open(os.path.join(self._tmp.name, "stderr"), "w+b")  # noqa: SIM115
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
            start_new_session=True,
        )
        self.returncode = None
        self.timed_out = False
        self.stdout = self.stderr = ""
        self.value = None
        self.elapsed = 0.0

    def wait(self, timeout):
        """Wait until timeout seconds after the start; kill the process group on a timeout."""
        try:
            self.returncode = self.proc.wait(max(0.1, self.t0 + timeout - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.timed_out = True
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.returncode = self.proc.wait()
        self.elapsed = time.monotonic() - self.t0
        self.stdout = self._read(self._out)
        self.stderr = self._read(self._err)
        self._tmp.cleanup()
        self.ok = self.returncode == 0 and not self.timed_out
        if self.ok:
            at = self.stdout.rfind(MARK)
            if at < 0:
                self.ok = False
                self.stderr += "\n(mp_runner printed no result line)"
            else:
                line = self.stdout[at + len(MARK) :].split("\n", 1)[0]
                self.value = json.loads(line)
                self.stdout = self.stdout[:at].rstrip("\n")
        return self

    @staticmethod
    def _read(f):
        f.flush()
        f.seek(0)
        text = f.read().decode("utf-8", "replace")
        f.close()
        return text

    def command(self):
        """A shell command line that reproduces the run."""
        env = [k for k in ("LD_PRELOAD", "CLOCKSHIFT_MONO_MS") if k in self.env]
        return "cd %s && %s %s" % (
            shlex.quote(ROOT),
            " ".join("%s=%s" % (k, shlex.quote(self.env[k])) for k in ["MICROPYPATH"] + env),
            " ".join(shlex.quote(a) for a in self.argv),
        )

    def report(self):
        head = "%s.%s under %s: " % (self.module, self.name, self.interp)
        if self.timed_out:
            head += "timed out after %.0f s (killed)" % self.elapsed
        elif self.ok:
            head += "passed in %.2f s" % self.elapsed
        else:
            head += "failed, exit status %s after %.2f s" % (self.returncode, self.elapsed)
        parts = [head]
        if not self.ok:
            who = self.interp
            if self.stderr.strip():
                parts.append("--- %s stderr (traceback) ---\n%s" % (who, self.stderr.rstrip()))
            if self.stdout.strip():
                parts.append("--- %s stdout ---\n%s" % (who, _tail(self.stdout)))
            parts.append("--- reproduce ---\n" + self.command())
        return "\n".join(parts)


def _tail(text, lines=60):
    t = text.rstrip().split("\n")
    if len(t) > lines:
        t = ["... (%d lines before)" % (len(t) - lines)] + t[-lines:]
    return "\n".join(t)


class MicroPythonFailure(AssertionError):
    pass


def run_micropython(
    module, name, kwargs=None, timeout=DEFAULT_TIMEOUT, heapsize=None, interp="micropython"
):
    """Run module.name(**kwargs) under MicroPython; return its JSON result or raise
    MicroPythonFailure with the traceback. For tests that drive MicroPython themselves."""
    run = MicroPythonRun(module, name, kwargs or {}, heapsize, interp=interp).wait(timeout)
    if not run.ok:
        raise MicroPythonFailure(run.report())
    return run.value


# -- CPython in-process --------------------------------------------------------------------------


class CaseTimeout(AssertionError):
    pass


def _run_cpython(fn, kwargs, timeout, label):
    """fn(**kwargs) with a SIGALRM deadline (main thread only); returns (value, exc)."""
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(
        signal, "setitimer"
    )

    def expired(signum, frame):
        raise CaseTimeout("%s under CPython: timed out after %s s" % (label, timeout))

    old = None
    if use_alarm:
        old = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        value = fn(**kwargs)
        return json.loads(json.dumps(value)), None
    except Exception as e:  # reported together with the MicroPython outcome
        return None, e
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


# -- collection ----------------------------------------------------------------------------------


def collect(module_name, *, timeout=DEFAULT_TIMEOUT, compare=False, parallel=None):
    """pytest test functions for every test_* case in host_tests/cases/<module_name>.py:
    `globals().update(collect("case_codec"))` in a test module."""
    if module_name not in sys.modules:
        pytest.register_assert_rewrite(module_name)  # introspecting asserts on the CPython side
    module = importlib.import_module(module_name)
    tests = {}
    for name, fn in vars(module).items():
        if name.startswith("test_") and callable(fn):
            tests[name] = _make_test(
                module_name,
                name,
                fn,
                dict(timeout=timeout, compare=compare, parallel=parallel),
            )
    return tests


def _make_test(module_name, name, fn, defaults):
    params = list(inspect.signature(fn).parameters)
    fixtures = [p for p in params if p != INTERPRETER]
    timeout = getattr(fn, "timeout", defaults["timeout"])
    compare = getattr(fn, "compare", defaults["compare"])
    parallel = getattr(fn, "parallel", defaults["parallel"])
    if parallel is None:
        parallel = not fixtures
    heapsize = getattr(fn, "heapsize", None)
    ticks = getattr(fn, "ticks_ms", None)
    label = "%s.%s" % (module_name, name)

    def test(request):
        ports = [i for i in PORTS if micropython_path(i)]
        absent = [i for i in PORTS if i not in ports]
        if absent and targets.required():
            targets.missing(", ".join(absent))  # fails at once: CI must run every port
        raw = {p: request.getfixturevalue(p) for p in fixtures}

        def kwargs_for(interp):
            return {p: interp if p == INTERPRETER else case_value(raw[p], interp) for p in params}

        def start(interp):
            kw = kwargs_for(interp)
            return MicroPythonRun(module_name, name, kw, heapsize, interp=interp, ticks_ms=ticks)

        if parallel:
            runs = [start(i) for i in ports]
            cp_value, cp_exc = _run_cpython(fn, kwargs_for("cpython"), timeout, label)
            for r in runs:
                r.wait(timeout)
        else:
            cp_value, cp_exc = _run_cpython(fn, kwargs_for("cpython"), timeout, label)
            runs = [start(i).wait(timeout) for i in ports]
        _judge(label, cp_value, cp_exc, runs, compare)
        if absent:
            targets.missing("%s (passed under CPython and %s)" % (absent[0], ", ".join(ports)))

    test.__name__ = test.__qualname__ = name
    test.__doc__ = fn.__doc__
    reason = getattr(fn, "xfail", None)
    if reason:
        test = pytest.mark.xfail(reason=str(reason), strict=True)(test)
    return test


def _judge(label, cp_value, cp_exc, runs, compare):
    if cp_exc is not None:
        for mp in runs:
            cp_exc.add_note(mp.report())  # pytest prints notes under the CPython traceback
        cp_exc.add_note("(%s failed under CPython, traceback above)" % label)
        raise cp_exc
    failed = [mp for mp in runs if not mp.ok]
    if failed:
        passed = ["CPython"] + [mp.interp for mp in runs if mp.ok]
        pytest.fail(
            "\n".join(mp.report() for mp in failed) + "\npassed: " + ", ".join(passed),
            pytrace=False,
        )
    for mp in runs:
        if compare and cp_value != mp.value:
            pytest.fail(
                "%s: results differ between interpreters\n"
                "  CPython:     %s\n  %-12s %s\n%s"
                % (label, _short(cp_value), mp.interp + ":", _short(mp.value),
                   _first_difference(cp_value, mp.value)),
                pytrace=False,
            )  # fmt: skip


def _short(value, limit=2000):
    s = json.dumps(value, sort_keys=True)
    return s if len(s) <= limit else s[:limit] + "... (%d characters)" % len(s)


def _first_difference(a, b, path="result"):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return "  first difference: %s[%r] present in only one" % (path, k)
            if a[k] != b[k]:
                return _first_difference(a[k], b[k], "%s[%r]" % (path, k))
    if isinstance(a, list) and isinstance(b, list):
        for k, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return _first_difference(x, y, "%s[%d]" % (path, k))
        if len(a) != len(b):
            return "  first difference: %s lengths %d != %d" % (path, len(a), len(b))
    return "  first difference: %s: %s != %s" % (path, _short(a, 300), _short(b, 300))
