"""boards/esp32.py, boards/picow.py and boards/pico.py without the hardware: imported by the
MicroPython unix port over fakes of machine, network, esp32, rp2, ntptime and time (with
ESP32's 2000 epoch), see host_tests/fw_mp/boards_check.py. Every board has the interface the
application uses; the clock is unix ms on either epoch and "not set" before NTP (on the
plain Pico, before the host sets the RTC); WiFi, sensors, watchdog limits, LED and safe pin
behave. Also: each board module compiles for its architecture."""

import json
import os
import subprocess

import procs
from fw_harness import MPY_CROSS, ROOT, micropython_for


def test_esp32_picow_and_pico_boards_over_fake_hardware(fw_port):
    script = os.path.join(ROOT, "host_tests", "fw_mp", "boards_check.py")
    env = dict(os.environ, MICROPYPATH=".frozen")
    p = procs.run([micropython_for(fw_port), script, ROOT], env=env, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads(p.stdout.splitlines()[-1]) == {"failures": []}


def test_board_modules_compile_for_their_targets(tmp_path):
    for name, arch in (
        ("esp32", "xtensawin"),
        ("esp32c3", "rv32imc"),
        ("picow", "armv6m"),
        ("pico", "armv6m"),
        ("mcu", "armv6m"),
        ("unix", "x64"),
    ):
        src = os.path.join(ROOT, "boards", name + ".py")
        out = str(tmp_path / (name + ".mpy"))
        subprocess.run([MPY_CROSS, "-O2", "-march=" + arch, "-o", out, src], check=True)
