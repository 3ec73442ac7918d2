# A host's IPv4 address from one DNS server, by a deadline (RFC 1035 over UDP). lwIP's
# getaddrinfo() waits 1+1+2+3 s per DNS server (~14 s with two) and nothing can cut it
# short, longer than a board's watchdog (RP2040: 8388 ms at most); resolve() asks the server
# the board was given (wlan.ifconfig()[3]) and returns or raises by timeout_ms, whatever
# the network does. Imported only to resolve the CoAP server's name, unloaded after.
#
#   resolve(host, server, timeout_ms, port=53) -> "a.b.c.d"
import os
import select
import socket
import struct
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

from coap.uri import is_ip  # (the caller unloads coap.uri with this module)

_ETIMEDOUT = const(110)
_EAGAIN = const(11)  # errno on Linux, lwIP (ESP32, Pico W) and the unix port
_ENOMEM = const(12)  # lwIP out of pbufs: the datagram is lost, as on the air
_SENDS = const(3)  # the query, then again after 1/4 and 1/2 of the time
_MAX = const(512)  # RFC 1035 §2.3.4: a UDP message is 512 bytes at most (no EDNS0 asked)
_HOPS = const(8)  # CNAMEs followed within one reply
_CAP = const(1 << 28)  # a deadline ticks_add() takes on a 32-bit port

# RFC 1035 §4.1.1 RCODE 1-5 (others by number)
_RCODE = const(("FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"))


def resolve(host, server, timeout_ms, port=53):
    """host's IPv4 address ("a.b.c.d") as the DNS server at the IP address `server` gives
    it, within timeout_ms: the query (random ID, RD, one A question) goes out at once and
    again after 1/4 and 1/2 of timeout_ms; replies from elsewhere, with another ID or
    question, or malformed, are ignored. An IP literal is returned as it is, without a
    query. Raises (str(e) says which, e.args[0] tells them apart):
      OSError(ETIMEDOUT): no answer by the deadline (e.args[0] == 110: no DNS);
      OSError("DNS NXDOMAIN"), "DNS SERVFAIL", "DNS REFUSED", "DNS RCODE n", "DNS no A
        record", "DNS truncated": the server answered, negatively (e.args[0] is a str);
      OSError(errno), another number: the network stack's (no route, no socket);
      ValueError: host is not a valid name, or server not an IP address."""
    t0 = ticks_ms()
    if is_ip(host):
        return host
    if not is_ip(server):
        raise ValueError("DNS server must be an IP address")  # no lookup to find it
    name = host.rstrip(".").lower().encode()  # RFC 4343: names compare case-insensitively
    q = _query(name)
    dst = socket.getaddrinfo(server, port, 0, socket.SOCK_DGRAM)[0][-1]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setblocking(False)
        p = select.poll()
        p.register(s, select.POLLIN)
        wait = getattr(p, "ipoll", p.poll)  # ipoll allocates nothing
        ms = min(max(timeout_ms, 0), _CAP)
        dl = ticks_add(t0, ms)
        sent = 0
        due = t0
        while True:
            now = ticks_ms()
            left = ticks_diff(dl, now)
            if left <= 0:
                raise OSError(_ETIMEDOUT)
            if sent < _SENDS and ticks_diff(due, now) <= 0:
                # The same ID each time (RFC 1035 §7.2): an answer to any of them will do.
                sent += 1
                due = ticks_add(t0, (ms >> 2) * sent)
                try:
                    s.sendto(q, dst)
                except OSError as e:
                    if e.args[0] not in (_EAGAIN, _ENOMEM):
                        raise
            if sent < _SENDS:
                left = min(left, max(ticks_diff(due, now), 0))
            # One datagram per turn, so that a flood cannot hold us past the deadline.
            for _ in wait(left):
                try:
                    d, a = s.recvfrom(_MAX)
                except OSError as e:
                    if e.args[0] != _EAGAIN:
                        raise
                    break
                # RFC 5452 §9.1: an answer comes from the address asked (source port
                # randomisation, §9.2, is left to the stack's ephemeral port)
                r = _reply(d, q, name) if a == dst else None
                if r is not None:
                    return r
                break
    finally:
        s.close()


def _query(name):
    # RFC 1035 §4.1.1 header: a random ID (RFC 5452 §9.2), RD (recursion desired: the board
    # asks a recursive resolver), QDCOUNT 1; §4.1.2 question: QNAME, QTYPE A, QCLASS IN.
    n = len(name)
    if not 0 < n < 254:  # §2.3.4: 255 octets with the length bytes and the root
        raise ValueError("bad host name")
    q = bytearray(n + 18)
    r = os.urandom(2)
    struct.pack_into(">BBHH", q, 0, r[0], r[1], 0x0100, 1)
    i = 12
    for label in name.split(b"."):
        k = len(label)
        if not 0 < k < 64:  # §2.3.4: labels of 1-63 octets
            raise ValueError("bad host name")
        q[i] = k
        q[i + 1 : i + 1 + k] = label
        i += k + 1
    struct.pack_into(">BHH", q, i, 0, 1, 1)  # the root label, A, IN
    return q


def _reply(d, q, name):
    # The address, if d answers query q; None if it is not an answer to it (ignored);
    # OSError if it is a negative one.
    qe = len(q)
    # §4.1.1: our ID, QR (a response), OPCODE 0 (a standard query)
    if len(d) < qe or d[0] != q[0] or d[1] != q[1] or d[2] & 0xF8 != 0x80:
        return None
    # §7.3: the question echoed, QDCOUNT 1 and the same bytes (the first name of the
    # message: nothing to point back to). Lowercasing leaves the length bytes (< 64) alone.
    if d[4] or d[5] != 1 or d[12:qe].lower() != q[12:]:
        return None
    rc = d[3] & 15
    if rc:
        raise OSError("DNS " + (_RCODE[rc - 1] if rc <= 5 else "RCODE %d" % rc))
    if d[2] & 2:  # TC: the answer did not fit; no TCP here (RFC 2181 §9: not to be used)
        raise OSError("DNS truncated")
    # §4.1.3 answers: (owner, type, data) of the A (IN, 4 bytes) and CNAME records. A
    # malformed one makes the whole reply garbage: ignored, as a stray.
    rrs = []
    i = qe
    try:
        for _ in range(d[6] << 8 | d[7]):
            i, owner = _name(d, i)
            t, c = struct.unpack_from(">HH", d, i)
            n = d[i + 8] << 8 | d[i + 9]
            i += 10
            if i + n > len(d):
                return None
            if c == 1 and t == 1 and n == 4:
                rrs.append((owner, 1, "%d.%d.%d.%d" % (d[i], d[i + 1], d[i + 2], d[i + 3])))
            elif c == 1 and t == 5:
                rrs.append((owner, 5, _name(d, i)[1]))
            i += n
    except (IndexError, ValueError):
        return None
    # RFC 1034 §3.6.2: an alias's CNAME, then the target's records, in any order
    for _ in range(_HOPS):
        alias = None
        for owner, t, v in rrs:
            if owner == name:
                if t == 1:
                    return v
                alias = v
        if alias is None:
            break
        name = alias
    raise OSError("DNS no A record")  # NOERROR without an address (RFC 2308 §2.2 NODATA)


def _name(d, i):
    # RFC 1035 §4.1.4: labels up to a zero byte or a pointer to a prior occurrence -> (the
    # offset after the name where it starts, the name lowercased). ValueError or IndexError
    # when malformed. Each pointer must go back before the labels read so far, so that a
    # loop cannot be followed.
    end = 0
    lo = i
    size = 0
    parts = []
    while True:
        c = d[i]
        if c >= 0xC0:
            p = (c & 0x3F) << 8 | d[i + 1]
            if p >= lo:
                raise ValueError
            end = end or i + 2
            i = lo = p
        elif c >= 0x40:  # 01 and 10: label types RFC 1035 does not define (RFC 6891 §5)
            raise ValueError
        elif c:
            size += c + 1
            if size > 254:  # §2.3.4: 255 octets
                raise ValueError
            parts.append(d[i + 1 : i + 1 + c])
            i += c + 1
        else:
            return end or i + 1, b".".join(parts).lower()
