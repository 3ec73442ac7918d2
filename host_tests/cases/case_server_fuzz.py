# Bad input at the server (lib/coap/server.py, its request, block-wise and Observe modules) on the
# sans-I/O engine in virtual time (cases/engine_driver.py): thousands of random and mutated
# datagrams from many peers, some by multicast (the codec fuzz's generators,
# cases/case_fuzz.py), each checked against what RFC 7252 allows as its answer (Oracle), and
# the hostile requests of issue 15 as named cases: a 10 kB payload (in virtual time and over
# a socket), 200 options, unknown critical options, Block1 uploads that never finish,
# Observe registrations from 1,000 source ports; and what the fuzz found (ACKs, RSTs and
# responses from 1,000 ports; multicast), the published bad-input vectors, and the heap
# bound with every store full at once. CPython, x64 and i386 ports.
#
# The heap: under MicroPython each scenario measures gc.mem_alloc() after a collection on
# an idle server (its modules loaded), once its caches are full and at its end, and
# asserts that what the server keeps stays under HEAP_BOUND and stops growing once full
# (GROWTH). CPython's figures are not comparable: there the counts and bounds are checked.
import gc
import sys

from case_fuzz import mutate, random_datagram, random_spec
from caseutil import Rng, build, case, encode, eq, first_unknown_critical, ref_scan
from engine_driver import Driver

from coap.engine import DELETE, GET, POST, PUT
from coap.message import ACK, CON, NON, RST, Encoder, Message, block
from coap.server import BAD_OPTION, BAD_REQUEST, CHANGED, CONTENT, INTERNAL_ERROR, Server

TOO_LARGE = 0x8D  # 4.13, RFC 7252 §5.9.2.9
CONTINUE = 0x5F  # 2.31, RFC 7959 §2.9.1
METHOD_NOT_ALLOWED = 0x85
PROXY = 0xA5  # 5.05
OBS = 6
B1, B2, S1 = 27, 23, 60
RX_MAX = 1280  # what the front ends receive of a datagram (coap.client's rx_max)
# The heap (i386 port, bytes; README "Serving resources"): the most the server keeps over an
# idle one, every cache full at the defaults (test_heap_bound_with_every_cache_full: 110,912),
# and the most it may grow once full. A 64-bit port's objects are larger: 1/8 more room.
HEAP_BOUND = 114000 if sys.maxsize < 1 << 32 else 126000
GROWTH = 2048
SEED = 20261207  # the fuzz run: seeded, the same inputs under every interpreter
COUNT = 3000
PATHS = ("hello", "echo", "obs", "fail", "big", ".well-known/core", "nope")
CRITICAL = (9, 13, 33, 2049, 65001)  # unknown critical options (odd, RFC 7252 §5.4.1)


def heap():
    """Bytes in use after a collection (MicroPython), or None (CPython)."""
    gc.collect()
    f = getattr(gc, "mem_alloc", None)
    return f() if f is not None else None


def bounded(base, warm, end, what):
    """Assert the heap bound of a scenario: what the server keeps at its end over the idle
    server (base) under HEAP_BOUND, and its growth since its caches were full (warm) under
    GROWTH. MicroPython only (None: CPython); the figures, for the result."""
    if base is None:
        return None
    assert end - base < HEAP_BOUND, "%s: %d bytes kept over %d" % (what, end - base, HEAP_BOUND)
    assert end - warm < GROWTH, "%s: grew %d bytes once full" % (what, end - warm)
    return [end - base, end - warm]


def setup():
    """A driver's engine serving /hello (2.05 'hi'), /echo (each method: its payload back),
    /obs (observable), /fail (its handler raises), /big (3,000 bytes: Block2)."""
    import coap.server_block  # noqa: F401 - loaded before the heap's base figure
    import coap.server_observe  # noqa: F401
    import coap.server_request  # noqa: F401

    v = Driver(seed=5)
    s = Server(v.e)
    st = {"n": 0}

    def echo(m):
        return (CHANGED if m.code != GET else CONTENT, bytes(m.payload()))

    def obs(m):
        st["n"] += 1
        return (CONTENT, "%d" % st["n"], 0)

    def fail(m):
        raise ValueError("secret")

    s.add("/hello", get=lambda m: (CONTENT, b"hi", 0), ct=0)
    s.add("/echo", get=echo, put=echo, post=echo, delete=echo)
    s.add("/obs", get=obs, ct=0, obs=True)
    s.add("/fail", get=fail)
    s.add("/big", get=lambda m: (CONTENT, b"0123456789" * 300))
    return v, s


def peer(i):
    return ("198.51.100.%d" % (i & 0xFF), 20000 + i)


def opts_sorted(o):
    o = [(x[0], i, x[1]) for i, x in enumerate(o)]  # (MicroPython's sort is not stable)
    o.sort()
    return [(x[0], x[2]) for x in o]


def request(rng):
    """A request to one of our resources, with the options a server must handle: Observe,
    Accept, Content-Format, queries, Block1/Block2/Size1 of any value, unknown critical and
    elective ones, Proxy-Uri; payloads up to 1.5 kB (over RX_MAX: cut)."""
    code = (GET, GET, GET, PUT, POST, DELETE, 5 + rng.below(27))[rng.below(7)]
    p = PATHS[rng.below(len(PATHS))]
    o = [(11, seg.encode()) for seg in p.split("/")]
    if code == GET and rng.chance(30):
        o.append((OBS, rng.below(2) if rng.chance(90) else rng.below(1 << 24)))
    for num, pc, top in ((17, 10, 100), (12, 15, 100), (B2, 15, 1 << 16), (B1, 15, 1 << 16),
                         (S1, 5, 1 << 14)):  # fmt: skip
        if rng.chance(pc):
            o.append((num, rng.below(top)))
    if rng.chance(10):
        o.append((15, (b"rt=x", b"href=/h*", b"\xff\xfe", b"ct")[rng.below(4)]))
    if rng.chance(8):
        o.append((CRITICAL[rng.below(len(CRITICAL))], rng.bytes(rng.below(4))))
    if rng.chance(8):
        o.append((2 * (1 + rng.below(1000)), rng.bytes(rng.below(4))))  # elective: ignored
    if rng.chance(2):
        o.append((35, b"coap://elsewhere/"))
    pay = b""
    if code != GET and rng.chance(60):
        pay = rng.bytes((rng.below(64), 1024, rng.below(1500))[rng.below(3)])
    tok = rng.bytes(rng.below(9))
    return build(CON if rng.chance(70) else NON, code, 0, tok, opts_sorted(o), pay, Encoder(1600))


def datagram(rng, corpus):
    """The next input: a random datagram, a random valid message (any type and code), a
    request of ours, or a mutant of the corpus; its MID from a pool of 512, so that
    duplicates (RFC 7252 §4.5) come up."""
    r = rng.below(16)
    if r < 2:
        b = random_datagram(rng)
    elif r < 4:
        b = bytearray(encode(random_spec(rng)))
    elif r < 8:
        b = bytearray(request(rng))
    else:
        b = mutate(rng, corpus[rng.below(len(corpus))], corpus)
    if rng.chance(3):
        b = b + rng.bytes(RX_MAX)  # over what the front end receives: cut
    if len(b) >= 4:
        mid = rng.below(512)
        b[2] = mid >> 8
        b[3] = mid & 0xFF
    return b


class Oracle:
    """What RFC 7252 allows a server to answer to each datagram, judged from its bytes alone
    (caseutil's reference decoder, not the codec), and which counter it moves. Memoryless but
    for two bitmaps of the (peer, MID) pairs answered, for duplicates: its own heap fixed."""

    def __init__(self, v, s, peers):
        self.v, self.s = v, s
        self.peers = peers
        self.con = bytearray(peers * 64)  # (peer, MID) answered as a CON: may be replayed
        self.non = bytearray(peers * 64)  # ... as a NON
        self.m = Message()
        self.seen = [0] * 12  # the classes met, for the generator's sanity
        self.mc = False  # the datagram came by multicast (the front end's Server.mcast)
        self.zero = None  # peer 0's address, when not peer(0): the client's server

    def counters(self):
        s, e = self.s, self.v.e
        return (s.requests, s.duplicates, e.duplicates, e.malformed, e.too_large, e.rejected,
                s.too_large)  # fmt: skip

    def feed(self, data, who, where):
        v = self.v
        cut = len(data) > RX_MAX
        if cut:
            data = data[:RX_MAX]  # the front end's recvfrom(rx_max): the rest is lost
        n = len(data)
        addr = self.zero if who == 0 and self.zero is not None else peer(who)
        c0 = self.counters()
        e0 = self.s.errors
        k = len(v.log)
        self.s.mcast = self.mc
        try:
            v.deliver(data, cut, addr)
        except Exception as x:  # noqa: BLE001 - what is looked for
            raise AssertionError("%s: %r escaped" % (where, x))
        finally:
            self.s.mcast = False
        out = v.log[k:]
        for a in v.tos[k:]:
            eq(a, addr, where + ": to the sender")
        del v.log[:], v.tos[:]
        c1 = self.counters()
        d = [c1[j] - c0[j] for j in range(len(c0))]
        err = self.s.errors - e0
        cls, want = self.judge(data, n, cut, out, d, err, who, where)
        self.seen[cls] += 1
        eq(d, want, where + ": counters (requests, dup NON, dup CON, malformed, too_large, "
           "rejected, 4.13)")  # fmt: skip
        mid = data[2] << 8 | data[3] if n >= 4 else 512
        if n >= 4 and data[0] >> 4 & 3 < ACK and mid < 512:
            # (its MID may be answered again: a duplicate's, even when nothing went, §8.1)
            i = who * 512 + mid
            bits = self.con if data[0] >> 4 & 3 == CON else self.non
            bits[i >> 3] |= 1 << (i & 7)
        return out

    def answered(self, bits, who, mid):
        if mid >= 512:
            return 1  # (outside the fuzz's pool of MIDs: not recorded)
        i = who * 512 + mid
        return bits[i >> 3] >> (i & 7) & 1

    def judge(self, data, n, cut, out, d, err, who, where):
        # (class, the counters it must move); raises on an answer the RFC does not allow
        z = [0] * 7
        hdr = n >= 4 and data[0] >> 6 == 1
        t = data[0] >> 4 & 3 if hdr else -1
        code = data[1] if hdr else 0
        mid = data[2] << 8 | data[3] if hdr else -1
        tkl = data[0] & 15 if hdr else 0
        tok = bytes(data[4 : 4 + tkl]) if hdr and tkl <= 8 and 4 + tkl <= n else None
        req = 1 <= code <= 31
        if cut:
            # RFC 7252 §4.6 / RFC 7959 §2.9.3: over what we receive, not decoded: a request
            # whose header and token we can read gets 4.13 (Size1, Block1), else silence
            z[4] = 1
            if t in (CON, NON) and req and tok is not None:
                z[6] = not self.mc
                m = self.one(out, where)
                if m is not None:
                    self.response(m, t, mid, tok, where)
                    eq((m.code, m.uint(S1) is not None, m.uint(B1) is not None),
                       (TOO_LARGE, True, True), where + ": 4.13, Size1, Block1")  # fmt: skip
                return 0, z
            eq(out, [], where + ": a cut datagram we cannot read: silence")
            return 1, z
        if not hdr:
            z[3] = 1
            eq(out, [], where + ": no header: silence")
            return 2, z
        ref = ref_scan(data, n)
        if ref is None:
            # malformed (§3): a CON is rejected, RST (§4.2), but a request whose header and
            # token we can read gets 4.00 (§5.9.2.1); a NON: that 4.00, or silence (§4.3)
            z[3] = 1
            if t == CON and not (req and tok is not None):
                self.rst(out, mid, where)
                return 3, z
            if t < ACK and req and tok is not None:
                m = self.one(out, where)
                if m is not None:
                    self.response(m, t, mid, tok, where)
                    eq(m.code, BAD_REQUEST, where + ": 4.00")
                return 4, z
            eq(out, [], where + ": malformed, not answerable: silence")
            return 5, z
        if t >= ACK:
            eq(out, [], where + ": never an answer to an ACK or RST (§4.2, §4.3)")
            return 6, z
        if t == CON and d[2]:
            # §4.5: a duplicate gets the answer the first got (its MID), whatever it is now
            z[2] = 1
            m = self.one(out, where)
            assert self.answered(self.con, who, mid), where + ": a duplicate of nothing"
            if m is not None:
                eq((m.mid, m.mtype in (ACK, RST)), (mid, True), where + ": the cached answer")
            return 7, z
        if code == 0 or code >> 5 in (1, 6, 7):
            # §4.3 (a ping), §4.2 (a reserved class): a CON gets an RST, a NON nothing
            if t == CON:
                self.rst(out, mid, where)
            else:
                eq(out, [], where + ": a NON we cannot process: ignored")
            return 8, z
        if not req:
            # a response nobody asked for: rejected (§4.3: RST; a NON may be ignored)
            z[5] = 1
            if t == CON or out:
                self.rst(out, mid, where)
            return 9, z
        if t == NON and d[1]:
            z[1] = 1  # §4.5: a duplicate NON, the response the first got
            m = self.one(out, where)
            assert self.answered(self.non, who, mid), where + ": a duplicate of nothing"
            if m is not None:
                eq(m.mtype, NON, where + ": NON")
            return 7, z
        m = self.m.decode(data, n)
        nums = [x[0] for x in m.opts()]
        crit = first_unknown_critical(nums)
        if crit and t == NON:
            # §5.4.1: a NON with an unknown critical option is rejected (§4.3): an RST,
            # or silence; never a response
            z[5] = 1
            if out:
                self.rst(out, mid, where)
            return 10, z
        z[0] = 1
        q = Message().decode(data, n)
        a = self.one(out, where)
        if a is None:  # (multicast: an error response not sent)
            z[6] = d[6]
            return 11, z
        self.response(a, t, mid, q.token(), where)
        c = a.code
        assert c >> 5 in (2, 4, 5), where + ": a response code, not %d" % c
        z[6] = c == TOO_LARGE  # (RFC 7959 §2.9.3: a Size1 or body over max_body)
        eq(c == INTERNAL_ERROR, err == 1, where + ": a 5.00 is an error counted")
        if crit:
            if code <= 4 and 35 not in nums and 39 not in nums:
                eq(c, BAD_OPTION, where + ": 4.02 for an unknown critical option (§5.4.1)")
            else:
                assert c in (BAD_OPTION, METHOD_NOT_ALLOWED, PROXY), where
        elif code > 4:
            eq(c, METHOD_NOT_ALLOWED, where + ": 4.05 for a method we do not know (§5.8)")
        if a.uint(OBS) is not None:
            assert code == GET and OBS in nums and c >> 5 == 2, where + ": Observe unasked"
        if m.opts() == [(11, b"hello")] and code == GET:
            eq((c, bytes(a.payload())), (CONTENT, b"hi"), where + ": a plain GET")
        return 11, z

    def one(self, out, where):
        # The one answer, decoded; by multicast (§8.1): none, or a 2.xx response (None)
        if self.mc and not out:
            return None
        eq(len(out), 1, where + ": one answer")
        d = out[0][1]
        assert ref_scan(d) is not None, where + ": a well-formed answer"
        m = Message().decode(d)
        if self.mc:
            assert m.mtype < RST and m.code >> 5 == 2, where + ": by multicast, %r" % d
        return m

    def rst(self, out, mid, where):
        if self.mc:
            eq(out, [], where + ": no RST to a multicast message (§8.1)")
            return
        m = self.one(out, where)
        eq((m.mtype, m.code, m.mid, m.tkl, m.end), (RST, 0, mid, 0, 4), where + ": an RST")

    def response(self, m, t, mid, tok, where):
        # §5.2: piggybacked on the ACK of a CON (its MID), a NON for a NON; the token echoed
        # (§5.3.2)
        if t == CON:
            eq((m.mtype, m.mid), (ACK, mid), where + ": piggybacked")
        else:
            eq(m.mtype, NON, where + ": NON")
        eq(m.token(), tok, where + ": the token")


def check_bounds(v, s, where):
    e = v.e
    assert len(e.peers) <= s.max_peers + s.max_observers + 1, (where, len(e.peers))
    assert len(s._up) <= s.max_uploads, (where, len(s._up))
    assert len(s._non) <= 32, where
    assert s.observers() <= s.max_observers, where
    assert len(s._sep) <= s.max_separate + s.max_observers, where


def plain_get(v, s, mid=0x7777, addr=("203.0.113.99", 61000)):
    """A plain CON GET /hello from a new client: 2.05 'hi', piggybacked."""
    n = len(v.log)
    v.deliver(build(CON, GET, mid, b"pg", [(11, b"hello")]), addr=addr)
    eq(len(v.log), n + 1, "one answer")
    m = v.sent()
    eq((m.mtype, m.code, m.mid, m.token(), bytes(m.payload())),
       (ACK, CONTENT, mid, b"pg", b"hi"), "still serving")  # fmt: skip
    del v.log[:], v.tos[:]


@case(timeout=60, compare=True, parallel=True)
def test_fuzz_server():
    # Random and mutated datagrams from 40 peers: each gets what the RFC allows (Oracle),
    # nothing escapes, the counters add up; now and then time passes (uploads, dedup and
    # NON caches expire), observers are notified; the state stays bounded, the heap flat
    # once full, and a plain GET afterwards gets 2.05.
    return fuzz(SEED, COUNT, False)


@case(timeout=60, compare=True, parallel=True)
def test_fuzz_server_on_a_client_s_engine():
    # The same on the engine of a client whose request to its server is always in flight,
    # its server (SERVER) one of the 40 peers: our answers to it never take that request's
    # MID (RFC 7252 §4.4), its retransmissions are the request's bytes, and at the end a
    # response completes the request.
    return fuzz(SEED + 1, COUNT * 2 // 3, True)


def fuzz(seed, count, client):
    from engine_driver import SERVER

    from coap.engine import Request

    rng = Rng(seed)
    v, s = setup()
    base = heap()
    corpus = [request(rng) for _ in range(48)] + [encode(random_spec(rng)) for _ in range(16)]
    o = Oracle(v, s, 40)
    o.zero = SERVER if client else None
    digest = 0
    warm = last = r = rq = None
    who = crossed = 0
    for i in range(count):
        if i == count // 3:
            warm = heap()
        if client and (r is None or r.done):  # (timed out as time passed, or reset)
            r = v.start(Request(GET, "/time"))
            rq = v.log[-1][1]
            del v.log[:], v.tos[:]
        if last is not None and rng.chance(6):
            data = last  # a retransmission, from its peer: a duplicate (RFC 7252 §4.5)
        else:
            data = datagram(rng, corpus)
            who = 0 if client and rng.chance(25) else rng.below(40)  # (0: the server)
        last = data
        o.mc = rng.chance(8)  # (as coap.mcast's front end sets it, §8.1)
        out = o.feed(data, who, "seed %d input %d (%s)" % (seed, i, bytes(data[:24])))
        for _, a in out:
            for x in a:
                digest = (digest * 31 + x) & 0xFFFFFF
            if client and who == 0 and not r.done and a[0] >> 4 & 3 < ACK:
                assert a[2:4] != rq[2:4], (i, "the MID of the request in flight")
                crossed += 1
        check_bounds(v, s, i)
        if rng.chance(10):
            v.advance(rng.below(5000) if rng.chance(95) else 300000)
        if i % 200 == 199:
            s.changed("/obs", con=rng.chance(30))
            v.advance(10)
        for j in range(len(v.log)):  # what the timers sent: notifications, retransmissions
            d = v.log[j][1]
            if client and d == rq:
                continue  # the client's request again (§4.2)
            m = v.sent(j)
            assert m.mtype in (CON, NON) and m.code >> 5 in (2, 4, 5), (i, v.log[j])
            assert ref_scan(d) is not None, (i, v.log[j])
        del v.log[:], v.tos[:]
    if client:
        if r.done:
            r = v.start(Request(GET, "/time"))
            rq = v.log[-1][1]
        v.deliver(build(NON, CONTENT, 0x9999, Message().decode(rq).token(), (), b"12:00"))
        assert r.done and r.err is None, r.err
        assert crossed >= 10, crossed  # (NON responses and notifications to the server)
    v.advance(400000)
    del v.log[:], v.tos[:]
    eq(len(s._up), 0, "the uploads expired")
    end = heap()
    plain_get(v, s)
    if count >= 1000:
        for cls in range(12):  # the generator's sanity: every class of input in quantity
            assert o.seen[cls] >= 5, ("class", cls, o.seen)
    print("heap: kept, growth once full:", bounded(base, warm, end, "fuzz"))
    return {"digest": digest, "seen": o.seen, "requests": s.requests}


def ask(v, mtype, code, mid, path, opts=(), pay=b"", addr=("203.0.113.5", 40000), tok=b"tk",
        cut=False):  # fmt: skip
    """Deliver a request (over RX_MAX: its first RX_MAX bytes, cut, as a front end gets it);
    its answer decoded, or None."""
    o = [(11, seg.encode()) for seg in path.split("/") if seg] + list(opts)
    d = build(mtype, code, mid, tok, opts_sorted(o), pay, Encoder(len(pay) + 2000))
    n = len(v.log)
    v.deliver(d[:RX_MAX], len(d) > RX_MAX, addr)
    eq(v.tos[n:], [addr] * (len(v.log) - n), "to the sender")
    out = v.log[n:]
    del v.log[:], v.tos[:]
    assert len(out) <= 1, out
    return Message().decode(out[0][1]) if out else None


@case(timeout=60)
def test_10kB_payload():
    # A 10 kB request (over what the server receives, RX_MAX: the front end gets 1,280 bytes
    # of it and says so, cut): 4.13 with Size1 = max_body and Block1 = the block size to use
    # (RFC 7959 §2.9.3), a NON's as a NON, from 100 peers; the handler never runs; one whose
    # header or token cannot be read: silence. The heap keeps no 10 kB (each datagram is cut
    # before the engine sees it: test_10kB_payload_over_a_socket has the socket's side).
    v, s = setup()
    base = heap()
    big = bytes(range(256)) * 40
    for i in range(100):
        if i == 20:
            warm = heap()
        t = CON if i & 1 else NON
        m = ask(v, t, PUT, i, "echo", [(12, 42)], big, addr=peer(i), tok=b"big%d" % i)
        eq((m.mtype, m.code, m.token(), m.uint(S1), m.uint(B1)),
           (ACK if t == CON else NON, TOO_LARGE, b"big%d" % i, s.max_body, s.block_szx),
           "4.13")  # fmt: skip
        if t == CON:
            eq(m.mid, i, "piggybacked")
        check_bounds(v, s, i)
    end = heap()
    eq((s.too_large, s.requests, s.errors), (100, 0, 0), "counted, no handler ran")
    d = bytearray(build(CON, PUT, 0x500, b"t", [(11, b"echo")], big, Encoder(12000)))
    for b0 in (0x49, 0x80, 0x60, 0x70):  # TKL 9; version 2; an ACK; an RST
        d[0] = b0
        n = v.e.too_large
        v.deliver(d[:RX_MAX], True, peer(7))
        eq((v.log, v.e.too_large - n), ([], 1), "unreadable, or no request: silence")
    plain_get(v, s)
    r = bounded(base, warm, end, "10 kB payloads")
    print("heap: kept, growth once full:", r)
    return r


@case(timeout=60)
def test_10kB_payload_over_a_socket(udp_port):
    # The same over a real socket (Server(port=...), the blocking front end): the datagram
    # is received as rx_max bytes (recvfrom's limit: the kernel drops the rest), so serving
    # it allocates about that, not 10 kB (MicroPython: gc.mem_alloc() across serve(), no
    # collection between); the answer is the 4.13
    import socket

    s = Server(port=udp_port, bind="127.0.0.1")
    s.add("/echo", put=lambda m: (CHANGED, bytes(m.payload())))
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.bind(socket.getaddrinfo("127.0.0.1", 0)[0][-1])
    c.settimeout(2)
    to = socket.getaddrinfo("127.0.0.1", udp_port)[0][-1]
    big = build(CON, PUT, 0x1234, b"10k", [(11, b"echo")], b"x" * 10240, Encoder(11000))
    used = []
    try:
        for _ in range(3):
            c.sendto(big, to)
            s.serve(0)  # (one pass: allocations warmed)
            gc.collect()
            f = getattr(gc, "mem_alloc", None)
            a = f and f()
            c.sendto(big, to)
            s.serve(100)
            if f:
                used.append(f() - a)
            m = Message().decode(c.recv(1500))
            eq((m.mtype, m.code, m.token(), m.uint(S1)), (ACK, TOO_LARGE, b"10k", s.max_body),
               "4.13")  # fmt: skip
            c.recv(1500)  # (the first one's answer, the same: a retransmission of it)
    finally:
        c.close()
        s.e.close()
    if used:
        assert max(used) < 4096, used  # rx_max (1,280) and the answer, not 10 kB
    eq((s.too_large, s.requests), (6, 0), "no handler ran")
    return used


@case(timeout=60)
def test_200_options():
    # 200 elective options a server ignores: 2.05; 200 queries on /.well-known/core: the
    # filter matching nothing, an empty 2.05; 200 Uri-Path segments: 4.04; 200 options and
    # an unknown critical one last: 4.02; 300 options, over the codec's index (256): the
    # request is malformed to us, 4.00 (its header and token readable), a NON's as a NON.
    # The codec's option index grows once (1.5 kB) and no more.
    v, s = setup()
    base = heap()
    el = [(2, b"e")] * 200
    for i in range(60):
        if i == 10:
            warm = heap()
        who = peer(i)
        m = ask(v, CON, GET, 6 * i, "hello", el, addr=who)
        eq((m.code, bytes(m.payload())), (CONTENT, b"hi"), "elective: ignored")
        m = ask(v, CON, GET, 6 * i + 1, ".well-known/core", [(15, b"rt=x")] * 200, addr=who)
        eq((m.code, bytes(m.payload())), (CONTENT, b""), "200 filters")
        m = ask(v, CON, GET, 6 * i + 2, "a/" * 200, addr=who)
        eq(m.code, 0x84, "200 segments: 4.04")
        m = ask(v, CON, GET, 6 * i + 3, "hello", el + [(65001, b"")], addr=who)
        eq((m.mtype, m.code), (ACK, BAD_OPTION), "an unknown critical one")
        m = ask(v, CON, GET, 6 * i + 4, "hello", [(2, b"")] * 300, addr=who)
        eq((m.mtype, m.code, m.mid, m.token()), (ACK, BAD_REQUEST, 6 * i + 4, b"tk"), "300")
        m = ask(v, NON, GET, 6 * i + 5, "hello", [(2, b"")] * 300, addr=who)
        eq((m.mtype, m.code, m.token()), (NON, BAD_REQUEST, b"tk"), "300, NON")
        check_bounds(v, s, i)
    end = heap()
    eq((s.requests, v.e.malformed, s.errors), (240, 120, 0), "counted")
    plain_get(v, s)
    r = bounded(base, warm, end, "200 options")
    print("heap: kept, growth once full:", r)
    return r


@case(timeout=60)
def test_unknown_critical_options():
    # RFC 7252 §5.4.1: an unrecognized critical option in a CON request: 4.02 (piggybacked,
    # the handler not run); in a NON: the message is rejected (§4.3), an RST with its MID
    # (the MAY of §4.3) and no response; by multicast nothing at all (§8.1). In a response
    # nobody asked for: an RST (§4.3). Elective and known critical ones: served.
    v, s = setup()
    for i, num in enumerate(CRITICAL):
        m = ask(v, CON, GET, 0x100 + i, "obs", [(num, b"\x01")])
        eq((m.mtype, m.code, m.mid, m.token()), (ACK, BAD_OPTION, 0x100 + i, b"tk"), num)
        m = ask(v, NON, GET, 0x200 + i, "obs", [(num, b"\x01")])
        eq((m.mtype, m.code, m.mid, m.end), (RST, 0, 0x200 + i, 4), "NON %d: RST" % num)
        m = ask(v, NON, GET, 0x200 + i, "obs", [(num, b"\x01")])
        eq((m.mtype, m.mid), (RST, 0x200 + i), "its duplicate: rejected again")
        m = ask(v, CON, GET, 0x300 + i, "obs", [(OBS, 0), (num, b"")], addr=peer(i))
        eq((m.code, m.uint(OBS), s.observers()), (BAD_OPTION, None, 0), "no registration")
    for num in (2, 4 + 0x1C, 65000, 3, 7):  # elective; Uri-Host, Uri-Port: known
        m = ask(v, CON, GET, 0x400 + num, "hello", [(num, b"x")])
        eq((m.code, bytes(m.payload())), (CONTENT, b"hi"), "option %d" % num)
    s.mcast = True
    eq(ask(v, NON, GET, 0x500, "hello", [(9, b"")]), None, "multicast: silence")
    s.mcast = False
    m = ask(v, CON, CONTENT, 0x501, "", [(9, b"")])
    eq((m.mtype, m.mid), (RST, 0x501), "an unasked response: RST")
    eq((s.requests, v.e.rejected), (2 * len(CRITICAL) + 5, 2 * len(CRITICAL) + 2),
       "counted: requests (the CONs, the 5 served), rejected (NONs, the response)")  # fmt: skip
    plain_get(v, s)


def upload_start(v, i, addr, mid):
    # Block1 NUM 0, M set, 1 kB (RFC 7959 §2.3): the start of an upload never finished
    m = ask(v, CON, PUT, mid, "echo", [(B1, block(0, 1, 6))], bytes(1024), addr=addr)
    eq((m.code, m.uint(B1)), (CONTINUE, block(0, 1, 6)), "2.31")


@case(timeout=60)
def test_block1_sets_that_never_finish():
    # 300 peers each start an upload (Block1 NUM 0, M) and never send its next block, and 100
    # send a middle block without a start (4.08, RFC 7959 §2.9.2): at most max_uploads
    # bodies kept at every step (the oldest dropped for a newer, counted in expired), the
    # peers at their LRU bound; once EXCHANGE_LIFETIME passes with nothing more, the
    # server's tick forgets the last ones (0 kept) and the heap is back near the idle
    # server's.
    v, s = setup()
    base = heap()
    most = 0
    for i in range(300):
        if i == 30:
            warm = heap()
        upload_start(v, i, peer(i), i)
        if i % 3 == 0:
            m = ask(v, CON, PUT, 0x1000 + i, "echo", [(B1, block(2, 1, 6))], bytes(1024),
                    addr=peer(1000 + i))  # fmt: skip
            eq(m.code, 0x88, "4.08: no start")
        most = max(most, len(s._up))
        check_bounds(v, s, i)
        if i % 50 == 49:
            v.advance(1000)
    full = heap()
    eq((most, len(s._up), s.expired), (s.max_uploads, 2, 298), "bounded, the oldest dropped")
    v.advance(v.e.lifetime - 20000)
    eq(len(s._up), 2, "within EXCHANGE_LIFETIME: kept")
    v.advance(30000)  # (the engine's due() names the expiry: advance runs the tick then)
    eq((len(s._up), s.expired), (0, 300), "expired by the timer, without another request")
    end = heap()
    plain_get(v, s)
    upload_start(v, 0, peer(0), 0x7000)
    m = ask(v, CON, PUT, 0x7001, "echo", [(B1, block(1, 0, 6))], b"end", addr=peer(0))
    eq((m.code, m.uint(B1), m.uint(B2), len(bytes(m.payload()))),
       (CHANGED, block(1, 0, 6), block(0, 1, 6), 1024),
       "an upload afterwards: its 1,027 bytes echoed, in blocks")  # fmt: skip
    r = bounded(base, warm, full, "unfinished uploads")
    if r is not None:
        assert end < full - 2 * 1024, ("the bodies freed", full, end)
        r.append(full - end)
    print("heap: kept, growth once full, freed by the expiry:", r)
    return r


@case(timeout=60)
def test_observe_registrations_from_1000_ports():
    # RFC 7641 §4.1: 1,000 registrations (CON GET /obs, Observe 0) from as many source
    # ports: the first max_observers registered, every other one answered 2.05 without
    # Observe (its token echoed) and not kept; the peer LRU within max_peers +
    # max_observers (+ the client's server) at every step; a change notifies the 8; CON
    # notifications never ACKed end them (RFC 7641 §4.5), which frees the bound for new
    # observers. The heap: no growth past the first hundred.
    v, s = setup()
    base = heap()
    k = 0
    for i in range(1000):
        if i == 100:
            warm = heap()
        who = ("198.51.100.1", 10000 + i)
        tok = bytes((i >> 8, i & 0xFF))
        m = ask(v, CON, GET, i, "obs", [(OBS, 0)], addr=who, tok=tok)
        eq((m.mtype, m.code, m.mid, m.token()), (ACK, CONTENT, i, tok), "answered")
        if m.uint(OBS) is not None:
            k += 1
            assert i < s.max_observers, i
        check_bounds(v, s, i)
    end = heap()
    eq((k, s.observers()), (s.max_observers, s.max_observers), "the first 8 registered")
    n = len(v.log)
    s.changed("/obs", con=True)
    v.advance(1)
    eq(sorted(a[1] for a in v.tos[n:]), list(range(10000, 10008)), "the 8 notified")
    v.advance(v.e.max_wait)  # never ACKed: given up
    eq((s.observers(), s.lost), (0, 8), "gone (§4.5)")
    del v.log[:], v.tos[:]
    m = ask(v, CON, GET, 0x5000, "obs", [(OBS, 0)], addr=("198.51.100.2", 9999))
    assert m.uint(OBS) is not None, "a new observer has room"
    plain_get(v, s)
    r = bounded(base, warm, end, "1,000 observers")
    print("heap: kept, growth once full:", r)
    return r


@case(timeout=60)
def test_heap_bound_with_every_cache_full():
    # The bound itself: everything a peer can make the server keep, each at its largest at
    # once: 1 kB piggybacked responses in every peer's dedup cache (8 each, RFC 7252 §4.5),
    # the peers at their LRU bound, 8 NON responses cached, max_observers observers with
    # 256-byte registrations and a 1 kB CON notification each in flight (RFC 7641 §4.5),
    # max_separate 1 kB separate responses unACKed (§5.2.2), max_uploads uploads of
    # max_body, the codecs' option indexes at their largest. Twice, with new peers and MIDs:
    # what it keeps stays under HEAP_BOUND and does not grow the second time.
    v, s = setup()
    s.add("/bigobs", get=lambda m: (CONTENT, b"o" * 1000), obs=True)
    jobs = []
    s.add("/slow", get=lambda m: jobs.append(s.later(m)))
    pad = [(2, b"")] * 200  # (elective: a registration under 256 bytes, the index its largest)
    base = heap()
    marks = []
    most = 0
    for r in range(2):
        del jobs[:]
        for i in range(s.max_observers):
            m = ask(v, CON, GET, 0x7000 + 0x100 * r + i, "bigobs", [(OBS, 0)] + pad,
                    addr=peer(100 * r + i))  # fmt: skip
            assert m.uint(OBS) is not None, "registered"
        for i in range(30):
            for j in range(8):
                m = ask(v, CON, GET, 0x1000 * r + 0x10 * i + j, "big", addr=peer(100 * r + i))
                eq((m.code, len(bytes(m.payload()))), (CONTENT, 1024), "a 1 kB block")
            most = max(most, len(v.e.peers))
        for j in range(8):
            ask(v, NON, GET, 0x3000 + 0x100 * r + j, "big", addr=peer(100 * r + 29))
        for j in range(s.max_separate):
            eq(ask(v, CON, GET, 0x4000 + 0x100 * r + j, "slow", addr=peer(100 * r + 28)).code,
               0, "an empty ACK")  # fmt: skip
        for x in jobs:
            s.respond(x, CONTENT, bytes(1000), now=v.now)
        s.changed("/bigobs", con=True)
        for i in range(s.max_uploads):
            for k in range(4):
                m = ask(
                    v,
                    CON,
                    PUT,
                    0x5000 + 0x100 * r + 0x10 * i + k,
                    "echo",
                    [(B1, block(k, 1, 6))],
                    bytes(1024),
                    addr=peer(100 * r + 20 + i),
                )
                eq(m.code, CONTINUE, "2.31")  # fmt: skip
        eq(ask(v, CON, GET, 0x6000 + r, "hello", [(2, b"")] * 300).code, BAD_REQUEST, "300")
        v.advance(100)  # (the notifications and separate responses go out)
        del v.log[:], v.tos[:]
        eq((s.observers(), len(s._sep), len(s._up), len(s._non)),
           (s.max_observers, s.max_observers + s.max_separate, s.max_uploads, 32),
           "every store full")  # fmt: skip
        check_bounds(v, s, r)
        marks.append(heap())
        if r == 0:
            v.advance(v.e.lifetime)  # all of it given up or expired, for the second round
            del v.log[:], v.tos[:]
    assert s.max_peers + 1 <= most <= s.max_peers + s.max_observers + 1, most  # (LRU full)
    plain_get(v, s)
    r = bounded(base, marks[0], marks[1], "every cache full")
    print("heap: kept, growth the second time:", r)
    return r


@case(timeout=60)
def test_acks_resets_and_responses_from_1000_ports():
    # What is no request, from 1,000 source ports: an empty ACK, an RST (never answered,
    # RFC 7252 §4.2, §4.3), a CON response nobody asked for (an RST) and a NON one (an RST,
    # §4.3's MAY). The engine makes a message layer for each new address; the server's LRU
    # bounds them on these paths too (found by test_fuzz_server: the peers grew without
    # bound, one per port), and the heap stays flat.
    v, s = setup()
    base = heap()
    for i in range(1000):
        if i == 100:
            warm = heap()
        who = ("198.51.100.3", 10000 + i)
        for d, want in ((build(ACK, 0, i), None), (build(RST, 0, i), None),
                        (build(CON, CONTENT, i, b"r", (), b"x"), RST),
                        (build(NON, CONTENT, i, b"r", (), b"x"), RST)):  # fmt: skip
            v.deliver(d, addr=who)
            if want is None:
                eq(v.log, [], "never an answer to an ACK or RST")
            else:
                eq([(v.sent().mtype, v.sent().mid, v.tos[0])], [(RST, i, who)], "an RST")
            del v.log[:], v.tos[:]
            assert len(v.e.peers) <= s.max_peers + 1, (i, len(v.e.peers))
    end = heap()
    eq(v.e.rejected, 2000, "the responses rejected")
    plain_get(v, s)
    r = bounded(base, warm, end, "ACKs and RSTs from 1,000 ports")
    print("heap: kept, growth once full:", r)
    return r


# Bad-input vectors from public CoAP test suites (/work/shared/notes/coap-conformance.md):
# hex, and what the server sends back (hex), or "" for silence
VECTORS = (
    ("40", ""),
    ("400197", ""),
    ("80019998", ""),  # version 2
    ("4000999a", "7000999a"),  # a ping: RST (§4.3)
    ("4040ffff", "7000ffff"),  # a CON 2.00 nobody asked for: RST (§4.3)
    ("6040ffff", ""),  # an ACK nobody waits for
    ("70001234ff", ""),  # a malformed RST
    ("590112340102030405060708aa", ""),  # a NON with TKL 9
    ("490112340102030405060708aa", "70001234"),  # a CON with TKL 9: RST (§4.2)
    ("44011234aabb", "70001234"),  # a token shorter than its TKL
    ("42011234aabbd1", "62801234aabb"),  # an option past the end: 4.00 (§5.9.2.1)
    ("6e8d", ""),
    ("5a0a5b5b", ""),
)


@case(timeout=60)
def test_bad_input_vectors():
    # Each vector from a new peer (and 245 x d0 ff, options numbered past 65535): the
    # answer the vector table names, and the Oracle's judgement of it; then 2.05 as ever
    from caseutil import unhex

    v, s = setup()
    o = Oracle(v, s, 20)
    vecs = list(VECTORS) + [("420112346b6f" + "d0ff" * 245, "62801234" + "6b6f")]
    for i, (x, want) in enumerate(vecs):
        data = bytearray(unhex(x))
        out = o.feed(data, i, "vector %s" % x[:24])
        eq(b"".join(d for _, d in out), unhex(want), "vector %s" % x[:24])
    plain_get(v, s)


@case(timeout=60)
def test_multicast_gets_no_rst_and_no_error():
    # RFC 7252 §8.1, through coap.mcast's front end: what came to the group gets no RST and
    # no error response, the engine's own included (found by test_fuzz_server): a CON or
    # NON response nobody asked for (the engine rejects it: an RST), a NON with an unknown
    # critical option, and a duplicate whose first copy, by unicast, got a 4.04 (the NON
    # response cache would replay it). A request it can serve: answered after the leisure.
    from coap.mcast import Multicast

    v, s = setup()
    mc = Multicast(s)
    a = ("198.51.100.9", 5683)
    ask(v, NON, GET, 0x42, "nope", addr=a)  # (unicast: its 4.04, cached for a duplicate)
    for d in (build(CON, CONTENT, 0x40, b"r", (), b"x"), build(NON, CONTENT, 0x41, b"r"),
              build(NON, GET, 0x43, b"c", [(9, b""), (11, b"hello")]),
              build(NON, GET, 0x42, b"tk", [(11, b"nope")])):  # fmt: skip
        mc.receive(d, len(d), a, v.now)
        v.flush()
        eq((mc.q, v.log), ([], []), "nothing for %r" % d)
    d = build(NON, GET, 0x44, b"ok", [(11, b"hello")])
    mc.receive(d, len(d), a, v.now)
    eq(len(mc.q), 3, "a 2.05 waits its leisure")
    eq((v.e.rejected, s.duplicates), (3, 1), "counted: rejected, the duplicate")
