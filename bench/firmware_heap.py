"""The firmware's heap over 10,000 fast periods (8 ms: a write and a notification each) on
the stock unix port with the firmware as .mpy (its code in the heap), in the heap of
host_tests/test_firmware_heap.py (HEAP), one JSON line per figure like bench/run.py's:

    {"name": "firmware_heap_peak_bytes", "value": 55104, "unit": "bytes", ...}

- firmware_heap_peak_bytes: the most the heap held, measured before a period's collection
  (live data and code plus a period's garbage);
- firmware_heap_live_first_bytes (period 1, before the CoAP client exists),
  firmware_heap_live_steady_bytes (the last period), firmware_heap_live_max_bytes: the heap
  after a period's gc.collect();
- firmware_heap_free_median_early_bytes / _late_bytes: the median free heap after the
  collection over periods 500-2500 and over the last 2000 (equal: no growth).

With FROZEN_MICROPYTHON=path, a unix-port binary built with firmware/manifest_unix.py
frozen in (the code then outside the heap, as on a board with a custom image), the same run
again on it in a 32K heap, as firmware_frozen_heap_* (only main.py is loaded from files).

    .venv/bin/python bench/firmware_heap.py [periods]
"""

import json
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "host_tests"), os.path.join(ROOT, "lib")]

from fw_harness import ARCH, build_firmware, heap_run, micropython_for  # noqa: E402
from test_firmware_heap import HEAP, PERIOD, figures  # noqa: E402

FROZEN = os.environ.get("FROZEN_MICROPYTHON")
NAMES = (
    ("firmware_heap_peak_bytes", "peak"),
    ("firmware_heap_live_first_bytes", "live_first"),
    ("firmware_heap_live_steady_bytes", "live_last"),
    ("firmware_heap_live_max_bytes", "live_max"),
    ("firmware_heap_free_median_early_bytes", "free_median_early"),
    ("firmware_heap_free_median_late_bytes", "free_median_late"),
)


FROZEN_HEAP = "32K"


SERVING_HEAP = "64K"  # serve on: coap.server's and app.serve's code beside the rest


def run(periods=10000, port="x64", frozen=None, serve=False):
    """The figures as bench/run.py's dicts, on port "x64" or "i386" (names end in _i386), or
    with frozen=binary (FROZEN_MICROPYTHON) the code frozen into that image. serve: config
    "serve" on (lib/app/serve.py), in SERVING_HEAP: firmware_heap_serving_*."""
    suffix = "" if port == "x64" else "_" + port
    with tempfile.TemporaryDirectory() as tmp:
        if frozen:
            build, heap, prefix = os.path.join(tmp, "main"), FROZEN_HEAP, "firmware_frozen_heap"
            os.mkdir(build)
            shutil.copy(os.path.join(ROOT, "main.py"), build)
            note = "frozen into a unix-port image (firmware/manifest_unix.py)"
            mp = frozen
        else:
            build = build_firmware(os.path.join(tmp, "mpy"), ARCH[port])
            heap, prefix = HEAP[port], "firmware_heap"
            note = ".mpy on the %s unix port" % port
            mp = micropython_for(port)
            if serve:
                heap, prefix = SERVING_HEAP, "firmware_heap_serving"
                note += ", serve on"
        flash = os.path.join(tmp, "flash")
        stats, free, _ = heap_run(build, flash, heap, periods, period=PERIOD, micropython=mp,
                                  serve=serve)  # fmt: skip
    f = figures(stats, free, heap)
    note += ", -X heapsize=%s, %d periods" % (heap, stats["periods"])
    return [
        {
            "name": n.replace("firmware_heap", prefix) + suffix,
            "value": f[k],
            "unit": "bytes",
            "note": note,
        }
        for n, k in NAMES
    ]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    out = run(n) + run(n, "i386") + (run(n, frozen=FROZEN) if FROZEN else [])
    for line in out:
        print(json.dumps(line), flush=True)
