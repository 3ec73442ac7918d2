"""theThings.IO v2 endpoints over CoAP: Activate, Write, Read, Subscribe (seed) and server date.

Paths (seed, thethings-api.md); a trailing slash (an empty last Uri-Path segment, RFC 7252
§6.4) is accepted everywhere, as the seed itself writes `/v2/things/` and `/v2/things/TOKEN/`:
    POST /v2/things/                          activate  {"activationCode": CODE}
    POST /v2/things/TOKEN                     write     {"values": [{"key", "value", ...}]}
    GET  /v2/things/TOKEN/resources/KEY       read      ?limit=&startDate=&endDate=
    GET  /v2/things/TOKEN  + Observe 0        subscribe ?keepAlive=MS
    GET  /v2/utils/date                       server time ?thingToken=&format=UTC|unix_timestamp
Every JSON answer carries Content-Format 50 (application/json, RFC 7252 §12.3).
"""

import asyncio
import hashlib
import json
import math
import re

from aiocoap import Message
from aiocoap.numbers.codes import Code

from . import dates
from .store import MAX_LIMIT

JSON_CF = 50
KEY_RE = re.compile(r"^[A-Za-z0-9._-]+$")  # seed "Write": alphanumerics and . - _ only
DEFAULT_KEEPALIVE_MS = 60000  # thethings-api.md: keepAlive=60000 in the SDK's subscribe
MIN_KEEPALIVE_MS = 100  # floor so a typo cannot make the sim flood a client
BLOCK_PAYLOAD = 1024  # RFC 7252 §4.6: payloads above 1024 bytes go block-wise (RFC 7959)

# HTTP status of the platform -> CoAP code (thethings-api.md "Errors and time").
HTTP_TO_COAP = {
    400: Code.BAD_REQUEST,
    401: Code.UNAUTHORIZED,
    403: Code.FORBIDDEN,
    404: Code.NOT_FOUND,
    405: Code.METHOD_NOT_ALLOWED,
    429: Code.TOO_MANY_REQUESTS,
    500: Code.INTERNAL_SERVER_ERROR,
    502: Code.BAD_GATEWAY,
    503: Code.SERVICE_UNAVAILABLE,
    504: Code.GATEWAY_TIMEOUT,
}
COAP_TO_HTTP = {v: k for k, v in HTTP_TO_COAP.items()}
# seed "Activate", error case: this exact body, without a "code" member.
ACTIVATION_ERROR = {"status": "error", "message": "Error creating thing"}
WRITE_OK = {"status": "Success", "message": "Created"}  # thethings-api.md "Write"


def json_message(code, obj, **options):
    payload = json.dumps(obj, separators=(",", ":")).encode()
    return Message(code=code, payload=payload, content_format=JSON_CF, **options)


def error_message(http, message):
    """`{"status":"error","code":401,"message":"..."}` (thethings-api.md) with its CoAP code."""
    body = {"status": "error", "code": http, "message": message}
    return json_message(HTTP_TO_COAP[http], body)


class ApiError(Exception):
    def __init__(self, http, message, body=None):
        super().__init__(message)
        self.http, self.body = http, body

    def to_message(self):
        if self.body is not None:
            return json_message(HTTP_TO_COAP[self.http], self.body)
        return error_message(self.http, str(self))


def split_path(uri_path):
    """Uri-Path segments without one trailing empty segment (`/v2/things/` == `/v2/things`)."""
    path = list(uri_path)
    if path and path[-1] == "":
        path.pop()
    return path


def parse_query(uri_query):
    """One Uri-Query option per parameter (RFC 7252 §6.4); a later duplicate wins."""
    out = {}
    for item in uri_query:
        name, _, value = item.partition("=")
        out[name] = value
    return out


class Hub:
    """Subscribers per thing token; each subscription owns a queue of notifications."""

    def __init__(self):
        self._subs = {}

    def add(self, token):
        q = asyncio.Queue()
        self._subs.setdefault(token, set()).add(q)
        return q

    def remove(self, token, q):
        subs = self._subs.get(token)
        if subs is not None:
            subs.discard(q)
            if not subs:
                del self._subs[token]

    def publish(self, token, items):
        for q in self._subs.get(token, ()):
            q.put_nowait(items)

    def count(self, token=None):
        if token is None:
            return sum(len(s) for s in self._subs.values())
        return len(self._subs.get(token, ()))


class ThingsApi:
    def __init__(self, store, events=None):
        self.store = store
        self.hub = Hub()
        self._events = events or (lambda text: None)  # one-line event log (never whole tokens)
        # Full payload of the last notification too large for one datagram, per token: RFC 7959
        # §2.6 sends only its first block, the client GETs the rest without Observe.
        self._big_notifications = {}
        self._tasks = set()  # running subscriptions, cancelled on shutdown
        # watch(token, stored records) after every write, watch(token, None) after an
        # activation: the web page's live feed (page.py)
        self.watchers = []

    # -- dispatch ------------------------------------------------------------------------------

    def subscription_of(self, request):
        """(token, query) when `request` registers a subscription, else None."""
        path = split_path(request.opt.uri_path)
        if request.code != Code.GET or request.opt.observe != 0:
            return None
        if len(path) != 3 or path[:2] != ["v2", "things"]:
            return None
        return path[2], parse_query(request.opt.uri_query)

    def is_notification_block(self, request):
        """A later block of a notification too large for one datagram (RFC 7959 §2.6)."""
        path = split_path(request.opt.uri_path)
        return (
            request.code == Code.GET
            and request.opt.observe is None
            and request.opt.block2 is not None
            and request.opt.block2.block_number > 0
            and len(path) == 3
            and path[:2] == ["v2", "things"]
        )

    async def respond(self, request):
        """The answer to every request except a subscription registration."""
        try:
            return self._respond(request)
        except ApiError as e:
            return e.to_message()

    def _respond(self, request):
        path = split_path(request.opt.uri_path)
        method = request.code
        if path == ["v2", "things"]:
            self._need(method, Code.POST)
            return self.activate(request)
        if len(path) == 3 and path[:2] == ["v2", "things"]:
            if method == Code.GET:
                return self.thing_get(request, path[2])
            self._need(method, Code.POST)
            return self.write(request, path[2])
        if len(path) == 5 and path[:2] == ["v2", "things"] and path[3] == "resources":
            self._need(method, Code.GET)
            return self.read(request, path[2], path[4])
        if path == ["v2", "utils", "date"]:
            self._need(method, Code.GET)
            return self.server_date(request)
        raise ApiError(404, "Not found")

    @staticmethod
    def _need(method, expected):
        if method != expected:
            raise ApiError(405, "Method not allowed")

    def _thing(self, token):
        if not self.store.thing_exists(token):
            raise ApiError(401, "Invalid thing token")
        return token

    # -- Activate ------------------------------------------------------------------------------

    def activate(self, request):
        body = _json_body(request)
        code = body.get("activationCode") if isinstance(body, dict) else None
        if not isinstance(code, str) or not code:
            raise ApiError(400, "activationCode missing")
        token = self.store.activate(code)
        if token is None:
            # Unknown, or already used: one code activates one thing once (thethings-api.md).
            raise ApiError(400, "", body=ACTIVATION_ERROR)
        self._events("activated thing %s... with code %s" % (token[:4], code))
        self.activated(token)
        return json_message(Code.CREATED, {"status": "created", "thingToken": token})

    def activated(self, token):
        """Tell the watchers (the web page) of a new thing."""
        for watch in self.watchers:
            watch(token, None)

    # -- Write ---------------------------------------------------------------------------------

    def write(self, request, token):
        self.write_values(token, request.payload)
        return json_message(Code.CREATED, WRITE_OK)

    def write_values(self, token, payload):
        """The Write call on a payload (bytes): validated as a whole, stored, then published
        to the thing's subscribers and to the watchers (the web page). ApiError when refused,
        nothing stored. Shared by CoAP and the page's form, so both refuse the same way."""
        self._thing(token)
        values = _validate_values(_json_payload(payload))
        stored = self.store.add_records(token, values, dates.now_ms())
        self.hub.publish(token, stored)  # one notification per write (seed "Subscribe")
        for watch in self.watchers:
            watch(token, stored)
        return stored

    # -- Read ----------------------------------------------------------------------------------

    def read(self, request, token, key):
        self._thing(token)
        q = parse_query(request.opt.uri_query)
        limit = _int_param(q, "limit", 1)
        if limit < 1:
            raise ApiError(400, "limit must be 1 or more")
        # Over 100 is clamped, not refused: the seed gives 100 as the maximum, not as an error.
        limit = min(limit, MAX_LIMIT)
        start = _date_param(q, "startDate")
        end = _date_param(q, "endDate")
        if not self.store.key_exists(token, key):
            raise ApiError(404, "Resource not found")  # a key never written: 4.04
        rows = self.store.read(token, key, limit, start, end)
        msg = json_message(Code.CONTENT, rows)
        if len(msg.payload) > BLOCK_PAYLOAD:
            # Block2 answers (RFC 7959): an ETag lets a client check all blocks belong together
            # (§2.4), Size2 tells it the total up front (§4).
            msg.opt.etag = hashlib.sha1(msg.payload).digest()[:8]
            msg.opt.size2 = len(msg.payload)
        return msg

    # -- Subscribe -----------------------------------------------------------------------------

    def thing_get(self, request, token):
        """GET on a thing without Observe 0: deregistration, or the rest of a big notification."""
        self._thing(token)
        if request.opt.block2 is not None and token in self._big_notifications:
            full = self._big_notifications[token]
            b = request.opt.block2
            return full._extract_block(b.block_number, b.size_exponent, BLOCK_PAYLOAD)
        if request.opt.observe == 1:  # RFC 7641 §3.6: a GET with Observe 1 deregisters
            return json_message(Code.CONTENT, {"status": "success", "message": "unsubscribed"})
        raise ApiError(400, "Subscribe needs the Observe option (seed: set the observe bit)")

    async def subscribe(self, pipe, token, query):
        """Serve one observation until the client leaves (aiocoap then cancels this task)."""
        try:
            self._thing(token)
            keepalive_ms = _int_param(query, "keepAlive", DEFAULT_KEEPALIVE_MS)
            if keepalive_ms < MIN_KEEPALIVE_MS:
                raise ApiError(400, "keepAlive must be at least %d ms" % MIN_KEEPALIVE_MS)
        except ApiError as e:
            # An error answer carries no Observe: the client is not registered (RFC 7641 §4.1).
            pipe.add_response(e.to_message(), is_last=True)
            return
        # Max-Age a little past the keepalive period, so that a client following RFC 7641
        # §3.3.1 only re-registers when a keepalive really went missing.
        max_age = math.ceil(keepalive_ms / 1000) + 2
        queue = self.hub.add(token)
        self._tasks.add(asyncio.current_task())
        self._events("subscribed %s... keepAlive=%d ms" % (token[:4], keepalive_ms))
        try:
            first = {"status": "success", "message": "subscribed"}
            pipe.add_response(json_message(Code.CONTENT, first, observe=0, max_age=max_age))
            seq = 0
            while True:
                try:
                    items = await asyncio.wait_for(queue.get(), keepalive_ms / 1000)
                except TimeoutError:
                    items = {}  # keepalive (thethings-api.md "Subscribe")
                seq = (seq + 1) & 0xFFFFFF  # RFC 7641 §4.4: 24-bit sequence numbers
                msg = json_message(Code.CONTENT, items, observe=seq, max_age=max_age)
                if len(msg.payload) > BLOCK_PAYLOAD:
                    msg.opt.etag = hashlib.sha1(msg.payload).digest()[:8]
                    self._big_notifications[token] = msg
                    msg = msg._extract_block(0, 6, BLOCK_PAYLOAD)  # RFC 7959 §2.6
                pipe.add_response(msg)
        finally:
            self.hub.remove(token, queue)
            self._tasks.discard(asyncio.current_task())
            self._events("subscription of %s... ended" % token[:4])

    async def cancel_subscriptions(self):
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- server date ---------------------------------------------------------------------------

    def server_date(self, request):
        """`GET /v2/utils/date?thingToken=&format=`; the answer's shape is the sim's own choice:
        {"status":"success","data":{"date": ISO string | unix seconds}}, see README."""
        q = parse_query(request.opt.uri_query)
        if "thingToken" in q:
            self._thing(q["thingToken"])
        fmt = q.get("format", "UTC")
        now = dates.now_ms()
        if fmt == "UTC":
            date = dates.iso(now)
        elif fmt == "unix_timestamp":
            date = now // 1000
        else:
            raise ApiError(400, "format must be UTC or unix_timestamp")
        return json_message(Code.CONTENT, {"status": "success", "data": {"date": date}})


# -- validation helpers ------------------------------------------------------------------------


def _json_body(request):
    return _json_payload(request.payload)


def _json_payload(payload):
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "Payload is not valid JSON")


def _validate_values(body):
    """[(key, value, ts_ms or None, geo or None)] or ApiError(400); all or nothing."""
    if not isinstance(body, dict) or not isinstance(body.get("values"), list):
        raise ApiError(400, 'Payload must be {"values": [...]}')
    if not body["values"]:
        raise ApiError(400, "values is empty")
    out = []
    for i, item in enumerate(body["values"]):
        if not isinstance(item, dict):
            raise ApiError(400, "values[%d] is not an object" % i)
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ApiError(400, "values[%d]: invalid key; use letters, digits, '.', '-', '_'" % i)
        if "value" not in item:
            raise ApiError(400, "values[%d]: value missing" % i)
        value = item["value"]
        # string or number (thethings-api.md "Write"); bool is an int subclass in Python
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ApiError(400, "values[%d]: value must be a string or a number" % i)
        if isinstance(value, float) and not math.isfinite(value):  # NaN is not JSON (RFC 8259)
            raise ApiError(400, "values[%d]: value must be a finite number" % i)
        ts = None
        if item.get("datetime") is not None:
            try:
                ts = dates.parse(item["datetime"])
            except ValueError as e:
                raise ApiError(400, "values[%d]: %s" % (i, e))
        geo = item.get("geo")
        if geo is not None and not (
            isinstance(geo, dict) and all(_is_number(geo.get(k)) for k in ("lat", "long"))
        ):
            raise ApiError(400, 'values[%d]: geo must be {"lat": number, "long": number}' % i)
        out.append((key, value, ts, geo))
    return out


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _int_param(q, name, default):
    if name not in q:
        return default
    try:
        return int(q[name])
    except ValueError:
        raise ApiError(400, "%s must be a whole number" % name)


def _date_param(q, name):
    if name not in q or q[name] == "":
        return None
    try:
        return dates.parse(q[name])
    except ValueError:
        raise ApiError(400, "%s must be YYYYMMDDHHmmss or ISO 8601" % name)
