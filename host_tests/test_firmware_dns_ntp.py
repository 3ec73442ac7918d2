"""app.dns.resolve and app.ntp.query on the MicroPython unix ports (x64 and i386: a board's
31-bit ints and 2**30 ms ticks), one call per process (host_tests/fw_mp/dns_ntp.py, timed
with the port's ticks), against fake servers on loopback that answer, answer late, stay
silent, answer negatively or send junk first, and against real ones: dnsmasq and chronyd
(Debian dnsmasq-base and chrony, which `make setup` installs).

Deadlines: a call that gets no usable answer must end within its timeout_ms plus SLACK, and
not before it."""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time

import procs
import pytest
import targets
from coap_servers import free_udp_port
from dns_ntp_servers import PTR_Q, FakeUDP, a, answer, name, ntp_reply, ntp_ts, reply, rr
from fw_harness import ROOT, micropython_for

SLACK = 80  # ms past timeout_ms a call may take (a loaded 2-core host)
T = 400  # timeout_ms of the calls that wait it out
ETIMEDOUT = 110


def call(port, *args, env=None):
    """One call in a fresh interpreter of the port (with env added to its environment): its
    JSON result ({"ok"} or {"err", "args"}, and "ms")."""
    argv = [micropython_for(port), os.path.join(ROOT, "host_tests", "fw_mp", "dns_ntp.py")]
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "lib") + ":.frozen", **(env or {}))
    p = procs.run(argv + [str(x) for x in args], env=env, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def timed_out(r, err="OSError", args=(ETIMEDOUT,)):
    """r failed with err(*args) after waiting the whole of T, and not longer than SLACK."""
    assert (r.get("err"), r.get("args")) == (err, list(args)), r
    assert T - 2 <= r["ms"] <= T + SLACK, r


def once(make):
    """A script answering each request with make(q) at once, from the server."""
    return lambda q, n: [(0, make(q), "main")]


def dns(port, srv, host="thething.test", timeout=T):
    return call(port, "dns", host, "127.0.0.1", srv.port, timeout)


def test_dns_answer_and_query_format(fw_port):
    ids = set()
    for host in ("thething.test", "TheThing.Test."):  # case and the root dot: one name
        with FakeUDP(once(answer)) as srv:
            r = dns(fw_port, srv, host)
        assert r["ok"] == "10.0.0.7", r
        assert r["ms"] < T // 4, r  # no retransmission waited for
        assert len(srv.requests) == 1
        q = srv.requests[0][1]
        # RFC 1035 §4.1.1: a standard query, RD only; one question, nothing else
        assert struct.unpack(">5H", q[2:12]) == (0x0100, 1, 0, 0, 0)
        assert q[12:] == name("thething.test") + b"\0\1\0\1"  # A, IN
        ids.add(q[:2])
    for _ in range(2):
        with FakeUDP(once(answer)) as srv:
            dns(fw_port, srv)
        ids.add(srv.requests[0][1][:2])
    assert len(ids) > 1  # random IDs: four equal ones have a chance of 2**-48


@pytest.mark.parametrize("mode", ["slow", "silent"])
def test_dns_deadline(fw_port, mode):
    late = lambda q, n: [(2 * T / 1000, answer(q), "main")]  # noqa: E731
    with FakeUDP(late if mode == "slow" else lambda q, n: []) as srv:
        r = dns(fw_port, srv)
    timed_out(r)
    # the query, then the same again after T/4 and T/2 (RFC 1035 §7.2: same ID)
    t = [round((x - srv.requests[0][0]) * 1000) for x, _ in srv.requests]
    assert len(t) == 3 and len({q for _, q in srv.requests}) == 1, t
    assert abs(t[1] - T / 4) < 50 and abs(t[2] - T / 2) < 50, t


def test_dns_retransmission_answered(fw_port):
    with FakeUDP(lambda q, n: [(0, answer(q), "main")] if n == 2 else []) as srv:
        r = dns(fw_port, srv)
    assert r["ok"] == "10.0.0.7" and T / 2 - 5 <= r["ms"] < T / 2 + SLACK, r


@pytest.mark.parametrize(
    "rcode, flags, answers, err",
    [
        (3, 0x8180, (), "DNS NXDOMAIN"),
        (2, 0x8180, (), "DNS SERVFAIL"),
        (5, 0x8180, (), "DNS REFUSED"),
        (9, 0x8180, (), "DNS RCODE 9"),
        (0, 0x8180, (), "DNS no A record"),  # NODATA
        (0, 0x8180, (rr(PTR_Q, 28, bytes(16)),), "DNS no A record"),  # an AAAA only
        (0, 0x8180, (rr(PTR_Q, 1, a("6.6.6.6"), cls=3),), "DNS no A record"),  # CHAOS
        (0, 0x8180, (rr(PTR_Q, 1, bytes(6)),), "DNS no A record"),  # an A of 6 bytes
        (0, 0x8380, (), "DNS truncated"),  # TC
    ],
    ids=["nxdomain", "servfail", "refused", "rcode9", "nodata", "aaaa", "chaos", "a6", "tc"],
)
def test_dns_negative_answer(fw_port, rcode, flags, answers, err):
    with FakeUDP(once(lambda q: reply(q, *answers, rcode=rcode, flags=flags))) as srv:
        r = dns(fw_port, srv)
    assert (r.get("err"), r.get("args")) == ("OSError", [err]), r
    assert r["ms"] < T // 4, r  # at once: no waiting for the deadline


def _loop(q):  # an answer whose owner name points at itself
    return reply(q, rr(bytes([0xC0, len(q)]), 1, a("6.6.6.6")))


JUNK = {
    "random": lambda q: os.urandom(60),
    "short": lambda q: q[:3],
    "header-only": lambda q: reply(q, question=b"")[:12],
    "wrong-id": lambda q: reply(q, rr(PTR_Q, 1, a("6.6.6.6")), qid=q[0] << 8 ^ q[1] ^ 1),
    "wrong-id-nxdomain": lambda q: reply(q, rcode=3, qid=q[0] << 8 ^ q[1] ^ 0x8000),
    "query-echo": lambda q: q,  # QR 0
    "opcode-status": lambda q: reply(q, rr(PTR_Q, 1, a("6.6.6.6")), flags=0x9180),
    # a name as long as ours, so that its answers parse at the same offsets
    "other-question": lambda q: reply(
        q, rr(PTR_Q, 1, a("6.6.6.6")), question=name("otherone.test") + b"\0\1\0\1"
    ),
    "qtype-aaaa": lambda q: reply(q, question=q[12:-4] + b"\0\x1c\0\1"),
    "two-questions": lambda q: reply(q)[:4] + b"\0\2" + reply(q)[6:] + q[12:],
    "pointer-loop": _loop,
    "forward-pointer": lambda q: reply(q, rr(b"\xc0\xff", 1, a("6.6.6.6"))),
    "label-type-01": lambda q: reply(q, rr(b"\x41" + b"x" * 10 + b"\0", 1, a("6.6.6.6"))),
    "name-too-long": lambda q: reply(q, rr((b"\x3f" + b"x" * 63) * 4 + b"\0", 1, a("6.6.6.6"))),
    "truncated-rr": lambda q: answer(q, "6.6.6.6")[:-8],
    "rdlength-past-end": lambda q: answer(q, "6.6.6.6")[:-2],
    "ancount-lies": lambda q: reply(q, rr(PTR_Q, 1, a("6.6.6.6")), an=3),
}


@pytest.mark.parametrize("junk", list(JUNK))
def test_dns_junk_then_answer(fw_port, junk):
    """Each kind of junk (and a stray: a good answer from another port) is ignored, the
    right answer after it taken; each kind alone ends in ETIMEDOUT, nothing else."""
    make = JUNK[junk]
    first = lambda q, n: [(0, make(q), "main"), (0.05, answer(q), "main")]  # noqa: E731
    with FakeUDP(first) as srv:
        r = dns(fw_port, srv)
    assert r.get("ok") == "10.0.0.7", r
    with FakeUDP(lambda q, n: [(0, make(q), "main")] if n == 0 else []) as srv:
        timed_out(dns(fw_port, srv))


def test_dns_strays_ignored(fw_port):
    def script(q, n):
        return [(0, answer(q, "6.6.6.6"), "stray"), (0, reply(q, rcode=3), "stray"),
                (0.05, answer(q), "main")]  # fmt: skip

    with FakeUDP(script) as srv:
        r = dns(fw_port, srv)
    assert r.get("ok") == "10.0.0.7", r


def test_dns_flood_does_not_hold_past_the_deadline(fw_port):
    """Wrong-ID replies and strays every 0.5 ms for twice the deadline."""
    stop = threading.Event()

    def flood(q, addr, srv):
        bad = reply(q, rr(PTR_Q, 1, a("6.6.6.6")), qid=q[0] << 8 ^ q[1] ^ 1)
        end = time.monotonic() + 2 * T / 1000
        while time.monotonic() < end and not stop.is_set():
            for s in (srv.main, srv.stray):
                try:
                    s.sendto(bad, addr)
                except OSError:
                    return
            time.sleep(0.0005)

    class Flood(FakeUDP):
        def _serve(self):
            while not self.stopped:
                try:
                    q, addr = self.main.recvfrom(2048)
                    break
                except TimeoutError:
                    continue
            else:
                return
            self.requests.append((time.monotonic(), q))
            self.flood = threading.Thread(target=flood, args=(q, addr, self), daemon=True)
            self.flood.start()

    with Flood(None) as srv:
        r = dns(fw_port, srv)
        stop.set()
        srv.flood.join(5)
    timed_out(r)


def ptr(off):
    return struct.pack(">H", 0xC000 | off)


def _chain(q):
    # www.thething.test -> CNAME edge.cdn.test -> CNAME a.edge.cdn.test -> A 10.0.0.9, in
    # the order: a decoy A of another name, the A, then the CNAMEs (last hop first), with
    # names compressed as a server does: into the middle of an earlier name, and pointers
    # to a pointer (in a CNAME's data, and in an owner with a record after it)
    decoy = rr(name("decoy.test"), 1, a("6.6.6.6"))
    o_a = len(q) + len(decoy)  # the A's owner, a.edge.cdn.test; edge.cdn.test at o_a + 2
    a_rr = rr(name("a.edge.cdn.test"), 1, a("10.0.0.9"))
    o2 = o_a + len(a_rr)  # edge.cdn.test CNAME a.<its own owner, a pointer>
    c2 = rr(ptr(o_a + 2), 5, b"\x01a" + ptr(o2))
    x_rr = rr(b"\x01x" + ptr(o2), 1, a("6.6.6.6"))  # x.edge.cdn.test, a decoy
    c1 = rr(PTR_Q, 5, ptr(o_a + 2))  # www.thething.test CNAME edge.cdn.test
    return reply(q, decoy, a_rr, c2, x_rr, c1)


def test_dns_cname_chain_and_compression(fw_port):
    with FakeUDP(once(_chain)) as srv:
        r = dns(fw_port, srv, "www.thething.test")
    assert r.get("ok") == "10.0.0.9", r
    # the reply as a resolver reads it: CPython's own parse of the same bytes agrees
    q = srv.requests[0][1]
    assert _resolve_ref(_chain(q), "www.thething.test") == "10.0.0.9"


def test_dns_cname_loop_ends(fw_port):
    def loop(q):  # thething.test -> x.test -> thething.test, no A
        return reply(q, rr(PTR_Q, 5, name("x.test")), rr(name("x.test"), 5, name("thething.test")))

    with FakeUDP(once(loop)) as srv:
        r = dns(fw_port, srv)
    assert (r.get("err"), r.get("args")) == ("OSError", ["DNS no A record"]), r


def test_dns_ip_literal_and_bad_names(fw_port):
    with FakeUDP(once(answer)) as srv:
        r = dns(fw_port, srv, "192.0.2.1")
        assert r["ok"] == "192.0.2.1" and r["ms"] < 50, r
        for bad in ("a..b", "x" * 64 + ".test", ("x" * 62 + ".") * 4 + "xy", ""):
            r = dns(fw_port, srv, bad)
            assert r.get("err") == "ValueError", (bad, r)
        r = call(fw_port, "dns", "thething.test", "resolver.test", srv.port, T)
        assert r.get("err") == "ValueError", r  # the server by name: a lookup of its own
        assert srv.requests == []
        longest = ("x" * 62 + ".") * 4 + "x"  # 253: 255 octets on the wire (§2.3.4)
        assert dns(fw_port, srv, longest).get("ok") == "10.0.0.7"
        assert srv.requests[0][1][12:-4] == name(longest)


def _resolve_ref(msg, host):
    # A deliberately plain reader of a reply (no shared code with app.dns): names with
    # pointers, then CNAMEs followed. For cross-checking the fake's bytes only.
    def rd(i, depth=0):
        labels = []
        while msg[i]:
            if msg[i] >= 0xC0:
                assert depth < 20
                return labels + rd((msg[i] & 0x3F) << 8 | msg[i + 1], depth + 1)[0], i + 2
            labels.append(msg[i + 1 : i + 1 + msg[i]].decode())
            i += 1 + msg[i]
        return labels, i + 1

    def name_at(i):
        labels, end = rd(i)
        return ".".join(labels), end

    i = name_at(12)[1] + 4
    recs = []
    for _ in range(struct.unpack(">H", msg[6:8])[0]):
        owner, i = name_at(i)
        t, _, _, n = struct.unpack(">HHIH", msg[i : i + 10])
        i += 10
        recs.append((owner, t, socket.inet_ntoa(msg[i : i + 4]) if t == 1 else name_at(i)[0]))
        i += n
    want = host
    for _ in range(10):
        for owner, t, v in recs:
            if owner == want and t == 1:
                return v
        want = next(v for owner, t, v in recs if owner == want and t == 5)
    return None


# -- NTP (RFC 5905 §7.3) ---------------------------------------------------------------------


def ntp(port, srv, timeout=T):
    return call(port, "ntp", "127.0.0.1", srv.port, timeout)


def test_ntp_time_and_request_format(fw_port):
    xmts = set()
    for _ in range(2):
        with FakeUDP(once(ntp_reply)) as srv:
            before = time.time()
            r = ntp(fw_port, srv)
            after = time.time()
        assert before * 1000 - 50 <= r.get("ok", 0) <= after * 1000 + 50, (before, r, after)
        assert isinstance(r["ok"], int)
        q = srv.requests[0][1]
        # RFC 4330 §5: 48 bytes, LI 0 VN 4 mode 3, all zero but the transmit timestamp
        assert len(q) == 48 and q[0] == 0x23 and q[1:40] == bytes(39), q.hex()
        assert q[40:48] != bytes(8)
        xmts.add(q[40:48])
    assert len(xmts) == 2  # random, not a clock that may be unset


@pytest.mark.parametrize("hold", [False, True])
def test_ntp_round_trip_compensated(fw_port, hold):
    """The reply leaves 300 ms after the request: with the server saying it held it that
    long (t2 = arrival), the time is its t3; with t2 = t3, half the wait is added."""
    D = 0.3

    def script(q, n):
        t2 = ntp_ts(time.time())
        t3 = ntp_ts(time.time() + D)
        return [(D, ntp_reply(q, t3=t3, t2=t2 if hold else t3), "main")]

    with FakeUDP(script) as srv:
        r = ntp(fw_port, srv, 2000)
    t3 = (srv.requests[0][0] - time.monotonic() + time.time() + D) * 1000  # about
    want = t3 if hold else t3 + D * 1000 / 2
    assert abs(r["ok"] - want) < 40, (r, want)


@pytest.mark.parametrize("mode", ["slow", "silent"])
def test_ntp_deadline(fw_port, mode):
    late = lambda q, n: [(2 * T / 1000, ntp_reply(q), "main")]  # noqa: E731
    with FakeUDP(late if mode == "slow" else lambda q, n: []) as srv:
        timed_out(ntp(fw_port, srv))
    assert len(srv.requests) == 1  # one exchange


BAD_NTP = {
    "mode-3": (lambda q: ntp_reply(q, mode=3), "NTP mode 3, not 4 (server)"),
    "mode-5": (lambda q: ntp_reply(q, mode=5), "NTP mode 5, not 4 (server)"),
    "kiss-rate": (
        lambda q: ntp_reply(q, li=3, stratum=0, refid=b"RATE"),
        "NTP kiss-o'-death b'RATE'",
    ),
    "li-3": (lambda q: ntp_reply(q, li=3), "NTP unsynchronized (LI 3)"),
    "stratum-16": (lambda q: ntp_reply(q, stratum=16), "NTP stratum 16"),
    "zero-transmit": (lambda q: ntp_reply(q, t3=0), "NTP zero transmit timestamp"),
    "2023": (
        lambda q: ntp_reply(q, t3=ntp_ts(1703980800)),  # 2023-12-31
        "NTP implausible time (1703980800 s since 1970)",
    ),
    "2100": (
        lambda q: ntp_reply(q, t3=ntp_ts(4102444800)),  # era 1: 2100-01-01
        "NTP implausible time (4102444800 s since 1970)",
    ),
}


@pytest.mark.parametrize("bad", list(BAD_NTP))
def test_ntp_bad_answer(fw_port, bad):
    make, why = BAD_NTP[bad]
    with FakeUDP(once(make)) as srv:
        r = ntp(fw_port, srv)
    assert (r.get("err"), r.get("args")) == ("ValueError", [why]), r
    assert r["ms"] < T // 4, r  # the server's answer to us: no waiting for another


IGNORED_NTP = {
    "short": (lambda q: ntp_reply(q)[:47], "NTP short reply (47 bytes)"),
    "wrong-originate": (
        lambda q: ntp_reply(q, org=os.urandom(8)),
        "NTP originate timestamp not ours",
    ),
    "zero-originate": (lambda q: ntp_reply(q, org=bytes(8)), "NTP originate timestamp not ours"),
    "random": (lambda q: os.urandom(48), "NTP originate timestamp not ours"),
}


@pytest.mark.parametrize("junk", list(IGNORED_NTP))
def test_ntp_junk_ignored(fw_port, junk):
    """Not an answer to our request (RFC 5905 §8): ignored, a good answer after it taken;
    alone, ValueError naming it at the deadline."""
    make, why = IGNORED_NTP[junk]
    good = ntp_ts(2051222400)  # 2035-01-01, era 0
    with FakeUDP(lambda q, n: [(0, make(q), "main"), (0.05, ntp_reply(q, t3=good), "main")]) as s:
        r = ntp(fw_port, s)
    assert r.get("ok", 0) // 1000 == 2051222400, r
    with FakeUDP(once(make)) as srv:
        timed_out(ntp(fw_port, srv), "ValueError", [why])


def test_ntp_stray_ignored(fw_port):
    good = ntp_ts(2051222400)
    with FakeUDP(lambda q, n: [(0, ntp_reply(q, t3=ntp_ts(1800000000)), "stray"),
                               (0.05, ntp_reply(q, t3=good), "main")]) as srv:  # fmt: skip
        r = ntp(fw_port, srv)
    assert r.get("ok", 0) // 1000 == 2051222400, r
    with FakeUDP(lambda q, n: [(0, ntp_reply(q), "stray")]) as srv:
        timed_out(ntp(fw_port, srv))  # a stray is not the server: plain ETIMEDOUT


@pytest.mark.parametrize(
    "unix_s",
    [2051222400, 2085978495, 2085978496, 2240524800, 4102444799],
    ids=["2035", "era0-last", "era1-first", "2041", "2099-end"],
)
def test_ntp_eras(fw_port, unix_s):
    """Times on both sides of 2036-02-07T06:28:16Z (NTP seconds wrap to 0, era 1)."""
    frac = 0x80000000  # + 500 ms
    with FakeUDP(once(lambda q: ntp_reply(q, t3=ntp_ts(unix_s) + frac))) as srv:
        r = ntp(fw_port, srv)
    assert 0 <= r.get("ok", 0) - (unix_s * 1000 + 500) < SLACK, r  # + half the round trip


# -- ticks wrapping during a call ------------------------------------------------------------


def test_deadlines_across_the_ticks_wrap(fw_port):
    """ticks_ms() starts T/2 before it wraps (i386: at 2**30 ms, as on a board; the clock
    hook of `make targets`): the deadline and the retransmissions fall after the wrap."""
    env = targets.clock_env(fw_port, ticks_ms=targets.WRAP - T // 2)
    junk = lambda q, n: [(0.02, b"junk", "main")]  # noqa: E731 - wakes the wait each time
    with FakeUDP(junk) as srv:
        timed_out(call(fw_port, "dns", "thething.test", "127.0.0.1", srv.port, T, env=env))
    t = [round((x - srv.requests[0][0]) * 1000) for x, _ in srv.requests]
    assert len(t) == 3 and abs(t[1] - T / 4) < 50 and abs(t[2] - T / 2) < 50, t
    with FakeUDP(lambda q, n: [(0, answer(q), "main")] if n == 2 else []) as srv:
        r = call(fw_port, "dns", "thething.test", "127.0.0.1", srv.port, T, env=env)
    assert r.get("ok") == "10.0.0.7" and T / 2 - 5 <= r["ms"] < T / 2 + SLACK, r
    with FakeUDP(lambda q, n: []) as srv:
        timed_out(call(fw_port, "ntp", "127.0.0.1", srv.port, T, env=env))
    D = 0.3  # the answer comes after the wrap; the round trip is measured across it
    with FakeUDP(lambda q, n: [(D, ntp_reply(q, t3=ntp_ts(time.time() + D)), "main")]) as srv:
        r = call(fw_port, "ntp", "127.0.0.1", srv.port, T, env=env)
    want = (srv.requests[0][0] - time.monotonic() + time.time() + D + D / 2) * 1000
    assert abs(r.get("ok", 0) - want) < 40, (r, want)


# -- CPython: the modules import and work there too (coap._host) ----------------------------


def test_cpython():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "lib"))
    script = os.path.join(ROOT, "host_tests", "fw_mp", "dns_ntp.py")
    with FakeUDP(once(answer)) as d, FakeUDP(once(ntp_reply)) as n:
        for args, ok in (
            (["dns", "thething.test", "127.0.0.1", d.port, T], "10.0.0.7"),
            (["ntp", "127.0.0.1", n.port, T], None),
        ):
            p = procs.run([sys.executable, script] + [str(x) for x in args], env=env, timeout=30)
            r = json.loads(p.stdout.splitlines()[-1])
            assert r.get("ok") and (ok is None or r["ok"] == ok), (r, p.stderr)
    with FakeUDP(lambda q, n: []) as d:
        p = procs.run([sys.executable, script, "dns", "x.test", "127.0.0.1", str(d.port), str(T)],
                      env=env, timeout=30)  # fmt: skip
        timed_out(json.loads(p.stdout.splitlines()[-1]))


# -- real peers ------------------------------------------------------------------------------


DEBIAN = {"dnsmasq": "dnsmasq-base", "chronyd": "chrony"}  # the Makefile's APT_TOOLS


def _exe(cmd):
    p = shutil.which(cmd) or shutil.which(cmd, path="/usr/sbin:/sbin")
    if p is None:
        targets.missing(cmd + " (Debian %s)" % DEBIAN[cmd], make="setup")
    return p


def _wait_udp(port, datagram, proc, what):
    for _ in range(100):
        if proc.poll() is not None:
            pytest.fail("%s exited (%s): %s" % (what, proc.returncode, proc.stderr.read()))
        if _probe(port, datagram):
            return
        time.sleep(0.05)
    pytest.fail("%s did not answer" % what)


def _start(argv, port, datagram, what):
    """The daemon of argv, once it answers datagram on port; None (stopped) if it did not
    (e.g. the free port was taken meanwhile: the caller tries another)."""
    p = procs.popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait_udp(port, datagram, p, what)
    except pytest.fail.Exception:
        procs.stop(p)
        return None
    return p


def _probe(port, datagram):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    try:
        s.sendto(datagram, ("127.0.0.1", port))
        return s.recv(600)
    except OSError:
        return None
    finally:
        s.close()


@pytest.fixture(scope="module")
def dnsmasq():
    """dnsmasq in the foreground on a free port: thething.test (and below) is 127.0.0.2,
    www.cdn.test a chain of two CNAMEs to 127.0.0.3, nothere.test NXDOMAIN, the rest
    REFUSED (no upstream)."""
    exe = _exe("dnsmasq")
    for _ in range(3):
        port = free_udp_port()
        argv = [exe, "--no-daemon", "--port=%d" % port, "--listen-address=127.0.0.1",
                "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                "--pid-file=", "--user=" + ("root" if os.getuid() == 0 else ""),
                "--address=/thething.test/127.0.0.2", "--address=/nothere.test/",
                "--host-record=edge.cdn.test,127.0.0.3",
                "--cname=alias.cdn.test,edge.cdn.test", "--cname=www.cdn.test,alias.cdn.test",
                "--log-facility=-"]  # fmt: skip
        q = struct.pack(">6H", 1, 0x0100, 1, 0, 0, 0) + name("thething.test") + b"\0\1\0\1"
        p = _start(argv, port, q, "dnsmasq")
        if p:
            yield port
            procs.stop(p)
            return
    pytest.fail("dnsmasq did not start")


@pytest.mark.parametrize(
    "host, want",
    [
        ("thething.test", "127.0.0.2"),
        ("coap.thething.test", "127.0.0.2"),
        ("www.cdn.test", "127.0.0.3"),  # two CNAMEs, compressed
        ("nothere.test", "DNS NXDOMAIN"),
        ("elsewhere.example", "DNS REFUSED"),
    ],
)
def test_dnsmasq(fw_port, dnsmasq, host, want):
    r = call(fw_port, "dns", host, "127.0.0.1", dnsmasq, 2000)
    assert r.get("ok", r.get("args", [None])[0]) == want, r
    assert r["ms"] < 500, r


@pytest.fixture(scope="module")
def chronyd(tmp_path_factory):
    """chronyd in the foreground on a free port, serving its own clock (local stratum 8),
    not touching the system's (-x)."""
    exe = _exe("chronyd")
    d = tmp_path_factory.mktemp("chrony")
    for _ in range(3):
        port = free_udp_port()
        conf = d / "chrony.conf"
        conf.write_text(
            "port %d\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\ncmdport 0\n"
            "pidfile %s\n" % (port, d / "chronyd.pid")
        )
        argv = [exe, "-d", "-x", "-f", str(conf)]
        if os.getuid() == 0:
            argv += ["-u", "root"]  # no _chrony user needed
        p = _start(argv, port, bytes([0x23]) + bytes(39) + os.urandom(8), "chronyd")
        if p:
            yield port
            procs.stop(p)
            return
    pytest.fail("chronyd did not start")


def test_chronyd(fw_port, chronyd):
    before = time.time()
    r = call(fw_port, "ntp", "127.0.0.1", chronyd, 2000)
    after = time.time()
    assert before * 1000 - 50 <= r.get("ok", 0) <= after * 1000 + 50, (before, r, after)
    assert r["ms"] < 500, r
