# The constructors' bodies of coap.engine's Engine and coap.client's Client. Each runs once
# for an object's life, so their code is not kept in the modules that a board's loop holds:
# Engine.__init__ and Client.__init__ import this module for the call, and it forgets itself
# at once (sys.modules and the package's attribute), so that its code is freed when the call
# returns (RAM: a .mpy's code lives in the heap; these two bodies held about 460 bytes of it
# on a 32-bit port).
import select
import sys

from micropython import const

from coap.message import Encoder, Message

# Encoder.opts()'s flags, as coap.engine names them: a uint value, each of a sequence
_UINT = const(0x10000)
_EACH = const(0x20000)


def _forget():
    if sys.modules.pop("coap.setup", None):
        del sys.modules["coap"].__dict__["setup"]


def engine(
    e, ack_timeout_ms=2000, ack_random_factor=1.5, max_retransmit=4, max_latency_ms=100000,
    uri_host=None, rand=None, tx_max=1152, addr=None,
):  # fmt: skip
    """Engine.__init__'s body: RFC 7252 §4.8 transmission parameters (ms), the Uri-Host to
    send (bytes, for a host name, §6.4), rand(n) (n random bytes: os.urandom by default),
    the largest datagram sent (§4.6: 1152 bytes), the peer (None: a connected socket's)."""
    _forget()
    e.ack_timeout = ack_timeout_ms
    e._span = int(ack_timeout_ms * (ack_random_factor - 1))
    e.max_retransmit = max_retransmit
    slot = ack_timeout_ms + e._span
    # RFC 7252 §4.8.2: MAX_TRANSMIT_WAIT (the default deadline) and EXCHANGE_LIFETIME
    # (how long a CON's MID is remembered), with PROCESSING_DELAY = ACK_TIMEOUT: 93 s
    # and 247 s at the defaults.
    e.max_wait = slot * ((2 << max_retransmit) - 1)
    e.lifetime = slot * ((1 << max_retransmit) - 1) + 2 * max_latency_ms + ack_timeout_ms
    e.observe_margin_ms = max_latency_ms  # RFC 7641 §3.3.1: MAX_LATENCY
    e.uhost = uri_host
    # a port without os.urandom (qemu's boards) must give its own rand
    if rand is None:
        import os  # (a local name: no global for it)

        rand = os.urandom
    e.rand = rand
    # What it sends is built in place in one buffer: datagrams of up to 1152 bytes (RFC
    # 7252 §4.6); a board that only sends small ones (smaller blocks) may give less.
    e.enc = Encoder(tx_max)
    # A request's options as Encoder.opts() writes them in one pass, in ascending number
    # (RFC 7252 §3.1), None where a request has none: Uri-Host, Observe, each Uri-Path,
    # Content-Format, each Uri-Query, Accept, Block2. One list, refilled for each request.
    e._opts = [3, None, 6 | _UINT, None, 11 | _EACH, None, 12 | _UINT, None,
               15 | _EACH, None, 17 | _UINT, None, 23 | _UINT, None]  # fmt: skip
    # The one decoder: what arrives, what the front ends return and deliver. A message
    # is valid until the next call into the client.
    e.rx = Message()
    e.reqs = []  # live requests, oldest first; the first queued starts when none is out
    # Our request in flight, whose datagram is in enc: one at a time (NSTART = 1 to the
    # one server, RFC 7252 §4.7); a request to another peer waits for the buffer.
    e.out = None
    e.unreachable = False  # ICMP port unreachable seen (the front end sets it)
    e.obs = []  # active observations (coap.observer)
    e._news = []  # notifications: observation, datagram, length, body; oldest first
    e.lost = False  # what pop() took was the loss of the observation
    e.peers = []
    e.peer(addr)  # the client's server


def client(
    c, host, port=5683, sock=None, ack_timeout_ms=2000, ack_random_factor=1.5,
    max_retransmit=4, connect=False, max_latency_ms=100000, tx_max=1152,
):  # fmt: skip
    """Client.__init__'s body: the engine's parameters, and its socket: sock (connected or
    not: a DTLS one, say), or a UDP socket to host:port, connected if connect."""
    _forget()
    from coap.uri import is_ip, udp

    uhost = None if is_ip(host) else host.encode()  # RFC 7252 §6.4 step 5
    # Unconnected (the default), every datagram's source goes to the engine, which
    # counts one from elsewhere; connect=True, or a connected socket of the caller's
    # (e.g. DTLS), leaves that to the network stack (recv allocates no address).
    c._addr = None
    if sock is None:
        sock, c._addr = udp(host, port, connect)
    engine(
        c, ack_timeout_ms, ack_random_factor, max_retransmit, max_latency_ms, uhost,
        tx_max=tx_max, addr=c._addr,
    )  # fmt: skip
    c._sock = sock
    p = select.poll()
    p.register(sock, select.POLLIN)
    c._wait = getattr(p, "ipoll", p.poll)  # ipoll allocates nothing
    c._cb = 0  # callbacks running
