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

from caseutil import Rng

from coap.engine import Engine
from coap.message import Message

WRAP = 1 << 30
SERVER = ("192.0.2.1", 5683)  # the engine's peer, as a socket would give its address


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
