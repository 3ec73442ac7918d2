# CoAP's protocol logic without I/O ("sans-I/O", as in h11 or aioquic): datagrams with
# their peer's address and the current time go in; datagrams to send (each with its
# address), the next deadline and finished requests come out. It never touches a socket or
# a clock, so the blocking client (coap.client), the asyncio one (coap.aio) and
# virtual-time tests drive the same code.
#
#   e = Engine(addr=server)             RFC 7252 §4.8 transmission parameters by default
#   r = e.start(Request(GET, "/time"), now)
#   while not r.done:
#       send every d = e.output() to e.to until it gives None
#       wait up to e.due(now) ms: a datagram from addr goes to e.receive(data, n, addr, now);
#       then e.tick(now)
#   r.err (a CoapError, CoapTimeout) or r.data[:r.n], the response (r.body: block-wise)
#
# Message layer (RFC 7252 §4), one per peer (e.peers; a peer is a preallocated list, see
# _ADDR..): the peer's address, the MIDs we send it, the dedup cache of what it sent us
# (with room for a whole reply to replay), our one message to it in flight and its
# retransmissions, the empty ACK or RST due to it. An ACK or RST is matched by MID and
# peer (§4.4), a response by token and peer (§5.3.2). The client talks to one peer, the one
# given as addr (None: a connected socket's); a datagram from any other is dropped and
# counted (ignored) unless a server's resource layer is plugged into e.serve.
# Request layer (§5, the client's): the NSTART = 1 queue, token matching, piggybacked and
# separate responses. Block-wise transfers (coap.blockwise, RFC 7959) and observations
# (coap.observer, RFC 7641's client side) hang off it. Counters (for diagnostics and tests)
# are plain attributes: ignored, malformed, too_large, duplicates, retransmissions,
# mismatched, rejected, refused, overruns.
#
# RAM: a function costs about 65 bytes on a 32-bit port whatever its size, so the engine
# has few and full ones; nothing is allocated per datagram received. A peer is a list
# rather than an object: 12 slots (64 bytes on a 32-bit port) in place of the engine's
# attributes they replace (whose dict then shrinks by as much), where a class would add a
# type, its methods and an instance dict; its slots are named by the constants below.
from time import ticks_add, ticks_diff

from micropython import const

from coap.message import FormatError

# coap.message's names, as constants of this module, which cost no global and no lookup:
# the message types (RFC 7252 §3) (Encoder.opts()'s flags are coap.setup's)
_CON = const(0)
_NON = const(1)
_ACK = const(2)
_RST = const(3)
GET = const(1)
POST = const(2)
PUT = const(3)
DELETE = const(4)
_QUEUED = const(0)  # request states
_OUT = const(1)  # sent, outstanding: CON not ACKed, or NON without a response (§4.7)
_WAIT = const(2)  # ACKed, its separate response awaited (§5.2.2)
_DONE = const(3)
_DEDUP = const(16)  # 8 CONs answered (answer, expiry), RFC 7252 §4.5
_NEWS = const(16)  # 4 notifications waiting for the application, 4 items each
# A peer's slots (RFC 7252 §4, one message layer per endpoint):
_ADDR = const(0)  # its address as the socket gives it (None: a connected socket's peer)
_MID = const(1)  # the last MID we sent it (§4.4: MIDs are per endpoint): while one of ours
# is in flight, its MID, which an ACK or RST from this peer must carry
_FLY = const(2)  # our message to it in flight (a Request), NSTART = 1, §4.7; or None
_TXV = const(3)  # ... its datagram, and
_TX = const(4)  # ... it again when due for (re)transmission
_TRIES = const(5)  # ... retransmissions so far, the current timeout, when it runs out
_TMO = const(6)
_DUE = const(7)
_BIG = const(8)  # size of a datagram over rx_max seen from it while that was in flight
_C = const(9)  # the reply due to it: an empty ACK or RST (_CTL), or a whole datagram
_CTL = const(10)  # 4 bytes for the empty ACK or RST
_SEEN = const(11)  # dedup, §4.5: (answer, expiry) of each CON answered; oldest first. The
# answer: MID | type << 16 for an empty ACK or RST, or the whole reply (a datagram: a
# server's piggybacked response, its MID the request's) to replay.
# The longest timer: 2**28 ms (3.1 days). Ticks wrap at 2**30 ms on 32-bit ports and
# ticks_diff only orders stamps within ±2**29 ms; longer waits (Max-Age up to 2**32 - 1 s,
# RFC 7252 §5.10.5) are re-armed in steps of this (coap.observer).
CAP = const(0x0FFFFFFF)


class CoapError(Exception):
    """The exchange failed: reset, malformed answer, or over a limit."""


class CoapTimeout(CoapError):
    """No (complete) response before the deadline."""


class Request:
    """One request through the engine, and its state (block-wise: its whole transfer).
    path: '/a/b' or a tuple of bytes segments; query: 'x=1&y=2' or a tuple (strings are
    split by coap.uri, imported then only: an application passing tuples may unload it)."""

    # State, at its start: class attributes until set (a request's dict stays small)
    obs = None  # the Observation it registers or completes
    peer = None  # the peer it goes to (Engine.peer(addr)); None: the engine's first
    state = _QUEUED
    done = False
    dl = 0  # deadline, ticks
    data = None  # the response datagram and its length, once done
    n = 0
    body = None  # a block-wise body
    first = None  # the first block's datagram, for observations (RFC 7959 §2.6)
    err = None  # why it failed: a CoapError (CoapTimeout)
    b1 = -1  # Block1 SZX of a block-wise upload; -1: sent whole
    off = 0  # its offset
    b2 = -1  # Block2 value to send (early negotiation, next block); -1: none
    etag = None

    def __init__(
        self, code, path=(), query=(), payload=None, con=True, cf=-1, accept=-1, observe=-1,
        token=None,
    ):  # fmt: skip
        if isinstance(path, str) or isinstance(query, str):
            import coap.uri as u

            path = u.path(path) if isinstance(path, str) else path
            query = u.query(query) if isinstance(query, str) else query
        self.code = code
        self.path = path
        self.query = query
        self.pay = payload.encode() if isinstance(payload, str) else payload
        self.con = con
        self.cf = cf
        self.accept = accept
        self.observe = observe
        self.tok = token


class Engine:
    # Limits; set on an instance to change them for it.
    block_szx = 6  # block size 2**(szx+4) = 1024 bytes, RFC 7959 §2.2
    max_body = 16384  # bytes a block-wise response may grow to
    max_observations = 4
    # serve(peer, m, data, n, now): the server's resource layer, given each CON or NON that
    # is not a response (a request, a ping, a reserved class; m decoded from data[:n]) from
    # any peer, a duplicate CON excepted (the engine answers that as before). It answers
    # with reply(): a CON once, with now (an empty ACK, an RST, or its piggybacked response,
    # which a duplicate then gets again, RFC 7252 §4.5); a NON response without. While it
    # is None (a client only) a request is rejected and a datagram from a peer we do not
    # talk to dropped; with it, such a peer gets a message layer of its own.
    serve = None
    # The counters, 0 until the first of each: an engine's dict holds only those it counted
    ignored = malformed = too_large = duplicates = retransmissions = mismatched = 0
    rejected = refused = 0
    overruns = 0  # notifications dropped because 4 were waiting

    def __init__(self, *args, **kw):
        # Engine(ack_timeout_ms=2000, ack_random_factor=1.5, max_retransmit=4,
        #        max_latency_ms=100000, uri_host=None, rand=None, tx_max=1152, addr=None)
        # RFC 7252 §4.8 transmission parameters by default. The body is coap.setup's: it runs
        # once, so its code is loaded for the call only (RAM: a .mpy's code lives in the heap).
        from coap.setup import engine

        engine(self, *args, **kw)

    def peer(self, addr):
        """A message layer for the peer at addr (a list, slots _ADDR..), added to peers."""
        r = self.rand(2)
        # RFC 7252 §4.4: its MIDs start at a random one
        p = [addr, r[0] << 8 | r[1], None, None, None, 0, 0, 0, 0, None, bytearray(4), []]
        self.peers.append(p)
        return p

    # -- requests ------------------------------------------------------------------------

    def start(self, r, now, timeout_ms=None):
        """Queue request r, deadline timeout_ms (default MAX_TRANSMIT_WAIT) from now."""
        if r.tok is None:
            r.tok = self.rand(4)  # 32 random bits, RFC 7252 §5.3.1
        if r.peer is None:
            r.peer = self.peers[0]
        if r.code == GET and r.b2 < 0 and self.block_szx < 6:
            r.b2 = self.block_szx  # RFC 7959 §2.4 early negotiation: NUM 0, our SZX
        r.dl = ticks_add(now, min(timeout_ms or self.max_wait, CAP))
        self.reqs.append(r)
        self._next(now)
        return r

    def _next(self, now, r=None):
        # r (if given) is no longer in flight (ACKed, done, or to be sent again): its peer
        # and the transmit buffer are free. Then NSTART = 1: the oldest queued request goes
        # out once the transmit buffer is free (its peer has nothing else in flight: only
        # our requests fly). Options in ascending number, RFC 7252 §3.1; Block1, Size1 and
        # the payload last.
        if r is not None and r is self.out:
            p = r.peer
            self.out = p[_FLY] = p[_TX] = None
        while self.out is None:
            for r in self.reqs:
                if r.state == _QUEUED:
                    break
            else:
                return
            e = self.enc
            p = r.peer
            mid = p[_MID] = (p[_MID] + 1) & 0xFFFF
            try:
                e.header(_CON if r.con else _NON, r.code, mid, r.tok)
                o = self._opts
                o[1] = self.uhost or None
                o[3] = r.observe if r.observe >= 0 else None
                o[5] = r.path
                o[7] = r.cf if r.cf >= 0 else None
                o[9] = r.query
                o[11] = r.accept if r.accept >= 0 else None
                o[13] = r.b2 if r.b2 >= 0 else None
                e.opts(o)
                d = r.pay
                if d:
                    # Whole if it fits one datagram (RFC 7252 §4.6) and one block, else in
                    # blocks that leave room for the options (RFC 7959 §2.5).
                    if r.b1 >= 0 or len(d) > 16 << self.block_szx or len(e) + len(d) >= len(e.buf):
                        from coap.blockwise import block1

                        d = block1(self, r)
                    e.payload(d)
            except (ValueError, CoapError) as x:  # over tx_max, or no room for a block
                self.end(r, "request too large" if isinstance(x, ValueError) else x.args[0], now)
                continue
            p[_TXV] = p[_TX] = memoryview(e.buf)[: len(e)]
            r.state = _OUT
            self.out = p[_FLY] = r
            p[_TRIES] = p[_BIG] = 0
            self.unreachable = False
            # RFC 7252 §4.2: the first timeout uniform in [ACK_TIMEOUT, ACK_TIMEOUT *
            # ACK_RANDOM_FACTOR], doubled after each of MAX_RETRANSMIT resends.
            x = self.rand(2)
            p[_TMO] = x = self.ack_timeout + self._span * (x[0] << 8 | x[1]) // 65535
            p[_DUE] = ticks_add(now, x)

    def end(self, r, err, now, timeout=False):
        """Request r is done: answered (err None; self.rx holds its response), or failed
        (err: why), or dropped by its caller. A late answer to it is rejected."""
        if r.done:
            return
        if r is self.out:
            n = r.peer[_BIG]
            if timeout and n:
                err = "response too large (%d bytes)" % n
            elif timeout and self.unreachable:
                err += " (port unreachable)"
        if r in self.reqs:
            self.reqs.remove(r)
        r.state = _DONE
        r.done = True
        if err:
            r.err = (CoapTimeout if timeout else CoapError)(err)
        if r.obs is not None:
            r.obs.done(self, r, now)  # (may queue a request: it goes once r is out of the way)
        self._next(now, r)

    # -- datagrams -----------------------------------------------------------------------

    def output(self):
        """The next datagram to send (bytes-like, valid until the next call), its address in
        self.to (None: a connected socket's peer); None when there is none."""
        for p in self.peers:
            d = p[_C]
            if d is None:
                d = p[_TX]
                if d is None:
                    continue
                p[_TX] = None
            else:
                p[_C] = None
            self.to = p[_ADDR]
            return d
        return None

    def reply(self, p, a, mid, now=None):
        """Answer peer p's message of MID mid: an empty ACK or RST (a: its type; RFC 7252
        §4.2, §4.3), or a whole reply (a: a datagram of the caller's storage, a piggybacked
        response: its MID mid). Remembered for a duplicate, as of now (§4.5)."""
        if isinstance(a, int):
            b = p[_CTL]
            b[0] = 0x40 | a << 4
            b[1] = 0
            b[2] = mid >> 8
            b[3] = mid & 0xFF
            p[_C] = b
            a = mid | a << 16
        else:
            p[_C] = a
        if now is not None:
            s = p[_SEEN]
            if len(s) == _DEDUP:
                s.pop(0)
                s.pop(0)
            s.append(a)
            s.append(ticks_add(now, min(self.lifetime, CAP)))

    def receive(self, data, n, addr, now, cut=False):
        """Process one datagram data[:n] from addr (as the socket gives it; None: a
        connected socket's peer); cut: it filled the receive buffer (rx_max), so it may have
        been cut, and is not decoded."""
        for p in self.peers:
            if p[_ADDR] == addr:
                break
        else:
            if self.serve is None:
                self.ignored += 1  # RFC 7252 §5.3.2: only our server answers us
                return
            p = self.peer(addr)  # a new client of the server's
        if cut:
            # RFC 7252 §4.6: over what we receive, not decoded (rare: handled where large
            # transfers are)
            p[_BIG] = n
            from coap.blockwise import cut

            return cut(self, p, data, n, now)
        m = self.rx
        try:
            m.decode(data, n)
        except FormatError:
            self.malformed += 1
            if n >= 4 and data[0] >> 4 == 4:  # a CON whose MID can be read: reject, §4.2
                self.reply(p, _RST, data[2] << 8 | data[3])
            return
        t = m.mtype
        r = p[_FLY]
        if t >= _ACK:  # never answered, RFC 7252 §4.2
            if r is None or m.mid != p[_MID]:
                return  # late (answered before), stray, or for another peer's MID (§4.4)
            if t == _RST:
                return self.end(r, "reset by peer", now)  # our CON or NON, §4.2, §4.3
            if not r.con:
                return
            if m.code == 0:  # the empty ACK of a separate response, §5.2.2
                r.state = _WAIT
                return self._next(now, r)
            if not m.token_is(r.tok):
                self.mismatched += 1  # §5.3.2: not our response, whatever its MID
                return
        else:
            if t == _CON:
                s = p[_SEEN]
                for i in range(0, len(s), 2):
                    a = s[i]
                    if (a & 0xFFFF if isinstance(a, int) else a[2] << 8 | a[3]) == m.mid and (
                        ticks_diff(s[i + 1], now) > 0
                    ):
                        # §4.5: a duplicate (MID and peer) gets the same answer, and is
                        # processed once
                        self.duplicates += 1
                        return self.reply(p, a >> 16 if isinstance(a, int) else a, m.mid)
            c = m.code >> 5
            if m.code == 0 or c < 2 or c > 5:
                # A ping (empty CON), a request, or a reserved class: the server's, or (a
                # client only) a CON is rejected and a NON ignored. RFC 7252 §4.2, §4.3
                if self.serve is not None:
                    return self.serve(p, m, data, n, now)
                if t == _CON:
                    self.rejected += 1
                    self.reply(p, _RST, m.mid)
                return
            a = _RST if m.critical() else _ACK  # §5.4.1: an unknown critical option: reject
            for r in self.reqs:
                if r.state != _QUEUED and r.peer is p and m.token_is(r.tok):
                    break
            else:
                for o in self.obs:  # (each of the client's server: our first peer)
                    if p is self.peers[0] and m.token_is(o.token):
                        if t == _CON:
                            self.reply(p, a, m.mid, now)  # RFC 7641 §4.5
                        if a == _ACK:
                            o.take(self, m, data, n, now)
                        return
                # Nobody asked for this (e.g. an observation we forgot): reject it so that
                # the server stops sending. RFC 7252 §4.3, RFC 7641 §3.6
                self.rejected += 1
                return self.reply(p, _RST, m.mid, now if t == _CON else None)
            if t == _CON:
                self.reply(p, a, m.mid, now)  # a separate response: ACKed, §5.2.2
        # r's response, piggybacked or separate
        if m.critical():
            return self.end(r, "unknown critical option", now)  # RFC 7252 §5.4.1
        if (
            r.b1 >= 0 or r.body is not None or m.code == 0x8D
            or m.uint(23) is not None or m.uint(27) is not None
        ):  # fmt: skip
            from coap.blockwise import take

            if take(self, r, m, data, n, now):
                return  # its next block is on its way, or it failed
        if r.first is not None:  # an observation's blocks: its first has Observe, Max-Age
            data, n = r.first
            m.decode(data, n)
        r.data = data
        r.n = n
        self.end(r, None, now)

    # -- time ----------------------------------------------------------------------------

    def tick(self, now):
        """Run the timers due by now: retransmissions, deadlines, re-registrations."""
        for p in self.peers:
            r = p[_FLY]
            if r is not None and r.con and ticks_diff(now, p[_DUE]) >= 0:
                if p[_TRIES] == self.max_retransmit:
                    self.end(r, "timeout: no ACK", now, True)
                else:
                    p[_TRIES] += 1
                    p[_TMO] *= 2
                    p[_DUE] = ticks_add(now, p[_TMO])
                    self.retransmissions += 1
                    p[_TX] = p[_TXV]  # the same MID and token
        reqs = self.reqs
        i = 0
        while i < len(reqs):
            r = reqs[i]
            if ticks_diff(now, r.dl) >= 0:
                self.end(r, "timeout", now, True)  # r left the list
            else:
                i += 1
        for o in self.obs:
            if ticks_diff(now, o.due) >= 0:
                o.due_now(self, now)

    def due(self, now):
        """ms until tick() has something to do (0: now), at most CAP."""
        t = CAP
        for p in self.peers:
            if p[_TX] is not None or p[_C] is not None:
                return 0
            r = p[_FLY]
            if r is not None and r.con:
                t = min(t, ticks_diff(p[_DUE], now))
        for r in self.reqs:
            t = min(t, ticks_diff(r.dl, now))
        for o in self.obs:
            t = min(t, ticks_diff(o.due, now))
        return max(t, 0)

    # -- notifications for the application -----------------------------------------------

    def notify(self, o, data, n, body=None):
        """Queue news of observation o (data None: it was lost). A flat list: once grown,
        no allocation; when 4 wait, the oldest goes (counted: overruns)."""
        q = self._news
        if len(q) == _NEWS:
            self.overruns += 1
            del q[:4]
        q.append(o)
        q.append(data)
        q.append(n)
        q.append(body)

    def response(self, m, data, n, body=None):
        """m decoded from data[:n] with its block-wise body (m.body): a response or a
        notification as the front ends return it."""
        m.decode(data, n)
        m.body = body
        return m

    def pop(self):
        """The oldest news: its observation, the notification decoded into rx (lost set
        instead if the observation was lost); None when there is none."""
        q = self._news
        if not q:
            return None
        o = q.pop(0)
        d = q.pop(0)
        n = q.pop(0)
        b = q.pop(0)
        self.lost = d is None
        if d is not None:
            self.response(self.rx, d, n, b)
        return o
