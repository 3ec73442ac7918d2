# WiFi and wall clock for boards with a radio (app.start imports this module only there).
#
# WiFi: wlan.connect() works in the background, so an attempt is started, then waited for
# in 50 ms slices within the time the app gives (App.left: the slot, the watchdog), feeding
# the watchdog between them; an attempt older than wifi.timeout_s is abandoned (disconnect)
# and retried after a backoff. A link that comes back after a loss gets a fresh socket (the
# local address may have changed) and a new subscription.
#
# Clock: NTP when the link is up, then daily (the RTC drifts, also through deep sleep), by
# our own SNTP exchange (app.ntp) with a deadline, the server's name resolved by our own DNS
# query (app.dns): both loaded only then. A reply that is not a server's valid time is no
# time. Readings sampled before the clock was ever set wait in the app (App.held).
from time import ticks_add, ticks_diff, ticks_ms

from app import unload
from thethings.thing import Backoff


class Link:
    def __init__(self, app, lo, hi):
        self.app = app
        self.b_wifi = Backoff(lo, hi)
        self.b_ntp = Backoff(lo, hi)  # also the daily re-sync (its due time)
        # (App.period looks at both every period)
        self.was = None  # link state last seen
        self.since = None  # ticks the current connection attempt began

    def up(self):
        """True when the link is up (waiting for it within app.left()); syncs the clock when
        due."""
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
            left = app.left()
            if left <= 0:
                break
            app.feed()
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
                    from app.provision import server  # (unloaded by the next ready())

                    server(app, None, None)  # forgets them
            elif self.was:
                app.log("wifi: lost (%s)" % b.wifi_status())
            self.was = up
        if up and self.b_ntp.ready() and app.left() > 0:
            self.sync()
        return up

    def sync(self):
        """Set the board's clock by NTP (cfg ntp_host, host[:port]); daily once it worked."""
        app = self.app
        b = app.board
        host = app.cfg["ntp_host"] or "pool.ntp.org"
        port = 123
        if ":" in host:
            host, port = host.rsplit(":", 1)
            port = int(port)
        try:
            import app.ntp as ntp
            from coap.uri import is_ip

            if not is_ip(host):
                import app.dns as dns

                d = b.dns_server()
                if d is None:
                    raise OSError("no DNS server")
                host = dns.resolve(host, d[0], max(1, app.left()), d[1])
            b.set_time(ntp.query(host, max(1, app.left()), port))
            self.b_ntp.ok()
            self.b_ntp.due = ticks_add(ticks_ms(), 86400000)  # daily
        except (OSError, ValueError, MemoryError) as e:  # (no room for app.ntp now: later)
            app.log("ntp: %r, retry in %d ms" % (e, self.b_ntp.fail()))
        finally:
            unload("app.ntp")
            unload("app.dns")
            unload("coap.uri")
            app.feed()
