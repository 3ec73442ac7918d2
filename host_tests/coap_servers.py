"""Third-party CoAP servers on loopback for interoperability tests (CPython side only).

The pytest fixtures in conftest.py wrap these; they can also be used directly:

    with LibcoapServer("-N") as srv:          # coap-server-notls on a free port
        ...srv.port...
    with AiocoapServer() as srv:              # an aiocoap Site in a daemon thread
        srv.static("hello", b"world")
        obs = srv.observable("counter")       # GET Observe=0 registers, PUT/POST sets
        obs.notify(b"42")                     # from the test thread
        srv.separate("slow", b"late", delay=1.0)
        blob = srv.large("big", 3000)         # Block2 (aiocoap splits it)

Both objects turn into their port (an int) when passed to a dual-interpreter case (they
define `__dual__`), so a case parameter named after the fixture receives the port.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import aiocoap
import procs
from aiocoap import resource
from aiocoap.numbers.codes import Code

LOOPBACK = "127.0.0.1"


def free_udp_port(host=LOOPBACK):
    """A UDP port that was free a moment ago (bind to port 0, read it, close)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def udp_port_bound(port, host=LOOPBACK):
    """True if something holds the UDP port (our own bind, without SO_REUSEADDR, fails)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((host, port))
    except OSError:
        return True
    finally:
        s.close()
    return False


def coap_ping(port, host=LOOPBACK, timeout=0.2):
    """RFC 7252 §4.3 ping: an empty CON; True if an RST with the same message ID comes back."""
    mid = int.from_bytes(os.urandom(2), "big")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(timeout)
        s.sendto(bytes((0x40, 0, mid >> 8, mid & 0xFF)), (host, port))
        data = s.recv(2048)
    except OSError:  # timeout, or ICMP port unreachable while the server starts
        return False
    finally:
        s.close()
    return len(data) == 4 and data[0] == 0x70 and data[1] == 0 and data[2:4] == mid.to_bytes(2)


# -- libcoap -------------------------------------------------------------------------------------

LIBCOAP_SERVER = "coap-server-notls"
LIBCOAP_CLIENT = "coap-client-notls"


class LibcoapServer:
    """`coap-server-notls -A 127.0.0.1 -p PORT *flags` (libcoap 4.3, Debian libcoap3-bin).

    start() waits until the server is ready: a CoAP ping answered with RST; with a loss flag
    (`-l ...`) only until the port is bound, so the probe does not use up the datagrams the
    server is told to drop (datagrams sent after the bind wait in the socket buffer anyway).
    """

    def __init__(self, *flags, host=LOOPBACK, port=None, start_timeout=10.0):
        self.flags = [str(f) for f in flags]
        self.host = host
        self.port = port
        self.start_timeout = start_timeout
        self.proc = None
        self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def __dual__(self):
        return self.port

    @property
    def url(self):
        return "coap://%s:%d" % (self.host, self.port)

    def start(self):
        exe = shutil.which(LIBCOAP_SERVER)
        if exe is None:
            raise RuntimeError("%s not found (apt-get install libcoap3-bin)" % LIBCOAP_SERVER)
        fixed = self.port is not None
        for _attempt in range(3):  # a free port can be taken between probe and bind
            port = self.port if fixed else free_udp_port(self.host)
            self._log = tempfile.TemporaryFile()
            argv = [exe, "-A", self.host, "-p", str(port), *self.flags]
            self.proc = procs.popen(
                argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
            )
            self.port = port
            if self._wait_ready():
                return self
            self.stop()
            if not fixed:
                self.port = None
        raise RuntimeError(
            "%s %s did not become ready:\n%s" % (LIBCOAP_SERVER, " ".join(self.flags), self.log())
        )

    def _wait_ready(self):
        lossy = any(f.startswith("-l") for f in self.flags)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if lossy:
                if udp_port_bound(self.port, self.host):
                    return True
                time.sleep(0.02)
            elif coap_ping(self.port, self.host):
                return True
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        """What the server printed so far (stdout and stderr)."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc is not None:
            procs.stop(self.proc)
            self.proc = None


def our_server(interp, script, *args):
    """Run host_tests/<script> PORT [ARGS] (one of our servers) under interp (cpython, the
    venv's python; micropython, micropython-i386: the ports), wait until it answers a ping,
    yield its port; ended after (its process group)."""
    from pathlib import Path

    import targets
    from dual import LIB, micropython_path

    port = free_udp_port()
    env = dict(os.environ, MICROPYPATH=LIB + os.pathsep + ".frozen", PYTHONPATH=LIB)
    here = Path(__file__).resolve().parent
    if interp == "cpython":
        # coap imported first: under CPython it installs the names of MicroPython's time
        # (ticks_ms...) that the scripts import before it
        run = "import coap, runpy, sys; del sys.argv[0]; runpy.run_path(sys.argv[0], None, "
        run += "'__main__')"
        argv = [sys.executable, "-c", run]
    else:
        mp = micropython_path(interp)
        if mp is None:
            targets.missing(interp)
        argv = [mp]
    p = procs.popen(argv + [str(here / script), str(port), *args], env=env,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        for _ in range(100):
            if coap_ping(port, timeout=0.1):  # an empty CON: the RST of RFC 7252 §4.3
                break
            assert p.poll() is None, p.stderr.read().decode()
        else:
            raise AssertionError("our server did not answer a ping")
        yield port
    finally:
        procs.stop(p)


def libcoap_client(*args, timeout=30):
    """Run coap-client-notls with args; returns the CompletedProcess (stdout as text)."""
    return subprocess.run(
        [LIBCOAP_CLIENT, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# -- aiocoap -------------------------------------------------------------------------------------


def large_payload(size):
    """The body of AiocoapServer.large(): printable, position-dependent, reproducible on a board
    (the same function is in host_tests/cases/caseutil.py)."""
    line = b"".join(b"%05d|" % k for k in range(0, size, 6))
    return line[:size]


def _path(path):
    if isinstance(path, str):
        return tuple(seg for seg in path.strip("/").split("/")) if path.strip("/") else ()
    return tuple(path)


class AiocoapServer:
    """An aiocoap Site on 127.0.0.1 (a free port by default) in a daemon thread.

    Every method is synchronous and safe to call from the test thread while a client (a
    MicroPython subprocess, or CPython in the test process) talks to the server.
    `requests` records every request the site received, Block2 continuations included.
    """

    def __init__(self, host=LOOPBACK, port=0):
        self.host = host
        self.port = port
        self._loop = None
        self._thread = None
        self._ctx = None
        self._site = None
        self._requests = []
        self._lock = threading.Lock()

    # lifecycle
    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    def __dual__(self):
        return self.port

    @property
    def url(self):
        return "coap://%s:%d" % (self.host, self.port)

    def start(self):
        server = self

        class LoggingSite(resource.Site):
            async def render_to_pipe(self, pipe):
                server._record(pipe.request)
                return await super().render_to_pipe(pipe)

        ready = threading.Event()
        failure = []

        def main():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            self._site = LoggingSite()

            async def up():
                self._ctx = await aiocoap.Context.create_server_context(
                    self._site,
                    bind=(self.host, self.port),
                    loggername="aiocoap_server",
                    transports=["udp6"],
                )
                mman = self._ctx.request_interfaces[0].token_interface
                sock = mman.message_interface.transport.get_extra_info("socket")
                self.port = sock.getsockname()[1]

            try:
                loop.run_until_complete(up())
            except BaseException as e:  # report to the starting thread
                failure.append(e)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._ctx.shutdown())
            tasks = asyncio.all_tasks(loop)  # tickers, delayed responses
            for t in tasks:
                t.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=main, name="aiocoap_server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("aiocoap server did not start within 10 s")
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def close(self):
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    def call(self, fn, *args, timeout=10):
        """Run fn(*args) on the server's event loop; return its result (awaited if a coroutine)."""

        async def on_loop():
            r = fn(*args)
            if asyncio.iscoroutine(r):
                r = await r
            return r

        return asyncio.run_coroutine_threadsafe(on_loop(), self._loop).result(timeout)

    # request log
    def _record(self, req):
        entry = {
            "method": str(req.code),
            "path": "/" + "/".join(req.opt.uri_path),
            "query": list(req.opt.uri_query),
            "mtype": req.mtype.name if req.mtype is not None else None,
            "mid": req.mid,
            "token": req.token.hex(),
            "observe": req.opt.observe,
            "block1": tuple(req.opt.block1) if req.opt.block1 is not None else None,
            "block2": tuple(req.opt.block2) if req.opt.block2 is not None else None,
            "payload": bytes(req.payload),
            "time": time.monotonic(),
        }
        with self._lock:
            self._requests.append(entry)

    @property
    def requests(self):
        """A copy of the request log: dicts with method ("GET"), path ("/a/b"), query, mtype
        ("CON"), mid, token (hex), observe, block1/block2 ((num, more, szx) or None), payload,
        time (monotonic)."""
        with self._lock:
            return list(self._requests)

    def wait_for(self, predicate, timeout=10.0, interval=0.02):
        """Poll predicate() until true; AssertionError after timeout seconds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met within %.1f s" % timeout)
            time.sleep(interval)

    # resources
    def add(self, path, res):
        """Serve any aiocoap resource at path ("a/b" or ("a", "b")); returns res."""
        self.call(self._site.add_resource, _path(path), res)
        return res

    def remove(self, path):
        self.call(self._site.remove_resource, _path(path))

    def handler(self, path, fn, methods=("GET", "POST", "PUT", "DELETE")):
        """Serve fn(request) at path: it returns an aiocoap.Message, bytes (2.05/2.04 with that
        payload) or (code, payload); it may be a coroutine function. Runs on the server loop."""
        return self.add(path, _Handler(fn, methods))

    def static(self, path, payload=b"", *, content_format=None, etag=None, max_age=None):
        """GET returns payload (aiocoap splits it into Block2 blocks when large)."""
        return self.add(path, _Static(payload, content_format, etag, max_age))

    def large(self, path, size=3000, *, etag=b"\x1a\x2b\x3c\x4d", content_format=0):
        """A Block2 resource: GET returns large_payload(size) with an ETag; returns the bytes."""
        body = large_payload(size)
        self.static(path, body, content_format=content_format, etag=etag)
        return body

    def separate(self, path, payload=b"", delay=1.0, code=None):
        """A resource that answers after delay seconds: aiocoap sends an empty ACK first (after
        EMPTY_ACK_DELAY, 0.1 s) and then the response as a separate CON."""
        return self.add(path, _Separate(payload, delay, code))

    def observable(self, path, payload=b"0", *, interval=None, con=None):
        """An observable resource (RFC 7641). GET (with Observe=0 registers) returns the current
        value; PUT/POST sets it from the request payload and notifies. Returns an Observable
        handle: .notify(payload=None, code=None), .value, .observers, .notifications.
        interval: also notify every interval seconds with an incrementing counter.
        con: True/False forces CON/NON notifications, None leaves it to aiocoap."""
        obs = Observable(self, payload, con)
        self.add(path, obs._res)
        if interval:
            obs._ticker = self.call(lambda: asyncio.ensure_future(obs._tick(interval)))
        return obs


def _code(code):
    if isinstance(code, str):  # "2.05" or "CONTENT"
        if "." in code:
            c, d = code.split(".")
            return Code(int(c) << 5 | int(d))
        return getattr(Code, code)
    return Code(code)


def _make_response(value, default_code=None):
    if isinstance(value, aiocoap.Message):
        return value
    if isinstance(value, bytes | bytearray | str):
        payload = value.encode() if isinstance(value, str) else bytes(value)
        return aiocoap.Message(code=default_code, payload=payload)
    code, payload = value
    payload = payload.encode() if isinstance(payload, str) else bytes(payload)
    return aiocoap.Message(code=_code(code), payload=payload)


class _Handler(resource.Resource):
    def __init__(self, fn, methods):
        super().__init__()
        self.fn = fn
        for m in methods:
            setattr(self, "render_" + m.lower(), self._render)

    async def _render(self, request):
        r = self.fn(request)
        if asyncio.iscoroutine(r):
            r = await r
        return _make_response(r)


class _Static(resource.Resource):
    def __init__(self, payload, content_format, etag, max_age):
        super().__init__()
        self.payload = payload.encode() if isinstance(payload, str) else bytes(payload)
        self.content_format = content_format
        self.etag = etag
        self.max_age = max_age

    async def render_get(self, request):
        m = aiocoap.Message(payload=self.payload)
        if self.content_format is not None:
            m.opt.content_format = self.content_format
        if self.etag is not None:
            m.opt.etag = self.etag
        if self.max_age is not None:
            m.opt.max_age = self.max_age
        return m


class _Separate(resource.Resource):
    def __init__(self, payload, delay, code):
        super().__init__()
        self.payload = payload.encode() if isinstance(payload, str) else bytes(payload)
        self.delay = delay
        self.code = code

    async def _later(self, request):
        await asyncio.sleep(self.delay)
        m = aiocoap.Message(payload=self.payload)
        if self.code is not None:
            m.code = _code(self.code)
        return m

    render_get = render_post = render_put = _later


class Observable:
    """Handle of AiocoapServer.observable(); methods are callable from any thread."""

    def __init__(self, server, payload, con):
        handle = self
        self._server = server
        self._value = payload.encode() if isinstance(payload, str) else bytes(payload)
        self._code = None
        self._count = 0
        self._ticker = None
        self.notifications = 0  # notify() calls and ticks so far
        self._con = con

        class Res(resource.ObservableResource):
            def update_observation_count(self, newcount):
                handle._count = newcount

            async def render_get(self, request):
                tuning = None
                if handle._con is not None:
                    tuning = aiocoap.Reliable() if handle._con else aiocoap.Unreliable()
                m = aiocoap.Message(payload=handle._value, transport_tuning=tuning)
                if handle._code is not None:
                    m.code = handle._code
                return m

            async def render_put(self, request):
                handle._set(bytes(request.payload), None)
                return aiocoap.Message(code=_code("2.04"))

            render_post = render_put

        self._res = Res()

    @property
    def value(self):
        return self._value

    @property
    def observers(self):
        """Number of registered observers."""
        return self._count

    def _set(self, payload, code):
        if payload is not None:
            self._value = payload.encode() if isinstance(payload, str) else bytes(payload)
        if code is not None:
            self._code = _code(code)
        self.notifications += 1
        self._res.updated_state()

    def notify(self, payload=None, code=None):
        """Set the value (and optionally a response code such as "4.04", which ends the
        observations, RFC 7641 §3.2) and send a notification to every observer."""
        self._server.call(self._set, payload, code)

    async def _tick(self, interval):
        n = 0
        while True:
            await asyncio.sleep(interval)
            n += 1
            self._set(b"%d" % n, None)
