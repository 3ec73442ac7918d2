# A request's way through coap.server, from the engine's serve hook to its response
# (RFC 7252 §4-§5): what a CON or NON earns before any handler (an RST for a ping or a
# reserved class, §4.2, §4.3; a duplicate NON's cached response, §4.5; a NON's unknown
# critical option rejected, §5.4.1), the resource's checks and its handler (4.05, 5.05,
# 4.02, 4.04, 4.06, 4.15, 5.00 for a handler that raises; block-wise handed to
# coap.server_block), the response piggybacked or a NON of its own (§5.2) and its encoding
# (§3.1), and the one resource the server answers itself, /.well-known/core (RFC 6690).
#
# Each function here becomes one of the Server's methods when the first request comes
# (coap/server.py's _load: serve is _serve, handle _handle, answer _answer, mid_for
# _mid_for, encode _encode, core _core), s the Server: the state they read and write (the
# resources, the NON cache, the separate responses, the counters) is the Server's, and what
# runs over time (the separate responses' retransmission, the timers, the peer LRU) stays
# in coap.server. Until a request comes (a firmware serving that nobody asks) none of this
# is loaded; from then on a request costs what it did as the Server's own methods.
from time import ticks_add, ticks_diff

from micropython import const

_CON = const(0)
_NON = const(1)
_ACK = const(2)
_RST = const(3)
_UINT = const(0x10000)  # (coap.message's: an option value encoded as a uint)
# Response codes, RFC 7252 §12.1.2 (coap.server's public names)
_CONTENT = const(0x45)
_BAD_REQUEST = const(0x80)
_BAD_OPTION = const(0x82)
_NOT_FOUND = const(0x84)
_METHOD_NOT_ALLOWED = const(0x85)
_NOT_ACCEPTABLE = const(0x86)
_UNSUPPORTED_FORMAT = const(0x8F)
_INTERNAL_ERROR = const(0xA0)
_PROXYING_NOT_SUPPORTED = const(0xA5)
_BLOCK2 = const(23)  # RFC 7959 §2.1
_BLOCK1 = const(27)
_SIZE1 = const(60)  # RFC 7959 §4
_LINK_FORMAT = const(40)  # application/link-format, RFC 6690 §7.3
# A peer's slots in the engine (coap/engine.py's _ADDR..)
_ADDR = const(0)
_MIDP = const(1)
_FLY = const(2)
# A resource (Server.add's): a list (a class would cost its type and an instance dict each)
_GET = const(0)  # .. _DELETE = 3: the handler of each method (its code - 1), or None
_CT = const(4)  # the content formats it produces (a tuple), or None: any
_TAKES = const(5)  # the content formats it takes, or None: any
_HREF = const(6)  # its path as text, '/a/b'
_ATTRS = const(7)  # its link attributes, (name, value) pairs; value None: no value (obs)
_NONS = const(32)  # NON requests answered, for their duplicates: 8 of 4 slots (§4.5)
_SP = const(0)  # a separate response's peer (coap/server.py's _SP..)


def serve(s, p, m, data, n, now):
    # Engine.serve: each CON or NON from peer p that is not a response (m decoded from
    # data[:n]), a duplicate CON excepted (the engine replays its cached answer).
    e = s.e
    ps = e.peers
    if p is not ps[0] and p is not ps[-1]:  # most recently heard last
        ps.remove(p)
        ps.append(p)
    t = m.mtype
    if m.code == 0 or m.code >> 5:
        # RFC 7252 §4.3: a ping (an empty CON) gets an RST; §4.2, §4.3: so does a CON of
        # a reserved class; a NON is ignored. §8.1: never an RST to multicast.
        if t == _CON and not s.mcast:
            e.reply(p, _RST, m.mid, now)
        return s._trim(p)
    if t == _NON:
        q = s._non
        for i in range(0, len(q), 4):
            if q[i + 1] == m.mid and q[i] == p[_ADDR] and ticks_diff(q[i + 3], now) > 0:
                # RFC 7252 §4.5: a duplicate NON (MID and endpoint, within
                # NON_LIFETIME) gets the same response, and is processed once
                s.duplicates += 1
                return e.reply(p, q[i + 2], m.mid)
        if m.critical():
            # RFC 7252 §5.4.1: a NON with an unknown critical option is rejected
            # (§4.3): an RST (none to multicast, §8.1), never a 4.02 as a CON gets
            e.rejected += 1
            if not s.mcast:
                e.reply(p, _RST, m.mid)
            return s._trim(p)
    s.requests += 1
    r = handle(s, m, p, now)
    if r is None:  # later()
        x = s._sep[-1]
        x[_SP] = p
        if t == _CON:
            e.reply(p, _ACK, m.mid, now)  # §5.2.2: the empty ACK, for a duplicate too
    else:
        if m.code == 1 and m.opt(6) is not None:  # RFC 7641 §2: a GET with Observe
            r = s._observe().request(p, m, data, n, r, now)
        answer(s, p, t, m.mid, m.token(), r[0], now, r[1], r[2], r[3])
    s._trim(p)


def handle(s, m, p, now):
    # The response to request m from peer p: (code, payload, content-format, options)
    c = m.code
    if c > 4:  # RFC 7252 §5.8: a method it does not know
        return (_METHOD_NOT_ALLOWED, None, -1, ())
    if m.opt(35) is not None or m.opt(39) is not None:
        return (_PROXYING_NOT_SUPPORTED, None, -1, ())  # §5.10.2: we are no proxy
    if m.critical():
        return (_BAD_OPTION, None, -1, ())  # §5.4.1: an unrecognized critical option
    r = s._res.get(tuple(m.opts(11)))
    if r is None:
        return (_NOT_FOUND, None, -1, ())
    h = r[c - 1]
    if h is None:
        return (_METHOD_NOT_ALLOWED, None, -1, ())  # §5.9.2.6
    ct = r[_CT]
    a = m.uint(17)
    if a is not None and ct is not None and a not in ct:
        return (_NOT_ACCEPTABLE, None, -1, ())  # §5.10.4: Accept it cannot serve
    f = m.uint(12)
    if r[_TAKES] is not None and (f is not None or m.pay != m.end) and f not in r[_TAKES]:
        return (_UNSUPPORTED_FORMAT, None, -1, ())  # §5.10.3
    b1 = m.uint(_BLOCK1)
    b2 = m.uint(_BLOCK2)
    if (
        b1 is not None
        or m.uint(_SIZE1) is not None
        or m.end - m.pay > s.max_body
        or (s._up and b2)
    ):
        from coap.server_block import upload  # RFC 7959 §2.3, §2.5, §3.2; Size1 §4

        x = upload(s, m, p, r[_HREF], now)
        if x is not None:
            return x  # 2.31, 4.08, 4.13, ...: the handler waits for the whole body
    w = len(s._sep)
    try:
        s._defer = True
        x = h(m)
        if not s._defer:  # later(): an empty ACK now, the response to follow
            return None
        s._defer = False
        if isinstance(x, int):
            x = (x,)
        pay = x[1] if len(x) > 1 else None
        cf = x[2] if len(x) > 2 else -1
        if cf < 0 and pay and ct is not None:
            cf = a if a is not None else ct[0]
        x = (x[0], pay, cf, x[3] if len(x) > 3 else ())
        if b1 is not None or b2 is not None or pay and len(pay) > min(
            16 << s.block_szx, len(s.enc.buf) - 64
        ):  # fmt: skip
            from coap.server_block import finish  # RFC 7959 §2.2-§2.4: in blocks

            x = finish(s, m, x, now)
        return x
    except Exception:  # a handler's bug: 5.00, without its text (§5.9.3.1)
        del s._sep[w:]  # (after later(): that wait is off)
        s._defer = False
        s.errors += 1
        return (_INTERNAL_ERROR, None, -1, ())


def answer(s, p, t, mid, tok, code, now, pay=None, cf=-1, opts=()):
    # The response to peer p's request (type t, MID mid, token tok): piggybacked on the
    # ACK of a CON (§5.2.1), a NON of its own for a NON (§5.2.3); remembered for a
    # duplicate (§4.5).
    e = s.e
    if s.mcast and code >= 0x80:
        return  # §8.1: no error response to a multicast request
    if t == _CON:
        encode(s, _ACK, code, mid, tok, pay, cf, opts)
        return e.reply(p, bytes(s.enc.buf[: len(s.enc)]), mid, now)
    rm = mid_for(s, p)
    encode(s, _NON, code, rm, tok, pay, cf, opts)
    d = bytes(s.enc.buf[: len(s.enc)])
    e.reply(p, d, rm)
    q = s._non
    if len(q) == _NONS:
        del q[:4]  # the oldest goes
    q.append(p[_ADDR])
    q.append(mid)
    q.append(d)
    q.append(ticks_add(now, min(s.non_lifetime, 0x0FFFFFFF)))


def mid_for(s, p):
    # Our next MID to peer p: the engine's sequence (§4.4), but never the MID of our
    # request in flight, which its ACK must carry: then one half the space away
    if p[_FLY] is None:
        p[_MIDP] = (p[_MIDP] + 1) & 0xFFFF
        return p[_MIDP]
    s._mid += 1
    return (p[_MIDP] + 0x8000 + (s._mid & 0x3FFF)) & 0xFFFF


def encode(s, mt, code, mid, tok, pay, cf, opts):
    # A response in s.enc: options in ascending number (RFC 7252 §3.1), a repeated
    # one's values in their order (an insertion sort: MicroPython's sort is not stable)
    enc = s.enc
    try:
        enc.header(mt, code, mid, tok)
        if cf >= 0 or opts:
            o = list(opts)
            if cf >= 0:
                o.append((12, cf))  # Content-Format, §5.10.3
            for i in range(1, len(o)):
                x = o[i]
                j = i
                while j and o[j - 1][0] > x[0]:
                    o[j] = o[j - 1]
                    j -= 1
                o[j] = x
            ov = []
            for k, v in o:
                ov.append(k | _UINT if isinstance(v, int) else k)
                ov.append(v.encode() if isinstance(v, str) else v)
            enc.opts(ov)
        if pay:
            enc.payload(pay.encode() if isinstance(pay, str) else pay)
    except (ValueError, TypeError):  # over a datagram (a separate one) or bad options
        s.errors += 1
        enc.header(mt, _INTERNAL_ERROR, mid, tok)


def core(s, m):
    # RFC 6690 §4: the links of the resources served (not this one), in link format
    # (§2); §4.1: each query (name=value, a trailing * a prefix) filters them
    try:
        qs = [x.decode() for x in m.opts(15)]
    except UnicodeError:
        return _BAD_REQUEST  # a query that is not UTF-8 text (RFC 7252 §5.10.1)
    # The document (§2) grows in one bytearray, each link's text garbage at once: kept as
    # strings until a join, 40 links among the temporaries that built them left no free run
    # of their 1.6 KB in a board's 59 KB free (a 5.00: MemoryError, M0 and RV32)
    out = bytearray()
    for r in s._order:
        if r[_HREF] == "/.well-known/core":
            continue
        for q in qs:
            if not _match(r, q):
                break
        else:
            ln = "<" + r[_HREF] + ">"
            for k, v in r[_ATTRS]:
                if v is None:
                    ln += ";" + k
                elif k in ("ct", "sz") and " " not in v:
                    ln += ";" + k + "=" + v
                else:
                    ln += ";" + k + '="' + v + '"'
            if out:
                out.append(44)  # ',' between links (§2)
            out += ln.encode()
    if not out and qs and s.mcast:
        return _NOT_FOUND  # §4.1: a filtered multicast request matching nothing: silence
    return (_CONTENT, out, _LINK_FORMAT)


def _match(r, q):
    # RFC 6690 §4.1: q is 'name=value' ('value*': a prefix) or 'name' (present); href
    # matches the link's URI, a space-separated attribute (rt, if, ct) any of its values
    i = q.find("=")
    k = q if i < 0 else q[:i]
    w = None if i < 0 else q[i + 1 :]
    star = w is not None and w.endswith("*")
    if star:
        w = w[:-1]
    vals = [r[_HREF]] if k == "href" else [v for n, v in r[_ATTRS] if n == k]
    for v in vals:
        if w is None:
            return True
        if v is None:
            continue
        for x in v.split(" ") if k != "title" else (v,):
            if x == w or star and x.startswith(w):
                return True
    return False
