# The theThings.IO firmware application (the product users flash), on top of lib/coap and
# lib/thethings. Hardware comes from the board module (boards/), never from here:
#   app.config     config.json: load and validate; errors name the field
#   app.store      flash state: thing token, outbox of unsent readings, dropped counter
#   app.app        the loop: sample on schedule, store and forward
#   app.provision  DNS + CoAP client, activation (loaded when needed, then unloaded)
#   app.subscribe  values written to the thing -> handlers (subscribe: true)
#   app.link       WiFi and NTP (boards with a radio)
#   app.sleep      deep sleep between readings (deepsleep: true)
#   app.crash      main.py's last resort: print, back off, reset
import sys


def unload(name):
    """Forget module app.<name> so that the RAM of its code can be reclaimed."""
    del sys.modules["app." + name]
    del sys.modules["app"].__dict__[name]


def main(board, path="config.json"):
    """The firmware: config.json (waiting for a valid one), then the loop. The config code
    runs once and is unloaded before the loop's is loaded (6 KB on a 64-bit unix port)."""
    import thethings  # noqa: F401 - the big libraries first, the config's code after them,
    from app.config import wait  # so that unloading it leaves one hole for app.app to fill

    cfg = wait(board, path)
    wait = None
    unload("config")
    from app.app import App

    return App(board, cfg).run()
