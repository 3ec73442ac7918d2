# Getting onto the server, imported by app.App only when needed and unloaded after:
#   connect()   the CoAP client, on a socket connected to the server; the address is
#               resolved the first time it works and kept for the rest of the boot (DNS
#               once; a WiFi reconnect gets a fresh socket as the local address may change)
#   activate()  once per device, when no token is in flash: a refused activation (e.g. 4.00
#               "Error creating thing": code unknown or used) is reported with the server's
#               message and retried after a backoff, as is one without an answer; sampling
#               goes on meanwhile, the readings wait in the outbox
import socket

from coap.client import Client, CoapError
from thethings import Thing, ThingError, redact
from thethings import activate as _activate


def connect(app):
    if not app.b_dns.ready():
        return False
    cfg = app.cfg
    try:
        if app.addr is None:
            app.board.feed()  # getaddrinfo blocks without a deadline
            ai = socket.getaddrinfo(cfg["host"], cfg["port"], 0, socket.SOCK_DGRAM)[0]
            app.addr = (ai[0], ai[-1])
        s = socket.socket(app.addr[0], socket.SOCK_DGRAM)
        try:
            s.connect(app.addr[1])
            app.client = Client(cfg["host"], cfg["port"], sock=s, **cfg["coap"])
        except Exception:
            s.close()
            raise
    except OSError as e:
        app.log("server %s: %r, retry in %d ms" % (cfg["server"], e, app.b_dns.fail()))
        return False
    app.b_dns.ok()
    if app.token:
        app.thing = Thing(app.client, app.token)
    return True


def activate(app, dl):
    code = app.cfg["activation_code"]
    if not app.b_act.ready() or app.left(dl) <= 0 or not code:
        return False
    app.stats["activations"] += 1
    # Activation is not idempotent: once the server has created the thing, a new request
    # is refused, so an answer lost for good costs the code. It happens once per device, so
    # it gets the whole RFC 7252 retransmission schedule (MAX_TRANSMIT_WAIT, within the
    # watchdog's reach), past the next sample if need be: a retransmission (same message
    # ID) gets the server's cached answer, the token.
    ms = max(app.budget(dl), min(app.max_block, app.client.max_wait))
    app.board.feed()
    try:
        token = _activate(app.client, code, timeout_ms=ms)
    except ThingError as e:
        app.log("activation refused: %s (%s), retry in %d ms" % (
            e.message or "no message", str(e).split()[0], app.b_act.fail()))  # fmt: skip
        return False
    except (CoapError, OSError) as e:
        app.log("activation: no answer (%r), retry in %d ms" % (e, app.b_act.fail()))
        return False
    app.store.save_token(token)  # tmp + rename: whole or absent after a power cut
    app.token = token
    app.thing = Thing(app.client, token)
    app.b_act.ok()
    app.log("activated: token %s saved" % redact(token))
    return True
