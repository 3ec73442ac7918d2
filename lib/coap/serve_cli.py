# micropython -m coap serve [--port P] [--bind ADDR] [--plugtest] [--no-multicast]
#                           [--ack-timeout MS] [--leisure MS] [--separate MS]
#                           [--obs-period MS] [--iface NAME]
#
# A CoAP server on the command line (coap/__main__.py hands `serve` here): it prints the
# address it serves on and runs until Ctrl-C (exit status 0, its sockets closed). It serves
# /.well-known/core; with --plugtest the ETSI plugtest resource set (coap/plugtest.py).
# Where the socket layer lets it join the All CoAP Nodes group (224.0.1.187, RFC 7252 §8,
# coap/mcast.py), requests to the group are answered after a random leisure (§8.2); bound
# to an IPv6 address, the group is ff02::fd on the interface of that address (or --iface).
# --ack-timeout sets ACK_TIMEOUT (RFC 7252 §4.8, 2000 ms) for the separate responses'
# retransmissions, --leisure the multicast Leisure (5000 ms), --separate how long /separate
# takes (1000 ms), --obs-period how often /obs and /obs-non change (5000 ms, the TDs'): the
# tests run with small ones.
import sys
from time import ticks_ms

from coap.client import Client
from coap.server import Server

_USAGE = (
    "usage: coap serve [--port P] [--bind ADDR] [--plugtest] [--no-multicast]"
    " [--ack-timeout MS] [--leisure MS] [--separate MS] [--obs-period MS] [--iface NAME]"
)
_FLAGS = ("--plugtest", "--no-multicast")
_VALUES = {"--port": 5683, "--bind": "0.0.0.0", "--ack-timeout": 2000, "--leisure": 5000,
           "--separate": 1000, "--obs-period": 5000, "--iface": ""}  # fmt: skip


def _parse(args):
    o = dict(_VALUES)
    i = 0
    while i < len(args):
        a = args[i]
        if a in _FLAGS:
            o[a] = True
        elif a in _VALUES:
            i += 1
            v = args[i]  # IndexError: a flag without its value
            o[a] = v if a in ("--bind", "--iface") else int(v)
        else:
            raise ValueError(a)
        i += 1
    if (
        not 0 < o["--port"] < 65536
        or o["--ack-timeout"] < 1
        or o["--leisure"] < 0
        or o["--obs-period"] < 1
    ):
        raise ValueError("out of range")
    return o


def main(args):
    try:
        o = _parse(args)
    except (ValueError, IndexError):
        print(_USAGE)
        return 2
    try:  # CPython started with SIGINT ignored (a background job): Ctrl-C ends it still
        import signal

        signal.signal(signal.SIGINT, signal.default_int_handler)
    except (ImportError, AttributeError):
        pass  # MicroPython's unix port raises KeyboardInterrupt on SIGINT by itself
    import socket

    port = o["--port"]
    bind = o["--bind"]
    ai = socket.getaddrinfo(bind, port, 0, socket.SOCK_DGRAM)[0]
    us = socket.socket(ai[0], socket.SOCK_DGRAM)
    v6 = ai[0] != socket.AF_INET
    mcast = "--no-multicast" not in o
    ms = None
    try:
        if mcast:  # the group's socket shares the port (both need SO_REUSEADDR)
            us.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        us.bind(ai[-1])
        c = Client(bind, port, sock=us, ack_timeout_ms=o["--ack-timeout"])
        c._addr = ai[-1]  # unconnected: recvfrom and sendto (as Server(port=P) does)
        s = Server(c)
        p = mc = None
        if "--plugtest" in o:
            from coap.plugtest import Plugtest

            p = Plugtest(s)
            p.separate_ms = o["--separate"]
            p.obs_ms = o["--obs-period"]
        url = ("coap://[%s]:%d" if ":" in bind else "coap://%s:%d") % (bind, port)
        if mcast:
            from coap import mcast as m

            try:
                if v6:  # ff02::fd on the link of the address served, or of --iface
                    i = _ifindex(ai[-1], o["--iface"])
                    if not i:
                        raise OSError("no interface for ff02::fd: --iface NAME")
                    ms = m.join6(port, i)
                    g = "[%s%%25%d]" % (m.GROUP6, i)  # RFC 6874: the zone in a URI
                else:  # on the interface of the address served (any: the routing table's)
                    ms = m.join(port, bind)
                    g = m.GROUP4
                m.only_unicast(us, v6)
                mc = m.Multicast(s)
                mc.leisure = o["--leisure"]
                url += " and coap://%s:%d (multicast)" % (g, port)
            except OSError as x:
                a = x.args[0]
                url += " (multicast not joined: %s)" % (
                    "errno %d" % a if isinstance(a, int) else a
                )
        print("serving " + url)
        f = getattr(sys.stdout, "flush", None)
        if f:
            f()
        _loop(c, p, ms, mc)
    except KeyboardInterrupt:
        pass
    finally:
        us.close()
        if ms is not None:
            ms.close()
    return 0


def _ifindex(sa, iface):
    # The index of interface iface (a name, or its number), else of the one that holds the
    # IPv6 address of sockaddr sa (its zone, as in fe80::1%eth0, or Linux's address table);
    # 0 if none. Linux's /sys and /proc: MicroPython has no if_nametoindex.
    if iface:
        if iface.isdigit():
            return int(iface)
        try:
            with open("/sys/class/net/%s/ifindex" % iface) as f:
                return int(f.read())
        except OSError:
            return 0
    if isinstance(sa, tuple):  # CPython: (host, port, flowinfo, scope_id)
        import socket

        if sa[3]:
            return sa[3]
        a = socket.inet_pton(socket.AF_INET6, sa[0])
    else:  # MicroPython: struct sockaddr_in6, the address in bytes 8-23, the zone in 24-27
        import struct

        i = struct.unpack("@I", sa[24:28])[0]
        if i:
            return i
        a = bytes(sa[8:24])
    h = "".join("%02x" % b for b in a)
    try:
        with open("/proc/net/if_inet6") as f:
            for line in f:
                w = line.split()
                if w[0] == h:
                    return int(w[1], 16)
    except OSError:
        pass
    return 0


def _loop(c, p, ms, mc):
    # The client's poll() (coap/client.py's _step), with the plugtest's timers, and the
    # group's socket beside the unicast one. A datagram to the group goes to mc; mc's
    # responses leave from the unicast socket when their leisure is over.
    import select

    poll = select.poll()
    poll.register(c._sock, select.POLLIN)
    mfd = -1
    if ms is not None:
        poll.register(ms, select.POLLIN)
        mfd = ms.fileno()  # CPython's poll gives descriptors, MicroPython's the object
    wait = getattr(poll, "ipoll", poll.poll)
    while True:
        try:
            now = ticks_ms()
            if p is not None:
                p.tick(now)
            c.tick(now)
            c._flush()
            t = c.due(now)
            if p is not None:
                t = min(t, p.due(now))
            if mc is not None:
                d = mc.output(now)
                while d is not None:
                    c._sock.sendto(d, mc.to)
                    d = mc.output(now)
                t = min(t, mc.due(now))
            for ev in wait(t):
                w = ev[0]
                if w is ms or w == mfd:
                    data, addr = ms.recvfrom(c.rx_max)
                    n = len(data)
                    mc.receive(data, n, addr, ticks_ms(), n >= c.rx_max)
                    c._flush()
                else:
                    c._read()
                break  # the timers again before the next datagram
        except OSError:
            pass  # a datagram that could not be sent or read: dropped, the server goes on
