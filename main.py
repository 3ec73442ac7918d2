# main.py: runs the firmware (lib/app) on the board that boards.load() picks. Everything is
# caught: an exception is printed, then the board resets after a growing backoff
# (app.crash), so a fault never leaves a deployed device dead at the REPL; Ctrl-C
# (mpremote) stops it at the REPL. Safe mode (boot.py) skips the application.
import sys

import boards

board = None


def interrupted():
    # The watchdog cannot be stopped: app.crash says how long the REPL lasts, and how to stay.
    try:
        from app.crash import interrupted

        interrupted(board)
    except Exception:  # no app (a broken deploy)
        print("main.py: interrupted")


try:
    if not boards.boot():  # boot.py decided (or, under `make sim`, decides now)
        board = boards.load()
        # boards' own code (safe mode, which board) is done: let its RAM go, the board stays
        del sys.modules["boards"]
        boards = None
        import app

        app.main(board)
except KeyboardInterrupt:
    interrupted()
except Exception as e:
    sys.print_exception(e)
    e = None
    try:
        from app.crash import crashed

        crashed(board or boards.load())
    except KeyboardInterrupt:
        interrupted()
    except Exception as e2:  # no app, no board: reset the plain way, slowly
        sys.print_exception(e2)
        import time

        import machine

        time.sleep(10)
        if hasattr(machine, "reset"):
            machine.reset()
        sys.exit(3)
