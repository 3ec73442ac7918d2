# Runs dual-interpreter cases (host_tests/cases/) one after another on a board, in one boot:
# host_tests/test_targets_m0.py sends, over the raw REPL,
#
#   import board_runner
#   board_runner.run("case_fuzz", ["test_fuzz_decode", ...], {"test_fuzz_decode": {...}})
#
# and reads one line per case: BEGIN name before it runs (the host's watchdog times each
# case), then MARK and a JSON object: {"case", "ok", "value" or "error" and "traceback",
# "us" (ticks_us() taken; kilo-instructions under qemu -icount 0), "free" (heap free
# before it, after a collection)}. Each case gets the arguments the host gives it (the values
# of its parameters); a case failing, even with MemoryError, does not stop the others. Also
# runs under CPython.
import gc
import io
import json
import sys
import time

MARK = "@@board-case@@ "
BEGIN = "@@board-begin@@ "


def _traceback(e):
    buf = io.StringIO()
    if hasattr(sys, "print_exception"):
        sys.print_exception(e, buf)
    else:  # CPython
        import traceback

        traceback.print_exception(e, file=buf)
    return buf.getvalue()


def run_one(module, name, kwargs):
    fn = getattr(module, name)
    gc.collect()
    free = gc.mem_free() if hasattr(gc, "mem_free") else -1
    t0 = time.ticks_us() if hasattr(time, "ticks_us") else 0
    try:
        out = {"ok": True, "value": fn(**kwargs)}
    except Exception as e:  # MemoryError too: reported, and the next case runs
        out = {"ok": False, "error": type(e).__name__, "traceback": _traceback(e)}
    if t0:
        out["us"] = time.ticks_diff(time.ticks_us(), t0)
    out["case"] = name
    out["free"] = free
    return out


def run(module_name, names, kwargs_by_case):
    """kwargs_by_case: {case name: {parameter: value}}; a case not named there gets none."""
    module = __import__(module_name)
    for name in names:
        print(BEGIN + name)
        out = run_one(module, name, kwargs_by_case.get(name, {}))
        try:
            line = json.dumps(out)
        except TypeError:  # a value JSON cannot carry: report it as the case's failure
            line = json.dumps(
                {"case": name, "ok": False, "error": "TypeError", "traceback": repr(out)}
            )
        print(MARK + line)
