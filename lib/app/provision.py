# Getting onto the server, imported by App.ready() only while the client or the token is
# missing, and unloaded after each use (RAM: it runs once per boot, or per WiFi reconnect):
#   connect()   the server's address: DNS with a deadline (app.dns, to the board's DNS
#               server), the last good one kept in flash ("addr") for when DNS fails; then a
#               socket connected to it and the CoAP client (a WiFi reconnect gets a fresh
#               socket: the local address may have changed)
#   activate()  once per device, when no token is in flash: a request in the background
#               with the whole RFC 7252 retransmission schedule (MAX_TRANSMIT_WAIT, past
#               the period; the idle slices drive it, feeding the watchdog between them): a
#               lost answer can cost the code. A refused code is reported with the server's
#               message (once per message) and tried again rarely: after 1 h, doubling to
#               12 h. Sampling goes on meanwhile; the readings wait in the outbox.
import gc
from time import ticks_ms

from app import unload
from app.outbox import write_atomic
from coap.client import Client, CoapError
from thethings import ThingError, redact


def up(app):
    """None when the client and the token are there, else why not (the caller makes the
    Thing, after a collection: it stays)."""
    ok = app.client or connect(app)
    gc.collect()  # coap.uri's code: the activation's may be loaded next (the heap's peak)
    ok = ok and (app.token or activate(app))
    unload("app.provision")
    unload("app.dns")
    unload("coap.uri")  # (app.dns's is_ip())
    unload("thethings.activation")
    if ok:
        return None
    return "activating" if app.act else "not activated" if app.client else "no server"


def _address(app, socket):
    from coap.uri import is_ip  # (loaded by connect(), unloaded after it)

    # (family, sockaddr) of the server. A name goes to our resolver with a deadline when the
    # board knows its DNS server (else to getaddrinfo, the host's: the unix port), and the
    # answer is kept in flash; when DNS fails, the kept one for that name is used.
    cfg = app.cfg
    host, port = cfg["host"], cfg["port"]
    dns = app.board.dns_server()
    if dns is not None and not is_ip(host):
        import app.dns as d

        try:
            ip = d.resolve(host, dns[0], max(1, app.left()), dns[1])
            if _kept(host) != ip:
                try:
                    write_atomic("addr", "%s %s" % (host, ip))
                except OSError:
                    pass  # a full flash: kept next time
        except OSError as e:
            ip = _kept(host)
            app.log("dns %s: %r%s" % (host, e, ", using " + ip if ip else ""))
            if ip is None:
                raise
        host = ip
    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
    return (ai[0], ai[-1])


def _kept(host):
    try:
        with open("addr") as f:
            h, ip = f.read().split()
        return ip if h == host else None
    except (OSError, ValueError):
        return None


def connect(app):
    if not app.b_net.ready():
        return False
    try:
        import socket
    except ImportError:  # a port without networking (RPI_PICO): readings wait in the outbox
        return False
    cfg = app.cfg
    # coap.uri: is_ip() for _address() and Client() (the host); loaded before collecting
    import coap.uri  # noqa: F401

    try:
        a = app.addr
        if a is None:
            a = _address(app, socket)
            server(app, None, a)  # kept whatever happens next: resolved once per boot
        gc.collect()  # so that the client's buffers (kept) go to the bottom of the heap
        s = socket.socket(a[0], socket.SOCK_DGRAM)
        try:
            # A connected socket: the network stack drops datagrams from anyone else, and
            # recv() allocates no source address per datagram. Serving: bound, for both.
            # app.serve (app.serve's Serving) exists only when serving: no class default
            # for it on App, whose class dict would grow by 96 bytes on every board
            srv = getattr(app, "serve", None)
            if srv:
                srv.bind(s, a[0])
            else:
                s.connect(a[1])
            # theThings.IO answers and notifications are small, and writes are kept to
            # 512 bytes (app.flush): 512-byte blocks, datagrams of 640 bytes both ways.
            c = Client(cfg["host"], cfg["port"], sock=s, tx_max=640, **cfg["coap"])
            c.block_szx = 5
            c.pace = app.feed  # each step of a call within the budget, fed between
            c.rx_max = 640
        except Exception:
            s.close()
            raise
        server(app, c, a)
    except OSError as e:
        d = app.b_net.fail()
        app.log("server %s:%d: %r, retry in %d ms" % (cfg["host"], cfg["port"], e, d))
        return False
    finally:
        unload("coap.uri")  # requests take paths as tuples
    app.b_net.ok()
    return True


def activate(app):
    from thethings.activation import request, token

    c = app.client
    r = app.act
    if r is None:
        code = app.cfg["activation_code"]
        if not code or not app.b_act.ready() or not app.b_net.ready():
            return False
        app.stats["activations"] += 1
        r = c.start(request(code), ticks_ms())  # deadline: MAX_TRANSMIT_WAIT
        activation(app, r)
    try:
        if not c.wait(r, app.left()):
            return False  # in flight: the idle slices and the next periods drive it
    except OSError as e:  # the link gone under it (a send failed): as a lost datagram
        app.log("activation: %r" % (e,))
        return False
    activation(app, None)
    try:
        if r.err:
            raise r.err
        t = token(c.response(c.rx, r.data, r.n, r.body))
    except ThingError as e:
        msg = "%s (%s)" % (e.message or "no message", str(e).split()[0])
        if msg != app.refused:  # once per message: it is tried again for days
            activation(app, None, refused=msg)
            app.log("activation refused: " + msg)
        app.log("activation: retry in %d s" % (app.b_act.fail() // 1000))
        return False
    except (CoapError, OSError) as e:
        app.log("activation: no answer (%r), retry in %d ms" % (e, app.b_net.fail()))
        return False
    saved = app.store.save_token(t)  # tmp + rename; retried each period if not
    activation(app, None, t, saved)
    app.log("activated: token %s %s" % (redact(t), "saved" if saved else "kept"))
    return True


# What getting onto the server found, recorded in the App's fields (app.app declares them):
# functions of this module rather than App methods, since only provisioning (and app.link's
# loss of the link) sets them: their code is in the heap only while this module is loaded.


def server(app, client, addr):
    """The server's address (family, sockaddr), kept (a reconnect needs no DNS), and the
    CoAP client on a socket to it (None: none yet). app.link, neither: the link came back
    after a loss (a fresh socket: the local address may have changed), the old client
    (closed) and what was on it are forgotten: its thing, subscription and activation in
    flight."""
    if addr:
        app.addr = addr
    elif not client:
        app.thing = app.act = None
        app.sub = False
    app.client = client
    srv = getattr(app, "serve", None)  # serving: its Server follows the client
    if srv:
        srv.server(client, addr)


def activation(app, act, token=None, saved=True, refused=None):
    """act, the activation request in flight (None: none); the token it got (saved: in flash
    already), or the server's message when it refused the code."""
    app.act = act
    if token:
        app.token = token
        app.b_act = None  # a thing is activated once: its backoff is never needed again
        if not saved:
            app.token_saved = False  # (True, the class's default, is never written: RAM)
    if refused:
        app.refused = refused
