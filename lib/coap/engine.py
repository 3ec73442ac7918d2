# The CoAP client's protocol logic without I/O ("sans-I/O", as in h11 or aioquic):
# datagrams and the current time go in; datagrams to send, the next deadline and finished
# requests come out. It never touches a socket or a clock, so the blocking client
# (coap.client), the asyncio one (coap.aio) and virtual-time tests drive the same code.
#
#   e = Engine()                        RFC 7252 §4.8 transmission parameters by default
#   r = e.start(Request(GET, "/time"), now)
#   while not r.done:
#       send every e.output() until it gives None
#       wait up to e.due(now) ms: a datagram goes to e.receive(data, n, now); then e.tick(now)
#   r.err (a CoapError, CoapTimeout) or r.data[:r.n], the response (r.body: block-wise)
#
# Message layer (RFC 7252 §4): MIDs, CON retransmission, deduplication, the ACK/RST rules.
# Request layer (§5): the NSTART = 1 queue, token matching, piggybacked and separate
# responses. Block-wise transfers (coap.blockwise, RFC 7959) and observations
# (coap.observer, RFC 7641's client side) hang off it. Counters (for diagnostics and
# tests) are plain attributes: ignored, malformed, too_large, duplicates, retransmissions,
# mismatched, rejected, refused, overruns.
#
# RAM: a function costs about 65 bytes on a 32-bit port whatever its size, so the engine
# has few and full ones; nothing is allocated per datagram received.
import os
from time import ticks_add, ticks_diff

from micropython import const

from coap.message import ACK, CON, EACH, NON, RST, UINT, Encoder, FormatError, Message, same_token

GET = const(1)
POST = const(2)
PUT = const(3)
DELETE = const(4)
_QUEUED = const(0)  # request states
_OUT = const(1)  # sent, outstanding: CON not ACKed, or NON without a response (§4.7)
_WAIT = const(2)  # ACKed, its separate response awaited (§5.2.2)
_DONE = const(3)
_DEDUP = const(16)  # 8 CONs answered (MID | answer type << 16, expiry), RFC 7252 §4.5
_NEWS = const(16)  # 4 notifications waiting for the application, 4 items each
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

    def __init__(
        self, ack_timeout_ms=2000, ack_random_factor=1.5, max_retransmit=4,
        max_latency_ms=100000, uri_host=None, rand=None, tx_max=1152,
    ):  # fmt: skip
        self.ack_timeout = ack_timeout_ms
        self._span = int(ack_timeout_ms * (ack_random_factor - 1))
        self.max_retransmit = max_retransmit
        slot = ack_timeout_ms + self._span
        # RFC 7252 §4.8.2: MAX_TRANSMIT_WAIT (the default deadline) and EXCHANGE_LIFETIME
        # (how long a CON's MID is remembered), with PROCESSING_DELAY = ACK_TIMEOUT: 93 s
        # and 247 s at the defaults.
        self.max_wait = slot * ((2 << max_retransmit) - 1)
        self.lifetime = slot * ((1 << max_retransmit) - 1) + 2 * max_latency_ms + ack_timeout_ms
        self.observe_margin_ms = max_latency_ms  # RFC 7641 §3.3.1: MAX_LATENCY
        self.uhost = uri_host  # Uri-Host (bytes) for a host name, RFC 7252 §6.4
        # rand(n): n random bytes, os.urandom by default (a port without it, as qemu's
        # boards, must give its own)
        self.rand = rand = rand or os.urandom
        r = rand(2)
        self._mid = r[0] << 8 | r[1]  # RFC 7252 §4.4: start at a random MID
        # What it sends is built in place in one buffer: datagrams of up to 1152 bytes (RFC
        # 7252 §4.6); a board that only sends small ones (smaller blocks) may give less.
        self.enc = Encoder(tx_max)
        # A request's options as Encoder.opts() writes them in one pass, in ascending number
        # (RFC 7252 §3.1), None where a request has none: Uri-Host, Observe, each Uri-Path,
        # Content-Format, each Uri-Query, Accept, Block2. One list, refilled for each request.
        self._opts = [3, None, 6 | UINT, None, 11 | EACH, None, 12 | UINT, None,
                      15 | EACH, None, 17 | UINT, None, 23 | UINT, None]  # fmt: skip
        self._txv = None  # the outstanding request's datagram, and
        self._tx = None  # ... it again when due for (re)transmission
        self._ctl = bytearray(4)  # an empty ACK or RST, and
        self._c = None  # ... it when due
        # The one decoder: what arrives, what the front ends return and deliver. A message
        # is valid until the next call into the client.
        self.rx = Message()
        self.reqs = []  # live requests, oldest first; the first queued starts when none is out
        self.out = None  # the outstanding one (NSTART = 1, RFC 7252 §4.7)
        self._omid = -1  # its MID, its retransmissions, timeout and when it runs out
        self._tries = self._tmo = self._due = 0
        self._big = 0  # size of a datagram over rx_max seen while it was out
        self.unreachable = False  # ICMP port unreachable seen (the front end sets it)
        self.obs = []  # active observations (coap.observer)
        self._seen = []  # CONs answered: MID | answer type << 16, expiry; oldest first
        self._news = []  # notifications: observation, datagram, length, body; oldest first
        self.lost = False  # what pop() took was the loss of the observation
        self.ignored = self.malformed = self.too_large = self.duplicates = 0
        self.retransmissions = self.mismatched = self.rejected = self.refused = 0
        self.overruns = 0  # notifications dropped because 4 were waiting

    # -- requests ------------------------------------------------------------------------

    def start(self, r, now, timeout_ms=None):
        """Queue request r, deadline timeout_ms (default MAX_TRANSMIT_WAIT) from now."""
        if r.tok is None:
            r.tok = self.rand(4)  # 32 random bits, RFC 7252 §5.3.1
        if r.code == GET and r.b2 < 0 and self.block_szx < 6:
            r.b2 = self.block_szx  # RFC 7959 §2.4 early negotiation: NUM 0, our SZX
        r.dl = ticks_add(now, min(timeout_ms or self.max_wait, CAP))
        self.reqs.append(r)
        self._next(now)
        return r

    def _next(self, now):
        # NSTART = 1: the oldest queued request goes out once none is outstanding. Options
        # in ascending number, RFC 7252 §3.1; Block1, Size1 and the payload last.
        while self.out is None:
            for r in self.reqs:
                if r.state == _QUEUED:
                    break
            else:
                return
            e = self.enc
            self._mid = (self._mid + 1) & 0xFFFF
            try:
                e.header(CON if r.con else NON, r.code, self._mid, r.tok)
                o = self._opts
                o[1] = self.uhost or None
                o[3] = r.observe if r.observe >= 0 else None
                o[5] = r.path
                o[7] = r.cf if r.cf >= 0 else None
                o[9] = r.query
                o[11] = r.accept if r.accept >= 0 else None
                o[13] = r.b2 if r.b2 >= 0 else None
                e.opts(o)
                p = r.pay
                if p:
                    # Whole if it fits one datagram (RFC 7252 §4.6) and one block, else in
                    # blocks that leave room for the options (RFC 7959 §2.5).
                    if r.b1 >= 0 or len(p) > 16 << self.block_szx or len(e) + len(p) >= len(e.buf):
                        from coap.blockwise import block1

                        p = block1(self, r)
                    e.payload(p)
            except (ValueError, CoapError) as x:  # over tx_max, or no room for a block
                self.end(r, "request too large" if isinstance(x, ValueError) else x.args[0], now)
                continue
            self._txv = self._tx = memoryview(e.buf)[: len(e)]
            r.state = _OUT
            self.out = r
            self._omid = self._mid
            self._tries = self._big = 0
            self.unreachable = False
            # RFC 7252 §4.2: the first timeout uniform in [ACK_TIMEOUT, ACK_TIMEOUT *
            # ACK_RANDOM_FACTOR], doubled after each of MAX_RETRANSMIT resends.
            x = self.rand(2)
            self._tmo = self.ack_timeout + self._span * (x[0] << 8 | x[1]) // 65535
            self._due = ticks_add(now, self._tmo)

    def end(self, r, err, now, timeout=False):
        """Request r is done: answered (err None; self.rx holds its response), or failed
        (err: why), or dropped by its caller. A late answer to it is rejected."""
        if r.done:
            return
        if r is self.out:
            self.out = self._tx = None
            if timeout and self._big:
                err = "response too large (%d bytes)" % self._big
            elif timeout and self.unreachable:
                err += " (port unreachable)"
        if r in self.reqs:
            self.reqs.remove(r)
        r.state = _DONE
        r.done = True
        if err:
            r.err = (CoapTimeout if timeout else CoapError)(err)
        if r.obs is not None:
            r.obs.done(self, r, now)
        self._next(now)

    # -- datagrams -----------------------------------------------------------------------

    def output(self):
        """The next datagram to send (bytes-like, valid until the next call), or None."""
        d = self._c
        if d is not None:
            self._c = None
            return d
        d = self._tx
        self._tx = None
        return d

    def _reply(self, mtype, mid, now=None):
        # An empty ACK or RST (RFC 7252 §4.2, §4.3); remembered for duplicates when now.
        b = self._ctl
        b[0] = 0x40 | mtype << 4
        b[1] = 0
        b[2] = mid >> 8
        b[3] = mid & 0xFF
        self._c = b
        if now is not None:
            s = self._seen
            if len(s) == _DEDUP:
                s.pop(0)
                s.pop(0)
            s.append(mid | mtype << 16)
            s.append(ticks_add(now, min(self.lifetime, CAP)))

    def receive(self, data, n, now, cut=False):
        """Process one datagram from the server, data[:n]; cut: it filled the receive
        buffer (rx_max), so it may have been cut, and is not decoded."""
        if cut:
            # RFC 7252 §4.6: over what we receive, counted. A piggybacked one is left to
            # retransmission (the request then fails saying so); a separate response (a
            # request's token in its header) ends that request at once.
            self.too_large += 1
            self._big = n
            t = (data[0] >> 4) & 3
            tkl = data[0] & 15
            if data[0] >> 6 != 1 or t > NON or tkl > 8:
                return
            for r in self.reqs:
                if r.state != _QUEUED and same_token(data, tkl, r.tok):
                    if t == CON:
                        self._reply(RST, data[2] << 8 | data[3], now)  # unprocessable, §4.2
                    return self.end(r, "response too large (%d bytes)" % n, now)
            return
        m = self.rx
        try:
            m.decode(data, n)
        except FormatError:
            self.malformed += 1
            if n >= 4 and data[0] >> 4 == 4:  # a CON whose MID can be read: reject, §4.2
                self._reply(RST, data[2] << 8 | data[3])
            return
        t = m.mtype
        r = self.out
        if t >= ACK:  # never answered, RFC 7252 §4.2
            if r is None or m.mid != self._omid:
                return  # late (answered before) or stray
            if t == RST:
                return self.end(r, "reset by peer", now)  # our CON or NON, §4.2, §4.3
            if not r.con:
                return
            if m.code == 0:  # the empty ACK of a separate response, §5.2.2
                r.state = _WAIT
                self.out = self._tx = None
                return self._next(now)
            if not m.token_is(r.tok):
                self.mismatched += 1  # §5.3.2: not our response, whatever its MID
                return
        else:
            c = m.code >> 5
            if m.code == 0 or c < 2 or c > 5:
                # A ping (empty CON), a request, or a reserved class: we serve nothing, so
                # a CON is rejected and a NON ignored. RFC 7252 §4.2, §4.3
                if t == CON:
                    self.rejected += 1
                    self._reply(RST, m.mid)
                return
            if t == CON:
                s = self._seen
                for i in range(0, len(s), 2):
                    if s[i] & 0xFFFF == m.mid and ticks_diff(s[i + 1], now) > 0:
                        # §4.5: a duplicate gets the same answer, and is processed once
                        self.duplicates += 1
                        return self._reply(s[i] >> 16, m.mid)
            a = RST if m.critical() else ACK  # §5.4.1: an unknown critical option: reject
            for r in self.reqs:
                if r.state != _QUEUED and m.token_is(r.tok):
                    break
            else:
                for o in self.obs:
                    if m.token_is(o.token):
                        if t == CON:
                            self._reply(a, m.mid, now)  # RFC 7641 §4.5
                        if a == ACK:
                            o.take(self, m, data, n, now)
                        return
                # Nobody asked for this (e.g. an observation we forgot): reject it so that
                # the server stops sending. RFC 7252 §4.3, RFC 7641 §3.6
                self.rejected += 1
                return self._reply(RST, m.mid, now if t == CON else None)
            if t == CON:
                self._reply(a, m.mid, now)  # a separate response: ACKed, §5.2.2
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
        r = self.out
        if r is not None and r.con and ticks_diff(now, self._due) >= 0:
            if self._tries == self.max_retransmit:
                self.end(r, "timeout: no ACK", now, True)
            else:
                self._tries += 1
                self._tmo *= 2
                self._due = ticks_add(now, self._tmo)
                self.retransmissions += 1
                self._tx = self._txv  # the same MID and token
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
        if self._tx is not None or self._c is not None:
            return 0
        t = CAP
        if self.out is not None and self.out.con:
            t = ticks_diff(self._due, now)
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

    def pop(self):
        """The oldest news: its observation, the notification decoded into rx (lost set
        instead if the observation was lost); None when there is none."""
        q = self._news
        if not q:
            return None
        o = q.pop(0)
        d = q.pop(0)
        self.lost = d is None
        if d is not None:
            self.rx.decode(d, q[0])
        q.pop(0)
        self.rx.body = q.pop(0)
        return o
