"""The server fixtures of conftest.py: the libcoap and aiocoap servers the client tests use.

Dual cases (cases/case_servers.py) talk to them from both interpreters; the CPython tests
below check the fixture plumbing itself (readiness, loss flags, request log, notify()).
"""

import asyncio
import importlib
import socket

import aiocoap
import pytest
from coap_servers import LibcoapServer, coap_ping, large_payload, libcoap_client
from dual import collect

from coap.message import CON, NON


@pytest.fixture
def aiocoap_demo(aiocoap_server):
    """aiocoap_server with /hello (static), /slow (separate, 0.5 s), /big (3000-byte Block2)
    and /counter (observable; PUT sets it)."""
    aiocoap_server.static("hello", b"world", content_format=0)
    aiocoap_server.separate("slow", b"late", delay=0.5)
    aiocoap_server.large("big", 3000)
    aiocoap_server.observable("counter", b"0")
    return aiocoap_server


globals().update(collect("case_servers"))


def test_libcoap_server_answers(libcoap_server):
    assert isinstance(libcoap_server, int)
    assert coap_ping(libcoap_server)
    r = libcoap_client("-m", "get", "coap://127.0.0.1:%d/time" % libcoap_server)
    assert r.returncode == 0 and r.stdout.strip(), r


def test_libcoap_factory_flags(libcoap_server_factory):
    a = libcoap_server_factory("-N")
    b = libcoap_server_factory("-l", "1,2")
    assert a.port != b.port and a.alive() and b.alive()
    assert a.flags == ["-N"]
    # The readiness probe of a lossy server sends nothing, so its first two datagrams are the
    # ones dropped: two pings go unanswered, a later one gets its RST. (On a loaded host the
    # server may still be starting when the third arrives, so a fourth may be the first
    # answered; the lost ones cost their timeout, an answered one returns at once.)
    pings = [coap_ping(b.port, timeout=t) for t in (0.5, 0.5, 3.0, 3.0)]
    assert pings[:2] == [False, False] and pings[3], pings


def test_libcoap_server_stops():
    with LibcoapServer() as srv:
        proc = srv.proc
        assert srv.alive()
    assert proc.poll() is not None


def test_aiocoap_request_log(aiocoap_demo):
    case = importlib.import_module("case_servers")  # imported (assert-rewritten) by collect()
    case.test_aiocoap_block2(aiocoap_demo.port)  # the case, in-process
    log = [r for r in aiocoap_demo.requests if r["path"] == "/big"]
    assert [r["block2"] for r in log] == [(0, False, 6), (1, False, 6), (2, False, 6)]
    assert all(r["method"] == "GET" and r["mtype"] == "CON" for r in log)


def test_aiocoap_notify_from_the_test_thread(aiocoap_server):
    obs = aiocoap_server.observable("obs", b"a", con=True)
    seen = []

    async def observe():
        ctx = await aiocoap.Context.create_client_context()
        try:
            req = aiocoap.Message(code=aiocoap.GET, uri=aiocoap_server.url + "/obs", observe=0)
            pr = ctx.request(req)
            first = await pr.response
            seen.append(first.payload)
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, aiocoap_server.wait_for, lambda: obs.observers == 1)
            await loop.run_in_executor(None, obs.notify, b"b")
            async for note in pr.observation:
                seen.append(note.payload)
                break
            pr.observation.cancel()
        finally:
            await ctx.shutdown()

    asyncio.run(asyncio.wait_for(observe(), 10))
    assert seen == [b"a", b"b"]
    assert obs.value == b"b" and obs.notifications == 1


def test_aiocoap_large_and_handler(aiocoap_server):
    body = aiocoap_server.large("l", 2500)
    assert body == large_payload(2500) and len(body) == 2500
    aiocoap_server.handler("echo", lambda req: ("2.05", bytes(req.payload)[::-1]))

    async def fetch():
        ctx = await aiocoap.Context.create_client_context()
        try:
            url = aiocoap_server.url
            big = await ctx.request(aiocoap.Message(code=aiocoap.GET, uri=url + "/l")).response
            echo = aiocoap.Message(code=aiocoap.POST, uri=url + "/echo", payload=b"abc")
            return big, await ctx.request(echo).response
        finally:
            await ctx.shutdown()

    big, echo = asyncio.run(asyncio.wait_for(fetch(), 10))
    assert big.payload == body and big.opt.etag is not None
    assert (str(echo.code), echo.payload) == ("2.05 Content", b"cba")


def test_free_udp_port(udp_port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", udp_port))
    finally:
        s.close()


@pytest.mark.parametrize("con", [True, False], ids=["CON", "NON"])
def test_aiocoap_observable_ticks(aiocoap_server, con):
    # interval= notifies by itself (for cases running in a subprocess); con= sets the type of
    # the notifications. Seen with a raw socket: payloads "1", "2", rising Observe numbers.
    obs = aiocoap_server.observable("tick", b"0", interval=0.2, con=con)
    case = importlib.import_module("case_servers")
    peer = case.Peer(aiocoap_server.port)
    try:
        peer.send(case.CON, case.GET, peer.next_mid(), b"tk", [(6, 0)] + case.path("tick"))
        first = peer.recv()
        assert (first.code, bytes(first.payload())) == (case.CONTENT, b"0")
        notes = []
        for _ in range(2):
            notes.append(peer.recv())
            if con:
                peer.ack(notes[-1])
        assert [n.mtype for n in notes] == [CON if con else NON] * 2
        assert [bytes(n.payload()) for n in notes] == [b"1", b"2"]
        assert first.uint(6) < notes[0].uint(6) < notes[1].uint(6)
        assert obs.observers == 1
        if con:  # RFC 7641 §3.6: an RST to a CON notification ends the observation (aiocoap
            # ignores an RST to a NON one)
            peer.send(case.RST, 0, peer.recv().mid)
            aiocoap_server.wait_for(lambda: obs.observers == 0, timeout=5)
    finally:
        peer.close()
