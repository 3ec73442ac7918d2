"""Loopback-only control resource `/sim/...`: the knobs and the stored data, over CoAP.

For scripts (`make run`) and tests in another process; the in-process test helper
(`testing.SimServer`) calls the same `Server` methods directly. Requests from any address that
is not loopback get 4.03, so a sim bound to a LAN address for a real board stays safe.
Control requests are never subject to the knobs (outage, loss, error answers, delays).

    GET  /sim/status                        knobs, port, db, counts
    POST /sim/outage    {"seconds": 5}      stop answering for 5 s (0 ends it)
    POST /sim/fail      {"n": 3, "code": "5.03"}   or {"rate": 0.2, "code": "5.03"}
    POST /sim/separate  {"on": true, "delay": 0.5}
    POST /sim/drop      {"rate": 0.1}       drop that fraction of incoming datagrams
    POST /sim/codes     {"n": 2}            -> {"codes": [...]}, fresh activation codes
    GET  /sim/things                        -> [{"token", "code", "created"}]
    GET  /sim/records?token=T[&key=K]       -> everything stored, in storage order
    GET  /sim/log[?since=N]                 -> request log entries N.. (see traffic.py)
A bare JSON number is accepted as the payload of outage (seconds), fail (n), drop (rate) and
codes (n), e.g. `coap-client-notls -m post -e 5 coap://127.0.0.1:5683/sim/outage`.
"""

import ipaddress
import json

from aiocoap.numbers.codes import Code

from .resources import json_message, parse_query, split_path

_BARE = {"outage": "seconds", "fail": "n", "drop": "rate", "codes": "n"}


def _is_loopback(remote):
    try:
        host = remote.sockaddr[0]
    except (AttributeError, IndexError):
        return False
    addr = ipaddress.ip_address(host.split("%")[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


def _error(code, message):
    return json_message(code, {"status": "error", "message": message})


class Control:
    def __init__(self, server):
        self.server = server

    async def respond(self, request):
        if not _is_loopback(request.remote):
            return _error(Code.FORBIDDEN, "control is loopback-only")
        path = split_path(request.opt.uri_path)[1:]
        name = path[0] if len(path) == 1 else None
        handler = getattr(self, "_%s_%s" % (str(request.code).split(" ")[0].lower(), name), None)
        if handler is None:
            return _error(Code.NOT_FOUND, "unknown control path")
        try:
            args = self._args(request, name)
            return handler(args)
        except (ValueError, TypeError, KeyError) as e:
            return _error(Code.BAD_REQUEST, "bad control request: %s" % e)

    @staticmethod
    def _args(request, name):
        if request.code != Code.POST:
            return parse_query(request.opt.uri_query)
        text = request.payload.decode("utf-8").strip()
        if not text:
            return {}
        body = json.loads(text)
        if not isinstance(body, dict):
            body = {_BARE[name]: body}
        return body

    # -- knobs ---------------------------------------------------------------------------------

    def _post_outage(self, a):
        self.server.knobs.outage(a["seconds"])
        return self._status_message(Code.CHANGED)

    def _post_fail(self, a):
        code = a.get("code", "5.03")
        if "rate" in a:
            self.server.knobs.set_fail_rate(a["rate"], code)
        else:
            self.server.knobs.fail_next(a.get("n", 1), code)
        return self._status_message(Code.CHANGED)

    def _post_separate(self, a):
        self.server.knobs.separate(bool(a.get("on", True)), a.get("delay", 0.5))
        return self._status_message(Code.CHANGED)

    def _post_drop(self, a):
        self.server.knobs.set_drop_rate(a["rate"])
        return self._status_message(Code.CHANGED)

    def _get_status(self, a):
        return self._status_message(Code.CONTENT)

    def _status_message(self, code):
        return json_message(code, self.server.status())

    # -- data ----------------------------------------------------------------------------------

    def _post_codes(self, a):
        return json_message(Code.CREATED, {"codes": self.server.new_codes(int(a.get("n", 1)))})

    def _get_things(self, a):
        return json_message(Code.CONTENT, self.server.things())

    def _get_records(self, a):
        return json_message(Code.CONTENT, self.server.records(a["token"], a.get("key")))

    def _get_log(self, a):
        return json_message(Code.CONTENT, self.server.request_log()[int(a.get("since", 0)) :])
