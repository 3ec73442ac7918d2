# The subscription (config "subscribe": true; app.start imports this module only then):
# values written to the thing reach handlers. Built in: "period_s" sets the reporting
# period (kept in flash across resets, until config.json's own period_s changes), "led"
# switches the board LED. Add your own: app.subs.handlers[key] = handler (called with the
# value; one for "period_s" or "led" takes the place of the built-in).
#
# thethings.Thing.subscribe() calls the handler from inside the client's poll(): values are
# queued and handled after it returns, so that a handler's work (a flash write) stays out of
# the client's time slice. The built-ins are one module function (_builtin), not methods
# in the dict (RAM: a bound method and a function each).
import gc
import json
import sys
from time import ticks_diff, ticks_ms

from coap.client import CoapError
from thethings import ThingError


class Subscription:
    def __init__(self, app):  # (app.start reads the period kept in flash)
        self.app = app
        self.handlers = {}  # the application's: key -> handler(value)
        self.inbox = []

    def value(self, key, value, dt):  # Thing.subscribe()'s handler: queue it
        if (key == "period_s" or key == "led" or key in self.handlers) and len(self.inbox) < 8:
            self.inbox.append((key, value))

    def start(self, app):
        """Subscribe once, within the slot (its steps paced by App.feed); from then on
        thing.poll() keeps it alive (and retries), within each poll's time."""
        gc.collect()  # the observation (kept) goes to the bottom of the heap
        try:
            ka = int(app.cfg["keepalive_s"] * 1000)
            app.thing.subscribe(self.value, ka, max(1, ticks_diff(app.dl, ticks_ms())))
            app.log("subscribed")
        except (ThingError, CoapError, OSError, MemoryError) as e:  # (no room for the
            app.log("subscribe: %r, retrying" % (e,))  # client's observe(): thing.poll retries)

    def poll(self, thing, ms):
        try:
            thing.poll(ms)
        except Exception as e:  # a handler's, or the link's
            self.app.log("subscription: %r" % (e,))
        self.handle()

    def handle(self):
        app = self.app
        while self.inbox:
            k, v = self.inbox.pop(0)
            try:
                h = self.handlers.get(k)
                if h:
                    h(v)
                else:
                    _builtin(app, k, v)
            except Exception as e:  # a user's handler must not stop the reporting
                sys.print_exception(e)


def _builtin(app, key, value):
    # "led": the board's LED; "period_s": the reporting period, kept in flash
    if key == "led":
        on = value.lower() in ("1", "on", "true") if isinstance(value, str) else bool(value)
        app.board.led(on)
        return
    try:
        p = float(value)
    except (TypeError, ValueError):
        p = 0
    if 0.001 <= p <= 86400:
        from app.outbox import write_atomic  # (App.period unloads it)

        app.set_period(int(p * 1000 + 0.5))
        write_atomic("period_s", json.dumps((p, app.cfg["period_s"])))
    app.log("period_s %r: period %d ms" % (value, app.period_ms))
