"""The peer side of host_tests/cases/case_client_peer.py: one script per case, same name.

Each function gets a scripted_peer.Peer, sees the client's datagrams through aiocoap's
decoder and answers with what the case needs. Assertions here fail the test (conftest `peer`).
"""

from aiocoap.numbers.codes import Code
from aiocoap.optiontypes import BlockOption
from scripted_peer import ACK, CON, NON, RST, Message, empty

CHANGED = Code.CHANGED
CONTENT = Code.CONTENT
CONTINUE = Code.CONTINUE
NOT_FOUND = Code.NOT_FOUND
TOO_LARGE = Code.REQUEST_ENTITY_TOO_LARGE


def bt(num, more, szx):
    return BlockOption.BlockwiseTuple(num, more, szx)


def expect_empty(peer, mtype, mid, timeout=5.0):
    r = peer.recv(timeout)
    m = r.msg
    assert (m.mtype, m.code, m.mid, r.raw[0] & 15) == (mtype, Code.EMPTY, mid, 0), (r, r.raw.hex())
    assert len(r.raw) == 4, r.raw.hex()  # RFC 7252 §4.1: nothing after the MID
    return r


def response(mtype, mid, token, code=CONTENT, payload=b""):
    m = Message(code=code, payload=payload)
    m.mtype = mtype
    m.mid = mid
    m.token = token
    return m


def test_piggybacked(peer):
    r = peer.recv()
    m = r.msg
    assert m.mtype == CON and m.code == Code.GET
    assert len(m.token) == 4
    assert m.opt.uri_path == ("a", "b c") and m.opt.uri_query == ("x=1", "y=2")
    assert m.opt.uri_host is None  # RFC 7252 §6.4: no Uri-Host for an IP literal
    a = peer.answer(r, CONTENT, b"hello")
    a.opt.content_format = 0
    peer.send(a)
    r2 = peer.recv()
    assert r2.msg.code == Code.POST and r2.msg.payload == b"data"
    assert r2.msg.opt.content_format == 50
    assert r2.msg.mid == (m.mid + 1) & 0xFFFF and r2.msg.token != m.token
    peer.send(peer.answer(r2, CHANGED))


def _drop_then_answer(peer, drops, lo, hi):
    # The first `drops` transmissions go unanswered; check RFC 7252 §4.2 timing: the first
    # timeout uniform in [lo, hi] s, then doubling, each resend the same MID and token.
    first = peer.recv()
    times = [first.t]
    for _ in range(drops):
        r = peer.recv(hi * 2**drops + 1)
        assert r.raw == first.raw, "a retransmission must repeat the message"
        times.append(r.t)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    slack = 0.06  # scheduling on a busy host; the windows themselves are the RFC's
    assert lo - 0.005 <= gaps[0] <= hi + slack, gaps
    for k in range(1, len(gaps)):
        assert abs(gaps[k] - 2 * gaps[k - 1]) <= slack * 2**k, gaps
    peer.send(peer.answer(first, CONTENT, b"at last"))


def test_retransmit_timing_fast(peer):
    _drop_then_answer(peer, 3, 0.100, 0.150)


def test_retransmit_timing_rfc_default(peer):
    _drop_then_answer(peer, 2, 2.0, 3.0)


def test_timeout_after_max_retransmit(peer):
    first = peer.recv()
    for _ in range(4):
        assert peer.recv(2.0).raw == first.raw
    peer.quiet(1.0)  # no sixth transmission


def test_deadline_caps_retransmission(peer):
    peer.recv()
    while True:
        try:
            peer.recv(0.6)
        except AssertionError:
            return


def test_separate_con_duplicated(peer):
    r = peer.recv()
    peer.send(peer.ack(r))
    resp = response(CON, 0x4242, r.msg.token, CONTENT, b"separate")
    peer.send(resp)
    expect_empty(peer, ACK, 0x4242)  # RFC 7252 §5.2.2
    peer.send(resp)  # a duplicate (our ACK "lost"): ACKed again, not delivered again
    expect_empty(peer, ACK, 0x4242)
    r2 = peer.recv()
    assert r2.msg.opt.uri_path == ("after",)
    peer.send(peer.answer(r2, CONTENT, b"still fine"))


def test_separate_non(peer):
    r = peer.recv()
    peer.send(peer.ack(r))
    peer.send(response(NON, 0x1111, r.msg.token, CONTENT, b"non separate"))
    r2 = peer.recv()  # the next request, and no ACK for the NON before it
    assert r2.msg.mtype == CON and r2.msg.opt.uri_path == ("next",), r2
    peer.send(peer.answer(r2, CONTENT, b"next"))


def test_rejects_what_it_did_not_ask_for(peer):
    # The vectors of the notes: a ping gets RST, an unknown CON response gets RST, an unknown
    # ACK gets nothing, a CON request to a client gets RST (it serves nothing).
    r = peer.recv()
    peer.send(bytes.fromhex("4000999a"))
    expect_empty(peer, RST, 0x999A)
    peer.send(bytes.fromhex("4040ffff"))
    expect_empty(peer, RST, 0xFFFF)
    peer.send(bytes.fromhex("6040ffff"))
    peer.send(bytes.fromhex("40011234"))  # CON GET to the client
    expect_empty(peer, RST, 0x1234)
    peer.send(response(NON, 0x2222, b"\x09\x09", CONTENT, b"stray"))  # unknown token
    expect_empty(peer, RST, 0x2222)
    peer.send(peer.answer(r, CONTENT, b"ok"))


def test_bad_input_dropped_and_counted(peer):
    r = peer.recv()
    bad = [
        "40",  # shorter than a header
        "400197",
        "80019998",  # version 2
        "70001234ff",  # payload marker without payload
        "59" + "00" * 12,  # TKL 9
        "6E8D",
        "5a0a5b5b",  # token longer than the datagram
        "4401abcd0102",  # token past the end (CON: can be named, so RST)
        "40010001" + "d0ff" * 245,  # option number past 65535 (CON: RST)
    ]
    for h in bad:
        peer.send(bytes.fromhex(h))
    expect_empty(peer, RST, 0xABCD)
    expect_empty(peer, RST, 0x0001)
    peer.send(peer.answer(r, CONTENT, b"survived"))


def test_foreign_source_ignored(peer):
    r = peer.recv()
    peer.send(peer.answer(r, CONTENT, b"impostor"), sock=peer.other)
    peer.quiet(0.2)
    peer.send(peer.answer(r, CONTENT, b"real"))


def test_piggybacked_token_mismatch(peer):
    r = peer.recv()
    peer.send(peer.answer(r, CONTENT, b"x", token=b"\x00\x01\x02\x03"))
    r2 = peer.recv()  # not taken as our ACK: the client retransmits
    assert r2.raw == r.raw
    peer.send(peer.answer(r2, CONTENT, b"real"))


def test_reset_by_peer(peer):
    r = peer.recv()
    peer.send(empty(RST, r.msg.mid))
    peer.quiet(0.5)


def test_unknown_critical_option(peer):
    r = peer.recv()
    peer.send(peer.answer(r, CONTENT, b"x", opts=[(9, b"?")]))
    r = peer.recv()
    peer.send(peer.ack(r))
    resp = response(CON, 0x3333, r.msg.token, CONTENT, b"x")
    resp.opt.add_option(_opaque(2049, b"!"))
    peer.send(resp)
    expect_empty(peer, RST, 0x3333)  # RFC 7252 §5.4.1: rejected
    r = peer.recv()
    peer.send(peer.answer(r, CONTENT, b"fine", opts=[(2050, b"ignore me")]))


def _opaque(num, value):
    from aiocoap.optiontypes import OpaqueOption

    return OpaqueOption(num, value)


def _reassemble(peer, answer_szx=None, too_large=None):
    body = bytearray()
    while True:
        r = peer.recv()
        b1 = r.msg.opt.block1
        assert b1 is not None, r
        size = 16 << b1.size_exponent
        if too_large is not None and b1.size_exponent > too_large:
            a = peer.answer(r, TOO_LARGE)
            a.opt.block1 = bt(0, False, too_large)
            peer.send(a)
            body = bytearray()
            continue
        assert b1.block_number * size == len(body), (b1, len(body))
        if b1.block_number == 0:
            assert r.msg.opt.size1 is not None
        body += r.msg.payload
        if not b1.more:
            peer.send(peer.answer(r, CHANGED))
            return bytes(body)
        a = peer.answer(r, CONTINUE)
        szx = b1.size_exponent if answer_szx is None else min(answer_szx, b1.size_exponent)
        a.opt.block1 = bt(b1.block_number, True, szx)
        peer.send(a)


def test_block1_server_shrinks_blocks(peer):
    body = _reassemble(peer, answer_szx=4)
    assert body == bytes(range(256)) * 12


def test_block1_too_large_restarts(peer):
    assert _reassemble(peer, too_large=2) == b"z" * 1500


def test_block2_late_and_smaller(peer):
    data = bytes(i % 251 for i in range(2500))
    r = peer.recv()
    assert r.msg.opt.block2 == bt(0, False, 4)  # early negotiation: 256 asked up front
    a = peer.answer(r, CONTENT, data[:1024])  # the peer ignores it and sends 1024
    a.opt.block2 = bt(0, True, 6)
    a.opt.etag = b"E1"
    peer.send(a)
    r = peer.recv()
    assert r.msg.opt.block2 == bt(4, False, 4), r.msg.opt.block2  # 1024 / 256
    a = peer.answer(r, CONTENT, data[1024:1280])
    a.opt.block2 = bt(4, True, 4)
    a.opt.etag = b"E1"
    peer.send(a)
    while True:
        r = peer.recv()
        b2 = r.msg.opt.block2
        off = b2.block_number * 256
        a = peer.answer(r, CONTENT, data[off : off + 256])
        a.opt.block2 = bt(b2.block_number, off + 256 < len(data), 4)
        a.opt.etag = b"E1"
        peer.send(a)
        if off + 256 >= len(data):
            return


def test_block2_etag_changes(peer):
    for num, etag in ((0, b"E1"), (1, b"E2")):  # the representation changes mid-transfer
        r = peer.recv()
        a = peer.answer(r, CONTENT, b"q" * 1024)
        a.opt.block2 = bt(num, True, 6)
        a.opt.etag = etag
        peer.send(a)
    peer.quiet(0.3)


def test_block2_over_max_body(peer):
    for _ in range(2):  # blocks 0 and 1; then the client stops (2048 would be exceeded)
        r = peer.recv()
        b2 = r.msg.opt.block2
        num = 0 if b2 is None else b2.block_number
        a = peer.answer(r, CONTENT, b"h" * 1024)
        a.opt.block2 = bt(num, True, 6)
        a.opt.etag = b"E"
        peer.send(a)
    peer.quiet(0.3)


def notify(peer, mtype, mid, token, seq, payload, code=CONTENT):
    m = response(mtype, mid, token, code, payload)
    if seq is not None:
        m.opt.observe = seq
    peer.send(m)


def test_observe_freshness_acks_and_end(peer):
    r = peer.recv()
    assert r.msg.opt.observe == 0 and r.msg.code == Code.GET
    tok = r.msg.token
    a = peer.answer(r, CONTENT, b"v5")
    a.opt.observe = 5
    peer.send(a)
    notify(peer, CON, 0x100, tok, 6, b"v6")
    expect_empty(peer, ACK, 0x100)  # RFC 7641 §4.5: every CON notification is ACKed
    notify(peer, NON, 0x101, tok, 4, b"stale")  # older than 6: dropped, RFC 7641 §3.4
    notify(peer, CON, 0x100, tok, 6, b"v6")  # duplicate: ACKed again, not delivered
    expect_empty(peer, ACK, 0x100)
    notify(peer, NON, 0x102, tok, 7, b"v7")
    notify(peer, NON, 0x107, tok, 0xFFFFFF, b"far")  # 2**24 back, not ahead: stale
    notify(peer, NON, 0x108, tok, 0x700000, b"a")  # ahead by less than 2**23: fresh
    notify(peer, NON, 0x109, tok, 0xE00000, b"b")
    notify(peer, CON, 0x103, tok, 0xFFFFFF, b"wrap")
    expect_empty(peer, ACK, 0x103)
    notify(peer, NON, 0x104, tok, 2, b"wrapped")  # 24-bit wrap: 2 is newer than 0xFFFFFF
    notify(peer, CON, 0x105, tok, None, b"over")  # no Observe: the observation ended
    expect_empty(peer, ACK, 0x105)
    notify(peer, NON, 0x106, tok, 9, b"late")
    expect_empty(peer, RST, 0x106)  # forgotten token: reject, RFC 7641 §3.6


def test_observe_block2_notification(peer):
    r = peer.recv()
    tok = r.msg.token
    a = peer.answer(r, CONTENT, b"small")
    a.opt.observe = 1
    peer.send(a)
    data = b"N" * 1500
    m = response(CON, 0x200, tok, CONTENT, data[:1024])
    m.opt.observe = 2
    m.opt.block2 = bt(0, True, 6)
    m.opt.etag = b"T1"
    peer.send(m)
    expect_empty(peer, ACK, 0x200)
    r = peer.recv()  # RFC 7959 §2.6: the rest by a plain GET, no Observe
    assert r.msg.opt.observe is None and r.msg.opt.block2 == bt(1, False, 6), r
    assert r.msg.token != tok
    a = peer.answer(r, CONTENT, data[1024:])
    a.opt.block2 = bt(1, False, 6)
    a.opt.etag = b"T1"
    peer.send(a)


def test_observe_reregister_then_cancel(peer):
    r = peer.recv()
    tok = r.msg.token
    a = peer.answer(r, CONTENT, b"first")
    a.opt.observe = 10
    a.opt.max_age = 1
    peer.send(a)
    r = peer.recv(5.0)  # after Max-Age + margin: the same registration again, new token
    assert r.msg.opt.observe == 0 and r.msg.token != tok, r
    assert r.t - peer.received[0].t >= 1.15
    tok = r.msg.token
    a = peer.answer(r, CONTENT, b"again")
    a.opt.observe = 11
    a.opt.max_age = 60
    peer.send(a)
    r = peer.recv()
    assert r.msg.opt.observe == 1 and r.msg.token == tok, r  # RFC 7641 §3.6 cancel
    peer.send(peer.answer(r, CONTENT, b"bye"))


def test_observe_error_notification_ends(peer):
    r = peer.recv()
    tok = r.msg.token
    a = peer.answer(r, CONTENT, b"ok")
    a.opt.observe = 3
    peer.send(a)
    notify(peer, CON, 0x300, tok, None, b"gone", code=NOT_FOUND)
    expect_empty(peer, ACK, 0x300)


def test_notification_during_request(peer):
    r = peer.recv()
    tok = r.msg.token
    a = peer.answer(r, CONTENT, b"initial")
    a.opt.observe = 1
    peer.send(a)
    r = peer.recv()
    assert r.msg.opt.uri_path == ("slow",)
    peer.send(peer.ack(r))  # a separate response is coming
    notify(peer, CON, 0x400, tok, 2, b"meanwhile")
    expect_empty(peer, ACK, 0x400)
    peer.send(response(CON, 0x401, r.msg.token, CONTENT, b"answer"))
    expect_empty(peer, ACK, 0x401)


def test_observation_limit(peer):
    r = peer.recv()
    a = peer.answer(r, CONTENT, b"1")
    a.opt.observe = 1
    peer.send(a)
    peer.quiet(0.5)  # the second observe() fails before sending anything


def test_mids_and_tokens(peer):
    seen = []
    for _ in range(3):
        r = peer.recv()
        seen.append(r.msg)
        peer.send(peer.answer(r, CONTENT, b""))
    mids = [m.mid for m in seen]
    assert mids[1] == (mids[0] + 1) & 0xFFFF and mids[2] == (mids[1] + 1) & 0xFFFF, mids
    toks = [m.token for m in seen]
    assert all(len(t) == 4 for t in toks) and len(set(toks)) == 3, toks


def test_uri_host_for_names(peer):
    r = peer.recv()
    assert r.msg.opt.uri_host == "localhost", r.msg.opt.uri_host
    peer.send(peer.answer(r, CONTENT, b""))


def test_connected_socket(peer):
    r = peer.recv()
    peer.send(peer.answer(r, CONTENT, b"impostor"), sock=peer.other)  # dropped by the kernel
    peer.send(peer.answer(r, CONTENT, b"real"))
    r = peer.recv()
    tok = r.msg.token
    a = peer.answer(r, CONTENT, b"0")
    a.opt.observe = 1
    peer.send(a)
    for seq in range(2, 22):
        notify(peer, NON, 0x500 + seq, tok, seq, b"n")


def test_rx_max_drops_what_may_have_been_cut(peer):
    r = peer.recv()
    peer.send(peer.answer(r, CONTENT, b"L" * 400))  # dropped: as long as it could receive
    r2 = peer.recv()  # so the client retransmits
    assert r2.raw == r.raw
    peer.send(peer.answer(r2, CONTENT, b"short"))


# -- host_tests/cases/case_client_wrap.py: the timing across the 32-bit ticks wrap -----------


def test_wrap_retransmission(peer):
    _drop_then_answer(peer, 3, 0.5, 0.75)


def test_wrap_request_deadline(peer):
    first = peer.recv()
    times = [first.t]
    while True:  # retransmissions until the deadline (2.5 s), then silence
        try:
            times.append(peer.recv(1.5).t)
        except AssertionError:
            break
    assert len(times) == 3, times  # sent at 0 and ~0.5, ~1.5 s; the deadline came first


def test_wrap_observe_reregistration(peer):
    r = peer.recv()
    assert r.msg.opt.observe == 0
    a = peer.answer(r, CONTENT, b"v1")
    a.opt.observe = 1
    a.opt.max_age = 1
    peer.send(a)
    r2 = peer.recv(3.0)  # RFC 7641 §3.3.1: re-registered after Max-Age + margin
    gap = r2.t - r.t
    assert 1.25 <= gap <= 1.8, gap
    assert r2.msg.opt.observe == 0 and r2.msg.token != r.msg.token, "a fresh token"
    a = peer.answer(r2, CONTENT, b"v2")
    a.opt.observe = 2
    a.opt.max_age = 60
    peer.send(a)
    old = peer.answer(r, CONTENT, b"old stream", mtype=CON, mid=0x5A5A)  # late, old token
    old.opt.observe = 7
    peer.send(old)
    rst = peer.recv(1.0)
    assert rst.msg.mtype == RST and rst.msg.mid == 0x5A5A, rst  # RFC 7641 §3.6
    peer.quiet(0.8)


# -- host_tests/cases/case_client_fixes.py -------------------------------------------------


def _registered(peer, payload=b"first", max_age=None):
    r = peer.recv()
    assert r.msg.opt.observe == 0
    a = peer.answer(r, CONTENT, payload)
    a.opt.observe = 1
    if max_age is not None:
        a.opt.max_age = max_age
    peer.send(a)
    return r


def test_fix1_max_age_of_136_years_in_poll(peer):
    r = _registered(peer, max_age=0xFFFFFFFF)
    m = response(CON, 0x900, r.msg.token, CONTENT, b"second")
    m.opt.observe = 2
    m.opt.max_age = 0xFFFFFFFF
    peer.send(m)
    expect_empty(peer, ACK, 0x900)
    peer.quiet(0.5)


def test_fix9_poll_keeps_its_deadline(peer):
    n = 0
    r = peer.recv()
    while True:
        assert r.msg.opt.observe == 0
        n += 1
        a = peer.answer(r, CONTENT, b"z")
        a.opt.observe = n
        a.opt.max_age = 0
        peer.send(a)
        try:
            r = peer.recv(1.0)
        except AssertionError:
            break
    # 1.5 s of poll() at an ACK timeout of 100 ms: 15 re-registrations, not thousands
    assert 5 <= n <= 17, n


def test_an_exception_in_a_step_abandons_its_request(peer):
    r = peer.recv()
    assert r.msg.opt.uri_path == ("b",), r.msg.opt.uri_path  # "/a" never went out
    peer.send(peer.answer(r, CONTENT, b"b"))
    peer.quiet(0.3)


def test_callback_makes_a_request(peer):
    r = _registered(peer)
    tok = r.msg.token
    notify(peer, NON, 0x910, tok, 2, b"ask")
    r2 = peer.recv()
    assert r2.msg.opt.uri_path == ("inner",) and r2.msg.opt.observe is None
    peer.send(peer.answer(r2, CONTENT, b"inner answer"))
    notify(peer, NON, 0x911, tok, 3, b"after")
    peer.quiet(0.3)


def test_callback_exception_comes_out_of_poll(peer):
    r = _registered(peer)
    tok = r.msg.token
    notify(peer, NON, 0x920, tok, 2, b"boom")
    notify(peer, NON, 0x921, tok, 3, b"nested")
    r2 = peer.recv()
    assert r2.msg.opt.uri_path == ("x",)
    peer.send(peer.answer(r2, CONTENT, b"fine"))


# -- host_tests/cases/case_aio.py ------------------------------------------------------------


def test_aio_concurrent_callers_queue(peer):
    for i in range(3):
        r = peer.recv()
        assert r.msg.opt.uri_path == ("q%d" % i,), r
        peer.quiet(0.3)  # NSTART = 1: the next waits until this one is answered
        peer.send(peer.answer(r, CONTENT, b"a%d" % i))


def test_aio_cancelled_request_is_dropped(peer):
    r = peer.recv()
    assert r.msg.opt.uri_path == ("never",)
    peer.quiet(0.45)  # cancelled at 0.3 s: no retransmission
    peer.send(response(CON, 0x950, r.msg.token, CONTENT, b"too late"))
    expect_empty(peer, RST, 0x950)  # forgotten: rejected
    r = peer.recv()
    assert r.msg.opt.uri_path == ("after",)
    peer.send(peer.answer(r, CONTENT, b"fine"))


def test_aio_timeout(peer):
    first = peer.recv()
    for _ in range(4):
        assert peer.recv(2.0).raw == first.raw
    peer.quiet(1.0)


def test_aio_observe_async_for_then_leave(peer):
    r = _registered(peer)
    tok = r.msg.token
    notify(peer, NON, 0x960, tok, 2, b"n2")
    notify(peer, NON, 0x961, tok, 3, b"n3")
    d = peer.recv()  # leaving `async with`: deregistered, RFC 7641 §3.6
    assert d.msg.opt.observe == 1 and d.msg.token == tok, d
    peer.send(peer.answer(d, CONTENT, b"bye"))


def test_aio_cancelled_observer_deregisters(peer):
    r = _registered(peer)
    d = peer.recv(2.0)
    assert d.msg.opt.observe == 1 and d.msg.token == r.msg.token, d
    peer.send(peer.answer(d, CONTENT, b"bye"))
