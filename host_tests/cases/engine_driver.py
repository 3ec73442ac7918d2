# The engine (lib/coap/engine.py) in virtual time, for dual cases: no socket, no clock. The
# case plays the server (at SERVER, and any other peer at an address of its choosing): it
# reads what the engine sent (log, with each datagram's address in tos), answers with
# datagrams of its own (deliver, from SERVER unless told), and moves time on (advance),
# which runs the engine's timers exactly when they are due. Milliseconds of virtual time
# cost none of real time, so the RFC 7252 default timing (93 s of MAX_TRANSMIT_WAIT) runs
# in milliseconds.
#
# Time starts 3 s before the 2**30 ms ticks wrap: on 32-bit ports and under CPython (whose
# coap._host ticks behave as a board's) every case crosses it.
from time import ticks_add, ticks_diff  # (coap, imported above, provides them on CPython)

from caseutil import Rng, build, eq

from coap.engine import Engine
from coap.message import Message

WRAP = 1 << 30
SERVER = ("192.0.2.1", 5683)  # the engine's peer, as a socket would give its address
CLIENT = ("192.0.2.7", 40001)  # a client of the server role's cases (ask)


class Rand:
    """os.urandom for the engine, seeded: the same MIDs, tokens and timeouts everywhere."""

    def __init__(self, seed):
        self.rng = Rng(seed)

    def __call__(self, n):
        return bytes(self.rng.bytes(n))


class Driver:
    def __init__(self, seed=1, engine=None, **params):
        self.e = engine or Engine(rand=Rand(seed), addr=SERVER, **params)
        self.t0 = self.now = WRAP - 3000
        self.log = []  # [(ms since the start, datagram bytes)] of what the engine sent
        self.tos = []  # ... and the address each went to
        self.m = Message()

    def ms(self):
        return ticks_diff(self.now, self.t0)

    def flush(self):
        while True:
            d = self.e.output()
            if d is None:
                return
            self.log.append((self.ms(), bytes(d)))
            self.tos.append(self.e.to)

    def advance(self, ms):
        """Let ms of virtual time pass, the engine's timers firing when due."""
        end = ticks_add(self.now, ms)
        self.flush()
        while True:
            left = ticks_diff(end, self.now)
            step = min(self.e.due(self.now), left)
            self.now = ticks_add(self.now, max(step, 0))
            self.e.tick(self.now)
            self.flush()
            if step >= left:
                return

    def deliver(self, data, cut=False, addr=SERVER):
        """A datagram from the server (or from addr), now."""
        self.e.receive(data, len(data), addr, self.now, cut)
        self.flush()

    def start(self, r, timeout_ms=None):
        self.e.start(r, self.now, timeout_ms)
        self.flush()
        return r

    def sent(self, i=-1):
        """The i-th datagram the engine sent, decoded (a Message of this Driver's)."""
        return self.m.decode(self.log[i][1])

    def times(self):
        return [t for t, _ in self.log]


def ask(v, mtype, code, mid, path, opts=(), payload=b"", addr=CLIENT, token=b"tk"):
    """Deliver a request for path ('a/b') from addr to the server on v's engine; the answer,
    decoded, or None. (Here, not in case_server: a board imports this module's few hundred
    bytes for it, not case_server's 8 KB.)"""
    o = [(11, seg.encode()) for seg in path.split("/") if seg] + list(opts)
    o = [(x[0], i, x[1]) for i, x in enumerate(o)]  # MicroPython's sort is not stable
    o.sort()
    o = [(x[0], x[2]) for x in o]
    n = len(v.log)
    v.deliver(build(mtype, code, mid, token, o, payload), addr=addr)
    if len(v.log) == n:
        return None
    eq(len(v.log), n + 1, "one answer")
    eq(v.tos[-1], addr, "to the requester")
    return v.sent()
