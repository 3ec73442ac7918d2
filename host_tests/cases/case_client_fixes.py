# The blocking client (lib/coap/client.py) on the wire, for what the engine cases cannot
# show without a socket: the front end's timers, errors and callbacks. The peer side of each
# case is in host_tests/peer_scripts.py under the same name; issue 9's defects by number.
import time

from caseutil import eq

from coap.client import GET, PUT, Client, CoapError, CoapTimeout


def _client(port, **kw):
    kw.setdefault("ack_timeout_ms", 100)
    return Client("127.0.0.1", port, **kw)


def test_fix1_max_age_of_136_years_in_poll(peer):
    # Max-Age 2**32 - 1 s in the registration's answer and a notification's: observe() and
    # poll() deliver both (they raised OverflowError on 32-bit ports).
    c = _client(peer)
    got = []
    o = c.observe("/obs", lambda m: got.append(bytes(m.payload())))
    for _ in range(50):
        c.poll(20)
        if len(got) == 2:
            break
    eq(got, [b"first", b"second"], "delivered")
    assert o.active and 0 <= c.due(time.ticks_ms()) <= 0x0FFFFFFF


def test_fix9_poll_keeps_its_deadline(peer):
    # Max-Age 0 and no margin: re-registered at most once an ACK timeout, and poll() returns
    # at its deadline (it registered back to back for seconds).
    c = _client(peer)
    c.observe_margin_ms = 0
    c.observe("/zero", lambda m: None)
    t = time.time()
    c.poll(1500)
    took = time.time() - t
    assert 1.45 < took < 1.75, took


def test_fix12_port_unreachable_is_a_lost_datagram(udp_port):
    # connect=True: ICMP port unreachable comes back as ECONNREFUSED; retransmitted, then a
    # CoapTimeout that says so (a raw OSError came out before).
    c = _client(udp_port, connect=True, ack_timeout_ms=50)
    try:
        c.request(GET, "/x")
        raise AssertionError("answered?")
    except CoapTimeout as e:
        assert "port unreachable" in str(e), e
    assert c.refused >= 1 and c.retransmissions == 4, (c.refused, c.retransmissions)


def test_an_exception_in_a_step_abandons_its_request(peer):
    # An exception out of a blocking call's step (the socket's OSError, a MemoryError of a
    # board's full heap) ends the call's request: the next request goes out at once, not
    # behind the abandoned one (NSTART = 1) until its deadline, and that one is never sent.
    c = _client(peer)

    def no_room():
        raise MemoryError("no room")

    c.pace = no_room
    try:
        c.request(GET, "/a")
        raise AssertionError("no exception")
    except MemoryError:
        pass
    eq((c.out, c.reqs), (None, []), "the queue after it")
    c.pace = lambda: 0x0FFFFFFF
    t = time.time()
    eq(bytes(c.request(GET, "/b").payload()), b"b", "the next request's answer")
    assert time.time() - t < 1, "it waited for the abandoned request"


def test_callback_makes_a_request(peer):
    # A callback may call request(): it runs inside poll(), the observation goes on.
    c = _client(peer)
    got = []

    def cb(m):
        got.append(bytes(m.payload()))
        if got[-1] == b"ask":
            got.append(bytes(c.request(GET, "/inner").payload()))

    c.observe("/obs", cb)
    for _ in range(100):
        c.poll(20)
        if len(got) == 4:
            break
    eq(got, [b"first", b"ask", b"inner answer", b"after"], "callback order")


def test_callback_exception_comes_out_of_poll(peer):
    c = _client(peer)
    got = []

    def cb(m):
        got.append(bytes(m.payload()))
        if got[-1] == b"boom":
            raise ValueError("from the callback")
        if got[-1] == b"nested":
            try:
                c.poll(0)
            except CoapError as e:
                got.append(str(e))

    o = c.observe("/obs", cb)
    raised = None
    for _ in range(100):
        try:
            c.poll(20)
        except ValueError as e:
            raised = e
        if len(got) == 4:
            break
    assert raised is not None and "from the callback" in str(raised)
    eq(got, [b"first", b"boom", b"nested", "poll() from a callback"], "after the exception")
    assert o.active
    eq(bytes(c.request(GET, "/x").payload()), b"fine", "the client goes on")


def test_fix2_observe_a_large_resource_in_small_blocks(fileserver):
    # block_szx 5, rx_max 640 (the firmware's): the registration asks for 512-byte blocks
    # (RFC 7959 §2.4), so a 1500-byte observable arrives (it timed out: the server chose
    # 1024-byte blocks, each over rx_max). aiocoap's file server, Block1 for the PUT.
    c = Client("127.0.0.1", fileserver, ack_timeout_ms=300)
    c.block_szx = 5
    c.rx_max = 640
    got = []
    o = c.observe("/big", lambda m: got.append(bytes(m.payload())))
    eq(got, [b"A" * 1500], "the first response, whole")
    assert o.active and c.too_large == 0
    eq(c.request(PUT, "/big", b"B" * 1500).code, 0x44, "written in blocks")
    eq(bytes(c.request(GET, "/big").payload()), b"B" * 1500, "read back in blocks")
