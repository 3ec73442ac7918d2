# The loopback server fixtures (host_tests/conftest.py) seen from both interpreters, with raw
# UDP and the codec: examples of dual cases that take fixtures, and a check that the servers
# behave as the client tests will assume. Parameters are fixtures; servers arrive as ports.
import os
import socket

from caseutil import build, eq, large_payload

from coap.message import ACK, CON, RST, Encoder, Message, block, block_size, fresher

GET = 0x01
PUT = 0x03
CONTENT = 0x45
CHANGED = 0x44
OBSERVE, URI_PATH, ETAG, BLOCK2, SIZE2 = 6, 11, 4, 23, 28


class Peer:
    """A UDP socket towards 127.0.0.1:port with an Encoder and a Message."""

    def __init__(self, port, timeout=5):
        self.addr = socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_DGRAM)[0][-1]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.enc = Encoder()
        self.msg = Message()
        self.mid = int.from_bytes(os.urandom(2), "big")

    def next_mid(self):
        self.mid = (self.mid + 1) & 0xFFFF
        return self.mid

    def send(self, mtype, code, mid, token=b"", opts=(), payload=b""):
        self.sock.sendto(build(mtype, code, mid, token, opts, payload, self.enc), self.addr)

    def recv(self):
        """The next datagram, decoded (into a fresh bytes object: Message keeps a reference)."""
        return Message().decode(self.sock.recv(1500))

    def ack(self, m):
        self.send(ACK, 0, m.mid)

    def close(self):
        self.sock.close()


def path(p):
    return [(URI_PATH, seg.encode()) for seg in p.split("/")]


def test_libcoap_ping(libcoap_server):
    # RFC 7252 §4.3: an empty CON is answered with an RST of the same MID.
    peer = Peer(libcoap_server)
    try:
        mid = peer.next_mid()
        peer.send(CON, 0, mid)
        m = peer.recv()
        eq((m.mtype, m.code, m.mid, m.tkl), (RST, 0, mid, 0), "RST")
    finally:
        peer.close()


def test_libcoap_get_time(libcoap_server):
    peer = Peer(libcoap_server)
    try:
        tok = os.urandom(4)
        mid = peer.next_mid()
        peer.send(CON, GET, mid, tok, path("time"))
        m = peer.recv()
        eq((m.mtype, m.code, m.mid), (ACK, CONTENT, mid), "piggybacked 2.05")
        assert m.token_is(tok), m.token()
        assert len(m.payload()) > 0
        return {"time": bytes(m.payload()).decode()}
    finally:
        peer.close()


def test_aiocoap_static(aiocoap_demo):
    peer = Peer(aiocoap_demo)
    try:
        tok = os.urandom(2)
        mid = peer.next_mid()
        peer.send(CON, GET, mid, tok, path("hello"))
        m = peer.recv()
        eq((m.mtype, m.code, m.mid), (ACK, CONTENT, mid), "piggybacked 2.05")
        assert m.token_is(tok)
        eq(bytes(m.payload()), b"world", "payload")
        eq(m.uint(12), 0, "Content-Format text/plain")
        peer.send(CON, GET, peer.next_mid(), tok, path("nothing/here"))
        eq(peer.recv().code, 0x84, "4.04 for an unknown path")
    finally:
        peer.close()


def test_aiocoap_separate(aiocoap_demo):
    # RFC 7252 §5.2.2: an empty ACK first, the response later as a CON to be ACKed.
    peer = Peer(aiocoap_demo)
    try:
        tok = os.urandom(4)
        mid = peer.next_mid()
        peer.send(CON, GET, mid, tok, path("slow"))
        m = peer.recv()
        eq((m.mtype, m.code, m.mid, m.tkl), (ACK, 0, mid, 0), "empty ACK")
        m = peer.recv()
        eq((m.mtype, m.code), (CON, CONTENT), "separate response")
        assert m.token_is(tok)
        eq(bytes(m.payload()), b"late", "payload")
        peer.ack(m)
    finally:
        peer.close()


def test_aiocoap_block2(aiocoap_demo):
    # RFC 7959: fetch /big block by block (1024 bytes, SZX 6); the ETag stays the same.
    peer = Peer(aiocoap_demo)
    try:
        body = b""
        etag = None
        num = 0
        while True:
            mid = peer.next_mid()
            peer.send(CON, GET, mid, os.urandom(4), path("big") + [(BLOCK2, block(num, 0, 6))])
            m = peer.recv()
            eq((m.mtype, m.code, m.mid), (ACK, CONTENT, mid), "block %d" % num)
            v = m.uint(BLOCK2)
            eq((v >> 4, block_size(v)), (num, 1024), "Block2 of block %d" % num)
            if etag is None:
                etag = m.opt(ETAG)
            eq(m.opt(ETAG), etag, "ETag")
            body += bytes(m.payload())
            if not v & 8:
                break
            num += 1
        eq(num, 2, "last block number")
        eq(body, large_payload(3000), "body")
        return {"blocks": num + 1, "etag": etag is not None}
    finally:
        peer.close()


def test_aiocoap_observe(aiocoap_demo):
    # RFC 7641: register, change the value with a PUT, get the notification (ACK it if it is
    # a CON), then deregister with Observe=1 (§3.6).
    peer = Peer(aiocoap_demo)
    try:
        tok = os.urandom(4)
        mid = peer.next_mid()
        peer.send(CON, GET, mid, tok, [(OBSERVE, 0)] + path("counter"))
        m = peer.recv()
        eq((m.mtype, m.code, m.mid), (ACK, CONTENT, mid), "registration")
        first = m.uint(OBSERVE)
        assert first is not None, "no Observe option: not registered"
        value = b"%d" % (int.from_bytes(os.urandom(2), "big") + 1)
        put_mid = peer.next_mid()
        peer.send(CON, PUT, put_mid, b"p", path("counter"), value)
        got_ack = got_note = False
        while not (got_ack and got_note):
            m = peer.recv()
            if m.mid == put_mid and m.mtype == ACK:
                eq(m.code, CHANGED, "PUT response")
                got_ack = True
            elif m.token_is(tok):
                eq(bytes(m.payload()), value, "notification")
                assert fresher(first, m.uint(OBSERVE), 0), (first, m.uint(OBSERVE))
                if m.mtype == CON:
                    peer.ack(m)
                got_note = True
        peer.send(CON, GET, peer.next_mid(), tok, [(OBSERVE, 1)] + path("counter"))
        m = peer.recv()
        eq((m.code, m.uint(OBSERVE)), (CONTENT, None), "deregistered")
    finally:
        peer.close()
