"""The firmware's loop runs 10,000 fast periods (8 ms, a write and a notification in each)
on the stock MicroPython unix port, its code as .mpy files (as `make deploy` puts it on a
board, so the code itself lives in the heap), in a capped heap, with no growth of the heap:
after each period's gc.collect() the free heap (the reading's heap_free value) is as large
late in the run as early on. The figures are printed (`make bench` reports the same run,
bench/firmware_heap.py).

It runs on both ports (fw_port). HEAP is the cap of each (see below): on the 64-bit port
72K, which holds the firmware's code too; on the i386 port, a 32-bit MicroPython as the
boards are, 44K (the figure a board sees: the steady live heap is 36,240 bytes there, so
about 8 KB are left for a period's garbage, and for a backlog's flush: the outbox's code,
a batch's payload, the datagrams). The live heap is reported as live_* below. A backlog
mid-run drains in the same heap (test_backlog_mid_run_drains_in_the_heap).
"""

import json
import os

import pytest
from fw_harness import fixture_fw_build, heap_run, micropython_for, outbox_of

fw_build = fixture_fw_build

# The engine of issue 9 and issue 10's work took the i386 steady heap to 39.1 KB and the cap
# to 48K; issue 14 took it back to 36.2 KB, and 44K holds a backlog's flush again since
# app.outbox delivers each batch's notification before the next batch (4 of them waiting
# beside the exchange had left no room for a datagram: the backlog never drained).
HEAP = {"x64": "72K", "i386": "44K"}
PERIODS = 10000
PERIOD = 0.008


def pct(xs, q):
    xs = sorted(xs)
    return xs[int(q * (len(xs) - 1))]


def figures(stats, free, heap):
    """The run's heap figures (bench/firmware_heap.py prints the same)."""
    early = free[500:2500]
    late = free[-2000:]
    return {
        "heap": heap,
        "periods": stats["periods"],
        "sent": stats["sent"],
        "queued": stats["queued"],
        "live_first": stats["heap_first"],  # period 1, before the client exists
        "live_last": stats["heap_last"],  # the steady state
        "live_max": stats["heap_max"],
        "peak": stats["heap_peak"],  # before a period's collection: live + garbage
        "free_median_early": pct(early, 0.5),
        "free_median_late": pct(late, 0.5),
        "free_p10_early": pct(early, 0.1),
        "free_p10_late": pct(late, 0.1),
        "free_max_early": max(early),
        "free_max_late": max(late),
        "late_max_ms": stats["late_max_ms"],
    }


@pytest.mark.x64_in_test_all  # 80 s of host time a port: x64's run in make test-all
def test_heap_no_growth_over_10000_periods(tmp_path, fw_build, fw_port):
    heap = HEAP[fw_port]
    mp = micropython_for(fw_port)
    stats, free, srv = heap_run(fw_build, str(tmp_path), heap, PERIODS, PERIOD, micropython=mp)
    f = figures(stats, free, heap)
    print("heap %s %s" % (fw_port, json.dumps(f)))
    assert stats["periods"] == PERIODS
    # No growth: the typical free heap after a collection late in the run is the early one
    # (within 4 GC blocks); a leak of even a few bytes a period would take 2 KB over the
    # 8,000 periods between the two windows. Single periods dip while readings wait in the
    # outbox (a loaded host sometimes misses a 4 ms deadline) or rise when a stale pointer
    # lets go: how often is the host's doing, so the tails are reported, not judged.
    assert f["free_median_late"] >= f["free_median_early"] - 128, f
    # most periods send their reading at once (the others catch up from the outbox)
    assert stats["sent"] + stats["queued"] == PERIODS and stats["sent"] > PERIODS // 2
    assert srv.activations == 1 and srv.notifications >= PERIODS // 2


@pytest.mark.x64_in_test_all
def test_backlog_mid_run_drains_in_the_heap(tmp_path, fw_build, fw_port):
    # The server silent for 1 s once it stored 150 writes: about 125 readings queue in the
    # outbox mid-run (below its 200: none dropped), the subscription on, and the flush of
    # the backlog must then go through in this heap. Each flushed batch is notified to the
    # subscription; those notifications, left in the client until the flush ended, split the
    # free heap at 44K on i386 and the backlog never drained (its flush failing on
    # MemoryError from then on: the outbox full, readings dropped).
    heap = HEAP[fw_port]
    flash = str(tmp_path / "flash")
    os.makedirs(flash)
    periods = 600
    stats, _, srv = heap_run(fw_build, flash, heap, periods, PERIOD,
                             micropython=micropython_for(fw_port), outage=(150, 1.0))  # fmt: skip
    print("backlog %s %s unanswered %d" % (fw_port, json.dumps(stats), srv.unanswered))
    assert stats["periods"] == periods
    assert srv.unanswered > 0 and stats["queued"] >= 50, stats  # the outage made a backlog
    # drained: every queued reading flushed, the flash's outbox empty, nothing dropped, and
    # the server stored every reading (one twice when its ACK came after the firmware gave up)
    assert stats["flushed"] == stats["queued"] and outbox_of(flash) == [], stats
    assert not os.path.exists(os.path.join(flash, "dropped")), stats
    assert stats["sent"] + stats["queued"] == periods <= srv.readings, (stats, srv.readings)
