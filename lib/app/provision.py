# Getting onto the server, imported by App.ready() only when the client or the token is
# missing, and unloaded after each use (RAM: it runs once per boot, or per WiFi reconnect):
#   connect()   the CoAP client, on a socket connected to the server; the address is
#               resolved the first time it works and kept for the rest of the boot (DNS
#               once; a WiFi reconnect gets a fresh socket as the local address may change)
#   activate()  once per device, when no token is in flash: a refused activation (e.g. 4.00
#               "Error creating thing": code unknown or used) is reported with the server's
#               message and retried after a backoff, as is one without an answer; sampling
#               goes on meanwhile, the readings wait in the outbox
import gc
from time import ticks_diff, ticks_ms

from app import unload
from coap.client import Client, CoapError
from thethings import ThingError, redact


def up(app, dl):
    """Connect, then activate, as needed: None when both are done, else why not. The caller
    makes the Thing (after a collection: it stays)."""
    ok = app.client or connect(app)
    gc.collect()  # coap.uri's code: the activation's is loaded next (the heap's peak)
    ok = ok and (app.token or activate(app, dl))
    unload("app.provision")
    unload("thethings.activation")
    if not ok:
        return "not activated" if app.client else "no server"
    return None


def connect(app):
    if not app.b_net.ready():
        return False
    cfg = app.cfg
    try:
        import socket
    except ImportError:  # a port without networking (RPI_PICO): readings wait in the outbox
        return False
    try:
        if app.addr is None:
            app.board.feed()  # getaddrinfo blocks without a deadline
            ai = socket.getaddrinfo(cfg["host"], cfg["port"], 0, socket.SOCK_DGRAM)[0]
            app.addr = (ai[0], ai[-1])
        import coap.uri  # noqa: F401 - Client() needs it (the host): loaded before collecting

        gc.collect()  # so that the client's buffers (kept) go to the bottom of the heap
        s = socket.socket(app.addr[0], socket.SOCK_DGRAM)
        try:
            # A connected socket: the network stack drops datagrams from anyone else, and
            # recv() allocates no source address per datagram.
            s.connect(app.addr[1])
            # theThings.IO answers and notifications are small, and writes are kept to
            # 512 bytes (app.flush): 512-byte blocks, datagrams of 640 bytes both ways.
            c = app.client = Client(cfg["host"], cfg["port"], sock=s, tx_max=640, **cfg["coap"])
            c.block_szx = 5
            c.rx_max = 640
        except Exception:
            s.close()
            raise
        finally:
            unload("coap.uri")  # requests take paths as tuples
    except OSError as e:
        app.log("server %s: %r, retry in %d ms" % (cfg["server"], e, app.b_net.fail()))
        return False
    app.b_net.ok()
    return True


def activate(app, dl):
    code = app.cfg["activation_code"]
    if not app.b_net.ready() or ticks_diff(dl, ticks_ms()) <= 0 or not code:
        return False
    app.stats["activations"] += 1
    # Activation is not idempotent: once the server has created the thing, a new request
    # is refused, so an answer lost for good costs the code. It happens once per device, so
    # it gets the whole RFC 7252 retransmission schedule (MAX_TRANSMIT_WAIT, within the
    # watchdog's reach), past the next sample if need be: a retransmission (same message
    # ID) gets the server's cached answer, the token.
    ms = min(app.max_block, max(ticks_diff(dl, ticks_ms()), app.client.max_wait))
    app.board.feed()
    try:
        from thethings.activation import activate as post  # once per device: unloaded after

        token = post(app.client, code, timeout_ms=ms)
    except ThingError as e:
        app.log("activation refused: %s (%s), retry in %d ms" % (
            e.message or "no message", str(e).split()[0], app.b_net.fail()))  # fmt: skip
        return False
    except (CoapError, OSError) as e:
        app.log("activation: no answer (%r), retry in %d ms" % (e, app.b_net.fail()))
        return False
    app.store.save_token(token)  # tmp + rename: whole or absent after a power cut
    app.token = token
    app.b_net.ok()
    app.log("activated: token %s saved" % redact(token))
    return True
