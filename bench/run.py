"""`make bench`: the codec's figures, one JSON line each on stdout, a summary on stderr.

    {"name": "codec_roundtrip_us", "value": 7.9, "unit": "us"}

- codec_roundtrip_us, codec_roundtrip_alloc_bytes (and where the time goes: codec_encode_us,
  codec_decode_us, each alone): bench/codec_roundtrip.py under the
  MicroPython unix port (encode + decode of a 113-byte CON POST); the time is the best of
  PROCESSES interpreter runs, each the best of 7 timed runs after a warm-up (the host is
  noisy; the minimum is the least disturbed figure).
- coap_mpy_bytes (the engine plus the blocking client), coap_codec_mpy_bytes,
  coap_lib_mpy_bytes, coap_aio_mpy_bytes, coap_cli_mpy_bytes: .mpy sizes, xtensawin and
  with _armv6m and _x64 suffixes (bench/sizes.py).
- client_requests_heap_growth_bytes (10,000 requests, i386 port, 32K),
  client_roundtrip_loopback_us, client_aio_*, aiocoap_client_roundtrip_loopback_us: the
  client against libcoap's server on loopback (bench/client.py).
- With MICROCOAPY=/dir/containing/microcoapy: the same work with microCoAPy
  (bench/microcoapy_roundtrip.py): microcoapy_roundtrip_us, microcoapy_roundtrip_alloc_bytes
  and speedup (microCoAPy time / ours).
- codec_roundtrip_m0_instructions and more: that round trip counted in instructions on the
  Cortex-M0 and RV32 under qemu (bench/cores_m0.py), with MICROCOAPY microCoAPy's too.
- firmware_heap_peak_bytes, firmware_heap_live_{first,steady,max}_bytes,
  firmware_heap_free_median_{early,late}_bytes: the firmware as .mpy on the stock unix port
  over 10,000 fast periods in a capped heap (bench/firmware_heap.py); with
  FROZEN_MICROPYTHON=binary (a unix port with firmware/manifest_unix.py frozen in) the same
  as firmware_frozen_heap_*; firmware_heap_serving_i386: the steady heap on the i386 port
  with config "serve" on (lib/app/serve.py, coap.server: 64K).
- heap_module_<module>_bytes, heap_qstr_bytes, heap_state_bytes: what each firmware module
  holds of the i386 port's steady heap (code and globals; the qstrs apart), and the state
  beyond them (bench/heap_by_module.py).
- server_requests_per_s_i386 (`coap serve --plugtest` on the i386 port),
  server_requests_per_s_aiocoap_cpython and with MICROCOAPY
  server_requests_per_s_microcoapy_i386: GET /test, CON, one client on loopback, the servers
  side by side in one run; server_heap_growth_bytes and server_heap_growth_2_bytes: the
  server's heap over 10,000 mixed requests and 10,000 more (i386; bench/server.py).
- soak_days, soak_readings, soak_readings_lost, soak_readings_dropped, soak_wdt_overruns,
  soak_heap_growth_bytes, soak_real_s, soak_heap_bytes: the firmware for 30 days of
  virtual time on the i386 port, a reading a minute, against seeded random faults
  (bench/soak.py, host_tests/vworld).
- On the RP2040 (the rp2 port in rp2040js, cycle counts; bench/cores_rp2.py):
  codec_roundtrip_rp2040_cycles (and _fresh_), firmware_rp2_heap_free_{boot,steady}_bytes,
  and with MICROCOAPY microcoapy_roundtrip_rp2040_cycles and speedup_rp2040; the Pico W
  image a user flashes: firmware_picow_uf2_bytes, firmware_picow_heap_free_{boot,steady}_bytes
  (its radio not answering in the emulator).

Figures are reported, never asserted.
"""

import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
LIB = os.path.join(ROOT, "lib")
PROCESSES = 5


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
    figures += [ours["codec_encode_us"], ours["codec_decode_us"]]
    sys.path.insert(0, BENCH)
    import sizes

    figures += sizes.run()
    if mc_dir:
        mc = results[1]
        figures += [mc["microcoapy_roundtrip_us"], mc["microcoapy_roundtrip_alloc_bytes"]]
        speedup = mc["microcoapy_roundtrip_us"]["value"] / ours["codec_roundtrip_us"]["value"]
        figures.append({"name": "speedup", "value": round(speedup, 2), "unit": "x"})
    for f in figures:
        print(json.dumps({"name": f["name"], "value": f["value"], "unit": f["unit"]}))
    sys.stdout.flush()
    import client
    import cores_m0
    import cores_rp2
    import heap_by_module
    import server
    import soak
    from firmware_heap import run as firmware_heap

    heap = firmware_heap() + firmware_heap(port="i386")
    for f in firmware_heap(port="i386", serve=True):  # config "serve" on: its steady heap
        if f["name"] == "firmware_heap_serving_live_steady_bytes_i386":
            heap.append(dict(f, name="firmware_heap_serving_i386"))
    frozen = os.environ.get("FROZEN_MICROPYTHON")
    if frozen:
        heap += firmware_heap(frozen=os.path.abspath(frozen))
    heap += heap_by_module.run()[0]  # what each module holds of it (i386),
    heap += client.run()  # the client on loopback,
    heap += server.run()  # the server on loopback, beside aiocoap's and microCoAPy's,
    heap += cores_m0.run()  # instructions on the qemu cores,
    heap += cores_rp2.run()  # the RP2040's figures (the rp2 port in rp2040js), printed alike
    heap += soak.run()  # 30 days in virtual time (i386)
    for f in heap:
        print(json.dumps(f))
    figures += heap

    by = {f["name"]: f for f in figures}
    lines = [
        "codec round trip (113-byte CON POST, unix port): %.2f us, %d bytes allocated"
        % (by["codec_roundtrip_us"]["value"], by["codec_roundtrip_alloc_bytes"]["value"]),
        sizes.summary(by),
        client.summary(by),
        server.summary(by),
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
    lines.append(cores_m0.summary(by))
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
    lines.append(soak.summary(by))
    print("\n".join("# " + s for s in lines), file=sys.stderr)


if __name__ == "__main__":
    main()
