# The code of Thing.subscribe() and Thing.unsubscribe() (lib/thethings/thing.py,
# Thing.__getattr__: method()): a board calls them once per boot (or per WiFi reconnect), so
# the module is imported for the call and unloaded at once (RAM: a .mpy's code lives in the
# heap); so is _observe(), the request of a re-subscription after a failure. What keeps a
# subscription alive, Thing.poll() and the observation's callback, stays in thethings.thing.
from time import ticks_ms

from micropython import const

from coap.client import CoapError
from thethings.thing import ThingError

# _observe: poll()'s re-subscription after a backoff, rare too
_METHODS = const(("subscribe", "unsubscribe", "_observe"))
_GRACE = const(1000)  # theThings.IO's SDK: dead when silent for keepAlive + 1 s


def method(thing, name):
    """Thing.__getattr__: the function `name` of this module bound to thing; None if it has
    none of that name."""
    if name in _METHODS:
        f = globals()[name]
        return lambda *args, **kw: f(thing, *args, **kw)
    return None


def subscribe(thing, handler, keepalive_ms=60000, timeout_ms=None):
    """Thing.subscribe(handler, keepalive_ms=60000, timeout_ms=None): observe GET
    /v2/things/{token}?keepAlive=N (seed "Subscribe"): handler(key, value, datetime) for
    every value written to the thing from now on, called from inside poll() (coap.client runs
    callbacks there only). Keepalives {} and the first {"status": "success", ...} are no
    values. While poll() is called, the subscription stays: the client re-registers it (a
    fresh token, in the background, RFC 7641 §3.3.1) when nothing came for keepalive_ms + 1
    s (theThings.IO's SDK's rule); when that fails, or the server ends it, poll() subscribes
    anew after a backoff (retry_min_ms doubling to retry_max_ms, with jitter). This first
    registration raises when it fails (ThingError 4.01 for an unknown token), within
    timeout_ms; poll() then retries it too."""
    unsubscribe(thing)
    thing._handler = handler
    thing._sub = ((b"keepAlive=%d" % keepalive_ms,), timeout_ms, keepalive_ms + _GRACE)
    try:
        _observe(thing, True)
        if not thing._obs.active:  # refused, or answered without Observe (RFC 7641 §3.2)
            raise thing.last_error or ThingError(0, "not subscribed")
    except Exception as e:
        thing.last_error = e
        b = thing._b
        if b is None or b.due is None:  # (_on scheduled it for a refusal)
            thing._later()
        raise


def unsubscribe(thing, timeout_ms=None):
    """Thing.unsubscribe(timeout_ms=None): stop: deregister (GET Observe 1, RFC 7641 §3.6),
    best effort, waiting timeout_ms (default one ACK timeout of the client) at most. Whatever
    happens, the client forgets the observation and rejects the server's next notification
    with RST, which ends it there too."""
    thing._handler = None
    thing._b = None  # no re-subscription due, and the next failure backs off from the start
    o = thing._obs
    thing._obs = None
    if o is not None:
        thing._n += o.registrations
        if o.active:
            c = thing.client
            try:
                c.cancel(o, timeout_ms or c.ack_timeout)
            except (CoapError, OSError):
                pass


def _observe(thing, wait=False):
    # A new observation (the old one forgotten: RST answers its next notification),
    # registered: waiting for the answer (subscribe()), or in the background (Thing.poll()).
    c = thing.client
    if thing._obs is not None:
        thing._n += thing._obs.registrations
        thing._obs.end(c, ticks_ms())
        thing._obs = None
    query, timeout_ms, every = thing._sub
    thing.last_error = None
    o = thing._obs = c.observe(thing._path, thing._on, query, timeout_ms, wait)
    o.every = every
    if o.active:  # (answered already: re-armed by `every` from now)
        o.due_now(c, ticks_ms(), every)
