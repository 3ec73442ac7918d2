# The blocking client's calls that a firmware's loop makes rarely (coap/client.py:
# Client.__getattr__ imports this module for one call and unloads it): wait() for a request
# in the background (an activation), observe() and cancel() (a subscription's start,
# renewal and end). The client's documentation is coap/client.py's.
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

from coap.engine import CAP, GET, CoapError, Request

_METHODS = const(("wait", "observe", "cancel", "close"))


def method(c, name):
    """Client.__getattr__: the function `name` of this module bound to client c."""
    if name not in _METHODS:
        raise AttributeError(name)
    f = globals()[name]
    return lambda *args, **kw: f(c, *args, **kw)


def wait(c, r, timeout_ms):
    """Drive the client until request r (queued with start()) is done, for timeout_ms at
    most: True if it is. A request in the background: later calls keep driving it (its
    retransmissions, its own deadline). Runs no callback."""
    dl = ticks_add(ticks_ms(), min(max(timeout_ms, 0), CAP))
    while not r.done:
        left = ticks_diff(dl, ticks_ms())
        if left <= 0:
            return False
        c._step(left, r)
    return True


def observe(c, path, callback, query=(), timeout_ms=None, wait=True):
    """Register (GET Observe 0, RFC 7641 §3.1) and return an Observation. callback(msg)
    gets the first response (before observe() returns) and each fresh notification
    (from poll()); callback(None) when the observation was lost. If the callback raises
    on the first response, the observation is forgotten and the exception raised. With
    wait False it returns at once: the registration goes on in the background, its
    answer to the callback from poll() (None if it failed)."""
    if len(c.obs) >= c.max_observations:
        raise CoapError("too many observations")
    from coap.observer import Observation

    r = Request(GET, path, query)
    o = Observation(r.path, r.query, callback, c.rand(4), c.observe_margin_ms)
    o.started = not wait
    r = o.register(c, ticks_ms(), timeout_ms)
    if not wait:
        try:
            c._flush()
        except BaseException:  # not sent (the socket's OSError): no observation
            o.end(c, ticks_ms())
            raise
        return o
    m = c._run(r)
    o.started = True
    c._cb += 1
    try:
        callback(m)
    except BaseException:
        o.end(c)  # the server's next notification gets an RST
        raise
    finally:
        c._cb -= 1
    return o


def cancel(c, o, timeout_ms=None):
    """Deregister with GET Observe 1 and the same token (RFC 7641 §3.6); the client
    forgets the observation at once, whatever the answer (notifications then get RST).
    Raises CoapTimeout, CoapError when the deregistration is not answered."""
    now = ticks_ms()
    o.end(c, now)
    c._run(c.start(Request(GET, o.path, o.query, observe=1, token=o.token), now,
                         timeout_ms))  # fmt: skip


def close(c):
    """Client.close(): close the socket."""
    c._sock.close()
