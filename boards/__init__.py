# The board support of the firmware: one module per board, all with the same small
# interface (see boards/unix.py for the reference with every method documented). The
# application asks load() for the board of the running port and never builds hardware
# objects (network.WLAN, machine.Pin, WDT, ADC, RTC) itself.
#
#   sys.platform 'esp32' -> boards/esp32.py, 'rp2' -> boards/picow.py (boards/pico.py when
#   the image has no `network` module: the plain Pico, RPI_PICO), else boards/unix.py
#
# `make deploy BOARD=x` copies this file and boards/x.py only, plus boards/mcu.py (what
# esp32, picow and pico share; pico also takes picow.py, its chip's) for those.
import sys

_board = None
safe = None  # why the application is skipped ("" = it is not); None until boot() ran


def load():
    """The Board of this port (built once)."""
    global _board
    if _board is None:
        p = sys.platform
        if p == "esp32":
            import os

            if "ESP32C3" in os.uname().machine:
                from boards import esp32c3 as m
            else:
                from boards import esp32 as m
        elif p == "rp2":
            try:
                import network  # noqa: F401 - in the Pico W's image, not in the plain Pico's

                radio = True
            except ImportError:
                radio = False
            if radio:
                from boards import picow as m
            else:
                from boards import pico as m
        else:
            from boards import unix as m
        _board = m.Board()
        _board.cause = _marked(_board.cause)
    return _board


def _marked(cause):
    # A reset the firmware asked for (app.crash) leaves its reason in the file "resetby":
    # on a Pico W machine.reset() is a watchdog reset too, which would make a crash look
    # like a hang. A power-on or a deep-sleep wake does not take it.
    try:
        import os

        with open("resetby") as f:
            why = f.read()
        os.remove("resetby")
    except OSError:
        return cause
    return cause if cause in ("power-on", "deepsleep") else why


def boot():
    """Decide safe mode once per boot (boot.py calls this; main.py again if boot.py did
    not run): a file SAFE in the flash root, or the board's safe pin held low. Returns the
    reason, "" when the application may run. Never raises."""
    global safe
    if safe is None:
        reason = ""
        try:
            import os

            os.stat("SAFE")
            reason = "file SAFE present"
        except OSError:
            pass
        if not reason:
            try:
                if load().safe_pin():
                    reason = "safe pin held low"
            except Exception as e:  # a broken board module must not block the REPL
                print("boards: safe pin check failed:", repr(e))
        safe = reason
        if reason:
            print("SAFE MODE (%s): application not started." % reason)
            print("  recover: mpremote rm :SAFE + reset  (or release the pin and reset)")
    return safe
