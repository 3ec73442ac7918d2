"""A CoAP server stand-in for client tests: a raw UDP socket on loopback whose behaviour is a
script, a Python function run in a thread in the pytest process.

The client under test runs in a dual case (CPython and MicroPython); the peer sees exactly
the datagrams it sends and answers with whatever bytes the script chooses: duplicates, pings,
malformed datagrams, answers from a second address, lost messages. It decodes and encodes with
aiocoap, a CoAP implementation independent of ours. A script asserts what it expects; its
failures are collected and fail the test at teardown (the `peer` fixture in conftest.py).

    def test_something(peer):                 # host_tests/peer_scripts.py, same name as the case
        req = peer.recv()                     # the client's first datagram
        peer.send(peer.answer(req, CONTENT, b"hi"))
"""

import socket
import threading
import time
import traceback

from aiocoap import ACK, CON, NON, RST, Message
from aiocoap.numbers.codes import Code

CONTENT = Code.CONTENT
EMPTY = Code.EMPTY
__all__ = ["ACK", "CON", "NON", "RST", "CONTENT", "EMPTY", "Message", "Peer", "Received"]


class Received:
    """One datagram the client sent: its bytes, arrival time, and aiocoap's decoding."""

    def __init__(self, raw, addr, t):
        self.raw = raw
        self.addr = addr
        self.t = t
        self.msg = Message.decode(raw, addr)

    def __repr__(self):
        return "<Received %r at %.3f>" % (self.msg, self.t)


class Peer:
    def __init__(self, script, name="peer"):
        self.script = script
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a second address
        self.other.bind(("127.0.0.1", 0))
        self.errors = []
        self.received = []
        self.client = None  # the client's address, from its first datagram
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def __dual__(self):
        return self.port

    def _run(self):
        try:
            self.script(self)
        except Exception:
            if not self._stop.is_set():
                self.errors.append(traceback.format_exc())

    def stop(self, timeout=5.0):
        self._thread.join(timeout)
        self._stop.set()
        alive = self._thread.is_alive()
        self.sock.close()
        self.other.close()
        self._thread.join(1.0)
        if alive and not self.errors:
            self.errors.append("%s: script still running when the case ended" % self.name)

    # -- script API ---------------------------------------------------------------------------

    def recv(self, timeout=10.0):
        """The next datagram from the client (Received); AssertionError after timeout s."""
        self.sock.settimeout(timeout)
        try:
            raw, addr = self.sock.recvfrom(65535)
        except TimeoutError:
            raise AssertionError("%s: nothing from the client in %.1f s" % (self.name, timeout))
        if self.client is None:
            self.client = addr
        r = Received(raw, addr, time.monotonic())
        self.received.append(r)
        return r

    def quiet(self, seconds):
        """Assert the client sends nothing for `seconds`."""
        self.sock.settimeout(seconds)
        try:
            raw, _ = self.sock.recvfrom(65535)
        except TimeoutError:
            return
        raise AssertionError("%s: unexpected datagram %s" % (self.name, raw.hex()))

    def send(self, data, sock=None):
        if isinstance(data, Message):
            data = data.encode()
        (sock or self.sock).sendto(data, self.client)

    def answer(self, req, code=CONTENT, payload=b"", mtype=ACK, mid=None, token=None, opts=()):
        """A response to req (Received): piggybacked in an ACK by default. opts: (number,
        bytes) pairs added as raw options."""
        m = req.msg
        r = Message(code=code, payload=payload)
        r.mtype = mtype
        r.mid = m.mid if mid is None else mid
        r.token = m.token if token is None else token
        for num, value in opts:
            r.opt.add_option(_raw_option(num, value))
        return r

    def ack(self, req):
        """The empty ACK of a separate response, RFC 7252 §5.2.2."""
        return empty(ACK, req.msg.mid)


def empty(mtype, mid):
    m = Message(code=EMPTY)
    m.mtype = mtype
    m.mid = mid
    m.token = b""
    return m


def _raw_option(number, value):
    from aiocoap.optiontypes import OpaqueOption

    return OpaqueOption(number, value)
