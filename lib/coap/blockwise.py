# Block-wise transfers (RFC 7959) for coap.engine, imported on first need: the blocks of an
# upload (Block1, each acknowledged with 2.31), the blocks of a response after the first
# (Block2), the switch to blocks when the server says 4.13, and what comes too large for
# one datagram (RFC 7252 §4.6).
from coap.engine import GET, CoapError, Request
from coap.message import CON, NON, RST, block, same_token

_CONTINUE = 0x5F  # 2.31, RFC 7959 §2.9.1
_TOO_LARGE = 0x8D  # 4.13, RFC 7959 §2.9.3


def _again(e, r, now):
    # Send r again as its next exchange (a fresh token), ahead of the queue.
    r.state = 0  # queued
    e.reqs.remove(r)
    e.reqs.insert(0, r)
    r.tok = e.rand(4)
    e._next(now, r)  # r no longer in flight: it goes again at once


def block1(e, r):
    """Append Block1 (and Size1 on the first block, RFC 7959 §4) of r's current block to
    the message being encoded; its payload slice."""
    # The largest SZX (up to ours, or the server's) whose block fits the datagram (tx_max,
    # 1152 bytes by default, RFC 7252 §4.6) after the options so far, Block1 and Size1 (13
    # bytes at most with their headers) and the payload marker.
    szx = e.block_szx if r.b1 < 0 else r.b1
    while szx >= 0 and 16 << szx > len(e.enc.buf) - 14 - len(e.enc):
        szx -= 1
    if szx < 0:
        raise CoapError("request too large: options leave no room for a block")
    r.b1 = szx
    size = 16 << szx
    n = len(r.pay)
    e.enc.uint(27, block(r.off >> (szx + 4), r.off + size < n, szx))
    if r.off == 0:
        e.enc.uint(60, n)
    return memoryview(r.pay)[r.off : r.off + size]


def take(e, r, m, data, n, now):
    """A response to r that may continue a transfer. True if the engine is done with it
    (its next exchange queued, or r failed); False: m is r's response."""
    c = m.code
    got = m.uint(27, -1)
    if c == _TOO_LARGE and r.pay:
        # §2.9.3: again from the start in the block size the server asks for, or (sent
        # whole, the server taking that much in all: Size1) in smaller blocks than ours.
        if got >= 0:
            szx = got & 7
        elif r.b1 < 0 and m.uint(60, 0) >= len(r.pay):
            szx = e.block_szx
            while szx and 16 << szx >= len(r.pay):
                szx -= 1
        else:
            return False
        if 0 <= r.b1 <= szx:
            return False  # no smaller blocks to try: the caller gets the 4.13
        r.b1 = szx
        r.off = 0
        _again(e, r, now)
        return True
    if c == _CONTINUE and r.b1 >= 0 and r.off + (16 << r.b1) < len(r.pay):
        r.off += 16 << r.b1
        if 0 <= got and (got & 7) < r.b1:
            r.b1 = got & 7  # §2.3: the server wants smaller blocks from now on
        _again(e, r, now)
        return True
    b2 = m.uint(23, -1)
    body = r.body
    if c >> 5 != 2 or (b2 < 0 and body is None):
        return False
    # Block2, §2.4: each block must continue the body (the first one too: NUM 0), and the
    # representation (ETag) stay the same.
    szx = b2 & 7
    if b2 < 0 or szx == 7 or b2 >> 4 << (szx + 4) != (0 if body is None else len(body)):
        e.end(r, "reserved block size" if szx == 7 else "block out of sequence", now)
        return True
    if body is None:
        if not b2 & 8:
            return False  # all in one block
        r.etag = m.opt(4)
        body = r.body = bytearray(m.payload())
        if r.obs is not None:
            r.first = (data, n)
    else:
        if m.opt(4) != r.etag:
            e.end(r, "representation changed", now)
            return True
        body.extend(m.payload())
    if not b2 & 8:
        return False
    szx = min(szx, e.block_szx)  # later requests may ask for smaller blocks
    if len(body) + (16 << szx) > e.max_body:
        e.end(r, "body over max_body", now)
        return True
    r.b2 = block(len(body) >> (szx + 4), 0, szx)
    r.observe = -1  # §2.6: the blocks after the first without Observe
    r.pay = None
    _again(e, r, now)
    return True


def cut(e, p, data, n, now):
    """A datagram from peer p over what we receive (rx_max: it filled the buffer, so it may
    have been cut), not decoded: RFC 7252 §4.6, counted. A piggybacked one is left to
    retransmission (the request then fails saying so); a separate response (a request's
    token in its header) ends that request at once."""
    e.too_large += 1
    t = (data[0] >> 4) & 3
    tkl = data[0] & 15
    if data[0] >> 6 != 1 or t > NON or tkl > 8:
        return
    for r in e.reqs:  # (state 0: queued, not sent)
        if r.state and r.peer is p and same_token(data, tkl, r.tok):
            if t == CON:
                e.reply(p, RST, data[2] << 8 | data[3], now)  # unprocessable, §4.2
            return e.end(r, "response too large (%d bytes)" % n, now)


def fetch(e, o, m, data, n, b2, now):
    """Observation o's notification m (data[:n]) carries the first block of a larger body
    (Block2 b2): get the rest by plain GETs (RFC 7959 §2.6; a fresh token each: the
    observation's stays for notifications), o.fetch, which o.done() delivers."""
    if o.fetch is not None:
        e.end(o.fetch, "superseded", now)  # by this newer one
    r = Request(GET, o.path, o.query)
    r.obs = o
    r.first = (data, n)
    r.body = bytearray(m.payload())
    r.etag = m.opt(4)
    szx = min(b2 & 7, e.block_szx)
    r.b2 = block(len(r.body) >> (szx + 4), 0, szx)
    o.fetch = r
    e.start(r, now)
