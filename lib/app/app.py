# The firmware's loop: sample on schedule, store and forward.
#
# One period:
#   1. sample: the board's sensors + uptime (+ dropped when it changed), stamped with the
#      wall clock in ms (an int: board floats are single precision);
#   2. network slot, until DL = next sample - guard: WiFi and NTP (app.link, boards only),
#      the CoAP client (DNS once per boot) and activation (app.provision, once per device),
#      then the write: the reading goes straight to the server when the outbox is empty,
#      else (or when that fails) into the outbox, which is then flushed oldest first,
#      several readings per request, while time remains; then the subscription (once);
#   3. idle until the next sample: the subscription is polled (app.subscribe) or the board
#      sleeps, in slices, feeding the watchdog.
# Every request gets timeout_ms <= min(time left to DL, watchdog - 2 s), so no
# retransmission, reconnect or outage delays a sample by more than a few ms; if something
# still overruns by a period, the missed samples are skipped (stats "skipped").
#
# RAM: the whole firmware runs in a 64 KB heap on the (64-bit) unix port, so code needed
# once, or only with some options or boards, lives in modules imported only then
# (app.config, app.provision, app.subscribe, app.link, app.sleep), and log lines are terse.
import gc
import json
import os

from app import unload
from app.store import Store
from coap.client import CoapError
from thethings import ThingError, redact
from thethings.dates import iso

try:
    from time import ticks_add, ticks_diff, ticks_ms
except ImportError:  # CPython host
    from coap._host import ticks_add, ticks_diff, ticks_ms


def ms_iso(t):
    """int ms since 1970 -> "YYYY-MM-DDTHH:MM:SS.mmmZ" (exact on single-precision boards)."""
    return iso(t // 1000)[:-4] + "%03dZ" % (t % 1000)


class Backoff:
    """Retry delay doubling from lo to hi ms, plus up to 25% random jitter."""

    def __init__(self, lo, hi):
        self.lo = lo
        self.hi = hi
        self.delay = 0
        self.due = None

    def ready(self):
        return self.due is None or ticks_diff(ticks_ms(), self.due) >= 0

    def fail(self):
        d = self.delay = min(max(self.delay * 2, self.lo), self.hi)
        self.due = ticks_add(ticks_ms(), d + d * os.urandom(1)[0] // 1024)
        return d

    def ok(self):
        self.delay = 0
        self.due = None


class App:
    def __init__(self, board, cfg, log=print):
        self.board = board
        self.cfg = cfg
        self.log = log
        self.store = Store(cfg["outbox_max"], log)
        self.period_ms = cfg["period_ms"]
        self.token = self.store.token() or cfg["token"]
        self.client = self.thing = self.addr = None  # addr: the server's, DNS once per boot
        self.sub = False  # subscribe() called on the current thing
        self.reported = 0  # dropped count last put into a reading
        self.link = self.subs = None
        if board.has_wifi and cfg["wifi"]:
            from app.link import Link

            self.link = Link(self)
        if cfg["subscribe"]:
            from app.subscribe import Subscription

            self.subs = Subscription(self)  # may set period_ms
        lo = int(cfg["retry_min_s"] * 1000)
        hi = int(cfg["retry_max_s"] * 1000)
        self.b_dns = Backoff(lo, hi)
        self.b_act = Backoff(lo, hi)
        self.b_write = Backoff(lo, hi)
        self.n = 0
        # heap: after gc.collect() (first, last, max); peak: before it (high-water mark)
        self.stats = {
            "periods": 0, "sent": 0, "queued": 0, "flushed": 0, "activations": 0,
            "late_max_ms": 0, "skipped": 0, "heap_first": 0, "heap_last": 0, "heap_max": 0,
            "heap_peak": 0,
        }  # fmt: skip
        self.up = 0  # uptime, ms, summed (ticks wrap after 12 days on boards)
        self.up_t = ticks_ms()

    def run(self):
        b = self.board
        cfg = self.cfg
        st = self.stats
        wdt = b.watchdog(cfg["watchdog_ms"] or b.wdt_default_ms)
        # No blocking call may outlast the watchdog: every request is capped.
        self.max_block = wdt - 2000 if wdt > 4000 else wdt // 2
        self.slice_ms = max(10, min(1000, wdt // 4))
        sleep = None
        if cfg["deepsleep"]:
            if b.can_deepsleep and not cfg["subscribe"]:
                from app import sleep
            else:
                self.log("deepsleep off: subscribe on, or not on this board")
        nxt = ticks_ms()
        if sleep:
            nxt = sleep.wake(self, nxt)
        self.log(
            "firmware on %s %s (%s): %s every %d ms, token %s, outbox %d, wdt %d ms%s"
            % (
                b.name, b.uid, b.cause, cfg["server"], self.period_ms,
                redact(self.token) if self.token else "none", len(self.store), wdt,
                "; simulated: " + " ".join(b.simulated) if b.simulated else "",
            )
        )  # fmt: skip
        while True:
            late = ticks_diff(ticks_ms(), nxt)
            if late > st["late_max_ms"]:
                st["late_max_ms"] = late
            nxt = ticks_add(nxt, self.period_ms)
            self.period(nxt)
            if self.n == 1:
                try:
                    os.remove("crashes")  # app.crash's count: this boot went well
                except OSError:
                    pass
            if self.n == cfg["max_periods"]:
                break
            behind = ticks_diff(ticks_ms(), nxt)
            if behind >= self.period_ms:  # something overran: keep the grid
                k = behind // self.period_ms
                nxt = ticks_add(nxt, k * self.period_ms)
                st["skipped"] += k
                self.log("late %d ms: %d skipped" % (behind, k))
            if sleep:
                sleep.sleep(self, nxt)  # does not return
            self.idle(nxt)
        self.log("stats " + json.dumps(st))
        return st

    def period(self, nxt):
        """One period: sample, then the network until shortly before nxt (the next one)."""
        b = self.board
        st = self.stats
        b.feed()
        h = gc.mem_alloc()
        gc.collect()
        a = gc.mem_alloc()
        st["heap_peak"] = max(st["heap_peak"], h)
        st["heap_max"] = max(st["heap_max"], a)
        st["heap_first"] = st["heap_first"] or a
        st["heap_last"] = a
        self.n += 1
        st["periods"] += 1
        # -- sample
        tick = ticks_ms()
        self.up += ticks_diff(tick, self.up_t)
        self.up_t = tick
        values = b.sensors()
        values.append(("uptime", self.up // 1000))
        sto = self.store
        d = sto.dropped
        if d != self.reported:
            values.append(("dropped", d))
            self.reported = d
        t = b.time_ms()
        # -- network, until dl
        dl = ticks_add(nxt, -min(self.period_ms // 5, 200))
        why = self.ready(dl)
        out = None
        if t is None:  # boards only: no clock at sampling time
            t = b.time_ms()
            if t is None:  # still none: app.link holds the reading in RAM
                out = self.link.hold(tick, values)
            else:  # set by NTP just now
                t -= ticks_diff(ticks_ms(), tick)
        if t and not why and not len(sto):
            err = self.write(((0, t, values),), dl)
            if err is None:
                st["sent"] += 1
                out = "sent"
            elif err[0]:
                sto.add_dropped(1)
                out = "rejected: " + err[1]
            else:
                why = err[1]
        if out is None:
            sto.append(t, values)
            st["queued"] += 1
            out = "queued: " + why if why else "queued"
        if not why and len(sto):
            n = self.flush(dl)
            if n:
                out += ", %d sent from outbox" % n
        if self.subs and not self.sub and self.thing and self.left(dl) > 0:
            self.sub = True
            # The timeout also bounds re-subscriptions inside poll(), which may overrun an
            # idle slice by an ACK timeout (deregistering) plus that much: at most half a
            # period, and within the watchdog's reach.
            ack = self.cfg["coap"]["ack_timeout_ms"]
            ms = min(self.max_block - ack - self.slice_ms, self.period_ms // 2)
            self.subs.start(self.thing, max(1, ms))
        self.log(
            "#%d %s %s | %s | outbox %d%s" % (
                self.n, ms_iso(t) if t else "-", " ".join("%s=%s" % v for v in values),
                out, len(sto), " | dropped %d" % d if d else "",
            )
        )  # fmt: skip
        if self.subs:
            self.subs.handle()

    def left(self, dl):
        return ticks_diff(dl, ticks_ms())

    def budget(self, dl):
        """timeout_ms of one request: the time to dl, within the watchdog's reach."""
        return min(ticks_diff(dl, ticks_ms()), self.max_block)

    def ready(self, dl):
        """None when a write may be tried now, else why not; brings up what is missing (each
        step within dl and its own backoff)."""
        if self.link and not self.link.up(dl):
            return "wifi down"
        if not (self.client and self.token):
            from app import provision

            ok = (self.client or provision.connect(self)) and (
                self.token or provision.activate(self, dl)
            )
            provision = None
            unload("provision")  # needed once per boot (or device): give the RAM back
            if not ok:
                return "not activated" if self.client else "no server"
        if not self.b_write.ready():
            return "retry in %d ms" % self.b_write.delay
        # a request needs at least an ACK timeout (or a quarter of a fast period)
        if self.left(dl) < min(self.cfg["coap"]["ack_timeout_ms"], self.period_ms // 4):
            return "no time left"
        return None

    def write(self, batch, dl):
        """One write request of batch [(seq, t, values)]: None when acknowledged, else
        (rejected, why): rejected True for an answer that will never change (4.00, 4.13,
        4.15, bad input: drop the batch), False for a failure (timeout, 5.xx, 4.01, ...:
        keep it and back off)."""
        self.board.feed()
        vals = []
        for _, t, values in batch:
            dt = ms_iso(t)
            for k, v in values:
                vals.append((k, v, dt))
        try:
            self.thing.write(vals, timeout_ms=self.budget(dl))
            self.b_write.ok()
            return None
        except ValueError as e:
            return (True, repr(e))
        except ThingError as e:
            if e.code in (0x80, 0x8D, 0x8F):
                return (True, str(e))
            why = str(e)  # 4.01 too: the token is kept whatever happens (never re-activate)
        except (CoapError, OSError) as e:
            why = repr(e)
        return (False, "%s, retry in %d ms" % (why, self.b_write.fail()))

    def flush(self, dl):
        """Send the outbox oldest first, as many readings per request as fit a datagram,
        while time remains; a batch leaves the outbox only once acknowledged."""
        sent = 0
        st = self.store
        while len(st) and self.ready(dl) is None:
            self.board.feed()
            batch = st.peek(self.cfg["batch_max"])
            if not batch:
                continue  # unreadable entries were dropped
            size = 12
            n = 0
            for _, _, values in batch:  # estimated payload bytes; at least one reading
                for k, v in values:
                    size += 61 + len(k) + (len(v) + 2 if isinstance(v, str) else 12)
                if n and size > 1024:  # one datagram (larger would go block-wise)
                    break
                n += 1
            batch = batch[:n]
            err = self.write(batch, dl)
            if err and not err[0]:
                self.log("outbox: " + err[1])
                break
            st.remove([r[0] for r in batch])
            if err:
                st.add_dropped(n)
                self.log("outbox: %d rejected (%s)" % (n, err[1]))
            else:
                sent += n
        self.stats["flushed"] += sent
        return sent

    def idle(self, until):
        """Wait for the next sample, keeping the subscription (if any) alive."""
        b = self.board
        while True:
            b.feed()
            left = min(ticks_diff(until, ticks_ms()), self.slice_ms)
            if left <= 0:
                return
            if self.sub and self.thing:
                self.subs.poll(self.thing, left)
            else:
                b.sleep_ms(left)
