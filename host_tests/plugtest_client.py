"""What the ETSI plugtest tests share (test_plugtest.py, test_plugtest_block_obs.py): a
`-m coap serve --plugtest` process under CPython, the x64 port or the i386 port, and the
test client, a raw UDP socket with aiocoap's message codec (a third-party codec, not ours),
so that types, MIDs and tokens are checked as the TDs' "check" steps say.

    plug_fixture(*args)   a module-scope fixture, one server per interpreter with those
                          serve options: (port, its first line)
    client_fixture        fixture c: a Client of that server, closed after the test"""

import os
import socket
import subprocess
import sys
import time

import procs
import pytest
import targets
from aiocoap.message import Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import Type
from coap_servers import LIBCOAP_CLIENT, LOOPBACK, coap_ping, free_udp_port
from dual import LIB, micropython_path

INTERPRETERS = ("cpython", "micropython", "micropython-i386")


def _argv(interp):
    if interp == "cpython":
        return [sys.executable]
    mp = micropython_path(interp)
    if mp is None:
        targets.missing(interp)
    return [mp]


def start(interp, *args, port=None):
    """`INTERP -m coap serve --bind 127.0.0.1 --port P ARGS`, its first line read: (process,
    port, that line). P: port, or a free one."""
    port = port or free_udp_port()
    env = dict(os.environ, MICROPYPATH=LIB + os.pathsep + ".frozen", PYTHONPATH=LIB)
    argv = _argv(interp) + ["-m", "coap", "serve", "--bind", LOOPBACK, "--port", str(port),
                            *args]  # fmt: skip
    p = procs.popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline().strip()
        assert line.startswith("serving coap://%s:%d" % (LOOPBACK, port)), (
            line, p.stderr.read() if p.poll() is not None else "")  # fmt: skip
        for _ in range(100):
            if coap_ping(port, timeout=0.1):
                break
        else:
            raise AssertionError("no answer to a ping")
    except BaseException:
        procs.stop(p)
        raise
    return p, port, line


class Client:
    """A raw UDP socket; requests built and responses decoded with aiocoap's codec."""

    def __init__(self, port):
        self.to = (LOOPBACK, port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind((LOOPBACK, 0))
        self.mid = int.from_bytes(os.urandom(2), "big")

    def close(self):
        self.s.close()

    def request(self, code, path, mtype=Type.CON, token=None, query=(), payload=b"", **opts):
        m = Message(code=code, payload=payload, **opts)
        m.opt.uri_path = tuple(x for x in path.split("/") if x)
        if query:
            m.opt.uri_query = tuple(query)
        self.mid = (self.mid + 1) & 0xFFFF
        m.mtype, m.mid = mtype, self.mid
        m.token = os.urandom(4) if token is None else token
        return m

    def send(self, m):
        self.s.sendto(m.encode() if isinstance(m, Message) else m, self.to)

    def recv(self, timeout=2.0):
        self.s.settimeout(timeout)
        data, addr = self.s.recvfrom(2048)
        assert addr == self.to, addr
        return Message.decode(data)

    def silent(self, seconds):
        """True if nothing comes for that long."""
        try:
            self.recv(seconds)
        except TimeoutError:
            return True
        return False

    def ask(self, code, path, **kw):
        """Send a request, return (request, response)."""
        m = self.request(code, path, **kw)
        self.send(m)
        return m, self.recv()

    def ack(self, m):
        a = Message(code=Code.EMPTY)
        a.mtype, a.mid = Type.ACK, m.mid
        self.send(a)


def piggybacked(req, r, code):
    # the TDs' check: the response's code, Message ID = CMID, Token = CTOK (RFC 7252 §5.2.1)
    assert (r.mtype, r.code, r.mid, r.token) == (Type.ACK, code, req.mid, req.token), r
    return r


def non(req, r, code):
    # a NON response: the server's own MID, the request's token (RFC 7252 §5.2.3)
    assert (r.mtype, r.code, r.token) == (Type.NON, code, req.token), r
    return r


def content(r, cf=0):
    assert r.opt.content_format == cf and r.payload, (r.opt.content_format, r.payload)
    return r


def libcoap(*args):
    r = procs.run([LIBCOAP_CLIENT, *args], timeout=20)
    return r.stdout + r.stderr


def plug_fixture(*args):
    """A module-scope fixture: the port of a `serve --plugtest ARGS` server under each
    interpreter, and what it printed."""

    @pytest.fixture(scope="module", params=INTERPRETERS)
    def plug(request):
        p, port, line = start(request.param, "--plugtest", *args)
        try:
            yield port, line
        finally:
            procs.stop(p)

    return plug


@pytest.fixture(name="c")
def client_fixture(plug):
    """(c = client_fixture in a test module) a Client of plug's server."""
    c = Client(plug[0])
    yield c
    c.close()


def one_discovery_answer(s, t0, m, frm, leisure_s):
    """The one NON 2.05 a multicast GET /.well-known/core?rt=Type1 (m, sent at t0) gets on
    socket s: from frm (the unicast address, not the group's), within the leisure, and
    nothing after it (the other two servers' links, no second copy: RFC 7252 §8.2)."""
    s.settimeout(leisure_s + 2)
    d, addr = s.recvfrom(2048)
    waited = time.monotonic() - t0
    r = Message.decode(d)
    assert addr[:2] == frm, addr
    assert (r.mtype, r.code, r.token) == (Type.NON, Code.CONTENT, m.token), r
    assert r.payload == b'</link1>;rt="Type1 Type2";if="If1";ct=0,' \
        b'</link3>;rt="Type1 Type3";if="foo";ct=0', r.payload  # fmt: skip
    assert waited <= leisure_s + 0.5, waited
    s.settimeout(leisure_s * 3)
    with pytest.raises(TimeoutError):
        s.recvfrom(2048)
