# The server role (lib/coap/server.py) on the sans-I/O engine in virtual time (no socket,
# no clock: cases/engine_driver.py). Here the case is the clients: it delivers requests from
# addresses of its choosing and reads the engine's answers. CPython, x64 and i386 ports.
from caseutil import build
from engine_driver import CLIENT, SERVER, Driver, ask

from coap.engine import GET, POST, PUT, Request
from coap.message import ACK, CON, NON, RST
from coap.server import (
    BAD_OPTION,
    BAD_REQUEST,
    CHANGED,
    CONTENT,
    CREATED,
    ETAG,
    INTERNAL_ERROR,
    LOCATION_PATH,
    MAX_AGE,
    METHOD_NOT_ALLOWED,
    NOT_ACCEPTABLE,
    NOT_FOUND,
    PROXYING_NOT_SUPPORTED,
    UNSUPPORTED_FORMAT,
    Server,
)  # fmt: skip

A = CLIENT  # a client of ours (ask's default)
B = ("192.0.2.8", 40002)


def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what or "value", got, want))


def setup():
    """A driver whose engine serves /hello, /count (how often its handler ran), /fail (its
    handler raises), /put (PUT only, takes text/plain and JSON) and /link1..3 (RFC 6690)."""
    v = Driver()
    s = Server(v.e)
    calls = []

    def hello(m):
        return (CONTENT, b"hi", 0, [(ETAG, b"\x01\x02"), (MAX_AGE, 30)])

    def count(m):
        calls.append(m.mid)
        return (CONTENT, str(len(calls)))

    def fail(m):
        raise ValueError("secret detail")

    def put(m):
        return (CHANGED, b"got " + bytes(m.payload()))

    def post(m):
        return (CREATED, None, -1, [(LOCATION_PATH, "new"), (LOCATION_PATH, b"7")])

    s.add("/hello", get=hello, rt="greeting", ct=0)
    s.add("/count", get=count, post=post, ct=(0, 41))
    s.add("/fail", get=fail)
    s.add("/put", put=put, takes=(0, 50))
    s.add("/link1", get=hello, rt="Type1 Type2", iface="If1")
    s.add("/link2", get=hello, rt="Type2 Type3", iface="If2")
    s.add("/link3", get=hello, rt="Type1 Type3", iface="foo", obs=True, sz=1280)
    return v, s, calls


def test_piggybacked_response_with_options():
    v, s, _ = setup()
    m = ask(v, CON, GET, 0x1234, "hello")
    eq((m.mtype, m.code, m.mid, m.token()), (ACK, CONTENT, 0x1234, b"tk"), "piggybacked")
    eq((m.opt(ETAG), m.uint(14), m.uint(12)), (b"\x01\x02", 30, 0), "ETag, Max-Age, cf")
    eq(bytes(m.payload()), b"hi", "payload")
    m = ask(v, CON, POST, 0x1235, "count")
    eq((m.code, m.opts(LOCATION_PATH), m.pay == m.end), (CREATED, [b"new", b"7"], True), "2.01")
    m = ask(v, CON, GET, 0x1236, "count", [(17, 41)])
    eq(
        (m.code, m.uint(12)),
        (
            CONTENT,
            41,
        ),
        "the Accept it asked for, as Content-Format",
    )
    eq(s.requests, 3, "requests")


def test_non_request_gets_non_response_and_dedup():
    # RFC 7252 §5.2.3: a NON request, a NON response (a MID of ours); §4.5: its duplicate
    # within NON_LIFETIME gets the same response, the handler runs once.
    v, s, calls = setup()
    m = ask(v, NON, GET, 0x0100, "count")
    first = v.log[-1][1]
    eq((m.mtype, m.code, m.token(), bytes(m.payload())), (NON, CONTENT, b"tk", b"1"), "NON")
    ask(v, NON, GET, 0x0100, "count")
    eq((v.log[-1][1], len(calls), s.duplicates), (first, 1, 1), "replayed, processed once")
    m2 = ask(v, NON, GET, 0x0100, "count", addr=B)  # the same MID from elsewhere: new
    eq((bytes(m2.payload()), len(calls)), (b"2", 2), "another endpoint")
    eq(s.non_lifetime, 145000, "NON_LIFETIME at the defaults")
    v.advance(145001)
    m = ask(v, NON, GET, 0x0100, "count")
    eq(bytes(m.payload()), b"3", "past NON_LIFETIME: a new request")


def test_duplicate_con_answered_from_cache_bounded():
    # §4.5: a duplicate CON gets the cached piggybacked response, whole, without the handler;
    # the cache holds 8 exchanges per client, the oldest dropped first, and EXCHANGE_LIFETIME.
    v, s, calls = setup()
    ask(v, CON, GET, 0x0200, "count")
    first = v.log[-1][1]
    ask(v, CON, GET, 0x0200, "count")
    eq((v.log[-1][1], len(calls), v.e.duplicates), (first, 1, 1), "the same bytes, once")
    for i in range(8):
        ask(v, CON, GET, 0x0300 + i, "hello")
    m = ask(v, CON, GET, 0x0200, "count")
    eq((bytes(m.payload()), len(calls)), (b"2", 2), "dropped from the cache: asked again")
    ask(v, CON, GET, 0x0201, "count")
    v.advance(v.e.lifetime + 1)
    m = ask(v, CON, GET, 0x0201, "count")
    eq(bytes(m.payload()), b"4", "past EXCHANGE_LIFETIME: new")


def test_error_codes():
    v, s, _ = setup()
    cases = [
        ((CON, GET, 1, "nothing"), NOT_FOUND),
        ((CON, PUT, 2, "hello"), METHOD_NOT_ALLOWED),  # §5.9.2.6: no PUT handler
        ((CON, 7, 3, "hello"), METHOD_NOT_ALLOWED),  # §5.8: an unknown method
        ((CON, GET, 4, "hello", [(9, b"x")]), BAD_OPTION),  # §5.4.1: unknown critical 9
        ((CON, GET, 5, "hello", [(35, b"coap://x/")]), PROXYING_NOT_SUPPORTED),
        ((CON, GET, 6, "hello", [(17, 50)]), NOT_ACCEPTABLE),  # §5.10.4
        ((CON, PUT, 7, "put", [(12, 42)], b"\x00"), UNSUPPORTED_FORMAT),  # §5.10.3
        ((CON, PUT, 8, "put", [(12, 50)], b"{}"), CHANGED),
        ((CON, PUT, 9, "put", [(12, 0), (27, 0x18)], b"x" * 16), 0x88),  # Block1 1 without 0: 4.08
        ((CON, GET, 10, "hello", [(2, b"elective")]), CONTENT),  # an elective one: ignored
        ((NON, GET, 11, "nothing"), NOT_FOUND),
    ]
    for args, code in cases:
        m = ask(v, *args)
        eq(m.code, code, "request %r" % (args,))
        eq(m.mtype, ACK if args[0] == CON else NON, "type")
    # §5.9.3.1: a handler that raises: 5.00 without its text; the server goes on
    m = ask(v, CON, GET, 20, "fail")
    eq((m.code, m.pay == m.end, s.errors), (INTERNAL_ERROR, True, 1), "5.00, no payload")
    eq(ask(v, CON, GET, 21, "hello").code, CONTENT, "still serving")
    # a response over a datagram: in blocks (case_server_block.py); a handler's answer
    # that is no answer: 5.00
    s.add("/big", get=lambda m: (CONTENT, b"x" * 2000), put=lambda m: None)
    eq(ask(v, CON, GET, 22, "big").uint(23), 0x0E, "Block2 NUM 0, M, SZX 6")
    eq(ask(v, CON, PUT, 23, "big").code, INTERNAL_ERROR, "None: 5.00")


def test_malformed_ping_and_reserved():
    v, s, _ = setup()
    # a readable header and token, then an option with nibble 15: 4.00 (§5.9.2.1)
    bad = build(CON, GET, 0x40, b"tok") + b"\xf1\x00"
    v.deliver(bad, addr=A)
    m = v.sent()
    eq((m.mtype, m.code, m.mid, m.token()), (ACK, BAD_REQUEST, 0x40, b"tok"), "4.00")
    v.deliver(b"\x51\x01\x00\x41t\xf1", addr=A)  # a NON: 4.00 as a NON
    eq((v.sent().mtype, v.sent().code, v.sent().token()), (NON, BAD_REQUEST, b"t"), "NON 4.00")
    n = len(v.log)
    v.deliver(b"\x49\x01\x00\x42", addr=A)  # TKL 9: no token to read: RST (§4.2)
    eq(v.log[n:], [(v.ms(), build(RST, 0, 0x42))], "RST")
    v.deliver(b"\x40\x00\x00\x43", addr=A)  # ping (§4.3)
    eq(v.log[-1][1], build(RST, 0, 0x43), "ping: RST")
    v.deliver(build(CON, 0xE0, 0x44, b"r"), addr=A)  # class 7, reserved (§4.2)
    eq(v.log[-1][1], build(RST, 0, 0x44), "reserved class: RST")
    n = len(v.log)
    v.deliver(build(NON, 0xE0, 0x45, b"r"), addr=A)  # a NON we cannot process: ignored
    v.deliver(b"\x60\x01\x00", addr=A)  # 3 bytes: nothing to answer
    eq(len(v.log), n, "silence")
    eq(v.e.malformed, 4, "counted (the 3 bytes too)")


def test_request_layer_loads_on_the_first_request(interpreter):
    # coap.server_request (a request's way to its response) loads with the first request:
    # before it, a serving firmware carries none of it (its heap). Under CPython the cases
    # share one process, where another may have loaded it; each port's case runs alone.
    import sys

    v, s, _ = setup()
    v.advance(1000)  # the server's timers run
    if interpreter != "cpython":
        eq("coap.server_request" in sys.modules, False, "loaded before any request")
    m = ask(v, CON, GET, 0x50, "hello")
    eq((m.mtype, m.code, bytes(m.payload())), (ACK, CONTENT, b"hi"), "the first request")
    eq("coap.server_request" in sys.modules, True, "loaded by it")
    eq((ask(v, NON, GET, 0x51, "count").code, s.requests), (CONTENT, 2), "and the next")
    w = Driver()
    s2 = Server(w.e)  # a Server made after the load: its methods from the start
    s2.add("/x", get=lambda m: (CONTENT, b"x"))
    eq(bytes(ask(w, CON, GET, 0x52, "x").payload()), b"x", "a second server")
    eq((s.requests, s2.requests), (2, 1), "each its own")


def test_multicast_gets_no_error():
    # §8.1: a server that knows the request came by multicast sends no 4.xx/5.xx and no RST
    v, s, _ = setup()
    s.mcast = True
    eq(ask(v, NON, GET, 1, "nothing"), None, "no 4.04")
    eq(ask(v, NON, GET, 2, "fail"), None, "no 5.00")
    n = len(v.log)
    v.deliver(b"\x40\x00\x00\x03", addr=A)  # a ping
    v.deliver(b"\x49\x01\x00\x42", addr=A)  # a CON whose token cannot be read
    v.deliver(build(CON, GET, 0x46, b"tok") + b"\xf1\x00", addr=A)  # a 4.00 otherwise
    eq(len(v.log), n, "no RST, no 4.00")
    eq(ask(v, NON, GET, 4, ".well-known/core", [(15, b"rt=none")]), None, "no match: silence")
    m = ask(v, NON, GET, 5, "hello")
    eq((m.mtype, m.code), (NON, CONTENT), "answered")


def test_peers_bounded():
    # a message layer per client, at most max_peers at once: the least recently heard go
    v, s, _ = setup()
    for i in range(40):
        eq(ask(v, CON, GET, i, "hello", addr=("192.0.2.9", 50000 + i)).code, CONTENT, "each")
    eq(len(v.e.peers), s.max_peers + 1, "bounded")
    eq(v.e.peers[0][0], SERVER, "the client's own server kept")
    eq(v.e.peers[-1][0], ("192.0.2.9", 50039), "the latest kept")


def test_client_and_server_share_the_engine():
    # The client's request in flight to its server while the server answers others (and
    # the client's server itself, with a NON whose MID is not the request's)
    v, s, _ = setup()
    r = v.start(Request(GET, "/time"))
    req = v.sent()
    mid, tok = req.mid, req.token()
    m = ask(v, CON, GET, 0x900, "hello", addr=B)
    eq(m.code, CONTENT, "served meanwhile")
    m = ask(v, NON, GET, 0x901, "hello", addr=SERVER)
    assert m.mid != mid, "a NON response does not take the MID in flight"
    v.deliver(build(ACK, CONTENT, mid, tok, (), b"12:00"))
    assert r.done and r.err is None, r.err
    eq(bytes(v.e.rx.decode(r.data, r.n).payload()), b"12:00", "the client's response")


def test_well_known_core_and_filters():
    # RFC 6690 §4: the links of the resources, ct=40; §4.1: a query filters them
    v, s, _ = setup()

    mid = [0x500]

    def core(q=None):
        mid[0] += 1
        m = ask(v, CON, GET, mid[0], ".well-known/core", [(15, q.encode())] if q else ())
        eq((m.code, m.uint(12)), (CONTENT, 40), "2.05, link format")
        return bytes(m.payload()).decode()

    full = core()
    eq(full.split(",")[:3], ['</hello>;rt="greeting";ct=0', '</count>;ct="0 41"', "</fail>"],
       "links, in the order added")  # fmt: skip
    assert '</link3>;rt="Type1 Type3";if="foo";sz=1280;obs' in full, full
    assert "well-known" not in full, full

    def hrefs(q):
        return [x[1 : x.index(">")] for x in core(q).split(",") if x]

    eq(hrefs("rt=Type1"), ["/link1", "/link3"], "rt: any of its values")
    eq(hrefs("href=/link*"), ["/link1", "/link2", "/link3"], "href prefix")
    eq(hrefs("href=/link2"), ["/link2"], "href exact")
    eq(hrefs("if=If*"), ["/link1", "/link2"], "if prefix")
    eq(hrefs("rt=Type"), [], "no match: an empty document")
    eq(hrefs("ct=41"), ["/count"], "ct")
    eq(hrefs("obs"), ["/link3"], "a present attribute")
    m = ask(v, CON, GET, 0x5EF, ".well-known/core", [(15, b"rt=\xff")])
    eq(m.code, BAD_REQUEST, "a query that is not UTF-8")
    m = ask(v, CON, GET, 0x5F0, ".well-known/core", [(17, 0)])
    eq(m.code, NOT_ACCEPTABLE, "Accept: text/plain")


def test_separate_response():
    # RFC 7252 §5.2.2: a handler that answers later(): an empty ACK now (a duplicate gets it
    # again, the handler runs once), then the response as a CON of its own with the
    # request's token, retransmitted (§4.2: doubling) until the client's empty ACK; a RST
    # ends it too; unanswered, it is given up after MAX_RETRANSMIT (counted: lost). A NON
    # request's comes as one NON.
    v, s, _ = setup()
    jobs = []

    def slow(m):
        jobs.append(s.later(m))

    s.add("/slow", get=slow)
    m = ask(v, CON, GET, 0x700, "slow", token=b"S1")
    eq((m.mtype, m.code, m.mid, m.tkl), (ACK, 0, 0x700, 0), "the empty ACK")
    ask(v, CON, GET, 0x700, "slow", token=b"S1")
    eq((v.log[-1][1], len(jobs)), (build(ACK, 0, 0x700), 1), "the duplicate: the same, once")
    eq(ask(v, CON, GET, 0x701, "hello").code, CONTENT, "others served meanwhile")
    s.respond(jobs[0], CONTENT, b"at last", 0, now=v.now)
    t0 = v.ms()
    v.advance(0)
    m = v.sent()
    mid = m.mid
    eq((m.mtype, m.code, m.token(), bytes(m.payload()), m.uint(12), v.tos[-1]),
       (CON, CONTENT, b"S1", b"at last", 0, A), "the separate response, a CON")  # fmt: skip
    n = len(v.log)
    v.advance(3001)
    eq(len(v.log), n + 1, "retransmitted within ACK_TIMEOUT * ACK_RANDOM_FACTOR")
    eq(v.log[-1][1], v.log[n - 1][1], "the same bytes")
    v.deliver(build(ACK, 0, mid), addr=A)
    v.advance(60000)
    eq(len(v.log), n + 1, "ACKed: no more")
    first = v.log[n][0] - t0
    assert 2000 <= first <= 3000, first
    # a RST ends one; no answer at all: 1 + 4 transmissions, then given up
    ask(v, CON, GET, 0x702, "slow", addr=B)
    ask(v, CON, GET, 0x703, "slow", addr=B)
    s.respond(jobs[1], CONTENT, b"one", now=v.now)
    s.respond(jobs[2], CONTENT, b"two", now=v.now)
    v.advance(1)  # (one control slot per peer: they go one after the other)
    sent = [v.m.decode(d).mid for _, d in v.log[-2:]]
    v.deliver(build(RST, 0, sent[0]), addr=B)
    k = len(v.log)
    v.advance(200000)
    eq([bytes(v.m.decode(d).payload()) for _, d in v.log[k:]], [b"two"] * 4, "retransmissions")
    eq((s.lost, len(s._sep)), (1, 0), "given up, nothing left")
    # a NON request: nothing now, its response one NON later
    eq(ask(v, NON, GET, 0x704, "slow"), None, "no ACK for a NON")
    s.respond(jobs[3], CONTENT, b"non", now=v.now)
    v.advance(10000)
    m = v.sent()
    eq((m.mtype, bytes(m.payload()), len(s._sep)), (NON, b"non", 0), "one NON")
    eq(len(v.log), k + 5, "sent once")


def test_separate_bounded_and_misuse():
    v, s, _ = setup()
    jobs = []
    s.add("/slow", get=lambda m: jobs.append(s.later(m)))
    for i in range(s.max_separate):
        eq(ask(v, CON, GET, 0x800 + i, "slow").code, 0, "empty ACK")
    eq(ask(v, CON, GET, 0x810, "slow").code, INTERNAL_ERROR, "too many waiting: 5.00")
    try:
        s.later(v.e.rx)
        raise AssertionError("later() outside a handler")
    except ValueError:
        pass
    s.respond(jobs[0], CONTENT, now=v.now)
    try:
        s.respond(jobs[0], CONTENT, now=v.now)
        raise AssertionError("answered twice")
    except ValueError:
        pass
    # a handler that calls later() and then raises: 5.00, and no wait left behind

    def broken(m):
        s.later(m)
        raise RuntimeError("oops")

    s.add("/broken", get=broken)
    n = len(s._sep)
    eq(ask(v, CON, GET, 0x820, "broken").code, INTERNAL_ERROR, "5.00")
    eq(len(s._sep), n, "its wait removed")
