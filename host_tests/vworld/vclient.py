# Virtual CoAP clients of the board's server (config "serve": lib/app/serve.py), in the
# world's process: each sends to the board's serve port through vworld.vnet (its faults
# apply: WiFi down, the board unreachable) and records what it got, with the virtual time
# and the board's period (board.n: the sample then latest). A scene's "clients" list:
#
#   {"kind": "get", "path": P, "from": s, "every": s, "until": s}
#       a CON GET every `every` s (retransmitted RFC 7252 §4.2 style: 2 s doubling, 4
#       times); each response recorded
#   {"kind": "observe", "path": P, "from": s}
#       a GET with Observe 0 (RFC 7641 §3.1), each notification recorded (and a CON one
#       ACKed, §3.5); with no fresh one for its Max-Age plus 2 s it registers again
#       (§3.3.1), as after the board lost its server state
#   {"kind": "flood", "path": P, "from": s, "until": s, "rate": n, "ports": k}
#       n CON GETs a second from k source ports in turn, never retransmitted; answers
#       counted
#
# Records (report()): [kind, path, stats, [[ms, period, code, payload, observe], ...]] per
# client, ms of virtual time since the start.
import vworld.vclock as clock
import vworld.vnet as net
from coap.message import ACK, CON, RST, Encoder, FormatError, Message

PORT = 5683  # the board's serve_port (the scene's config)
_KEEP = 400  # records kept per client (a flood keeps none)


def _now_ms():
    return clock.S * 1000 + clock.MS


class VClient:
    def __init__(self, n, spec, board):
        self.spec = spec
        self.board = board
        self.kind = spec["kind"]
        self.path = [s.encode() for s in spec["path"].strip("/").split("/")]
        ip = "10.3.0.%d" % (n + 1)
        self.addrs = [(ip, 40000 + i) for i in range(spec.get("ports", 1))]
        for a in self.addrs:
            net.SERVERS[a] = self
        self.i = 0
        self.enc = Encoder(256)
        self.m = Message()
        self.mid = 0x1000 * (n + 1)
        self.tok = n * 1000
        self.out = {}  # mid -> [data, tries, timeout, event, src] of a CON not yet ACKed
        self.obs_tok = None
        self.dog = None  # the observer's re-registration timer
        self.recs = []
        self.st = {"sent": 0, "answers": 0, "notifications": 0, "registrations": 0, "rst": 0}
        net.at(spec["from"] * 1000, self._go)

    def _req(self, observe=False, retx=True):
        e = self.enc
        self.mid = (self.mid + 1) & 0xFFFF
        self.tok += 1
        tok = self.tok.to_bytes(4, "big")
        e.header(CON, 1, self.mid, tok)  # GET
        if observe:
            e.uint(6, 0)
            self.obs_tok = tok
        for s in self.path:
            e.opt(11, s)
        d = bytes(memoryview(e.buf)[: len(e)])
        src = self.addrs[self.i % len(self.addrs)]
        self.i += 1
        self.st["sent"] += 1
        net.send(src, (net.ME, PORT), d)
        if retx:
            c = [d, 0, 2000, None, src]
            c[3] = net.at(2000, self._retx, (self.mid, c))
            self.out[self.mid] = c

    def _retx(self, a):
        mid, c = a
        if self.out.get(mid) is not c:
            return
        if c[1] == 4:
            del self.out[mid]
            return
        c[1] += 1
        c[2] *= 2
        net.send(c[4], (net.ME, PORT), c[0])
        c[3] = net.at(c[2], self._retx, a)

    def _go(self, _=None):
        sp = self.spec
        k = self.kind
        if k == "observe":
            self.st["registrations"] += 1
            self._req(True)
            self._watch(30)
            return
        if clock.S >= sp["until"]:
            return
        if k == "get":
            self._req()
            net.at(sp["every"] * 1000, self._go)
        else:
            self._req(retx=False)
            net.at(1000 // sp["rate"], self._go)

    def _watch(self, s):
        # RFC 7641 §3.3.1: no fresh notification within Max-Age (plus a margin): register
        # again (the same as a first registration: a new token)
        net.cancel(self.dog)
        self.dog = net.at(s * 1000, self._go)

    def rx(self, src, data):
        m = self.m
        try:
            m.decode(data, len(data))
        except FormatError:
            return
        t = m.mtype
        if t == RST:
            self.st["rst"] += 1
        if t >= ACK:
            c = self.out.pop(m.mid, None)
            if c is not None:
                net.cancel(c[3])
        if t == RST or m.code == 0:
            return
        mine = self.kind != "observe" or m.token_is(self.obs_tok)
        if t == CON:  # a separate response or a CON notification: ACKed, RFC 7252 §5.2.2;
            e = self.enc  # one nobody asked for (an old registration's): RST, RFC 7641 §3.6
            e.header(ACK if mine else RST, 0, m.mid, b"")
            net.send(src, (net.ME, PORT), bytes(memoryview(e.buf)[:4]))
        if not mine:
            return
        obs = m.uint(6)
        if self.kind == "observe":
            self.st["notifications"] += 1
            if obs is not None:
                ma = m.uint(14)
                self._watch((60 if ma is None else ma) + 2)
        else:
            self.st["answers"] += 1
            if self.kind == "flood":
                return
        if len(self.recs) < _KEEP:
            p = bytes(m.payload()).decode()
            self.recs.append([_now_ms(), self.board.n, m.code, p, obs])

    def report(self):
        return [self.kind, self.spec["path"], self.st, self.recs]


def start(specs, board):
    return [VClient(i, s, board) for i, s in enumerate(specs)]
