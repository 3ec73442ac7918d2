"""The firmware's heap over 10,000 fast periods (4 ms: a write and a notification each), one
JSON line per figure, like bench/run.py's:

    {"name": "firmware_heap_peak_bytes", "value": 26848, "unit": "bytes", ...}

- firmware_heap_peak_bytes: the largest live heap after a period's gc.collect(), with the
  firmware frozen into the unix port (build/micropython-frozen, `make unix-frozen`) in
  `micropython -X heapsize=64K`, as a board image runs it; firmware_heap_first_bytes at
  period 1 (before the CoAP client exists), firmware_heap_last_bytes at the end (equal to
  the steady state: no growth), firmware_heap_period_garbage_bytes the most a period
  allocated between two collections (bounded by the heap: the collector runs when full).
- The same with the stock unix port and the firmware as .mpy (its code in the heap), in
  96 KB: firmware_mpy_heap_peak_bytes, ... (the code alone takes about 50 KB on this
  64-bit port). Without build/micropython-frozen only these are reported.

    .venv/bin/python bench/firmware_heap.py [periods]
"""

import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "host_tests"), os.path.join(ROOT, "lib")]

from fw_harness import build_firmware, heap_run  # noqa: E402

FROZEN = os.path.join(ROOT, "build", "micropython-frozen")


def figures(prefix, stats, note):
    for name, key in (
        ("heap_peak_bytes", "heap_max"),
        ("heap_first_bytes", "heap_first"),
        ("heap_last_bytes", "heap_last"),
        ("heap_period_garbage_bytes", None),
    ):
        v = stats[key] if key else stats["heap_peak"] - stats["heap_last"]
        line = {"name": prefix + name, "value": v, "unit": "bytes", "note": note}
        print(json.dumps(line), flush=True)


def main(periods=10000):
    with tempfile.TemporaryDirectory() as tmp:
        build = build_firmware(os.path.join(tmp, "mpy"))
        if os.access(FROZEN, os.X_OK):
            flash = os.path.join(tmp, "flash-frozen")
            stats, _, _ = heap_run(
                build, flash, "64K", periods, micropython=FROZEN, path=".frozen:" + build
            )
            figures("firmware_", stats, "frozen unix port, 64 KB heap, %d periods" % periods)
        else:
            print("firmware_heap: build/micropython-frozen missing (make unix-frozen)",
                  file=sys.stderr)  # fmt: skip
        stats, _, _ = heap_run(build, os.path.join(tmp, "flash-mpy"), "96K", periods)
        figures("firmware_mpy_", stats, ".mpy on the stock unix port, 96 KB heap")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
