"""The codec round trip of bench/codec_roundtrip.py counted in instructions on the cores the
boards have: MicroPython v1.28.0's qemu port (`make targets-qemu`) on a Cortex-M0 (armv6m,
the RP2040's ISA) and on RV32 (rv32imc, the ESP32-C3's), lib/coap as `make mpy`'s .mpy for
that ISA. qemu runs with -icount shift=0: one guest ns per instruction, so ticks_us() counts
kilo-instructions. qemu has no cycle model: instructions, not cycles or time.

    run() -> [{"name", "value", "unit", "note"}, ...]   (bench/run.py prints them)

Per core (m0; rv32 when built):
- codec_roundtrip_<core>_instructions: bench/codec_roundtrip.py itself on the board, N round
  trips in a loop as an application calls it, GC when the heap fills; best of RUNS runs. It
  depends on N: in MicroPython's allocator each call costs more the more calls came since
  the last collection (tools/targets/README.md)
- codec_roundtrip_<core>_instructions_collected: BATCH round trips right after
  gc.collect(), collections off; best of RUNS, per round trip
- with MICROCOAPY=/dir/containing/microcoapy: microcoapy_roundtrip_<core>_instructions (and
  _collected) from bench/microcoapy_roundtrip.py, speedup_<core> and speedup_<core>_collected
  (theirs / ours)

Figures are reported, never asserted. Alone: `.venv/bin/python bench/cores_m0.py` (JSON lines,
then the summary line).
"""

import json
import os
import sys
import tempfile

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(BENCH), "tools", "targets"))
import qemu_board  # noqa: E402 - tools/targets is not a package

N = 2000  # round trips per timed run in the loop
RUNS = 5
BATCH = 20  # round trips right after a collection, with collections off

# On the board: the benchmark script runs on import (its main() reads sys.argv), then its
# roundtrip function is timed again on a collected heap. Prints one JSON line per figure.
BOARD_CODE = """
import gc, sys, time
sys.argv[:] = ["bench", "%(n)d", "%(runs)d"]
import %(script)s as b
%(setup)s
best = 1 << 30
for _ in range(%(runs)d):
    gc.collect()
    gc.disable()  # none among them: a MemoryError rather than a collection
    t0 = time.ticks_us()
    for _ in range(%(batch)d):
        %(call)s
    best = min(best, time.ticks_diff(time.ticks_us(), t0))
    gc.enable()
print('{"name": "collected", "value": %%d}' %% (best * 1000 // %(batch)d))
"""
# (script, what its main() sets up, its roundtrip() called as main() calls it)
OURS = ("codec_roundtrip", "enc = b.Encoder(); msg = b.Message(); mv = memoryview(enc.buf)",
        "b.roundtrip(enc, msg, mv)")  # fmt: skip
THEIRS = ("microcoapy_roundtrip", "", "b.roundtrip()")
# microCoAPy's package imports its client, which imports socket: the qemu boards have no
# network, and the round trip uses none of it.
SOCKET_STUB = "# bench/cores_m0.py: no network on a qemu board; microCoAPy imports socket\n"


def _stage(core, tmp, mc_dir):
    march = qemu_board.arch(core)
    qemu_board.stage_lib(tmp, march)
    for script in (OURS[0], THEIRS[0]):  # the scripts bench/run.py runs on the unix port
        qemu_board.compile_mpy(os.path.join(BENCH, script + ".py"), tmp, march)
    if mc_dir:
        pkg = os.path.join(mc_dir, "microcoapy")
        for f in sorted(os.listdir(pkg)):
            if f.endswith(".py"):  # as deployed: -O2 like ours
                qemu_board.compile_mpy(os.path.join(pkg, f), os.path.join(tmp, "microcoapy"),
                                       march, opt=2)  # fmt: skip
        with open(os.path.join(tmp, "socket.py"), "w") as f:
            f.write(SOCKET_STUB)


def _measure(board, script, setup, call):
    code = BOARD_CODE % dict(n=N, runs=RUNS, batch=BATCH, script=script, setup=setup, call=call)
    out = board.exec(code, timeout=600)
    got = {}
    for line in out.splitlines():
        if line.startswith("{"):
            f = json.loads(line)
            got[f["name"]] = f["value"]
    loop = [v for k, v in got.items() if k.endswith("roundtrip_us")][0]  # kilo-instructions
    return round(loop * 1000), got["collected"]


def _figure(name, value, unit, note):
    return {"name": name, "value": value, "unit": unit, "note": note}


def run_core(core, mc_dir=None):
    figures = []
    what = "%s, %s .mpy, qemu -icount shift=0" % (core, qemu_board.arch(core))
    loop_note = "%s: %d in a loop, GC as it comes, best of %d" % (what, N, RUNS)
    fresh_note = "%s: %d after gc.collect(), collections off, best of %d" % (what, BATCH, RUNS)
    with tempfile.TemporaryDirectory(prefix="bench-%s-" % core) as tmp:
        _stage(core, tmp, mc_dir)
        for script, setup, call in [OURS] + ([THEIRS] if mc_dir else []):
            with qemu_board.QemuBoard(core, icount=True) as board:  # a fresh boot each
                board.mount(tmp)
                loop, collected = _measure(board, script, setup, call)
            name = "%s_%s_instructions" % (script, core)
            figures.append(_figure(name, loop, "instructions", loop_note))
            figures.append(_figure(name + "_collected", collected, "instructions", fresh_note))
    if mc_dir:
        for suffix, k, how in (("", 0, "in a loop"), ("_collected", 1, "after a collection")):
            speedup = round(figures[2 + k]["value"] / figures[k]["value"], 2)
            note = "microCoAPy / ours, %s, on the %s" % (how, core)
            figures.append(_figure("speedup_%s%s" % (core, suffix), speedup, "x", note))
    return figures


def run():
    mc_dir = os.environ.get("MICROCOAPY")
    if mc_dir and not os.path.isdir(os.path.join(mc_dir, "microcoapy")):
        sys.exit("bench: MICROCOAPY=%s has no microcoapy package" % mc_dir)
    figures = []
    for core in qemu_board.CORES:
        if os.path.exists(qemu_board.kernel_path(core)):
            figures += run_core(core, mc_dir and os.path.abspath(mc_dir))
    return figures


def summary(by):
    """One line for bench/run.py, from {name: figure}."""
    parts = []
    for core in qemu_board.CORES:
        f = by.get("codec_roundtrip_%s_instructions" % core)
        if f:
            c = by["codec_roundtrip_%s_instructions_collected" % core]["value"]
            s = "%s %.1f k (%.1f k collected)" % (core, f["value"] / 1e3, c / 1e3)
            if "speedup_" + core in by:
                s += ", microCoAPy %.1f k: %.1fx (%.1fx collected)" % (
                    by["microcoapy_roundtrip_%s_instructions" % core]["value"] / 1e3,
                    by["speedup_" + core]["value"],
                    by["speedup_%s_collected" % core]["value"],
                )
            parts.append(s)
    if not parts:
        return "codec round trip on the boards' cores: not built (make targets-qemu)"
    return "codec round trip in instructions (qemu): " + "; ".join(parts)


if __name__ == "__main__":
    found = run()
    for f in found:
        print(json.dumps(f))
    print(summary({f["name"]: f for f in found}))
