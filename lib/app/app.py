# The firmware's loop: sample on schedule, store and forward.
#
# One period:
#   1. sample: the board's sensors + uptime (+ dropped when it changed), stamped with the
#      wall clock in ms (an int: board floats are single precision); without a clock yet the
#      reading is held in RAM (16 at most) and dated when the clock is set;
#   2. the network, until the slot ends (the next sample minus a guard): WiFi and NTP
#      (app.link, boards with a radio), the CoAP client and activation (app.provision), the
#      outbox flushed oldest first, several readings a request, then this reading: written,
#      or queued in the outbox when that cannot be done; then the subscription (once);
#   3. idle until the next sample: the client polled (notifications, an activation's
#      retransmissions) or the board asleep, in slices.
#
# One owner of time (left(), feed()): every blocking step (a WiFi wait, DNS, NTP, a step of
# a CoAP exchange, a sleep slice) gets the time left until the earlier of the slot's end and
# the watchdog's (its last feed plus its timeout, minus a margin), and the watchdog is fed
# between steps only if the last one kept to that: a step that hangs past it leaves the
# watchdog to reset the board. A CoAP call lasts up to the slot's end (a separate response
# 10 s late, under an 8 s watchdog), its steps paced by feed(). No path can outlast the
# watchdog, no network delays a sample.
#
# Ticks wrap at 2**30 ms (12.4 days) and ticks_diff orders two stamps only within ±6.2 days:
# every timer (the backoffs, the NTP re-sync) is looked at each period (at most a day) and
# cleared once it ran out, so no stamp is kept long enough to be misread, whatever the
# outage.
#
# RAM: a .mpy's code lives in the heap, so this module holds only what every period runs;
# code needed once, or only with some options or boards, is in modules imported only then
# (app.start, app.config, app.provision: unloaded after use; app.outbox while the outbox
# is empty; app.subscribe, app.link, app.sleep). A period's garbage is kept small too.
import gc
from time import gmtime, ticks_add, ticks_diff, ticks_ms

from micropython import const

from app import unload
from coap.client import CoapError
from thethings import Thing, ThingError, write_payload
from thethings.thing import EPOCH  # time.gmtime()'s epoch: 2000 on ESP32, 1970 on rp2 and unix

# of a stamp(): the form theThings.IO stores (a const: no global, no qstr for its name)
_ISO = const("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ")
_RETRY_IN = const("retry in %d ms")  # (one string for both of its uses)

# What App.write() did with a batch; why, in App.why. Private constants (no globals, no
# qstrs: RAM); app.outbox, the one other reader, has the same three of its own.
_SENT = const(0)  # acknowledged (2.xx)
_RETRY = const(1)  # not sent, to be kept: no answer, 5.xx, 4.01, 4.03, 4.29...; a backoff
_REJECTED = const(2)  # refused for good (4.00, 4.13, 4.15; bad input): never changes


def stamp(t):
    """ms since 1970 UTC -> (year, month, day, hour, minute, second, ms): a write's datetime
    (thethings.write_payload), exact on boards whose floats are single precision."""
    return gmtime(t // 1000 - EPOCH)[:6] + (t % 1000,)


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


class App:
    # The state, every field of it, declared here. Only App writes them: its methods, and
    # its set-up (app.start: App() and run() call it, out of line so that its code is
    # unloaded after), and the record of what provisioning found (app.provision's server()
    # and activation(), out of line too: only getting onto the server sets those fields).
    # app.subscribe tells it the server's period through set_period() below.
    # Set up by app.start for the App's life: an annotation, no default (a class attribute
    # would cost a slot that nothing reads: RAM).
    board: object  # the board (its interface: boards/unix.py)
    cfg: dict  # config.json's (app.config); from run() on only what the loop reads
    log: object  # print, or alike (the period line is printed piece by piece: end="")
    store: object  # app.store.Store: the token, the outbox, the dropped count (flash)
    period_ms: int  # config.json's, or the server's (set_period())
    token: str  # the thing token; None or "" until activated
    b_net: object  # thethings.thing.Backoff of DNS and socket (app.provision)
    b_write: object  # of writes (write())
    stats: dict  # counters, logged at the end (max_periods)
    max_periods: int  # config.json's: stop after so many periods (tests); 0: never
    n: int  # periods, counted across deep sleeps (app.sleep)
    up: int  # uptime, ms, summed (ticks wrap after 12 days on boards)
    up_t: int  # ticks when up was last summed
    wdt: int  # the watchdog's timeout, ms
    fed: int  # ticks of the watchdog's last feed (feed())
    dl: int  # ticks: the end of the current slot (period(), idle())
    why: str  # why the last write() sent nothing (_RETRY, _REJECTED), for the log
    sub: bool  # subscribe() called on the current thing: set and read with subscribe on only
    # Written rarely, or only on some boards: a default here, so that an instance's dict
    # holds only what was written (RAM: a dict of 23 slots rather than 37).
    client = thing = None  # the CoAP client (server()), the Thing (ready())
    addr = None  # the server's (family, sockaddr), from DNS (server())
    act = None  # the activation request in flight (activation())
    b_act = None  # Backoff of a refused activation: 1 h doubling to 12 h (app.provision);
    # made while the thing has no token, dropped once it has one
    token_saved = True  # False while a token waits to be written to flash
    reported = 0  # dropped count last put into a reading
    held = ()  # [(ticks, values)] sampled before the clock was set
    refused = None  # the server's message when it last refused the activation code
    link = subs = None  # app.link (boards with a radio), app.subscribe (subscribe on)

    def __init__(self, board, cfg, log=print):
        from app.start import setup

        setup(self, board, cfg, log)

    def run(self):
        from app.start import start

        nxt, sleep = start(self)  # the watchdog, deep sleep or not, the first log line
        start = None  # app.start unloaded itself: let its code go
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
            if self.n == self.max_periods:
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

    # -- time: one owner -----------------------------------------------------------------

    # Every step ends a margin before the watchdog would fire (left()): time for what runs
    # between steps; a step overrunning by half of it is left to the watchdog (feed()). The
    # margin, min(1000, wdt / 8) ms, is computed where it is used (one field less).

    def left(self):
        """ms the next blocking step may take: until the slot ends or the watchdog would."""
        now = ticks_ms()
        w = self.wdt
        return min(ticks_diff(self.dl, now), ticks_diff(self.fed, now) + w - min(1000, w >> 3))

    def feed(self):
        """Between steps: feed the watchdog, unless the last step overran its time (then it
        is left to reset the board, as for a hang). Returns left(), the time of the next
        step: the client's pace (coap.client.Client.pace, set by app.provision), so that a
        call may last the slot, fed between its steps, each within left()."""
        now = ticks_ms()
        w = self.wdt
        if ticks_diff(now, self.fed) < w - min(1000, w >> 3) // 2:
            self.board.feed()
            self.fed = now
        return self.left()

    # -- one period ----------------------------------------------------------------------

    def period(self, nxt):
        """One period: sample, then the network until shortly before nxt (the next one)."""
        b = self.board
        st = self.stats
        self.dl = ticks_add(nxt, -min(self.period_ms // 5, 200))
        self.feed()
        # the heap's high-water mark, sampled where it peaks: after a request (write()),
        # before the period's collection
        st["heap_peak"] = max(st["heap_peak"], gc.mem_alloc())
        gc.collect()
        a = gc.mem_alloc()
        st["heap_max"] = max(st["heap_max"], a)  # after the collection (first, last, max)
        st["heap_first"] = st["heap_first"] or a
        st["heap_last"] = a
        n = self.n = self.n + 1
        st["periods"] += 1
        # each period, every timer: no ticks stamp outlives a day
        self.b_net.ready()
        self.b_write.ready()
        if self.b_act:
            self.b_act.ready()
        if self.link:
            self.link.b_wifi.ready()
            self.link.b_ntp.ready()
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
        # -- network, until the slot ends
        try:
            why = self.ready()
        except MemoryError as e:  # no room for a module now (a fragmented heap): later
            why = repr(e)
        t = b.time_ms()  # (after ready(): NTP may just have set the clock)
        if t is not None:
            t -= ticks_diff(ticks_ms(), tick)
            if self.held:  # sampled before the clock was set: dated now, into the outbox
                sto.date_held(self.held, t, tick)
                self.held = ()
        if not why and len(sto):
            out = sto.flush(self)  # (app.outbox: unloaded below once the outbox is empty)
        else:
            out = None
        if t is None:
            if not self.held:
                self.held = []
            res = sto.hold(self.held, tick, values)  # (app.outbox's, as the outbox's own)
        else:
            r = _RETRY
            if not why and not len(sto):
                r = self.write([(0, t, values)])
                if r == _SENT:
                    st["sent"] += 1
                    res = "sent"
                else:
                    why = self.why
                    if r == _REJECTED:
                        sto.add_dropped(1)
                        res = "rejected: " + why
            if r == _RETRY:
                st["queued"] += 1
                res = "queued: " + why if why else "queued"
                res = sto.append(t, values) or res  # (None: stored; else why not)
        if out:
            res += ", " + out
        subs = self.subs
        if subs and not self.sub and self.thing and self.left() > 0:
            # The store's code out of the way (flush() loads it again, after a collection):
            # the subscription's objects, kept, go low in the heap instead of above it, where
            # they would split the free space that a backlog's flush needs (a 640-byte
            # datagram: at 44K on i386 a backlog from period 1 never drained).
            unload("app.outbox")
            self.sub = subs.start(self)  # (False: not tried, no room for its code: next period)
            self.feed()
        if not self.token_saved and self.token and sto.save_token(self.token):
            self.token_saved = True  # (retried each period until it lands)
        # one line, printed piece by piece: no joined copy of it in the heap
        log = self.log
        log("#%d %s" % (n, _ISO % stamp(t) if t else "-"), end="")
        for v in values:
            log(" %s=%s" % v, end="")
        log(" | %s | outbox %d%s" % (res, len(sto), " | dropped %d" % d if d else ""))
        if subs:
            subs.handle()
        if not len(sto):
            unload("app.outbox")  # the store's operations: loaded again when needed

    def ready(self):
        """None when a write may be tried now, else why not; brings up what is missing (each
        step within left() and its own backoff)."""
        if self.link and not self.link.up():
            return "wifi down"
        if not self.thing:
            # The store's code out of the way (flush() loads it again): provisioning, the
            # heap's peak, gets the room whatever the outbox holds.
            unload("app.outbox")
            from app.provision import up

            why = up(self)  # unloads app.provision: needed once per boot (or device)
            up = None
            self.feed()
            if why:
                return why
            gc.collect()  # its code and garbage: the thing (kept) goes to the bottom
            self.thing = Thing(self.client, self.token)
        if not self.b_write.ready():
            return _RETRY_IN % self.b_write.delay
        # a request needs at least an ACK timeout (or a quarter of a fast period)
        if self.left() < min(self.client.ack_timeout, self.period_ms // 4):
            return "no time left"
        return None

    def write(self, batch):
        """One write request of batch [(seq, t, values)], a list it empties once the payload is
        built (RAM: only the payload stays for the request). Returns _SENT when acknowledged,
        _REJECTED for an answer that will never change (4.00, 4.13, 4.15, bad input: the
        batch is to be dropped), _RETRY for a failure (timeout, 5.xx, 4.01...: to be kept; a
        backoff); why it was not sent in self.why."""
        try:
            body = _payload(batch)
            batch.clear()
            # A clean heap for the exchange: a datagram needs contiguous bytes, and what was
            # read and built for this request is garbage by now.
            gc.collect()
            self.thing.write(body, ticks_diff(self.dl, ticks_ms()))  # steps: feed()
            self.b_write.ok()
            return _SENT
        except ValueError as e:
            self.why = repr(e)
            return _REJECTED
        except ThingError as e:
            self.why = str(e)
            if e.code in (0x80, 0x8D, 0x8F):
                return _REJECTED
            # (4.01 too: the token is kept whatever happens, never re-activated)
        except (CoapError, OSError, MemoryError) as e:  # (no room for a datagram: later)
            self.why = repr(e)
        finally:
            st = self.stats
            st["heap_peak"] = max(st["heap_peak"], gc.mem_alloc())  # (see period())
            self.feed()
        self.why += ", " + _RETRY_IN % self.b_write.fail()
        return _RETRY

    # -- what the other modules find out: they call these, App writes its fields ----------

    def set_period(self, ms):
        """app.subscribe: the period the server set."""
        self.period_ms = ms

    def idle(self, until):
        """Wait for the next sample, keeping the client (a subscription, an activation in
        flight) going."""
        self.dl = until
        b = self.board
        while True:
            self.feed()
            left = self.left()  # (the watchdog's margin bounds each step: fed between them)
            if left <= 0:
                return
            if self.subs and self.sub and self.thing:
                self.subs.poll(self.thing, left)
            elif self.act:
                try:
                    self.client.poll(left)  # its retransmissions go on (app.provision)
                except OSError as e:  # the link gone under it: as a lost datagram
                    self.log("activation: %r" % (e,))
                    b.sleep_ms(max(0, self.left()))  # the rest of the slot
            else:
                b.sleep_ms(left)
