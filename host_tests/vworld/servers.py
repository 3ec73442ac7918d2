# The servers of the virtual world, in the firmware's process (vworld.vnet delivers to
# their rx(src, data)): theThings.IO over CoAP, a DNS server, an NTP server. Each answers
# what the firmware asks, as the real ones do (thethings-api.md, tools/thethings_sim;
# host_tests/dns_ntp_servers.py for DNS and NTP), unless a fault of vworld.faults is on.
#
# RAM: what the firmware wrote goes to a host file, one line per write (its virtual second,
# the payload as sent), never into the heap; the servers keep only a few small buffers.
import json
import struct

import vworld.vclock as clock
import vworld.vnet as net
from coap.message import ACK, CON, RST, Encoder, FormatError, Message

_JSON = 50
_SEEN = 4  # requests remembered for deduplication (RFC 7252 §4.5): NSTART is 1
TOKEN = "VworldVworldVworldVworldVworldVworldVwor043"  # 43 characters, as theThings.IO's


def _b(s):
    return s.encode()


_SUBSCRIBED = b'{"status":"success","message":"subscribed"}'
_UNSUBSCRIBED = b'{"status":"success","message":"unsubscribed"}'
_CREATED = b'{"status":"Success","message":"Created"}'
_E503 = b'{"status":"error","code":503,"message":"Service Unavailable"}'
_E401 = b'{"status":"error","code":401,"message":"Invalid thing token"}'
_E400 = b'{"status":"error","code":400,"message":"Payload must be {\\"values\\": [...]}"}'
_EACT = b'{"status":"error","message":"Error creating thing"}'
_E404 = b'{"status":"error","code":404,"message":"Not found"}'


class Things:
    """theThings.IO's CoAP endpoint (the seed's four calls): activation, write (recorded
    to a host file), subscribe (keepalive {} every keepAlive ms, and a notification of each
    write's values), on one thing. Faults: "blackhole" (vnet drops its datagrams), "error"
    (every request answered 5.03), "slow" (an empty ACK, then the response as a CON after
    the fault's seconds, retransmitted until ACKed)."""

    addr = ("10.1.0.1", 5683)

    def __init__(self, faults, code, records, notify=True):
        self.F = faults
        self.code = code.encode()
        self.token = None  # once activated
        self.rec = records  # a host file, opened "ab"
        self.notify = notify
        self.m = Message()
        self.enc = Encoder(700)
        self.seen = []  # [src, mid, answer bytes]
        self.cons = []  # our CONs awaiting an ACK: [mid, dst, data, tries, timeout, event, tok]
        self.obs = None  # [dst, token, seq, keepalive ms, timer event]
        self.mid = 0x4000
        self.note = None  # a notification of the write being answered
        self.st = {
            "activations": 0, "writes": 0, "refused": 0, "errors": 0, "separate": 0,
            "duplicates": 0, "subscriptions": 0, "keepalives": 0, "notifications": 0,
            "superseded": 0, "observer_lost": 0, "rst": 0, "malformed": 0, "external": 0,
        }  # fmt: skip

    # -- the message layer ----------------------------------------------------------------

    def _msg(self, mtype, code, mid, token, body=b"", observe=-1, max_age=-1):
        e = self.enc
        e.header(mtype, code, mid, token)
        if observe >= 0:
            e.uint(6, observe)
        if body:
            e.uint(12, _JSON)
        if max_age >= 0:
            e.uint(14, max_age)
        e.payload(body)
        return bytes(memoryview(e.buf)[: len(e)])

    def _con(self, dst, code, token, body, observe=-1, max_age=-1):
        # A CON of ours (a separate response, a notification), retransmitted RFC 7252 §4.2
        # style until ACKed: 2 s doubling, 4 retransmissions.
        self.mid = (self.mid + 1) & 0xFFFF
        d = self._msg(CON, code, self.mid, token, body, observe, max_age)
        c = [self.mid, dst, d, 0, 2000, None, token]
        self.cons.append(c)
        net.send(self.addr, dst, d)
        c[5] = net.at(2000, self._retx, c)
        return c

    def _retx(self, c):
        if c not in self.cons:
            return
        if c[3] == 4:
            self.cons.remove(c)
            o = self.obs
            if o is not None and o[1] == c[6]:  # a notification never ACKed: RFC 7641 §4.5
                self.obs = None
                net.cancel(o[4])
                self.st["observer_lost"] += 1
            return
        c[3] += 1
        c[4] *= 2
        net.send(self.addr, c[1], c[2])
        c[5] = net.at(c[4], self._retx, c)

    def rx(self, src, data):
        m = self.m
        try:
            m.decode(data, len(data))
        except FormatError:
            self.st["malformed"] += 1
            return
        t = m.mtype
        if t == ACK or t == RST:
            for c in self.cons:
                if c[0] == m.mid and c[1] == src:
                    self.cons.remove(c)
                    net.cancel(c[5])
                    o = self.obs
                    if t == RST:
                        self.st["rst"] += 1
                        if o is not None and o[1] == c[6]:  # RFC 7641 §3.6: not interested
                            self.obs = None
                            net.cancel(o[4])
                    return
            return
        if t != CON or m.code == 0 or m.code >> 5:
            if t == CON:
                net.send(self.addr, src, self._msg(RST, 0, m.mid, b""))
            return  # a ping (RST), a NON or a response: nothing to serve
        for s in self.seen:
            if s[1] == m.mid and s[0] == src:  # a retransmission: the same answer (§4.5)
                self.st["duplicates"] += 1
                net.send(self.addr, src, s[2])
                return
        tok = m.token()
        if self.F.on("error") is not None:
            self.st["errors"] += 1
            code, body, obs, age = 0xA3, _E503, -1, -1  # 5.03
        else:
            code, body, obs, age = self._serve(m, src, tok)
        w = self.F.on("slow")
        if w is not None:  # a separate response (RFC 7252 §5.2.2), w[2] s later
            self.st["separate"] += 1
            a = self._msg(ACK, 0, m.mid, b"")
            net.at(w[2] * 1000, self._late, (src, code, tok, body, obs, age))
        else:
            a = self._msg(ACK, code, m.mid, tok, body, obs, age)
        if len(self.seen) == _SEEN:
            self.seen.pop(0)
        self.seen.append([src, m.mid, a])
        net.send(self.addr, src, a)
        n = self.note
        if n is not None:  # after the answer: the platform notifies the thing's observers
            self.note = None
            self._note(n)

    def _late(self, a):
        src, code, tok, body, obs, age = a
        self._con(src, code, tok, body, obs, age)

    # -- theThings.IO ---------------------------------------------------------------------

    def _serve(self, m, src, tok):
        # (code, body, observe, max-age) of the answer to request m
        path = m.opts(11)
        if path and not path[-1]:
            path.pop()  # /v2/things/ is /v2/things
        if len(path) < 2 or path[0] != b"v2" or path[1] != b"things":
            return 0x84, _E404, -1, -1
        if len(path) == 2 and m.code == 2:
            return self._activate(m)
        if len(path) != 3:
            return 0x84, _E404, -1, -1
        if self.token is None or path[2] != self.token:
            return 0x81, _E401, -1, -1
        if m.code == 2:
            return self._write(m, src)
        if m.code == 1:
            return self._observe(m, src, tok)
        return 0x85, b"", -1, -1  # 4.05

    def _activate(self, m):
        p = bytes(m.payload())
        if self.code not in p or self.token is not None:
            self.st["refused"] += 1  # one code activates one thing, once
            return 0x80, _EACT, -1, -1
        self.token = _b(TOKEN)
        self.st["activations"] += 1
        return 0x41, b'{"status":"created","thingToken":"%s"}' % self.token, -1, -1

    def _write(self, m, src):
        p = m.payload()
        n = len(p)
        if n < 14 or bytes(p[:11]) != b'{"values":[' or bytes(p[n - 2 :]) != b"]}":
            return 0x80, _E400, -1, -1
        self.st["writes"] += 1
        r = self.rec
        r.write(b"%d " % clock.S)
        r.write(p)
        r.write(b"\n")
        if self.notify and self.obs is not None and n < 520:
            self.note = bytes(p[10 : n - 1])  # the values written (seed "Subscribe")
        return 0x41, _CREATED, -1, -1

    def _observe(self, m, src, tok):
        ob = m.uint(6)
        if ob == 1:  # deregistration, RFC 7641 §3.6
            if self.obs is not None and self.obs[1] == tok:
                net.cancel(self.obs[4])
                self.obs = None
            return 0x45, _UNSUBSCRIBED, -1, -1
        if ob != 0:
            return 0x80, b'{"status":"error","code":400,"message":"Observe"}', -1, -1
        ka = 60000
        for q in m.opts(15):
            if q[:10] == b"keepAlive=":
                ka = max(100, int(q[10:]))
        if self.obs is not None:
            net.cancel(self.obs[4])
        self.st["subscriptions"] += 1
        o = self.obs = [src, tok, 0, ka, None]
        o[4] = net.at(ka, self._keepalive, o)
        return 0x45, _SUBSCRIBED, 0, ka // 1000 + 2

    def external(self, kv):
        """A value written to the thing by someone else (a dashboard, another device): its
        observer is notified, as of a write (the scene's "writes")."""
        self.st["external"] += 1
        if self.obs is not None:
            k, v = kv
            self._note(b'[{"key":"%s","value":%s}]' % (_b(k), _b(json.dumps(v))))

    def _keepalive(self, o):
        if o is not self.obs:
            return
        o[4] = net.at(o[3], self._keepalive, o)
        self.st["keepalives"] += 1
        self._note(b"{}")

    def _note(self, body):
        o = self.obs
        for c in self.cons:
            if c[6] == o[1]:  # one notification in flight: the newer one waits for it
                self.st["superseded"] += 1
                return
        self.st["notifications"] += 1
        o[2] = (o[2] + 1) & 0xFFFFFF
        self._con(o[0], 0x45, o[1], body, o[2], o[3] // 1000 + 2)


class Dns:
    """The router's DNS server (RFC 1035): an A record for each name in names. Faults:
    "dns_fail" (SERVFAIL), "dns_slow" (answers after the fault's seconds)."""

    addr = ("10.0.0.1", 53)

    def __init__(self, faults, names):
        self.F = faults
        self.names = names  # {b"host": b"\x0a\x01\x00\x01"}
        self.st = {"queries": 0, "failed": 0, "slow": 0}

    def rx(self, src, q):
        self.st["queries"] += 1
        if len(q) < 17:
            return
        i = 12
        parts = []
        while q[i]:
            k = q[i]
            parts.append(q[i + 1 : i + 1 + k])
            i += k + 1
        name = b".".join(parts).lower()
        qe = i + 5
        ip = self.names.get(name)
        if self.F.on("dns_fail") is not None:
            self.st["failed"] += 1
            r = q[:2] + b"\x81\x82\x00\x01\x00\x00\x00\x00\x00\x00" + q[12:qe]
        elif ip is None:
            r = q[:2] + b"\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00" + q[12:qe]  # NXDOMAIN
        else:
            r = (
                q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:qe]
                + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04" + ip
            )  # fmt: skip
        w = self.F.on("dns_slow")
        if w is not None:
            self.st["slow"] += 1
            net.at(w[2] * 1000, self._send, (src, r))
        else:
            net.send(self.addr, src, r)

    def _send(self, a):
        net.send(self.addr, a[0], a[1])


_NTP_UNIX = 2208988800  # s from 1900 to 1970


class Ntp:
    """An NTP server (RFC 5905 §7.3, mode 4) on the virtual wall clock. Faults: "ntp_fail"
    (silence), "ntp_garbage" (each answer wrong in another way: mode, kiss-o'-death, LI 3,
    zero timestamp, another originate, short, an implausible time)."""

    addr = ("10.2.0.1", 123)

    def __init__(self, faults):
        self.F = faults
        self.st = {"queries": 0, "answered": 0, "garbage": 0}
        self.n = 0

    def rx(self, src, q):
        self.st["queries"] += 1
        if len(q) < 48 or q[0] & 7 != 3 or self.F.on("ntp_fail") is not None:
            return
        ms = clock.wall_ms()
        sec = ms // 1000 + _NTP_UNIX
        frac = (ms % 1000) * 4294967296 // 1000
        ts = struct.pack(">II", sec, frac)
        head = b"\x24\x02\x06\xec" + bytes(8) + b"GPS\0"
        org = q[40:48]
        if self.F.on("ntp_garbage") is not None:
            self.st["garbage"] += 1
            self.n += 1
            k = self.n % 7
            if k == 0:
                head = b"\x23" + head[1:]  # mode 3
            elif k == 1:
                head = b"\x24\x00" + head[2:12] + b"RATE"  # kiss-o'-death
            elif k == 2:
                head = b"\xe4" + head[1:]  # LI 3: unsynchronized
            elif k == 3:
                ts = bytes(8)  # zero transmit timestamp
            elif k == 4:
                org = bytes(8)  # not our originate
            elif k == 5:
                head = head[:20]  # short
            else:
                ts = struct.pack(">II", 0x80000000, 0)  # 1968: implausible
        else:
            self.st["answered"] += 1
        net.send(self.addr, src, head + ts + org + ts + ts)
