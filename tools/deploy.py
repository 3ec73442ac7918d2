"""Put the firmware on a board with mpremote: `make deploy PORT=... [BOARD=esp32]`.

Writes exactly these, in one mpremote session, then resets the board:
    build/lib/*                         -> :lib/     (compiled .mpy, from `make mpy`)
    boards/__init__.py, boards/BOARD.py -> :boards/  (and what BOARD.py builds on: boards/mcu.py
                                                  for esp32, picow; picow.py, mcu.py for pico)
    boot.py, main.py                    -> :
    CONFIG (default config.json)        -> :config.json
Everything else in flash is left alone, above all the state the firmware keeps there (its
thing token, its outbox): a redeploy must neither re-provision the device nor drop queued
readings. The packages being deployed are removed from :lib first, because MicroPython
imports a stale `x.py` in preference to a fresh `x.mpy`.

Paths are options so tests can deploy a fake project tree to a virtual board.
"""

import argparse
import os
import subprocess
import sys

BOARDS = ("esp32", "esp32c3", "picow", "pico", "unix")
# The board modules a board's module imports: mcu.py (what the MCU boards share); the plain
# Pico's is the Pico W's without the radio.
_BASES = {
    "esp32": ["mcu.py"], "esp32c3": ["esp32.py", "mcu.py"], "picow": ["mcu.py"],
    "pico": ["picow.py", "mcu.py"],
}  # fmt: skip

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


def plan(port, board="esp32", root=".", lib=None, config=None, reset=True, mpremote=None):
    """The mpremote argv that deploys `root` (a checkout) to the board on `port`."""
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

    cmd = list(mpremote or [sys.executable, "-m", "mpremote"]) + ["connect", port]
    cmd += ["exec", _PREPARE % (_stale_paths(lib),)]
    # `cp -r DIR :` copies DIR itself into the root, so build/lib lands at :lib even when
    # :lib exists (`cp -r build/lib :lib` would then nest it as :lib/lib).
    cmd += ["+", "cp", "-r", os.path.normpath(lib), ":"]
    cmd += ["+", "cp"] + boards + [":boards/"]
    cmd += ["+", "cp"] + top + [":"]
    if config:
        cmd += ["+", "cp", config, ":config.json"]
    if reset:
        cmd += ["+", "reset"]
    return cmd


def main(argv=None):
    ap = argparse.ArgumentParser(prog="deploy.py", description=__doc__.split("\n")[0])
    ap.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
    ap.add_argument("--board", default="esp32", choices=BOARDS)
    ap.add_argument("--root", default=".", help="project checkout (default: .)")
    ap.add_argument("--lib", help="compiled libraries (default: ROOT/build/lib)")
    ap.add_argument("--config", help="config file, '' to leave the board's (ROOT/config.json)")
    ap.add_argument("--no-reset", action="store_true", help="do not reset after copying")
    ap.add_argument("--mpremote", help="mpremote command (default: this Python's)")
    ap.add_argument("-n", "--dry-run", action="store_true", help="print the command only")
    args = ap.parse_args(argv)
    try:
        cmd = plan(
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
    shown = [a if "\n" not in a else "'<prepare /lib>'" for a in cmd]
    print(" ".join(shown), flush=True)
    if args.dry_run:
        return 0
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
