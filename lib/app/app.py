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
# RAM: a .mpy's code lives in the heap (64 KB for the whole firmware on the 64-bit unix port,
# host_tests/test_firmware_heap.py), so this module holds only what every period runs. Code
# needed once, or only with some options or boards, is in modules imported only then:
# app.start (this App's set-up), app.config, app.provision (unloaded after use),
# app.subscribe, app.link, app.sleep. A period's garbage is kept small too: no per-period
# objects beyond the reading and its request, terse log lines.
import gc
from time import gmtime, ticks_add, ticks_diff, ticks_ms

from coap.client import CoapError
from thethings import Thing, ThingError, write_payload

# time.gmtime() counts from the board's epoch: 2000 on ESP32, 1970 on rp2 and unix.
_EPOCH = 946684800 if gmtime(0)[0] == 2000 else 0
ISO = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"  # of a stamp(): the form theThings.IO stores


def stamp(t):
    """ms since 1970 UTC -> (year, month, day, hour, minute, second, ms): a write's datetime
    (thethings.write_payload), exact on boards whose floats are single precision."""
    return gmtime(t // 1000 - _EPOCH)[:6] + (t % 1000,)


def _payload(batch):
    # The write payload of batch [(seq, t, values)]. A function of its own so that the value
    # list it builds is garbage once it returns: a caller's frame would keep it referenced
    # from a stale slot (MicroPython's collector scans frames conservatively) all through the
    # request.
    vals = []
    for _, t, values in batch:
        dt = stamp(t)
        for k, v in values:
            vals.append((k, v, dt))
    return write_payload(vals)


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
        from os import urandom

        d = self.delay = min(max(self.delay * 2, self.lo), self.hi)
        self.due = ticks_add(ticks_ms(), d + d * urandom(1)[0] // 1024)
        return d

    def ok(self):
        self.delay = 0
        self.due = None


class App:
    # Built by app.start.setup() (start-up code, unloaded after): board, cfg, log, store,
    # period_ms, token, client, thing, addr, sub, reported, link, subs, the backoffs b_net
    # and b_write, n, stats, up, up_t, max_block, slice_ms.
    def __init__(self, board, cfg, log=print):
        from app.start import setup

        setup(self, board, cfg, log)

    def run(self):
        from app.start import start

        nxt, sleep = start(self)  # the watchdog, deep sleep or not, the first log line
        start = None  # app.start unloaded itself: let its code go
        cfg = self.cfg
        st = self.stats
        while True:
            late = ticks_diff(ticks_ms(), nxt)
            if late > st["late_max_ms"]:
                st["late_max_ms"] = late
            nxt = ticks_add(nxt, self.period_ms)
            self.period(nxt)
            if self.n == 1:
                try:
                    from os import remove

                    remove("crashes")  # app.crash's count: this boot went well
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
        from json import dumps

        self.log("stats " + dumps(st))
        return st

    def period(self, nxt):
        """One period: sample, then the network until shortly before nxt (the next one)."""
        b = self.board
        st = self.stats
        b.feed()
        h = gc.mem_alloc()
        gc.collect()
        a = gc.mem_alloc()
        # heap: after gc.collect() (first, last, max); peak: before it (high-water mark)
        st["heap_peak"] = max(st["heap_peak"], h)
        st["heap_max"] = max(st["heap_max"], a)
        st["heap_first"] = st["heap_first"] or a
        st["heap_last"] = a
        n = self.n = self.n + 1
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
            err = self.write([(0, t, values)], dl)
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
            k = self.flush(dl)
            if k:
                out += ", %d sent from outbox" % k
        subs = self.subs
        if subs and not self.sub and self.thing and ticks_diff(dl, ticks_ms()) > 0:
            self.sub = True
            subs.start(self)
        # one line, printed piece by piece: no joined copy of it in the heap
        log = self.log
        log("#%d %s" % (n, ISO % stamp(t) if t else "-"), end="")
        for v in values:
            log(" %s=%s" % v, end="")
        log(" | %s | outbox %d%s" % (out, len(sto), " | dropped %d" % d if d else ""))
        if subs:
            subs.handle()

    def ready(self, dl):
        """None when a write may be tried now, else why not; brings up what is missing (each
        step within dl and its own backoff)."""
        if self.link and not self.link.up(dl):
            return "wifi down"
        if not self.thing:
            from app.provision import up

            why = up(self, dl)  # unloads app.provision: needed once per boot (or device)
            up = None
            if why:
                return why
            gc.collect()  # its code and garbage: the thing (kept) goes to the bottom
            self.thing = Thing(self.client, self.token)
        if not self.b_write.ready():
            return "retry in %d ms" % self.b_write.delay
        # a request needs at least an ACK timeout (or a quarter of a fast period)
        if ticks_diff(dl, ticks_ms()) < min(
            self.cfg["coap"]["ack_timeout_ms"], self.period_ms // 4
        ):
            return "no time left"
        return None

    def write(self, batch, dl):
        """One write request of batch [(seq, t, values)], a list it empties once the payload is
        built (RAM: only the payload stays for the request). None when acknowledged, else
        (rejected, why): rejected True for an answer that will never change (4.00, 4.13,
        4.15, bad input: drop the batch), False for a failure (timeout, 5.xx, 4.01, ...:
        keep it and back off)."""
        self.board.feed()
        try:
            body = _payload(batch)
            batch.clear()
            # A clean heap for the exchange: a datagram needs 1280 contiguous bytes, and what
            # was read and built for this request is garbage by now.
            gc.collect()
            self.thing.write(body, min(ticks_diff(dl, ticks_ms()), self.max_block))
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
            batch = []
            size = 12
            # the oldest, as many as fit one datagram (larger would go block-wise), read from
            # flash one by one: those that do not fit stay unread
            for seq in st.oldest(self.cfg["batch_max"]):
                r = st.read(seq)
                if r is None:
                    continue  # unreadable: dropped
                for k, v in r[2]:  # estimated payload bytes
                    size += 61 + len(k) + (len(v) + 2 if isinstance(v, str) else 12)
                if batch and size > 512:
                    break
                batch.append(r)
            r = None
            if not batch:
                continue  # unreadable entries were dropped
            n = len(batch)
            seqs = [r[0] for r in batch]
            err = self.write(batch, dl)
            if err and not err[0]:
                self.log("outbox: " + err[1])
                break
            st.remove(seqs)
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
