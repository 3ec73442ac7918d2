# The client's timers across the ticks wrap of a 32-bit port: on the i386 port ticks_ms()
# wraps at 2**30 ms (12.4 days of uptime on a board), so each case starts its MicroPython
# runs with the clock moved to just before it (`ticks_ms` case option: the clock hook of
# `make targets`) and checks that it did wrap. Retransmission, request deadlines, poll()
# slices and Observe re-registration must keep their timing across it. The peer side of
# each case is in host_tests/peer_scripts.py, under the same name; it checks the timing
# with the host's clock, which does not wrap.
import time

from caseutil import case, ticks_ms

from coap.client import GET, Client, CoapTimeout

WRAP = 1 << 30


def _wrapped(interpreter, t0):
    # The i386 run started just before the wrap, and its ticks went round since.
    if interpreter == "micropython-i386":
        assert WRAP - 10000 < t0 < WRAP, t0
        t = ticks_ms()
        assert t < t0, "ticks did not wrap: %d then %d" % (t0, t)


@case(ticks_ms=WRAP - 1500)
def test_wrap_retransmission(peer, interpreter):
    t0 = ticks_ms()
    c = Client("127.0.0.1", peer, ack_timeout_ms=500)
    m = c.request(GET, "/w")  # 3 transmissions lost: resent after ~0.6, 1.2, 2.4 s
    assert bytes(m.payload()) == b"at last" and c.retransmissions == 3
    _wrapped(interpreter, t0)


@case(ticks_ms=WRAP - 1000)
def test_wrap_request_deadline(peer, interpreter):
    t0 = ticks_ms()
    c = Client("127.0.0.1", peer, ack_timeout_ms=400)
    w0 = time.time()  # the wall clock: not moved, no wrap
    try:
        c.request(GET, "/never", timeout_ms=2500)
        raise AssertionError("no timeout")
    except CoapTimeout:
        pass
    waited = time.time() - w0
    assert 2.4 < waited < 3.5, waited  # the deadline, neither at once nor never
    _wrapped(interpreter, t0)


@case(ticks_ms=WRAP - 800)
def test_wrap_observe_reregistration(peer, interpreter):
    t0 = ticks_ms()
    c = Client("127.0.0.1", peer, ack_timeout_ms=300)
    c.observe_margin_ms = 300
    got = []
    o = c.observe("/obs", lambda m: got.append(m and bytes(m.payload())))
    w0 = time.time()
    c.poll(2500)  # Max-Age 1 s + 0.3 s: re-registered once, after the wrap
    waited = time.time() - w0
    assert 2.4 < waited < 3.5, waited
    assert got == [b"v1", b"v2"] and o.active, got
    _wrapped(interpreter, t0)
