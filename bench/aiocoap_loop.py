"""aiocoap's client (CPython) on the work of bench/client_loop.py, for comparison: GET / in a
loop against the same server. argv: server port, requests, timed runs."""

import asyncio
import sys
import time

import aiocoap


async def main(port, n, runs):
    ctx = await aiocoap.Context.create_client_context()
    uri = "coap://127.0.0.1:%d/" % port
    best = 1e9
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(n):
            r = await ctx.request(aiocoap.Message(code=aiocoap.GET, uri=uri)).response
            if not r.code.is_successful():
                raise AssertionError(r.code)
        best = min(best, (time.perf_counter() - t0) / n * 1e6)
    await ctx.shutdown()
    print('{"name": "client_roundtrip_us", "value": %.1f, "unit": "us"}' % best)


asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
