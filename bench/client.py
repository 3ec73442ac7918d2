"""The client on loopback (bench/client_loop.py, bench/aiocoap_loop.py) against libcoap's
coap-server-notls, GET / answered piggybacked:

- client_requests_heap_growth_bytes: the blocking client, as .mpy (x86), 10,000 requests on
  the i386 port in -X heapsize=32K: free heap after a collection at request 100 minus at
  the last (goal 0); client_aio_requests_heap_growth_bytes the same for the asyncio client,
  in 48K (MicroPython's asyncio needs more than 32K beside it)
- client_roundtrip_loopback_us (blocking), client_aio_roundtrip_loopback_us: per request,
  best of RUNS runs of N, on the x64 unix port; _i386 on the i386 port
- aiocoap_client_roundtrip_loopback_us: aiocoap's client on CPython, the same work

    run() -> [{"name", "value", "unit", "note"}, ...]
"""

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
sys.path[:0] = [os.path.join(ROOT, "host_tests"), os.path.join(ROOT, "lib")]

from coap_servers import LibcoapServer  # noqa: E402
from fw_harness import MICROPYTHON, build_firmware, micropython_for  # noqa: E402

N = 2000
RUNS = 5
HEAP_N = 10000


def _figures(argv, env=None):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env, check=False)
    if r.returncode:
        sys.exit("bench: %s failed:\n%s%s" % (" ".join(argv), r.stdout, r.stderr))
    return {f["name"]: f["value"] for f in map(json.loads, r.stdout.split("\n")[:-1])}


def run():
    out = []
    loop = os.path.join(BENCH, "client_loop.py")
    with LibcoapServer() as srv, tempfile.TemporaryDirectory() as tmp:
        build = build_firmware(tmp, "x86")  # lib as .mpy for the i386 port (x86 viper)
        subprocess.run([os.path.join(os.path.dirname(MICROPYTHON), "mpy-cross"), "-O2",
                        "-march=x86", "-o", os.path.join(build, "coap", "aio.mpy"),
                        "coap/aio.py"], cwd=os.path.join(ROOT, "lib"), check=True)  # fmt: skip
        i386 = micropython_for("i386")
        env = dict(os.environ, MICROPYPATH=build + ":.frozen")
        port = str(srv.port)
        for front, heap, name in (
            ("blocking", "32K", "client_requests_heap_growth_bytes"),
            ("aio", "48K", "client_aio_requests_heap_growth_bytes"),
        ):
            f = _figures([i386, "-X", "heapsize=" + heap, loop, front, port, str(HEAP_N), "1"],
                         env)  # fmt: skip
            out.append(
                {
                    "name": name,
                    "value": f["heap_growth_bytes"],
                    "unit": "bytes",
                    "note": "%d requests, i386 port, -X heapsize=%s" % (HEAP_N, heap),
                }
            )
        src = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "lib") + ":.frozen")
        for mp, suffix in ((MICROPYTHON, ""), (i386, "_i386")):
            for front, name in (("blocking", "client"), ("aio", "client_aio")):
                f = _figures([mp, loop, front, port, str(N), str(RUNS)], src)
                out.append({"name": "%s_roundtrip_loopback_us%s" % (name, suffix),
                            "value": f["client_roundtrip_us"], "unit": "us"})  # fmt: skip
        f = _figures([sys.executable, os.path.join(BENCH, "aiocoap_loop.py"), port, str(N),
                      str(RUNS)])  # fmt: skip
        out.append(
            {
                "name": "aiocoap_client_roundtrip_loopback_us",
                "value": f["client_roundtrip_us"],
                "unit": "us",
                "note": "CPython",
            }
        )
    return out


def summary(by):
    return (
        "client on loopback (libcoap server): blocking %.1f us, asyncio %.1f us per request "
        "(i386: %.1f / %.1f), aiocoap on CPython %.1f us; heap growth over %d requests: %d "
        "bytes (blocking, 32K), %d (asyncio, 48K)"
        % (tuple(by[n]["value"] for n in (
            "client_roundtrip_loopback_us", "client_aio_roundtrip_loopback_us",
            "client_roundtrip_loopback_us_i386", "client_aio_roundtrip_loopback_us_i386",
            "aiocoap_client_roundtrip_loopback_us")) + (HEAP_N,) + tuple(
            by[n]["value"] for n in ("client_requests_heap_growth_bytes",
                                     "client_aio_requests_heap_growth_bytes")))
    )  # fmt: skip


if __name__ == "__main__":
    for f in run():
        print(json.dumps(f))
