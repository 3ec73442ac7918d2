"""Figures on the RP2040 itself: the rp2 port of `make targets-rp2` (RPI_PICO, MicroPython
v1.28.0, the firmware frozen in) in rp2040js, which counts the core's clock cycles. run()
returns figure dicts like bench/run.py's; each workload gets a freshly booted board.

- codec_roundtrip_rp2040_cycles: bench/codec_roundtrip.py's work (encode, decode and
  payload() of the 113-byte reference CON POST) with lib/coap as armv6m .mpy (compiled by
  v1.28.0's mpy-cross, loaded from a RAM littlefs that is then unmounted and freed): cycles
  per round trip over one run of N as codec_roundtrip.py times it (gc.collect() before the
  run, none inside: what an application calling it pays, the allocator's search through
  the garbage of earlier round trips included); codec_roundtrip_rp2040_fresh_cycles: one
  round trip right after gc.collect(), the median of FRESH.
- microcoapy_roundtrip_rp2040_cycles, microcoapy_roundtrip_rp2040_fresh_cycles and
  speedup_rp2040 (theirs / ours, long loop): the same with bench/microcoapy_roundtrip.py's
  work, when MICROCOAPY names a directory holding the microcoapy package (as .mpy too).
- firmware_rp2_heap_free_boot_bytes, firmware_rp2_heap_free_steady_bytes (also as
  firmware_rp2_heap_free_bytes): the frozen firmware's free heap after its collection at
  period 1 and the median over the second half of PERIODS offline periods, with what the
  RAM littlefs takes added back (on a Pico the filesystem is in flash);
  firmware_rp2_heap_used_bytes: what the firmware takes of the heap, the port's own free
  heap (the image booted, the rig's RAM littlefs mounted in place of the flash a Pico's port
  mounts at boot, the firmware not run, after gc.collect()) minus the firmware's steady
  free heap.
- firmware_picow_uf2_bytes: the size of the Pico W image a user flashes (`make firmware
  BOARD=picow`, build/targets/RPI_PICO_W.uf2); firmware_picow_heap_free_boot_bytes and
  firmware_picow_heap_free_steady_bytes: the same heap figures of that image (REPL on USB)
  over PICOW_PERIODS periods with its radio not answering (rp2040js has no CYW43: every
  WiFi attempt fails, every reading goes to the outbox; host_tests/test_targets_picow.py).

The emulator is deterministic: one run of each is the figure (no host noise to take the best
of). rp2040js models no XIP cache misses, so a real Pico takes at least these cycle counts.
Figures are reported, never asserted.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools", "targets"))
import rp2040js  # noqa: E402

MPY_CROSS = os.path.join(
    ROOT, "build", "targets", "src", "micropython-1.28.0", "mpy-cross", "build", "mpy-cross"
)
N = 5000  # round trips in the long loop, as bench/codec_roundtrip.py's default
FRESH = 15
PERIODS = 60

# Runs on the board after a workload's source: `CALL` is the workload's call, as the bench
# script's own loop writes it. The counter's low 30 bits are small ints (nothing allocated
# inside a bracket); the long loop spans more than 2**30 cycles, hence the latched high part.
MEASURE = (
    """
import gc, machine
_C = %d
def _cyc():
    return machine.mem32[_C]
def _fresh(k):
    out = []
    for _ in range(k):
        gc.collect()
        c = _cyc()
        empty = (_cyc() - c) & 0x3FFFFFFF
        gc.collect()
        c = _cyc()
        CALL
        out.append(((_cyc() - c) & 0x3FFFFFFF) - empty)
    out.sort()
    return out[k // 2]
def _loop(n):
    gc.collect()
    lo = machine.mem32[_C]
    hi = machine.mem32[_C + 4]
    for _ in range(n):
        CALL
    lo2 = machine.mem32[_C]
    hi2 = machine.mem32[_C + 4]
    return ((hi2 - hi) * 0x40000000 + lo2 - lo) // n
"""
    % rp2040js.CYCLES
)

OURS = {
    "script": "codec_roundtrip.py",
    "files": [("lib", "coap/__init__.py"), ("lib", "coap/message.py")],
    "setup": "enc = Encoder()\nmsg = Message()\nmv = memoryview(enc.buf)\n"
    "p = roundtrip(enc, msg, mv)\n"
    "assert len(enc) == 113 and p == PAYLOAD and msg.opts(11) == list(PATH)\n"
    "assert __import__('coap.message').message.__file__ == 'coap/message.mpy'\n",  # not frozen
    "call": "roundtrip(enc, msg, mv)",
    # the round trip's parts, each in a loop of its own after it (figure name: call)
    "parts": (
        ("codec_encode_rp2040_cycles", "encode(enc, msg)"),
        ("codec_decode_rp2040_cycles", "decode(enc, msg)"),
    ),
}
THEIRS = {
    "script": "microcoapy_roundtrip.py",
    "setup": "buf, q = roundtrip()\n"
    "assert len(buf) == 113 and bytes(q.payload) == PAYLOAD and len(q.options) == 4\n",
    "call": "roundtrip()",
}


def _compile(files, dest):
    """[(board path, .mpy bytes)] of [(base dir, path under it)], armv6m, -O2."""
    out = []
    for base, rel in files:
        mpy = os.path.join(dest, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(mpy), exist_ok=True)
        cmd = [MPY_CROSS, "-O2", "-march=armv6m", "-o", mpy, rel]
        subprocess.run(cmd, cwd=base, check=True)
        with open(mpy, "rb") as f:
            out.append((rel[:-3] + ".mpy", f.read()))
    return out


def _bench_source(script):
    """The bench script's definitions without its closing main() (the unix-port timing)."""
    with open(os.path.join(ROOT, "bench", script)) as f:
        src = f.read()
    return src[: src.rindex("\nmain()")] + "\n"


def roundtrip_cycles(work, files):
    """(long-loop cycles, fresh cycles, {part: long-loop cycles}) per round trip of work, its
    modules from files."""
    with tempfile.TemporaryDirectory() as tmp, rp2040js.Emulator() as mcu:
        mcu.ramfs(512, 96)
        mpys = _compile(files, tmp)
        for d in sorted({os.path.dirname(p) for p, _ in mpys} - {""}):
            mcu.exec("import os\nos.mkdir(%r)" % d)
        for path, data in mpys:
            mcu.put(path, data)
        if work is THEIRS:  # its package imports socket for its client; RPI_PICO has none
            mcu.put("socket.py", "# a placeholder: microcoapy/__init__ imports it\n")
        mcu.exec(_bench_source(work["script"]) + work["setup"], timeout=120)
        # the code is loaded: the RAM disk goes, the heap is a Pico's again
        mcu.exec("import os, gc\nos.umount('/')\ndel _ramfs\ngc.collect()")
        mcu.exec(MEASURE.replace("CALL", work["call"]))
        fresh = mcu.eval("_fresh(%d)" % FRESH, timeout=300)
        loop = mcu.eval("_loop(%d)" % N, timeout=900)
        parts = {}
        for name, call in work.get("parts", ()):
            mcu.exec(MEASURE.replace("CALL", call))  # _loop() of the part's call
            parts[name] = mcu.eval("_loop(%d)" % N, timeout=900)
    return loop, fresh, parts


def _heap_run(cfg, periods, image=None, usb=False):
    """The frozen firmware's free heap in rp2040js: (at period 1, steady: the median of the
    second half, the port alone after boot, the port with the rig's filesystem mounted, that
    filesystem's RAM disk bytes)."""
    with rp2040js.Emulator(image, usb=usb) if image else rp2040js.Emulator() as mcu:
        free = "__import__('gc').collect() or __import__('gc').mem_free()"
        bare = mcu.eval(free)
        mcu.ramfs(256, 160, readsize=64, progsize=64)
        disk = mcu.eval("_ramfs.heap")
        # The baseline of "used": the port with a filesystem mounted, as a Pico's port mounts
        # its flash at boot. The emulated flash does not mount, so the rig's RAM littlefs
        # (its block device a Python class, its disk a bytearray) stands in: all the rig's,
        # none of it the firmware's.
        rig = mcu.eval(free)
        mcu.put("config.json", json.dumps(cfg))
        with open(os.path.join(ROOT, "main.py")) as f:
            mcu.put("main.py", f.read())
        mcu.set_rtc()
        out = mcu.exec("import main", timeout=600)
    got = [int(w[len("heap_free=") :]) for w in out.split() if w.startswith("heap_free=")]
    if len(got) != periods:
        raise RuntimeError("cores_rp2: the firmware ran %d periods:\n%s" % (len(got), out))
    return got[0], int(statistics.median(got[periods // 2 :])), bare, rig, disk


def firmware_heap():
    """_heap_run of the RPI_PICO image, offline."""
    cfg = {"server": "coap://127.0.0.1", "activation_code": "bench", "period_s": 1,
           "max_periods": PERIODS, "outbox_max": PERIODS + 10}  # fmt: skip
    return _heap_run(cfg, PERIODS)


PICOW_PERIODS = 60
PICOW_UF2 = os.path.join(rp2040js.TARGETS, "RPI_PICO_W.uf2")


def firmware_picow_heap():
    """_heap_run of the Pico W image, its WiFi failing: 5 s periods, a 60 s WiFi timeout
    (test_targets_picow.py's run, shorter)."""
    cfg = {"server": "coap://127.0.0.1", "activation_code": "bench", "period_s": 5,
           "max_periods": PICOW_PERIODS, "outbox_max": PICOW_PERIODS + 10,
           "wifi": {"ssid": "home", "password": "secret12", "timeout_s": 60}}  # fmt: skip
    return _heap_run(cfg, PICOW_PERIODS, rp2040js.PICOW_IMAGE, usb=True)


def picow_figures():
    """The Pico W image's figures, [] when it is not built."""
    if rp2040js.missing(rp2040js.PICOW_IMAGE) or not os.path.exists(PICOW_UF2):
        print("# Pico W figures skipped: make targets builds its image", file=sys.stderr)
        return []
    first, steady, bare, _, disk = firmware_picow_heap()
    note = ("RPI_PICO_W as shipped, frozen firmware, radio not answering, %d periods, RAM "
            "littlefs's %d bytes added back; the port alone: %d bytes free after boot"
            % (PICOW_PERIODS, disk, bare))  # fmt: skip
    return [
        _figure("firmware_picow_uf2_bytes", os.path.getsize(PICOW_UF2), "bytes",
                "build/firmware/RPI_PICO_W.uf2 (make firmware BOARD=picow)"),
        _figure("firmware_picow_heap_free_boot_bytes", first + disk, "bytes",
                note + "; period 1"),
        _figure("firmware_picow_heap_free_steady_bytes", steady + disk, "bytes", note),
    ]  # fmt: skip


def _figure(name, value, unit, note):
    return {"name": name, "value": value, "unit": unit, "note": note}


def run():
    gone = rp2040js.missing() + ([] if os.access(MPY_CROSS, os.X_OK) else [MPY_CROSS])
    if gone:
        print("# rp2040 figures skipped: %s missing (make targets)" % ", ".join(gone),
              file=sys.stderr)  # fmt: skip
        return []
    figures = []
    first, steady, bare, rig, disk = firmware_heap()
    note = ("frozen firmware, %d offline periods, RAM littlefs's %d bytes added back; the port "
            "alone: %d bytes free after boot" % (PERIODS, disk, bare))  # fmt: skip
    figures += [
        _figure("firmware_rp2_heap_free_boot_bytes", first + disk, "bytes", note + "; period 1"),
        _figure("firmware_rp2_heap_free_steady_bytes", steady + disk, "bytes", note),
        _figure("firmware_rp2_heap_free_bytes", steady + disk, "bytes", note + "; steady"),
        _figure("firmware_rp2_heap_used_bytes", rig - steady, "bytes",
                "the port with the rig's RAM littlefs mounted (%d free; %d without it, the "
                "disk %d of the difference) minus the firmware's steady free heap"
                % (rig, bare, disk)),
    ]  # fmt: skip
    figures += picow_figures()
    loop, fresh, parts = roundtrip_cycles(OURS, OURS["files"])
    how = "lib/coap as armv6m .mpy, rp2040js cycles"
    figures += [
        _figure("codec_roundtrip_rp2040_cycles", loop, "cycles", how + ", loop of %d" % N),
        _figure("codec_roundtrip_rp2040_fresh_cycles", fresh, "cycles", how + ", after gc"),
    ]
    for name, cycles in parts.items():
        figures.append(_figure(name, cycles, "cycles", how + ", loop of %d" % N))
    mc_dir = os.environ.get("MICROCOAPY")
    if mc_dir:
        pkg = os.path.join(mc_dir, "microcoapy")
        files = [(mc_dir, "microcoapy/" + f) for f in sorted(os.listdir(pkg)) if f[-3:] == ".py"]
        mloop, mfresh, _ = roundtrip_cycles(THEIRS, files)
        how = "microCoAPy as armv6m .mpy, rp2040js cycles"
        figures += [
            _figure("microcoapy_roundtrip_rp2040_cycles", mloop, "cycles", how + ", loop"),
            _figure("microcoapy_roundtrip_rp2040_fresh_cycles", mfresh, "cycles", how),
            _figure("speedup_rp2040", round(mloop / loop, 2), "x", "long loops, theirs / ours"),
        ]
    return figures


def summary(by):
    """bench/run.py's summary line of these figures ({name: figure})."""
    if "codec_roundtrip_rp2040_cycles" not in by:
        return "(rp2040 figures: make targets builds the rp2 image they need)"
    s = "RP2040 (rp2040js): codec round trip %d cycles in a loop, %d after gc" % (
        by["codec_roundtrip_rp2040_cycles"]["value"],
        by["codec_roundtrip_rp2040_fresh_cycles"]["value"],
    )
    if "codec_encode_rp2040_cycles" in by:
        s += " (encode %d, decode %d)" % (
            by["codec_encode_rp2040_cycles"]["value"],
            by["codec_decode_rp2040_cycles"]["value"],
        )
    if "speedup_rp2040" in by:
        s += "; microCoAPy %d (%.1fx)" % (
            by["microcoapy_roundtrip_rp2040_cycles"]["value"],
            by["speedup_rp2040"]["value"],
        )
    s += "; firmware free heap %d bytes at period 1, %d steady (it uses %d)" % (
        by["firmware_rp2_heap_free_boot_bytes"]["value"],
        by["firmware_rp2_heap_free_steady_bytes"]["value"],
        by["firmware_rp2_heap_used_bytes"]["value"],
    )
    if "firmware_picow_uf2_bytes" in by:
        s += "; Pico W image %d bytes, free heap %d at period 1, %d steady (radio down)" % (
            by["firmware_picow_uf2_bytes"]["value"],
            by["firmware_picow_heap_free_boot_bytes"]["value"],
            by["firmware_picow_heap_free_steady_bytes"]["value"],
        )
    return s
