# The ETSI CoAP plugtest resource set (the one Californium's and libcoap's plugtest servers
# serve for the test descriptions TD_COAP_CORE, _LINK, _BLOCK and _OBS), on a coap.server
# Server: `micropython -m coap serve --plugtest` (coap/serve_cli.py), or
#
#   p = Plugtest(server)            registers the resources
#   p.tick(now); p.due(now)         its timers (the separate responses, the /obs state),
#                                   run by the serve loop beside the server's
#
# Each resource answers as the TDs' "check" steps expect; the TD is named next to it.
# What a peer can make it keep is bounded: a representation put or posted is at most the
# server's max_body (coap.server_block assembles Block1 uploads up to it), the separate
# responses waiting at most the server's max_separate.
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

from coap.server import (
    CHANGED,
    CONTENT,
    CREATED,
    DELETED,
    ETAG,
    LOCATION_PATH,
    LOCATION_QUERY,
    MAX_AGE,
    NOT_ACCEPTABLE,
    NOT_FOUND,
    VALID,
)  # fmt: skip

PRECONDITION_FAILED = const(0x8C)  # 4.12, RFC 7252 §5.9.2.9 (If-Match, If-None-Match)
_TEXT = const(0)  # text/plain;charset=utf-8, RFC 7252 §12.3
_LINK = const(40)  # application/link-format, RFC 6690 §7.3
_XML = const(41)  # application/xml
_IF_MATCH = const(1)  # RFC 7252 §5.10.8.1
_IF_NONE_MATCH = const(5)  # RFC 7252 §5.10.8.2
_QUERY = const(15)
_ACCEPT = const(17)
_OBSERVE = const(6)  # RFC 7641 §2
LARGE = const(1280)  # /large's least size: more than one datagram's payload (§4.6)
_TYPES = ("CON", "NON", "ACK", "RST")


class Plugtest:
    """The plugtest resources on server s (coap.server.Server). separate_ms: how long
    /separate takes before its response (RFC 7252 §5.2.2); obs_ms: how often /obs and
    /obs-non change (the TDs' 5 s)."""

    separate_ms = 1000
    obs_ms = 5000

    def __init__(self, s, now=None):
        self.s = s
        self.t0 = ticks_ms() if now is None else now
        self.period = 0  # /obs's state: obs_ms periods since the start
        self._ov = b""  # /obs's representation put (OBS_09); b"": "state N"; None: deleted
        self._ocf = _TEXT  # ... and its Content-Format (OBS_08)
        self._refuse = False  # a PUT changed /obs's format: its observers get 4.06 (OBS_08)
        self._wait = []  # (when, later() handle) of each /separate response to come
        r = s.e.rand(2)
        self._tag = r[0] << 8 | r[1]  # /validate's version: its ETag (RFC 7252 §5.10.6)
        self._val = b"validate 0"
        self._c1 = None  # /create1's representation; None: not created
        self._upd = b"nothing put yet"
        self._new = None
        text = (_TEXT,)
        add = s.add
        # TD_COAP_CORE_01..08, 10, 12, 15, 18: every method, CON and NON
        add("/test", get=self._test, post=self._test, put=self._test, delete=self._test,
            ct=text)  # fmt: skip
        add("/separate", get=self._separate, ct=text)  # CORE_09, 11, 16, 17
        add("/seg1/seg2/seg3", get=lambda m: (CONTENT, b"seg1/seg2/seg3"), ct=text)  # CORE_13
        add("/query", get=self._query, ct=text)  # CORE_14
        add("/location-query", post=self._location_query)  # CORE_19
        add("/multi-format", get=self._multi, ct=(_TEXT, _XML))  # CORE_20
        add("/validate", get=self._validate, put=self._validate, ct=text)  # CORE_21, 22
        add("/create1", get=self._create1, put=self._create1, delete=self._create1,
            ct=text)  # CORE_23  # fmt: skip
        # TD_COAP_BLOCK_01..06: Block2 and Block1 are coap.server_block's
        big = bytearray()
        while len(big) < LARGE:
            big.extend(
                ("%04d The ETSI plugtest's /large: more than one block.\n" % len(big)).encode()
            )
        self._large = bytes(big)
        add("/large", get=lambda m: (CONTENT, self._large), ct=text, sz=len(big), title="Large")
        add("/large-update", get=lambda m: (CONTENT, self._upd), put=self._update, ct=text)
        add("/large-create", get=self._created, post=self._create, ct=text)
        add("/large-post", post=self._post, ct=text)  # BLOCK_05: a large answer to a large POST
        # TD_COAP_OBS: observable, a new state every obs_ms; /obs takes PUT (OBS_08, 09) and
        # DELETE (OBS_07)
        add("/obs", get=self._obs, put=self._obs_put, delete=self._obs_delete, ct=(_TEXT, _XML),
            takes=(_TEXT, _XML), obs=True, rt="observe", title="Observable")  # fmt: skip
        add("/obs-non", get=self._obs_non, ct=text, obs=True, rt="observe",
            title="NON notifications")  # fmt: skip
        # TD_COAP_LINK_01..09: RFC 6690's example attributes, and a hierarchy under /path
        hello = lambda m: (CONTENT, b"link")  # noqa: E731
        add("/link1", get=hello, rt="Type1 Type2", iface="If1", ct=text)
        add("/link2", get=hello, rt="Type2 Type3", iface="If2", ct=text)
        add("/link3", get=hello, rt="Type1 Type3", iface="foo", ct=text)
        add("/path", get=self._path, ct=(_LINK,))
        for i in (1, 2, 3):
            add("/path/sub%d" % i, get=lambda m: (CONTENT, b"sub"), ct=text)

    # -- timers: run by the serve loop ----------------------------------------------------

    def tick(self, now):
        s = self.s
        q = self._wait
        while q and ticks_diff(now, q[0][0]) >= 0:
            # CORE_09, 11: the separate response, a CON of its own after the empty ACK;
            # CORE_17: a NON for a NON request (RFC 7252 §5.2.2)
            s.respond(q.pop(0)[1], CONTENT, b"separate response", _TEXT, now=now)
        if self._refuse and not s.observers("/obs"):
            self._refuse = False  # each observer got its 4.06, which ended it (RFC 7641 §4.2)
        n = ticks_diff(now, self.t0) // self.obs_ms
        if n != self.period:
            self.period = n
            if self._ov is not None:
                self._ov = b""  # a new state replaces what was put
            # a new state: /obs notifies by CON, /obs-non by NON (RFC 7641 §4.2, §4.5)
            s.changed("/obs", con=True)
            s.changed("/obs-non")

    def due(self, now):
        """ms until tick() has something to do."""
        t = self.obs_ms - ticks_diff(now, self.t0) % self.obs_ms
        if self._wait:
            t = min(t, ticks_diff(self._wait[0][0], now))
        return max(t, 0)

    # -- the handlers ---------------------------------------------------------------------

    def _test(self, m):
        c = m.code
        if c == 2:  # POST, CORE_04, 08, 18: created at /location1/location2/location3
            o = [(LOCATION_PATH, x) for x in (b"location1", b"location2", b"location3")]
            return (CREATED, None, -1, o)
        if c == 3:
            return CHANGED  # PUT, CORE_03, 07
        if c == 4:
            return DELETED  # CORE_02, 06
        # GET, CORE_01, 05, 10, 12: what the request was, as Californium's /test tells it
        t = "Type: %d (%s)\nCode: %d (GET)\nMID: %d\nToken: %s" % (
            m.mtype, _TYPES[m.mtype], m.code, m.mid, _hex(m.token()) or "(empty)")  # fmt: skip
        return (CONTENT, t, _TEXT, [(MAX_AGE, 30)])

    def _separate(self, m):
        self._wait.append((ticks_add(ticks_ms(), self.separate_ms), self.s.later(m)))

    def _query(self, m):
        # CORE_14: each Uri-Query option is one parameter (RFC 7252 §6.5 step 8)
        return (CONTENT, b"&".join(m.opts(_QUERY)) or b"(no query)", _TEXT)

    def _location_query(self, m):
        return (CREATED, None, -1, [(LOCATION_QUERY, b"first=1"), (LOCATION_QUERY, b"second=2")])

    def _multi(self, m):
        # CORE_20: the representation the Accept asks for (RFC 7252 §5.10.4); an Accept
        # outside (0, 41) got 4.06 from the server already
        if m.uint(_ACCEPT) == _XML:
            return (CONTENT, b"<msg>multi-format</msg>", _XML)
        return (CONTENT, b"multi-format", _TEXT)

    def _etag(self):
        return bytes((self._tag >> 8, self._tag & 0xFF))

    def _validate(self, m):
        tag = self._etag()
        if m.code == 1:
            # CORE_21: a GET naming the current ETag gets 2.03 Valid with it and no
            # payload (RFC 7252 §5.10.6.2)
            if tag in m.opts(ETAG):
                return (VALID, None, -1, [(ETAG, tag), (MAX_AGE, 30)])
            return (CONTENT, self._val, _TEXT, [(ETAG, tag), (MAX_AGE, 30)])
        # CORE_22: PUT with If-Match applies only while that ETag is current (an empty
        # If-Match: any representation); If-None-Match fails on an existing one (§5.10.8)
        im = m.opts(_IF_MATCH)
        if im and tag not in im and b"" not in im or m.opt(_IF_NONE_MATCH) is not None:
            return PRECONDITION_FAILED
        self._val = bytes(m.payload())
        self._tag = (self._tag + 1) & 0xFFFF
        return (CHANGED, None, -1, [(ETAG, self._etag())])

    def _create1(self, m):
        c = m.code
        if c == 1:
            return NOT_FOUND if self._c1 is None else (CONTENT, self._c1, _TEXT)
        if c == 4:
            self._c1 = None
            return DELETED
        # CORE_23: PUT with If-None-Match creates it once; then 4.12 (RFC 7252 §5.10.8.2)
        new = self._c1 is None
        if not new and m.opt(_IF_NONE_MATCH) is not None:
            return PRECONDITION_FAILED
        self._c1 = bytes(m.payload())
        return CREATED if new else CHANGED

    def _update(self, m):
        self._upd = bytes(m.payload())  # BLOCK_03: the whole body, Block1 or not
        return CHANGED

    def _create(self, m):
        self._new = bytes(m.payload())  # BLOCK_04: retrievable where Location-Path says
        return (CREATED, None, -1, [(LOCATION_PATH, b"large-create")])

    def _created(self, m):
        return NOT_FOUND if self._new is None else (CONTENT, self._new, _TEXT)

    def _obs_non(self, m):
        return (CONTENT, "state %d" % self.period, _TEXT, [(MAX_AGE, self._age())])

    def _age(self):
        return (self.obs_ms + 999) // 1000  # RFC 7252 §5.10.5: fresh until the next state

    def _obs(self, m):
        # OBS_07: deleted, 4.04 (its observers get it, and are gone, RFC 7641 §3.2, §4.2)
        v = self._ov
        if v is None:
            return NOT_FOUND
        # OBS_08: an observer registered before the format changed gets 4.06 and is gone
        if self._refuse and m.opt(_OBSERVE) is not None:
            return NOT_ACCEPTABLE
        cf = self._ocf
        a = m.uint(_ACCEPT)
        if a is not None and a != cf:
            return NOT_ACCEPTABLE  # RFC 7252 §5.10.4: not in the format it has now
        if not v:
            v = ("<state>%d</state>" if cf == _XML else "state %d") % self.period
        return (CONTENT, v, cf, [(MAX_AGE, self._age())])

    def _obs_put(self, m):
        # OBS_09: a new representation, notified to the observers (as CONs: /obs's kind);
        # OBS_08: in another Content-Format, the observers get 4.06 instead (RFC 7641 §4.2,
        # as the TD wants); a PUT after DELETE creates it again
        cf = m.uint(12, _TEXT)
        new = self._ov is None
        self._refuse = not new and cf != self._ocf
        self._ov = bytes(m.payload()) or b""
        self._ocf = cf
        self.s.changed("/obs", con=True)
        return CREATED if new else CHANGED

    def _obs_delete(self, m):
        self._ov = None
        self.s.changed("/obs", con=True)
        return DELETED

    def _post(self, m):
        # BLOCK_05: the body posted, in upper case: as large as the request (Block2 back)
        return (CHANGED, bytes(m.payload()).upper(), _TEXT)

    def _path(self, m):
        # LINK_09: the links of /path's children, in link format (RFC 6690 §2)
        return (CONTENT, "</path/sub1>,</path/sub2>,</path/sub3>", _LINK)


def _hex(b):
    return "".join("%02x" % x for x in b)
