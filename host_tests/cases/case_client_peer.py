# Client behaviour on the wire against a scripted peer (host_tests/peer_scripts.py holds the
# peer side of each case, under the same name). Runs under CPython and MicroPython.
from caseutil import case

from coap.client import GET, POST, PUT, Client, CoapError, CoapTimeout

FAST = {"ack_timeout_ms": 100}


def _client(port, **kw):
    args = dict(FAST)
    args.update(kw)
    return Client("127.0.0.1", port, **args)


def _raises(exc, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except exc as e:
        return e
    raise AssertionError("%s not raised" % exc.__name__)


def test_piggybacked(peer):
    c = _client(peer)
    m = c.request(GET, "/a/b%20c", query="x=1&y=2")
    assert m.code == 0x45 and bytes(m.payload()) == b"hello"
    assert m.uint(12) == 0
    m = c.request(POST, "/a", b"data", cf=50)
    assert m.code == 0x44 and bytes(m.payload()) == b""
    assert c.retransmissions == 0 and c.ignored == 0 and c.malformed == 0


def test_retransmit_timing_fast(peer):
    c = _client(peer)
    m = c.request(GET, "/slow")
    assert bytes(m.payload()) == b"at last"
    assert c.retransmissions == 3


@case(timeout=60)
def test_retransmit_timing_rfc_default(peer):
    c = Client("127.0.0.1", peer)  # RFC 7252 §4.8 defaults: 2 s, 1.5, 4
    assert c.max_wait == 93000
    m = c.request(GET, "/slow")
    assert bytes(m.payload()) == b"at last" and c.retransmissions == 2


def test_timeout_after_max_retransmit(peer):
    c = _client(peer, ack_timeout_ms=50)
    e = _raises(CoapTimeout, c.request, GET, "/never")
    assert "timeout" in str(e)
    assert c.retransmissions == 4  # MAX_RETRANSMIT: five transmissions in all


def test_deadline_caps_retransmission(peer):
    c = _client(peer)
    _raises(CoapTimeout, c.request, GET, "/never", timeout_ms=250)
    assert c.retransmissions <= 2


def test_separate_con_duplicated(peer):
    c = _client(peer)
    m = c.request(GET, "/async")
    assert bytes(m.payload()) == b"separate"
    c.poll(300)  # the peer sends the CON response again meanwhile
    assert c.duplicates == 1
    m = c.request(GET, "/after")
    assert bytes(m.payload()) == b"still fine"


def test_separate_non(peer):
    c = _client(peer)
    m = c.request(GET, "/async")
    assert bytes(m.payload()) == b"non separate"
    assert bytes(c.request(GET, "/next").payload()) == b"next"


def test_rejects_what_it_did_not_ask_for(peer):
    c = _client(peer)
    m = c.request(GET, "/x")  # the peer pings and sends strays before it answers
    assert bytes(m.payload()) == b"ok"


def test_bad_input_dropped_and_counted(peer):
    c = _client(peer)
    m = c.request(GET, "/x")
    assert bytes(m.payload()) == b"survived"
    assert c.malformed == 9, c.malformed


def test_foreign_source_ignored(peer):
    c = _client(peer, ack_timeout_ms=1000)  # no retransmission while the peer waits
    m = c.request(GET, "/x")
    assert bytes(m.payload()) == b"real"
    assert c.ignored == 1


def test_piggybacked_token_mismatch(peer):
    # RFC 7252 §5.3.2: an ACK with our MID but another token is not our response (a garbled
    # datagram): ignored and counted, and the real answer still arrives.
    c = _client(peer)
    m = c.request(GET, "/x")
    assert bytes(m.payload()) == b"real" and c.mismatched == 1


def test_reset_by_peer(peer):
    c = _client(peer)
    assert "reset" in str(_raises(CoapError, c.request, GET, "/x"))


def test_unknown_critical_option(peer):
    c = _client(peer)
    assert "critical" in str(_raises(CoapError, c.request, GET, "/piggybacked"))
    assert "critical" in str(_raises(CoapError, c.request, GET, "/separate"))
    m = c.request(GET, "/elective")  # an unknown elective option is ignored
    assert bytes(m.payload()) == b"fine"


def test_block1_server_shrinks_blocks(peer):
    c = _client(peer)
    body = bytes(range(256)) * 12  # 3072 bytes: 3 blocks of 1024, then the peer asks 256
    m = c.request(PUT, "/up", body)
    assert m.code == 0x44, hex(m.code)


def test_block1_too_large_restarts(peer):
    c = _client(peer)
    m = c.request(POST, "/up", b"z" * 1500)
    assert m.code == 0x44


def test_block2_late_and_smaller(peer):
    c = _client(peer)
    c.block_szx = 4  # 256-byte blocks wanted; the peer starts with 1024
    m = c.request(GET, "/big")
    body = bytes(m.payload())
    assert len(body) == 2500 and body == bytes(i % 251 for i in range(2500))


def test_block2_etag_changes(peer):
    c = _client(peer)
    assert "changed" in str(_raises(CoapError, c.request, GET, "/big"))


def test_block2_over_max_body(peer):
    c = _client(peer)
    c.max_body = 2048
    assert "max_body" in str(_raises(CoapError, c.request, GET, "/huge"))


def test_observe_freshness_acks_and_end(peer):
    c = _client(peer)
    got = []
    o = c.observe("/obs", lambda m: got.append(None if m is None else bytes(m.payload())))
    assert o.active and got == [b"v5"]
    while o.active:
        c.poll(100)
    assert got == [b"v5", b"v6", b"v7", b"a", b"b", b"wrap", b"wrapped", b"over"], got
    assert c.duplicates == 1
    c.poll(300)  # a notification after the end is rejected with RST (peer checks)
    assert len(got) == 8


def test_observe_block2_notification(peer):
    c = _client(peer)
    got = []
    c.observe("/obs", lambda m: got.append(bytes(m.payload())))
    for _ in range(100):
        c.poll(30)  # slices shorter than ACK_TIMEOUT still complete the notification
        if len(got) == 2:
            break
    assert got[0] == b"small" and got[1] == b"N" * 1500, [len(g) for g in got]


def test_observe_reregister_then_cancel(peer):
    c = _client(peer)
    c.observe_margin_ms = 200  # Max-Age 1 s from the peer, then 200 ms more
    got = []
    o = c.observe("/obs", lambda m: got.append(None if m is None else bytes(m.payload())))
    for _ in range(150):
        c.poll(30)  # shorter than ACK_TIMEOUT: re-registration must still happen
        if len(got) == 2:
            break
    assert got == [b"first", b"again"] and o.active
    c.cancel(o)
    assert not o.active


def test_observe_error_notification_ends(peer):
    c = _client(peer)
    got = []
    o = c.observe("/obs", lambda m: got.append(m.code))
    for _ in range(30):
        c.poll(100)
        if not o.active:
            break
    assert got == [0x45, 0x84] and not o.active


def test_notification_during_request(peer):
    c = _client(peer)
    got = []
    c.observe("/obs", lambda m: got.append(bytes(m.payload())))
    m = c.request(GET, "/slow")  # the peer notifies before it answers this
    assert bytes(m.payload()) == b"answer"
    assert got == [b"initial"], got  # callbacks run in poll(), never inside request()
    c.poll(0)
    assert got == [b"initial", b"meanwhile"], got


def test_observation_limit(peer):
    c = _client(peer)
    c.max_observations = 1
    c.observe("/one", lambda m: None)
    _raises(CoapError, c.observe, "/two", lambda m: None)


def test_mids_and_tokens(peer):
    c = _client(peer)
    for _ in range(3):
        assert c.request(GET, "/x").code == 0x45
    # the peer checks: consecutive MIDs, fresh 4-byte tokens, NSTART = 1


def test_uri_host_for_names(peer):
    c = Client("localhost", peer, **FAST)  # a name, not an IP literal: Uri-Host is sent
    assert c.request(GET, "/x").code == 0x45


def test_connected_socket(peer):
    # connect=True: the network stack drops datagrams from other sources.
    c = _client(peer, connect=True)
    assert bytes(c.request(GET, "/x").payload()) == b"real" and c.ignored == 0
    got = []
    c.observe("/obs", lambda m: got.append(m.uint(6)))
    while len(got) < 21:
        c.poll(50)
    assert got == list(range(1, 22)), got


def test_rx_max_drops_what_may_have_been_cut(peer):
    c = _client(peer)
    c.rx_max = 300  # a board with small blocks receives less; longer may have been cut
    m = c.request(GET, "/x")
    assert bytes(m.payload()) == b"short" and c.too_large == 1 and c.retransmissions >= 1
    assert c.malformed == 0
