"""Block-wise transfers (RFC 7959) at our server (lib/coap/server_block.py, run by
host_tests/serve_block_demo.py) under CPython and the x64 and i386 MicroPython unix ports, asked by
third-party clients: libcoap's coap-client-notls (Block2 and Block1 in 64-byte blocks, -b 64)
and aiocoap's client (its own Block2 reassembly, and Block1 for a body over one datagram)."""

import asyncio
import os
from pathlib import Path

import procs
import pytest
from coap_servers import LIBCOAP_CLIENT, LOOPBACK, our_server

HERE = Path(__file__).resolve().parent
# serve_block_demo.py's /large, built here independently
LARGE = "".join("line %04d of the large resource\n" % i for i in range(100)).encode()


@pytest.fixture(scope="module", params=["cpython", "micropython", "micropython-i386"])
def ours(request):
    """The port of a serve_block_demo.py process under CPython, the x64 or the i386 port,
    ended after."""
    yield from our_server(request.param, "serve_block_demo.py")


def libcoap(*args):
    r = procs.run([LIBCOAP_CLIENT, *args], timeout=20, text=False)
    assert r.returncode == 0, r
    return r.stdout


def test_libcoap_block2_and_block1(ours, tmp_path):
    url = "coap://%s:%d" % (LOOPBACK, ours)
    # Block2 in 64-byte blocks (early negotiation, §2.4): 50 exchanges; libcoap prints the
    # reassembled body and a newline
    assert libcoap("-m", "get", "-b", "64", url + "/large") == LARGE + b"\n"
    assert libcoap("-m", "get", url + "/large") == LARGE + b"\n"  # our 1024-byte blocks
    # Block1 (§2.5): a 2,500-byte body in 64-byte blocks, each 2.31 but the last; then read
    # back in blocks
    body = os.urandom(1250).hex().encode()
    f = tmp_path / "body"
    f.write_bytes(body)
    libcoap("-m", "put", "-b", "64", "-f", str(f), url + "/store")
    assert libcoap("-m", "get", "-b", "64", url + "/store") == body + b"\n"
    # over max_body (4096): 4.13 (RFC 7959 §2.9.3)
    f.write_bytes(b"x" * 5000)
    r = procs.run([LIBCOAP_CLIENT, "-m", "put", "-b", "64", "-f", str(f), url + "/store"],
                  timeout=20)  # fmt: skip
    assert "4.13" in r.stdout + r.stderr, r
    assert libcoap("-m", "get", url + "/store") == body + b"\n", "the old body kept"


def test_aiocoap_block2_and_block1(ours):
    import aiocoap
    from aiocoap.numbers.codes import Code

    async def main():
        ctx = await aiocoap.Context.create_client_context()
        try:
            u = "coap://%s:%d" % (LOOPBACK, ours)
            get = aiocoap.Message(code=Code.GET, uri=u + "/large")
            r1 = await asyncio.wait_for(ctx.request(get).response, 10)
            body = os.urandom(1500)
            put = aiocoap.Message(code=Code.PUT, uri=u + "/store", payload=body)
            r2 = await asyncio.wait_for(ctx.request(put).response, 10)
            back = aiocoap.Message(code=Code.GET, uri=u + "/store")
            r3 = await asyncio.wait_for(ctx.request(back).response, 10)
            return r1, body, r2, r3
        finally:
            await ctx.shutdown()

    r1, body, r2, r3 = asyncio.run(main())
    assert (r1.code, r1.payload) == (Code.CONTENT, LARGE)
    assert r1.opt.etag, "an ETag on the representation (RFC 7959 §2.4)"
    assert r2.code == Code.CHANGED, r2
    assert (r3.code, r3.payload) == (Code.CONTENT, body)
