# theThings.IO v2 over CoAP: Write and Subscribe (the seed,
# /work/shared/seed/thethings-coap-v2.txt) on a coap.client.Client. Activate
# (thethings.activation), Read, history and the server's clock (thethings.extra) are imported
# on first use: a board that writes and subscribes never loads their code (RAM: a .mpy's code
# lives in the heap), and one that activates loads it once.
#
# Paths are tuples of Uri-Path segments split once (RFC 7252 §6.4), a write's payload is built
# as bytes in one pass (write_payload), and every answer is checked the same way (_answer): a
# 4.xx/5.xx code, or a body {"status": "error", "message": ...}, raises ThingError with the
# server's message. Nothing here prints; repr() and redact() show a token's first 4 characters.
import json
import os
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

from coap.client import CoapError
from coap.message import code_str

_POST = const(2)
_JSON = const(50)  # Content-Format application/json, RFC 7252 §12.3
_FORBIDDEN = const(0x83)  # 4.03: the platform's answer to rate limits too (thethings-api.md)
_TOO_MANY = const(0x9D)  # 4.29 Too Many Requests, RFC 8516
_GRACE = const(1000)  # theThings.IO's SDK: dead when silent for keepAlive + 1 s


def redact(token):
    """A token as it may appear in logs: its first 4 characters."""
    return token[:4] + "..."


class ThingError(Exception):
    """The server refused a request: .code the CoAP code (0x84 is 4.04; 0 if none), .message
    the server's message ("" if it gave none)."""

    def __init__(self, code, message):
        super().__init__(code, message)
        self.code = code
        self.message = message

    @property
    def retryable(self):
        """True if the same request may succeed later (keep a write in the outbox): 5.xx, 4.29,
        and 4.03, which the platform also answers to rate limits. 4.00 (bad input), 4.01 (bad
        token) and the rest of 4.xx will fail again as they are."""
        c = self.code
        return c >> 5 == 5 or c == _TOO_MANY or c == _FORBIDDEN

    def __str__(self):  # "4.01 Invalid thing token"
        return "%s %s" % (code_str(self.code), self.message)


def retryable(e):
    """For store-and-forward: True if the request that raised e may succeed when sent again.
    Transport failures (CoapError, CoapTimeout, OSError: not acknowledged) are; a ThingError
    answers by its code; anything else (ValueError for bad input) is not."""
    if isinstance(e, ThingError):
        return e.retryable
    return isinstance(e, (CoapError, OSError))


def _answer(m):
    # The JSON body of a successful answer (None if empty or not JSON); ThingError otherwise.
    p = m.payload()
    if not isinstance(p, (bytes, bytearray)):
        p = bytes(p)  # json.loads takes no memoryview (a block-wise body is a bytearray)
    try:
        body = json.loads(p)
    except ValueError:  # empty, or not JSON
        body = None
    if m.code >> 5 != 2 or isinstance(body, dict) and body.get("status") in ("error", "Error"):
        msg = body.get("message") if isinstance(body, dict) else None
        if not isinstance(msg, str):
            try:
                msg = str(p, "utf-8")
            except ValueError:  # UnicodeError: not text
                msg = ""
        raise ThingError(m.code, msg)
    return body


def _key(k):
    # seed "Write": only alphanumerics and ".", "-", "_" in a key. Checked here so that a bad
    # key never costs a round trip, nor makes the server refuse the rest of its batch.
    if isinstance(k, str) and k:
        b = k.encode()
        for c in b:
            if not (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c in b"-._"):
                break
        else:
            return b
    raise ValueError("bad key %r: use letters, digits, '.', '-', '_'" % (k,))


# One template per form of a value, filled with bytes % (one allocation for the result), then
# joined once: on the MicroPython unix port this builds 10 values with datetimes in ~90 us and
# ~7 KB of short-lived allocations, 25% faster than json.dumps of the dicts, and the result
# is already the bytes the client sends (a str would be copied once more by encode()).
_V = b'{"key":"%s","value":%s}'
_VS = b'{"key":"%s","value":%s,"datetime":"%s"}'
_VI = b'{"key":"%s","value":%s,"datetime":"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"}'


def write_payload(values):
    """The body of a write, as bytes. values: a dict {key: value}, or an iterable of (key,
    value) and (key, value, datetime) tuples. value: a str or a finite int/float. datetime:
    None; Unix seconds (UTC, sent as ISO 8601 "...T...:...:...000Z" like theThings.IO's
    Python library); a tuple (year, month, day, hour, minute, second, ms) in UTC, as
    dates.split() gives it (or time.gmtime()[:6] plus the ms: a board's clock without
    big-int arithmetic); or a string in a form dates.parse() accepts (sent as it is).
    ValueError naming the key for a bad key, value or datetime: then nothing is to be sent."""
    if isinstance(values, dict):
        values = values.items()
    parts = []
    seen = None  # the last date string checked: a batch's values often share one
    for item in values:
        k = _key(item[0])
        v = item[1]
        if isinstance(v, str):
            v = json.dumps(v).encode()
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or v - v:
            # JSON has no bool for theThings.IO values, nor inf/nan: inf - inf is nan, true
            raise ValueError("value of %s: a str or a finite number, not %r" % (item[0], v))
        else:
            v = b"%r" % (v,)
        t = item[2] if len(item) > 2 else None
        try:
            if t is None:
                parts.append(_V % (k, v))
            elif isinstance(t, tuple) and len(t) == 7:
                parts.append(_VI % ((k, v) + t))
            elif isinstance(t, str):
                if t is not seen:
                    from thethings.dates import parse

                    parse(t)  # a date the server would refuse, refusing the whole batch
                    seen = t
                    tb = t.encode()
                parts.append(_VS % (k, v, tb))
            else:
                from thethings.dates import split

                parts.append(_VI % ((k, v) + split(t)))
        except (ValueError, TypeError):
            raise ValueError("datetime of %s: %r is not Unix seconds nor a date" % (item[0], t))
    if not parts:
        raise ValueError("no values")
    parts[0] = b'{"values":[' + parts[0]  # copies one value, not the whole payload
    parts[-1] += b"]}"
    return b",".join(parts)


def _extra(name):
    # A method of Thing whose code is thethings.extra's function `name`, imported on first use.
    def method(self, *args, **kw):
        import thethings.extra as x

        return getattr(x, name)(self, *args, **kw)

    return method


class Thing:
    """One thing, by its token, on a coap.client.Client. Requests block until answered (or
    timeout_ms, default the client's MAX_TRANSMIT_WAIT) and raise ThingError when refused,
    CoapError/CoapTimeout/OSError when not answered, ValueError for bad input (nothing sent)."""

    # Re-subscription backoff (ms), doubling from min to max plus up to 50% random jitter, so
    # that a fleet coming back from an outage does not subscribe in lockstep.
    retry_min_ms = 1000
    retry_max_ms = 60000

    def __init__(self, client, token):
        self.client = client
        self.token = token
        self._path = (b"v2", b"things", token.encode())
        self._handler = None  # set while subscribed (or trying to be)
        self._obs = None
        self._due = 0  # ticks: the subscription is dead if nothing arrived by then
        self._retry = None  # ticks of the next re-subscription attempt, None: not waiting
        self._backoff = 0
        self._err = None  # the first exception a handler raised, for poll() to raise
        self._fail = None  # (code, message) of an error answer to the subscription
        self._sub = None  # (query, timeout_ms, keepalive_ms) of the subscription
        self.resubscribes = 0  # attempts poll() made
        self.last_error = None  # why the last (re)subscription attempt failed

    def __repr__(self):
        return "<Thing %s>" % redact(self.token)

    def write(self, values, timeout_ms=None):
        """One POST /v2/things/{token} with every value (see write_payload; or the bytes it
        made of them); returns when the server answered 2.xx {"status": "Success", ...}."""
        body = values if isinstance(values, bytes) else write_payload(values)
        _answer(self.client.request(_POST, self._path, body, cf=_JSON, timeout_ms=timeout_ms))

    # read(key, limit=1, start=None, end=None, timeout_ms=None), history(key, start=None,
    # end=None, page=100, timeout_ms=None), date(timeout_ms=None): see thethings.extra.
    read = _extra("read")
    history = _extra("history")
    date = _extra("date")

    # -- subscription ----------------------------------------------------------------------

    def subscribe(self, handler, keepalive_ms=60000, timeout_ms=None):
        """Observe GET /v2/things/{token}?keepAlive=N (seed "Subscribe"): handler(key, value,
        datetime) for every value written to the thing from now on, called from inside poll()
        (coap.client runs callbacks there only); it may make requests, or queue and act after
        poll() returns. Keepalives {} and the first {"status": "success", ...} are no values.

        Call poll() from the application loop: it re-subscribes when nothing arrived for
        keepalive_ms + 1 s or the observation ended. timeout_ms bounds each attempt; with a
        watchdog keep it under the watchdog's period. If this first attempt fails its
        exception is raised (ThingError 4.01 for an unknown token), and poll() retries."""
        self.unsubscribe()
        self._handler = handler
        self._sub = ((b"keepAlive=%d" % keepalive_ms,), timeout_ms, keepalive_ms)
        self._backoff = 0
        self._observe()

    def unsubscribe(self, timeout_ms=None):
        """Stop: deregister (GET Observe 1, RFC 7641 §3.6), best effort, waiting timeout_ms
        (default one ACK timeout of the client) at most. Whatever happens, the client forgets
        the observation and rejects the server's next notification with RST, which ends it
        there too."""
        self._handler = None
        self._retry = None
        self._cancel(timeout_ms)

    def _cancel(self, timeout_ms=None):
        o = self._obs
        self._obs = None
        if o is not None and o.active:
            try:
                self.client.cancel(o, timeout_ms or self.client.ack_timeout)
            except (CoapError, OSError):
                pass

    @property
    def subscribed(self):
        """True while the observation is up and not overdue."""
        o = self._obs
        return o is not None and o.active and ticks_diff(self._due, ticks_ms()) > 0

    def poll(self, timeout_ms=0):
        """Receive for up to timeout_ms, delivering values to the handler, and keep the
        subscription alive: re-subscribe when it is overdue or ended, and after a failure
        again after a backoff (retry_min_ms doubling to retry_max_ms). Failures of
        re-subscription never raise here (see last_error). What does: an exception a handler
        raised, once, after the other values of its notification were delivered; and OSError
        from the socket when the network is gone (as from any request), for the application
        to reconnect; the subscription recovers by itself afterwards."""
        dl = ticks_add(ticks_ms(), timeout_ms)
        wait = 0
        while True:
            self.client.poll(wait)
            t = self._tend() if self._handler is not None else timeout_ms
            e = self._err
            if e is not None:
                self._err = None
                raise e
            left = ticks_diff(dl, ticks_ms())
            if left <= 0:
                return
            wait = max(0, min(left, t))

    def _tend(self):
        # ms until the subscription needs attention, re-subscribing first if it does now.
        now = ticks_ms()
        o = self._obs
        if o is not None and o.active:
            t = ticks_diff(self._due, now)
            if t > 0:
                return t
        if self._retry is not None:
            t = ticks_diff(self._retry, now)
            if t > 0:
                return t
        self.resubscribes += 1
        try:
            self._observe()
        except (CoapError, OSError, ThingError) as e:
            self.last_error = e
        return 0

    def _observe(self):
        # (Re)subscribe; when that fails, schedule the next attempt after the backoff, and
        # raise. Overdue but not ended: deregister first, waiting one ACK timeout at most, as
        # the link may well be down. If that is lost, RST answers its next notification.
        self._cancel()
        self._fail = None
        query, timeout_ms, ka = self._sub
        self._due = ticks_add(ticks_ms(), ka + _GRACE)
        try:
            o = self.client.observe(self._path, self._on, query, timeout_ms)
            if not o.active:  # refused, or answered without Observe (RFC 7641 §3.2)
                code, msg = self._fail or (0, "not subscribed")
                raise ThingError(code, msg)
        except Exception:
            b = min(max(self._backoff * 2, self.retry_min_ms), self.retry_max_ms)
            self._backoff = b
            self._retry = ticks_add(ticks_ms(), b + b * os.urandom(1)[0] // 512)
            raise
        self._obs = o
        self._retry = None
        self._backoff = 0

    def _on(self, m):
        # Observation callback: the first response, each notification, None when lost.
        if m is None:
            return  # the observation is inactive now; poll() re-subscribes
        try:
            items = _answer(m)
        except ThingError as e:
            self._fail = (e.code, e.message)  # for _observe() to raise
            return
        self._due = ticks_add(ticks_ms(), self._sub[2] + _GRACE)  # anything proves it alive
        if self._handler is None or not isinstance(items, list):
            return  # {} keepalive, {"status": "success", "message": "subscribed"}
        for v in items:
            if isinstance(v, dict) and "key" in v:
                try:
                    self._handler(v["key"], v.get("value"), v.get("datetime"))
                except Exception as e:
                    if self._err is None:
                        self._err = e
