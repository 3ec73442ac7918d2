# The sans-I/O engine (lib/coap/engine.py, observer.py, blockwise.py) in virtual time: no
# socket, no clock (cases/engine_driver.py). The case is the server. Runs under CPython, both unix
# ports and, needing no socket, on the Cortex-M0 and RV32 cores (test_targets_m0.py). Each
# defect of the client review (issue 9) has a case here, by its number.
from caseutil import build, eq
from engine_driver import SERVER, Driver

from coap.engine import CAP, GET, POST, CoapError, CoapTimeout, Request
from coap.message import ACK, CON, NON, RST, block
from coap.observer import Observation

CONTENT = 0x45
CHANGED = 0x44
CONTINUE = 0x5F
TOO_LARGE = 0x8D
DAY = 86400000


def ack(m, code=CONTENT, opts=(), payload=b"", token=None):
    """The piggybacked response to request m (a decoded Message)."""
    return build(ACK, code, m.mid, m.token() if token is None else token, opts, payload)


def empty(mtype, mid):
    return build(mtype, 0, mid)


def observe(v, margin=1000, path=(b"obs",)):
    """An observation registered through v's engine, answered with Observe 1, Max-Age 1."""
    o = Observation(path, (), None, b"TOK1", margin)
    o.register(v.e, v.now)
    v.flush()
    v.deliver(ack(v.sent(), opts=[(6, 1), (14, 1)], payload=b"first"))
    o.started = True
    return o


def test_rfc_default_retransmission_virtual():
    # RFC 7252 §4.2 at the defaults (2 s, 1.5, 4): the first timeout in [2, 3] s, doubling,
    # five transmissions of the same bytes, then CoapTimeout at 31 times the first timeout,
    # within MAX_TRANSMIT_WAIT (93 s). 93 s of virtual time.
    v = Driver()
    eq(v.e.max_wait, 93000, "MAX_TRANSMIT_WAIT")
    eq(v.e.lifetime, 247000, "EXCHANGE_LIFETIME")
    r = v.start(Request(GET, "/x"))
    v.advance(3001)
    t = v.times()
    eq(len(t), 2, "one retransmission within 3 s")
    first = t[1]
    assert 2000 <= first <= 3000, first
    v.advance(31 * first - 3001 - 1)
    assert not r.done, v.times()
    v.advance(2)
    assert r.done and isinstance(r.err, CoapTimeout) and "no ACK" in str(r.err), r.err
    eq(v.times(), [0, first, 3 * first, 7 * first, 15 * first], "doubling")
    assert len({d for _, d in v.log}) == 1  # the same MID and token each time
    eq(v.e.retransmissions, 4, "MAX_RETRANSMIT")


def test_piggybacked_separate_and_nstart():
    v = Driver(ack_timeout_ms=100)
    a = v.start(Request(GET, "/a"))
    b = v.start(Request(GET, "/b"))
    eq(len(v.log), 1, "NSTART = 1: /b waits")
    m = v.sent()
    ma, ta = m.mid, m.token()
    v.deliver(empty(ACK, ma))  # RFC 7252 §5.2.2: the answer comes later
    eq(len(v.log), 2, "once /a is ACKed it is no longer outstanding: /b goes")
    eq(v.sent().opts(11), [b"b"], "the second request")
    v.deliver(ack(v.sent(), payload=b"B"))
    assert b.done and b.err is None and not a.done
    v.advance(1000)
    eq(len(v.log), 2, "an ACKed request is not retransmitted")
    v.deliver(build(CON, CONTENT, 0x7777, ta, (), b"A"))
    assert a.done and a.err is None
    eq(v.log[-1][1], empty(ACK, 0x7777), "the separate response ACKed")
    eq(v.e.rx.decode(a.data, a.n).code, CONTENT, "its response")


def test_1_max_age_of_136_years():
    # Max-Age up to 2**32 - 1 s (RFC 7252 §5.10.5): the timer stays within what ticks hold,
    # nothing raises, nothing re-registers in 4 days, and a notification is delivered.
    v = Driver()
    o = Observation((b"obs",), (), None, b"TOK1", 1000)
    o.register(v.e, v.now)
    v.flush()
    v.deliver(ack(v.sent(), opts=[(6, 1), (14, 0xFFFFFFFF)]))
    assert o.active and 0 < v.e.due(v.now) <= CAP
    v.advance(4 * DAY)
    eq(len(v.log), 1, "no re-registration")
    v.deliver(build(CON, CONTENT, 0x42, b"TOK1", [(6, 2), (14, 0xFFFFFFFF)], b"later"))
    eq(v.e.pop(), o, "delivered")
    eq(bytes(v.e.rx.payload()), b"later")


def test_2_registration_negotiates_block2_early():
    # block_szx 5 (the firmware's): the registration and the re-registration ask for
    # 512-byte blocks (RFC 7959 §2.4), so a large resource never comes in 1024-byte ones.
    v = Driver(ack_timeout_ms=100)
    v.e.block_szx = 5
    observe(v, margin=100)
    eq(v.sent(0).uint(23), block(0, 0, 5), "Block2 on the registration")
    v.advance(1150)  # Max-Age 1 s + 100 ms
    eq(len(v.log), 2, "re-registered")
    m = v.sent()
    eq((m.uint(6), m.uint(23)), (0, block(0, 0, 5)), "re-registration")
    assert m.token() != b"TOK1", "with a fresh token (observer.py)"


def test_3_duplicate_answered_the_same():
    # RFC 7252 §4.5: a duplicate CON gets the answer the first got: RST again for one we
    # rejected, ACK again for one we took, and neither is processed twice.
    v = Driver()
    stray = build(CON, CONTENT, 0x1234, b"none", (), b"?")
    v.deliver(stray)
    v.deliver(stray)
    eq([d for _, d in v.log], [empty(RST, 0x1234)] * 2, "RST both times")
    o = observe(v)
    note = build(CON, CONTENT, 0x1235, b"TOK1", [(6, 2)], b"n")
    v.deliver(note)
    v.deliver(note)
    eq([d for _, d in v.log[-2:]], [empty(ACK, 0x1235)] * 2, "ACK both times")
    eq(v.e.duplicates, 2, "duplicates")
    eq(v.e.pop(), o, "the notification")
    eq(v.e.pop(), None, "delivered once")


def test_4_deduplication_window_expires():
    # A MID is a duplicate within EXCHANGE_LIFETIME (scaled with the parameters), new after.
    v = Driver(ack_timeout_ms=100, max_latency_ms=1000)
    life = v.e.lifetime
    eq(life, 150 * 15 + 2 * 1000 + 100, "EXCHANGE_LIFETIME of these parameters")
    o = observe(v, margin=10 * life)
    v.deliver(build(CON, CONTENT, 0x2000, b"TOK1", [(6, 2)], b"a"))
    v.advance(life - 1)
    v.deliver(build(CON, CONTENT, 0x2000, b"TOK1", [(6, 3)], b"b"))
    eq(v.e.duplicates, 1, "within the window")
    v.advance(2)
    v.deliver(build(CON, CONTENT, 0x2000, b"TOK1", [(6, 4)], b"c"))
    eq(v.e.duplicates, 1, "after it: a new message")
    got = []
    while v.e.pop() is o:
        got.append(bytes(v.e.rx.payload()))
    eq(got, [b"a", b"c"], "delivered")


def test_5_request_too_large_and_block1_room():
    # RFC 7252 §4.6: no datagram over 1152 bytes. Options that fill the datagram: a
    # CoapError, nothing sent; long options and a body: Block1 in blocks that leave room.
    v = Driver()
    r = v.start(Request(POST, (b"p" * 250,) * 5, (), b"x"))
    assert r.done and isinstance(r.err, CoapError) and "too large" in str(r.err), r.err
    eq(v.log, [], "nothing sent")
    body = bytes(range(256)) * 6
    path = (b"q" * 100,) * 5  # 510 bytes of Uri-Path: a 1024-byte block cannot fit
    r = v.start(Request(POST, path, (), body))
    got = b""
    while not r.done:
        m = v.sent()
        assert len(v.log[-1][1]) <= 1152, len(v.log[-1][1])
        got += bytes(m.payload())
        b1 = m.uint(27)
        v.deliver(ack(m, CONTINUE if b1 & 8 else CHANGED, [(27, b1)]))
    eq(r.err, None, "uploaded")
    eq(v.sent(0).uint(60), len(body), "Size1 on the first block")
    eq(v.sent(0).uint(27) & 7, 5, "512-byte blocks: the largest that fit")
    eq(got, body, "the body, in order")


def test_6_413_to_a_whole_request_goes_blockwise():
    # RFC 7959 §2.9.3: a 4.13 with Block1 (or Size1 big enough) in reply to a request sent
    # whole: sent again in blocks; a 4.13 with a smaller Size1 goes to the caller.
    v = Driver()
    body = b"z" * 800
    r = v.start(Request(POST, "/up", (), body))
    eq(v.sent().uint(27), None, "sent whole first")
    v.deliver(ack(v.sent(), TOO_LARGE, [(27, block(0, 0, 4))]))
    m = v.sent()
    eq((m.uint(27), len(bytes(m.payload()))), (block(0, 1, 4), 256), "again, 256-byte blocks")
    while not r.done:
        m = v.sent()
        more = m.uint(27) & 8
        v.deliver(ack(m, CONTINUE if more else CHANGED, [(27, m.uint(27))]))
    eq(r.err, None, "done")
    r = v.start(Request(POST, "/up", (), body))
    v.deliver(ack(v.sent(), TOO_LARGE, [(60, 2000)]))  # Size1 only, enough in all
    eq(v.sent().uint(27) & 7, 5, "blocks smaller than the body")
    v.e.end(r, "cancelled", v.now)
    r = v.start(Request(POST, "/up", (), body))
    v.deliver(ack(v.sent(), TOO_LARGE, [(60, 500)]))  # the server takes 500 bytes at most
    assert r.done and r.err is None
    eq(v.e.rx.decode(r.data, r.n).code, TOO_LARGE, "the 4.13 to the caller")


def test_7_first_block_must_be_block_zero():
    v = Driver()
    r = v.start(Request(GET, "/big"))
    v.deliver(ack(v.sent(), opts=[(23, block(1, 1, 6))], payload=b"B" * 1024))
    assert r.done and "out of sequence" in str(r.err), r.err
    r = v.start(Request(GET, "/big"))  # and every later block is checked too
    v.deliver(ack(v.sent(), opts=[(23, block(0, 1, 6))], payload=b"A" * 1024))
    v.deliver(ack(v.sent(), opts=[(23, block(2, 0, 6))], payload=b"C" * 10))
    assert r.done and "out of sequence" in str(r.err), r.err


def test_8_rst_ends_a_non_request_at_once():
    v = Driver()
    r = v.start(Request(GET, "/n", con=False))
    eq(v.sent().mtype, NON, "NON")
    v.deliver(empty(RST, v.sent().mid))  # RFC 7252 §4.3
    assert r.done and "reset" in str(r.err) and v.ms() == 0, (r.err, v.ms())


def test_9_reregistration_rate_limited():
    # Max-Age 0 with no margin: re-registered at most once an ACK timeout, not back to back.
    v = Driver()
    o = Observation((b"obs",), (), None, b"TOK1", 0)
    o.register(v.e, v.now)
    v.flush()
    for _ in range(40):
        n = len(v.log)
        v.deliver(ack(v.sent(), opts=[(6, 1), (14, 0)]))
        v.advance(250)
        while len(v.log) == n and v.ms() < 10000:
            v.advance(250)
        if v.ms() >= 10000:
            break
    assert 4 <= len(v.log) <= 10000 // 2000 + 1, v.times()
    t = v.times()
    gaps = [t[i + 1] - t[i] for i in range(len(t) - 1)]
    assert min(gaps) >= 2000, gaps
    assert o.active


def test_11_too_large_separate_ends_at_once():
    # A separate response over rx_max (cut: it filled the buffer) ends its request at once,
    # rejected; a piggybacked one is left to retransmission and named in the failure.
    v = Driver(ack_timeout_ms=100)
    r = v.start(Request(GET, "/big"))
    m = v.sent()
    tok = m.token()
    v.deliver(empty(ACK, m.mid))
    v.deliver(build(CON, CONTENT, 0x3000, tok, (), b"x" * 700)[:640], cut=True)
    assert r.done and str(r.err) == "response too large (640 bytes)", r.err
    eq(v.log[-1][1], empty(RST, 0x3000), "rejected")
    r = v.start(Request(GET, "/big"))
    v.deliver(ack(v.sent(), payload=b"x" * 700)[:640], cut=True)
    v.advance(5000)
    assert r.done and "response too large (640 bytes)" in str(r.err), r.err
    eq(v.e.too_large, 2, "counted")


def test_14_ack_with_another_token_is_not_ours():
    v = Driver(ack_timeout_ms=100)
    r = v.start(Request(GET, "/x"))
    v.deliver(ack(v.sent(), payload=b"garbled", token=b"ZZZZ"))
    assert not r.done
    eq(v.e.mismatched, 1, "counted")
    v.advance(200)
    eq(len(v.log), 2, "still retransmitting")
    v.deliver(ack(v.sent(), payload=b"real"))
    assert r.done and r.err is None
    eq(bytes(v.e.rx.decode(r.data, r.n).payload()), b"real", "the real answer")


def test_15_blockwise_notification_keeps_observe():
    # RFC 7959 §2.6: a notification's first block, the rest fetched by GET (no Observe, a
    # fresh token); delivered whole with the notification's own Observe value and options.
    v = Driver(ack_timeout_ms=100)
    o = observe(v)
    v.deliver(build(NON, CONTENT, 0x500, b"TOK1", [(4, b"e1"), (6, 7), (23, block(0, 1, 2))],
                    b"A" * 64))  # fmt: skip
    m = v.sent()
    eq((m.uint(6), m.uint(23)), (None, block(1, 0, 2)), "GET of block 1")
    assert m.token() != b"TOK1"
    v.deliver(ack(m, opts=[(4, b"e1"), (23, block(1, 0, 2))], payload=b"B" * 10))
    eq(v.e.pop(), o, "delivered")
    eq(v.e.rx.uint(6), 7, "its Observe value")
    eq(bytes(v.e.rx.payload()), b"A" * 64 + b"B" * 10, "the whole body")


def test_freshness_and_reordering():
    # RFC 7641 §3.4: a notification older than the last (24-bit serial arithmetic) is
    # dropped; 128 s later any is fresh. NON notifications get no ACK.
    v = Driver()
    o = observe(v, margin=DAY)
    n0 = len(v.log)
    for seq, pay in ((5, b"v5"), (4, b"old"), (6, b"v6"), (0xFFFFFF, b"old2")):
        v.deliver(build(NON, CONTENT, 0x600 + seq % 256, b"TOK1", [(6, seq), (14, 3600)], pay))
    v.advance(128001)
    v.deliver(build(NON, CONTENT, 0x700, b"TOK1", [(6, 1), (14, 3600)], b"late"))
    got = []
    while v.e.pop() is o:
        got.append(bytes(v.e.rx.payload()))
    eq(got, [b"v5", b"v6", b"late"], "fresh ones")
    eq(len(v.log), n0, "no ACK for a NON")


def test_error_notification_ends_and_lost_reregistration():
    v = Driver(ack_timeout_ms=100)
    o = observe(v, margin=100)
    v.deliver(build(CON, 0x84, 0x800, b"TOK1", (), b"gone"))  # 4.04: ended, RFC 7641 §3.2
    eq((v.e.pop(), o.active, v.e.obs), (o, False, []), "ended")
    v.deliver(build(CON, CONTENT, 0x801, b"TOK1", [(6, 9)], b"x"))
    eq(v.log[-1][1], empty(RST, 0x801), "forgotten: RST")
    o = observe(v, margin=100)
    v.advance(1100)  # re-registration due; its every transmission lost
    v.advance(v.e.max_wait)
    eq((v.e.pop(), v.e.lost, o.active), (o, True, False), "lost")


# -- the message layer per peer (RFC 7252 §4): issue 15's first step --------------------

OTHER = ("192.0.2.2", 5683)  # another endpoint: the server's address, another port
NEAR = ("192.0.2.1", 5684)


def test_ack_or_rst_from_another_address_is_not_ours():
    # RFC 7252 §4.4, §5.3.2: an ACK or RST answers our CON only from the peer it went to.
    # From an address we do not talk to it is dropped (counted); from another peer of the
    # engine, whose MIDs are its own, it completes nothing there either.
    v = Driver(ack_timeout_ms=100)
    r = v.start(Request(GET, "/x"))
    m = v.sent()
    eq(v.tos, [SERVER], "sent to the server")
    v.deliver(ack(m, payload=b"forged"), addr=OTHER)
    v.deliver(empty(RST, m.mid), addr=NEAR)
    assert not r.done
    eq((v.e.ignored, len(v.e.peers)), (2, 1), "dropped, counted, no peer made")
    v.e.peer(OTHER)  # a second peer the engine talks to
    v.deliver(empty(RST, m.mid), addr=OTHER)
    v.deliver(ack(m, payload=b"forged"), addr=OTHER)
    assert not r.done
    eq((v.e.ignored, v.e.mismatched), (2, 0), "a known peer's: no exchange of its own")
    v.advance(200)
    eq(len(v.log), 2, "still retransmitting")
    v.deliver(ack(m, payload=b"real"))
    assert r.done and r.err is None
    eq(bytes(v.e.rx.decode(r.data, r.n).payload()), b"real", "the server's answer")


def test_datagram_from_unknown_peer_dropped_and_counted():
    # A client talks to its server only: anything from elsewhere (a request, a response
    # with our token, a notification with the observation's token, garbage) is dropped
    # unanswered, not even an RST, and counted in ignored.
    v = Driver(ack_timeout_ms=100)
    o = observe(v)
    r = v.start(Request(GET, "/y"))
    m = v.sent()
    n = len(v.log)
    for d in (
        build(CON, GET, 0x100, b"q", [(11, b"x")]),
        build(CON, CONTENT, 0x101, m.token(), (), b"forged"),
        build(CON, CONTENT, 0x102, b"TOK1", [(6, 9)], b"forged"),
        b"\xff\x00",
    ):
        v.deliver(d, addr=OTHER)
    eq((len(v.log), v.e.ignored, v.e.malformed, v.e.rejected), (n, 4, 0, 0), "dropped")
    assert not r.done and v.e.pop() is None and o.active
    v.deliver(ack(m, payload=b"ok"))
    assert r.done and r.err is None


def test_two_peers_mids_and_dedup_independent():
    # RFC 7252 §4.4: MIDs are per endpoint (each peer's from a random start of its own);
    # §4.5: a duplicate is the same MID from the same endpoint. One request in flight at a
    # time (the transmit buffer): B's waits for A's.
    v = Driver(ack_timeout_ms=100)
    b = v.e.peer(OTHER)
    ra = v.start(Request(GET, "/a"))
    rb = Request(GET, "/b")
    rb.peer = b
    v.start(rb)
    eq(len(v.log), 1, "B's request waits for the buffer")
    a1 = v.sent().mid
    v.deliver(ack(v.sent(), payload=b"A"))
    assert ra.done and ra.err is None
    eq(v.tos, [SERVER, OTHER], "then B's, to B")
    b1 = v.sent().mid
    v.deliver(ack(v.sent(), payload=b"B"), addr=SERVER)  # B's MID and token, from A
    assert not rb.done, "from the wrong peer"
    v.deliver(ack(v.sent(), payload=b"B"), addr=OTHER)
    assert rb.done and rb.err is None
    eq(bytes(v.e.rx.decode(rb.data, rb.n).payload()), b"B", "B's answer")
    for p in (None, b, None):
        r = Request(GET, "/c")
        r.peer = p
        v.start(r)
        v.deliver(ack(v.sent(), payload=b"C"), addr=OTHER if p else SERVER)
        assert r.done and r.err is None
    mids = [v.sent(i).mid for i in range(2, 5)]
    eq(mids, [(a1 + 1) & 0xFFFF, (b1 + 1) & 0xFFFF, (a1 + 2) & 0xFFFF], "each peer's in turn")
    assert b1 != (a1 + 1) & 0xFFFF, "B's MIDs are not A's sequence"
    # The same MID from each: no duplicate across peers; each is answered to its sender.
    o = observe(v)
    note = build(CON, CONTENT, 0x4000, b"TOK1", [(6, 2)], b"n")
    n = len(v.log)
    v.deliver(note)
    v.deliver(note, addr=OTHER)  # B did not register TOK1: rejected, not a duplicate
    eq(v.log[n:], [(v.ms(), empty(ACK, 0x4000)), (v.ms(), empty(RST, 0x4000))], "answers")
    eq(v.tos[n:], [SERVER, OTHER], "each to its sender")
    eq((v.e.duplicates, v.e.rejected), (0, 1), "no duplicate across peers")
    v.deliver(note)
    eq((v.e.duplicates, v.log[-1][1], v.tos[-1]), (1, empty(ACK, 0x4000), SERVER), "A's dup")
    eq((v.e.pop(), v.e.pop()), (o, None), "the notification, once")


def test_request_without_a_server_gets_rst():
    # Until a resource layer is plugged in (Engine.serve), a CON request is rejected and a
    # NON one ignored (RFC 7252 §4.2, §4.3), as is a ping (an empty CON, §4.3).
    v = Driver()
    v.deliver(build(CON, GET, 0x10, b"q", [(11, b"x")]))
    v.deliver(build(NON, GET, 0x11, b"q", [(11, b"x")]))
    v.deliver(empty(CON, 0x12))
    eq([d for _, d in v.log], [empty(RST, 0x10), empty(RST, 0x12)], "RSTs")
    eq(v.e.rejected, 2, "counted")


def test_dedup_replays_a_cached_reply():
    # The hook a server's resource layer plugs into: each new request from any peer, with
    # a message layer of its own for each. A piggybacked response it answers a CON with is
    # replayed whole to a duplicate (RFC 7252 §4.5) without asking it again; an empty ACK
    # and an RST are replayed as such; a NON request gets the NON response it sends.
    v = Driver()
    e = v.e
    asked = []

    def serve(p, m, data, n, now):
        asked.append((m.mid, bytes(m.payload())))
        if m.mtype == NON:
            return e.reply(p, build(NON, CONTENT, 0x7000, m.token(), (), b"re:non"), 0x7000)
        if m.payload() == b"sep":
            return e.reply(p, ACK, m.mid, now)  # the response to follow as a CON, §5.2.2
        if m.payload() == b"no":
            return e.reply(p, RST, m.mid, now)
        e.reply(p, build(ACK, CONTENT, m.mid, m.token(), (), b"re:" + bytes(m.payload())),
                m.mid, now)  # fmt: skip

    e.serve = serve
    req = build(CON, GET, 0x20, b"t1", [(11, b"r")], b"one")
    v.deliver(req, addr=OTHER)
    v.deliver(req, addr=OTHER)
    want = build(ACK, CONTENT, 0x20, b"t1", (), b"re:one")
    eq([d for _, d in v.log], [want, want], "the cached reply, replayed whole")
    eq((v.tos, asked, e.duplicates), ([OTHER, OTHER], [(0x20, b"one")], 1), "asked once")
    v.deliver(req, addr=NEAR)  # the same MID from another endpoint: a new request
    eq((v.tos[-1], len(asked), len(e.peers)), (NEAR, 2, 3), "a peer of its own")
    for pay, mid, answer in ((b"sep", 0x21, empty(ACK, 0x21)), (b"no", 0x22, empty(RST, 0x22))):
        d = build(CON, POST, mid, b"t2", (), pay)
        v.deliver(d, addr=OTHER)
        v.deliver(d, addr=OTHER)
        eq([x for _, x in v.log[-2:]], [answer, answer], pay)
    eq((len(asked), e.duplicates), (4, 3), "asked once each")
    v.deliver(build(NON, GET, 0x23, b"t3", (), b"non"), addr=OTHER)
    eq(v.log[-1][1], build(NON, CONTENT, 0x7000, b"t3", (), b"re:non"), "a NON response")
    r = v.start(Request(GET, "/mine"))  # the client's own request beside it
    v.deliver(ack(v.sent(), payload=b"mine"))
    assert r.done and r.err is None and v.tos[-1] == SERVER
