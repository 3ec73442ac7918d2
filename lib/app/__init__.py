# The theThings.IO firmware application (the product users flash), on top of lib/coap and
# lib/thethings. Hardware comes from the board module (boards/), never from here:
#   app.config     config.json: load and validate; errors name the field (start-up only)
#   app.start      the App's set-up (start-up only)
#   app.store      flash state: thing token, outbox of unsent readings, dropped counter
#   app.outbox     the store's operations and the outbox's flush (loaded while it is used)
#   app.scan       the store's start-up scan of the flash (unloaded after)
#   app.app        the loop: sample on schedule, store and forward
#   app.provision  DNS + CoAP client, activation (loaded when needed, then unloaded)
#   app.subscribe  values written to the thing -> handlers (subscribe: true)
#   app.subscribe_extra  its start and built-in handlers (loaded for the call, unloaded)
#   app.link       WiFi and NTP (boards with a radio)
#   app.sleep      deep sleep between readings (deepsleep: true)
#   app.crash      main.py's last resort: print, back off, reset
# A .mpy's code lives in the heap: start-up code is unloaded (unload()) once it has run.
import gc
import sys

import coap  # noqa: F401 - first: under CPython it provides MicroPython's names (coap._host)


def unload(name):
    """Forget module "pkg.mod" so that the RAM of its code is reclaimed once nothing refers
    to its functions any more (cheap when it is not loaded: App.period calls it often)."""
    if sys.modules.pop(name, None):
        pkg, mod = name.split(".")
        del sys.modules[pkg].__dict__[mod]


def main(board, path=None):
    """The firmware: config.json (or path; waiting for a valid one: app.config), then the
    loop."""
    return _app(board, path).run()


def _app(board, path):
    # (A function of its own: nothing of the start-up, the config's first form above all,
    # stays referenced from main()'s frame while the loop runs.)
    # Heap layout (it is never compacted): what stays is allocated right after a collection,
    # so that it packs the bottom of the heap instead of landing wherever the garbage of the
    # imports left the allocator. The config's code first, unloaded before the rest is
    # imported: it leaves a hole at the bottom for the loop's code to fill, and the config it
    # made sits low, below the free space rather than in its middle.
    gc.collect()
    from app.config import wait

    cfg = wait(board, path)
    wait = None
    unload("app.config")
    unload("coap.uri")  # the config's URL parser: the client takes paths as tuples
    gc.collect()
    from app.app import App

    return App(board, cfg)  # App.run() keeps only the part of cfg that the loop reads
