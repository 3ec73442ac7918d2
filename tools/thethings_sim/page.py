"""The readings on a web page, beside the CoAP endpoint: HTTP on the same host and event loop.

    GET  /                 the page (page/index.html, page.js, page.css, favicon.svg)
    GET  /uplot/...        the chart library, uPlot, from tools/npm (`make setup`): no CDN
    GET  /events           server-sent events: a snapshot of every thing first, then one
                           event per write or activation, as they happen
    GET  /api/things       the same snapshot as JSON
    POST /api/things/ID    theThings.IO's Write call (body {"values": [...]}, thethings-api.md)
                           on the thing ID: same validation, storage and Observe notification
                           as the CoAP Write, so a subscribed board receives the value

A thing is named on the page by ID, a hash of its token, and shown by the token's first 4
characters: the page never holds a whole token (the credential), so serving it on a LAN
address (HOST=0.0.0.0) hands out none. A write needs Content-Type application/json, which a
form or an image of another site cannot send without a CORS preflight (answered by nobody).

HTTP/1.1 by hand (stdlib asyncio streams; aiohttp is not a dependency): one request per
connection (Connection: close), the event stream the one long-lived answer. The snapshot and the
event feed are taken on the event loop with no await in between, and every write happens on the
same loop, so a browser sees each record exactly once: none lost between the two, none twice.
"""

import asyncio
import hashlib
import json
import logging
import os

from .resources import WRITE_OK, ApiError

log = logging.getLogger("thethings_sim")

_HERE = os.path.dirname(os.path.abspath(__file__))
UPLOT_DIR = os.path.join(os.path.dirname(_HERE), "npm", "node_modules", "uplot", "dist")
_STATIC = {
    "/": (os.path.join(_HERE, "page", "index.html"), "text/html; charset=utf-8"),
    "/page.js": (os.path.join(_HERE, "page", "page.js"), "text/javascript; charset=utf-8"),
    "/page.css": (os.path.join(_HERE, "page", "page.css"), "text/css; charset=utf-8"),
    "/favicon.svg": (os.path.join(_HERE, "page", "favicon.svg"), "image/svg+xml"),
    "/uplot/uPlot.iife.min.js": (os.path.join(UPLOT_DIR, "uPlot.iife.min.js"), "text/javascript"),
    "/uplot/uPlot.min.css": (os.path.join(UPLOT_DIR, "uPlot.min.css"), "text/css"),
}
# Nothing but the page's own files runs or loads: even a value that slipped past the escaping
# could not run a script (inline scripts and handlers are refused).
_CSP = "default-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"
PER_KEY = 1000  # points of each key in a snapshot (the page keeps as many)
MAX_BODY = 16384  # a write's body; a board's writes are far smaller (one datagram)
MAX_HEAD = 8192  # request line and headers
MAX_STREAMS = 32  # open event streams (browser tabs)
_QUEUE = 1000  # events waiting for one stream; a tab that far behind is sent a new snapshot
_KEEPALIVE_S = 15  # a comment line on an idle stream, so a closed tab is noticed
_LINGER_S = 2  # how long a closing connection reads what the client still sends
_RETRY_MS = 1000  # EventSource's reconnect delay: back within 2 s of a server restart
_REASON = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
           405: "Method Not Allowed", 413: "Content Too Large", 415: "Unsupported Media Type",
           431: "Request Header Fields Too Large", 503: "Service Unavailable"}  # fmt: skip


def thing_id(token):
    """The page's name of a thing: not the token, not reversible to it."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Page:
    def __init__(self, api, host="127.0.0.1", port=8080, log_requests=True):
        self.api = api
        self.host = host
        self.port = port  # 0 picks a free port; the real one is here after start()
        self.log_requests = log_requests
        self._server = None
        self._streams = set()  # one queue per open event stream
        self._tasks = set()  # connection handlers, cancelled on stop

    async def start(self):
        if not os.path.exists(_STATIC["/uplot/uPlot.iife.min.js"][0]):
            log.warning("page: uPlot missing in %s (make setup installs it)", UPLOT_DIR)
        self._server = await asyncio.start_server(
            self._connection, self.host, self.port, limit=MAX_HEAD
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self.api.watchers.append(self._watch)
        return self

    async def stop(self):
        if self._watch in self.api.watchers:
            self.api.watchers.remove(self._watch)
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    @property
    def url(self):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "http://%s:%d/" % (host, self.port)

    # -- what the page shows -------------------------------------------------------------------

    def snapshot(self):
        store = self.api.store
        return [_thing(t, store.recent(t["token"], PER_KEY)) for t in store.things()]

    def _watch(self, token, stored):
        if stored is None:  # an activation
            t = [t for t in self.api.store.things() if t["token"] == token]
            event = {"type": "thing", "thing": _thing(t[0], {})}
        else:
            event = {"type": "write", "id": thing_id(token), "records": stored}
        data = _sse(event)
        for q in list(self._streams):
            try:
                q.put_nowait(data)
            except asyncio.QueueFull:  # that tab stopped reading: it gets a fresh snapshot
                self._streams.discard(q)
                q.overflow = True

    # -- HTTP ----------------------------------------------------------------------------------

    async def _connection(self, reader, writer):
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the browser went away
        except asyncio.CancelledError:
            # stop(): the task ends quietly (asyncio's stream callback would log a cancelled
            # connection task as an error); nothing awaits it but stop() itself
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader, writer):
        try:
            method, path, headers = await _read_head(reader)
            if path == "/events" and method == "GET":
                return await self._events(writer)
            status, ctype, body = await self._respond(reader, method, path, headers)
        except HttpError as e:
            status, ctype = e.status, "application/json"
            body = json.dumps({"status": "error", "code": e.status, "message": str(e)}).encode()
        head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (
            status, _REASON.get(status, ""), ctype, len(body))  # fmt: skip
        writer.write((head + _COMMON).encode() + body)
        await writer.drain()
        # Lingering close (RFC 9112 §9.6): a refused request's body may still be arriving;
        # closing on unread data sends a TCP RST, which can destroy the answer before the
        # client reads it. Half-close, then read until the client closes (or 2 s).
        if writer.can_write_eof():
            writer.write_eof()
        try:
            async with asyncio.timeout(_LINGER_S):
                while await reader.read(65536):
                    pass
        except TimeoutError:
            pass

    async def _respond(self, reader, method, path, headers):
        path = path.split("?", 1)[0]
        if path.startswith("/api/things/"):
            if method != "POST":
                raise HttpError(405, "Method not allowed")
            return await self._write(reader, path[len("/api/things/") :], headers)
        if method != "GET":
            raise HttpError(405, "Method not allowed")
        if path == "/api/things":
            return 200, "application/json", json.dumps(self.snapshot()).encode()
        if path not in _STATIC:
            raise HttpError(404, "Not found")
        name, ctype = _STATIC[path]
        try:
            with open(name, "rb") as f:
                return 200, ctype, f.read()
        except OSError:
            raise HttpError(503, "%s is missing: run make setup" % os.path.basename(name))

    async def _write(self, reader, tid, headers):
        # RFC 9110 §8.3: the media type is case-insensitive, parameters (charset) may follow
        if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise HttpError(415, "Content-Type must be application/json")
        try:
            n = int(headers.get("content-length", ""))
        except ValueError:
            raise HttpError(400, "Content-Length missing")
        if not 0 <= n <= MAX_BODY:
            raise HttpError(413, "body over %d bytes" % MAX_BODY)
        body = await reader.readexactly(n)
        tokens = [t["token"] for t in self.api.store.things() if thing_id(t["token"]) == tid]
        try:
            if not tokens:
                raise ApiError(401, "Invalid thing token")  # what the Write says of a stranger
            stored = self.api.write_values(tokens[0], body)
        except ApiError as e:  # the API's own status and message: the form shows them
            if self.log_requests:
                log.info("page: write to %s... refused: %s", (tokens or ["?"])[0][:4], e)
            out = e.body or {"status": "error", "code": e.http, "message": str(e)}
            return e.http, "application/json", json.dumps(out).encode()
        if self.log_requests:
            log.info("page: write to %s... of %d values", tokens[0][:4], len(stored))
        return 201, "application/json", json.dumps(WRITE_OK).encode()

    async def _events(self, writer):
        if len(self._streams) >= MAX_STREAMS:
            raise HttpError(503, "too many open pages")
        q = asyncio.Queue(_QUEUE)
        q.overflow = False
        # no await from here to the queue's registration: no write falls in between
        first = _sse({"type": "snapshot", "things": self.snapshot()})
        self._streams.add(q)
        try:
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + _COMMON.encode()
                + b"retry: %d\n\n" % _RETRY_MS  # WHATWG HTML §9.2.6: the reconnection time
                + first
            )
            await writer.drain()
            while not q.overflow:
                try:
                    data = await asyncio.wait_for(q.get(), _KEEPALIVE_S)
                except TimeoutError:
                    data = b": keepalive\n\n"
                writer.write(data)
                await writer.drain()
        finally:
            self._streams.discard(q)


_COMMON = (
    "Cache-Control: no-store\r\nConnection: close\r\nX-Content-Type-Options: nosniff\r\n"
    "Content-Security-Policy: %s\r\n\r\n" % _CSP
)


def _thing(t, keys):
    # "short": the token's first 4 characters, all a person needs to tell things apart
    return {"id": thing_id(t["token"]), "short": t["token"][:4], "created": t["created"],
            "keys": keys}  # fmt: skip


def _sse(event):
    # one `data:` line: json.dumps never writes a newline (WHATWG HTML §9.2.6 splits on them)
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


async def _read_head(reader):
    """(method, target, {lowercase header name: value}) of one request (RFC 9112 §2-§5)."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.LimitOverrunError, ValueError):  # over the stream's limit (MAX_HEAD)
        raise HttpError(431, "request head too large")
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[1].startswith("/"):
        raise HttpError(400, "not an HTTP/1.x request")
    headers = {}
    for line in lines[1:]:
        if line:
            name, sep, value = line.partition(":")
            if not sep:
                raise HttpError(400, "malformed header line")
            headers[name.strip().lower()] = value.strip()
    return parts[0], parts[1], headers
