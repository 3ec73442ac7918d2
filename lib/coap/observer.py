# The client side of Observe (RFC 7641: the "observer" of §1.2) on coap.engine:
# registration and re-registration, the freshness of notifications (§3.4), the blocks of a
# large one fetched by GET (RFC 7959 §2.6: coap.blockwise.fetch). An observation is of the
# client's server (the engine's first peer): the engine routes what carries its token and
# comes from there here; news for the application goes into the engine's queue
# (Engine.notify), which the front ends deliver.
from time import ticks_add, ticks_diff

from coap.engine import CAP, GET, Request
from coap.message import fresher


class Observation:
    """Returned by Client.observe(). callback(msg) runs for the first response and every
    fresh notification; callback(None) when the observation was lost (re-registration
    failed: err says why). active turns False when it ends. every: re-register when nothing
    came for that many ms, whatever the Max-Age (a server's keepalive); registrations:
    how many were sent. register() again revives a lost or ended one, in the background."""

    every = 0
    registrations = 0
    err = None

    def __init__(self, path, query, callback, token, margin_ms):
        self.path = path
        self.query = query
        self.callback = callback
        self.token = token
        self.active = False
        self.seq = -1  # the last Observe value taken, RFC 7641 §3.4; -1: any is fresh
        self._t = 0  # ... and when
        self.due = 0  # when to re-register (ticks)
        self._rest = 0  # ms of a long Max-Age still to wait after due
        self._margin = margin_ms
        self.reg = None  # the registration in flight
        self.fetch = None  # the GETs completing a notification's blocks, in flight
        self.started = False  # first answer delivered: re-registrations' answers are news

    def register(self, e, now, timeout_ms=None):
        """Register (GET Observe 0, RFC 7641 §3.1), or re-register: with a fresh token, which
        §3.3.1 allows. A re-registration follows silence, and a notification of the old
        stream may still be on its way (a CON retransmitted after an outage); if the server
        numbers the new stream from 0 again (node-coap and aiocoap do), that one would be
        fresher (§3.4) than the new stream for 128 s. With a new token it gets an RST and
        the server ends the old stream (§3.6)."""
        if self.registrations:
            self.token = e.rand(4)
            self.seq = -1
        r = Request(GET, self.path, self.query, observe=0, token=self.token)
        r.obs = self
        self.reg = r
        self.registrations += 1
        self.due = ticks_add(now, CAP)  # no re-registration while this one is in flight
        if self not in e.obs:
            e.obs.append(self)
        return e.start(r, now, timeout_ms)

    def end(self, e, now=0):
        """It ended, or the application forgot it (its requests then dropped): later
        notifications are rejected."""
        self.active = False
        if self in e.obs:
            e.obs.remove(self)
        if now:
            for r in (self.reg, self.fetch):
                if r is not None:
                    e.end(r, "cancelled", now)

    def due_now(self, e, now, ms=None):
        """The timer ran out: wait on through a long Max-Age, or re-register (§3.3.1). With
        ms (a notification just came): re-register after ms, at least an ACK timeout after
        this registration, so that a Max-Age of 0 cannot make the client register back to
        back; a Max-Age longer than ticks hold (up to 2**32 - 1 s) is waited out in CAP
        steps."""
        if ms is None:
            if self.reg is not None:
                return
            if not self._rest:
                return self.register(e, now)
            ms = self._rest
            self.seq = -1  # days without news: whatever comes next is fresh
        ms = max(ms, e.ack_timeout)
        self._rest = ms - CAP if ms > CAP else 0
        self.due = ticks_add(now, ms - self._rest)

    def take(self, e, m, data, n, now):
        """A notification: m decoded from data[:n]."""
        v = m.uint(6)
        if m.code >> 5 != 2 or v is None:
            # An error, or a 2.xx without Observe: the server ended it. RFC 7641 §3.2
            self.end(e)
            return e.notify(self, data, n)
        if self.seq >= 0 and not fresher(self.seq, v, ticks_diff(now, self._t)):
            return  # stale: reordered behind a newer one, §3.4
        self._fresh(e, m, v, now)
        b2 = m.uint(23, 0)
        if not b2 & 8:
            return e.notify(self, data, n)
        from coap.blockwise import fetch  # (rare: a notification of more than one block)

        fetch(e, self, m, data, n, b2, now)

    def _fresh(self, e, m, v, now):
        self.seq = v
        self._t = now
        self.active = True
        # §3.3.1: without news for Max-Age (default 60 s, RFC 7252 §5.10.5) the
        # representation is stale; re-register after a margin (MAX_LATENCY by default),
        # or after `every` (a client may re-register at any time).
        ms = m.uint(14, 60) * 1000 + self._margin
        self.due_now(e, now, self.every if self.every and self.every < ms else ms)

    def done(self, e, r, now):
        """Request r of ours (the registration, or a completion) is done; answered (r.err
        None), e.rx is its response (for blocks, the first one)."""
        if r is self.reg:
            self.reg = None
            m = e.rx
            v = m.uint(6)
            if r.err is None and m.code >> 5 == 2 and v is not None:
                self._fresh(e, m, v, now)  # our own GET's answer: current, whatever its v
            else:
                self.end(e)  # not (or no longer) registered, §3.2, or no answer
                self.err = r.err
            if self.started:  # re-registered: news (observe() delivers the first itself)
                e.notify(self, None if r.err else r.data, r.n, r.body)
        elif r is self.fetch:
            self.fetch = None
            if r.err is None:
                e.notify(self, r.data, r.n, r.body)
            # (failed: the next notification brings the news again)
