# Server-side Observe (RFC 7641 §4) for coap.server: the observers of its resources and
# their notifications. coap.server loads this module only once a registration arrives (a GET
# with Observe): a board serving observable resources nobody observes carries none of it;
# the firmware's client never does.
#
# An observer (a list, slots _OP..: a class would cost its type and a dict each) is keyed by
# its peer (the engine's message layer for its address) and its token (§4.1; an empty
# token is one too). It keeps its registration's datagram (at most _REQ_MAX bytes): each
# notification decodes it into a Message of ours and asks the resource's GET handler again,
# so that its Accept, queries and path are honoured per observer, as a GET then would be.
# Server.changed() only marks the observers (no handler runs inside the caller's code, a
# handler included); the server's tick builds the notifications. A notification on its way
# is an entry of the server's separate-response list (Server._sep: the same datagram,
# MID, retransmission slots, and _SOB naming its observer), so RFC 7252 §4.2's
# retransmission, the ACK and RST matching and the peer LRU's care are the server's own.
#
# Bounds: Server.max_observers over all paths (past it: the response without Observe,
# §4.1); at most one notification of an observer on its way (§4.5.2: a newer state
# replaces it, its transmission counter and timeout carried over); the peer of an
# observer is kept by the server's peer LRU (Server._trim) while it observes, so that the
# peers are bounded by max_peers + max_observers (+ the client's server).
from time import ticks_diff

from micropython import const

from coap.message import Message

_CON = const(0)
_NON = const(1)
_RST = const(3)
_ADDR = const(0)  # the engine's peer slot of its address
_ATTRS = const(7)  # a resource's link attributes (coap/server_request.py)
# A separate response's slots (coap/server.py's _SP..)
_SD = const(1)
_SMID = const(2)
_SCON = const(3)
_STRIES = const(4)
_STMO = const(5)
_SOB = const(8)
# An observer's slots
_OP = const(0)  # its peer
_OTOK = const(1)  # the registration's token
_OREQ = const(2)  # the registration's datagram (bytes)
_OKEY = const(3)  # the resource's path, a tuple of bytes segments
_OX = const(4)  # its notification on its way (a Server._sep entry), or None
_OMID = const(5)  # the MIDs of its last two notifications, which an RST may carry (§3.6)
_OMID2 = const(6)
_OCT = const(7)  # when it was last sent a CON (or registered); None: a CON is due (§4.5)
_OPEND = const(8)  # a new state to notify: 0 none, 1 as a NON, 2 as a CON
_DAY = const(86400000)  # RFC 7641 §4.5: a CON notification at least every 24 hours
_REQ_MAX = const(256)  # the longest registration kept (a larger one: not registered)
_SEQ = const(0xFFFFFF)  # §4.4: 24-bit sequence numbers


class Observers:
    """The observers of Server s's resources (s._ob), and their notifications."""

    def __init__(self, s):
        self.s = s
        self.obs = []
        self.seq = 0  # the last Observe value sent, to any observer: increasing for each
        self.m = Message()  # a registration decoded again, for its handler
        self.pend = False  # some observer has a new state to be sent

    def request(self, p, m, data, n, r, now):
        # A GET with Observe from peer p (m decoded from data[:n]) that the resource answered
        # r, (code, payload, cf, options): r, with Observe when it registers (§4.1).
        s = self.s
        tok = m.token()
        o = self.find(p, tok)
        if m.uint(6) == 0 and r[0] >> 5 == 2 and n <= _REQ_MAX and not s.mcast:
            key = tuple(m.opts(11))
            res = s._res.get(key)
            if res is not None and ("obs", None) in res[_ATTRS]:
                if o is None:
                    if len(self.obs) >= s.max_observers:
                        return r  # §4.1: past our bound, the plain response
                    o = [p, tok, None, None, None, -1, -1, now, 0]
                    self.obs.append(o)
                # a new entry, or §4.1: the same peer and token again replace the old one
                o[_OREQ] = bytes(data[:n])
                o[_OKEY] = key
                o[_OCT] = now
                o[_OPEND] = 0  # (this response carries the current state)
                return (r[0], r[1], r[2], list(r[3]) + [(6, self.next())])
        if o is not None:
            # §3.6, §4.1: Observe 1 deregisters; and a response without Observe to the same
            # peer and token (an error, a resource no longer observable) ends the entry
            self.drop(o)
        return r

    def next(self):
        self.seq = q = (self.seq + 1) & _SEQ  # §4.4: 24 bits, wrapping
        return q

    def find(self, p, tok):
        for o in self.obs:
            if o[_OP] is p and o[_OTOK] == tok:
                return o
        return None

    def drop(self, o):
        x = o[_OX]
        if x is not None and x in self.s._sep:
            self.s._sep.remove(x)
        self.obs.remove(o)

    def count(self, key=None):
        key = _key(key)
        k = 0
        for o in self.obs:
            if key is None or o[_OKEY] == key:
                k += 1
        return k

    def has(self, p):
        for o in self.obs:
            if o[_OP] is p:
                return True
        return False

    def changed(self, key, con):
        key = _key(key)
        for o in self.obs:
            if o[_OKEY] == key:
                o[_OPEND] = max(o[_OPEND], 2 if con else 1)
                self.pend = True

    # -- the server's hooks ----------------------------------------------------------------

    def tick(self, now):
        # Server._tick, before it sends what is due: each observer ages (§4.5: a CON at
        # least every 24 h; ticks order stamps within 2**29 ms only, and the server's timers
        # run at least every CAP, 2**28 ms), and those with a new state get it.
        obs = self.obs
        pend = self.pend
        self.pend = False
        i = 0
        while i < len(obs):
            o = obs[i]
            if o[_OCT] is not None and ticks_diff(now, o[_OCT]) >= _DAY:
                o[_OCT] = None
            if pend and o[_OPEND] and self._notify(o, now):
                continue  # it was removed
            i += 1

    def _notify(self, o, now):
        # Observer o's notification: its handler's answer to its registration now, with the
        # registration's token (§4.2) and the next sequence number (§4.4). True if that
        # ends the observation (§4.2: a response that is not 2.xx, sent without Observe).
        s = self.s
        con = o[_OPEND] == 2 or o[_OCT] is None
        o[_OPEND] = 0
        m = self.m
        m.decode(o[_OREQ])  # (a datagram that decoded once)
        w = len(s._sep)
        r = s._handle(m, o[_OP], now)
        if r is None:  # later(): a handler may not defer a notification; none this time
            del s._sep[w:]
            return False
        ok = r[0] >> 5 == 2
        opts = list(r[3]) + [(6, self.next())] if ok else r[3]
        q = s._sep
        x = o[_OX]
        if x is not None and not x[_SCON] and x[_STRIES]:
            q.remove(x)  # a NON already sent: nothing of it is left to do
            x = None
        if x is not None:
            # §4.5.2: a newer state while the last one is still on its way replaces it: a
            # CON stays a CON (never two in flight to one observer), with its transmission
            # counter and timeout (the next goes when the old one's retransmission would);
            # a new MID, as it is a new message (RFC 7252 §4.4)
            con = con or x[_SCON]
        p = o[_OP]
        mid = s._mid_for(p)
        s._encode(_CON if con else _NON, r[0], mid, o[_OTOK], r[1], r[2], opts)
        d = bytes(s.enc.buf[: len(s.enc)])
        ok = ok and d[1] == r[0]  # (_encode's 5.00 for an answer over a datagram: an error)
        if x is None:
            x = [p, d, mid, con, 0, 0, now, o[_OTOK], o]
            q.append(x)
            o[_OX] = x
        else:
            x[_SD] = d
            x[_SMID] = mid
            x[_SCON] = con
        if not x[_STRIES]:
            e = s.e
            b = e.rand(2)  # RFC 7252 §4.2: the first timeout in [ACK_TIMEOUT, * factor]
            x[_STMO] = e.ack_timeout + e._span * (b[0] << 8 | b[1]) // 65535
        o[_OMID2] = o[_OMID]
        o[_OMID] = mid
        if con:
            o[_OCT] = now
        if ok:
            return False
        x[_SOB] = None  # on its way alone, as a separate response is
        o[_OX] = None
        self.obs.remove(o)
        return True

    def sent(self, o, con):
        # Server._tick is done with o's notification: a NON sent, or a CON that was never
        # ACKed (MAX_RETRANSMIT): RFC 7641 §4.5, the client is gone.
        o[_OX] = None
        if con and o in self.obs:
            self.obs.remove(o)

    def answer(self, addr, data):
        # An ACK or RST (data, at least 4 bytes) from addr: True if it answers a notification.
        # An ACK ends its retransmission; an RST (§3.6: the client rejects it, by MID, a CON's
        # or a NON's) removes the observer too.
        t = data[0] >> 4 & 3
        mid = data[2] << 8 | data[3]
        for o in self.obs:
            if o[_OP][_ADDR] != addr:
                continue
            x = o[_OX]
            if x is not None and x[_SCON] and x[_STRIES] and x[_SMID] == mid:
                self.s._sep.remove(x)
                o[_OX] = None
                if t == _RST:
                    self.obs.remove(o)
                return True
            if t == _RST and (mid == o[_OMID] or mid == o[_OMID2]):
                self.drop(o)
                return True
        return False


def _key(path):
    # a path as the server keys it: '/a/b' as a tuple of bytes segments (a tuple as it is)
    if isinstance(path, str):
        import coap.uri as u

        return u.path(path)
    return path
