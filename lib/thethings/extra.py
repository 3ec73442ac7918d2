# The code of Thing.read(), Thing.history(), Thing.date(), the properties Thing.subscribed
# and Thing.resubscribes (lib/thethings/thing.py, Thing.__getattr__: attr()) and retryable(),
# imported on their first use: a board that only writes and subscribes never loads it, nor
# the date functions (thethings.dates) it needs.
from micropython import const

from coap.client import CoapError
from thethings.thing import ThingError, _answer, _key

_METHODS = const(("read", "history", "date"))
_PROPERTIES = const(("subscribed", "resubscribes"))


def attr(thing, name):
    """Thing.__getattr__: its methods and properties that live here."""
    if name in _PROPERTIES:
        return globals()[name](thing)
    if name in _METHODS:
        f = globals()[name]
        return lambda *args, **kw: f(thing, *args, **kw)
    raise AttributeError(name)


_GET = const(1)
_NOT_FOUND = const(0x84)  # 4.04: a key never written (thethings-api.md "Read")
_MAX_LIMIT = const(100)  # seed "Query parameters": limit max 100


def read(thing, key, limit=1, start=None, end=None, timeout_ms=None):
    """Thing.read(): GET /v2/things/{token}/resources/{key}: up to limit (1..100) records,
    newest first, each {"key", "value", "datetime"} with the datetime as an ISO string. start
    (inclusive) and end: Unix seconds or a date string (e.g. a record's datetime). A key never
    written answers 4.04: that is returned as [], the same as a key with no records in
    range."""
    if not 0 < limit <= _MAX_LIMIT:
        raise ValueError("limit must be 1..100")
    q = [b"limit=%d" % limit]
    # startDate / endDate: YYYYMMDDHHmmss (seed "Query parameters"); strings verbatim
    for name, t in ((b"startDate=", start), (b"endDate=", end)):
        if t is not None:
            if not isinstance(t, str):
                from thethings.dates import compact

                t = compact(t)
            q.append(name + t.encode())
    path = thing._path + (b"resources", _key(key))
    m = thing.client.request(_GET, path, query=tuple(q), timeout_ms=timeout_ms)
    if m.code == _NOT_FOUND:
        return []
    rows = _answer(m)
    if not isinstance(rows, list):
        raise ThingError(m.code, "not a list of records")
    return rows


def history(thing, key, start=None, end=None, page=_MAX_LIMIT, timeout_ms=None):
    """Thing.history(): every record of key from end (exclusive) back to start, newest first,
    fetched page by page: each next page ends at the oldest datetime of the one before
    (thethings-api.md "Read"; exact when no one second holds more than `page` records)."""
    from thethings.dates import parse

    last = None
    while True:
        rows = read(thing, key, page, start, end, timeout_ms)
        if not rows:
            return
        yield from rows
        end = parse(rows[-1]["datetime"])
        if last is not None and end >= last:
            return  # no progress: a server whose endDate is inclusive
        last = end


def date(thing, timeout_ms=None):
    """Thing.date(): the server's clock as Unix seconds, GET
    /v2/utils/date?format=unix_timestamp."""
    q = (b"thingToken=" + thing._path[2], b"format=unix_timestamp")
    m = thing.client.request(_GET, (b"v2", b"utils", b"date"), query=q, timeout_ms=timeout_ms)
    d = _answer(m)
    if isinstance(d, dict):
        d = d.get("data", d)  # {"status": "success", "data": {"date": ...}}
        if isinstance(d, dict):
            d = d.get("date")
    if isinstance(d, str):
        from thethings.dates import parse

        d = int(d) if d.isdigit() else parse(d)
    if not isinstance(d, (int, float)) or isinstance(d, bool):
        raise ThingError(m.code, "no date in the answer")
    return int(d)


def subscribed(thing):
    """Thing.subscribed: True while the observation is up, not waiting for a
    re-registration."""
    o = thing._obs
    return o is not None and o.active and o.reg is None


def resubscribes(thing):
    """Thing.resubscribes: registrations after the first (the client's re-registrations and
    poll()'s new subscriptions)."""
    o = thing._obs
    return thing._n + (o.registrations if o else 0) - (thing._sub is not None)


def retryable(e):
    """thethings.retryable(e), for store-and-forward: True if the request that raised e may
    succeed when sent again. Transport failures (CoapError, CoapTimeout, OSError: not
    acknowledged) are; a ThingError answers by its code; anything else (ValueError for bad
    input) is not."""
    if isinstance(e, ThingError):
        return e.retryable
    return isinstance(e, (CoapError, OSError))
