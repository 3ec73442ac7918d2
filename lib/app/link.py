# WiFi and wall clock for boards with a radio (app.start imports this module only there).
#
# WiFi: wlan.connect() works in the background, so an attempt is started, then waited for
# in 50 ms slices (feeding the watchdog) until the period's deadline; an attempt older than
# wifi.timeout_s is abandoned (disconnect) and retried after a backoff. A link that comes
# back after a loss gets a fresh socket (the local address may have changed) and a new
# subscription; the server's address stays cached (DNS once per boot).
#
# Clock: NTP once per boot when the link is up (the RTC drifts, also through deep sleep),
# then daily. Readings sampled before the clock was ever set are held in RAM with their
# ticks and dated when it is (a reset before that loses them; beyond 16 the oldest are
# dropped and counted).
from time import ticks_diff, ticks_ms

from app.app import Backoff


class Link:
    def __init__(self, app, lo, hi):
        self.app = app
        self.b_wifi = Backoff(lo, hi)
        self.b_ntp = Backoff(lo, hi)
        self.was = None  # link state last seen
        self.since = None  # ticks the current connection attempt began
        self.ntp_at = None  # ticks of the last NTP sync
        self.held = []  # [(ticks, values)] sampled before the clock was set

    def up(self, dl):
        """True when the link is up (waiting for it until dl); syncs the clock when due."""
        app = self.app
        b = app.board
        w = app.cfg["wifi"]
        up = b.wifi_up()
        if not up and self.since is None and self.b_wifi.ready():
            app.log("wifi: connecting to %s" % w["ssid"])
            b.wifi_start(w["ssid"], w["password"], w["country"])
            self.since = ticks_ms()
        while not up and self.since is not None:
            if ticks_diff(ticks_ms(), self.since) > w["timeout_s"] * 1000:
                st = b.wifi_status()
                b.wifi_stop()
                self.since = None
                app.log("wifi: no connection (%s), retry in %d ms" % (st, self.b_wifi.fail()))
                break
            left = ticks_diff(dl, ticks_ms())
            if left <= 0:
                break
            b.feed()
            b.sleep_ms(min(left, 50))
            up = b.wifi_up()
        if up != self.was:
            if up:
                self.since = None
                self.b_wifi.ok()
                app.log("wifi: up")
                if self.was is False:  # back after a loss: a fresh socket, subscribe again
                    if app.thing:
                        app.thing.unsubscribe(1)
                    if app.client:
                        app.client.close()
                    app.client = app.thing = None
                    app.sub = False
            elif self.was:
                app.log("wifi: lost (%s)" % b.wifi_status())
            self.was = up
        at = self.ntp_at
        if up and (at is None or ticks_diff(ticks_ms(), at) > 86400000) and self.b_ntp.ready():
            b.feed()
            if b.sync_clock(app.cfg["ntp_host"]):
                self.ntp_at = ticks_ms()
                self.b_ntp.ok()
                # the clock is set: date the held readings and queue them, oldest first
                t, now = b.time_ms(), ticks_ms()
                for tick, values in self.held:
                    app.store.append(t - ticks_diff(now, tick), values)
                self.held = []
            else:
                app.log("ntp: no answer, retry in %d ms" % self.b_ntp.fail())
        return up

    def hold(self, tick, values):
        """Keep a reading sampled without a clock until the clock is set."""
        if len(self.held) >= 16:
            self.held.pop(0)
            self.app.store.add_dropped(1)
        self.held.append((tick, values))
        return "held: no clock yet"
