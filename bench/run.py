"""`make bench`: the codec's figures, one JSON line each on stdout, a summary on stderr.

    {"name": "codec_roundtrip_us", "value": 7.9, "unit": "us"}

- codec_roundtrip_us, codec_roundtrip_alloc_bytes: bench/codec_roundtrip.py under the
  MicroPython unix port (encode + decode of a 113-byte CON POST); the time is the best of
  PROCESSES interpreter runs, each the best of 7 timed runs after a warm-up (the host is
  noisy; the minimum is the least disturbed figure).
- coap_mpy_bytes: total size of lib/coap/*.py compiled with `mpy-cross -O2 -march=xtensawin`
  (ESP32, the primary target; viper code needs -march), without _host.py (a CPython-only
  shim, never deployed) and manifest.py (a build description); coap_mpy_bytes_armv6m
  (RP2040) and coap_mpy_bytes_x64 likewise.
- With MICROCOAPY=/dir/containing/microcoapy: the same work with microCoAPy
  (bench/microcoapy_roundtrip.py): microcoapy_roundtrip_us, microcoapy_roundtrip_alloc_bytes
  and speedup (microCoAPy time / ours).
- firmware_heap_peak_bytes, firmware_heap_live_{first,steady,max}_bytes,
  firmware_heap_free_median_{early,late}_bytes: the firmware as .mpy on the stock unix port
  over 10,000 fast periods in a capped heap (bench/firmware_heap.py); with
  FROZEN_MICROPYTHON=binary (a unix port with firmware/manifest_unix.py frozen in) the same
  as firmware_frozen_heap_*.
- On the RP2040 (the rp2 port in rp2040js, cycle counts; bench/cores_rp2.py):
  codec_roundtrip_rp2040_cycles (and _fresh_), firmware_rp2_heap_free_{boot,steady}_bytes,
  and with MICROCOAPY microcoapy_roundtrip_rp2040_cycles and speedup_rp2040.

Figures are reported, never asserted.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
LIB = os.path.join(ROOT, "lib")
PROCESSES = 5
ARCHES = (("xtensawin", "coap_mpy_bytes"), ("armv6m", "coap_mpy_bytes_armv6m"))
ARCHES += (("x64", "coap_mpy_bytes_x64"),)
NOT_DEPLOYED = ("_host.py", "manifest.py")


def tool(name):
    here = os.path.join(os.path.dirname(sys.executable), name)
    path = here if os.access(here, os.X_OK) else shutil.which(name)
    if path is None:
        sys.exit("bench: %s not found (make setup)" % name)
    return path


def micropython(script, path, *args):
    """Run a benchmark script under the unix port; its JSON lines as {name: figure}."""
    env = dict(os.environ, MICROPYPATH=os.pathsep.join([*path, ".frozen"]))
    r = subprocess.run(
        [tool("micropython"), os.path.join(BENCH, script), *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if r.returncode != 0:
        sys.exit("bench: %s failed:\n%s%s" % (script, r.stdout, r.stderr))
    figures = {}
    for line in r.stdout.splitlines():
        if line.startswith("{"):
            f = json.loads(line)
            figures[f["name"]] = f
    return figures


def best_of(*jobs):
    """Figures of PROCESSES runs of each (script, path) job, the jobs interleaved so that a
    busy spell of the host hits both alike: the minimum of each figure (allocation is the
    same every run)."""
    runs = [[] for _ in jobs]
    for _ in range(PROCESSES):
        for k, (script, path) in enumerate(jobs):
            runs[k].append(micropython(script, path))
    outs = []
    for r in runs:
        out = r[0]
        for name, f in out.items():
            f["value"] = min(x[name]["value"] for x in r)
        outs.append(out)
    return outs


def mpy_bytes(arch):
    sources = sorted(
        f
        for f in glob.glob(os.path.join(LIB, "coap", "*.py"))
        if os.path.basename(f) not in NOT_DEPLOYED
    )
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for src in sources:
            out = os.path.join(tmp, os.path.basename(src)[:-3] + ".mpy")
            subprocess.run(  # the path as `make mpy` gives it: it is stored in the .mpy
                [tool("mpy-cross"), "-O2", "-march=" + arch, "-o", out, os.path.relpath(src, LIB)],
                cwd=LIB,
                check=True,
            )
            total += os.path.getsize(out)
    return {"name": "", "value": total, "unit": "bytes", "files": len(sources)}


def main():
    figures = []
    jobs = [("codec_roundtrip.py", [LIB])]
    mc_dir = os.environ.get("MICROCOAPY")
    if mc_dir:
        if not os.path.isdir(os.path.join(mc_dir, "microcoapy")):
            sys.exit("bench: MICROCOAPY=%s has no microcoapy package" % mc_dir)
        jobs.append(("microcoapy_roundtrip.py", [os.path.abspath(mc_dir)]))
    results = best_of(*jobs)
    ours = results[0]
    figures += [ours["codec_roundtrip_us"], ours["codec_roundtrip_alloc_bytes"]]
    for arch, name in ARCHES:
        f = mpy_bytes(arch)
        f["name"] = name
        figures.append(f)
    if mc_dir:
        mc = results[1]
        figures += [mc["microcoapy_roundtrip_us"], mc["microcoapy_roundtrip_alloc_bytes"]]
        speedup = mc["microcoapy_roundtrip_us"]["value"] / ours["codec_roundtrip_us"]["value"]
        figures.append({"name": "speedup", "value": round(speedup, 2), "unit": "x"})
    for f in figures:
        print(json.dumps({"name": f["name"], "value": f["value"], "unit": f["unit"]}))
    sys.stdout.flush()
    sys.path.insert(0, BENCH)
    from firmware_heap import run as firmware_heap

    heap = firmware_heap() + firmware_heap(port="i386")
    frozen = os.environ.get("FROZEN_MICROPYTHON")
    if frozen:
        heap += firmware_heap(frozen=os.path.abspath(frozen))
    import cores_rp2

    heap += cores_rp2.run()  # the RP2040's figures (the rp2 port in rp2040js)
    for f in heap:
        print(json.dumps(f))
    figures += heap

    by = {f["name"]: f for f in figures}
    lines = [
        "codec round trip (113-byte CON POST, unix port): %.2f us, %d bytes allocated"
        % (by["codec_roundtrip_us"]["value"], by["codec_roundtrip_alloc_bytes"]["value"]),
        "lib/coap as .mpy (%d files): %d bytes xtensawin, %d armv6m, %d x64"
        % (
            by["coap_mpy_bytes"]["files"],
            by["coap_mpy_bytes"]["value"],
            by["coap_mpy_bytes_armv6m"]["value"],
            by["coap_mpy_bytes_x64"]["value"],
        ),
    ]
    keys = ("peak", "live_first", "live_steady", "live_max", "free_median_early",
            "free_median_late")  # fmt: skip
    for prefix, suffix in (("firmware_heap", ""), ("firmware_heap", "_i386"),
                           ("firmware_frozen_heap", "")):  # fmt: skip
        if prefix + "_peak_bytes" + suffix not in by:
            continue
        fw = [by["%s_%s_bytes%s" % (prefix, k, suffix)]["value"] for k in keys]
        fw.append(by[prefix + "_peak_bytes" + suffix]["note"])
        lines.append(
            "%s: peak %d bytes, live %d first / %d steady / %d max, free median %d "
            "early / %d late (%s)" % tuple([prefix.replace("_", " ")] + fw)
        )
    if "speedup" in by:
        lines.append(
            "microCoAPy: %.2f us, %d bytes allocated: ours is %.1fx faster"
            % (
                by["microcoapy_roundtrip_us"]["value"],
                by["microcoapy_roundtrip_alloc_bytes"]["value"],
                by["speedup"]["value"],
            )
        )
    else:
        lines.append("(MICROCOAPY=/dir/containing/microcoapy adds a comparison with microCoAPy)")
    lines.append(cores_rp2.summary(by))
    print("\n".join("# " + s for s in lines), file=sys.stderr)


if __name__ == "__main__":
    main()
