"""The firmware on the virtual board (tools/vboard), which has what the plain unix port lacks:
hard resets, a real watchdog (machine.WDT resets the board when not fed) and deep sleep
(machine.deepsleep resets it with DEEPSLEEP_RESET). The flash is prepared as `make deploy`
leaves it: boot.py, main.py, boards/, lib/ (.mpy) and config.json.

Deploying into the running firmware (issue 10): the board is as slow as an ESP32 devkit's
USB-UART bridge (BAUD), so copying the firmware takes longer than its 8 s watchdog, which
runs on across soft resets as on rp2 and ESP32 (sticky_wdt): only a deploy through safe
mode gets the copy done."""

import json
import os
import re
import shutil
import subprocess
import sys
import time

import procs
import pytest
from fw_harness import ROOT, fast_config, fixture_fw_build, micropython_for, token_of

from vboard.testing import Terminal, VirtualBoard

fw_build = fixture_fw_build
# host time over a slow virtual UART (50 s a port): x64's run in make test-all
pytestmark = pytest.mark.x64_in_test_all


def flash_with_firmware(build, flash, cfg):
    os.makedirs(os.path.join(flash, "boards"))
    for f in (
        "boot.py",
        "main.py",
        "boards/__init__.py",
        "boards/unix.py",
        "boards/unix_extra.py",
    ):
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


BAUD = 115200
WDT_MS = 8000  # the Pico W's longest; an ESP32's default is 30 s
WDT_RESET = "rst:0x7 (TG0WDT_SYS_RESET)"  # what the virtual board prints for one


def running_board(sim, fw_build, fw_port, tmp_path, **kw):
    """A virtual board (not started yet) with the firmware in its flash: period 0.3 s,
    watchdog WDT_MS. (board, its flash, the config)."""
    flash = str(tmp_path / "flash")
    cfg = fast_config(sim.url, sim.new_codes(1)[0], period_s=0.3, watchdog_ms=WDT_MS)
    flash_with_firmware(fw_build, flash, cfg)
    # left by an older firmware: the deploy replaces lib/app as a whole
    open(os.path.join(flash, "lib", "app", "retired.py"), "w").close()
    board = VirtualBoard(flash, micropython=micropython_for(fw_port), sticky_wdt=True, **kw)
    return board, flash, cfg


def deploy_tree(fw_build, tmp_path, cfg):
    """What `make deploy` copies: the .mpy libraries (as build/lib) and a new config."""
    lib = tmp_path / "new" / "lib"
    for p in ("app", "coap", "thethings"):
        shutil.copytree(os.path.join(fw_build, p), lib / p)
    config = tmp_path / "new" / "config.json"
    config.write_text(json.dumps(dict(cfg, period_s=0.4)))  # "every 400 ms" once it runs
    return lib, config


def deploy_cmd(board, lib, config, *extra):
    cmd = [sys.executable, os.path.join(ROOT, "tools", "deploy.py"), "--port", board.port]
    cmd += ["--board", "unix", "--root", ROOT, "--lib", str(lib), "--config", str(config)]
    return cmd + list(extra)


def deploy(board, lib, config):
    """Run the deploy to its end: (its result, seconds)."""
    t = time.monotonic()
    r = procs.run(deploy_cmd(board, lib, config), timeout=90)
    return r, time.monotonic() - t


def seconds(said, out):
    """The figure of a deploy line: "deploy: copied in 11.4 s; ..." -> 11.4."""
    return float(re.search(re.escape(said) + r" ([0-9.]+) s", out).group(1))


def files(top):
    return sorted(
        os.path.relpath(os.path.join(d, n), top) for d, _, names in os.walk(top) for n in names
    )


def same(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def check_deployed(flash, lib, config):
    assert files(os.path.join(flash, "lib")) == files(lib)  # retired.py gone
    for rel in files(lib):
        assert same(os.path.join(lib, rel), os.path.join(flash, "lib", rel)), rel
    for rel in (
        "boot.py",
        "main.py",
        "boards/__init__.py",
        "boards/unix.py",
        "boards/unix_extra.py",
    ):
        assert same(os.path.join(ROOT, rel), os.path.join(flash, rel)), rel
    with open(os.path.join(flash, "config.json")) as f:
        assert f.read() == config.read_text()
    assert not os.path.exists(os.path.join(flash, "SAFE"))  # out of safe mode again
    assert not os.path.exists(os.path.join(flash, "resetby"))  # taken by the boot after


def test_deploy_into_the_running_firmware_beats_its_watchdog(sim, fw_build, fw_port, tmp_path):
    board, flash, cfg = running_board(sim, fw_build, fw_port, tmp_path, baud=BAUD)
    lib, config = deploy_tree(fw_build, tmp_path, cfg)
    with board:
        board.wait_for_output("#3 ", timeout=30)
        assert "wdt %d ms" % WDT_MS in board.output()
        token = token_of(flash)
        mark = board.mark()
        r, took = deploy(board, lib, config)
        assert r.returncode == 0, r.stdout + r.stderr
        # the new firmware runs, and names the reset it came from
        i = board.wait_for_output("(deploy): ", after=mark, timeout=20)
        board.wait_for_output("#2 ", after=i, timeout=20)
        out = board.output()[mark:]
    print("deploy into the running board: %.1f s (%s)" % (took, fw_port))
    # Only the first step ran under the watchdog, briefly; the copy alone outlasted it.
    assert seconds("SAFE written and reset in", r.stdout) < 2
    assert seconds("copied in", r.stdout) > WDT_MS / 1000
    assert WDT_RESET not in out, out[-3000:]
    # interrupted (told how long the watchdog leaves), reset into safe mode, copied in it
    # without a watchdog, reset into the new firmware: two resets, both the deploy's
    assert "main.py: interrupted; the watchdog resets the board in " in out
    assert out.count("SAFE MODE (file SAFE present)") == 1
    assert out.count("rst:") == 2
    assert "every 400 ms" in out[out.index("(deploy): ") :]  # the new config.json
    check_deployed(flash, lib, config)
    assert token_of(flash) == token and len(sim.things()) == 1  # not re-activated


def test_without_safe_mode_the_watchdog_cuts_the_copy_and_a_safe_deploy_recovers(
    sim, fw_build, fw_port, tmp_path
):
    board, flash, cfg = running_board(sim, fw_build, fw_port, tmp_path, baud=BAUD)
    lib, config = deploy_tree(fw_build, tmp_path, cfg)
    with board:
        board.wait_for_output("#3 ", timeout=30)
        mark = board.mark()
        # one session, under the watchdog (how mpremote then fails varies: stopped there)
        p = procs.popen(deploy_cmd(board, lib, config, "--no-safe"), stdout=subprocess.DEVNULL)
        try:
            board.wait_for_output(WDT_RESET, after=mark, timeout=WDT_MS / 1000 + 5)
            assert p.poll() in (None, 1)  # not done: cut short
        finally:
            procs.stop(p)
        # It left half a firmware (which fails to import, resets, again): a safe deploy
        # still gets in.
        assert [f for f in files(lib) if not os.path.exists(os.path.join(flash, "lib", f))]
        mark = board.mark()
        r, _ = deploy(board, lib, config)
        assert r.returncode == 0, r.stdout + r.stderr
        board.wait_for_output("(deploy): ", after=mark, timeout=20)
    check_deployed(flash, lib, config)


def test_ctrl_c_tells_when_the_watchdog_resets_and_how_to_stay(sim, fw_build, fw_port, tmp_path):
    board, flash, _ = running_board(sim, fw_build, fw_port, tmp_path)
    with board:
        board.wait_for_output("#2 ", timeout=30)
        mark = board.mark()
        with Terminal.open_port(board.port) as t:  # a person at the REPL: Ctrl-C
            t.send(b"\x03")
            i = t.expect("main.py: interrupted; the watchdog resets the board in ")
            at = time.monotonic()
            i = t.expect(b"\r\n>>> ", after=i)
        said = t.data.decode()
        n = int(re.search(r"resets the board in (\d+) s", said).group(1))
        assert n in (WDT_MS // 1000 - 1, WDT_MS // 1000), said  # fed within the last period
        stay = "mpremote exec \"open('SAFE','w').close()\" + reset"
        assert stay in said and "mpremote rm :SAFE + reset to run again" in said, said
        # the watchdog goes off when it said (what was left: n s and a fraction)
        board.wait_for_output(WDT_RESET, after=mark, timeout=n + 3)
        assert n - 0.5 < time.monotonic() - at < n + 1.5
        board.wait_for_output("firmware on unix", after=mark, timeout=20)
        # What it says to do: safe mode (no firmware, so no watchdog); then running again.
        mark = board.mark()
        board.mpremote("exec", "open('SAFE','w').close()", "+", "reset")
        board.wait_for_output("SAFE MODE (file SAFE present)", after=mark, timeout=10)
        mark = board.mark()
        board.mpremote("rm", ":SAFE", "+", "reset")
        board.wait_for_output("firmware on unix", after=mark, timeout=20)
