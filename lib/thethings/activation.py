# activate(): once per device, so in a module of its own, imported on first use (`from
# thethings import activate`) and unloadable after: a board keeps no RAM for it.
import json

from micropython import const

from thethings.thing import ThingError, _answer

_POST = const(2)
_JSON = const(50)  # Content-Format application/json, RFC 7252 §12.3


def activate(client, activation_code, timeout_ms=None):
    """POST /v2/things/ {"activationCode": ...} -> the thing token (43 characters from
    theThings.IO; any non-empty string is accepted). ThingError when the server refuses, e.g.
    4.00 "Error creating thing" for a code already used: activate once, keep the token."""
    body = '{"activationCode":%s}' % json.dumps(activation_code)
    # The path as the seed's coap-cli sends it: it drops the trailing slash of /v2/things/
    # (tools/thethings_sim/README.md), so this is what the real server answers.
    m = client.request(_POST, (b"v2", b"things"), body, cf=_JSON, timeout_ms=timeout_ms)
    b = _answer(m)
    t = b.get("thingToken") if isinstance(b, dict) else None
    if not isinstance(t, str) or not t:
        raise ThingError(m.code, "no thingToken in the answer")
    return t
