"""The ETSI CoAP plugtest test descriptions that apply to a server (TD_COAP_CORE, TD_COAP_LINK;
the texts: ETSI's CoAP plugtest TDs as fsismondi/ttproto's tat_coap/testcases hold them),
each a test named by its TD, against `-m coap serve --plugtest` as a real process under
CPython, the x64 port and the i386 port (one process per interpreter, module scope).

The test client (plugtest_client.py) is a raw UDP socket with aiocoap's message codec (a
third-party codec, not ours), so that types, MIDs and tokens are checked as the TDs' "check"
steps say; libcoap's coap-client-notls runs CORE_01 and LINK_01 as a real client. Also:
`coap serve` prints its address and exits 0 on SIGINT, and a real multicast GET
/.well-known/core to 224.0.1.187 on loopback (RFC 7252 §8). TD_COAP_BLOCK and TD_COAP_OBS:
test_plugtest_block_obs.py. TDs that do not apply (the reverse-proxy ones) are listed in the
README. Timing is small: --ack-timeout 100, --separate 150, --leisure 100 (ms)."""

import os
import signal
import socket
import time

import procs
import pytest
from aiocoap.message import Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import Type
from coap_servers import LOOPBACK, udp_port_bound
from plugtest_client import (
    INTERPRETERS,
    Client,
    client_fixture,
    content,
    libcoap,
    non,
    one_discovery_answer,
    piggybacked,
    plug_fixture,
    start,
)

GROUP = "224.0.1.187"
ACK_TIMEOUT_S = 0.1
SEPARATE_S = 0.15
LEISURE_S = 0.1


plug = plug_fixture("--ack-timeout", "100", "--separate", "150", "--leisure", "100")
c = client_fixture


# -- TD_COAP_CORE -------------------------------------------------------------------------


def test_TD_COAP_CORE_01(plug, c):
    """GET, CON: 2.05 piggybacked, CMID, CTOK, Content-Format, a payload; libcoap too."""
    req, r = c.ask(Code.GET, "/test")
    content(piggybacked(req, r, Code.CONTENT))
    assert b"Type: 0 (CON)\nCode: 1 (GET)\nMID: %d" % req.mid in r.payload, r.payload
    out = libcoap("-m", "get", "coap://%s:%d/test" % (LOOPBACK, plug[0]))
    assert out.startswith("Type: 0 (CON)\nCode: 1 (GET)\nMID: "), out


def test_TD_COAP_CORE_02(c):
    """DELETE, CON: 2.02."""
    req, r = c.ask(Code.DELETE, "/test")
    piggybacked(req, r, Code.DELETED)


def test_TD_COAP_CORE_03(c):
    """PUT, CON, with a Content-Format and a payload: 2.04 (or 2.01)."""
    req, r = c.ask(Code.PUT, "/test", payload=b"put", content_format=0)
    piggybacked(req, r, Code.CHANGED)


def test_TD_COAP_CORE_04(c):
    """POST, CON: 2.01 (or 2.04), zero or more Location-Path."""
    req, r = c.ask(Code.POST, "/test", payload=b"post", content_format=0)
    piggybacked(req, r, Code.CREATED)


def test_TD_COAP_CORE_05(c):
    """GET, NON: a NON 2.05 with the server's MID, CTOK, Content-Format."""
    req, r = c.ask(Code.GET, "/test", mtype=Type.NON)
    content(non(req, r, Code.CONTENT))
    assert b"Type: 1 (NON)" in r.payload, r.payload


def test_TD_COAP_CORE_06(c):
    """DELETE, NON: a NON 2.02."""
    req, r = c.ask(Code.DELETE, "/test", mtype=Type.NON)
    non(req, r, Code.DELETED)


def test_TD_COAP_CORE_07(c):
    """PUT, NON: a NON 2.04."""
    req, r = c.ask(Code.PUT, "/test", mtype=Type.NON, payload=b"x", content_format=0)
    non(req, r, Code.CHANGED)


def test_TD_COAP_CORE_08(c):
    """POST, NON: a NON 2.01."""
    req, r = c.ask(Code.POST, "/test", mtype=Type.NON, payload=b"x", content_format=0)
    non(req, r, Code.CREATED)


def separate(c, mtype, token):
    # RFC 7252 §5.2.2: a CON request gets an empty ACK (CMID) first, then the response as a
    # CON of its own (its own MID, CTOK); a NON request no ACK, then a NON response.
    t0 = time.monotonic()
    req = c.request(Code.GET, "/separate", mtype=mtype, token=token)
    c.send(req)
    if mtype == Type.CON:
        e = c.recv()
        assert (e.mtype, e.code, e.mid, e.token, e.payload) == (
            Type.ACK, Code.EMPTY, req.mid, b"", b""), e  # fmt: skip
    r = c.recv()
    assert time.monotonic() - t0 >= SEPARATE_S * 0.9, "after its delay"
    assert (r.mtype, r.code, r.token) == (mtype, Code.CONTENT, req.token), r
    assert r.mid != req.mid or mtype == Type.NON
    return req, content(r)


def test_TD_COAP_CORE_09(c):
    """GET /separate, CON: the empty ACK, then a CON 2.05; our ACK (SMID) ends it."""
    _, r = separate(c, Type.CON, os.urandom(4))
    c.ack(r)
    assert c.silent(ACK_TIMEOUT_S * 2), "no retransmission once ACKed"


def test_TD_COAP_CORE_10(c):
    """GET, CON, tokens of 1 to 8 bytes: each echoed."""
    for n in (1, 5, 8):
        req, r = c.ask(Code.GET, "/test", token=os.urandom(n))
        content(piggybacked(req, r, Code.CONTENT))


def test_TD_COAP_CORE_11(c):
    """GET /separate, CON, an 8-byte token: the separate response carries it."""
    _, r = separate(c, Type.CON, os.urandom(8))
    c.ack(r)


def test_TD_COAP_CORE_12(c):
    """GET, CON, a zero-length token: the response's token is empty too."""
    req, r = c.ask(Code.GET, "/test", token=b"")
    content(piggybacked(req, r, Code.CONTENT))
    assert r.token == b""


def test_TD_COAP_CORE_13(c):
    """GET with three Uri-Path options: seg1, seg2, seg3."""
    req, r = c.ask(Code.GET, "/seg1/seg2/seg3")
    content(piggybacked(req, r, Code.CONTENT))
    assert c.ask(Code.GET, "/seg1/seg2")[1].code == Code.NOT_FOUND  # the leaf only


def test_TD_COAP_CORE_14(c):
    """GET /query with Uri-Query first=1, second=2, third=3: each parameter an option."""
    req, r = c.ask(Code.GET, "/query", query=("first=1", "second=2", "third=3"))
    assert content(piggybacked(req, r, Code.CONTENT)).payload == b"first=1&second=2&third=3"


def test_TD_COAP_CORE_15(c):
    """GET, CON, lossy: the response lost, the client's retransmission (same MID) gets it
    again, byte for byte, from the dedup cache (RFC 7252 §4.5)."""
    req = c.request(Code.GET, "/test")
    c.send(req)
    c.s.settimeout(2)
    first = c.s.recv(2048)  # "lost"
    c.send(req)
    again = c.s.recv(2048)
    assert again == first
    content(piggybacked(req, Message.decode(again), Code.CONTENT))


def test_TD_COAP_CORE_16(c):
    """GET /separate, CON, lossy: the empty ACK lost (the request's retransmission gets it
    again), then the CON response lost (the server retransmits it, same MID and token,
    after ACK_TIMEOUT) until ACKed."""
    req = c.request(Code.GET, "/separate")
    c.send(req)
    e = c.recv()
    c.send(req)  # as if the empty ACK was lost
    e2 = c.recv()
    assert (e2.mtype, e2.code, e2.mid) == (Type.ACK, Code.EMPTY, req.mid) and e2.mid == e.mid
    r = c.recv()
    assert (r.mtype, r.code, r.token) == (Type.CON, Code.CONTENT, req.token), r
    t = time.monotonic()
    r2 = c.recv()  # ours was "lost": not ACKed
    waited = time.monotonic() - t
    assert (r2.mtype, r2.mid, r2.token, r2.payload) == (r.mtype, r.mid, r.token, r.payload)
    assert ACK_TIMEOUT_S * 0.8 <= waited <= ACK_TIMEOUT_S * 1.5 + 0.5, waited  # §4.2
    c.ack(r2)
    assert c.silent(ACK_TIMEOUT_S * 3.5), "no retransmission once ACKed"


def test_TD_COAP_CORE_17(c):
    """GET /separate, NON: no ACK, then a NON 2.05 with the token."""
    separate(c, Type.NON, os.urandom(4))


def test_TD_COAP_CORE_18(c):
    """POST /test: 2.01 with Location-Path location1, location2, location3."""
    req, r = c.ask(Code.POST, "/test", payload=b"new", content_format=0)
    piggybacked(req, r, Code.CREATED)
    assert r.opt.location_path == ("location1", "location2", "location3")


def test_TD_COAP_CORE_19(c):
    """POST /location-query: 2.01 with Location-Query first=1, second=2."""
    req, r = c.ask(Code.POST, "/location-query", payload=b"x", content_format=0)
    piggybacked(req, r, Code.CREATED)
    assert r.opt.location_query == ("first=1", "second=2")


def test_TD_COAP_CORE_20(c):
    """GET /multi-format with Accept 0, then 41: the representation in each format."""
    req, r = c.ask(Code.GET, "/multi-format", accept=0)
    assert content(piggybacked(req, r, Code.CONTENT), 0).payload == b"multi-format"
    req2, r2 = c.ask(Code.GET, "/multi-format", accept=41)
    assert req2.mid != req.mid
    assert content(piggybacked(req2, r2, Code.CONTENT), 41).payload.startswith(b"<")
    assert c.ask(Code.GET, "/multi-format", accept=50)[1].code == Code.NOT_ACCEPTABLE


def test_TD_COAP_CORE_21(plug, c):
    """GET /validate: ETAG1; with ETag ETAG1: 2.03 Valid, ETAG1, no payload; after another
    client's update, with ETAG1: 2.05 with another ETag and the new payload."""
    req, r = c.ask(Code.GET, "/validate")
    content(piggybacked(req, r, Code.CONTENT))
    tag1, pay1 = r.opt.etag, r.payload
    assert tag1
    req, r = c.ask(Code.GET, "/validate", etags=(tag1,))
    piggybacked(req, r, Code.VALID)
    assert (r.opt.etag, r.payload) == (tag1, b"")
    other = Client(plug[0])
    try:
        new = b"updated %s" % os.urandom(3).hex().encode()
        assert other.ask(Code.PUT, "/validate", payload=new, content_format=0)[1].code == (
            Code.CHANGED)  # fmt: skip
    finally:
        other.close()
    req, r = c.ask(Code.GET, "/validate", etags=(tag1,))
    content(piggybacked(req, r, Code.CONTENT))
    assert r.opt.etag != tag1 and r.payload == new != pay1


def test_TD_COAP_CORE_22(plug, c):
    """PUT /validate with If-Match ETAG1: 2.04; GET: ETAG2 and that payload; another
    client's PUT; PUT with If-Match ETAG2: 4.12 Precondition Failed."""
    tag1 = c.ask(Code.GET, "/validate")[1].opt.etag
    mine = b"mine %s" % os.urandom(3).hex().encode()
    req, r = c.ask(Code.PUT, "/validate", payload=mine, content_format=0, if_match=(tag1,))
    piggybacked(req, r, Code.CHANGED)
    req, r = c.ask(Code.GET, "/validate")
    content(piggybacked(req, r, Code.CONTENT))
    tag2 = r.opt.etag
    assert tag2 != tag1 and r.payload == mine
    other = Client(plug[0])
    try:
        r = other.ask(Code.PUT, "/validate", payload=b"theirs", content_format=0)[1]
        assert r.code == Code.CHANGED
    finally:
        other.close()
    req, r = c.ask(Code.PUT, "/validate", payload=b"again", content_format=0, if_match=(tag2,))
    piggybacked(req, r, Code.PRECONDITION_FAILED)
    assert c.ask(Code.GET, "/validate")[1].payload == b"theirs", "unchanged by the 4.12"


def test_TD_COAP_CORE_23(c):
    """PUT /create1 with If-None-Match: 2.01 Created once, then 4.12."""
    assert c.ask(Code.DELETE, "/create1")[1].code == Code.DELETED  # (a fresh start)
    req, r = c.ask(Code.PUT, "/create1", payload=b"one", content_format=0, if_none_match=True)
    piggybacked(req, r, Code.CREATED)
    req, r = c.ask(Code.PUT, "/create1", payload=b"two", content_format=0, if_none_match=True)
    piggybacked(req, r, Code.PRECONDITION_FAILED)
    assert c.ask(Code.GET, "/create1")[1].payload == b"one"


def test_TD_COAP_CORE_31(c):
    """Ping: a four-byte empty CON gets a four-byte RST with its MID."""
    mid = c.mid = (c.mid + 1) & 0xFFFF
    c.send(bytes((0x40, 0, mid >> 8, mid & 0xFF)))
    c.s.settimeout(2)
    d = c.s.recv(2048)
    r = Message.decode(d)
    assert len(d) == 4 and (r.mtype, r.code, r.mid, r.token) == (Type.RST, Code.EMPTY, mid, b"")


# -- TD_COAP_LINK -------------------------------------------------------------------------


def links(c, query=(), path="/.well-known/core"):
    """The hrefs of the link-format document (RFC 6690 §2), in order, and their
    attributes."""
    req, r = c.ask(Code.GET, path, query=query)
    content(piggybacked(req, r, Code.CONTENT), 40)
    out = {}
    for link in _split(r.payload.decode()):
        href, _, attrs = link.partition(">")
        out[href.lstrip("<")] = attrs
    return out


def _split(doc):
    # the links, split at the commas outside quoted strings
    parts, cur, quoted = [], "", False
    for ch in doc:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur] if cur else parts


def test_TD_COAP_LINK_01(plug, c):
    """GET /.well-known/core: 2.05, Content-Format 40, the resources (not itself); libcoap."""
    doc = links(c)
    assert "/.well-known/core" not in doc
    for href in ("/test", "/separate", "/seg1/seg2/seg3", "/query", "/location-query",
                 "/multi-format", "/validate", "/create1", "/large", "/large-update",
                 "/large-create", "/obs", "/obs-non", "/link1", "/link2", "/link3", "/path",
                 "/path/sub1", "/path/sub2", "/path/sub3"):  # fmt: skip
        assert href in doc, href
    assert doc["/link1"] == ';rt="Type1 Type2";if="If1";ct=0'
    assert ";obs" in doc["/obs"] and ";sz=" in doc["/large"]
    out = libcoap("-m", "get", "coap://%s:%d/.well-known/core" % (LOOPBACK, plug[0]))
    assert '</link1>;rt="Type1 Type2";if="If1";ct=0' in out, out


def test_TD_COAP_LINK_02(c):
    """?rt=Type1: the links of that resource type only."""
    assert list(links(c, ["rt=Type1"])) == ["/link1", "/link3"]


def test_TD_COAP_LINK_03(c):
    """?rt=*: the empty prefix, every link that has an rt."""
    got = links(c, ["rt=*"])
    everything = links(c)
    assert list(got) == [h for h, a in everything.items() if ";rt=" in a]
    assert set(got) == {"/obs", "/obs-non", "/link1", "/link2", "/link3"}


def test_TD_COAP_LINK_04(c):
    """?rt=Type2: links with several resource types match on any of them."""
    assert list(links(c, ["rt=Type2"])) == ["/link1", "/link2"]


def test_TD_COAP_LINK_05(c):
    """?if=If*: a prefix of the interface description."""
    assert list(links(c, ["if=If*"])) == ["/link1", "/link2"]


def test_TD_COAP_LINK_06(c):
    """?sz=*: the links that carry a size (/large)."""
    got = links(c, ["sz=*"])
    assert list(got) == ["/large"] and int(got["/large"].split("sz=")[1].split(";")[0]) >= 1280


def test_TD_COAP_LINK_07(c):
    """?href=/link1: the complete value."""
    assert list(links(c, ["href=/link1"])) == ["/link1"]


def test_TD_COAP_LINK_08(c):
    """?href=/link*: a prefix of the href."""
    assert list(links(c, ["href=/link*"])) == ["/link1", "/link2", "/link3"]


def test_TD_COAP_LINK_09(c):
    """Hierarchy: ?ct=40 finds /path; GET /path gives its children in link format, each of
    which answers."""
    assert list(links(c, ["ct=40"])) == ["/path"]
    subs = links(c, path="/path")
    assert list(subs) == ["/path/sub1", "/path/sub2", "/path/sub3"]
    for href in subs:
        req, r = c.ask(Code.GET, href)
        content(piggybacked(req, r, Code.CONTENT))


# -- the command line and the multicast group -----------------------------------------------


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_serve_prints_address_and_exits_on_sigint(interp):
    """`coap serve` without --plugtest: serves /.well-known/core only (an empty document),
    prints its address, exits 0 on SIGINT with its socket closed."""
    p, port, line = start(interp, "--no-multicast")
    try:
        assert line == "serving coap://%s:%d" % (LOOPBACK, port)
        c = Client(port)
        try:
            req, r = c.ask(Code.GET, "/.well-known/core")
            assert (r.code, r.opt.content_format, r.payload) == (Code.CONTENT, 40, b"")
            assert c.ask(Code.GET, "/test")[1].code == Code.NOT_FOUND
        finally:
            c.close()
        os.kill(p.pid, signal.SIGINT)
        assert p.wait(10) == 0, p.stderr.read()
        assert not udp_port_bound(port), "its socket closed"
    finally:
        procs.stop(p)


def test_multicast_discovery(plug):
    """RFC 7252 §8: a NON GET /.well-known/core to 224.0.1.187 (on loopback) is answered
    after a leisure of at most 100 ms from the server's unicast address; a filter matching
    nothing, and a 4.04, get silence (§8.1, RFC 6690 §4.1)."""
    port, line = plug
    if "multicast not joined" in line:
        pytest.skip("the server could not join %s here: %s" % (GROUP, line))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(LOOPBACK))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        s.bind((LOOPBACK, 0))
        c = Client(port)
        c.s.close()
        c.s, c.to = s, (GROUP, port)

        def ask(path, query=()):
            m = c.request(Code.GET, path, mtype=Type.NON, query=query)
            try:
                c.send(m)
            except OSError as e:
                pytest.skip("this sandbox refuses multicast to %s: errno %d" % (GROUP, e.errno))
            return m

        ask("/nothing")  # §8.1: no 4.04
        ask("/.well-known/core", ["rt=nothing*"])  # RFC 6690 §4.1: no empty document
        t0 = time.monotonic()
        m = ask("/.well-known/core", ["rt=Type1"])
        one_discovery_answer(s, t0, m, (LOOPBACK, port), LEISURE_S)
    finally:
        s.close()
