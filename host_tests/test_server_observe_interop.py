"""Server-side Observe (RFC 7641, lib/coap/server_observe.py, run by host_tests/serve_observe.py)
under CPython and the x64 port on the asyncio front end and the i386 port on the blocking one,
observed by third-party clients: libcoap's coap-client-notls (-s: NON notifications, then its
deregistration) and aiocoap's client observation (CON notifications it ACKs, then its
cancellation); each leaves no observer behind."""

import asyncio
import re

import procs
import pytest
from coap_servers import LIBCOAP_CLIENT, LOOPBACK, our_server


@pytest.fixture(scope="module", params=[("cpython", "aio"), ("micropython", "aio"),
                ("micropython-i386", "blocking")],
                ids=["cpython-aio", "x64-aio", "i386-blocking"])  # fmt: skip
def ours(request):
    """The port of a serve_observe.py process, ended after."""
    yield from our_server(request.param[0], "serve_observe.py", request.param[1])


def libcoap(*args):
    r = procs.run([LIBCOAP_CLIENT, *args], timeout=20)
    assert r.returncode == 0, r
    return r.stdout


def observers(port):
    return int(libcoap("-m", "get", "coap://%s:%d/observers" % (LOOPBACK, port)))


def test_libcoap_observes(ours):
    # -s 1: observe for 1 s, printing each notification's payload (ours: n=COUNT, changed
    # every 0.25 s), then deregister (GET with Observe 1, RFC 7641 §3.6)
    out = libcoap("-s", "1", "-m", "get", "coap://%s:%d/obs" % (LOOPBACK, ours))
    got = [int(x) for x in re.findall(r"n=(\d+)", out)]
    assert len(got) >= 4, out  # the response and at least 3 notifications
    assert got == list(range(got[0], got[0] + len(got))), out  # each state, in order
    assert observers(ours) == 0


def test_aiocoap_observation(ours):
    import aiocoap
    from aiocoap.numbers.codes import Code

    url = "coap://%s:%d" % (LOOPBACK, ours)

    async def main():
        ctx = await aiocoap.Context.create_client_context()
        try:
            req = ctx.request(aiocoap.Message(code=Code.GET, uri=url + "/obs-con", observe=0))
            r = await asyncio.wait_for(req.response, 5)
            got = [(r.code, r.opt.observe, r.payload)]

            async def take():
                async for m in req.observation:
                    got.append((m.code, m.opt.observe, m.payload))
                    if len(got) == 4:
                        return

            await asyncio.wait_for(take(), 5)
            req.observation.cancel()
            await asyncio.sleep(0.6)  # (a notification's RST, or its deregistration)
            m = aiocoap.Message(code=Code.GET, uri=url + "/observers")
            n = await asyncio.wait_for(ctx.request(m).response, 5)
            return got, n.payload
        finally:
            await ctx.shutdown()

    got, left = asyncio.run(main())
    assert [x[0] for x in got] == [Code.CONTENT] * 4, got
    seqs = [x[1] for x in got]
    assert None not in seqs and seqs == sorted(seqs), got  # §4.4 (no wrap in 4 values)
    counts = [int(x[2][2:]) for x in got]
    assert counts == list(range(counts[0], counts[0] + 4)), got
    assert left == b"0", left
