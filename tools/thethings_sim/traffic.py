"""Datagram-level hooks on aiocoap's message manager: request log, outage and loss.

The hooks wrap `MessageManager.dispatch_message` (every parsed incoming datagram, before
deduplication) and `MessageManager._send_via_transport` (every outgoing datagram, including
retransmissions and re-sent answers to duplicates). Acting there, and not in a resource,
is what makes an outage look like a dead link: nothing is ACKed, nothing enters the duplicate
cache, and a client's retransmission after the outage is handled as the new request it is.

Each request becomes one log entry, printed as one line once its answer leaves (or at once
when dropped or a duplicate). Thing tokens are shown by their first 4 characters only.
"""

import collections
import time

from aiocoap.numbers.types import Type

MAX_LOG = 100_000  # entries kept for tests; the oldest go first
TOKEN_PARAMS = ("thingtoken", "token")


def shorten(token):
    return token[:4] + "..." if len(token) > 4 else token


def display_path(uri_path, uri_query=()):
    """`/v2/things/abcd.../resources/temp?limit=5`: the request target without whole tokens."""
    segs = list(uri_path)
    if len(segs) > 2 and segs[:2] == ["v2", "things"] and segs[2]:
        segs[2] = shorten(segs[2])
    out = "/" + "/".join(segs)
    query = []
    for item in uri_query:
        name, sep, value = item.partition("=")
        query.append(name + sep + (shorten(value) if name.lower() in TOKEN_PARAMS else value))
    return out + ("?" + "&".join(query) if query else "")


def is_control(message):
    return message.code.is_request() and message.opt.uri_path[:1] == ("sim",)


class TrafficMonitor:
    def __init__(self, knobs, logline, log_requests=True):
        self.knobs = knobs
        self._logline = logline
        self._print = log_requests
        self.entries = collections.deque(maxlen=MAX_LOG)
        self.notifications = 0  # notifications and keepalives sent (first sends only)
        self._pending = {}  # (remote, token) -> entry waiting for its answer
        self._control = set()  # (remote, token) of /sim exchanges: never faulted
        self._sent_mids = collections.deque(maxlen=1024)  # recent outgoing CON message IDs
        self._mman = None

    def attach(self, mman):
        self._mman = mman
        dispatch, send = mman.dispatch_message, mman._send_via_transport

        def hooked_dispatch(message):
            if self._incoming(message):
                dispatch(message)

        def hooked_send(message):
            if self._outgoing(message):
                send(message)

        mman.dispatch_message = hooked_dispatch
        mman._send_via_transport = hooked_send

    # -- incoming ------------------------------------------------------------------------------

    def _incoming(self, message):
        """False to drop the datagram."""
        if is_control(message):
            self._control.add((message.remote, message.token))
            return True
        dropped = None
        if self.knobs.in_outage():
            dropped = "outage"
        elif self.knobs.should_drop():
            dropped = "loss"
        if not message.code.is_request():
            return dropped is None  # ACK, RST, ping: faulted alike, not logged
        entry = self._entry(message)
        self.entries.append(entry)
        if dropped:
            entry["dropped"] = dropped
            self._emit(entry)
            return False
        stored = self._mman._recent_messages.get((message.remote, message.mid), False)
        if stored is not False and message.mtype is Type.CON:
            # RFC 7252 §4.5: aiocoap answers a duplicate CON from its cache (or not yet)
            entry["retransmission"] = True
            if stored is not None:
                entry["code"] = stored.code.dotted if stored.code else "empty ACK"
            self._emit(entry)
        elif stored is not False:
            entry["retransmission"] = True  # duplicate NON: ignored by aiocoap
            self._emit(entry)
        else:
            self._pending[(message.remote, message.token)] = entry
        return True

    def _entry(self, message):
        return {
            "time": time.time(),
            "remote": message.remote.hostinfo,
            "type": message.mtype.name,
            "mid": message.mid,
            "method": str(message.code).split(" ")[0] if message.code else "?",
            "path": display_path(message.opt.uri_path, message.opt.uri_query),
            "observe": message.opt.observe,
            "block2": None if message.opt.block2 is None else message.opt.block2.block_number,
            "code": None,
            "retransmission": False,
            "separate": False,
            "dropped": None,
            "ms": None,
        }

    # -- outgoing ------------------------------------------------------------------------------

    def _outgoing(self, message):
        """False to drop the datagram."""
        key = (message.remote, message.token)
        if key in self._control:
            if message.code.is_response():
                self._control.discard(key)
            return True
        entry = self._pending.pop(key, None) if message.code.is_response() else None
        drop = self.knobs.in_outage()
        if entry is not None:
            entry["code"] = message.code.dotted
            entry["ms"] = round((time.time() - entry["time"]) * 1000, 1)
            # answered in its own CON/NON after an empty ACK (RFC 7252 §5.2.2)
            entry["separate"] = entry["type"] == "CON" and message.mtype is not Type.ACK
            if drop:
                entry["dropped"] = "outage"
            self._emit(entry)
        elif message.code.is_response() and message.opt.observe is not None:
            if not (message.mtype is Type.CON and message.mid in self._sent_mids):
                self.notifications += 1  # not a retransmission of a notification
        if message.mtype is Type.CON:
            self._sent_mids.append(message.mid)
        return not drop

    # -- output --------------------------------------------------------------------------------

    def _emit(self, e):
        if not self._print:
            return
        tail = "-> %s" % (e["code"] or "(no answer yet)")
        if e["ms"] is not None:
            tail += " %.0fms" % e["ms"]
        flags = [f for f in ("retransmission", "separate") if e[f]]
        if e["observe"] is not None:
            flags.append("observe=%d" % e["observe"])
        if e["block2"] is not None:
            flags.append("block2=%d" % e["block2"])
        if e["dropped"]:
            flags.append("DROPPED(%s)" % e["dropped"])
            if e["code"] is None:
                tail = "-> -"
        stamp = time.strftime("%H:%M:%S", time.localtime(e["time"]))
        stamp += ".%03d" % int(e["time"] % 1 * 1000)
        line = "%s %s %s %s %s %s" % (stamp, e["remote"], e["type"], e["method"], e["path"], tail)
        self._logline(line + ("" if not flags else " [" + " ".join(flags) + "]"))

    def snapshot(self):
        return [dict(e) for e in self.entries]
