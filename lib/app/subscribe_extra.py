# The subscription's rare code (app.subscribe imports this module for one call and unloads
# it): the subscribe request, once per boot, and the built-in handlers of the keys
# "period_s" and "led", when the server writes one.
import gc
import json
from time import ticks_diff, ticks_ms

from coap.client import CoapError
from thethings import ThingError


def start(sub, app):
    """Subscription.start(): subscribe once, within the slot (its steps paced by App.feed);
    from then on thing.poll() keeps it alive (and retries), within each poll's time."""
    gc.collect()  # the observation (kept) goes to the bottom of the heap
    try:
        ka = int(app.cfg["keepalive_s"] * 1000)
        app.thing.subscribe(sub.value, ka, max(1, ticks_diff(app.dl, ticks_ms())))
        app.log("subscribed")
    except (ThingError, CoapError, OSError, MemoryError) as e:  # (no room for the
        app.log("subscribe: %r, retrying" % (e,))  # client's observe(): thing.poll retries)


def builtin(app, key, value):
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
