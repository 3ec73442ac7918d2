"""A minimal, fast theThings.IO stand-in for long firmware runs (the heap test: 10,000
periods in seconds): one thread, raw UDP, the project's own codec (lib/coap/message.py,
which runs on CPython too). It stores nothing, it counts.

    POST /v2/things            {"activationCode"}  -> 2.01 {"status":"created","thingToken"}
    POST /v2/things/T          {"values": [...]}   -> 2.01 {"status":"Success",...}, and a CON
                                                      notification of the values to observers
    GET  /v2/things/T?keepAlive  Observe 0/1       -> 2.05 subscribed / unsubscribed

Everything else is 4.04. Retransmissions (same MID) get the same answer again.
outage(after, seconds): once `after` writes were stored, nothing is answered for `seconds`
(every datagram dropped: readings queue in the firmware's outbox, a backlog mid-run).
"""

import json
import socket
import threading
import time

from coap.message import ACK, CON, Encoder, Message

TOKEN = "FastFastFastFastFastFastFastFastFastFast123"  # 43 characters
_JSON = 50


class FastServer:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = "coap://127.0.0.1:%d" % self.port
        self.writes = 0
        self.values = 0
        self.activations = 0
        self.subscriptions = 0
        self.notifications = 0
        self.observer = None  # (addr, token)
        self.readings = 0  # readings stored: values "uptime" (one in each reading)
        self.unanswered = 0  # datagrams dropped by the outage
        self._outage = None  # (after writes, seconds); then its end, monotonic
        self._seq = 2
        self._mid = 1000
        self._answered = {}  # (addr, mid) -> bytes
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def outage(self, after, seconds):
        self._outage = (after, seconds)
        return self

    def _silent(self):
        o = self._outage
        if o is None:
            return False
        if isinstance(o, tuple):
            if self.writes < o[0]:
                return False
            o = self._outage = time.monotonic() + o[1]
        if time.monotonic() < o:
            return True
        self._outage = None
        return False

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join(5)
        self.sock.close()

    def _run(self):
        rx = Message()
        while not self._stop:
            try:
                data, addr = self.sock.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            if self._silent():
                self.unanswered += 1
                continue
            try:
                rx.decode(bytearray(data), len(data))
            except Exception:
                continue
            if rx.mtype != CON or rx.code == 0 or rx.code >> 5:
                continue  # ACKs of our notifications, RSTs, responses: nothing to do
            key = (addr, rx.mid)
            if key in self._answered:
                self.sock.sendto(self._answered[key], addr)
                continue
            out, notify = self._handle(rx, addr)
            if len(self._answered) > 64:
                self._answered.clear()
            self._answered[key] = out
            self.sock.sendto(out, addr)
            if notify and self.observer:
                self._notify(notify)

    def _reply(self, rx, code, body, observe=None):
        e = Encoder()
        e.header(ACK, code, rx.mid, bytes(rx.token()))
        if observe is not None:
            e.uint(6, observe)
        e.uint(12, _JSON)
        e.payload(json.dumps(body).encode())
        return bytes(e.buf[: len(e)])

    def _handle(self, rx, addr):
        path = [bytes(s).decode() for s in rx.opts(11)]
        path = [s for s in path if s]
        if rx.code == 2 and path == ["v2", "things"]:
            self.activations += 1
            return self._reply(rx, 0x41, {"status": "created", "thingToken": TOKEN}), None
        if rx.code == 2 and path == ["v2", "things", TOKEN]:
            body = json.loads(bytes(rx.payload()))
            self.writes += 1
            self.values += len(body["values"])
            self.readings += sum(v["key"] == "uptime" for v in body["values"])
            return self._reply(rx, 0x41, {"status": "Success", "message": "Created"}), body
        if rx.code == 1 and path == ["v2", "things", TOKEN]:
            obs = rx.uint(6)
            if obs == 0:
                self.subscriptions += 1
                self.observer = (addr, bytes(rx.token()))
                body = {"status": "success", "message": "subscribed"}
                return self._reply(rx, 0x45, body, observe=self._next()), None
            self.observer = None
            return self._reply(rx, 0x45, {"status": "success", "message": "unsubscribed"}), None
        return self._reply(rx, 0x84, {"status": "error", "message": "not found"}), None

    def _next(self):
        self._seq += 1
        return self._seq & 0xFFFFFF

    def _notify(self, body):
        addr, token = self.observer
        self._mid = (self._mid + 1) & 0xFFFF
        e = Encoder()
        e.header(CON, 0x45, self._mid, token)
        e.uint(6, self._next())
        e.uint(12, _JSON)
        e.payload(json.dumps(body["values"]).encode())
        self.notifications += 1
        self.sock.sendto(bytes(e.buf[: len(e)]), addr)
