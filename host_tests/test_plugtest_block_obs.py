"""The ETSI CoAP plugtest test descriptions TD_COAP_BLOCK_01-06 and TD_COAP_OBS_01-10, each a
test named by its TD (its docstring quotes the TD's purpose), against `-m coap serve
--plugtest` as a real process under CPython, the x64 port and the i386 port (one process
per interpreter, module scope; plugtest_client.py: the process and the test client, a raw
UDP socket with aiocoap's codec). The TD texts: ETSI's CoAP plugtest TDs as
fsismondi/ttproto's tat_coap/testcases held them (its history, commit 29c130b); OBS_03,
not there, "Stop resource observation" as Californium's plugtest client (CO01_03) and
koanlogic's evcoap plugtest vectors name it (both stop with a GET without Observe, the
draft-era way; the test stops with RFC 7641 §3.6's Observe 1). libcoap's coap-client-notls
fetches /large in blocks for BLOCK_01.

Timing is small: /obs and /obs-non change every 100 ms (--obs-period; the TDs' 5 s is
test_TD_COAP_OBS_01_at_5_s, one notification of each interpreter's server at once), and
ACK_TIMEOUT is 20 ms (--ack-timeout) so that OBS_05's unanswered CONs run out in under a
second. The client ACKs each CON notification and skips a retransmission it has ACKed."""

import os
import time

import procs
import pytest
from aiocoap.message import Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import Type
from coap_servers import LOOPBACK
from plugtest_client import (
    INTERPRETERS,
    Client,
    content,
    libcoap,
    non,
    piggybacked,
    plug_fixture,
    start,
)

PERIOD_S = 0.1
ACK_TIMEOUT_S = 0.02
ARGS = ("--no-multicast", "--ack-timeout", "20", "--obs-period", "100")
QUIET_S = PERIOD_S * 3  # longer than two of /obs's periods: silence means no observer
plug = plug_fixture(*ARGS)


class ObsClient(Client):
    """A Client that observes: the CON notifications it gets are ACKed (a retransmission of
    one it has seen is skipped); a notification that comes while it waits for a response
    waits in a queue for note(); the observations it started end at teardown (GET with
    Observe 1, RFC 7641 §3.6)."""

    def __init__(self, port):
        super().__init__(port)
        self.seen = set()
        self.queue = []
        self.obs = []

    def ask(self, code, path, **kw):
        m = self.request(code, path, **kw)
        self.send(m)
        t = time.monotonic() + 2
        while True:
            r = self.recv(max(t - time.monotonic(), 0.001))
            if r.mtype == Type.ACK and r.mid == m.mid:
                return m, r
            if m.mtype == Type.NON and r.mtype == Type.NON and r.token == m.token:
                return m, r
            if r.mtype == Type.CON:
                self.ack(r)
            if r.mid not in self.seen:
                self.seen.add(r.mid)
                self.queue.append(r)

    def observe(self, path="/obs", mtype=Type.CON, token=None):
        """Register (Observe 0): the request and the response, checked as the TDs' step 3
        says: 2.05 (an ACK for a CON, a NON for a NON), the token, text/plain, Observe."""
        req, r = self.ask(Code.GET, path, mtype=mtype, observe=0, token=token)
        self.obs.append((path, req.token))
        (piggybacked if mtype == Type.CON else non)(req, r, Code.CONTENT)
        assert r.opt.observe is not None and content(r).opt.content_format == 0, r
        return req, r

    def note(self, timeout=PERIOD_S * 4, ack=True):
        """The next notification (or another message from the server); a CON ACKed."""
        if self.queue:
            return self.queue.pop(0)
        t = time.monotonic() + timeout
        while True:
            r = self.recv(max(t - time.monotonic(), 0.001))
            if r.mtype == Type.CON and ack:
                self.ack(r)
            if r.mid in self.seen:
                continue  # a retransmission (our ACK crossed it)
            self.seen.add(r.mid)
            return r

    def quiet(self, seconds=QUIET_S):
        """True if nothing but retransmissions of what was seen comes for that long (what
        came before, queued, is dropped)."""
        del self.queue[:]
        t = time.monotonic() + seconds
        try:
            while time.monotonic() < t:
                r = self.recv(max(t - time.monotonic(), 0.001))
                if r.mid not in self.seen:
                    return False
                self.ack(r)
        except TimeoutError:
            pass
        return True

    def close(self):
        for path, tok in self.obs:
            self.send(self.request(Code.GET, path, mtype=Type.NON, token=tok, observe=1))
        super().close()


@pytest.fixture
def c(plug):
    c = ObsClient(plug[0])
    yield c
    c.close()


@pytest.fixture
def other(plug):
    """Another client of the server (the TDs' "another CoAP client")."""
    c = Client(plug[0])
    yield c
    c.close()


def newer(a, b):
    # RFC 7641 §3.4: b is newer than a, in 24-bit serial number arithmetic
    return a < b < a + (1 << 23) or b < a - (1 << 23)


def notification(r, req, cf=0, mtype=Type.CON):
    # The TDs' "Server sends a notification containing": its type, 2.05, the registration's
    # token, the same Content-Format, an Observe option
    assert (r.mtype, r.code, r.token) == (mtype, Code.CONTENT, req.token), r
    assert r.opt.observe is not None and r.opt.content_format == cf and r.payload, r
    return r


def notifications(c, req, k, last, mtype=Type.CON):
    """k notifications of req's observation after Observe value last: each newer than the
    one before, each with a new state (/obs changes each period)."""
    out = []
    pay = None
    for _ in range(k):
        r = notification(c.note(), req, mtype=mtype)
        assert newer(last, r.opt.observe), (last, r.opt.observe)
        assert r.payload != pay, "a new state"
        last, pay = r.opt.observe, r.payload
        out.append(r)
    return out


def ended(r, req, code):
    # An error notification ends the observation (RFC 7641 §3.2, §4.2): a CON with the
    # token, the code and no Observe option
    assert (r.mtype, r.code, r.token) == (Type.CON, code, req.token), r
    assert r.opt.observe is None, r


# -- TD_COAP_BLOCK ------------------------------------------------------------------------


def b2(r, opt="block2"):
    b = getattr(r.opt, opt)
    assert b is not None, (opt, r)
    return b.block_number, b.more, b.size_exponent


def rest(c, method, path, num, szx, tag, code=Code.CONTENT):
    """The blocks of path's representation from block num on, asked in SZX szx (no payload,
    RFC 7959 §2.4): each the code, Block2 NUM num, M set but on the last, SZX szx, a
    2**(SZX+4)-byte payload (the last: at most that), the same ETag. Their payloads joined."""
    body = b""
    while True:
        req, r = c.ask(method, path, block2=(num, False, szx))
        piggybacked(req, r, code)
        n, more, z = b2(r)
        assert (n, z) == (num, szx), (n, z, num, szx)
        assert r.opt.etag == tag, "one representation: its ETag on every block (§2.4)"
        assert len(r.payload) == 16 << szx if more else 0 < len(r.payload) <= 16 << szx
        body += r.payload
        if not more:
            return body
        num += 1


def large(body):
    # /large's text: lines, each starting with its own offset in the representation
    assert len(body) >= 1280, len(body)
    off = 0
    for line in body.splitlines(True):
        assert int(line[:4]) == off and line.endswith(b"\n"), (off, line)
        off += len(line)


def test_TD_COAP_BLOCK_01(plug, c):
    """Handle GET blockwise transfer for large resource (early negotiation): the first GET
    asks Block2 NUM 0, M 0, SZX 2 (64 bytes); each 2.05 has Block2 NUM i, M 1 (0 on the
    last), SZX at most that, 2**(SZX+4) bytes; libcoap's client gets the same."""
    req, r = c.ask(Code.GET, "/large", block2=(0, False, 2))
    content(piggybacked(req, r, Code.CONTENT))
    n, more, szx = b2(r)
    assert (n, more) == (0, True) and szx <= 2 and len(r.payload) == 16 << szx
    body = r.payload + rest(c, Code.GET, "/large", 1, szx, r.opt.etag)
    large(body)
    out = libcoap("-m", "get", "-b", "64", "coap://%s:%d/large" % (LOOPBACK, plug[0]))
    assert out.encode().rstrip(b"\n") == body.rstrip(b"\n"), out


def test_TD_COAP_BLOCK_02(c):
    """Handle GET blockwise transfer for large resource (late negotiation): a GET without
    Block2 gets 2.05 with Block2 NUM 0, M 1, the server's SZX, 2**(SZX+4) bytes; the client
    goes on with a smaller SZX from NUM 2**(SZX_3 - SZX_4): the rest in those blocks."""
    req, r = c.ask(Code.GET, "/large")
    content(piggybacked(req, r, Code.CONTENT))
    n, more, szx = b2(r)
    assert (n, more) == (0, True) and len(r.payload) == 16 << szx and szx > 0
    tag = r.opt.etag
    assert tag
    z = szx - 1
    body = r.payload + rest(c, Code.GET, "/large", 1 << (szx - z), z, tag)
    large(body)


def test_TD_COAP_BLOCK_03(c):
    """Handle PUT blockwise transfer for large resource: PUT /large-update in Block1 blocks
    of SZX 4 (256 bytes): 2.31 Continue with Block1 NUM i, M 1 (atomic, RFC 7959 §2.3) for
    each but the last, 2.04 with Block1 NUM n, M 0 for it; then /large-update is the whole
    body."""
    body = b"".join(b"%04d %s\n" % (i, os.urandom(12).hex().encode()) for i in range(24))
    szx = 4
    num = 0
    while True:
        size = 16 << szx
        off = num * size
        more = off + size < len(body)
        req, r = c.ask(Code.PUT, "/large-update", payload=body[off : off + size],
                       content_format=0, block1=(num, more, szx))  # fmt: skip
        piggybacked(req, r, Code.CONTINUE if more else Code.CHANGED)
        n, m, z = b2(r, "block1")
        assert n == num and m == more and z <= szx, (n, m, z)
        if not more:
            break
        if z < szx:  # the server asked for smaller blocks: on from the same offset
            num, szx = off // (16 << z), z
        num += 1
    req, r = c.ask(Code.GET, "/large-update")
    assert content(piggybacked(req, r, Code.CONTENT)).payload == body


def upload(c, method, path, body, szx, last):
    """body to path in Block1 blocks of SZX szx: 2.31 Continue with Block1 NUM i, M 1 to each
    but the last, which gets last (the code) with Block1 NUM n, M 0: that response."""
    size = 16 << szx
    k = (len(body) + size - 1) // size
    for num in range(k):
        more = num < k - 1
        req, r = c.ask(method, path, payload=body[num * size : (num + 1) * size],
                       content_format=0, block1=(num, more, szx))  # fmt: skip
        piggybacked(req, r, Code.CONTINUE if more else last)
        assert b2(r, "block1") == (num, more, szx), r
    return r


def test_TD_COAP_BLOCK_04(c):
    """Handle POST blockwise transfer for large resource: POST /large-create in Block1
    blocks (SZX 6): 2.31 with Block1 M 1, then 2.01 with Block1 NUM n, M 0 and Location-Path
    segments (the first "large-create", none with a '/'); a GET there gets the new
    representation (in Block2 blocks, as it is larger than one)."""
    body = b"".join(b"%04d %s\n" % (i, os.urandom(16).hex().encode()) for i in range(40))
    assert len(body) > 1024
    r = upload(c, Code.POST, "/large-create", body, 6, Code.CREATED)
    loc = r.opt.location_path
    assert loc and "large-create" in loc[0] and not any("/" in s for s in loc), loc
    req, r = c.ask(Code.GET, "/" + "/".join(loc))
    content(piggybacked(req, r, Code.CONTENT))
    n, more, szx = b2(r)
    assert (n, more) == (0, True)
    got = r.payload + rest(c, Code.GET, "/" + "/".join(loc), 1, szx, r.opt.etag)
    assert got == body


def test_TD_COAP_BLOCK_05(c):
    """Handle POST with two-way blockwise transfer: POST /large-post in Block1 blocks (2.31
    each, M 1), the last answered 2.04 with Block1 NUM n, M 0 and Block2 NUM 0, M 1; the
    client then asks the rest of the response with the POST's options but Block1, no
    payload, Block2 in a smaller SZX from NUM 2**(rDES_SZX - rACT_SZX): 2.04 each, Block2
    NUM i, M 1 but on the last (RFC 7959 §3.2). The answer: the body in upper case."""
    body = b"".join(b"%04d %s\n" % (i, os.urandom(16).hex().encode()) for i in range(70))
    assert 2048 < len(body) <= 4096
    r = upload(c, Code.POST, "/large-post", body, 6, Code.CHANGED)
    n, more, szx = b2(r)
    assert (n, more) == (0, True) and len(r.payload) == 16 << szx and szx > 0
    z = szx - 1
    got = r.payload + rest(c, Code.POST, "/large-post", 1 << (szx - z), z, r.opt.etag,
                           Code.CHANGED)  # fmt: skip
    assert got == body.upper()


def test_TD_COAP_BLOCK_06(c):
    """Handle GET blockwise transfer for large resource (early negotiation, 16 byte block
    size): Block2 NUM 0, M 0, SZX 0 asked: every block 16 bytes (the last at most), Block2
    NUM i, M 1 but on the last, SZX 0."""
    req, r = c.ask(Code.GET, "/large", block2=(0, False, 0))
    content(piggybacked(req, r, Code.CONTENT))
    assert b2(r) == (0, True, 0) and len(r.payload) == 16
    body = r.payload + rest(c, Code.GET, "/large", 1, 0, r.opt.etag)
    large(body)
    assert len(body) > 16 * 80  # 81 blocks


# -- TD_COAP_OBS --------------------------------------------------------------------------


def test_TD_COAP_OBS_01(c):
    """Handle resource observation with CON messages: a CON GET /obs with Observe 0 gets an
    ACK 2.05 with its token, /obs's Content-Format and Observe; then CON notifications: the
    same Content-Format and token, Observe increasing, the state changing; ACKed."""
    req, r = c.observe()
    got = notifications(c, req, 3, r.opt.observe)
    assert r.payload not in [x.payload for x in got]
    assert r.opt.max_age == 1  # RFC 7252 §5.10.5: fresh until the next state (100 ms)


def test_TD_COAP_OBS_01_at_5_s():
    """TD_COAP_OBS_01 at the TDs' period, /obs changing every 5 s (the default): one
    notification from each interpreter's server, all three observed at once, 5 s apart."""
    ps = []
    cs = []
    try:
        for interp in INTERPRETERS:
            ps.append(start(interp, "--plugtest", "--no-multicast")[:2])
        t0 = time.monotonic()
        for _, port in ps:
            c = ObsClient(port)
            cs.append(c)
            req, r = c.observe()
            assert r.opt.max_age == 5 and r.payload == b"state 0", r
            cs[-1].req = req
        for c in cs:
            r = notification(c.note(timeout=7), c.req)
            assert r.payload == b"state 1" and newer(0, r.opt.observe)
        waited = time.monotonic() - t0
        assert 4.5 <= waited <= 7, waited
    finally:
        for c in cs:
            c.close()
        for p, _ in ps:
            procs.stop(p)


def test_TD_COAP_OBS_02(c):
    """Handle resource observation with NON messages: a NON GET /obs-non with Observe 0;
    the notifications are NON 2.05, the same Content-Format, the token, Observe
    increasing."""
    req, r = c.observe("/obs-non", Type.NON)
    notifications(c, req, 3, r.opt.observe, Type.NON)


def test_TD_COAP_OBS_03(c):
    """Stop resource observation: a GET /obs with the observation's token and Observe 1
    (RFC 7641 §3.6) gets 2.05 without Observe, and no notification follows. (The draft-era
    TD's GET without Observe does not stop it: RFC 7641 deregisters with Observe 1 or an
    RST, OBS_06; a plain GET is answered and the observation goes on, as in OBS_10.)"""
    req, r = c.observe()
    notifications(c, req, 1, r.opt.observe)
    q, r = c.ask(Code.GET, "/obs", token=req.token, observe=1)
    content(piggybacked(q, r, Code.CONTENT))
    assert r.opt.observe is None, r
    assert c.quiet(), "no notification after the deregistration"


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_TD_COAP_OBS_04(interp):
    """Client detection of deregistration (Max-Age): the server, rebooted, has lost its
    observation state: it sends no notifications; the client's GET with Observe and the
    same token registers again: ACK 2.05 with Observe (not necessarily increasing), then
    CON notifications with the token, Observe increasing."""
    p, port, _ = start(interp, "--plugtest", *ARGS)
    c = ObsClient(port)
    try:
        req, r = c.observe()
        notifications(c, req, 1, r.opt.observe)
        procs.stop(p)
        p = start(interp, "--plugtest", *ARGS, port=port)[0]  # "rebooted"
        assert c.quiet(), "the new server knows no observer"
        req, r = c.observe(token=req.token)
        notifications(c, req, 2, r.opt.observe)
    finally:
        c.close()
        procs.stop(p)


def test_TD_COAP_OBS_05(c):
    """Server detection of deregistration (client OFF): the CON notifications go
    unacknowledged; the server retransmits (RFC 7252 §4.2), a newer state replacing the
    one on its way with an updated Observe (RFC 7641 §4.5.2), MAX_RETRANSMIT (4) times in
    all, then forgets the observer: nothing more comes."""
    req, r = c.observe()
    first = notifications(c, req, 1, r.opt.observe)[0]
    got = []
    t = time.monotonic()
    while True:
        try:
            # the last wait: 16 timeouts, then a new state would go if it still observed
            x = c.recv(ACK_TIMEOUT_S * 1.5 * 16 + PERIOD_S * 2)
        except TimeoutError:
            break
        got.append((time.monotonic() - t, notification(x, req)))
    seen = [(round(w, 3), x.mid, x.opt.observe) for w, x in got]
    assert len(got) == 5, seen  # the first transmission and 4 retransmissions
    obs = [x.opt.observe for _, x in got]
    assert all(not newer(b, a) for a, b in zip(obs, obs[1:], strict=False)), seen
    assert newer(first.opt.observe, obs[0]) and newer(obs[0], obs[-1]), seen
    # (and the silence that ended the loop: the observer forgotten, RFC 7641 §4.5)


def test_TD_COAP_OBS_06(c):
    """Server detection of deregistration (explicit RST): the client, rebooted, answers a
    CON notification with an RST (its MID): the server sends nothing more; an RST to a NON
    notification of /obs-non ends that observation too (RFC 7641 §3.6)."""
    for path, mtype in (("/obs", Type.CON), ("/obs-non", Type.NON)):
        req, r = c.observe(path, mtype)
        notifications(c, req, 1, r.opt.observe, mtype)
        x = notification(c.note(ack=False), req, mtype=mtype)
        rst = Message(code=Code.EMPTY)
        rst.mtype, rst.mid = Type.RST, x.mid
        c.send(rst)
        assert c.quiet(), "no notification after the RST"


def test_TD_COAP_OBS_07(c, other):
    """Server cleans the observers list on DELETE: another client DELETEs /obs; the
    observer gets a CON 4.04 with its token and no Observe, then nothing more. (Then /obs
    is put back, 2.01.)"""
    req, r = c.observe()
    notifications(c, req, 1, r.opt.observe)
    try:
        assert other.ask(Code.DELETE, "/obs")[1].code == Code.DELETED
        x = c.note()
        if x.code == Code.CONTENT:  # (one on its way as the DELETE came)
            x = c.note()
        ended(x, req, Code.NOT_FOUND)
        assert c.quiet(), "no notification after the 4.04"
        assert other.ask(Code.GET, "/obs")[1].code == Code.NOT_FOUND
    finally:
        r = other.ask(Code.PUT, "/obs", payload=b"", content_format=0)[1]
    assert r.code == Code.CREATED and other.ask(Code.GET, "/obs")[1].code == Code.CONTENT


def test_TD_COAP_OBS_08(c, other):
    """Server cleans the observers list when observed resource content-format changes:
    another client PUTs /obs in another Content-Format (41); the observer gets a CON 4.06
    Not Acceptable with its token and no Observe, then nothing more. (/obs is in
    text/plain again after.)"""
    req, r = c.observe()
    notifications(c, req, 1, r.opt.observe)
    try:
        q, r = other.ask(Code.PUT, "/obs", payload=b"<obs/>", content_format=41)
        piggybacked(q, r, Code.CHANGED)
        x = c.note()
        if x.code == Code.CONTENT:
            x = c.note()
        ended(x, req, Code.NOT_ACCEPTABLE)
        assert c.quiet(), "no notification after the 4.06"
        assert other.ask(Code.GET, "/obs")[1].opt.content_format == 41
    finally:
        r = other.ask(Code.PUT, "/obs", payload=b"", content_format=0)[1]
    assert r.code == Code.CHANGED and content(other.ask(Code.GET, "/obs")[1])


def test_TD_COAP_OBS_09(c, other):
    """Update of the observed resource: another client PUTs a new payload in the same
    Content-Format; the next notification is a CON 2.05 with that payload, the same
    Content-Format and token, Observe increasing."""
    req, r = c.observe()
    last = notifications(c, req, 1, r.opt.observe)[0].opt.observe
    new = b"new value %s" % os.urandom(4).hex().encode()
    q, r = other.ask(Code.PUT, "/obs", payload=new, content_format=0)  # (just after a state)
    piggybacked(q, r, Code.CHANGED)
    x = notification(c.note(), req)
    assert x.payload == new and newer(last, x.opt.observe), x


def test_TD_COAP_OBS_10(c):
    """GET does not cancel resource observation: a CON GET /obs without Observe, token
    t2 != t, gets ACK 2.05 with t2, /obs's Content-Format and no Observe; the CON
    notifications with t go on, Observe increasing."""
    req, r = c.observe()
    last = notifications(c, req, 1, r.opt.observe)[0].opt.observe
    q, r = c.ask(Code.GET, "/obs", token=req.token[::-1] + b"2")
    content(piggybacked(q, r, Code.CONTENT))
    assert r.opt.observe is None and q.token != req.token
    notifications(c, req, 2, last)
