# Multicast discovery (lib/coap/mcast.py, RFC 7252 §8) on the sans-I/O engine in virtual
# time: a request that came to the group is answered after a random leisure in
# [0, Leisure] (§8.2), never with an error (§8.1), and the responses waiting are bounded.
# CPython, x64 and i386 ports.
from caseutil import build
from engine_driver import Driver

from coap.mcast import DEFAULT_LEISURE, Multicast
from coap.message import ACK, CON, NON, Message
from coap.server import CONTENT, Server

GET = 1


def eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what or "value", got, want))


def setup(leisure=DEFAULT_LEISURE):
    v = Driver(seed=7)
    s = Server(v.e)
    s.add("/link1", get=lambda m: (CONTENT, b"1"), rt="Type1 Type2", ct=0)
    s.add("/fail", get=lambda m: 1 // 0)
    mc = Multicast(s)
    mc.leisure = leisure
    return v, s, mc


def core(mid, query=None, mtype=NON, path=(b".well-known", b"core")):
    o = [(11, x) for x in path]
    if query:
        o.append((15, query))
    return build(mtype, GET, mid, b"\x01\x02", o)


def drain(v, mc, until_ms):
    """Advance virtual time to until_ms (from the driver's start), sending mc's responses
    as they come due: [(ms, address, datagram)]."""
    out = []
    while True:
        t = min(mc.due(v.now), until_ms - v.ms())
        v.advance(max(t, 0))
        d = mc.output(v.now)
        while d is not None:
            out.append((v.ms(), mc.to, bytes(d)))
            d = mc.output(v.now)
        if v.ms() >= until_ms:
            return out


def test_leisure_then_response():
    # §8.2: nothing goes at once; each response after its own random leisure within
    # [0, DEFAULT_LEISURE], to the requester, a NON 2.05 with the discovery document
    v, s, mc = setup()
    addrs = [("192.0.2.%d" % i, 5000 + i) for i in range(1, 7)]
    for i, a in enumerate(addrs):
        d = core(0x100 + i)
        mc.receive(d, len(d), a, v.now)
    v.flush()
    eq(len(v.log), 0, "nothing sent before the leisure")
    got = drain(v, mc, DEFAULT_LEISURE + 10)
    eq(sorted(a for _, a, _ in got), sorted(addrs), "one response to each requester")
    times = [t for t, _, _ in got]
    assert all(0 <= t <= DEFAULT_LEISURE for t in times), times
    assert len(set(times)) > 3, ("spread out", times)
    m = Message()
    for _, _, d in got:
        m.decode(d)
        eq((m.mtype, m.code, m.token()), (NON, CONTENT, b"\x01\x02"), "a NON 2.05")
        eq(bytes(m.payload()), b'</link1>;rt="Type1 Type2";ct=0,</fail>', "the links")
    eq(len(v.log), 0, "none through the engine's output at once")
    return {"leisure_ms": times}


def test_no_error_and_silent_filter():
    # §8.1: no 4.04, no 5.00, no RST to a multicast request; RFC 6690 §4.1: a filter that
    # matches nothing gets no answer at all
    v, s, mc = setup(leisure=100)
    a = ("192.0.2.9", 6000)
    for d in (
        core(1, b"rt=nothing"),
        core(2, path=(b"nothing",)),
        core(3, path=(b"fail",)),
        b"\x40\x00\x00\x04",  # a ping
        b"\x50\x01\x00\x05\xf1",  # malformed
    ):
        mc.receive(d, len(d), a, v.now)
    eq(drain(v, mc, 1000), [], "silence")
    eq(len(v.log), 0, "nothing sent")
    eq(s.mcast, False, "mcast set only while a group's datagram is handled")
    d = core(6, b"rt=Type1")
    mc.receive(d, len(d), a, v.now)
    eq(len(drain(v, mc, 2000)), 1, "a filter that matches: answered")
    # the same request unicast: answered at once, errors too
    v.deliver(core(7, path=(b"nothing",), mtype=CON), addr=a)
    eq(len(v.log), 1, "unicast 4.04 at once")
    m = Message().decode(v.log[-1][1])
    eq((m.mtype, m.code), (ACK, 0x84), "4.04 piggybacked")


def test_waiting_bounded():
    # a flood to the group: at most max_waiting responses wait, the rest dropped (counted)
    v, s, mc = setup()
    for i in range(40):
        d = core(i)
        mc.receive(d, len(d), ("192.0.2.%d" % (i + 1), 7000), v.now)
    eq(len(mc.q) // 3, mc.max_waiting, "waiting")
    eq(mc.dropped, 40 - mc.max_waiting, "dropped")
    eq(len(drain(v, mc, DEFAULT_LEISURE + 10)), mc.max_waiting, "sent")
    eq(mc.q, [], "none left")
