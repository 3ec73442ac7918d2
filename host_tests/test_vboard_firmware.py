"""Issue 5 end to end: `make deploy PORT=build/vboard0` puts the real firmware on the virtual
board, leaves the thing token and the outbox in its flash alone, and after the reset the
firmware starts on its own and writes to the local theThings.IO emulator."""

import json
import os

import procs
from fw_harness import ARCH, micropython_for

from thethings_sim.testing import SimServer
from vboard.testing import VirtualBoard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUEUED_MS = 1700000000000  # 2023-11-14T22:13:20Z: a reading queued before this deploy


def test_make_deploy_runs_the_firmware_on_the_virtual_board(tmp_path, fw_port):
    with SimServer(codes=1, log_requests=False) as sim:
        token = sim.activate()  # a device provisioned earlier: its token already in flash
        flash = tmp_path / "flash"
        (flash / "outbox").mkdir(parents=True)
        (flash / "token").write_text(token)
        queued = json.dumps({"t": QUEUED_MS, "v": [["queued", 42]]})
        (flash / "outbox" / "00000001").write_text(queued)
        config = tmp_path / "config.json"
        config.write_text(
            json.dumps(
                {
                    "server": "coap://127.0.0.1:%d" % sim.port,
                    "activation_code": sim.new_codes(1)[0],  # must stay unused
                    "period_s": 0.5,
                    "wifi": {"ssid": "none", "password": ""},
                    "subscribe": False,
                    "coap": {"ack_timeout_ms": 200},
                }
            )
        )
        with VirtualBoard(flash, micropython=micropython_for(fw_port)) as board:
            r = procs.run(
                ["make", "--no-print-directory", "deploy", "PORT=" + board.port, "BOARD=unix",
                 "ARCH=" + ARCH[fw_port], "CONFIG=" + str(config)],
                cwd=ROOT, timeout=300,
            )  # fmt: skip
            assert r.returncode == 0, r.stdout + r.stderr
            for path in (
                "boot.py",
                "main.py",
                "config.json",
                "boards/unix.py",
                "lib/coap/client.mpy",
                "lib/thethings/thing.mpy",
                "lib/app/app.mpy",
            ):
                assert (flash / path).is_file(), path  # fmt: skip
            assert not (flash / "lib" / "coap" / "client.py").exists()  # .mpy, not source

            def delivered():
                recs = sim.records(token)
                return any(x["key"] == "queued" for x in recs) and len(recs) >= 4

            sim.wait_for(delivered, timeout=60)
            out = board.output()
        recs = sim.records(token)
        q = [x for x in recs if x["key"] == "queued"]
        assert len(q) == 1 and q[0]["value"] == 42, q
        assert q[0]["datetime"].startswith("2023-11-14T22:13:20"), q  # its original time
        assert (flash / "token").read_text().strip() == token  # never re-provisioned
        assert len(sim.things()) == 1, "the firmware activated again"
        assert token not in out, "a whole token in the board's output"
