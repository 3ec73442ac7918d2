# CoAP client over one UDP (or DTLS) socket to one server: confirmable
# retransmission (RFC 7252 §4.2), message deduplication (§4.5), separate
# responses (§5.2.2), block-wise transfers (RFC 7959) and observations
# (RFC 7641, the Observation class). Blocking calls with deadlines; one request
# in flight (NSTART = 1, RFC 7252 §4.7) while notifications keep reaching their
# callbacks.
import os
import select

from coap.message import ACK, CON, NON, RST, Encoder, FormatError, Message, block, fresher

try:
    from time import ticks_add, ticks_diff, ticks_ms

    from micropython import const
except ImportError:  # CPython host
    from coap._host import const, ticks_add, ticks_diff, ticks_ms

GET = const(1)
POST = const(2)
PUT = const(3)
DELETE = const(4)
_CONTINUE = const(0x5F)  # 2.31, RFC 7959 §2.9.1
_TOO_LARGE = const(0x8D)  # 4.13, RFC 7959 §2.9.3
_DEDUP = const(8)  # recent CON MIDs remembered, RFC 7252 §4.5
_EAGAIN = const(11)  # errno on Linux, lwIP (ESP32, Pico W) and the unix port
_TKL = const(4)  # token bytes: 32 random bits, RFC 7252 §5.3.1


def _req(code, path, query, cf=-1, accept=-1, con=True):
    # What every exchange of one request repeats, its URI split once. coap.uri is imported
    # here and in Client() only: an application passing tuples may unload it after start.
    if isinstance(path, str):
        from coap.uri import path as split

        path = split(path)
    if isinstance(query, str):
        from coap.uri import query as split

        query = split(query)
    return (code, path, query, cf, accept, con)


class CoapError(Exception):
    """The exchange failed: reset, malformed answer, or over a limit."""


class CoapTimeout(CoapError):
    """No (complete) response before the deadline."""


class Observation:
    """Returned by Client.observe(). callback(msg) runs for the first response
    and every fresh notification; callback(None) when the observation was lost
    (re-registration failed). active turns False when it ends."""

    def __init__(self, req, callback, token, margin_ms):
        self.req = req  # (GET, path, query, ...) as the client sends it
        self.callback = callback
        self.token = token
        self.active = False
        self.seq = -1  # last Observe value seen, RFC 7641 §3.4
        self._t = 0
        self._margin = margin_ms
        self.expires = 0
        self.pending = None  # (body, Block2, ETag) of a notification to complete

    def _take(self, m):
        # A response or notification for our token; True if it is to be
        # delivered now (fresh, complete). RFC 7641 §3.2, §3.4.
        now = ticks_ms()
        v = m.uint(6)
        if m.code >> 5 != 2 or v is None:
            # An error, or a 2.xx without Observe: the server does not (or no
            # longer) keep us as an observer. RFC 7641 §3.2
            self.active = False
            return True
        if self.seq >= 0 and not fresher(self.seq, v, ticks_diff(now, self._t)):
            return False  # stale: reordered behind a newer one
        self.active = True
        self.seq = v
        self._t = now
        # RFC 7641 §3.3.1: without news for Max-Age (default 60 s, RFC 7252
        # §5.10.5) the representation is stale; re-register after a margin.
        self.expires = ticks_add(now, m.uint(14, 60) * 1000 + self._margin)
        b2 = m.uint(23, 0)
        if b2 & 8:
            # RFC 7959 §2.6: a notification carries the first block only; the
            # client fetches the rest with plain GETs once it is idle.
            self.pending = (bytes(m.payload()), b2, m.opt(4))
            return False
        return True

    def due(self, now):
        """ms until this observation needs the client (<= 0: now)."""
        if self.pending:
            return 0
        return ticks_diff(self.expires, now)


class Client:
    """Client(host, port) talks to one CoAP server. Timing parameters are in
    ms with RFC 7252 §4.8 defaults. A message returned or passed to a callback
    is valid until the next request() or poll() (its decoder and, connected,
    its buffer are reused): copy what you keep."""

    # Limits; set on an instance to change them for it.
    block_szx = 6  # block size 2**(szx+4) = 1024 bytes, RFC 7959 §2.2
    max_body = 16384  # bytes a block-wise response may grow to
    max_observations = 4
    observe_margin_ms = 100000  # after Max-Age: MAX_LATENCY, RFC 7252 §4.8.2
    # Receive size: a datagram this long may have been cut, and is dropped. MicroPython's
    # recv allocates this much for every datagram; with smaller blocks (block_szx 5: 512
    # bytes, 4: 256) a board may lower it to 16 << block_szx plus 128 for the header.
    rx_max = 1280

    def __init__(
        self, host, port=5683, sock=None, ack_timeout_ms=2000, ack_random_factor=1.5,
        max_retransmit=4, connect=False,
    ):  # fmt: skip
        self.ack_timeout = ack_timeout_ms
        self._span = int(ack_timeout_ms * (ack_random_factor - 1))
        self.max_retransmit = max_retransmit
        # MAX_TRANSMIT_WAIT, RFC 7252 §4.8.2: the default request deadline.
        self.max_wait = (ack_timeout_ms + self._span) * ((2 << max_retransmit) - 1)
        from coap.uri import is_ip

        self._uhost = None if is_ip(host) else host.encode()  # RFC 7252 §6.4 step 5
        # Unconnected (the default), every datagram's source is checked and one from
        # elsewhere counted; connect=True, or a connected socket of the caller's (e.g.
        # DTLS), leaves that to the network stack (recv allocates no address).
        self._addr = None
        if sock is None:
            import socket  # here: a port without networking can still import the client

            ai = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]  # DNS once
            sock = socket.socket(ai[0], socket.SOCK_DGRAM)
            if connect:
                sock.connect(ai[-1])
            else:
                self._addr = ai[-1]
        self._sock = sock
        self._poller = select.poll()
        self._poller.register(sock, select.POLLIN)
        self._wait = getattr(self._poller, "ipoll", self._poller.poll)  # ipoll allocates nothing
        self._enc = Encoder()
        self._tx = memoryview(self._enc.buf)
        self._ctl = bytearray(4)  # empty ACK / RST, so the request buffer stays intact
        self._rx = Message()  # one decoder: a message is valid until the next datagram
        self._seen = [-1] * _DEDUP  # a list: MicroPython arrays have no `in`
        self._seen_i = 0
        r = os.urandom(2)
        self._mid = r[0] << 8 | r[1]  # RFC 7252 §4.4: start at a random MID
        self._obs = []
        self._tok = None  # token of the request in flight
        self._wmid = -1  # its MID while a CON awaits its ACK
        self._resp = None
        self._fail = None  # why the request in flight failed, set by _dispatch
        # Counters: for diagnostics, and for tests to see what was dropped.
        self.ignored = 0  # datagrams from another address
        self.malformed = 0  # format errors, RFC 7252 §3
        self.duplicates = 0  # CONs seen before, RFC 7252 §4.5
        self.retransmissions = 0

    def close(self):
        self._sock.close()

    def _deadline(self, ms):
        return ticks_add(ticks_ms(), ms or self.max_wait)

    # -- requests ------------------------------------------------------------

    def request(
        self, code, path, payload=None, query=(), con=True, cf=None, accept=None,
        timeout_ms=None, observe=-1, token=None,
    ):  # fmt: skip
        """Send a request and return the response Message (its payload()
        reassembled if block-wise). path: '/a/b' or a tuple of bytes segments;
        query: 'x=1&y=2' or a tuple. Raises CoapTimeout, CoapError."""
        if isinstance(payload, str):
            payload = payload.encode()
        req = _req(
            code, path, query, -1 if cf is None else cf, -1 if accept is None else accept, con
        )
        dl = self._deadline(timeout_ms)
        if payload and len(payload) > 16 << self.block_szx:
            m = self._upload(req, payload, dl)
        else:
            # RFC 7959 §2.4 early negotiation: ask for smaller blocks up front.
            b2 = block(0, 0, self.block_szx) if code == GET and self.block_szx < 6 else -1
            m = self._exchange(req, payload, dl, observe, b2, token=token)
        b2 = m.uint(23, 0)
        if b2 & 8 and m.code >> 5 == 2:
            m = self._more(req, bytearray(m.payload()), b2, m.opt(4), dl)
        return m

    def _upload(self, req, payload, dl):
        # RFC 7959 §2.5 Block1: blocks in order, each acknowledged with 2.31.
        szx = self.block_szx
        n = len(payload)
        off = 0
        data = memoryview(payload)
        while True:
            size = 16 << szx
            more = off + size < n
            b1 = block(off >> (szx + 4), more, szx)
            size1 = n if off == 0 else 0  # RFC 7959 §4: announce the total
            m = self._exchange(req, data[off : off + size], dl, b1=b1, size1=size1)
            got = m.uint(27, -1)
            if m.code == _TOO_LARGE and 0 <= got and (got & 7) < szx:
                szx = got & 7  # RFC 7959 §2.9.3: start again with the size asked for
                off = 0
                continue
            if not more or m.code != _CONTINUE:
                return m
            off += size
            if 0 <= got and (got & 7) < szx:
                szx = got & 7  # RFC 7959 §2.3: the server wants smaller blocks

    def _more(self, req, body, b2, etag, dl):
        # RFC 7959 §2.4 Block2: fetch the blocks after the first, checking that
        # each continues the body and that the representation (ETag) stays.
        while True:
            szx = b2 & 7
            if szx == 7:
                raise CoapError("reserved block size")  # RFC 7959 §2.2
            szx = min(szx, self.block_szx)  # §2.4: later requests may ask for less
            if len(body) + (16 << szx) > self.max_body:
                raise CoapError("body over max_body")
            b2 = block(len(body) >> (szx + 4), 0, szx)
            m = self._exchange(req, None, dl, b2=b2)
            if m.code >> 5 != 2:
                return m
            b2 = m.uint(23, -1)
            if b2 < 0 or (b2 >> 4) << ((b2 & 7) + 4) != len(body):
                raise CoapError("block out of sequence")
            if m.opt(4) != etag:
                raise CoapError("representation changed")  # RFC 7959 §2.4
            body.extend(m.payload())
            if not b2 & 8:
                m.body = body
                return m

    def _exchange(self, req, payload, dl, observe=-1, b2=-1, b1=-1, size1=0, token=None):
        # One request/response exchange; req = (code, path, query, cf, accept,
        # con). Options in ascending number, RFC 7252 §3.1.
        code, path, query, cf, accept, con = req
        tok = token or os.urandom(_TKL)
        self._mid = mid = (self._mid + 1) & 0xFFFF
        e = self._enc
        e.header(CON if con else NON, code, mid, tok)
        if self._uhost:
            e.opt(3, self._uhost)  # Uri-Host
        if observe >= 0:
            e.uint(6, observe)
        for s in path:
            e.opt(11, s)  # Uri-Path
        if cf >= 0:
            e.uint(12, cf)  # Content-Format
        for s in query:
            e.opt(15, s)  # Uri-Query
        if accept >= 0:
            e.uint(17, accept)
        if b2 >= 0:
            e.uint(23, b2)
        if b1 >= 0:
            e.uint(27, b1)
        if size1:
            e.uint(60, size1)
        if payload:
            e.payload(payload)
        out = self._tx[: len(e)]
        self._tok = tok
        self._wmid = mid if con else -1
        self._resp = None
        self._fail = None
        # RFC 7252 §4.2: first timeout uniform in [ACK_TIMEOUT, ACK_TIMEOUT *
        # ACK_RANDOM_FACTOR], doubled after each of MAX_RETRANSMIT resends.
        r = os.urandom(2)
        timeout = self.ack_timeout + self._span * (r[0] << 8 | r[1]) // 65535
        due = ticks_add(ticks_ms(), timeout)
        tries = 0
        try:
            self._send(out)
            while self._resp is None:
                if self._fail:
                    raise CoapError(self._fail)
                now = ticks_ms()
                left = ticks_diff(dl, now)
                if left <= 0:
                    raise CoapTimeout("timeout")
                if self._wmid >= 0:
                    t = ticks_diff(due, now)
                    if t <= 0:
                        if tries == self.max_retransmit:
                            raise CoapTimeout("timeout: no ACK")
                        tries += 1
                        timeout *= 2
                        due = ticks_add(now, timeout)
                        self.retransmissions += 1
                        self._send(out)  # the same MID and token
                        continue
                    left = min(left, t)
                self._service(left)
            m = self._resp
            if m.critical():
                raise CoapError("unknown critical option")  # RFC 7252 §5.4.1
            return m
        finally:
            self._tok = None
            self._wmid = -1
            self._resp = None

    # -- observations --------------------------------------------------------

    def observe(self, path, callback, query=(), timeout_ms=None):
        """Register (GET, Observe 0) and return an Observation; callback(msg)
        gets the first response and each fresh notification. RFC 7641 §3.1"""
        if len(self._obs) >= self.max_observations:
            raise CoapError("too many observations")
        o = Observation(_req(GET, path, query), callback, os.urandom(_TKL), self.observe_margin_ms)
        self._register(o, self._deadline(timeout_ms))
        return o

    def _register(self, o, dl):
        self._obs.append(o)
        try:
            m = self._exchange(o.req, None, dl, 0, token=o.token)
            o.seq = -1  # the answer to our own GET is current, whatever its number
            fresh = o._take(m)
            if o.pending:
                m = self._complete(o, dl)
                fresh = True
        except Exception:
            if o in self._obs:
                self._obs.remove(o)
            raise
        self._notify(o, m, fresh)

    def _complete(self, o, dl):
        # The rest of a Block2 notification, RFC 7959 §2.6.
        body, b2, etag = o.pending
        o.pending = None
        return self._more(o.req, bytearray(body), b2, etag, dl)

    def cancel(self, o, timeout_ms=None):
        """Deregister with GET Observe 1 and the same token, RFC 7641 §3.6."""
        if o in self._obs:
            self._obs.remove(o)
        o.active = False
        self._exchange(o.req, None, self._deadline(timeout_ms), 1, token=o.token)

    def _notify(self, o, m, fresh):
        if not o.active and o in self._obs:
            self._obs.remove(o)  # RFC 7641 §3.2: it ended
        if fresh:
            o.callback(m)

    def poll(self, timeout_ms=0):
        """Receive and dispatch for up to timeout_ms. An observation whose
        Max-Age ran out is re-registered, a block-wise notification completed,
        with the later of that deadline and two ACK timeouts from now: so poll
        may overrun timeout_ms by up to 2 * ACK_TIMEOUT, never more."""
        dl = ticks_add(ticks_ms(), timeout_ms)
        while True:
            now = ticks_ms()
            wait = ticks_diff(dl, now)
            for o in self._obs:
                t = o.due(now)
                if t <= 0:
                    late = ticks_add(now, 2 * self.ack_timeout)
                    self._tend(o, late if ticks_diff(late, dl) > 0 else dl)
                    break  # the list may have changed
                wait = min(wait, t)
            else:
                if not self._service(max(wait, 0)) and wait <= 0:
                    return

    def _tend(self, o, dl):
        if o.pending:
            try:
                m = self._complete(o, dl)
            except CoapError:
                return  # the next notification brings the news again
            o.callback(m)
            return
        self._obs.remove(o)
        try:
            self._register(o, dl)  # RFC 7641 §3.3.1: re-register with the same token
        except CoapError:
            o.active = False
            o.callback(None)

    # -- datagrams -----------------------------------------------------------

    def _send(self, buf):
        if self._addr is None:
            self._sock.send(buf)
        else:
            self._sock.sendto(buf, self._addr)

    def _empty(self, mtype, mid):
        b = self._ctl
        b[0] = 0x40 | mtype << 4
        b[1] = 0
        b[2] = mid >> 8
        b[3] = mid & 0xFF
        self._send(b)

    def _service(self, wait_ms):
        # Wait up to wait_ms for one datagram and dispatch it; True if one came.
        for _ in self._wait(wait_ms):
            break
        else:
            return False
        try:
            # MicroPython sockets have no recv_into (readinto has stream semantics
            # and could join two datagrams): each datagram is a new bytes object.
            if self._addr is None:
                data = self._sock.recv(self.rx_max)
                addr = None
            else:
                data, addr = self._sock.recvfrom(self.rx_max)
            n = len(data)
        except OSError as e:
            if e.args[0] == _EAGAIN:
                return True  # nothing after all
            raise  # the network is gone: the caller decides (e.g. store and forward)
        if addr != self._addr:
            self.ignored += 1  # RFC 7252 §5.3.2: only our server answers us
            return True
        self._dispatch(data, n)
        return True

    def _dispatch(self, data, n):
        m = self._rx
        try:
            if n >= self.rx_max:
                raise FormatError("datagram too long")
            m.decode(data, n)
        except FormatError:
            self.malformed += 1
            if n >= 4 and data[0] >> 4 == 4:  # a CON we can name: reject
                self._empty(RST, data[2] << 8 | data[3])  # RFC 7252 §4.2
            return
        t = m.mtype
        if t >= ACK:  # ACK or RST: never answered, RFC 7252 §4.2
            if m.mid != self._wmid:
                return  # late or stray
            self._wmid = -1
            if t == RST:
                self._fail = "reset by peer"
            elif m.code:  # piggybacked: the token must match too, §5.3.2
                if m.token_is(self._tok):
                    self._take(m)
                else:
                    self._fail = "token mismatch"
            return
        cls = m.code >> 5
        if m.code == 0 or cls < 2 or cls > 5:
            # Ping (empty CON), a request, or a reserved class: we serve
            # nothing, so reject a CON, ignore a NON. RFC 7252 §4.2, §4.3
            if t == CON:
                self._empty(RST, m.mid)
            return
        if t == CON:
            seen = self._seen
            if m.mid in seen:
                self.duplicates += 1  # §4.5: the same ACK again, no second delivery
                self._empty(ACK, m.mid)
                return
            seen[self._seen_i] = m.mid
            self._seen_i = (self._seen_i + 1) % _DEDUP
        if self._tok is not None and self._resp is None and m.token_is(self._tok):
            self._wmid = -1  # a separate response also ends retransmission
            if t == CON:  # §5.2.2: ACK it, or reject it (§5.4.1) and fail
                self._empty(RST if m.critical() else ACK, m.mid)
            self._take(m)
            return
        for o in self._obs:
            if m.token_is(o.token):
                if m.critical():  # §5.4.1: reject
                    self._empty(RST, m.mid)
                    return
                if t == CON:
                    self._empty(ACK, m.mid)  # RFC 7641 §4.5: ACK every CON notification
                self._notify(o, m, o._take(m))
                return
        # Nobody asked for this (e.g. an observation we forgot): reject it so
        # the server stops sending. RFC 7641 §3.6
        self._empty(RST, m.mid)

    def _take(self, m):
        self._resp = m
