# main.py's last resort (imported only after a crash, which main.py has printed): wait 1,
# 2, 4 ... up to 300 s after consecutive crashes (counted in the file "crashes", which the
# app removes after its first good period), feeding the watchdog, then reset the board.
# And what main.py says when Ctrl-C stops the firmware.
import time

from app.outbox import write_atomic

CRASHES = "crashes"


def crashed(board):
    n = 0
    try:
        with open(CRASHES) as f:
            n = int(f.read())
    except (OSError, ValueError):
        pass
    try:
        write_atomic(CRASHES, str(n + 1))
    except OSError:
        pass
    delay = min(1 << min(n, 9), 300)
    print("crash #%d: reset in %d s (Ctrl-C for the REPL)" % (n + 1, delay))
    for _ in range(delay * 4):
        board.feed()
        time.sleep_ms(250)
    try:
        write_atomic("resetby", "crash")  # the next boot's cause (boards.load)
    except OSError:
        pass
    board.reset()


def interrupted(board):
    """Ctrl-C at the REPL: the hardware watchdog cannot be stopped, so say when it resets
    the board, and how to stay at the REPL."""
    left = board.wdt_left() if board else None
    if left is None:
        print("main.py: interrupted")
    else:
        print(
            "main.py: interrupted; the watchdog resets the board in %d s. To stay at the "
            "REPL: mpremote exec \"open('SAFE','w').close()\" + reset (safe mode starts "
            "no watchdog; mpremote rm :SAFE + reset to run again)" % max(0, left // 1000)
        )
