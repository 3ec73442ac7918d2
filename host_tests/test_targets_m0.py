"""The dual cases on the cores the boards have: MicroPython v1.28.0's qemu port (`make targets`,
tools/targets/qemu.mk) on a Cortex-M0 (armv6m, the RP2040's ISA: qemu faults on Thumb-2) and
on RV32 (the ESP32-C3's rv32imc), with lib/coap as the .mpy `make mpy` builds for that ISA
(-O2, the viper codec as native code) and a board's 140 KB heap.

The case modules of BOARD_MODULES run there, each in one boot per core, one case after another
(host_tests/board_runner.py): every case whose parameters all have a value in BOARD_VALUES,
fixture-less cases needing none (a case needing a fixture, a server say, is skipped). A case
must pass; a `compare` case must also return what it returns under CPython and on the x64
unix port (the fuzz digests). A case too big for a board's heap names its board-sized form,
`@case(board="test_x_board")`: on the boards it must fail with MemoryError (xfail), while the
smaller case checks the same rule there. Without the images the tests skip, naming `make
targets`; with REQUIRE_TARGETS=1 (CI) they fail. Reproduce a fuzz run with COAP_FUZZ_SEED
(COAP_FUZZ_COUNT_BOARD sets its inputs).
"""

import importlib
import inspect
import json
import os
import shlex
import shutil
import sys
import time

import dual
import procs
import pytest
import targets
from board_runner import BEGIN, MARK

sys.path.insert(0, os.path.join(dual.ROOT, "tools", "targets"))
import qemu_board  # noqa: E402 - tools/targets is not a package (and `targets` is taken)

# The case modules run on the boards. More can be added: their fixture-less cases run as
# they are, in one boot per module and core.
# The server's sans-I/O cases run on the M0 only (the time budget: about 4 s more per core,
# and case_server_block 3 s on the M0, 5 s on RV32; it passes on both).
BOARD_MODULES = ("case_codec", "case_fuzz", "case_engine", "case_server", "case_server_observe",
                 "case_mcast", "case_server_block")  # fmt: skip
M0_ONLY = ("case_server", "case_server_observe", "case_mcast", "case_server_block")
CORES = ("m0", "rv32")
FUZZ_SEED = int(os.environ.get("COAP_FUZZ_SEED") or int.from_bytes(os.urandom(4), "big"))
# 5000 decode inputs take about 2 s on the M0 under qemu (the unix ports run 100,000).
FUZZ_COUNT = int(os.environ.get("COAP_FUZZ_COUNT_BOARD", "5000"))
BOARD_VALUES = {"fuzz_seed": FUZZ_SEED, "fuzz_count": FUZZ_COUNT}


class Case:
    def __init__(self, module, name, fn):
        self.module, self.name, self.fn = module, name, fn
        params = list(inspect.signature(fn).parameters)
        self.missing = [p for p in params if p not in BOARD_VALUES]
        self.kwargs = {p: BOARD_VALUES[p] for p in params if p in BOARD_VALUES}
        self.timeout = getattr(fn, "timeout", dual.DEFAULT_TIMEOUT)
        self.compare = getattr(fn, "compare", False)
        self.board = getattr(fn, "board", None)  # the board-sized form of a too big case

    def label(self):
        return "%s.%s(%s)" % (self.module, self.name, ", ".join(
            "%s=%r" % kv for kv in self.kwargs.items()))  # fmt: skip


def plan(module_name):
    """{name: Case} of a case module in board order: those too big for a board last (their
    MemoryError leaves the heap fragmented for nothing after them)."""
    module = importlib.import_module(module_name)
    cases = [Case(module_name, n, f) for n, f in vars(module).items()
             if n.startswith("test_") and callable(f)]  # fmt: skip
    cases.sort(key=lambda c: c.board is not None)
    out = {c.name: c for c in cases}
    for c in cases:
        small = out.get(c.board)
        if c.board and (small is None or small.missing or small.board):
            raise ValueError("%s: board=%r names no board-sized case" % (c.label(), c.board))
    return out


PLAN = {m: plan(m) for m in BOARD_MODULES}


def need_core(core):
    """The core's image; skips (fails under REQUIRE_TARGETS) without it or its qemu."""
    image, _, qemu = qemu_board.CORES[core]
    kernel = targets.need(image)
    if shutil.which(qemu[0]) is None:
        targets.missing(qemu[0] + " (tools/targets/deps.sh)")
    return kernel


def run_on_board(core, module, cases, staging):
    """One boot: the cases, in order; ({name: result}, why the run ended early or None, a
    command that repeats it)."""
    kernel = need_core(core)
    names = [c.name for c in cases]
    timeouts = {c.name: c.timeout for c in cases}
    code = "import board_runner; board_runner.run(%r, %r, %r)" % (
        module, names, {c.name: c.kwargs for c in cases if c.kwargs})  # fmt: skip
    pending = bytearray()
    current = [None]

    def on_output(b):  # each case's own limit, from its start
        pending.extend(b)
        while b"\n" in pending:
            line, _, rest = bytes(pending).partition(b"\n")
            pending[:] = rest
            if line.startswith(BEGIN.encode()):
                current[0] = line[len(BEGIN) :].strip().decode()
                board.deadline = time.monotonic() + timeouts[current[0]]

    board = qemu_board.QemuBoard(core, kernel, popen=procs.popen, stop=procs.stop)
    ended = None
    text = ""
    try:
        with board:
            board.mount(staging)
            try:
                text = board.exec(code, timeout=60, on_output=on_output)
            except qemu_board.BoardError as e:
                text = str(e)
                if current[0] and board.expired:
                    e = "%s did not finish in its %d s; %s" % (current[0], timeouts[current[0]], e)
                ended = "%s\n--- qemu ---\n%s" % (e, board.log(text=True)[-2000:])
    except qemu_board.BoardError as e:  # no boot, or no mount: a result for every case still
        ended = "the board did not come up: %s" % e
    results = {}
    for line in text.splitlines():
        if line.startswith(MARK):
            r = json.loads(line[len(MARK) :])
            results[r["case"]] = r
    quoted = '"%s"' % code if not set(code) & set('"$`\\!') else shlex.quote(code)
    repro = "cd %s && .venv/bin/python tools/targets/qemu_board.py %s --mount %s -c %s" % (
        dual.ROOT, core, staging, quoted)  # fmt: skip
    return results, ended, repro


class BoardRuns:
    """Results of the board runs of this session, one boot per (core, module): the first item
    of a module boots the board for all of that module's items selected in this session."""

    def __init__(self, session, tmp_path_factory):
        self.session, self.tmp = session, tmp_path_factory
        self.runs, self.staged, self.refs = {}, {}, {}

    def staging(self, core):
        if core not in self.staged:
            d = str(self.tmp.mktemp("board-" + core))
            march = qemu_board.arch(core)
            qemu_board.stage_lib(d, march)
            for f in sorted(os.listdir(dual.CASES)):
                if f.endswith(".py"):
                    qemu_board.compile_mpy(os.path.join(dual.CASES, f), d, march)
            qemu_board.compile_mpy(os.path.join(dual.HERE, "board_runner.py"), d, march)
            self.staged[core] = d
        return self.staged[core]

    def result(self, core, module, name):
        key = (core, module)
        if key not in self.runs:
            chosen = {i.callspec.params["where"][2] for i in self.session.items
                      if getattr(i, "callspec", None) and "where" in i.callspec.params
                      and i.callspec.params["where"][:2] == key}  # fmt: skip
            cases = [c for n, c in PLAN[module].items() if n in chosen and not c.missing]
            need_core(core)  # before compiling anything for it
            self.runs[key] = run_on_board(core, module, cases, self.staging(core))
        results, ended, repro = self.runs[key]
        return results.get(name), ended, repro

    def reference(self, case):
        """The case's value under CPython and on the x64 unix port, once per session."""
        key = (case.module, case.name)
        if key not in self.refs:
            value = json.loads(json.dumps(case.fn(**case.kwargs)))
            mp = dual.run_micropython(case.module, case.name, case.kwargs, case.timeout)
            self.refs[key] = {"CPython": value, "micropython (x64)": mp}
        return self.refs[key]


@pytest.fixture(scope="session")
def board_runs(request, tmp_path_factory):
    return BoardRuns(request.session, tmp_path_factory)


def judge(core, case, r, ended, repro, refs=None):
    """Fail (or xfail) the test for the board's result r of the case."""
    where = "%s on the %s" % (case.label(), core)
    if r is None:
        pytest.fail("%s: no result, the board run ended: %s\n--- reproduce ---\n%s"
                    % (where, ended, repro), pytrace=False)  # fmt: skip
    if case.board:
        if r["ok"]:
            pytest.fail("%s fits in the board's heap now: drop its board=%r" % (where, case.board))
        if r["error"] == "MemoryError":
            pytest.xfail("too big for the board's heap (MemoryError); %s checks the same rule "
                         "there" % case.board)  # fmt: skip
    if not r["ok"]:
        pytest.fail("%s failed (%d bytes free before it):\n%s\n--- reproduce ---\n%s"
                    % (where, r["free"], r["traceback"], repro), pytrace=False)  # fmt: skip
    for who, value in (refs or {}).items():
        if value != r["value"]:
            pytest.fail("%s returned %s; %s gives %s (seed %d)" % (
                where, json.dumps(r["value"], sort_keys=True), who,
                json.dumps(value, sort_keys=True), FUZZ_SEED), pytrace=False)  # fmt: skip


WHERE = [(core, m, n) for core in CORES for m in BOARD_MODULES for n in PLAN[m]
         if core == "m0" or m not in M0_ONLY]  # fmt: skip


@pytest.mark.parametrize("where", WHERE, ids=["%s-%s.%s" % w for w in WHERE])
def test_case_on_board(where, board_runs):
    core, module, name = where
    case = PLAN[module][name]
    if case.missing:
        pytest.skip("needs %s: not on a board" % ", ".join(case.missing))
    r, ended, repro = board_runs.result(core, module, name)
    refs = board_runs.reference(case) if case.compare and r and r["ok"] else None
    judge(core, case, r, ended, repro, refs)


# -- the judge itself: what must fail does ---------------------------------------------------


FUZZ = PLAN["case_fuzz"]["test_fuzz_decode"]
BIG = next(c for c in PLAN["case_codec"].values() if c.board)


def _outcome(case, r, refs=None):
    try:
        judge("m0", case, r, None, "repro", refs)
    except (pytest.fail.Exception, pytest.xfail.Exception) as e:
        return type(e).__name__, str(e)
    return "passed", ""


def test_judge_catches_wrong_results():
    ok = {"ok": True, "value": {"digest": 7}, "free": 1000}
    assert _outcome(FUZZ, ok, {"CPython": {"digest": 7}}) == ("passed", "")
    kind, msg = _outcome(FUZZ, ok, {"CPython": {"digest": 7}, "micropython (x64)": {"digest": 8}})
    assert kind == "Failed" and '{"digest": 8}' in msg, msg
    bad = {"ok": False, "error": "AssertionError", "traceback": "boom", "free": 1000}
    assert _outcome(FUZZ, bad)[0] == "Failed"
    assert _outcome(FUZZ, None)[0] == "Failed"
    memory = dict(bad, error="MemoryError")
    assert _outcome(BIG, memory)[0] == "XFailed"
    assert _outcome(BIG, bad)[0] == "Failed"  # too big, but failing otherwise: a failure
    assert _outcome(BIG, ok)[0] == "Failed"  # fits now: the board= option must go
