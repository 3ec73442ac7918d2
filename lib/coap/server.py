# The CoAP server role: a resource layer on coap.engine's message layer (RFC 7252 §4), a
# second user of the engine beside the client's request layer. Imported only by code that
# serves: the firmware's client never loads it.
#
#   s = Server(port=5683)                        a socket of its own, or
#   s = Server(client)                           the client's socket and engine (unconnected)
#   s.add("/temp", get=lambda m: (CONTENT, b"21.5"), rt="temperature", ct=0)
#   while True:
#       s.serve(1000)                            (the client's poll(): both roles run)
#   await s.aserve()                             the same under asyncio (Server(..., aio=True)
#                                                or Server(a coap.aio Client))
#
# A handler runs inside the engine's receive(): it must not call the client (nor block).
# It gets the request (a Message, valid during the call) and answers a code, or a
# tuple (code, payload[, content-format[, options]]), options a sequence of (number, value)
# pairs (ETAG, LOCATION_PATH repeated, MAX_AGE an int, ...); or it raises: 5.00, and the
# server goes on serving; or it calls later(m) and the response follows by respond() (a
# separate response). The server's rules, each next to its RFC section: piggybacked
# responses to CON, NON responses to NON, separate ones (§5.2.2), a duplicate answered with
# the cached response (§4.5), RSTs for what cannot be processed (§4.2, §4.3), no error
# response to a multicast request (§8.1), the 4.xx a request earns, /.well-known/core
# (RFC 6690); block-wise (coap.server_block, RFC 7959) and Observe (coap.server_observe,
# RFC 7641 §4: add(..., obs=True), changed(path), observers()) in modules of their own.
#
# This module: the Server, its resources and API, the engine's wiring, and what runs over
# time (separate responses and their retransmission, §4.2, §5.2.2; the timers; the peer
# LRU). A request's way to its response (the checks, the handler, the response's type, MID
# and encoding, the NON cache, /.well-known/core) is coap.server_request's, whose functions
# become the Server's methods on the first request (_load): a firmware serving that nobody
# asks carries none of it.
#
# The engine (coap.engine) is the client's, unchanged: the server plugs into its serve hook
# and wraps its receive(), tick() and due() as attributes of that one instance, so that
# the firmware, which does not serve, carries none of the server's code.
from time import ticks_add, ticks_diff

from micropython import const

from coap.message import Encoder

_CON = const(0)
_NON = const(1)
_ACK = const(2)
_RST = const(3)
# Response codes, RFC 7252 §12.1.2
CREATED = const(0x41)
DELETED = const(0x42)
VALID = const(0x43)
CHANGED = const(0x44)
CONTENT = const(0x45)
BAD_REQUEST = const(0x80)
BAD_OPTION = const(0x82)
NOT_FOUND = const(0x84)
METHOD_NOT_ALLOWED = const(0x85)
NOT_ACCEPTABLE = const(0x86)
REQUEST_ENTITY_TOO_LARGE = const(0x8D)
UNSUPPORTED_FORMAT = const(0x8F)
INTERNAL_ERROR = const(0xA0)
PROXYING_NOT_SUPPORTED = const(0xA5)
# Options a handler may answer with, RFC 7252 §5.10
ETAG = const(4)
LOCATION_PATH = const(8)
MAX_AGE = const(14)
LOCATION_QUERY = const(20)
_BLOCK1 = const(27)  # RFC 7959 §2.1
_SIZE1 = const(60)  # RFC 7959 §4
_LINK_FORMAT = const(40)  # application/link-format, RFC 6690 §7.3
# A peer's slots in the engine (coap/engine.py's _ADDR..)
_ADDR = const(0)
_FLY = const(2)
_C = const(9)
# A separate response on its way (RFC 7252 §5.2.2): a list of these slots
_SP = const(0)  # the peer
_SD = const(1)  # the datagram
_SMID = const(2)  # its MID, which the client's ACK or RST carries
_SCON = const(3)  # True: CON, retransmitted until ACKed (§4.2); False: a NON, sent once
_STRIES = const(4)  # transmissions so far
_STMO = const(5)  # the next timeout
_SDUE = const(6)  # when it goes (again); None: not yet answered (Server.respond)
_STOK = const(7)  # the request's token
_SOB = const(8)  # a notification's observer (coap.server_observe), or None
_UEXP = const(2)  # an upload's expiry (coap.server_block's _EXP)


class Server:
    """Resources served on an engine: a Client's (coap.client, the blocking front end whose
    poll() serve() is), or a socket of its own bound to port (and bind). Counters: requests,
    errors (handlers that raised, answers that could not be sent), duplicates (NON; the
    engine counts CON's), lost (separate responses and CON notifications never ACKed)."""

    max_peers = 8  # clients remembered at once (each: its MIDs and dedup cache), LRU
    max_separate = 4  # separate responses waiting or on their way (§5.2.2)
    max_observers = 8  # observers of all resources at once (RFC 7641 §4.1)
    _ob = None  # coap.server_observe's Observers, from the first registration on (RAM)
    # Block-wise (RFC 7959, coap.server_block): the block size (2**(szx+4): 1024 bytes, or
    # less to fit the datagram), uploads assembled at once and the most each may carry
    block_szx = 6
    max_uploads = 2
    max_body = 4096
    too_large = expired = 0  # 4.13s answered; uploads expired or dropped unfinished
    _key = None  # (coap.server_block: the upload just finished)
    mcast = False  # the datagram being received came to a multicast address (§8.1)

    def __init__(self, engine=None, port=5683, bind="0.0.0.0", aio=False):
        if engine is None:
            import socket

            if aio:
                from coap.aio import Client
            else:
                from coap.client import Client

            ai = socket.getaddrinfo(bind, port, 0, socket.SOCK_DGRAM)[0]
            s = socket.socket(ai[0], socket.SOCK_DGRAM)
            s.bind(ai[-1])
            engine = Client(bind, port, sock=s)  # its server peer (peers[0]) never answers
            # an unconnected socket: the front end then reads with recvfrom, sends with
            # sendto (its _addr, else None for a socket of the caller's, says so)
            engine._addr = ai[-1]
        elif getattr(engine, "_addr", 0) is None:
            raise ValueError("a client on a connected socket hears only its server")
        self.e = engine
        engine.serve = self._serve
        # Engine.receive, wrapped (an instance attribute: the firmware's engine, which does
        # not serve, carries none of this): a malformed request may earn a 4.00
        self._rx = engine.receive
        engine.receive = self._receive
        self._tk = engine.tick  # ... and its timers, for the separate responses
        engine.tick = self._tick
        self._due = engine.due
        engine.due = self._due_in
        self.enc = Encoder(len(engine.enc.buf))  # not the client's: its request may be in it
        self._res = {}  # path (a tuple of bytes segments) -> resource
        self._order = []  # the resources in the order added, for /.well-known/core
        self._non = []  # address, MID, response, expiry of each NON answered; oldest first
        # NON_LIFETIME, RFC 7252 §4.8.2: MAX_TRANSMIT_SPAN + MAX_LATENCY
        self.non_lifetime = engine.lifetime - engine.observe_margin_ms - engine.ack_timeout
        r = engine.rand(2)
        self._mid = r[0] << 8 | r[1]
        self._sep = []  # separate responses pending or on their way (later(), respond())
        self._defer = False  # a handler is running and has not called later()
        self._up = []  # uploads being assembled (coap.server_block), oldest first
        self.requests = self.errors = self.duplicates = self.lost = 0
        self.add("/.well-known/core", get=self._core, ct=_LINK_FORMAT)

    def add(
        self, path, get=None, post=None, put=None, delete=None, ct=None, takes=None, rt=None,
        iface=None, obs=False, sz=None, title=None,
    ):  # fmt: skip
        """Serve path ('/a/b') with a handler per method. ct: the content format(s) it
        produces (an int or a tuple: a request's Accept outside them gets 4.06, and a
        payload without a Content-Format gets the first); takes: those it accepts (else
        4.15). rt, iface ('if'), ct, obs, sz, title: its attributes in /.well-known/core
        (RFC 6690 §3, RFC 7252 §7.2)."""
        import coap.uri as u

        if isinstance(ct, int):
            ct = (ct,)
        if isinstance(takes, int):
            takes = (takes,)
        a = []
        for k, v in (("rt", rt), ("if", iface), ("title", title)):
            if v is not None:
                a.append((k, v))
        if ct is not None:
            a.append(("ct", " ".join(str(c) for c in ct)))
        if sz is not None:
            a.append(("sz", str(sz)))
        if obs:
            a.append(("obs", None))  # RFC 7641 §6: and it takes registrations
        key = u.path(path)
        href = "/" + "/".join(s.decode() for s in key)
        r = [get, post, put, delete, ct, takes, href, a]  # coap.server_request's _GET..
        if key in self._res:
            self._order.remove(self._res[key])
        self._res[key] = r
        self._order.append(r)

    def remove(self, path):
        import coap.uri as u

        key = u.path(path)
        self._order.remove(self._res.pop(key))
        self.changed(key, True)  # its observers get the 4.04 (RFC 7641 §3.2), as CONs

    def changed(self, path, con=False):
        """Resource path ('/a/b') changed: each observer gets a notification, the resource's
        GET answer to its registration (RFC 7641 §4.2), at the next tick; con: as CONs (else
        NON, but a CON at least every 24 h, §4.5)."""
        if self._ob is not None:
            self._ob.changed(path, con)
            self._wake()

    def observers(self, path=None):
        """How many observe path ('/a/b'), or any resource."""
        return 0 if self._ob is None else self._ob.count(path)

    def _observe(self):
        if self._ob is None:
            from coap.server_observe import Observers

            self._ob = Observers(self)
        return self._ob

    def _wake(self):
        # The asyncio front end: its clock task wakes (looked up on the class: the blocking
        # client's __getattr__ would import coap.client_extra for the name)
        g = getattr(type(self.e), "_go", None)
        if g is not None:
            g(self.e)

    def serve(self, timeout_ms=0):
        """Answer requests (and run the client's side) for timeout_ms: the engine's poll()."""
        self.e.poll(timeout_ms)

    async def aserve(self):
        """Serve under asyncio (on a coap.aio Client, or Server(port=P, aio=True)): the
        client's tasks answer the requests; this waits until cancelled."""
        import asyncio

        self.e._go()  # its tasks started
        await asyncio.Event().wait()

    def later(self, m):
        """From a handler, for request m: its response comes later, by respond() with what
        this returns (RFC 7252 §5.2.2: a CON gets an empty ACK now, the response as a CON
        of its own, retransmitted until ACKed; a NON's comes as a NON). The handler's
        return value is then ignored. At most max_separate wait at once (then: 5.00)."""
        k = 0
        for x in self._sep:
            if x[_SOB] is None:  # (not a notification)
                k += 1
        if not self._defer or k >= self.max_separate:
            raise ValueError("later() outside a handler, or too many waiting")
        self._defer = False
        x = [None, None, -1, m.mtype == _CON, 0, 0, None, m.token(), None]
        self._sep.append(x)
        return x

    def respond(self, x, code, payload=None, cf=-1, opts=(), now=None):
        """Send the response to the request later() gave x for: as a handler answers."""
        if x[_SDUE] is not None or x not in self._sep:
            raise ValueError("answered already")
        p = x[_SP]
        mid = x[_SMID] = self._mid_for(p)
        self._encode(_CON if x[_SCON] else _NON, code, mid, x[_STOK], payload, cf, opts)
        x[_SD] = bytes(self.enc.buf[: len(self.enc)])
        e = self.e
        r = e.rand(2)  # §4.2: the first timeout in [ACK_TIMEOUT, ACK_TIMEOUT * factor]
        x[_STMO] = e.ack_timeout + e._span * (r[0] << 8 | r[1]) // 65535
        if now is None:
            from time import ticks_ms

            now = ticks_ms()
        x[_SDUE] = now  # goes at the next tick
        self._wake()

    # -- a request's way to its response: coap.server_request's, loaded by the first ------

    def _serve(self, p, m, data, n, now):  # the engine's serve hook (§4.2-§4.5) until then
        _load()
        self.e.serve = self._serve
        return self._serve(p, m, data, n, now)

    def _answer(self, *a):  # (§5.2) until then: a malformed request's 4.00 may come first
        _load()
        return self._answer(*a)

    def _core(self, m):  # /.well-known/core (RFC 6690): __init__ bound this one, not the load's
        return _load()._core(self, m)

    # -- the engine's receive --------------------------------------------------------------

    def _receive(self, data, n, addr, now, cut=False):
        # The engine's receive(); then, if it found data[:n] malformed (and answered an RST
        # to a CON whose MID it could read, §4.2): a request whose header and token can be
        # read gets 4.00 instead (RFC 7252 §5.9.2.1); to multicast, nothing (§8.1). One over
        # what we receive (cut): 4.13, its Block1 the block size to send it in (RFC 7959
        # §2.9.3), Size1 the most we take.
        e = self.e
        if n >= 4 and data[0] >> 6 == 1 and data[0] >> 4 & 3 >= _ACK:
            if self._ob is not None and self._ob.answer(addr, data):
                return  # a notification's ACK or RST (RFC 7641 §3.6, §4.5)
            mid = data[2] << 8 | data[3]
            for x in self._sep:
                if x[_SMID] == mid and x[_SCON] and x[_STRIES] and x[_SP][_ADDR] == addr:
                    # the client's ACK (or RST, §4.2: it lost interest) of our separate
                    # response: done (the engine would drop it: not its MID)
                    self._sep.remove(x)
                    return
        k = e.malformed
        self._rx(data, n, addr, now, cut)
        for p in e.peers:
            if p[_ADDR] == addr:
                break
        else:
            return
        c = p[_C]
        if self.mcast and c is not None and (c[0] >> 4 & 3 == _RST or c[1] >= 0x80):
            p[_C] = None  # §8.1: the engine's RSTs and replays too
        if e.malformed == k and not cut:
            # (an ACK, RST or response the engine took, a request _serve had): the engine
            # made a new peer for each new address, which the LRU must bound here too
            return self._trim(None)
        b = data[0] if n else 0
        t = b >> 4 & 3
        k = b & 15
        if self.mcast:
            p[_C] = None  # not even the RST
        elif n >= 4 and b >> 6 == 1 and t < _ACK and 0 < data[1] < 32 and 4 + k <= n and k < 9:
            o = [(_BLOCK1, self.block_szx), (_SIZE1, self.max_body)] if cut else ()
            c = REQUEST_ENTITY_TOO_LARGE if cut else BAD_REQUEST
            self.too_large += cut
            self._answer(p, t, data[2] << 8 | data[3], data[4 : 4 + k], c, now, None, -1, o)
        self._trim(p)

    # -- timers: the separate responses (RFC 7252 §4.2 for a CON) --------------------------

    def _tick(self, now):
        self._tk(now)
        if self._up:  # RFC 7252 §4.8.2: an unfinished upload kept EXCHANGE_LIFETIME at most
            from coap.server_block import expire

            expire(self, now)
        if self._ob is not None:
            self._ob.tick(now)  # the notifications of what changed, into _sep
        e = self.e
        q = self._sep
        i = 0
        while i < len(q):
            x = q[i]
            i += 1
            d = x[_SDUE]
            if d is None or ticks_diff(now, d) < 0:
                continue
            p = x[_SP]
            if x[_STRIES] > e.max_retransmit or not x[_SCON] and x[_STRIES]:
                i -= 1
                del q[i]  # sent (a NON), or never ACKed: given up (counted: lost)
                self.lost += x[_SCON]
                if x[_SOB] is not None:
                    self._ob.sent(x[_SOB], x[_SCON])  # RFC 7641 §4.5: a CON timed out
                continue
            if p[_C] is None:  # (the control slot: free once the front end flushed)
                p[_C] = x[_SD]
                x[_STRIES] += 1
                x[_SDUE] = ticks_add(now, x[_STMO] if x[_SCON] else 0)
                x[_STMO] *= 2

    def _due_in(self, now):
        t = self._due(now)
        if self._ob is not None and self._ob.pend:
            return 0
        for x in self._sep:
            if x[_SDUE] is not None:
                t = min(t, max(ticks_diff(x[_SDUE], now), 0))
        for u in self._up:  # (an upload's expiry, coap.server_block)
            t = min(t, max(ticks_diff(u[_UEXP], now), 0))
        return t

    def _trim(self, p):
        # At most max_peers clients beside the client's server (peers[0]): the one heard
        # from longest ago, with nothing of ours in flight or due to it, is forgotten (its
        # dedup cache with it: the oldest exchanges go first). An observer's peer is kept
        # while it observes (RFC 7641: its MIDs and dedup are its notifications' too).
        e = self.e
        ps = e.peers
        if len(ps) <= self.max_peers + 1:
            return
        for q in ps[1:]:
            if (
                q is not p
                and q[_FLY] is None
                and q[_C] is None
                and (self._ob is None or not self._ob.has(q))
            ):
                for r in e.reqs:
                    if r.peer is q:
                        break
                else:
                    for x in self._sep:
                        if x[_SP] is q:
                            break
                    else:
                        ps.remove(q)
                        return


def _load():
    # The first request (or a malformed one): coap.server_request's functions become the
    # Server's methods (_handle, _mid_for and _encode run only once a request came: no stubs)
    import coap.server_request as r

    Server._serve = r.serve
    Server._handle = r.handle
    Server._answer = r.answer
    Server._mid_for = r.mid_for
    Server._encode = r.encode
    Server._core = r.core
    return Server
