# Block-wise transfers at the server (lib/coap/server_block.py, RFC 7959) on the sans-I/O
# engine in virtual time (cases/engine_driver.py): the case plays the clients, block by
# block. CPython, x64 and i386 ports.
import gc

from caseutil import Rng, build, eq
from engine_driver import Driver, ask

from coap.engine import GET, POST, PUT
from coap.message import ACK, CON, NON, Encoder, block
from coap.server import CHANGED, CONTENT, CREATED, ETAG, Server

A = ("192.0.2.7", 40001)
B = ("192.0.2.8", 40002)
B2, B1, S2, S1 = 23, 27, 28, 60  # Block2, Block1, Size2, Size1 (RFC 7959 §2.1, §4)
CONTINUE, BAD_REQUEST, BAD_OPTION, INCOMPLETE, TOO_LARGE = 0x5F, 0x80, 0x82, 0x88, 0x8D


def rep(n, salt=0):
    """n bytes of a representation, none of its blocks alike."""
    return bytes((i * 7 + i // 251 + salt) & 0xFF for i in range(n))


def setup(**params):
    """A server with /large (GET: a 3,000-byte representation, its handler's calls counted;
    PUT: replaces it) and /up (PUT and POST: record the body each handler call got)."""
    v = Driver(**params)
    s = Server(v.e)
    st = {"large": rep(3000), "gets": 0, "bodies": []}

    def get(m):
        st["gets"] += 1
        return (CONTENT, st["large"], 42)

    def put(m):
        st["large"] = bytes(m.payload())
        st["bodies"].append(st["large"])
        return CHANGED

    def post(m):
        st["bodies"].append(bytes(m.payload()))
        return (CREATED, st["large"])  # a large response to a large POST (§3.2)

    s.add("/large", get=get, put=put)
    s.add("/up", put=put, post=post)
    return v, s, st


def fetch(v, path, szx=None, size2=False, start=0x100, mtype=CON, code=GET, addr=A):
    """The representation at path block by block (Block2 NUM 0.. until M is clear, §2.4);
    its bytes and each response."""
    body = b""
    out = []
    num = 0
    while True:
        o = []
        if szx is not None or num:
            o.append((B2, block(num, 0, 6 if szx is None else szx)))
        if size2 and num == 0:
            o.append((S2, 0))
        m = ask(v, mtype, code, start + num, path, o, addr=addr)
        out.append((m.code, m.uint(B2), m.opt(ETAG), m.uint(S2), m.mtype))
        body += bytes(m.payload())
        b = m.uint(B2)
        if m.code != CONTENT or b is None or not b & 8:
            return body, out
        eq(b >> 4, num, "the block asked for")
        szx = b & 7  # §2.4: the size the server answered, from now on
        num += 1


def test_block2_late_and_early_negotiation():
    # §2.4: no Block2 asked, a representation over 1024 bytes: blocks of 1024 (SZX 6), each
    # from the handler again (stateless), the same ETag on each; Size2 when asked (§4).
    v, s, st = setup()
    body, out = fetch(v, "large", size2=True)
    eq(body, st["large"], "the representation, whole")
    eq([x[1] for x in out], [block(0, 1, 6), block(1, 1, 6), block(2, 0, 6)], "NUM/M/SZX")
    eq(st["gets"], 3, "the handler ran for each block")
    tags = [x[2] for x in out]
    assert tags[0] and len(tags[0]) <= 8, tags
    eq(tags, [tags[0]] * 3, "one ETag for the representation")
    eq([x[3] for x in out], [3000, None, None], "Size2 where asked")
    eq(ask(v, CON, GET, 0x50, "large").uint(S2), None, "no Size2 unasked")
    # (each phase's datagrams go once checked: the 61 of the case, 14.5 KB, fragmented a
    # board's heap until a 3,000-byte body had no room)
    del v.log[:], v.tos[:]
    # §2.4 early negotiation: SZX 2 asked, 64-byte blocks, the last one short
    body, out = fetch(v, "large", szx=2, start=0x200)
    eq((body, len(out)), (st["large"], 47), "47 blocks of 64")
    eq(out[-1][1], block(46, 0, 2), "the last")
    eq(out[5][2], tags[0], "the same ETag at any size")
    del v.log[:], v.tos[:]
    # a larger size asked than the server's: its own (§2.4: the size asked, or smaller)
    s.block_szx = 5
    body, out = fetch(v, "large", szx=6, start=0x300)
    eq((body, out[0][1], len(out)), (st["large"], block(0, 1, 5), 6), "512-byte blocks")
    m = ask(v, CON, GET, 0x310, "large", [(B2, block(1, 0, 6))])  # offset 1024 at SZX 5
    eq((m.uint(B2), bytes(m.payload())), (block(2, 1, 5), st["large"][1024:1536]), "NUM 2")
    del v.log[:], v.tos[:]
    # a NON request: NON blocks (RFC 7252 §5.2.3)
    s.block_szx = 6
    body, out = fetch(v, "large", start=0x400, mtype=NON)
    eq((body, set(x[4] for x in out)), (st["large"], {NON}), "NON")
    # small: whole, no Block2 ... unless asked, then as one block (M clear)
    st["large"] = b"tiny"
    m = ask(v, CON, GET, 0x500, "large")
    eq((m.uint(B2), m.opt(ETAG), bytes(m.payload())), (None, None, b"tiny"), "whole")
    m = ask(v, CON, GET, 0x501, "large", [(B2, block(0, 0, 2))])
    eq((m.uint(B2), bytes(m.payload())), (block(0, 0, 2), b"tiny"), "one block")


def test_block2_past_the_end_and_reserved():
    v, s, st = setup()
    m = ask(v, CON, GET, 1, "large", [(B2, block(3, 0, 6))])  # offset 3072 > 3000
    eq((m.mtype, m.code, m.pay == m.end), (ACK, BAD_OPTION, True), "NUM past the end: 4.02")
    m = ask(v, CON, GET, 2, "large", [(B2, block(2, 0, 6))])
    eq((m.code, len(m.payload()), m.uint(B2)), (CONTENT, 952, block(2, 0, 6)), "the last")
    m = ask(v, CON, GET, 3, "large", [(B2, block(0, 0, 7))])
    eq(m.code, BAD_REQUEST, "SZX 7 is reserved: 4.00 (§2.2)")


def test_block2_asked_of_a_response_without_payload():
    # Block2 NUM 0 on a PUT whose answer has no payload (2.04): the answer, without a block
    # (there is none to describe), not the 5.00 it was; NUM 1 of nothing: 4.02 (§2.2)
    v, s, st = setup()
    for mid, o in ((1, [(B2, block(0, 0, 0))]), (2, [(B2, block(0, 0, 6))])):
        m = ask(v, CON, PUT, mid, "large", o, b"new")
        eq((m.code, m.uint(B2), m.pay == m.end), (CHANGED, None, True), "2.04, no Block2")
    m = ask(v, CON, PUT, 3, "large", [(B2, block(1, 0, 6))], b"newer")
    eq(m.code, BAD_OPTION, "a block past the end of nothing")
    st["large"] = b""
    m = ask(v, CON, GET, 4, "large", [(B2, block(0, 0, 2))])
    eq((m.code, m.uint(B2), m.pay == m.end), (CONTENT, None, True), "an empty 2.05")
    eq(s.errors, 0, "no 5.00")


def test_etag_follows_the_representation():
    # §2.4: a changed representation gets another ETag (a client mid-transfer sees it); one
    # the handler gives is used as it is
    v, s, st = setup()
    t1 = ask(v, CON, GET, 1, "large").opt(ETAG)
    eq(ask(v, CON, GET, 2, "large", [(B2, block(1, 0, 6))]).opt(ETAG), t1, "stable")
    st["large"] = rep(3000, 1)
    t2 = ask(v, CON, GET, 3, "large", [(B2, block(1, 0, 6))]).opt(ETAG)
    assert t2 and t2 != t1, (t1, t2)
    s.add("/own", get=lambda m: (CONTENT, rep(2000), 0, [(ETAG, b"v7")]))
    m = ask(v, CON, GET, 4, "own", [(B2, block(1, 0, 6))])
    eq((m.opts(ETAG), len(m.payload())), ([b"v7"], 976), "the handler's ETag, once")


def test_block_fits_a_small_datagram():
    # a server on a 300-byte buffer (tx_max): blocks of 256 (SZX 4) so that each fits with
    # its options (RFC 7252 §4.6)
    v, s, st = setup(tx_max=300)
    body, out = fetch(v, "large")
    eq((body, out[0][1], len(out)), (st["large"], block(0, 1, 4), 12), "SZX 4")
    for _t, d in v.log:
        assert len(d) <= 300, len(d)


def test_well_known_core_in_blocks():
    # RFC 6690 over one block: Block2 as any resource (it is one)
    v, s, st = setup()
    for i in range(40):
        s.add("/sensor/%d" % i, get=lambda m: CONTENT, rt="temperature-c", ct=0, obs=True)
    body, out = fetch(v, ".well-known/core")
    assert len(out) > 1 and out[0][1] & 8, out
    links = body.decode().split(",")
    eq(len(links), 42, "every link")
    eq(links[-1], '</sensor/39>;rt="temperature-c";ct=0;obs', "the last one whole")
    small, out2 = fetch(v, ".well-known/core", szx=1, start=0x300)
    eq((small, out2[0][1]), (body, block(0, 1, 1)), "the same document in 32-byte blocks")


def upload(v, code, path, body, szx, start=0x600, addr=A, first=(), stop=None):
    """body sent in Block1 blocks of SZX szx (§2.5), each as the server's 2.31 asks; the
    responses."""
    out = []
    off = 0
    size = 16 << szx
    while True:
        more = off + size < len(body)
        o = [(B1, block(off >> (szx + 4), more, szx))] + (list(first) if not off else [])
        m = ask(v, CON, code, start + len(out), path, o, body[off : off + size], addr=addr)
        out.append((m.code, m.uint(B1), m.uint(B2), m.uint(S1), bytes(m.payload())))
        if m.code != CONTINUE or stop == len(out):
            return out
        b = m.uint(B1)
        eq(b & 8, 8, "2.31 echoes M")
        off += size
        if b & 7 < szx:  # §2.3: the server asks for smaller blocks
            szx = b & 7
            size = 16 << szx


def test_block1_upload():
    # §2.5: 2.31 for each block but the last, Block1 echoed; the handler once, on the last,
    # with the whole body; its response echoes the last block with M clear (§2.3)
    v, s, st = setup()
    data = rep(3000, 3)
    out = upload(v, PUT, "large", data, 6)
    eq([x[:2] for x in out],
       [(CONTINUE, block(0, 1, 6)), (CONTINUE, block(1, 1, 6)), (CHANGED, block(2, 0, 6))],
       "2.31, 2.31, 2.04")  # fmt: skip
    eq(st["bodies"], [data], "the whole body, once")
    eq(len(s._up), 0, "nothing left")
    body, _ = fetch(v, "large")
    eq(body, data, "what was put is what is got")
    # the server's smaller block size: its 2.31 says so, the client goes on in that size
    s.block_szx = 4
    out = upload(v, PUT, "up", data[:2000], 6, start=0x700)
    eq(out[0][1], block(0, 1, 4), "2.31 asks for 256-byte blocks")
    eq(out[1][1], block(4, 1, 4), "the next block at offset 1024, in 256s")
    eq((len(out), out[-1][:2]), (5, (CHANGED, block(7, 0, 4))), "1024 + 3 * 256 + 208")
    eq(st["bodies"][-1], data[:2000], "assembled across sizes")
    # a body in one block (M clear at NUM 0): the handler as for a plain request
    out = upload(v, PUT, "up", b"short", 6, start=0x800)
    eq((out[0][:2], st["bodies"][-1]), ((CHANGED, block(0, 0, 6)), b"short"), "one block")


def test_block1_out_of_order_and_incomplete():
    # §2.9.2: a block that does not continue the upload (or has no start): 4.08
    v, s, st = setup()
    data = rep(2000)
    out = upload(v, PUT, "up", data, 4, stop=1)
    eq(out[0][0], CONTINUE, "block 0")
    m = ask(v, CON, PUT, 0x900, "up", [(B1, block(2, 1, 4))], data[512:768])
    eq(m.code, INCOMPLETE, "block 2 after block 0")
    m = ask(v, CON, PUT, 0x901, "up", [(B1, block(1, 1, 4))], data[256:512])
    eq(m.code, INCOMPLETE, "the upload was over: block 1 has no start")
    m = ask(v, CON, PUT, 0x902, "up", [(B1, block(0, 1, 4))], data[:100])
    eq(m.code, BAD_REQUEST, "M set, not a whole block (§2.2)")
    m = ask(v, CON, PUT, 0x903, "up", [(B1, block(0, 1, 7))], data[:16])
    eq(m.code, BAD_REQUEST, "SZX 7")
    eq((st["bodies"], len(s._up)), ([], 0), "no handler ran, nothing kept")


def test_request_entity_too_large():
    # RFC 7252 §5.9.2.9, RFC 7959 §2.9.3: 4.13 with Size1 = the most the server takes: for a
    # Size1 announced over it, an upload growing past it, a whole payload over it
    v, s, st = setup()
    m = ask(v, CON, PUT, 1, "up", [(B1, block(0, 1, 6)), (S1, 5000)], rep(1024))
    eq((m.code, m.uint(S1), len(s._up)), (TOO_LARGE, 4096, 0), "Size1 5000")
    out = upload(v, PUT, "up", rep(6000), 6, start=0x10)
    eq([x[0] for x in out], [CONTINUE] * 4 + [TOO_LARGE], "past 4096 at block 4")
    eq((out[-1][3], len(s._up), st["bodies"]), (4096, 0, []), "Size1, dropped")
    s.max_body = 1000
    m = ask(v, CON, PUT, 0x20, "up", (), rep(1001))
    eq((m.code, m.uint(S1)), (TOO_LARGE, 1000, ), "a plain request over max_body")  # fmt: skip
    m = ask(v, NON, PUT, 0x21, "up", [(S1, 2000)], b"x")
    eq((m.mtype, m.code, m.uint(S1)), (NON, TOO_LARGE, 1000), "Size1 alone")
    eq(ask(v, CON, PUT, 0x22, "up", (), rep(1000)).code, CHANGED, "at max_body: taken")
    eq(s.too_large, 4, "counted")


def test_unfinished_upload_expires():
    # an upload left unfinished is forgotten after EXCHANGE_LIFETIME (247 s at the
    # defaults): its next block then has no start (4.08)
    v, s, st = setup()
    data = rep(1024)
    eq(upload(v, PUT, "up", data, 4, stop=1)[0][0], CONTINUE, "started")
    v.advance(v.e.lifetime - 1000)
    m = ask(v, CON, PUT, 0x901, "up", [(B1, block(1, 1, 4))], data[256:512])
    eq(m.code, CONTINUE, "within the lifetime (each block renews it)")
    v.advance(v.e.lifetime + 1)
    m = ask(v, CON, PUT, 0x902, "up", [(B1, block(2, 1, 4))], data[512:768])
    eq((m.code, len(s._up), s.expired), (INCOMPLETE, 0, 1), "expired")


def test_uploads_bounded():
    # max_uploads (2) at once: a third pushes out the oldest; each peer's its own
    v, s, st = setup()
    c = ("192.0.2.9", 40003)
    data = rep(512)
    for i, who in enumerate((A, B, c)):
        m = ask(v, CON, PUT, 0x100 + i, "up", [(B1, block(0, 1, 4))], data[:256], addr=who)
        eq(m.code, CONTINUE, "started")
    eq(len(s._up), 2, "bounded")
    m = ask(v, CON, PUT, 0x110, "up", [(B1, block(1, 0, 4))], data[256:], addr=A)
    eq(m.code, INCOMPLETE, "the oldest was dropped")
    for i, who in enumerate((B, c)):
        m = ask(v, CON, PUT, 0x120 + i, "up", [(B1, block(1, 0, 4))], data[256:], addr=who)
        eq(m.code, CHANGED, "the others finish")
    eq(st["bodies"], [data, data], "each whole")


def test_unfinished_uploads_keep_the_heap_flat():
    # Block1 sets that never finish, from 300 peers: the store stays at max_uploads, the
    # peers at max_peers, and the heap does not grow (gc.mem_alloc on MicroPython)
    v, s, st = setup()
    data = rep(1024)
    marks = []
    for i in range(300):
        who = ("198.51.100.%d" % (i % 250), 50000 + i)
        m = ask(v, CON, PUT, i, "up", [(B1, block(0, 1, 6))], data, addr=who)
        eq(m.code, CONTINUE, "started")
        del v.log[:], v.tos[:]
        if i in (99, 299):
            gc.collect()
            marks.append(gc.mem_alloc() if hasattr(gc, "mem_alloc") else 0)
    eq((len(s._up), len(v.e.peers)), (2, s.max_peers + 1), "bounded")
    assert marks[1] - marks[0] < 1024, marks  # (MicroPython: bytes; CPython: 0, 0)


def test_combined_block1_and_block2():
    # §3.2: a large POST whose response is large: the last Block1 block's response carries
    # its first Block2 block (and Block1 echoed); the later blocks come from the upload's
    # slot (POST with Block2 NUM > 0, no payload), the handler not run again
    v, s, st = setup()
    data = rep(2000, 5)
    out = upload(v, POST, "up", data, 6)
    eq([x[:3] for x in out],
       [(CONTINUE, block(0, 1, 6), None), (CREATED, block(1, 0, 6), block(0, 1, 6))],
       "2.31, then 2.01 with Block1 and Block2")  # fmt: skip
    got = out[-1][4]
    for num in (1, 2):
        m = ask(v, CON, POST, 0xA00 + num, "up", [(B2, block(num, 0, 6))])
        eq((m.code, m.uint(B1), m.uint(B2) & 8), (CREATED, None, 8 if num < 2 else 0), "kept")
        got += bytes(m.payload())
    eq((got, st["bodies"]), (st["large"], [data]), "the response whole, the handler once")


def test_request_over_the_datagram_gets_4_13_with_block1():
    # A request the front end could not receive whole (over rx_max: cut): 4.13 with Block1,
    # the block size to send it in (RFC 7959 §2.9.3), and Size1; a NON as a NON; a cut
    # response (the client's business) gets none of this
    v, s, st = setup()
    big = build(CON, PUT, 0x77, b"cu", [(11, b"up"), (12, 0)], rep(1400), Encoder(1500))
    v.deliver(big[:1280], cut=True, addr=A)
    m = v.sent()
    eq((m.mtype, m.code, m.mid, m.token()), (ACK, TOO_LARGE, 0x77, b"cu"), "4.13")
    eq((m.uint(B1), m.uint(S1), s.too_large, st["bodies"]), (6, 4096, 1, []), "Block1, Size1")
    n = len(v.log)
    v.deliver(big[:1280], cut=True, addr=A)
    eq(v.log[n:], v.log[n - 1 : n], "its retransmission: the same answer")
    v.deliver(build(NON, PUT, 0x78, b"n", (), rep(1300), Encoder(1500))[:1280], True, A)
    eq((v.sent().mtype, v.sent().code), (NON, TOO_LARGE), "NON")
    n = len(v.log)
    v.deliver(build(NON, CONTENT, 0x79, b"r", (), rep(1300), Encoder(1500))[:1280], True, A)
    eq(len(v.log), n, "a response: not answered")


def test_hostile_block_options():
    # 600 requests with random Block1/Block2/Size1/Size2 values (up to 3 bytes, any SZX, M,
    # NUM), payloads and peers: every one gets an RFC answer, no handler error, no 5.00, the
    # store within its bound, and the server goes on serving
    v, s, st = setup()
    g = Rng(7)
    allowed = (CONTENT, CHANGED, CREATED, CONTINUE, BAD_REQUEST, BAD_OPTION, INCOMPLETE,
               TOO_LARGE, 0x85)  # fmt: skip
    for i in range(600):
        o = []
        for num in (B2, S2, B1, S1):
            if g.chance(40):
                o.append((num, g.below(1 << (8 * (1 + g.below(3))))))
        code = (GET, PUT, POST)[g.below(3)]
        pay = rep(g.below(1100), i) if code != GET and g.chance(70) else b""
        who = ("203.0.113.%d" % g.below(4), 5683)
        m = ask(v, CON if g.chance(80) else NON, code, i, ("large", "up")[g.below(2)], o, pay,
                addr=who)  # fmt: skip
        assert m.code in allowed, (o, code, len(pay), hex(m.code))
        assert len(s._up) <= s.max_uploads
        # (nor the handlers' record of the bodies they got, unread here: on a board it took
        # 31 KB by request 400, a MemoryError or a handler's 5.00)
        del v.log[:], v.tos[:], st["bodies"][:]
    eq(s.errors, 0, "no 5.00")
    body, _ = fetch(v, "large", start=0x3000)
    eq(body, st["large"], "still serving")
