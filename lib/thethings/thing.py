# theThings.IO v2 over CoAP: Write and Subscribe (theThings.IO's CoAP v2 document, the
# project's contract) on a coap.client.Client. Activate
# (thethings.activation), Read, history and the server's clock (thethings.extra) are imported
# on first use: a board that writes and subscribes never loads their code (RAM: a .mpy's code
# lives in the heap), and one that activates loads it once. subscribe() and unsubscribe()
# (thethings.subscription), once per boot, are imported for the call and unloaded after, as
# is a re-subscription's request (Thing._observe) after a failure.
#
# Paths are tuples of Uri-Path segments split once (RFC 7252 §6.4), a write's payload is built
# as bytes in one pass (write_payload), and every answer is checked the same way (_answer): a
# 4.xx/5.xx code, or a body {"status": "error", "message": ...}, raises ThingError with the
# server's message. Nothing here prints; repr() and redact() show a token's first 4 characters.
import json
from time import gmtime, ticks_add, ticks_diff, ticks_ms

from micropython import const

from coap.message import code_str

_POST = const(2)
_JSON = const(50)  # Content-Format application/json, RFC 7252 §12.3
_FORBIDDEN = const(0x83)  # 4.03: the platform's answer to rate limits too (thethings-api.md)
_TOO_MANY = const(0x9D)  # 4.29 Too Many Requests, RFC 8516

# Unix seconds at the epoch of the port's time.time() and time.gmtime(): 2000-01-01 on ESP32,
# 1970 on rp2, unix and CPython (MicroPython's only two). Defined here only: dates'
# unix_offset(), app.app's stamps and the boards' clock (boards/mcu.py) read it from here.
EPOCH = 946684800 if gmtime(0)[0] == 2000 else 0


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
            # 0-9, A-Z, a-z, "-", ".", "_" (numbers: no bytes constant in the heap)
            if not (
                48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122 or c == 45 or c == 46 or c == 95
            ):
                break
        else:
            return b
    raise ValueError("bad key %r: use letters, digits, '.', '-', '_'" % (k,))


# One template per form of a value, filled with bytes % (one allocation for the result), then
# joined once: on the MicroPython unix port this builds 10 values with datetimes in ~90 us and
# ~7 KB of short-lived allocations, 25% faster than json.dumps of the dicts, and the result
# is already the bytes the client sends (a str would be copied once more by encode()).
_V = const(b'{"key":"%s","value":%s}')
_VS = const(b'{"key":"%s","value":%s,"datetime":"%s"}')
_VI = const(b'{"key":"%s","value":%s,"datetime":"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"}')


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


class Backoff:
    """Retry delay doubling from lo to hi ms (at most a day: a due time is a ticks stamp, read
    right only within 6.2 days), plus up to 25% random jitter, so that a fleet back from an
    outage does not retry in lockstep. The one rule of every retry: the Thing's
    re-subscriptions, and the firmware's (app: the server, writes, activation, WiFi, NTP)."""

    def __init__(self, lo, hi):
        self.lo = lo
        self.hi = hi
        self.delay = 0  # the last delay, ms (0: none since ok())
        self.due = None  # ticks when the next try is due, None: now

    def ready(self):
        """True when a try is due (clearing a due time once it passed: looked at often, at
        least daily, a stamp never gets old)."""
        if self.due is not None and ticks_diff(ticks_ms(), self.due) >= 0:
            self.due = None
        return self.due is None

    def fail(self):
        """A try failed: the next is due after the doubled delay and its jitter. Returns the
        delay (ms, without the jitter)."""
        from os import urandom

        d = self.delay = min(max(self.delay * 2, self.lo), self.hi)
        self.due = ticks_add(ticks_ms(), d + d * urandom(1)[0] // 1024)
        return d

    def ok(self):
        """A try worked: the next failure starts again from lo."""
        self.delay = 0
        self.due = None


class Thing:
    """One thing, by its token, on a coap.client.Client. Requests block until answered (or
    timeout_ms, default the client's MAX_TRANSMIT_WAIT) and raise ThingError when refused,
    CoapError/CoapTimeout/OSError when not answered, ValueError for bad input (nothing sent)."""

    # Re-subscription backoff (ms), doubling from min to max plus jitter (Backoff), so that a
    # fleet coming back from an outage does not subscribe in lockstep.
    retry_min_ms = 1000
    retry_max_ms = 60000

    def __init__(self, client, token):
        self.client = client
        self.token = token
        self._path = (b"v2", b"things", token.encode())
        self._handler = None  # set while subscribed (or trying to be)
        self._obs = None  # the coap.observer.Observation
        self._sub = None  # (query, timeout_ms, keepalive_ms + grace) of the subscription
        self._b = None  # the re-subscriptions' Backoff (made at the first failure): its due
        self._err = None  # the first exception a handler raised, for poll() to raise
        self._n = 0  # registrations of the observations before this one
        self.last_error = None  # why the subscription last failed

    def __repr__(self):
        return "<Thing %s>" % redact(self.token)

    def write(self, values, timeout_ms=None):
        """One POST /v2/things/{token} with every value (see write_payload; or the bytes it
        made of them); returns when the server answered 2.xx {"status": "Success", ...}."""
        body = values if isinstance(values, bytes) else write_payload(values)
        _answer(self.client.request(_POST, self._path, body, cf=_JSON, timeout_ms=timeout_ms))

    def __getattr__(self, name):
        # subscribe(handler, keepalive_ms=60000, timeout_ms=None) and
        # unsubscribe(timeout_ms=None), called once per boot, and _observe(), poll()'s
        # re-subscription after a failure: thethings.subscription's code, imported for the
        # call and unloaded at once. read(key, limit=1, start=None, end=None,
        # timeout_ms=None), history(key, start=None, end=None, page=100, timeout_ms=None),
        # date(timeout_ms=None) and the properties subscribed and resubscribes:
        # thethings.extra's code, imported on first use (RAM: a board that writes and
        # subscribes never keeps either; one function here, not seven).
        from sys import modules

        import thethings.subscription as m

        modules.pop(m.__name__)  # (and the package's attribute: nothing
        del modules["thethings"].__dict__["subscription"]  # keeps the module)
        f = m.method(self, name)
        if f:
            return f
        from thethings.extra import attr

        return attr(self, name)

    # -- subscription ----------------------------------------------------------------------

    def _later(self):
        # A new subscription after the backoff (poll() makes it). The Backoff is made only
        # now: a subscription that never fails holds none (RAM); a new subscribe() drops it.
        b = self._b
        if b is None:
            b = self._b = Backoff(self.retry_min_ms, self.retry_max_ms)
        b.fail()

    def poll(self, timeout_ms=0):
        """Receive for up to timeout_ms, delivering values to the handler and keeping the
        subscription (see subscribe()); it never waits beyond timeout_ms. Failures of the
        subscription never raise here (see last_error). What does: an exception a handler
        raised, once, after the other values of its notification were delivered; and OSError
        from the socket when the network is gone (as from any request), for the application
        to reconnect; the subscription recovers by itself afterwards."""
        c = self.client
        dl = ticks_add(ticks_ms(), timeout_ms)
        while True:
            left = ticks_diff(dl, ticks_ms())
            b = self._b
            if b is not None and b.due is not None and self._handler is not None:
                if b.ready():  # its time came (ready() cleared it)
                    try:
                        # in the background, its answer to _on (thethings.subscription's)
                        self._observe()
                    except BaseException:  # OSError: the socket's send, the link gone
                        self._later()  # tried again after the backoff, as for a failure
                        raise
                    continue
                left = min(left, ticks_diff(b.due, ticks_ms()))
            c.poll(max(0, left))
            e = self._err
            if e is not None:
                self._err = None
                raise e
            if ticks_diff(dl, ticks_ms()) <= 0:
                return

    def _on(self, m):
        # Observation callback: the first response, each notification; None when lost.
        o = self._obs
        if m is None:  # its re-registration failed
            self.last_error = o.err if o else None
            return self._later()
        try:
            items = _answer(m)
        except ThingError as e:  # refused, or ended by an error
            self.last_error = e
            return self._later()
        if o is not None and not o.active:  # ended by a 2.xx without Observe: not kept
            self.last_error = ThingError(m.code, "not subscribed")
            return self._later()
        b = self._b
        if b is not None:  # answered: the next loss backs off from the start (a retry
            b.delay = 0  # already due stays due)
        if self._handler is None or not isinstance(items, list):
            return  # {} keepalive, {"status": "success", "message": "subscribed"}
        for v in items:
            if isinstance(v, dict) and "key" in v:
                try:
                    self._handler(v["key"], v.get("value"), v.get("datetime"))
                except Exception as e:
                    if self._err is None:
                        self._err = e
