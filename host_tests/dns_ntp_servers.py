"""Fake UDP servers for the firmware's DNS and NTP clients (app.dns, app.ntp): a scripted
server on loopback, and the messages of RFC 1035 §4.1 and RFC 5905 §7.3 to script it with.
Used by test_firmware_dns_ntp.py (the clients alone) and the firmware's fault matrix."""

import socket
import struct
import threading
import time


class FakeUDP:
    """A UDP server on loopback: for the n-th request (from 0), script(req, n) gives
    [(delay_s, datagram, via)] to send back, via "main" (the server's address) or "stray"
    (another port of the same host). requests: [(host monotonic time, bytes)]."""

    def __init__(self, script):
        self.script = script
        self.requests = []
        self.main = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.main.bind(("127.0.0.1", 0))
        self.stray = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.stray.bind(("127.0.0.1", 0))
        self.port = self.main.getsockname()[1]
        self.main.settimeout(0.02)  # the serving thread sees `stopped` this often
        self.stopped = False
        self.timers = []
        self.errors = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped = True
        for t in self.timers:
            t.cancel()
        self.thread.join(5)
        self.main.close()
        self.stray.close()
        assert not self.errors, self.errors

    def _serve(self):
        while not self.stopped:
            try:
                req, addr = self.main.recvfrom(2048)
            except TimeoutError:
                continue
            self.requests.append((time.monotonic(), req))
            try:
                out = self.script(req, len(self.requests) - 1)
            except Exception as e:  # a broken script fails the test, at __exit__
                self.errors.append(repr(e))
                continue
            for delay, data, via in out:
                t = threading.Timer(delay, self._send, (data, via, addr))
                self.timers.append(t)
                t.start()

    def _send(self, data, via, addr):
        try:
            (self.main if via == "main" else self.stray).sendto(data, addr)
        except OSError:
            pass  # closed meanwhile


# -- DNS messages (RFC 1035 §4.1) ------------------------------------------------------------


def name(n):
    return b"".join(bytes([len(x)]) + x for x in n.encode().split(b".")) + b"\0"


def rr(owner, rtype, data, cls=1):
    """owner: wire bytes (a name(), or a pointer b"\\xc0\\x0c")."""
    return owner + struct.pack(">HHIH", rtype, cls, 300, len(data)) + data


def a(addr):
    return socket.inet_aton(addr)


def reply(q, *answers, rcode=0, qid=None, flags=0x8180, question=None, an=None):
    """A response to query q: its ID and question unless told otherwise, RD RA set."""
    qid = struct.unpack(">H", q[:2])[0] if qid is None else qid
    question = q[12:] if question is None else question
    an = len(answers) if an is None else an
    return struct.pack(">6H", qid, flags | rcode, 1, an, 0, 0) + question + b"".join(answers)


PTR_Q = b"\xc0\x0c"  # a pointer to the question's name


def answer(q, addr="10.0.0.7"):
    return reply(q, rr(PTR_Q, 1, a(addr)))


NTP_1970 = 2208988800


def ntp_ts(unix_s):
    return int((unix_s + NTP_1970) * 2**32) & (2**64 - 1)


def ntp_reply(q, t3=None, t2=None, li=0, vn=4, mode=4, stratum=2, refid=b"GPS\0", org=None):
    """A server's reply to request q: its transmit timestamp as our originate."""
    now = time.time()
    t3 = ntp_ts(now) if t3 is None else t3
    t2 = t3 if t2 is None else t2
    org = q[40:48] if org is None else org
    head = struct.pack(">BBbb", li << 6 | vn << 3 | mode, stratum, 6, -20)
    return head + bytes(8) + refid + struct.pack(">Q", t3) + org + struct.pack(">QQ", t2, t3)
