# The asyncio CoAP client: coap.engine's protocol under MicroPython's asyncio (and
# CPython's), so a board can talk CoAP beside a web server or other tasks. Two tasks per
# client, started on first use: one receives, one runs the engine's timers. Callers await
# their own requests, queued behind NSTART = 1 by the engine; a cancelled caller's request
# is dropped, a cancelled observer's observation deregistered.
#
#   c = Client("coap.example")
#   m = await c.request(POST, "/v2/things/TOKEN", b'{"values":[...]}', cf=50)
#   async with c.observe("/v2/things/TOKEN", query="keepAlive=60000") as o:
#       async for m in o:  # the first response, then each fresh notification
#           print(bytes(m.payload()))
#
# Each response or notification is a Message of its own, valid for as long as it is kept.
import asyncio
from time import ticks_add, ticks_diff, ticks_ms

from coap.client import Client as _Client
from coap.engine import DELETE, GET, POST, PUT, CoapError, CoapTimeout, Request
from coap.message import Message
from coap.observer import Observation as _Observation

_API = (DELETE, GET, POST, PUT, CoapTimeout)  # imported from here by the client's users

try:  # MicroPython: wait for a socket the way its asyncio streams do
    from asyncio import core

    def _readable(s):
        yield core._io_queue.queue_read(s)

    def _wait_for(aw, ms):
        return asyncio.wait_for_ms(aw, ms)

except ImportError:  # CPython

    async def _readable(s):
        loop = asyncio.get_running_loop()
        f = loop.create_future()
        loop.add_reader(s, lambda: f.done() or f.set_result(None))
        try:
            await f
        finally:
            loop.remove_reader(s)

    def _wait_for(aw, ms):
        return asyncio.wait_for(aw, ms / 1000)


class Client(_Client):
    """Client(host, port, ...) with the blocking client's parameters, limits and socket; its
    calls are coroutines: request(), cancel(o); observe() gives an Observation to iterate
    (async for), best inside `async with` (which deregisters at its end). close() stops
    its tasks and closes the socket."""

    def __init__(self, host, port=5683, sock=None, **kw):
        _Client.__init__(self, host, port, sock, **kw)
        self._sock.setblocking(False)
        self._kick = asyncio.Event()  # the timers changed: the clock task recomputes
        self._until = 0  # when the clock task wakes next
        self._tasks = None

    def close(self):
        if self._tasks:
            for t in self._tasks:
                t.cancel()
            self._tasks = None
        self._sock.close()  # (the blocking Client's close(), which is client_extra's)

    async def request(
        self, code, path, payload=None, query=(), con=True, cf=None, accept=None,
        timeout_ms=None,
    ):  # fmt: skip
        """The response Message (payload() reassembled if block-wise). Raises CoapTimeout,
        CoapError; cancelled, the request is dropped (a late answer gets an RST)."""
        r = Request(
            code, path, query, payload, con, -1 if cf is None else cf,
            -1 if accept is None else accept,
        )  # fmt: skip
        self.start(r, ticks_ms(), timeout_ms)
        return await self._done(r)

    def observe(self, path, query=(), timeout_ms=None):
        """An Observation of path: iterating it registers (RFC 7641 §3.1, timeout_ms for
        that) and gives the first response, then each fresh notification; it stops when the
        server ends the observation; CoapError when it was lost (re-registration failed)."""
        r = Request(GET, path, query)
        return Observation(self, r.path, r.query, timeout_ms)

    async def cancel(self, o, timeout_ms=None):
        """Deregister (GET Observe 1, same token, RFC 7641 §3.6); the client forgets the
        observation at once. Raises CoapTimeout, CoapError when that is not answered."""
        await self._done(self._deregister(o, timeout_ms))

    def _deregister(self, o, timeout_ms):
        now = ticks_ms()
        o.end(self, now)
        r = Request(GET, o.path, o.query, observe=1, token=o.token)
        return self.start(r, now, timeout_ms)

    async def _done(self, r):
        # Wait for request r (started); its response in a Message of its own.
        self._go()
        if not r.done:
            r.ev = asyncio.Event()  # set by end()
            try:
                await r.ev.wait()
            except BaseException:  # cancelled
                self.end(r, "cancelled", ticks_ms())
                self._go()
                raise
        if r.err:
            raise r.err
        return self.response(Message(), r.data, r.n, r.body)

    def poll(self, timeout_ms=0):
        raise CoapError("the asyncio client polls by itself: await its calls")

    def end(self, r, err, now, timeout=False):
        _Client.end(self, r, err, now, timeout)
        ev = getattr(r, "ev", None)
        if ev is not None:
            ev.set()

    # -- the tasks -----------------------------------------------------------------------

    def _go(self):
        # Send what is due, and make sure the tasks run and the clock wakes in time.
        if self._tasks is None:
            t = asyncio.create_task
            self._tasks = (t(self._receiver()), t(self._clock()))
        self._flush()
        now = ticks_ms()
        if ticks_diff(ticks_add(now, self.due(now)), self._until) < 0:
            self._kick.set()

    def _deliver(self):
        # Wake the observations that have news in the engine's queue (the one queue: each
        # takes its own from it; 4 wait at most in all, the oldest go).
        q = self._news
        for i in range(0, len(q), 4):
            q[i]._ev.set()

    async def _receiver(self):
        while True:
            await _readable(self._sock)
            while self._read():
                pass
            self._deliver()
            self._go()

    async def _clock(self):
        while True:
            now = ticks_ms()
            self.tick(now)
            self._flush()
            self._deliver()
            t = self.due(now)
            self._until = ticks_add(now, t)
            self._kick.clear()
            try:
                await _wait_for(self._kick.wait(), t)
            except asyncio.TimeoutError:  # noqa: UP041 - MicroPython has no builtin one
                pass


class Observation(_Observation):
    """`async for m in o`: the first response, then each fresh notification (a Message of
    its own). `async with o` deregisters at its end; so does cancelling the task iterating
    it (without waiting for the answer)."""

    def __init__(self, c, path, query, timeout_ms):
        _Observation.__init__(self, path, query, None, c.rand(4), c.observe_margin_ms)
        self._c = c
        self._tmo = timeout_ms
        self._ev = asyncio.Event()  # news of it in the engine's queue (Engine.notify)

    def __aiter__(self):
        return self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        if self.active:
            try:
                await self._c.cancel(self)
            except CoapError:
                pass  # forgotten anyway: the server's next notification gets an RST

    async def __anext__(self):
        c = self._c
        try:
            if not self.started:
                if len(c.obs) >= c.max_observations:
                    raise CoapError("too many observations")
                m = await c._done(self.register(c, ticks_ms(), self._tmo))
                self.started = True
                return m
            q = c._news  # the engine's queue, the one of both front ends: take this one's
            while True:
                for i in range(0, len(q), 4):
                    if q[i] is self:
                        break
                else:
                    if not self.active:
                        raise StopAsyncIteration
                    self._ev.clear()
                    await self._ev.wait()
                    continue
                break
        except asyncio.CancelledError:
            if self.active:
                c._deregister(self, 2 * c.ack_timeout)  # sent by the tasks, not awaited
                c._go()
            raise
        _, d, n, body = q[i : i + 4]
        del q[i : i + 4]
        if d is None:
            raise CoapError("observation lost")
        return c.response(Message(), d, n, body)  # of its own, valid for as long as kept
