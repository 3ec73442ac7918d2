"""Our server (lib/coap/server.py, host_tests/serve_demo.py) as a real process under CPython and
the x64 and i386 MicroPython unix ports, asked by third-party clients: libcoap's coap-client-notls,
aiocoap's client and the node coap-cli (a GET, a 4.04, discovery, a separate response); and
a raw duplicate CON answered from the cache."""

import asyncio
import socket
from pathlib import Path

import procs
import pytest
from coap_servers import LIBCOAP_CLIENT, LOOPBACK, our_server

HERE = Path(__file__).resolve().parent
COAP_CLI = HERE.parent / "tools" / "npm" / "node_modules" / ".bin" / "coap"


@pytest.fixture(scope="module", params=["cpython", "micropython", "micropython-i386"])
def ours(request):
    """The port of a serve_demo.py process under CPython, the x64 or the i386 port, ended at
    the end."""
    yield from our_server(request.param, "serve_demo.py")


def libcoap(*args):
    r = procs.run([LIBCOAP_CLIENT, *args], timeout=20)
    return r.stdout + r.stderr


def test_libcoap_get_404_and_discovery(ours):
    url = "coap://%s:%d" % (LOOPBACK, ours)
    assert libcoap("-m", "get", url + "/hello").strip() == "hello world"
    assert libcoap("-N", "-m", "get", url + "/hello").strip() == "hello world"  # NON
    assert "4.04" in libcoap("-m", "get", url + "/nothing")
    assert libcoap("-m", "get", url + "/separate").strip() == "separate"  # §5.2.2
    doc = libcoap("-m", "get", url + "/.well-known/core?rt=Type1").strip()
    assert doc == '</link1>;rt="Type1 Type2";if="If1",</link3>;rt="Type1 Type3";if="foo"', doc


def test_aiocoap_client(ours):
    import aiocoap
    from aiocoap.numbers.codes import Code

    async def main():
        ctx = await aiocoap.Context.create_client_context()
        try:
            out = []
            paths = ("/hello", "/nothing", "/.well-known/core?href=/link*", "/.well-known/core",
                     "/separate")  # fmt: skip
            for path in paths:
                m = aiocoap.Message(code=Code.GET, uri="coap://%s:%d%s" % (LOOPBACK, ours, path))
                r = await asyncio.wait_for(ctx.request(m).response, 10)
                out.append((r.code, r.opt.content_format, r.payload))
            return out
        finally:
            await ctx.shutdown()

    hello, missing, links, core, separate = asyncio.run(main())
    assert hello == (Code.CONTENT, 0, b"hello world")
    assert missing[0] == Code.NOT_FOUND
    assert separate == (Code.CONTENT, 0, b"separate")
    assert links[:2] == (Code.CONTENT, 40)
    assert [x.split(b">")[0] for x in links[2].split(b",")] == [b"</link1", b"</link2", b"</link3"]
    assert core[2].startswith(b'</hello>;rt="greeting";ct=0,</count>;ct=0,</separate>'), core


def test_node_coap_cli(ours):
    url = "coap://%s:%d" % (LOOPBACK, ours)

    def coap_get(path):  # the code goes to stderr, the payload to stdout
        r = procs.run([str(COAP_CLI), "get", url + path], timeout=20)
        return r.stderr, r.stdout

    code, out = coap_get("/hello")
    assert "(2.05)" in code and out == "hello world\n", (code, out)
    code, out = coap_get("/nothing")
    assert "(4.04)" in code, (code, out)
    # (coap-cli drops a URI's query, test_cli_seed.py: discovery unfiltered here)
    code, out = coap_get("/.well-known/core")
    links = out.strip().split(",")
    assert len(links) == 6 and links[4] == '</link2>;rt="Type2 Type3";if="If2"', (code, out)
    code, out = coap_get("/separate")
    assert "(2.05)" in code and out == "separate\n", (code, out)


def test_duplicate_con_answered_from_cache(ours):
    # RFC 7252 §4.5: the same CON (MID and endpoint) twice: the same response, byte for
    # byte, and /count's handler ran once; a new MID runs it again.
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    try:

        def get(mid):
            req = bytes([0x42, 0x01, mid >> 8, mid & 0xFF, 0xA1, 0xB2, 0xB5]) + b"count"
            s.sendto(req, (LOOPBACK, ours))
            return s.recv(1500)

        a = get(0x1111)
        b = get(0x1111)
        c = get(0x1112)
    finally:
        s.close()
    assert a == b and a[:4] == bytes([0x62, 0x45, 0x11, 0x11]), (a, b)
    n = int(a[a.index(b"\xff") + 1 :])
    assert int(c[c.index(b"\xff") + 1 :]) == n + 1, (a, c)
