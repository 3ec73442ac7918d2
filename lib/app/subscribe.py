# The subscription (config "subscribe": true; app.start imports this module only then):
# values written to the thing reach handlers. Built in: "period_s" sets the reporting
# period (kept in flash across resets, until config.json's own period_s changes), "led"
# switches the board LED. Add your own: app.subs.handlers[key] = handler (called with the
# value; one for "period_s" or "led" takes the place of the built-in).
#
# thethings.Thing.subscribe() calls the handler from inside the client's poll(): values are
# queued and handled after it returns, so that a handler's work (a flash write) stays out of
# the client's time slice. What runs once per boot (start()) or when the server writes a
# built-in key (period_s, led) is app.subscribe_extra's code, imported for the call and
# unloaded after (RAM: a .mpy's code lives in the heap; 416 bytes less in the steady heap).
import sys

from app import unload


def _extra():
    import app.subscribe_extra as m

    unload(m.__name__)
    return m


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
        thing.poll() keeps it alive (and retries), within each poll's time. True once tried;
        False when there was no room for its code now (App.period tries again next period)."""
        try:
            m = _extra()
        except MemoryError:
            return False
        m.start(self, app)
        return True

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
                    _extra().builtin(app, k, v)
            except Exception as e:  # a user's handler must not stop the reporting
                sys.print_exception(e)
