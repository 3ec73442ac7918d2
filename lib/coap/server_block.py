# Block-wise transfers on the server side (RFC 7959) for coap.server, imported on first need
# (a request with Block1, Block2 or a body over max_body, or a response over one block):
#
# - Block2 (§2.2, §2.4): a representation larger than a block goes in blocks; a request for
#   block NUM > 0 calls the handler again and gets that slice (stateless: nothing is kept
#   per transfer, §2.4), with an ETag on every block so that a client sees a change.
# - Block1 (§2.3, §2.5): an upload is assembled per (peer, method, path) in a bounded store
#   (Server.max_uploads bodies of at most Server.max_body bytes, each expired after
#   EXCHANGE_LIFETIME, the oldest dropped on pressure); the handler runs once, on the last
#   block, with the whole body as the request's payload() (atomic, §2.5).
# - Both (§3.2): a large POST/PUT whose response is large too: that response is kept in the
#   upload's slot so that the requests for its later blocks need not run the handler again.
from time import ticks_add, ticks_diff

from micropython import const

from coap.message import block

_CONTINUE = const(0x5F)  # 2.31, RFC 7959 §2.9.1
_BAD_REQUEST = const(0x80)
_BAD_OPTION = const(0x82)
_INCOMPLETE = const(0x88)  # 4.08 Request Entity Incomplete, RFC 7959 §2.9.2
_TOO_LARGE = const(0x8D)  # 4.13 Request Entity Too Large, RFC 7252 §5.9.2.9, RFC 7959 §2.9.3
_INTERNAL_ERROR = const(0xA0)
_ETAG = const(4)
_BLOCK2 = const(23)
_BLOCK1 = const(27)
_SIZE2 = const(28)
_SIZE1 = const(60)
_ADDR = const(0)  # a peer's address (coap/engine.py's slot)
# An upload in Server._up (oldest first): a list of these slots
_KEY = const(0)  # (peer's address, method, path): §2.5 ties the blocks by endpoint and URI
_BODY = const(1)  # the body so far (a bytearray), or, done, the response kept (a tuple, §3.2)
_EXP = const(2)  # when it is forgotten: EXCHANGE_LIFETIME after its last block


def _too_large(s):
    # RFC 7252 §5.9.2.9, RFC 7959 §2.9.3: 4.13 with Size1, the most we take (§4)
    s.too_large += 1
    return (_TOO_LARGE, None, -1, [(_SIZE1, s.max_body)])


def expire(s, now):
    """Forget the uploads (and kept responses, §3.2) whose EXCHANGE_LIFETIME since their
    last block is over (RFC 7252 §4.8.2), counted: Server._tick, and each upload."""
    q = s._up
    i = 0
    while i < len(q):
        if ticks_diff(now, q[i][_EXP]) >= 0:
            del q[i]
            s.expired += 1
        else:
            i += 1


def upload(s, m, p, href, now):
    """Request m from peer p to resource href, with a Block1 or Size1 option, a payload over
    max_body, or (a stored response waiting) a Block2: the response it gets now (2.31, 4.00,
    4.08, 4.13, a kept block), or None: the handler runs (a whole body in m.body)."""
    q = s._up
    expire(s, now)  # the expired ones go first
    key = (p[_ADDR], m.code, href)
    for u in q:
        if u[_KEY] == key:
            break
    else:
        u = None
    mb = s.max_body
    n = m.end - m.pay
    b1 = m.uint(_BLOCK1)
    if b1 is None:
        if n > mb or m.uint(_SIZE1, 0) > mb:
            return _too_large(s)  # a whole body (or its announced size) over the limit
        b2 = m.uint(_BLOCK2, 0)
        if u is not None and type(u[_BODY]) is tuple and b2 >> 4 and not n:
            # §3.2: a later block of the response to a finished upload: from its slot
            u[_EXP] = ticks_add(now, min(s.e.lifetime, 0x0FFFFFFF))
            return finish(s, m, u[_BODY])
        return None
    szx = b1 & 7
    if szx == 7:
        return (_BAD_REQUEST, None, -1, ())  # §2.2: SZX 7 is reserved, 4.00 in a request
    num = b1 >> 4
    more = b1 & 8
    size = 16 << szx
    if num == 0:
        if u is not None:
            q.remove(u)  # a new start replaces the upload it had begun (§2.5)
        if n > mb or m.uint(_SIZE1, 0) > mb:
            return _too_large(s)
        s._key = key
        if not more:
            return None  # the whole body in one block: the handler takes it as it is
        if n != size:
            return (_BAD_REQUEST, None, -1, ())  # §2.2: a block with M set is whole
        if len(q) >= s.max_uploads:
            del q[0]  # pressure: the oldest upload goes (counted)
            s.expired += 1
        u = [key, bytearray(m.payload()), 0]
        q.append(u)
    else:
        d = None if u is None else u[_BODY]
        if d is None or type(d) is tuple or len(d) != num << (szx + 4):
            # §2.9.2: a block out of order, or one without the start: 4.08 (the upload, if
            # any, is over: the client starts again from block 0)
            if u is not None:
                q.remove(u)
            return (_INCOMPLETE, None, -1, ())
        if more and n != size:
            q.remove(u)
            return (_BAD_REQUEST, None, -1, ())
        if len(d) + n > mb:
            q.remove(u)
            return _too_large(s)
        d.extend(m.payload())
        if not more:
            q.remove(u)
            m.body = d  # the handler's payload(): the whole body (§2.5: atomic)
            s._key = key
            return None
    u[_EXP] = ticks_add(now, min(s.e.lifetime, 0x0FFFFFFF))
    # §2.3: each block but the last is answered 2.31 with Block1 echoed (M set); a smaller
    # SZX there asks the client for smaller blocks from now on
    return (_CONTINUE, None, -1, [(_BLOCK1, block(num, 1, min(szx, s.block_szx)))])


def etag(pay, cf):
    """An ETag for a representation (RFC 7252 §5.10.6): 4 bytes of its SHA-256 (and its
    Content-Format), or, without hashlib, of a 24-bit rolling sum."""
    try:
        import hashlib

        h = hashlib.sha256(bytes((cf & 0xFF, cf >> 8 & 0xFF)))
        h.update(pay)
        return h.digest()[:4]
    except (ImportError, AttributeError):
        v = cf & 0xFFFF
        for c in pay:
            v = (v * 31 + c) & 0xFFFFFF  # small ints on a 32-bit port: no allocation
        return bytes((v >> 16, v >> 8 & 0xFF, v & 0xFF))


def finish(s, m, x, now=0):
    """The handler's answer x (code, payload, cf, options) to m as it goes: the last block's
    Block1 echoed (an upload, §2.3), and a 2.xx payload over one block (or one the client
    asked in blocks of, §2.4) as the block asked for, with Block2, ETag and Size2."""
    code, pay, cf, opts = x
    o = list(opts)
    b1 = m.uint(_BLOCK1)
    if b1 is not None:
        o.append((_BLOCK1, b1 & ~8))  # §2.3: the final response echoes the last block
    b2 = m.uint(_BLOCK2)
    if code >> 5 != 2:
        return (code, pay, cf, o)
    if isinstance(pay, str):
        pay = pay.encode()
    n = len(pay) if pay else 0
    if b2 is not None and b2 & 7 == 7:
        return (_BAD_REQUEST, None, -1, ())  # §2.2: SZX 7 reserved
    if b2 is None and n < 64:
        return (code, pay, cf, o)  # (an upload's short answer: whole)
    tag = None
    for k, v in o:
        if k == _ETAG:
            tag = v  # the handler's own ETag names the representation
    # The room for a block: the datagram (the engine's buffer) less the header and the
    # options, Block2, Size2 and ETag included at their longest, and the payload marker.
    t = o + [(_BLOCK2, 0xFFFFFF), (_SIZE2, max(n, 1))]
    if tag is None:
        t.append((_ETAG, b"1234"))
    s._encode(2, code, 0, m.token(), None, cf, t)
    room = len(s.enc.buf) - len(s.enc) - 1
    if b2 is None and n <= room and n <= 16 << s.block_szx:
        return (code, pay, cf, o)  # it fits whole
    if tag is None and n:
        o.append((_ETAG, etag(pay, cf if cf >= 0 else 0)))  # §2.4: one on every block
    szx = s.block_szx if b2 is None else min(b2 & 7, s.block_szx)  # §2.4: at most asked
    while szx >= 0 and 16 << szx > room:
        szx -= 1
    if szx < 0:
        s.errors += 1  # (options leave no room for a block)
        return (_INTERNAL_ERROR, None, -1, ())
    off = 0 if b2 is None else (b2 >> 4) << ((b2 & 7) + 4)
    if off and off >= n:
        # §2.2 (NUM beyond the representation): the Block2 value cannot be processed, the
        # 4.02 Bad Option of RFC 7252 §5.9.2.3 for a critical option in error
        return (_BAD_OPTION, None, -1, ())
    if not n:
        return (code, pay, cf, o)  # Block2 NUM 0 of no payload (a PUT's 2.04): no block
    size = 16 << szx
    more = off + size < n
    o.append((_BLOCK2, block(off >> (szx + 4), more, szx)))  # §2.2: NUM/M/SZX
    if m.uint(_SIZE2) is not None:
        o.append((_SIZE2, n))  # §4: asked (Size2 0), the representation's size
    if more and b1 is not None and off == 0 and s._key is not None:
        # §3.2: a finished upload whose response goes in blocks: kept in the upload's slot
        q = s._up
        if len(q) >= s.max_uploads:
            del q[0]
            s.expired += 1
        q.append([s._key, (code, pay, cf, opts), ticks_add(now, min(s.e.lifetime, 0x0FFFFFFF))])
    s._key = None
    return (code, memoryview(pay)[off : off + size], cf, o)
