# The blocking CoAP client: one UDP (or DTLS) socket to one server, calls with deadlines.
# The protocol is coap.engine's (RFC 7252 message and request layers, RFC 7959 block-wise,
# RFC 7641 Observe); this front end only moves datagrams between it and the socket, and
# waits. Callbacks run inside poll() (and observe(), for the first response) only, never
# inside request(): a callback may call request(), observe() and cancel().
import sys
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

# DELETE, GET, POST, PUT, CoapTimeout: for the client's users (from coap.client import GET)
from coap.engine import CAP, DELETE, GET, POST, PUT, CoapError, CoapTimeout, Engine, Request  # noqa: F401

_EAGAIN = const(11)  # errno on Linux, lwIP (ESP32, Pico W) and the unix port
_ECONNREFUSED = const(111)  # ICMP port unreachable, on a connected socket


class Client(Engine):
    """Client(host, port) talks to one CoAP server, blocking (coap.aio's Client derives from
    it). Timing parameters are in ms with RFC 7252 §4.8 defaults. A Message returned, or
    passed to a callback, stays valid until the next call into the client (a callback's:
    until it returns): copy what you keep."""

    # Receive size: a datagram this long may have been cut, and is dropped (counted in
    # too_large). MicroPython's recv allocates this much for every datagram; with smaller
    # blocks (block_szx 5: 512 bytes) a board may lower it to 16 << block_szx plus 128.
    rx_max = 1280

    def __init__(self, *args, **kw):
        # Client(host, port=5683, sock=None, ack_timeout_ms=2000, ack_random_factor=1.5,
        #        max_retransmit=4, connect=False, max_latency_ms=100000, tx_max=1152)
        # The body is coap.setup's, loaded for the call only (see Engine.__init__).
        from coap.setup import client

        client(self, *args, **kw)

    def __getattr__(self, name):
        # wait(r, timeout_ms), observe(path, callback, query=(), timeout_ms=None, wait=True),
        # cancel(o, timeout_ms=None) and close(), which a firmware's loop calls rarely (an
        # activation, a subscription's start and renewal, a new server): coap/client_extra.py's
        # functions, imported for the call and unloaded at once (RAM: a .mpy's code lives in
        # the heap).
        from coap import client_extra as m

        unload = sys.modules.pop  # (the package's attribute too: nothing keeps the module)
        unload(m.__name__)  # (its name's qstr: no 17-char str constant)
        del sys.modules["coap"].__dict__["client_extra"]
        return m.method(self, name)

    def _read(self):
        # One datagram from the socket into the engine, and the replies out. False if
        # there was none.
        try:
            # MicroPython sockets have no recv_into (readinto has stream semantics and could
            # join two datagrams): each datagram is a new bytes object.
            if self._addr is None:
                data = self._sock.recv(self.rx_max)
                addr = None
            else:
                data, addr = self._sock.recvfrom(self.rx_max)
        except OSError as e:
            if e.args[0] == _EAGAIN:
                return False
            self._flush(e)
            return True
        n = len(data)
        self.receive(data, n, addr, ticks_ms(), n >= self.rx_max)
        self._flush()
        return True

    def _flush(self, err=None):
        # Send what the engine has to send. An error of a socket call (err, or one here):
        # connected, an ICMP port unreachable comes back as ECONNREFUSED, a lost datagram
        # (the request retransmits, then fails saying so); others mean the network is
        # gone, for the caller to handle (e.g. store and forward).
        while True:
            if err is not None:
                if err.args[0] != _ECONNREFUSED:
                    raise err
                self.refused += 1
                self.unreachable = True
                err = None
            d = self.output()
            if d is None:
                return
            try:
                if self._addr is None:
                    self._sock.send(d)
                else:
                    self._sock.sendto(d, self.to)
            except OSError as e:
                err = e

    def request(
        self, code, path, payload=None, query=(), con=True, cf=None, accept=None,
        timeout_ms=None,
    ):  # fmt: skip
        """Send a request and return the response Message (its payload() reassembled if
        block-wise). path: '/a/b' or a tuple of bytes segments; query: 'x=1&y=2' or a
        tuple. Raises CoapTimeout, CoapError. Runs no callback."""
        r = Request(
            code, path, query, payload, con, -1 if cf is None else cf,
            -1 if accept is None else accept,
        )  # fmt: skip
        return self._run(self.start(r, ticks_ms(), timeout_ms))

    def pace(self):
        """Between the steps of a blocking call (request, observe, cancel): the ms the next
        step may wait at most. A firmware sets its own (feed the watchdog, then its budget):
        a call may then outlast the watchdog, each step within it."""
        return CAP

    def _run(self, r):
        # Until r is done: its response, decoded, or its failure raised. An exception out of
        # a step (the socket's OSError, a MemoryError) abandons r: ended, so that it does not
        # hold the queue (NSTART = 1) until its deadline.
        try:
            while not r.done:
                self._step(max(self.pace(), 1), r)
        except BaseException:
            self.end(r, "abandoned", ticks_ms())
            raise
        if r.err:
            raise r.err
        return self.response(self.rx, r.data, r.n, r.body)

    def poll(self, timeout_ms=0):
        """Receive, run the timers (retransmissions, re-registrations, the blocks of a
        notification) and deliver notifications to their callbacks, for timeout_ms: poll
        returns at that deadline (no step waits beyond it). An exception a callback raises
        comes out of poll(), once; that notification counts as delivered, the others wait
        for the next poll(). Not to be called from a callback (CoapError)."""
        if self._cb:
            raise CoapError("poll() from a callback")
        dl = ticks_add(ticks_ms(), min(max(timeout_ms, 0), CAP))
        while True:
            left = ticks_diff(dl, ticks_ms())
            got = self._step(max(left, 0))
            o = self.pop()
            while o is not None:
                self._cb += 1
                try:
                    o.callback(None if self.lost else self.rx)
                finally:
                    self._cb -= 1
                o = self.pop()
            if left <= 0 and not got:
                return

    def _step(self, limit, r=None):
        # Run the timers, send what is due, then (unless that ended request r) wait for one
        # datagram until the next timer, at most limit ms. True if one came.
        now = ticks_ms()
        self.tick(now)
        self._flush()
        if r is not None and r.done:
            return False
        for _ in self._wait(min(limit, self.due(now))):
            return self._read() or True
        return False
