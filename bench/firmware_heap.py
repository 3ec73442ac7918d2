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

    .venv/bin/python bench/firmware_heap.py [periods]
"""

import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "host_tests"), os.path.join(ROOT, "lib")]

from fw_harness import build_firmware, heap_run  # noqa: E402
from test_firmware_heap import HEAP, PERIOD, figures  # noqa: E402

NAMES = (
    ("firmware_heap_peak_bytes", "peak"),
    ("firmware_heap_live_first_bytes", "live_first"),
    ("firmware_heap_live_steady_bytes", "live_last"),
    ("firmware_heap_live_max_bytes", "live_max"),
    ("firmware_heap_free_median_early_bytes", "free_median_early"),
    ("firmware_heap_free_median_late_bytes", "free_median_late"),
)


def run(periods=10000):
    """The figures as bench/run.py's dicts."""
    with tempfile.TemporaryDirectory() as tmp:
        build = build_firmware(os.path.join(tmp, "mpy"))
        stats, free, _ = heap_run(build, os.path.join(tmp, "flash"), HEAP, periods, period=PERIOD)
    f = figures(stats, free)
    note = ".mpy on the stock unix port, -X heapsize=%s, %d periods" % (HEAP, stats["periods"])
    return [{"name": n, "value": f[k], "unit": "bytes", "note": note} for n, k in NAMES]


if __name__ == "__main__":
    for line in run(int(sys.argv[1]) if len(sys.argv) > 1 else 10000):
        print(json.dumps(line), flush=True)
