"""Put the firmware on a board with mpremote: `make deploy PORT=... [BOARD=esp32]`.

Writes exactly these, then resets the board:
    build/lib/*                         -> :lib/     (compiled .mpy, from `make mpy`)
    boards/__init__.py, boards/BOARD.py -> :boards/  (and what BOARD.py builds on: mcu.py and
                                                  mcu_extra.py for esp32, picow; picow.py too
                                                  for pico; unix_extra.py for unix)
    boot.py, main.py                    -> :
    CONFIG (default config.json)        -> :config.json
Everything else in flash is left alone, above all the state the firmware keeps there (its
thing token, its outbox, "addr", "crashes"): a redeploy must neither re-provision the device
nor drop queued readings. The packages being deployed are removed from :lib first, because
MicroPython imports a stale `x.py` in preference to a fresh `x.mpy`.

Into a running board, through safe mode. The firmware runs under a hardware watchdog that
nothing stops but a hard reset (Pico W: 8 s at most; ESP32: 30 s by default), and a soft
reset (mpremote's, at the start of each session) leaves it running: a copy that takes
longer than what is left of it is cut short by a reset. So the deploy is two mpremote
sessions, and only the first, a fraction of a second, runs under the watchdog:
    1. interrupt the firmware (Ctrl-C; `resume`: no soft reset), write :SAFE and reset at
       once. boot.py sees SAFE and starts no application, so no watchdog either;
    2. (the board back, safe) check it reset into safe mode, copy as above, remove :SAFE,
       leave "resetby" = "deploy" (the next boot's cause, boards.load()), reset: the new
       firmware runs.
Session 1 also marks the interpreter (a name in sys.modules): session 2 finding the mark, or
no SAFE, means the board did not reset into safe mode (a reset not taken, its watchdog
earlier than SAFE); both sessions are then run again, up to 3 times in all, as when the
board cannot be reached yet. A board already in safe mode, or with no firmware at all (a
fresh MicroPython), takes the same path. Should the copy fail, the board stays in safe mode
with its REPL free: deploy again. `--no-safe` copies in one session without safe mode (a
board that runs no watchdog), as a deploy did before.

Paths are options so tests can deploy a fake project tree to a virtual board.
"""

import argparse
import os
import subprocess
import sys
import time

BOARDS = ("esp32", "esp32c3", "picow", "pico", "unix")
# The board modules a board's module imports: mcu.py (what the MCU boards share) and its
# rarely called methods (mcu_extra.py; unix_extra.py for unix); the plain Pico's is the Pico
# W's without the radio.
_BASES = {
    "esp32": ["mcu.py", "mcu_extra.py"], "esp32c3": ["esp32.py", "mcu.py", "mcu_extra.py"],
    "picow": ["mcu.py", "mcu_extra.py"], "pico": ["picow.py", "mcu.py", "mcu_extra.py"],
    "unix": ["unix_extra.py"],
}  # fmt: skip

# Session 1, under the watchdog: SAFE, the mark (gone with the next reset), then mpremote's
# `reset`. Written for MicroPython.
_ENTER_SAFE = "open('/SAFE','w').close()\nimport sys\nsys.modules['_deploy_mark'] = sys"

# Session 2 first: did the board reset into safe mode? A failure names itself "deploy-check"
# (the deploy then starts again from session 1).
_CHECK = """\
def _check():
    import os, sys
    if '_deploy_mark' in sys.modules:
        raise RuntimeError('deploy-check: the board has not reset')
    try:
        os.stat('/SAFE')
    except OSError:
        raise RuntimeError('deploy-check: no SAFE file: the board reset before it was written')
    if 'app' in sys.modules:
        print('deploy: warning: an application ran after the reset despite SAFE (a boot.py '
              'without safe mode?): a watchdog it started may reset the board mid-copy')
_check()
del _check
"""

# Runs on the board before copying: make the target directories, and remove the deployed
# packages (and .py twins of deployed modules) from /lib. Written for MicroPython.
_PREPARE = """\
def _prepare(stale):
    import os
    def rm(p):
        try:
            m = os.stat(p)[0]
        except OSError:
            return
        if m & 0x4000:
            for n in os.listdir(p):
                rm(p + "/" + n)
            os.rmdir(p)
        else:
            os.remove(p)
    for p in stale:
        rm(p)
    for d in ("/lib", "/boards"):
        try:
            os.mkdir(d)
        except OSError:
            pass
_prepare(%r)
del _prepare
"""

# Session 2 last, once everything is copied: out of safe mode; the reset that follows is
# named "deploy" at the next boot (boards._marked), not "watchdog" (a Pico W's
# machine.reset() is a watchdog reset).
_FINISH = """\
import os
try:
    os.remove('/SAFE')
except OSError:
    pass
if %r:
    with open('/resetby', 'w') as f:
        f.write('deploy')
"""

_SHOWN = {_ENTER_SAFE: "<SAFE, mark>", _CHECK: "<check: safe mode>"}

# What mpremote says when it cannot reach the board or loses it: worth another try.
_TRANSIENT = (
    "deploy-check:", "could not enter raw repl", "failed to access", "no device found",
    "could not exec command", "TransportError", "SerialException", "could not complete",
)  # fmt: skip

ATTEMPTS = 3
BOOT_S = 1.0  # after session 1: time for the board to reset and boot into safe mode
PORT_WAIT_S = 20.0  # a USB serial port is gone while the board resets: wait this long


def _stale_paths(lib):
    """Board paths to clear before copying `lib`: its packages, and its modules' twins."""
    paths = []
    for name in sorted(os.listdir(lib)):
        if os.path.isdir(os.path.join(lib, name)):
            paths.append("/lib/" + name)
        elif name.endswith(".mpy"):
            stem = name[: -len(".mpy")]
            paths += ["/lib/%s.py" % stem, "/lib/%s.mpy" % stem]
    return paths


def _mpremote(mpremote):
    return list(mpremote or [sys.executable, "-m", "mpremote"])


def plan(
    port, board="esp32", root=".", lib=None, config=None, reset=True, mpremote=None, safe=False
):
    """The mpremote argv of the copy of `root` (a checkout) to the board on `port`: one
    session. safe=True: session 2 of a deploy through safe mode (see the top), which first
    checks that the board is in safe mode and ends by taking it out."""
    if board not in BOARDS:
        raise ValueError("BOARD must be one of %s, not %r" % ("|".join(BOARDS), board))
    lib = lib or os.path.join(root, "build", "lib")
    config = os.path.join(root, "config.json") if config is None else config
    boards = ["__init__.py", board + ".py"] + _BASES.get(board, [])
    boards = [os.path.join(root, "boards", n) for n in boards]
    top = [os.path.join(root, "boot.py"), os.path.join(root, "main.py")]
    missing = [p for p in boards + top + [config] if p and not os.path.isfile(p)]
    if missing:
        raise FileNotFoundError("missing: " + ", ".join(missing))
    if not os.path.isdir(lib) or not any(
        f.endswith(".mpy") for _, _, files in os.walk(lib) for f in files
    ):
        raise FileNotFoundError("no .mpy files in %s: run `make mpy` first" % lib)

    cmd = _mpremote(mpremote) + ["connect", port]
    if safe:  # no soft reset: the check looks at the interpreter the reset started
        cmd += ["resume", "exec", _CHECK, "+"]
    cmd += ["exec", _PREPARE % (_stale_paths(lib),)]
    # `cp -r DIR :` copies DIR itself into the root, so build/lib lands at :lib even when
    # :lib exists (`cp -r build/lib :lib` would then nest it as :lib/lib).
    cmd += ["+", "cp", "-r", os.path.normpath(lib), ":"]
    cmd += ["+", "cp"] + boards + [":boards/"]
    cmd += ["+", "cp"] + top + [":"]
    if config:
        cmd += ["+", "cp", config, ":config.json"]
    if safe:
        cmd += ["+", "exec", _FINISH % (bool(reset),)]
    if reset:
        cmd += ["+", "reset"]
    return cmd


def enter_safe(port, mpremote=None):
    """Session 1 (under the watchdog): interrupt, write SAFE, reset."""
    return _mpremote(mpremote) + ["connect", port, "resume", "exec", _ENTER_SAFE, "+", "reset"]


def steps(port, board="esp32", root=".", lib=None, config=None, reset=True, mpremote=None):
    """The two sessions of a deploy through safe mode: [enter_safe, the copy]."""
    copy = plan(port, board, root, lib, config, reset, mpremote, safe=True)
    return [enter_safe(port, mpremote), copy]


def shown(cmd):
    """The argv as a line, the code run on the board by name."""
    out = []
    for a in cmd:
        if "\n" not in a:
            out.append(a)
        elif a in _SHOWN:
            out.append("'%s'" % _SHOWN[a])
        else:
            out.append("'<prepare /lib>'" if "_prepare" in a else "'<leave safe mode>'")
    return " ".join(out)


def _run(cmd):
    """Run one mpremote session, its output passed on; (status, output, seconds)."""
    t = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = []
    for line in iter(p.stdout.readline, b""):
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
        out.append(line)
    rc = p.wait()
    return rc, b"".join(out).decode("utf-8", "replace"), time.monotonic() - t


def _wait_port(port, timeout):
    if os.sep not in port:  # not a device path (COM3, id:..., rfc2217://...): nothing to see
        return
    deadline = time.monotonic() + timeout
    while not os.path.exists(port) and time.monotonic() < deadline:
        time.sleep(0.1)


def _say(msg):
    print("deploy: " + msg, flush=True)


def run_steps(port, sessions, boot_s=BOOT_S, attempts=ATTEMPTS):
    """Run [enter_safe, copy] (see the top); the exit status."""
    enter, copy = sessions
    t0 = time.monotonic()
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            _say("attempt %d of %d" % (attempt, attempts))
        rc, _, s1 = _run(enter)
        if rc:
            _say("could not put the board into safe mode (%.1f s); trying again" % s1)
            time.sleep(boot_s)
            _wait_port(port, PORT_WAIT_S)
            continue
        _say("SAFE written and reset in %.1f s (the step under the watchdog)" % s1)
        time.sleep(boot_s)
        _wait_port(port, PORT_WAIT_S)
        rc, out, s2 = _run(copy)
        if rc == 0:
            _say("copied in %.1f s; done in %.1f s" % (s2, time.monotonic() - t0))
            return 0
        if not any(t in out for t in _TRANSIENT):
            break
        _say("the board was not ready in safe mode (%.1f s); trying again" % s2)
    _say(
        "failed: the board is left in safe mode if it got there (a file SAFE in its flash, "
        "its REPL free): deploy again, or `mpremote rm :SAFE + reset`"
    )
    return 1


def main(argv=None):
    ap = argparse.ArgumentParser(prog="deploy.py", description=__doc__.split("\n")[0])
    ap.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
    ap.add_argument("--board", default="esp32", choices=BOARDS)
    ap.add_argument("--root", default=".", help="project checkout (default: .)")
    ap.add_argument("--lib", help="compiled libraries (default: ROOT/build/lib)")
    ap.add_argument("--config", help="config file, '' to leave the board's (ROOT/config.json)")
    ap.add_argument("--no-reset", action="store_true", help="do not reset after copying")
    ap.add_argument(
        "--no-safe",
        action="store_true",
        help="one session, no safe mode: for a board that runs no watchdog",
    )
    ap.add_argument("--mpremote", help="mpremote command (default: this Python's)")
    ap.add_argument("-n", "--dry-run", action="store_true", help="print the commands only")
    args = ap.parse_args(argv)
    try:
        make = plan if args.no_safe else steps
        cmds = make(
            args.port,
            args.board,
            args.root,
            args.lib,
            args.config,
            reset=not args.no_reset,
            mpremote=args.mpremote.split() if args.mpremote else None,
        )
    except (ValueError, FileNotFoundError) as e:
        print("deploy: %s" % e, file=sys.stderr)
        return 2
    if args.no_safe:
        cmds = [cmds]
    for cmd in cmds:
        print(shown(cmd), flush=True)
    if args.dry_run:
        return 0
    if args.no_safe:
        return subprocess.call(cmds[0])
    return run_steps(args.port, cmds)


if __name__ == "__main__":
    sys.exit(main())
