"""The outbox index (app.store) on the MicroPython unix port: holes left by unreadable
readings are skipped and counted, a restart over an outbox with gaps finds every reading,
a full outbox drops the oldest. The scenario is host_tests/fw_mp/store_outbox.py."""

import json

from fw_harness import run_mp


def test_outbox_holes_gaps_and_overflow(tmp_path, fw_port):
    out = run_mp("store_outbox.py", tmp_path, timeout=60, port=fw_port)
    r = json.loads(out.strip().splitlines()[-1])
    assert r["failures"] == []
    assert r["checks"] >= 12
