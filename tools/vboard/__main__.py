"""`python -m vboard --flash DIR [--link build/vboard0]`: serve a virtual board."""

import argparse
import os
import signal
import sys

from .board import Board


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m vboard",
        description="The MicroPython unix port behind a serial pty, behaving like a board.",
    )
    ap.add_argument("--flash", required=True, help="host directory that is the board's flash")
    ap.add_argument("--link", default="build/vboard0", help="symlink to the pty ('' for none)")
    ap.add_argument("--micropython", help="unix port executable (default: the venv's)")
    ap.add_argument("--heapsize", help="interpreter heap, e.g. 128K (default: unix port's)")
    ap.add_argument("--log", help="append everything the board prints to this file")
    ap.add_argument(
        "--baud", type=int, help="as slow as a UART at this rate, e.g. 115200 (default: fast)"
    )
    ap.add_argument(
        "--sticky-wdt",
        action="store_true",
        help="the watchdog keeps running across soft resets, as on rp2 and ESP32",
    )
    args = ap.parse_args(argv)

    os.makedirs(args.flash, exist_ok=True)
    board = Board(
        args.flash, args.link or None, args.micropython, args.heapsize, args.log,
        baud=args.baud, sticky_wdt=args.sticky_wdt,
    )  # fmt: skip
    signal.signal(signal.SIGTERM, board.stop)
    signal.signal(signal.SIGINT, board.stop)
    signal.signal(signal.SIGHUP, board.stop)
    port = board.open()
    where = "%s -> %s" % (args.link, port) if args.link else port
    # Tests wait for this line: the port exists and the board is powering on.
    print("vboard: serving %s, flash %s" % (where, board.flash), flush=True)
    print("vboard: try `mpremote connect %s`; Ctrl-C here stops the board" % (args.link or port))
    sys.stdout.flush()
    try:
        board.run()
    except RuntimeError as e:
        print("vboard: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
