# The server's front ends on real sockets over loopback, in one process: the asyncio one
# (aserve) asked by our asyncio client beside it, and a blocking client's socket serving
# while the client's own request waits. CPython, x64 and i386 ports, one after the other.
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


@case(timeout=30)
def test_client_and_server_share_one_socket(udp_port):
    # Server(client): the blocking client's socket and engine serve too. A raw UDP socket
    # (udp_port) is both the client's server and a client of ours: its request to our
    # socket and the client's request to it cross, each answered on the one socket.
    import socket
    from time import ticks_ms

    from coap.client import GET, Client
    from coap.engine import Request
    from coap.message import Message

    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(socket.getaddrinfo("127.0.0.1", udp_port)[0][-1])
    c = Client("127.0.0.1", udp_port)
    port = udp_port + 1 if udp_port < 65535 else udp_port - 1
    here = socket.getaddrinfo("127.0.0.1", port)[0][-1]
    c._sock.bind(here)  # (a known port for the test: the client's is otherwise ephemeral)
    s = Server(c)
    s.add("/hello", get=lambda m: (CONTENT, b"from the client's socket"))
    m = Message()
    try:
        r = c.start(Request(GET, "/time"), ticks_ms())
        c._flush()
        req = m.decode(peer.recv(1500))
        mid, tok = req.mid, req.token()
        eq(req.opts(11), [b"time"], "the client's request reached its server")
        peer.sendto(bytes([0x41, 0x01, 0x12, 0x34, 0x7A, 0xB5]) + b"hello", here)
        s.serve(200)  # (the client's poll()): our server answers peer meanwhile
        a = m.decode(peer.recv(1500))
        eq((a.mtype, a.code, a.mid, a.token(), bytes(a.payload())),
           (2, CONTENT, 0x1234, b"z", b"from the client's socket"), "served")  # fmt: skip
        assert not r.done, "the client's request still waits"
        ack = bytes([0x60 | len(tok), 0x45, mid >> 8, mid & 0xFF]) + tok + b"\xff12:00"
        peer.sendto(ack, here)  # its piggybacked response
        s.serve(200)
        assert r.done and r.err is None, r.err
        eq(bytes(m.decode(r.data, r.n).payload()), b"12:00", "the client's response")
        eq(s.requests, 1, "one request served")
    finally:
        peer.close()
        c.close()
