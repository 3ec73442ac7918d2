# Activation: once per device, so in a module of its own, imported on first use (`from
# thethings import activate`) and unloadable after: a board keeps no RAM for it.
#   activate(client, code)   blocking: the thing token
#   request(code), token(m)  the request and the reading of its answer, for an application
#                            that runs the exchange in the background (the firmware does:
#                            Client.start(request(code)), then token() of its response)
import json

from micropython import const

from coap.engine import Request
from thethings.thing import ThingError, _answer

_POST = const(2)
_JSON = const(50)  # Content-Format application/json, RFC 7252 §12.3


def request(activation_code):
    """The activation request: POST /v2/things/ {"activationCode": ...}."""
    body = '{"activationCode":%s}' % json.dumps(activation_code)
    # The path as the seed's coap-cli sends it: it drops the trailing slash of /v2/things/
    # (tools/thethings_sim/README.md), so this is what the real server answers.
    return Request(_POST, (b"v2", b"things"), (), body, cf=_JSON)


def token(m):
    """The thing token in answer m (43 characters from theThings.IO; any non-empty string is
    accepted), or ThingError when the server refused, e.g. 4.00 "Error creating thing" for a
    code already used: activate once, keep the token."""
    b = _answer(m)
    t = b.get("thingToken") if isinstance(b, dict) else None
    if not isinstance(t, str) or not t:
        raise ThingError(m.code, "no thingToken in the answer")
    return t


def activate(client, activation_code, timeout_ms=None):
    """POST /v2/things/ -> the thing token; ThingError when the server refuses (token())."""
    r = request(activation_code)
    return token(client.request(r.code, r.path, r.pay, cf=r.cf, timeout_ms=timeout_ms))
