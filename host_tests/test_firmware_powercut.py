"""A power cut at every block write of the firmware's flash state (token, outbox, dropped
counter) on littlefs (os.VfsLfs2 over a RAM block device, in the MicroPython unix port):
after each cut the state is one the firmware can go on from, and nothing is corrupted.
The scenario and the checks are in host_tests/fw_mp/powercut.py."""

import json

from fw_harness import run_mp


def test_power_cut_at_every_write_corrupts_nothing(fw_port):
    out = run_mp("powercut.py", port=fw_port, heapsize="4M")  # RAM block device copies
    r = json.loads(out.strip().splitlines()[-1])
    print("power cut: %(ops)d operations, %(writes)d block writes, %(cuts)d cuts" % r)
    assert r["writes"] >= 40 and r["cuts"] == 2 * r["writes"]  # clean and torn, each write
    assert r["failures"] == []
