# The wall clock from one NTP server, by a deadline: one SNTP exchange (RFC 4330, the
# packet of RFC 5905 §7.3, client mode 3). micropython-lib's ntptime raises ValueError on a
# short reply, accepts any reply from anyone, a zero timestamp included (the year 2036),
# and blocks on a socket timeout; query() checks the reply and returns or raises by
# timeout_ms. Imported only to set the clock, unloaded after.
#
#   query(server, timeout_ms, port=123) -> ms since 1970-01-01 UTC (an int)
import os
import select
import socket
import struct
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

from coap.uri import is_ip  # (the caller unloads coap.uri with this module)

_ETIMEDOUT = const(110)
_EAGAIN = const(11)  # errno on Linux, lwIP (ESP32, Pico W) and the unix port
_ENOMEM = const(12)  # lwIP out of pbufs: the request is lost, as on the air
_CAP = const(1 << 28)  # a deadline ticks_add() takes on a 32-bit port
_LEN = const(48)  # RFC 5905 §7.3: the header; extension fields and a MAC may follow
_MAX = const(128)
_UNIX = const(2208988800)  # s from the NTP epoch (1900) to 1970 (RFC 5905 §6)
# Plausible times, ms since 1970: from 2024-01-01 to 2100-01-01 (const: folded, no RAM)
_MIN_MS = const(1704067200000)
_MAX_MS = const(4102444800000)


def query(server, timeout_ms, port=123):
    """The time of the NTP server at the IP address `server` when its answer arrived, in ms
    since 1970-01-01 UTC (its transmit timestamp plus half the round trip, less the time it
    held the request). One request, answered within timeout_ms. Replies from elsewhere, and
    from the server ones too short to check or not answering this request (another
    originate timestamp: a stray, or a replay), are ignored while waiting. Raises:
      ValueError(why): the server's answer to this request is unusable (not mode 4,
        kiss-o'-death, unsynchronized, stratum over 15, zero transmit timestamp, a time
        outside 2024-2100), or at the deadline only ignored replies came from it;
      OSError(ETIMEDOUT): nothing from the server by the deadline;
      OSError(errno), another number: the network stack's (no route, no socket);
      ValueError: server is not an IP address.
    The caller takes ValueError and OSError alike: no time from this attempt."""
    t0 = ticks_ms()
    if not is_ip(server):
        raise ValueError("NTP server must be an IP address")  # no lookup to find it
    dst = socket.getaddrinfo(server, port, 0, socket.SOCK_DGRAM)[0][-1]
    q = bytearray(_LEN)
    # RFC 4330 §5: LI 0, VN 4, mode 3 (client), every other field zero but the transmit
    # timestamp, which the server copies to the originate one (RFC 5905 §8 "origin"). Ours
    # is random: the board's clock may be unset, and a guessable value lets a stray pass.
    q[0] = 0x23
    q[40:] = os.urandom(8)
    q[47] |= 1  # never zero: the server would take it for "no time" (RFC 5905 §8)
    why = None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setblocking(False)
        p = select.poll()
        p.register(s, select.POLLIN)
        wait = getattr(p, "ipoll", p.poll)  # ipoll allocates nothing
        dl = ticks_add(t0, min(max(timeout_ms, 0), _CAP))
        t1 = ticks_ms()
        try:
            s.sendto(q, dst)
        except OSError as e:
            if e.args[0] not in (_EAGAIN, _ENOMEM):
                raise
        while True:
            left = ticks_diff(dl, ticks_ms())
            if left <= 0:
                if why:
                    raise ValueError(why)
                raise OSError(_ETIMEDOUT)
            # One datagram per turn, so that a flood cannot hold us past the deadline.
            for _ in wait(left):
                try:
                    d, a = s.recvfrom(_MAX)
                except OSError as e:
                    if e.args[0] != _EAGAIN:
                        raise
                    break
                if a != dst:
                    break  # not the server
                if len(d) < _LEN:
                    why = "NTP short reply (%d bytes)" % len(d)
                elif d[24:32] != q[40:]:  # RFC 5905 §8: not an answer to this request
                    why = "NTP originate timestamp not ours"
                else:
                    return _time(d, ticks_diff(ticks_ms(), t1))
                break
    finally:
        s.close()


def _time(d, rtt):
    # The server's reply to our request -> its time at arrival (ms since 1970), else
    # ValueError naming the fault (RFC 4330 §5 "sanity checks", RFC 5905 §7.3 fields).
    if d[0] & 7 != 4:
        raise ValueError("NTP mode %d, not 4 (server)" % (d[0] & 7))
    if d[1] == 0:  # RFC 4330 §8: stratum 0, the kiss code in the reference ID
        raise ValueError("NTP kiss-o'-death %s" % bytes(d[12:16]))
    if d[0] >> 6 == 3:  # leap indicator 3: the server's clock is not synchronized
        raise ValueError("NTP unsynchronized (LI 3)")
    if d[1] > 15:  # RFC 5905 §7.3: 16 is unsynchronized, 17-255 reserved
        raise ValueError("NTP stratum %d" % d[1])
    t2 = struct.unpack_from(">Q", d, 32)[0]  # receive timestamp: the request arrived
    t3 = struct.unpack_from(">Q", d, 40)[0]  # transmit timestamp: the reply left
    if not t3:  # RFC 4330 §5 (the 2036 bug: 0 reads as 2036-02-07)
        raise ValueError("NTP zero transmit timestamp")
    s = t3 >> 32
    if s < 0x80000000:  # RFC 5905 §6: era 1 begins at 2036-02-07 06:28:16 UTC
        s += 0x100000000
    ms = (s - _UNIX) * 1000 + ((t3 & 0xFFFFFFFF) * 1000 >> 32)
    if not _MIN_MS <= ms < _MAX_MS:
        raise ValueError("NTP implausible time (%d s since 1970)" % (ms // 1000))
    # RFC 4330 §5: the round trip less the server's hold time (t3 - t2, modulo 2**64 across
    # an era), half of it on the way back; a hold time longer than the round trip is bogus
    hold = ((t3 - t2) & 0xFFFFFFFFFFFFFFFF) * 1000 >> 32
    return ms + (rtt - (hold if hold <= rtt else 0)) // 2
