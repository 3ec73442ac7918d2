# The asyncio client (lib/coap/aio.py) under CPython's asyncio and MicroPython's: beside
# other tasks, concurrent callers behind NSTART = 1, cancellation, `async for` over an
# observation, and the interop of the blocking client's cases (libcoap, aiocoap, node-coap).
# Peer scripts for the scripted-peer cases: host_tests/peer_scripts.py, same names.
import asyncio

from caseutil import case, eq, large_payload

from coap.aio import GET, PUT, Client, CoapTimeout


def run(coro):
    return asyncio.run(coro)


async def _ticker(ticks):
    while True:
        ticks.append(1)
        await asyncio.sleep(0.01)


@case(timeout=60)
def test_aio_request_beside_another_task(libcoap):
    async def main():
        c = Client("127.0.0.1", libcoap, ack_timeout_ms=200)
        ticks = []
        t = asyncio.create_task(_ticker(ticks))
        m = await c.request(GET, "/async", query="1")  # answered after 1 s (separate)
        t.cancel()
        c.close()
        return bytes(m.payload()), len(ticks)

    body, ticks = run(main())
    eq(body, b"done", "the separate response")
    assert ticks > 50, ticks  # the other task ran all the while


def test_aio_concurrent_callers_queue(peer):
    async def main():
        c = Client("127.0.0.1", peer, ack_timeout_ms=1000)  # no retransmission meanwhile
        ms = await asyncio.gather(*[c.request(GET, "/q%d" % i) for i in range(3)])
        c.close()
        return [bytes(m.payload()) for m in ms]

    eq(run(main()), [b"a0", b"a1", b"a2"], "each caller its own answer")


def test_aio_cancelled_request_is_dropped(peer):
    async def main():
        c = Client("127.0.0.1", peer, ack_timeout_ms=1000)
        t = asyncio.create_task(c.request(GET, "/never"))
        await asyncio.sleep(0.3)
        t.cancel()
        try:
            await t
            raise AssertionError("not cancelled")
        except asyncio.CancelledError:
            pass
        await asyncio.sleep(0.3)  # the peer's late answer to it: rejected (RST)
        m = await c.request(GET, "/after")
        c.close()
        return bytes(m.payload()), c.rejected

    eq(run(main()), (b"fine", 1), "dropped, then the next request")


def test_aio_timeout(peer):
    async def main():
        c = Client("127.0.0.1", peer, ack_timeout_ms=50)
        try:
            await c.request(GET, "/never")
            return None
        except CoapTimeout as e:
            return str(e), c.retransmissions
        finally:
            c.close()

    eq(run(main()), ("timeout: no ACK", 4), "MAX_RETRANSMIT, then CoapTimeout")


def test_aio_observe_async_for_then_leave(peer):
    async def main():
        c = Client("127.0.0.1", peer, ack_timeout_ms=200)
        got = []
        async with c.observe("/obs") as o:
            async for m in o:
                got.append(bytes(m.payload()))
                if len(got) == 3:
                    break
        await asyncio.sleep(0.2)
        c.close()
        return got, o.active

    eq(run(main()), ([b"first", b"n2", b"n3"], False), "iterated, then deregistered")


def test_aio_cancelled_observer_deregisters(peer):
    async def main():
        c = Client("127.0.0.1", peer, ack_timeout_ms=200)
        got = []

        async def watch():
            async for m in c.observe("/obs"):
                got.append(bytes(m.payload()))

        t = asyncio.create_task(watch())
        await asyncio.sleep(0.5)
        t.cancel()
        await asyncio.sleep(0.5)  # the deregistration goes out meanwhile
        c.close()
        return got

    eq(run(main()), [b"first"], "the first response, then cancelled")


def test_aio_observation_ended_by_server(aio):
    async def main():
        c = Client("127.0.0.1", aio, ack_timeout_ms=200)
        codes = []
        async for m in c.observe("/obs"):
            codes.append(m.code)
            if len(codes) == 3:
                await c.request(2, "/end")  # POST: the server ends it with 4.04
        c.close()
        return codes

    codes = run(main())
    assert codes[:3] == [0x45] * 3 and codes[-1] == 0x84, codes


@case(timeout=60)
def test_aio_libcoap_blocks_and_observe(libcoap):
    async def main():
        c = Client("127.0.0.1", libcoap, ack_timeout_ms=200)
        body = large_payload(3000)
        up = await c.request(PUT, "/example_data", body)  # Block1
        down = await c.request(GET, "/example_data")  # Block2, late negotiated
        n = 0
        async for _ in c.observe("/time"):
            n += 1
            if n == 2:
                break
        c.close()
        return up.code >> 5, bytes(down.payload()) == body, n

    eq(run(main()), (2, True, 2), "Block1, Block2, Observe")


def test_aio_node_coap(node_coap):
    async def main():
        c = Client("127.0.0.1", node_coap, ack_timeout_ms=300)
        a = bytes((await c.request(GET, "/hello")).payload())
        b = bytes((await c.request(GET, "/slow")).payload())
        big = bytes((await c.request(GET, "/big")).payload())
        s = bytes((await c.request(PUT, "/sink", b"x" * 500)).payload())
        got = []
        async with c.observe("/obs") as o:
            async for m in o:
                got.append((bytes(m.payload()), m.uint(6)))
                if len(got) == 3:
                    break
        c.close()
        return a, b, big == large_payload(3000), s, [g[0] for g in got]

    want = (b"hello from node", b"late", True, b"500", [b"n=0", b"n=1", b"n=2"])
    eq(run(main()), want, "node-coap")
