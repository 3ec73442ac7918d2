# Server-side Observe (lib/coap/server_observe.py, RFC 7641 §4) on the sans-I/O engine in
# virtual time (cases/engine_driver.py): the case is the observers, registering from
# addresses of its choosing, reading the notifications and answering them (or not). CPython,
# x64 and i386 ports.
from caseutil import build, eq
from engine_driver import SERVER, Driver, ask

from coap.engine import GET, Request
from coap.message import ACK, CON, NON, RST, fresher
from coap.server import CONTENT, MAX_AGE, NOT_FOUND, Server

A = ("192.0.2.7", 40001)
B = ("192.0.2.8", 40002)
OBS = 6  # the Observe option, RFC 7641 §2


def setup():
    """A driver whose engine serves /obs (observable: its state as text, or JSON for Accept
    50, the queries echoed; code: what it answers, raise: it raises) and /plain."""
    v = Driver()
    s = Server(v.e)
    st = {"v": 1, "code": CONTENT}

    def get(m):
        if st["code"] == "raise":
            raise ValueError("secret")
        if st["code"] != CONTENT:
            return st["code"]
        q = b"&".join(m.opts(15)).decode()
        if m.uint(17) == 50:
            return (CONTENT, '{"v": %d, "q": "%s"}' % (st["v"], q), 50, [(MAX_AGE, 9)])
        return (CONTENT, "%d %s" % (st["v"], q), 0, [(MAX_AGE, 30)])

    s.add("/obs", get=get, ct=(0, 50), obs=True)
    s.add("/plain", get=lambda m: (CONTENT, b"p"))
    return v, s, st


def register(v, path="obs", token=b"T1", addr=A, mid=0x100, mtype=CON, opts=(), value=0):
    return ask(v, mtype, GET, mid, path, [(OBS, value)] + list(opts), addr=addr, token=token)


def change(v, s, st, con=False, path="/obs"):
    """A new state; the datagrams it sends at once, decoded as (type, code, token, Observe,
    payload, address, MID)."""
    st["v"] += 1
    n = len(v.log)
    s.changed(path, con)
    v.advance(1)  # (one datagram per peer per tick: the engine's one control slot)
    return sent(v, n)


def sent(v, n):
    out = []
    for i in range(n, len(v.log)):
        m = v.sent(i)
        out.append((m.mtype, m.code, m.token(), m.uint(OBS), bytes(m.payload()), v.tos[i], m.mid))
    return out


def test_registration_and_notifications():
    # §4.1: GET with Observe 0 on an observable resource, 2.05: the response carries
    # Observe; §4.2: each change a notification per observer with its registration's token,
    # its handler's answer to that observer's request (Accept, queries), §4.4: the sequence
    # increasing for each.
    v, s, st = setup()
    m = register(v, opts=[(15, b"x=1")])
    eq((m.mtype, m.code, m.token(), bytes(m.payload()), m.uint(12)), (ACK, CONTENT, b"T1",
       b"1 x=1", 0), "the registration's response")  # fmt: skip
    first = m.uint(OBS)
    assert first is not None, "Observe in the response"
    m = register(v, token=b"T2", addr=B, mid=0x200, opts=[(17, 50)])
    eq((m.uint(12), m.uint(OBS) is not None), (50, True), "JSON for B")
    eq((s.observers("/obs"), s.observers(), s.observers("/plain")), (2, 2, 0), "counted")
    out = change(v, s, st)
    eq([(x[0], x[1], x[2], x[4], x[5]) for x in out],
       [(NON, CONTENT, b"T1", b"2 x=1", A), (NON, CONTENT, b"T2", b'{"v": 2, "q": ""}', B)],
       "a NON notification each")  # fmt: skip
    m = v.sent(-1)
    eq((m.uint(12), m.uint(14)), (50, 9), "Content-Format, Max-Age as the handler answers")
    seqs = [first] + [x[3] for x in out]
    for _ in range(3):
        seqs += [x[3] for x in change(v, s, st)]
    for i in range(1, len(seqs)):
        assert fresher(seqs[i - 1], seqs[i], 0), seqs  # §3.4 / §4.4
    eq(len(seqs), 9, "1 + 2 + 3 * 2 values")
    eq(s.observers(), 2, "still observing (NON notifications need no answer)")
    n = len(v.log)
    s.changed("/plain")
    v.advance(100)
    eq(len(v.log), n, "nothing for a resource nobody observes")


def test_sequence_wraps_at_24_bits():
    v, s, st = setup()
    eq(change(v, s, st), [], "nobody observes")
    eq(s._ob, None, "coap.server_observe not loaded before a registration (RAM)")
    register(v)
    s._ob.seq = 0xFFFFFD
    got = [change(v, s, st)[0][3] for _ in range(4)]
    eq(got, [0xFFFFFE, 0xFFFFFF, 0, 1], "§4.4: 24 bits, wrapping")
    assert fresher(0xFFFFFF, 0, 0) and fresher(0, 1, 0), "each fresher, RFC 7641 §3.4"


def test_empty_token_and_reregistration():
    # §4.1: an observer is its endpoint and token, an empty token one too; the same again
    # replaces the entry (with its new request: a new query), a new token is another
    v, s, st = setup()
    m = register(v, token=b"")
    eq((m.tkl, m.uint(OBS) is not None, s.observers()), (0, True, 1), "empty token registers")
    m = register(v, token=b"", mid=0x101, opts=[(15, b"new")])
    eq((m.uint(OBS) is not None, s.observers()), (True, 1), "re-registered, not added")
    register(v, token=b"T9", mid=0x102)
    eq(s.observers(), 2, "another token: another observer")
    out = change(v, s, st)
    eq(sorted((x[2], x[4]) for x in out), [(b"", b"2 new"), (b"T9", b"2 ")],
       "the replaced entry's request answered")  # fmt: skip


def test_deregister_with_observe_1_and_plain_get():
    v, s, st = setup()
    register(v)
    m = ask(v, CON, GET, 0x101, "obs", token=b"T1")  # a plain GET, same token: no effect
    eq((m.code, m.uint(OBS), s.observers()), (CONTENT, None, 1), "plain GET")
    m = register(v, mid=0x102, value=1)  # §3.6: Observe 1 deregisters, answered as a GET
    eq((m.code, bytes(m.payload()), m.uint(OBS), s.observers()), (CONTENT, b"1 ", None, 0),
       "deregistered")  # fmt: skip
    eq(change(v, s, st), [], "no notification")
    # Observe on a resource that is not observable: the plain response, nobody registered
    m = register(v, path="plain", mid=0x103)
    eq((m.code, m.uint(OBS), s.observers()), (CONTENT, None, 0), "not observable")
    m = register(v, path="nothing", mid=0x104)
    eq((m.code, m.uint(OBS), s.observers()), (NOT_FOUND, None, 0), "4.04: not registered")
    register(v, mid=0x105, mtype=NON)
    eq(s.observers(), 1, "a NON registration too")


def test_rst_removes_the_observer():
    # §3.6: a client that rejects a notification (RST with its MID) is removed; a CON's
    # and a NON's alike
    v, s, st = setup()
    register(v)
    register(v, token=b"T2", addr=B, mid=0x200)
    out = change(v, s, st)
    v.deliver(build(RST, 0, out[0][6]), addr=A)  # the NON to A
    eq(s.observers(), 1, "A removed")
    out = change(v, s, st, con=True)
    eq([(x[0], x[5]) for x in out], [(CON, B)], "only B left")
    v.deliver(build(RST, 0, out[0][6]), addr=B)
    eq(s.observers(), 0, "B removed")
    n = len(v.log)
    v.advance(100000)
    eq(len(v.log), n, "no retransmission after the RST")


def test_con_notification_acked_and_timed_out():
    # A CON notification is retransmitted (RFC 7252 §4.2, the engine's parameters) until
    # ACKed; never ACKed after MAX_RETRANSMIT: the observer is gone (RFC 7641 §4.5)
    v, s, st = setup()
    register(v)
    out = change(v, s, st, con=True)
    eq(out[0][0], CON, "CON")
    n = len(v.log)
    v.advance(3001)
    eq(sent(v, n)[0][6], out[0][6], "retransmitted, the same MID")
    v.deliver(build(ACK, 0, out[0][6]), addr=A)
    v.advance(100000)
    eq((len(v.log), s.observers()), (n + 1, 1), "ACKed: no more, still observing")
    t0 = v.ms()
    out = change(v, s, st, con=True)
    v.advance(200000)
    times = [t - t0 for t, _ in v.log[n + 1 :]]
    eq(len(times), 5, "1 + MAX_RETRANSMIT transmissions")
    gaps = [times[i + 1] - times[i] for i in range(4)]
    assert 2000 <= gaps[0] <= 3000 and gaps[1:] == [gaps[0] * 2, gaps[0] * 4, gaps[0] * 8], gaps
    eq((s.observers(), len(s._sep)), (0, 0), "timed out: removed, nothing left")
    eq(change(v, s, st), [], "no more notifications")


def test_a_con_at_least_every_24_hours():
    # §4.5: NON notifications, but a CON when none was sent for 24 h (the ACK shows the
    # client still cares)
    v, s, st = setup()
    register(v)
    eq(change(v, s, st)[0][0], NON, "NON")
    v.advance(86400000 - 10)
    eq(change(v, s, st)[0][0], NON, "still NON within 24 h")
    v.advance(20)
    out = change(v, s, st)
    eq(out[0][0], CON, "a CON after 24 h")
    v.deliver(build(ACK, 0, out[0][6]), addr=A)
    eq(change(v, s, st)[0][0], NON, "NON again")
    v.advance(86400000 * 3)  # (longer than ticks order, 2**29 ms on 32-bit ports: 6.2 d)
    eq(change(v, s, st)[0][0], CON, "after days without a change")


def test_newer_state_replaces_the_one_in_flight():
    # §4.5.2: a new state while a CON notification is unACKed: never a second CON in
    # flight; the newest replaces it at its next retransmission, with a new MID, its
    # transmission counter and timeout carried over (the schedule goes on; 5 at most)
    v, s, st = setup()
    register(v)
    t0 = v.ms()
    first = change(v, s, st, con=True)
    eq(len(first), 1, "one CON")
    eq(change(v, s, st), [], "a NON state while the CON flies: nothing more now")
    eq(change(v, s, st, con=True), [], "nor for a CON one")
    n = len(v.log)
    v.advance(3001)
    out = sent(v, n)
    eq([(x[0], x[4]) for x in out], [(CON, b"4 ")], "the newest state, as the CON")
    assert out[0][6] != first[0][6] and out[0][3] != first[0][3], "a new MID and sequence"
    v.deliver(build(ACK, 0, first[0][6]), addr=A)  # the old one's ACK: not this one's
    v.advance(200000)
    times = [t - t0 for t, _ in v.log[n - 1 :]]
    eq(len(times), 5, "5 transmissions in all: the counter carried over")
    eq(s.observers(), 0, "timed out: removed")
    # the same, ACKed: the observer stays, and the next notification is a NON again
    register(v, mid=0x101)
    first = change(v, s, st, con=True)
    change(v, s, st)
    n = len(v.log)
    v.advance(3001)
    x = sent(v, n)[0]
    v.deliver(build(ACK, 0, x[6]), addr=A)
    v.advance(100000)
    eq((len(v.log), s.observers()), (n + 1, 1), "ACKed")
    eq(change(v, s, st)[0][0], NON, "then NON")


def test_remove_sends_404_and_error_notification_removes():
    # §3.2/§4.2: a notification that is not 2.xx goes without Observe and ends the
    # observation: the resource removed (4.04, CON), or its handler answering an error
    v, s, st = setup()
    register(v)
    register(v, token=b"T2", addr=B, mid=0x200)
    st["code"] = NOT_FOUND
    out = change(v, s, st)
    eq([(x[1], x[3]) for x in out], [(NOT_FOUND, None)] * 2, "4.04 without Observe")
    eq(s.observers(), 0, "both removed")
    eq(change(v, s, st), [], "no more")
    st["code"] = CONTENT
    register(v, mid=0x101)
    st["code"] = "raise"
    out = change(v, s, st)
    eq([(x[1], x[3]) for x in out], [(0xA0, None)], "5.00")
    eq((s.observers(), s.errors), (0, 1), "removed, counted")
    st["code"] = CONTENT
    register(v, mid=0x102)
    st["v"] = 10**1200  # a state over one block: RFC 7959 §2.6, its first block notifies
    out = change(v, s, st)
    eq([(x[1], x[3] is not None, len(x[4])) for x in out], [(CONTENT, True, 1024)], "block 0")
    eq((v.sent(-1).uint(23), s.observers()), (0x0E, 1), "Block2 0, more, 1024 bytes")
    st["v"] = 1
    n = len(v.log)
    s.remove("/obs")
    v.advance(0)
    out = sent(v, n)
    eq([(x[0], x[1], x[2], x[3]) for x in out], [(CON, NOT_FOUND, b"T1", None)], "a CON 4.04")
    eq(s.observers(), 0, "removed at once")
    v.advance(3001)
    eq(len(v.log), n + 2, "retransmitted until ACKed")
    v.deliver(build(ACK, 0, out[0][6]), addr=A)
    v.advance(100000)
    eq((len(v.log), len(s._sep)), (n + 2, 0), "ACKed: done")


def test_bound_at_max_observers():
    v, s, st = setup()
    for i in range(s.max_observers):
        m = register(v, addr=("192.0.2.9", 50000 + i), mid=i)
        assert m.uint(OBS) is not None, i
    m = register(v, addr=B, mid=0x300)
    eq((m.code, m.uint(OBS), s.observers()), (CONTENT, None, 8), "§4.1: past it, no Observe")
    m = register(v, addr=("192.0.2.9", 50000), mid=0x301)
    eq((m.uint(OBS) is not None, s.observers()), (True, 8), "a re-registration at the bound")
    eq(len(change(v, s, st)), 8, "eight notifications")


def test_1000_registrations_from_distinct_ports_stay_bounded():
    # bad input: 1,000 registrations from as many source ports; max_observers kept (with
    # their peers: the LRU keeps an observer's), the others answered without Observe and
    # forgotten; the server goes on serving, its state bounded
    import gc

    v, s, st = setup()
    k = 0
    used = getattr(gc, "mem_alloc", None)  # (MicroPython's; CPython checks the counts only)
    for i in range(1000):
        if i == 100:
            gc.collect()
            a = used and used()
        m = register(v, addr=("198.51.100.1", 10000 + i), mid=i & 0xFFFF, token=b"x")
        if m.uint(OBS) is not None:
            k += 1
        del v.log[:]  # (the case's own record: the server's state is what is bounded)
        del v.tos[:]
    eq((k, s.observers()), (8, 8), "the first 8 registered")
    if used:
        gc.collect()
        assert used() - a < 2048, (a, used())  # 900 more registrations: no growth
    assert len(v.e.peers) <= s.max_peers + s.max_observers + 1, len(v.e.peers)
    out = change(v, s, st)
    eq(sorted(x[5][1] for x in out), list(range(10000, 10008)), "the observers notified")
    eq(ask(v, CON, GET, 7, "plain", addr=B).code, CONTENT, "still serving")


def test_on_a_client_s_engine_with_its_request_in_flight():
    # The engine's client has its CON in flight to its server, which observes us: the
    # notification takes a MID of its own (not the one the request's ACK carries)
    v, s, st = setup()
    r = v.start(Request(GET, "/time"))
    req = v.sent()
    rmid, rtok = req.mid, req.token()
    m = register(v, addr=SERVER, mid=0x900)
    assert m.uint(OBS) is not None, "registered"
    out = change(v, s, st, con=True)
    eq([(x[0], x[5]) for x in out], [(CON, SERVER)], "notified")
    assert out[0][6] != rmid, "its own MID"
    v.deliver(build(ACK, 0, out[0][6]))
    v.deliver(build(ACK, CONTENT, rmid, rtok, (), b"12:00"))
    assert r.done and r.err is None, r.err
    n = len(v.log)
    v.advance(100000)
    eq((len(v.log) - n, s.observers()), (0, 1), "both ACKed; observing")


def test_notifications_in_flight_leave_separate_responses_their_room():
    # CON notifications ride Server._sep beside the separate responses, but max_separate
    # bounds the latter only
    v, s, st = setup()
    for i in range(s.max_observers):
        register(v, addr=("192.0.2.9", 50000 + i), mid=i)
    eq(len(change(v, s, st, con=True)), 8, "8 CONs in flight")
    jobs = []
    s.add("/slow", get=lambda m: jobs.append(s.later(m)))
    for i in range(s.max_separate):
        eq(ask(v, CON, GET, 0x800 + i, "slow", addr=B).code, 0, "an empty ACK")
    eq(ask(v, CON, GET, 0x810, "slow", addr=B).code, 0xA0, "the 5th: 5.00")
    eq(len(s._sep), 12, "both kinds")
