# The faults of the virtual world, switched on and off at virtual times: a list of windows
# [kind, from_s, to_s, param] (seconds since the world's start), kept per kind.
#
#   blackhole    theThings.IO unreachable: its datagrams, both ways, are dropped
#   loss         datagrams to and from theThings.IO dropped at random, param % each way
#                (the world's own seeded generator: the firmware's draws are not moved)
#   error        theThings.IO answers every request 5.03
#   slow         theThings.IO answers by separate responses, param s late
#   dns_slow     the DNS server answers param s late
#   dns_fail     the DNS server answers SERVFAIL
#   ntp_fail     the NTP server is silent
#   ntp_garbage  the NTP server answers wrong (a different fault each time)
#   wifi_down    the access point is gone: the link drops and cannot connect
#   wifi_flap    the link is up and down, param s each
#   flash_full   a filler file takes all the room in the flash (littlefs only)
import vworld.vclock as clock


class Faults:
    def __init__(self, windows):
        self.by = {}
        for w in windows:
            self.by.setdefault(w[0], []).append((w[1], w[2], w[3] if len(w) > 3 else 0))
        self.flash = "flash_full" in self.by  # (the board looks only then)

    def on(self, kind):
        """The window (from_s, to_s, param) of kind that is on now, or None."""
        ws = self.by.get(kind)
        if ws:
            s = clock.S
            for w in ws:
                if w[0] <= s < w[1]:
                    return w
        return None
