# The client against real third-party CoAP servers on loopback: libcoap's coap-server-notls
# and aiocoap (fixtures in host_tests/test_client_interop.py). CPython and MicroPython.
from caseutil import case, large_payload

from coap.client import GET, POST, PUT, Client

FAST = {"ack_timeout_ms": 200}


def _poll_until(c, cond, ms=10000):
    for _ in range(ms // 50):
        if cond():
            return
        c.poll(50)
    raise AssertionError("condition not met in %d ms" % ms)


def test_libcoap_requests(libcoap):
    c = Client("127.0.0.1", libcoap, **FAST)
    m = c.request(GET, "/")
    assert m.code == 0x45 and b"libcoap" in bytes(m.payload())
    m = c.request(GET, "/time", con=False)  # NON request, NON response
    assert m.code == 0x45 and len(m.payload()) > 5
    assert c.request(GET, "/nothing").code == 0x84
    assert c.request(POST, "/time", b"x").code >> 5 == 4  # 4.05 Method Not Allowed


@case(timeout=90)
def test_libcoap_separate_response(libcoap):
    c = Client("127.0.0.1", libcoap, **FAST)
    m = c.request(GET, "/async", query="1")  # empty ACK now, the CON response after 1 s
    assert m.code == 0x45 and bytes(m.payload()) == b"done"
    c.poll(3500)  # un-ACKed, libcoap would retransmit it within 3 s
    assert c.duplicates == 0


def test_libcoap_block1_and_block2(libcoap):
    c = Client("127.0.0.1", libcoap, **FAST)
    body = large_payload(3000)
    assert c.request(PUT, "/example_data", body).code >> 5 == 2  # Block1, 1024-byte blocks
    m = c.request(GET, "/example_data")  # late-negotiated Block2 with ETag and Size2
    assert bytes(m.payload()) == body
    c.block_szx = 2  # 64-byte blocks asked for up front (early negotiation)
    assert bytes(c.request(GET, "/example_data").payload()) == body
    assert c.request(PUT, "/example_data", body[:700]).code >> 5 == 2
    assert bytes(c.request(GET, "/example_data").payload()) == body[:700]


@case(timeout=90)
def test_libcoap_observe_then_cancel(libcoap):
    c = Client("127.0.0.1", libcoap, **FAST)
    got = []
    o = c.observe("/time", lambda m: got.append(bytes(m.payload())))
    _poll_until(c, lambda: len(got) >= 3)
    seq = o.seq
    c.cancel(o)
    n = len(got)
    c.poll(2500)  # /time notifies every second: nothing more after the cancel
    assert len(got) == n and not o.active and seq >= 2


@case(timeout=90)
def test_libcoap_non_notifications(libcoap_non):
    # -N: NON notifications with every fifth one CON; un-ACKed CONs would make libcoap
    # drop the observer (libcoap issue 1306), so eight in a row show the ACKs work.
    c = Client("127.0.0.1", libcoap_non, **FAST)
    got = []
    o = c.observe("/time", lambda m: got.append(m.mtype))
    _poll_until(c, lambda: len(got) >= 8, 15000)
    assert o.active and 0 in got[1:] and 1 in got[1:], got  # both CON (0) and NON (1)
    c.cancel(o)


def test_libcoap_drops_first_answers(libcoap_lossy):
    c = Client("127.0.0.1", libcoap_lossy, ack_timeout_ms=100)
    m = c.request(GET, "/time")  # -l 1,2: the server's first two datagrams are lost
    # two answers lost, so at least two retransmissions (a third if the host is slow)
    assert m.code == 0x45 and c.retransmissions >= 2


@case(timeout=120)
def test_libcoap_thirty_percent_loss(libcoap_loss30):
    # Loss of the server's datagrams; 8 retransmissions make a failure 0.3**9 unlikely.
    c = Client("127.0.0.1", libcoap_loss30, ack_timeout_ms=50, max_retransmit=8)
    for _ in range(20):
        assert c.request(GET, "/time").code == 0x45
    assert c.retransmissions > 0


def test_aiocoap_separate_response(aio):
    c = Client("127.0.0.1", aio, **FAST)
    m = c.request(GET, "/sep")
    assert bytes(m.payload()) == b"late" and m.code == 0x45


def test_aiocoap_block2_and_block1(aio):
    c = Client("127.0.0.1", aio, **FAST)
    assert bytes(c.request(GET, "/large").payload()) == large_payload(3000)
    c.block_szx = 3
    assert bytes(c.request(GET, "/large").payload()) == large_payload(3000)
    m = c.request(PUT, "/sink", large_payload(2500))
    assert m.code == 0x44 and bytes(m.payload()) == b"2500"


@case(timeout=90)
def test_aiocoap_observe_until_the_server_ends_it(aio):
    c = Client("127.0.0.1", aio, **FAST)
    got = []
    o = c.observe("/obs", lambda m: got.append((m.code, bytes(m.payload()))))
    _poll_until(c, lambda: len(got) >= 4)
    nums = [int(p) for code, p in got[1:4]]
    assert nums == sorted(nums) and len(set(nums)) == 3, got
    assert c.request(POST, "/end", b"").code >> 5 == 2  # the server answers 4.04 to observers
    _poll_until(c, lambda: not o.active)
    assert got[-1][0] == 0x84, got


def test_node_coap(node_coap):
    # node-coap (npm `coap`, host_tests/node/coap_server.js): separate response, Block2 it
    # sends itself, Observe with the notifications it numbers.
    c = Client("127.0.0.1", node_coap, ack_timeout_ms=300)
    assert bytes(c.request(GET, "/hello").payload()) == b"hello from node"
    assert bytes(c.request(GET, "/slow").payload()) == b"late"
    assert bytes(c.request(GET, "/big").payload()) == large_payload(3000)
    assert bytes(c.request(PUT, "/sink", b"x" * 500).payload()) == b"500"
    got = []
    o = c.observe("/obs", lambda m: got.append((bytes(m.payload()), m.uint(6))))
    _poll_until(c, lambda: len(got) >= 4)
    c.cancel(o, 2000)
    assert [g[0] for g in got[:4]] == [b"n=0", b"n=1", b"n=2", b"n=3"], got
    assert [g[1] for g in got[:4]] == sorted(g[1] for g in got[:4])
