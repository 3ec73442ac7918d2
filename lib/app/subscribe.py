# The subscription (config "subscribe": true; app.start imports this module only then):
# values written to the thing reach handlers. Built in: "period_s" sets the reporting
# period (kept in flash across resets, until config.json's own period_s changes), "led"
# switches the board LED. Add your own: app.subs.handlers[key] = handler (called with the
# value).
#
# thethings.Thing.subscribe() calls the handler from inside the client's poll(): values are
# queued and handled after it returns, so that a handler's work (a flash write) stays out of
# the client's time slice.
import gc
import json
import sys
from time import ticks_diff, ticks_ms

from app.store import write_atomic
from coap.client import CoapError
from thethings import ThingError


class Subscription:
    def __init__(self, app):  # (app.start reads the period kept in flash)
        self.app = app
        self.handlers = {"period_s": self.set_period, "led": self.set_led}
        self.inbox = []

    def value(self, key, value, dt):  # Thing.subscribe()'s handler: queue it
        if key in self.handlers and len(self.inbox) < 8:
            self.inbox.append((key, value))

    def start(self, app):
        """Subscribe once, within the slot (its steps paced by App.pace); from then on
        thing.poll() keeps it alive (and retries), within each poll's time."""
        gc.collect()  # the observation (kept) goes to the bottom of the heap
        try:
            ka = int(app.cfg["keepalive_s"] * 1000)
            app.thing.subscribe(self.value, ka, max(1, ticks_diff(app.dl, ticks_ms())))
            app.log("subscribed")
        except (ThingError, CoapError, OSError) as e:
            app.log("subscribe: %r, retrying" % (e,))

    def poll(self, thing, ms):
        try:
            thing.poll(ms)
        except Exception as e:  # a handler's, or the link's
            self.app.log("subscription: %r" % (e,))
        self.handle()

    def handle(self):
        while self.inbox:
            k, v = self.inbox.pop(0)
            try:
                self.handlers[k](v)
            except Exception as e:  # a user's handler must not stop the reporting
                sys.print_exception(e)

    def set_period(self, value):
        app = self.app
        try:
            p = float(value)
        except (TypeError, ValueError):
            p = 0
        if 0.001 <= p <= 86400:
            app.period_ms = int(p * 1000 + 0.5)
            write_atomic("period_s", json.dumps((p, app.cfg["period_s"])))
        app.log("period_s %r: period %d ms" % (value, app.period_ms))

    def set_led(self, value):
        on = value.lower() in ("1", "on", "true") if isinstance(value, str) else bool(value)
        self.app.board.led(on)
