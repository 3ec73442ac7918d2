"""The simulator server: an aiocoap server context around the API, the store and the knobs.

Used by the command line (`__main__.py`) and by the test helper (`testing.py`). Everything here
runs on one asyncio event loop; `Server` methods are not thread-safe (the helper marshals).
"""

import asyncio
import logging

import aiocoap
from aiocoap import interfaces
from aiocoap.resource import PathCapable

from .control import Control
from .knobs import Knobs
from .page import Page
from .resources import ThingsApi
from .store import Store
from .traffic import TrafficMonitor, is_control

log = logging.getLogger("thethings_sim")


class SimSite(interfaces.Resource, PathCapable):
    """Root resource: routes `/sim/...` to the control, everything else through the knobs to the
    API. It implements `render_to_pipe` itself (aiocoap's low-level server interface) because a
    subscription is one long-running exchange with its own notification schedule."""

    def __init__(self, server):
        super().__init__()  # creates the Block1 spool and the Block2 cache
        self.server = server

    async def needs_blockwise_assembly(self, request):
        return True

    async def render(self, request):  # required by the interface; render_to_pipe is used
        raise NotImplementedError

    async def render_to_pipe(self, pipe):
        req = pipe.request
        srv = self.server
        if is_control(req):
            pipe.add_response(await self._blockwise(req, srv.control.respond), is_last=True)
            return
        knobs = srv.knobs
        if knobs.separate_delay:
            await asyncio.sleep(knobs.separate_delay)
        failure = knobs.take_failure()
        if failure is not None:
            pipe.add_response(failure, is_last=True)
            return
        sub = srv.api.subscription_of(req)
        if sub is not None:
            await srv.api.subscribe(pipe, *sub)
            return
        if srv.api.is_notification_block(req):  # the API keeps those blocks itself
            pipe.add_response(await srv.api.respond(req), is_last=True)
            return
        pipe.add_response(await self._blockwise(req, srv.api.respond), is_last=True)

    async def _blockwise(self, req, respond):
        # RFC 7959 through aiocoap's helpers: Block1 requests are assembled (2.31 Continue in
        # between), and an answer over one block is cached and served in Block2 blocks, so later
        # blocks come from the same snapshot even when writes arrive in between.
        req = self._block1.feed_and_take(req)
        res = await self._block2.extract_or_insert(req, lambda: respond(req))
        res.opt.block1 = req.opt.block1
        return res


def resend_after_stale_errors(iface):
    """Send a datagram again when its send failed with an error that belongs to an earlier one.

    The socket is unconnected, with IP_RECVERR (aiocoap's udp6 sets it). When a client has
    closed its socket, a datagram to it (a notification of an observation it left behind)
    comes back as ICMP port unreachable, which Linux reports twice: in the error queue with
    that client's address (aiocoap reads it and ends that client's exchanges, as it should),
    and as the socket's pending error, which the next sendmsg() returns (ECONNREFUSED), to
    whatever address it goes, without sending. aiocoap's transport pins that error on the
    client being sent to and ends all its exchanges and observations: an innocent client's
    answer is lost and its fresh registration is cancelled, from inside the callback that
    was sending its first response (which aiocoap's pipe.py does not survive: TypeError in
    _any_interest). Seen when one run's observation outlived its client into the next run's
    outage and sent at the moment the outage ended.

    The failed send consumed the pending error, so the datagram is sent once more; an error
    of that second send is its own and goes to aiocoap as before.
    """
    send, report = iface.send, iface.error_received
    first_try = False
    failed = None  # the first attempt's error, held back from aiocoap

    def error_received(exc):
        nonlocal failed
        if first_try:
            failed = exc
        else:
            report(exc)

    def send_once_more_after_an_error(message):
        nonlocal first_try, failed
        first_try, failed = True, None
        try:
            send(message)
        finally:
            first_try = False
        if failed is not None:
            log.debug("send to %s: %r, an earlier datagram's; sent again", message.remote, failed)
            send(message)

    iface.error_received = error_received
    iface.send = send_once_more_after_an_error


class Server:
    def __init__(
        self,
        db_path,
        host="127.0.0.1",
        port=5683,
        knobs=None,
        log_requests=True,
        traffic=None,
        page_port=None,
    ):
        self.db_path = str(db_path)
        self.host = host
        self.port = port  # 0 picks a free port; the real one is here after start()
        self.knobs = knobs or Knobs()
        self.knobs.on_change = lambda text: log.info("knob: %s", text)
        # A restart may hand over the old monitor, so the request log spans both runs.
        self.traffic = traffic or TrafficMonitor(self.knobs, log.info, log_requests)
        self.store = None
        self.api = None
        self.control = Control(self)
        self._ctx = None
        self.log_requests = log_requests
        self.page_port = page_port  # the web page's TCP port (0: a free one), None: no page
        self.page = None
        self.mman = None  # aiocoap's message manager once started (tests send through it)

    async def start(self):
        self.store = Store(self.db_path)
        self.api = ThingsApi(self.store, events=lambda text: log.info("%s", text))
        # udp6 only: plain CoAP over UDP like coap.thethings.io, no TCP/WebSocket/OSCORE.
        self._ctx = await aiocoap.Context.create_server_context(
            SimSite(self),
            bind=(self.host, self.port),
            loggername="thethings_sim.aiocoap",
            transports=["udp6"],
        )
        mman = self.mman = self._ctx.request_interfaces[0].token_interface
        self.traffic.attach(mman)
        resend_after_stale_errors(mman.message_interface)
        sock = mman.message_interface.transport.get_extra_info("socket")
        self.port = sock.getsockname()[1]
        if self.page_port is not None:  # same host as the CoAP side (page.py)
            try:
                page = Page(self.api, self.host, self.page_port, self.log_requests)
                self.page = await page.start()
            except OSError:  # its port taken, say: nothing left half-started
                await self.stop()
                raise
            self.page_port = self.page.port
        return self

    async def stop(self):
        if self.page is not None:
            await self.page.stop()
            self.page = None
        if self._ctx is not None:
            await self._ctx.shutdown()
            self._ctx = None
        # Subscriptions are tasks of their own; end them before the store goes.
        if self.api is not None:
            await self.api.cancel_subscriptions()
        if self.store is not None:
            self.store.close()
            self.store = None

    # -- operations shared by the control resource and the test helper ---------------------

    def new_codes(self, n=1):
        codes = self.store.create_codes(int(n))
        for c in codes:
            log.info("activation code: %s", c)
        return codes

    def activate(self, code):
        """A thing activated straight in the store (tests): its token, None for a bad code."""
        token = self.store.activate(code)
        if token is not None:
            self.api.activated(token)  # on the page, as after an Activate call
        return token

    def unused_codes(self):
        return self.store.unused_codes()

    def things(self):
        return self.store.things()

    def records(self, token, key=None):
        return self.store.records(token, key)

    def request_log(self):
        return self.traffic.snapshot()

    def status(self):
        out = dict(self.knobs.status())
        out.update(
            port=self.port,
            db=self.db_path,
            things=len(self.store.things()),
            subscriptions=self.api.hub.count(),
            notifications=self.traffic.notifications,
            requests=len(self.traffic.entries),
        )
        return out
