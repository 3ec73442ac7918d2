# The firmware as a CoAP server (config "serve": true; app.start imports this module only
# then, so that with serve off the firmware's code and heap are what they were):
#   /.well-known/core   the links (RFC 6690), made by coap.server
#   /sensors/<key>      each sampled key's latest value as text (ct 0), Max-Age a period;
#                       observable (RFC 7641): each fresh sample notifies its observers
#   /status             JSON (ct 50): uptime, outbox count, the last write's result, the
#                       reset cause, the period; never the token nor the WiFi password
#
# One socket for both roles: app.provision binds the client's socket to serve_port (bind()
# below) instead of connecting it, and coap.server's Server shares the client's engine
# (RFC 7252 §4: one message layer, MIDs and dedup per peer). No loop of its own: the
# requests are answered inside the client's steps, which the app already runs under its one
# time budget (App.left/feed): a write's steps, the subscription's poll(), and the idle
# slices, where the board's sleep_ms becomes a poll() of the client while one exists. So no
# request delays a sample past the slot, nor the watchdog's feed past its margin.
#
# Bounded, whatever a peer sends: at most `rate` datagrams from clients (anything not from
# theThings.IO) go to the server per second, the rest are dropped and counted (shed); the
# server remembers max_peers clients (each with its dedup cache of whole responses, RFC
# 7252 §4.5) and _KEYS sensor keys.
#
# The hooks, each an instance attribute set here (App's class and its modules unchanged):
# board.sensors (the sample), board.sleep_ms (the idle slices), app.write (the last
# result); and app.provision's server() calls server() below (a new client: a Server on it;
# the link lost: the Server goes with the client, and an observer registers again once its
# Max-Age has run out, RFC 7641 §3.3.1).
import json
from time import ticks_diff, ticks_ms

from micropython import const

from coap.server import CONTENT, MAX_AGE, NOT_FOUND, Server

_KEYS = const(16)  # sensor resources at most (a board's keys are a handful)
_WIN = const(1000)  # ms: the window of the rate limit
_TEXT = const(0)  # text/plain; charset=utf-8, RFC 7252 §12.3
_JSON = const(50)  # application/json
_WORDS = const(("sent", "retry", "rejected"))  # App.write()'s SENT, RETRY, REJECTED


class Serving:
    """The firmware's server state across clients (a WiFi reconnect makes a new client)."""

    rate = 20  # client datagrams handled per second; the rest shed (counted)
    max_peers = 3  # clients remembered at once (coap.server's LRU; their dedup caches)

    def __init__(self, app, port):
        self.app = app
        self.port = port
        self.s = None  # the Server on the current client
        self.vals = ()  # the latest sample: the app's list (it appends uptime, dropped)
        self.last = {}  # key -> its latest value, for a key a sample may leave out
        self.fresh = False  # a sample not yet notified
        self.res = None  # the last write's result (App.write's), and why
        self.why = None
        self.shed = self.handled = 0
        self.win = ticks_ms()
        self.k = 0  # client datagrams in the current window
        b = app.board
        self._sensors = b.sensors
        b.sensors = self.sensors
        self._sleep = b.sleep_ms
        b.sleep_ms = self.sleep_ms
        cls = type(app)
        self._write = cls.write
        app.write = self.write

    # -- the app's hooks -----------------------------------------------------------------

    def bind(self, sock, family):
        """app.provision: the client's socket bound to serve_port on every address (not
        connected: it hears the clients as well as theThings.IO)."""
        import socket

        a = socket.getaddrinfo("::" if family == socket.AF_INET6 else "0.0.0.0", self.port)
        sock.bind(a[0][-1])

    def sensors(self):
        v = self._sensors()
        self.vals = v
        self.fresh = True  # notified at the client's next step (the list complete by then)
        return v

    def write(self, batch):
        app = self.app
        r = self._write(app, batch)
        self.res = r
        self.why = None if r == 0 else app.why
        return r

    def server(self, client, addr):
        """app.provision's server(): a new client gets a Server on it."""
        if client is None:
            if addr is None:
                self.s = None  # the link was lost: the client (closed) and its Server go
            return
        # The client's socket is bound, not connected (bind()): it reads with recvfrom and
        # sends with sendto, its server's address the engine's first peer (RFC 7252 §4.4)
        client._addr = client.peers[0][0] = addr[1]
        s = self.s = Server(client)
        s.max_peers = self.max_peers
        self._rx = client.receive
        client.receive = self.receive
        self._tk = client.tick
        client.tick = self.tick
        s.add("/status", get=self.status, ct=_JSON)
        for k in self.last:
            self.add(k)

    def sleep_ms(self, ms):
        # The board's sleep, in the idle slices and the WiFi waits: a poll() of the client
        # (the requests answered) for as long, while there is one; else the board's.
        c = self.app.client
        if self.s is None or c is None:
            return self._sleep(ms)
        t0 = ticks_ms()
        try:
            c.poll(ms)
        except Exception as e:  # the link gone (a send failed), no room, a callback's: the
            self.app.log("serve: %r" % (e,))  # rest of the slice asleep
            self._sleep(max(0, ms - ticks_diff(ticks_ms(), t0)))

    # -- the client's engine, wrapped ----------------------------------------------------

    def receive(self, data, n, addr, now, cut=False):
        # Shed what is over the rate: a datagram not from theThings.IO (a client's request,
        # ACK or RST) beyond `rate` in this window is dropped unread
        if addr != self.app.addr[1]:
            if ticks_diff(now, self.win) >= _WIN:
                self.win = now
                self.k = 0
            if self.k >= self.rate:
                self.shed += 1
                return
            self.k += 1
            self.handled += 1
        self._rx(data, n, addr, now, cut)

    def tick(self, now):
        if self.fresh:
            self.fresh = False
            self.take()
        self._tk(now)

    # -- resources -----------------------------------------------------------------------

    def take(self):
        # A fresh sample: its values kept by key, a resource for a new key, and each
        # observer of a key told (RFC 7641 §4.2)
        last = self.last
        s = self.s
        for k, v in self.vals:
            if k not in last:
                if len(last) >= _KEYS:
                    continue
                if s is not None:
                    self.add(k)
            last[k] = v
            if s is not None:
                s.changed("/sensors/" + k)

    def add(self, k):
        self.s.add("/sensors/" + k, get=self.getter(k), ct=_TEXT, obs=True)

    def getter(self, k):
        return lambda m: self.value(k)

    def value(self, k):
        v = None
        for x, y in self.vals:  # the latest sample (kept in last once notified)
            if x == k:
                v = y
                break
        else:
            v = self.last.get(k)
        if v is None:
            return NOT_FOUND
        # RFC 7252 §5.10.5: fresh until the next sample (a period, rounded up, plus 1 s)
        return (CONTENT, str(v), _TEXT, ((MAX_AGE, (self.app.period_ms + 1999) // 1000),))

    def status(self, m):
        app = self.app
        w = "none" if self.res is None else _WORDS[self.res]
        if self.why:
            w += ": " + self.why
        # Never a secret: the token or the WiFi password, should an error's text hold one
        for x in (app.token, (app.cfg.get("wifi") or {}).get("password")):
            if x:
                w = w.replace(x, "***")
        s = self.s
        d = {
            "uptime": app.up // 1000, "outbox": len(app.store), "write": w,
            "reset": app.board.cause, "period_ms": app.period_ms, "periods": app.n,
            "requests": s.requests if s else 0, "shed": self.shed,
        }  # fmt: skip
        return (CONTENT, json.dumps(d), _JSON)


def setup(app, cfg):
    """app.start, with config "serve": the hooks set (the Server comes with the client);
    app.serve is the Serving (app.provision asks it to bind())."""
    app.serve = Serving(app, cfg["serve_port"])
