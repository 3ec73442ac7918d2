"""The firmware on the virtual board (tools/vboard), which has what the plain unix port lacks:
hard resets, a real watchdog (machine.WDT resets the board when not fed) and deep sleep
(machine.deepsleep resets it with DEEPSLEEP_RESET). The flash is prepared as `make deploy`
leaves it: boot.py, main.py, boards/, lib/ (.mpy) and config.json."""

import json
import os
import shutil

from fw_harness import ROOT, fast_config, fixture_fw_build, micropython_for, token_of

from vboard.testing import VirtualBoard

fw_build = fixture_fw_build


def flash_with_firmware(build, flash, cfg):
    os.makedirs(os.path.join(flash, "boards"))
    for f in ("boot.py", "main.py", "boards/__init__.py", "boards/unix.py"):
        shutil.copy(os.path.join(ROOT, f), os.path.join(flash, f))
    shutil.copytree(os.path.join(build, "app"), os.path.join(flash, "lib", "app"))
    shutil.copytree(os.path.join(build, "coap"), os.path.join(flash, "lib", "coap"))
    shutil.copytree(os.path.join(build, "thethings"), os.path.join(flash, "lib", "thethings"))
    with open(os.path.join(flash, "config.json"), "w") as f:
        json.dump(cfg, f)


def test_deep_sleep_between_readings(sim, fw_build, fw_port, tmp_path):
    flash = str(tmp_path / "flash")
    cfg = fast_config(sim.url, sim.new_codes(1)[0], period_s=0.5, deepsleep=True)
    flash_with_firmware(fw_build, flash, cfg)
    with VirtualBoard(flash, micropython=micropython_for(fw_port)) as board:
        board.wait_for_output("#4 ", timeout=60)
        out = board.output()
    token = token_of(flash)
    # each period ends in deep sleep; the board boots again for the next one, the period
    # count carried over in RTC memory (emulated by .rtcmem on the virtual board)
    assert out.count("deepsleep ") >= 3, out
    assert "(deepsleep)" in out and "#2 " in out and "#3 " in out
    assert len(sim.things()) == 1  # activated once, in the first boot only
    assert len(sim.records(token, "temperature")) >= 4


def test_watchdog_is_fed_and_safe_file_stops_a_crash_loop(sim, fw_build, fw_port, tmp_path):
    flash = str(tmp_path / "flash")
    cfg = fast_config(sim.url, sim.new_codes(1)[0], period_s=0.2, watchdog_ms=1500)
    flash_with_firmware(fw_build, flash, cfg)
    mp = micropython_for(fw_port)
    with VirtualBoard(flash, micropython=mp) as board:
        board.wait_for_output("#12 ", timeout=60)  # 2.4 s: the 1.5 s watchdog was fed
        assert board.output().count("rst:") == 1 and "WDT" not in board.output()
        # a broken outbox: the firmware crashes at start, resets after 1 s, crashes again...
    os.remove(os.path.join(flash, "token"))
    shutil.rmtree(os.path.join(flash, "outbox"))
    with open(os.path.join(flash, "outbox"), "w") as f:
        f.write("not a directory")
    with VirtualBoard(flash, micropython=mp) as board:
        board.wait_for_output("crash #2", timeout=30)
        # ... until a SAFE file (mpremote cp SAFE :) makes main.py skip the application
        board.mpremote("exec", "open('SAFE', 'w').close()")
        board.mpremote("reset", check=False)
        board.wait_for_output("SAFE MODE (file SAFE present)", timeout=30)
