# Multicast discovery for a coap.server Server (RFC 7252 §8, RFC 7390): requests that came
# to the "All CoAP Nodes" group, answered (if at all) after a random leisure, from the
# server's unicast socket. Sans-I/O like the engine: the serve loop (coap/serve_cli.py)
# reads the group's socket into receive(), and sends what output() gives when due().
#
#   mc = Multicast(server)
#   mc.receive(data, n, addr, now)        a datagram read from the group's socket
#   d = mc.output(now)                    a response whose leisure is over (to mc.to),
#                                         sent from the unicast socket; until None
#
# join(port) opens the IPv4 group's socket, join6(port, ifindex) the IPv6 one, where the
# socket layer allows it (OSError where not: the caller serves unicast only).
from time import ticks_add, ticks_diff

from micropython import const

GROUP4 = "224.0.1.187"  # All CoAP Nodes, IPv4, RFC 7252 §12.8
GROUP6 = "ff02::fd"  # ... link-local IPv6 (join6)
_G6 = b"\xff\x02" + bytes(13) + b"\xfd"  # GROUP6's 16 bytes
DEFAULT_LEISURE = const(5000)  # ms, RFC 7252 §8.2.1
# Numeric socket options where a port's socket module lacks the names (Linux's values;
# lwIP's socket module names IP_ADD_MEMBERSHIP, 3 there)
_IPPROTO_IP = const(0)
_IP_ADD_MEMBERSHIP = const(35)
_IP_MULTICAST_ALL = const(49)  # Linux: 0 = only the groups this socket joined
_IPPROTO_IPV6 = const(41)  # the IPv6 ones, which MicroPython's unix port does not name
_IPV6_JOIN_GROUP = const(20)  # (IPV6_ADD_MEMBERSHIP)
_IPV6_MULTICAST_ALL = const(29)
_EAFNOSUPPORT = const(97)
_ADDR = const(0)  # a peer's slots in the engine (coap/engine.py's _ADDR, _C): its address,
_C = const(9)  # the reply due to it
_CAP = const(0x0FFFFFFF)


class Multicast:
    """The multicast side of server s. leisure: the most a response waits, in ms (§8.2);
    at most max_waiting responses wait at once, more are dropped (counted: dropped)."""

    leisure = DEFAULT_LEISURE
    max_waiting = 8

    def __init__(self, s):
        self.s = s
        self.q = []  # when, address, datagram of each response waiting; in arrival order
        self.to = None
        self.requests = self.dropped = 0

    def receive(self, data, n, addr, now, cut=False):
        """A datagram data[:n] from addr that came to the group: the server handles it with
        mcast set (§8.1: no error response, no RST), and what it answers waits."""
        s = self.s
        e = s.e
        self.requests += 1
        s.mcast = True
        try:
            e.receive(data, n, addr, now, cut)
        finally:
            s.mcast = False
        for p in e.peers:
            if p[_ADDR] == addr:
                break
        else:
            return
        d = p[_C]
        if d is None:
            return  # silence: an error, a filter that matched nothing (RFC 6690 §4.1)
        p[_C] = None  # not now: the engine's output() would send it at once
        q = self.q
        if len(q) >= 3 * self.max_waiting:
            self.dropped += 1
            return
        # §8.2: a random leisure in [0, Leisure], so that the group's answers spread out
        r = e.rand(2)
        q.append(ticks_add(now, self.leisure * (r[0] << 8 | r[1]) // 65535))
        q.append(addr)
        q.append(bytes(d))  # (an empty ACK's buffer is the peer's, reused)

    def due(self, now):
        """ms until output() has a response to give (at most 2**28)."""
        t = _CAP
        q = self.q
        for i in range(0, len(q), 3):
            t = min(t, ticks_diff(q[i], now))
        return max(t, 0)

    def output(self, now):
        """The next response whose leisure is over (its address in self.to), or None."""
        q = self.q
        for i in range(0, len(q), 3):
            if ticks_diff(q[i], now) <= 0:
                self.to = q[i + 1]
                d = q[i + 2]
                del q[i : i + 3]
                return d
        return None


def join(port, iface="0.0.0.0"):
    """A UDP socket bound to GROUP4:port that joined the group on the interface of address
    iface (0.0.0.0: the one the routing table picks); OSError where the network refuses.
    The unicast socket on the same port needs SO_REUSEADDR before its bind."""
    import socket

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(socket.getaddrinfo(GROUP4, port, 0, socket.SOCK_DGRAM)[0][-1])
        mreq = _aton(GROUP4) + _aton(iface)  # struct ip_mreq: the group, the interface
        s.setsockopt(
            getattr(socket, "IPPROTO_IP", _IPPROTO_IP),
            getattr(socket, "IP_ADD_MEMBERSHIP", _IP_ADD_MEMBERSHIP), mreq,
        )  # fmt: skip
    except BaseException:
        s.close()
        raise
    return s


def join6(port, ifindex):
    """A UDP socket bound to [ff02::fd]:port on interface ifindex (a link-local group exists
    per link: the kernel needs one, RFC 4291 §2.7) that joined the group there; OSError
    where the network refuses, or the port has no IPv6 (socket.AF_INET6, EAFNOSUPPORT)."""
    import socket
    import struct

    af = getattr(socket, "AF_INET6", None)
    if af is None:
        raise OSError(_EAFNOSUPPORT)  # e.g. a board's lwIP built without IPv6
    s = socket.socket(af, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        a = socket.getaddrinfo(GROUP6, port, 0, socket.SOCK_DGRAM)[0][-1]
        idx = struct.pack("@I", ifindex)
        if isinstance(a, tuple):  # CPython: (host, port, flowinfo, scope_id)
            a = (a[0], a[1], 0, ifindex)
        else:  # MicroPython: the struct sockaddr_in6 itself; its scope_id is bytes 24-27
            a = bytearray(a)
            a[24:28] = idx
        s.bind(a)
        # struct ipv6_mreq: the group, the interface's index
        s.setsockopt(_IPPROTO_IPV6, _IPV6_JOIN_GROUP, _G6 + idx)
    except BaseException:
        s.close()
        raise
    return s


def only_unicast(sock, v6=False):
    """Linux: a socket bound to 0.0.0.0 (or ::) gets a copy of every group's datagrams that
    any socket joined; off for the unicast one, which must not answer them at once (§8.2)."""
    try:
        if v6:
            sock.setsockopt(_IPPROTO_IPV6, _IPV6_MULTICAST_ALL, 0)
        else:
            sock.setsockopt(_IPPROTO_IP, _IP_MULTICAST_ALL, 0)
    except (OSError, AttributeError):
        pass  # another network stack: it delivers a group's datagrams to its members only


def _aton(a):
    return bytes(int(x) for x in a.split("."))
