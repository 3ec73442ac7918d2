"""`coap serve` over IPv6 as a real process under CPython, the x64 port and the i386 port:
unicast on [::1] (a CON GET answered piggybacked, a 4.04), and multicast discovery on the
link-local All CoAP Nodes group ff02::fd (RFC 7252 §12.8, §8): a NON GET /.well-known/core
to the group is answered once, after a leisure of at most 100 ms, from the server's unicast
address; a filter matching nothing and a 4.04 get silence (§8.1, RFC 6690 §4.1).

The group's datagrams loop back to this host (IPV6_MULTICAST_LOOP) on loopback where lo has
IPv6 multicast; Linux's lo has no IFF_MULTICAST (no ff00::/8 route: sendto gives
ENETUNREACH), and then the test takes the first interface with a link-local address on which
a probe datagram to ff02::fd comes back (hop limit 1: it stays on the link), or skips
naming what each interface did. One server process per interpreter and test."""

import os
import socket
import struct
import time

import procs
import pytest
from aiocoap.message import Message
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import Type
from dual import LIB
from plugtest_client import INTERPRETERS, _argv, one_discovery_answer
from test_plugtest import LEISURE_S

GROUP6 = "ff02::fd"
_IPPROTO_IPV6, _JOIN, _IF, _LOOP = 41, 20, 17, 19  # Linux's numbers (CPython names them too)


def _free_port6(host="::1"):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((host, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def _ifaces():
    """[(name, ifindex, link-local address or None)], lo first: /proc/net/if_inet6."""
    out = {}
    with open("/proc/net/if_inet6") as f:
        for line in f:
            h, idx, _, scope, _, name = line.split()
            a = socket.inet_ntop(socket.AF_INET6, bytes.fromhex(h))
            out.setdefault(name, [int(idx, 16), None])
            if int(scope, 16) == 0x20:  # IPV6_ADDR_LINKLOCAL
                out[name][1] = a
    return sorted(((n, i, a) for n, (i, a) in out.items()), key=lambda x: x[0] != "lo")


def _probe(idx, src):
    """None if a datagram to ff02::fd on interface idx comes back here, else why not."""
    r = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        port = _free_port6("::")
        r.bind((GROUP6, port, 0, idx))
        r.setsockopt(_IPPROTO_IPV6, _JOIN, socket.inet_pton(socket.AF_INET6, GROUP6)
                     + struct.pack("@I", idx))  # fmt: skip
        s.setsockopt(_IPPROTO_IPV6, _IF, idx)
        s.setsockopt(_IPPROTO_IPV6, _LOOP, 1)
        s.bind((src, 0, 0, idx if src.startswith("fe80") else 0))
        s.sendto(b"probe", (GROUP6, port, 0, idx))
        r.settimeout(0.5)
        r.recvfrom(16)
        return None
    except OSError as e:
        return "%s: %s" % (type(e).__name__, e)
    finally:
        r.close()
        s.close()


@pytest.fixture(scope="module")
def link():
    """(interface name, ifindex, the address to serve and send from) where ff02::fd loops."""
    if not socket.has_ipv6 or not os.path.exists("/proc/net/if_inet6"):
        pytest.skip("no IPv6 on this host (/proc/net/if_inet6)")
    why = []
    for name, idx, ll in _ifaces():
        src = "::1" if name == "lo" else ll
        if src is None:
            why.append("%s: no link-local address" % name)
            continue
        w = _probe(idx, src)
        if w is None:
            return name, idx, src
        with open("/sys/class/net/%s/flags" % name) as f:
            flags = int(f.read(), 16)
        why.append("%s (flags %#x, IFF_MULTICAST %s): sendto [%s%%%s] %s" % (
            name, flags, "on" if flags & 0x1000 else "off", GROUP6, name, w))  # fmt: skip
    pytest.skip("no interface loops ff02::fd back here: " + "; ".join(why))


def start(interp, bind, *args):
    """`INTERP -m coap serve --plugtest --bind BIND --port P ARGS`: (process, port, line)."""
    port = _free_port6()
    env = dict(os.environ, MICROPYPATH=LIB + os.pathsep + ".frozen", PYTHONPATH=LIB)
    argv = _argv(interp) + ["-m", "coap", "serve", "--plugtest", "--bind", bind, "--port",
                            str(port), "--leisure", str(int(LEISURE_S * 1000)), *args]  # fmt: skip
    p = procs.popen(argv, env=env, stdout=procs.subprocess.PIPE,
                    stderr=procs.subprocess.PIPE, text=True)  # fmt: skip
    line = p.stdout.readline().strip()
    return p, port, line


def request(mid, path, mtype=Type.CON, query=()):
    m = Message(code=Code.GET)
    m.opt.uri_path = tuple(x for x in path.split("/") if x)
    if query:
        m.opt.uri_query = tuple(query)
    m.mtype, m.mid, m.token = mtype, mid, os.urandom(4)
    return m


def drain(s):
    # what the retries before the server was up brought twice (a ping's RST, a response)
    s.settimeout(0.05)
    try:
        while True:
            s.recvfrom(2048)
    except (TimeoutError, ConnectionRefusedError):
        pass


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_unicast_ipv6(interp):
    """`coap serve --bind ::1`: served over IPv6 (the engine keeps the 28-byte sockaddr as
    the peer's address); a CON GET gets its piggybacked 2.05, an unknown path 4.04."""
    p, port, line = start(interp, "::1", "--no-multicast")
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        assert line == "serving coap://[::1]:%d" % port, (line, p.poll())
        s.bind(("::1", 0))
        s.settimeout(3)
        for mid, path, code in ((1, "/test", Code.CONTENT), (2, "/nothing", Code.NOT_FOUND)):
            m = request(mid, path)
            deadline = time.monotonic() + 5
            while True:  # until the process has bound its socket (it printed first)
                s.sendto(m.encode(), ("::1", port))
                try:
                    d, addr = s.recvfrom(2048)
                    break
                except (TimeoutError, ConnectionRefusedError):
                    assert time.monotonic() < deadline, "no answer"
            drain(s)
            s.settimeout(3)
            r = Message.decode(d)
            assert addr[:2] == ("::1", port), addr
            assert (r.mtype, r.code, r.mid, r.token) == (Type.ACK, code, mid, m.token), r
    finally:
        s.close()
        procs.stop(p)


@pytest.mark.parametrize("interp", INTERPRETERS)
def test_multicast_discovery_ipv6(interp, link):
    name, idx, src = link
    p, port, line = start(interp, src if name == "lo" else "%s%%%s" % (src, name))
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        want = "and coap://[%s%%25%d]:%d (multicast)" % (GROUP6, idx, port)
        assert line.endswith(want), (line, p.poll())
        s.setsockopt(_IPPROTO_IPV6, _IF, idx)
        s.setsockopt(_IPPROTO_IPV6, _LOOP, 1)
        s.bind((src, 0, 0, 0 if name == "lo" else idx))
        # the server printed its line before its loop: a ping to its unicast socket first
        s.settimeout(0.2)
        for _ in range(25):
            s.sendto(b"\x40\x00\x00\x01", (src, port, 0, 0 if name == "lo" else idx))
            try:
                s.recvfrom(64)
                break
            except (TimeoutError, ConnectionRefusedError):
                pass
        else:
            raise AssertionError("no RST to a ping")
        drain(s)
        to = (GROUP6, port, 0, idx)
        s.sendto(request(10, "/nothing", Type.NON).encode(), to)  # §8.1: no 4.04
        q = request(11, "/.well-known/core", Type.NON, ["rt=nothing*"])
        s.sendto(q.encode(), to)  # RFC 6690 §4.1: no empty document
        m = request(12, "/.well-known/core", Type.NON, ["rt=Type1"])
        t0 = time.monotonic()
        s.sendto(m.encode(), to)
        one_discovery_answer(s, t0, m, (src, port), LEISURE_S)
    finally:
        s.close()
        procs.stop(p)
