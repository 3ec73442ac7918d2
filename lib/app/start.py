# The App's set-up (app.app), imported by App() and unloaded by App.run() once the loop
# starts: code that runs once per boot does not keep its RAM.
import gc
import json
from time import ticks_ms

from micropython import const

from app import unload
from app.store import Store
from thethings.thing import Backoff, redact

# What the loop reads of the config (start() keeps only these), and app.link's, kept on a
# board with a radio only
_KEEP = const(("host", "port", "coap", "activation_code", "period_s", "keepalive_s", "batch_max"))
_RADIO = const(("wifi", "ntp_host"))


def setup(app, board, cfg, log):
    app.board = board
    app.cfg = cfg
    app.log = log  # print, or alike (the period line is printed piece by piece: end="")
    app.store = Store(cfg["outbox_max"], log)
    app.period_ms = cfg["period_ms"]
    app.max_periods = cfg["max_periods"]
    saved = app.store.token()
    app.token = saved or cfg["token"]
    if not saved and app.token:
        app.token_saved = False  # a token from the config: saved by the loop
    if not len(app.store):
        unload("app.outbox")  # the store's code (Store() loaded it): only while it is used
        gc.collect()
    # Writes, the server and WiFi retry at least every half period, whatever retry_max_s:
    # each period is a try anyway, and writes flow again within 2 periods of a fault's end.
    lo = int(cfg["retry_min_s"] * 1000)
    hi = min(int(cfg["retry_max_s"] * 1000), max(lo, app.period_ms // 2))
    app.b_net = Backoff(lo, hi)  # DNS and socket (app.provision)
    app.b_write = Backoff(lo, hi)
    # A refused activation code is tried again rarely: 1 h, doubling to 12 h (app.provision);
    # only a thing without a token has one
    if not app.token:
        app.b_act = Backoff(3600000, 43200000)
    if board.has_wifi and cfg["wifi"]:
        from app.link import Link

        app.link = Link(app, lo, hi)
    if cfg["subscribe"]:
        from app.subscribe import Subscription

        app.subs = Subscription(app)
        app.sub = False  # (not a class default: a slot in the class's dict, RAM)
        try:  # the period a server set (app.subscribe), while config.json's is the same
            with open("period_s") as f:
                p, c = json.load(f)
            if c == cfg["period_s"]:
                app.period_ms = int(p * 1000 + 0.5)
        except (OSError, ValueError, TypeError):
            pass
    if cfg["serve"]:
        from app import serve  # (imported only then: with serve off, none of it in RAM)

        serve.setup(app, cfg)
    # heap: after gc.collect() (first, last, max); peak: before it (high-water mark)
    app.stats = {
        "periods": 0, "sent": 0, "queued": 0, "flushed": 0, "activations": 0,
        "late_max_ms": 0, "skipped": 0, "heap_first": 0, "heap_last": 0, "heap_max": 0,
        "heap_peak": 0,
    }  # fmt: skip
    app.n = app.up = 0  # (written each period: no default on the class, RAM)
    app.up_t = ticks_ms()  # (up: the uptime summed up to then)


def start(app):
    """Right before the loop: the watchdog (it cannot be stopped), deep sleep or not, the
    first log line. Returns (ticks of the first sample, app.sleep or None)."""
    b = app.board
    cfg = app.cfg
    wdt = app.wdt = b.watchdog(cfg["watchdog_ms"] or b.wdt_default_ms)
    app.fed = ticks_ms()
    app.dl = app.fed
    # Collect whenever a quarter of the free heap has been allocated: the garbage then never
    # pushes the allocator far into the free space, where what is still alive at the next
    # collection (a request's payload, the last datagram) would split it; a datagram needs
    # 1280 contiguous bytes.
    gc.collect()
    gc.threshold(gc.mem_free() // 4)
    sleep = None
    if cfg["deepsleep"]:
        if b.can_deepsleep and not cfg["subscribe"]:
            from app import sleep
        else:
            app.log("deepsleep off: subscribe on, or not on this board")
    nxt = ticks_ms()
    if sleep:
        nxt, kept = sleep.wake(app, nxt)
        if kept:  # a deep-sleep wake: the counts go on, the uptime from the reset on
            app.n, app.reported, app.up = kept
            app.up_t = b.t0
    t = app.token
    app.log(
        "firmware on %s %s (%s): %s every %d ms, token %s, outbox %d, wdt %d ms%s"
        % (
            b.name, b.uid, b.cause, cfg["server"], app.period_ms,
            redact(t) if t else "none", len(app.store), wdt,
            "; simulated: " + " ".join(b.simulated) if b.simulated else "",
        )
    )  # fmt: skip
    # What the loop reads of the config, in a smaller dict (the rest was for the start)
    app.cfg = {k: cfg[k] for k in (_KEEP + _RADIO if app.link else _KEEP)}
    unload("app.start")
    return nxt, sleep
