# The server's front ends on real sockets over loopback, in one process: the blocking
# Server(port=P) asked by our blocking client, and the asyncio one (aserve) asked by our
# asyncio client beside it. CPython, x64 and i386 ports (each a port of its own: per_run).
import asyncio

from caseutil import case, eq

from coap.server import CONTENT, NOT_FOUND, Server


@case(timeout=30)
def test_aio_server_and_client_in_one_loop(udp_port):
    from coap.aio import GET, Client

    s = Server(port=udp_port, bind="127.0.0.1", aio=True)
    s.add("/hello", get=lambda m: (CONTENT, b"hi " + bytes(m.payload())), ct=0)

    async def main():
        t = asyncio.create_task(s.aserve())
        c = Client("127.0.0.1", udp_port, ack_timeout_ms=500)
        try:
            m = await c.request(GET, "/hello", b"there")
            a = (m.code, bytes(m.payload()), m.uint(12))
            m = await c.request(GET, "/nothing", con=False)
            return a, m.code, m.mtype
        finally:
            c.close()
            t.cancel()

    try:
        a, code, mtype = asyncio.run(main())
    finally:
        s.e.close()
    eq(a, (CONTENT, b"hi there", 0), "served under asyncio")
    eq((code, mtype), (NOT_FOUND, 1), "a NON 4.04 to a NON")
    eq(s.requests, 2, "requests")
