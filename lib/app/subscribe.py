# The subscription (config "subscribe": true; app.App imports this module only then):
# values written to the thing reach handlers. Built in: "period_s" sets the reporting
# period (kept in flash across resets, until config.json's own period_s changes), "led"
# switches the board LED. Add your own with app.subs.on(key, handler).
#
# thethings.Thing.subscribe() calls the handler from inside the CoAP client, where no
# request may be made: values are queued and handled after poll() returns.
import json
import sys

from app.store import write_atomic
from coap.client import CoapError
from thethings import ThingError

PERIOD_FILE = "period_s"


class Subscription:
    def __init__(self, app):
        self.app = app
        self.handlers = {"period_s": self.set_period, "led": self.set_led}
        self.inbox = []
        try:
            with open(PERIOD_FILE) as f:
                p, c = json.load(f)
            if c == app.cfg["period_s"]:
                app.period_ms = int(p * 1000 + 0.5)
        except (OSError, ValueError, TypeError):
            pass

    def on(self, key, handler):
        """Call handler(value) whenever `key` of the thing is written."""
        self.handlers[key] = handler

    def _value(self, key, value, dt):
        if key in self.handlers and len(self.inbox) < 8:
            self.inbox.append((key, value))

    def start(self, thing, timeout_ms):
        """Subscribe once; from then on thing.poll() keeps it alive (and retries)."""
        try:
            thing.subscribe(self._value, int(self.app.cfg["keepalive_s"] * 1000), timeout_ms)
            self.app.log("subscribed")
        except (ThingError, CoapError, OSError) as e:
            self.app.log("subscribe: %r, retrying" % (e,))

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
            write_atomic(PERIOD_FILE, json.dumps((p, app.cfg["period_s"])))
        app.log("period_s %r: period %d ms" % (value, app.period_ms))

    def set_led(self, value):
        on = value.lower() in ("1", "on", "true") if isinstance(value, str) else bool(value)
        self.app.board.led(on)
