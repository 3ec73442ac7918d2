"""Test helper: the simulator on a free loopback port, in a background thread of the test process.

    from thethings_sim.testing import SimServer

    with SimServer() as sim:                 # 127.0.0.1, port 0 -> sim.port
        run_firmware("coap://127.0.0.1:%d" % sim.port, code=sim.codes[0])
        sim.outage(5)                        # drop every datagram for 5 s
        sim.fail_next(3)                     # answer the next 3 requests 5.03
        sim.wait_for(lambda: len(sim.records(token)) >= 10, timeout=30)

Every method is synchronous and returns once the server applied it. The server runs on its own
event loop in a daemon thread; methods marshal onto that loop, so they are safe to call while a
firmware subprocess talks to the server. A firmware under test runs as a separate process, so
the loop is never blocked by the test.
"""

import asyncio
import json
import logging
import os
import shutil
import tempfile
import threading
import time

import aiocoap
from aiocoap.numbers.codes import Code

from .knobs import Knobs
from .server import Server

log = logging.getLogger("thethings_sim")


class SimServer:
    def __init__(
        self,
        db_path=None,
        codes=3,
        *,
        host="127.0.0.1",
        port=0,
        separate=False,
        separate_delay=0.5,
        fail_rate=0.0,
        drop_rate=0.0,
        seed=None,
        log_requests=True,
        page_port=None,
    ):
        self._tmpdir = None
        self.page_port = page_port  # the web page (page.py): 0 a free port, None none
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="thethings_sim-")
            db_path = os.path.join(self._tmpdir, "sim.sqlite3")
        self.db_path = str(db_path)
        self.host = host
        self.port = port
        self.codes = []
        self._n_codes = codes
        self._knob_args = (separate, separate_delay, fail_rate, drop_rate, seed)
        self._log_requests = log_requests
        self._loop = None
        self._thread = None
        self._server = None

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    def start(self):
        separate, delay, fail_rate, drop_rate, seed = self._knob_args
        knobs = Knobs(seed=seed)
        if separate:
            knobs.separate(True, delay)
        if fail_rate:
            knobs.set_fail_rate(fail_rate)
        if drop_rate:
            knobs.set_drop_rate(drop_rate)
        self._start(knobs, None)
        self.codes = self.new_codes(self._n_codes) if self._n_codes else []
        return self

    def _start(self, knobs, traffic):
        ready = threading.Event()
        failure = []

        def main():
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = Server(
                self.db_path,
                self.host,
                self.port,
                knobs,
                self._log_requests,
                traffic,
                self.page_port,
            )
            try:
                loop.run_until_complete(self._server.start())
            except BaseException as e:  # report to the starting thread
                failure.append(e)
                ready.set()
                loop.close()
                return
            self.port = self._server.port
            self.page_port = self._server.page_port  # a restart keeps both ports
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._server.stop())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=main, name="thethings_sim", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("thethings_sim did not start within 10 s")
        if failure:
            self._thread.join()
            self._thread = None  # close() then only removes the temporary directory
            raise failure[0]

    def stop(self):
        """Stop the server (the database stays); `start()` or `restart()` brings it back."""
        if self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    def restart(self, down_for=0.0):
        """Stop, stay silent for `down_for` s, start again on the same port with the same database
        and knobs: stored data survives, subscriptions and the duplicate cache do not."""
        knobs, traffic = self._server.knobs, self._server.traffic
        self.stop()
        if down_for:
            time.sleep(down_for)
        self._start(knobs, traffic)

    def close(self):
        self.stop()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    @property
    def url(self):
        return "coap://%s:%d" % (self.host, self.port)

    @property
    def page_url(self):
        """`http://127.0.0.1:PORT/`, the web page; None when started without one."""
        return None if self._server.page is None else self._server.page.url

    # -- marshalling ---------------------------------------------------------------------------

    def _call(self, fn, *args, timeout=10):
        if self._thread is None:
            raise RuntimeError("SimServer is not running")

        async def on_loop():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(on_loop(), self._loop).result(timeout)

    # -- data ----------------------------------------------------------------------------------

    def new_codes(self, n=1):
        """`n` fresh activation codes."""
        return self._call(self._server.new_codes, n)

    def activate(self, code=None):
        """Token of a new thing, activated directly in the store (for tests about other things
        than activation); uses a fresh code unless `code` is given."""
        code = code or self.new_codes(1)[0]
        token = self._call(self._server.activate, code)
        if token is None:
            raise ValueError("activation code unknown or used")
        return token

    def things(self):
        """[{"token", "code", "created"}], in activation order."""
        return self._call(self._server.things)

    def records(self, token, key=None):
        """What was stored for a thing, in storage order:
        [{"id", "key", "value", "datetime", "received", "geo"}], datetimes as ISO with ms."""
        return self._call(self._server.records, token, key)

    @property
    def request_log(self):
        """One dict per request received: time, remote, type, mid, method, path (tokens cut to 4
        characters), observe, block2, code ("2.05", None if unanswered), retransmission (a
        duplicate CON/NON by message ID), separate, dropped (None, "outage" or "loss"), ms."""
        return self._call(self._server.request_log)

    def clear_log(self):
        self._call(self._server.traffic.entries.clear)

    def status(self):
        return self._call(self._server.status)

    # -- knobs ---------------------------------------------------------------------------------

    def outage(self, seconds):
        """Drop every datagram in and out for `seconds` from now; 0 ends an outage."""
        self._call(self._server.knobs.outage, seconds)

    def fail_next(self, n, code="5.03"):
        """Answer the next `n` requests with `code` and a platform error body."""
        self._call(self._server.knobs.fail_next, n, code)

    def fail_rate(self, rate, code="5.03"):
        """Answer this fraction (0..1) of requests with `code`."""
        self._call(self._server.knobs.set_fail_rate, rate, code)

    def separate(self, on=True, delay=0.5):
        """Answer after `delay` s: an empty ACK first, then the response as its own CON."""
        self._call(self._server.knobs.separate, on, delay)

    def drop_rate(self, rate):
        """Drop this fraction (0..1) of incoming datagrams (a lossy link)."""
        self._call(self._server.knobs.set_drop_rate, rate)

    # -- client --------------------------------------------------------------------------------

    def request(self, method, path, payload=None, timeout=10.0):
        """`(code, body)` of one request to this server, e.g.
        `sim.request("GET", "/v2/things/%s/resources/temp?limit=100" % token)`."""
        return coap_request(method, self.url + path, payload, timeout)

    # -- waiting -------------------------------------------------------------------------------

    def wait_for(self, predicate, timeout=10.0, interval=0.02):
        """Poll `predicate()` until it returns something truthy; return that, or raise
        TimeoutError after `timeout` s."""
        return wait_for(predicate, timeout, interval)


def wait_for(predicate, timeout=10.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError("condition not met within %.1f s" % timeout)
        time.sleep(interval)


def coap_request(method, url, payload=None, timeout=10.0):
    """One CoAP request with aiocoap's client (block-wise and retransmission included).

    `payload`: bytes, str, or anything else to send as JSON. Returns `(code, body)`: code as
    "2.05", body parsed from JSON when it is JSON, else the raw bytes.
    """
    if payload is not None and not isinstance(payload, (bytes, str)):
        payload = json.dumps(payload)
    if isinstance(payload, str):
        payload = payload.encode()

    async def go():
        ctx = await aiocoap.Context.create_client_context(transports=["udp6"])
        try:
            msg = aiocoap.Message(code=Code[method.upper()], uri=url, payload=payload or b"")
            res = await asyncio.wait_for(ctx.request(msg).response, timeout)
        finally:
            await ctx.shutdown()
        try:
            body = json.loads(res.payload.decode())
        except ValueError:
            body = res.payload
        return res.code.dotted, body

    return asyncio.run(go())
