"""The server on loopback, beside aiocoap's and microCoAPy's (bench/run.py, `make bench`):

- server_requests_per_s_i386: `micropython -m coap serve --plugtest` (coap/serve_cli.py) on
  the i386 port answering GET /test, CON, piggybacked; server_requests_per_s_aiocoap_cpython
  the same /test on aiocoap's server (bench/aiocoap_server.py), and with
  MICROCOAPY=/dir/containing/microcoapy server_requests_per_s_microcoapy_i386 microCoAPy's
  (bench/microcoapy_server.py) on the same port. One load for all three: this process (CPython)
  on a raw UDP socket, one request at a time, each CON sent when the ACK of the one before
  came; WARM requests, then RUNS runs of N interleaved across the servers (a busy spell of
  the host hits all alike), the median run. Every request has a MID of its own, so that no
  server may answer from its deduplication cache (RFC 7252 §4.5).
- server_heap_growth_bytes: coap.server with the plugtest resources on the i386 port
  (bench/server_heap.py, -X heapsize=HEAP): its gc.mem_alloc() after a collection, asked for
  by GET /heap, after a warm-up of WARM_HEAP mixed requests (from 10 client sockets: more than
  the server's max_peers), then after HEAP_N more, and after HEAP_N more again
  (server_heap_growth_2_bytes, the second HEAP_N: whether growth stops). The mix, from one
  client socket and a fresh one every 500th: GET /test, GET /.well-known/core, PUT /test,
  a NON GET, a CON sent twice (the second answered from the cache), GET of a path not served
  (4.04), PUT /create1 (a representation the server keeps, bounded), DELETE /create1.

    run() -> [{"name", "value", "unit", "note"}, ...]
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
sys.path[:0] = [os.path.join(ROOT, "host_tests")]

import procs  # noqa: E402
from fw_harness import micropython_for  # noqa: E402

N = 2000
RUNS = 5
WARM = 300
WARM_HEAP = 200
HEAP_N = 10000
HEAP = "256K"
_CON, _NON, _ACK = 0, 1, 2
_GET, _PUT, _DELETE = 1, 3, 4


def _opt(prev, num, val):
    # one option, its delta and length under 13 (all of the load's are), RFC 7252 §3.1
    return bytes([(num - prev) << 4 | len(val)]) + val


def request(mtype, code, mid, path, payload=b""):
    """A datagram: a 2-byte token (the MID's bytes), Uri-Path path's segments (RFC 7252 §3)."""
    tok = bytes([mid >> 8, mid & 255])
    d = bytes([0x40 | mtype << 4 | len(tok), code, mid >> 8, mid & 255]) + tok
    prev = 0
    for seg in path.strip("/").split("/"):
        d += _opt(prev, 11, seg.encode())
        prev = 11
    if payload:
        d += _opt(prev, 12, b"") + b"\xff" + payload  # Content-Format 0 (text): no bytes
    return d


class Load:
    """One client socket and its MIDs; exchange() sends a request, waits for its answer."""

    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.connect(("127.0.0.1", port))
        self.s.settimeout(2.0)
        self.mid = 0
        self.retries = 0

    def close(self):
        self.s.close()

    def exchange(self, mtype, code, path, payload=b"", twice=False):
        """The response's (code, payload); a CON's piggybacked in the ACK of its MID, a NON's
        by its token. twice: sent again once answered (a duplicate, RFC 7252 §4.5), the two
        answers the same."""
        self.mid = (self.mid + 1) & 0xFFFF
        d = request(mtype, code, self.mid, path, payload)
        r = self._one(d, mtype)
        if twice and self._one(d, mtype) != r:
            raise AssertionError("a duplicate answered otherwise")
        return r

    def _one(self, d, mtype):
        s = self.s
        s.send(d)
        tries = 0
        while True:
            try:
                a = s.recv(2048)
            except TimeoutError:  # lost (loopback drops when a buffer is full): again
                self.retries += 1
                tries += 1
                if tries > 5:
                    raise AssertionError("no answer to %s" % d.hex()) from None
                s.send(d)
                continue
            if len(a) < 4 or a[0] >> 6 != 1:
                continue
            if mtype == _CON:
                ok = a[0] >> 4 & 3 == _ACK and a[2:4] == d[2:4]
            else:
                ok = a[4 : 4 + (a[0] & 15)] == d[4 : 4 + (d[0] & 15)]
            if ok:
                return a[1], _payload(a)


def _payload(a):
    # past the token and the options (RFC 7252 §3.1: extended delta bytes, then length's)
    i = 4 + (a[0] & 15)
    while i < len(a) and a[i] != 0xFF:
        d, ln = a[i] >> 4, a[i] & 15
        i += 1 + (d == 13) + 2 * (d == 14)
        if ln == 13:
            ln = a[i] + 13
            i += 1
        elif ln == 14:
            ln = (a[i] << 8 | a[i + 1]) + 269
            i += 2
        i += ln
    return bytes(a[i + 1 :])


def _rate(load, n):
    t0 = time.perf_counter()
    for _ in range(n):
        c, _p = load.exchange(_CON, _GET, "/test")
        if c != 0x45:
            raise AssertionError("GET /test: %d.%02d" % (c >> 5, c & 31))
    return n / (time.perf_counter() - t0)


def _free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _start(argv, env=None):
    p = procs.popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                    cwd=ROOT)  # fmt: skip
    line = p.stdout.readline()
    if not line.startswith("serving"):
        procs.stop(p)
        sys.exit("bench: %s did not start:\n%s%s" % (" ".join(argv), line, p.stdout.read()))
    # what it prints from now on (a server's log, its tracebacks) is read, that a full pipe
    # never blocks it, and kept for the error message
    p.tail = []
    threading.Thread(target=_drain, args=(p,), daemon=True).start()
    return p


def _drain(p):
    for line in p.stdout:
        p.tail = (p.tail + [line])[-20:]


def _mp_env(path):
    return dict(os.environ, MICROPYPATH=path + ":.frozen")


def rates(servers):
    """{name: median requests/s} of each (name, argv, env) server, the runs interleaved."""
    started = []
    try:
        for name, argv, env in servers:
            port = _free_port()
            started.append((name, _start(argv + [str(port)], env), Load(port)))
        for _, _, load in started:
            _rate(load, WARM)
        runs = {name: [] for name, _, _ in started}
        for _ in range(RUNS):
            for name, _, load in started:
                runs[name].append(_rate(load, N))
        return {name: (statistics.median(runs[name]), load.retries)
                for name, _, load in started}  # fmt: skip
    finally:
        for _, p, load in started:
            load.close()
            procs.stop(p)


# The heap run's mix, request i % 8: (type, code, path, payload (% i), sent twice, the codes
# that answer it)
_MIX = (
    (_CON, _GET, "/test", None, False, (0x45,)),
    (_CON, _GET, "/.well-known/core", None, False, (0x45,)),
    (_CON, _PUT, "/test", b"put %d", False, (0x44,)),
    (_NON, _GET, "/test", None, False, (0x45,)),
    (_CON, _GET, "/test", None, True, (0x45,)),  # a duplicate CON, RFC 7252 §4.5
    (_CON, _GET, "/no/such/path", None, False, (0x84,)),
    (_CON, _PUT, "/create1", b"representation %d", False, (0x41, 0x44)),
    (_CON, _DELETE, "/create1", None, False, (0x42,)),
)


def _mix(load, port, i, fresh):
    # one of the mixed requests of the heap run (see the module's doc)
    k = i % 8
    if fresh:  # a client the server has not heard: its peer table's LRU (max_peers)
        other = Load(port)
        try:
            c, _ = other.exchange(_CON, _GET, "/test")
        finally:
            other.close()
        want = (0x45,)
    else:
        mt, code, path, pay, twice, want = _MIX[k]
        c, _ = load.exchange(mt, code, path, pay % i if pay else b"", twice)
    if c not in want:
        raise AssertionError("request %d (%d): %d.%02d" % (i, k, c >> 5, c & 31))


def heap_growth(i386):
    port = _free_port()
    p = _start([i386, "-X", "heapsize=" + HEAP, os.path.join(BENCH, "server_heap.py"),
                str(port)], _mp_env(os.path.join(ROOT, "lib")))  # fmt: skip
    load = Load(port)
    try:

        def heap():
            c, b = load.exchange(_CON, _GET, "/heap")
            return int(b)

        for i in range(WARM_HEAP):
            _mix(load, port, i, i % 20 == 19)  # 10 fresh clients: the peer table full
        at = [heap()]
        for _ in range(2):
            for i in range(HEAP_N):
                _mix(load, port, i, i % 500 == 499)
            at.append(heap())
        return at, load.retries
    finally:
        load.close()
        procs.stop(p)


def run():
    i386 = micropython_for("i386")
    lib = _mp_env(os.path.join(ROOT, "lib"))
    servers = [
        ("server_requests_per_s_i386", [i386, "-m", "coap", "serve", "--plugtest",
                                        "--no-multicast", "--bind", "127.0.0.1", "--port"], lib),
        ("server_requests_per_s_aiocoap_cpython",
         [sys.executable, os.path.join(BENCH, "aiocoap_server.py")], None),
    ]  # fmt: skip
    mc_dir = os.environ.get("MICROCOAPY")
    if mc_dir:
        servers.append(("server_requests_per_s_microcoapy_i386",
                        [i386, os.path.join(BENCH, "microcoapy_server.py")],
                        _mp_env(os.path.abspath(mc_dir))))  # fmt: skip
    out = []
    for name, (v, retries) in rates(servers).items():
        note = "GET /test, CON, one client on loopback, median of %d runs of %d" % (RUNS, N)
        if retries:
            note += ", %d requests sent again (lost)" % retries
        out.append({"name": name, "value": round(v), "unit": "requests/s", "note": note})
    at, retries = heap_growth(i386)
    for name, a, b in (("server_heap_growth_bytes", at[0], at[1]),
                       ("server_heap_growth_2_bytes", at[1], at[2])):  # fmt: skip
        out.append({"name": name, "value": b - a, "unit": "bytes",
                    "note": "gc.mem_alloc() %d -> %d over %d mixed requests, i386, "
                    "-X heapsize=%s" % (a, b, HEAP_N, HEAP)})  # fmt: skip
    return out


def summary(by):
    s = (
        "server on loopback (GET /test, CON, one client): ours %d requests/s (i386)"
        % (by["server_requests_per_s_i386"]["value"])
    )
    s += ", aiocoap %d (CPython)" % by["server_requests_per_s_aiocoap_cpython"]["value"]
    if "server_requests_per_s_microcoapy_i386" in by:
        s += ", microCoAPy %d (i386)" % by["server_requests_per_s_microcoapy_i386"]["value"]
    return s + "; heap growth over %d mixed requests %d bytes, the next %d: %d" % (
        HEAP_N, by["server_heap_growth_bytes"]["value"], HEAP_N,
        by["server_heap_growth_2_bytes"]["value"])  # fmt: skip


if __name__ == "__main__":
    for f in run():
        print(json.dumps(f))
