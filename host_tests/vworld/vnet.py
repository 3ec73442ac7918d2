# The virtual network, installed as the modules `socket` and `select`: UDP sockets of the
# board (10.0.0.2) that deliver to in-process servers at fixed addresses (vworld.servers),
# and back, after a one-way latency, through one queue of timed events; select.poll() over
# them waits in virtual time (vworld.vclock): it returns at once with a datagram that is
# there, else skips to the next event (a datagram's delivery, a server's timer) or to its
# timeout, whichever comes first. No real socket is made.
#
#   at(ms, fn, arg)        run fn(arg) ms from now (virtual): the servers' timers
#   send(src, dst, data)   a datagram on the wire (dropped while a fault says so)
#   SERVERS                {(ip, port): server}: server.rx(src, data) gets a datagram
#   NAMES                  {host name: ip}: what getaddrinfo() knows without DNS
#   wait(ms, sock)         let up to ms pass running the events due; early once sock
#                          has a datagram; sleep_ms() is wait(ms, None)
#   DROP(src, dst)         a fault hook: True drops the datagram (black hole, WiFi down)
#   LOSE(src, dst)         likewise, asked once as the datagram is sent (random loss)
#   bind((ip, port))       a board's socket on a port of its choosing (its server's)
#   DOWN()                 True while the board's link is down: its sends raise
#                          EHOSTUNREACH, as lwIP's without a route
#   stats                  counters; "nomem": datagrams lost because the world's code,
#                          in the firmware's heap, could not allocate (lwIP out of pbufs)
from micropython import const

import vworld.vclock as clock

AF_INET = const(2)
AF_INET6 = const(10)
SOCK_STREAM = const(1)
SOCK_DGRAM = const(2)
SOL_SOCKET = const(1)
SO_REUSEADDR = const(4)
IPPROTO_UDP = const(17)
POLLIN = const(1)
POLLOUT = const(4)
POLLERR = const(8)
POLLHUP = const(16)
_EAGAIN = const(11)
_EBADF = const(9)
_EHOSTUNREACH = const(113)
_EADDRINUSE = const(98)
_RXQ = const(4)  # datagrams a socket holds (lwIP's recvmbox is small too)

ME = "10.0.0.2"  # the board's address
LATENCY = 20  # ms, each way
SERVERS = {}
NAMES = {}
_ev = []  # [ticks, fn, arg], the earliest first
_socks = {}  # port -> VSocket of the board
_port = [49152]
stats = {"sent": 0, "delivered": 0, "dropped": 0, "overflow": 0, "unreachable": 0, "nomem": 0}


def _never(src, dst):
    return False


DROP = _never
LOSE = _never  # decided once per datagram, when sent (a lossy link)
DOWN = _never


def at(ms, fn, arg=None):
    t = clock.ticks_add(clock.ticks_ms(), ms)
    e = [t, fn, arg]
    i = len(_ev)
    while i and clock.ticks_diff(_ev[i - 1][0], t) > 0:
        i -= 1
    _ev.insert(i, e)
    return e


def cancel(e):
    if e in _ev:
        _ev.remove(e)


def send(src, dst, data):
    stats["sent"] += 1
    if DROP(src, dst) or LOSE(src, dst):
        stats["dropped"] += 1
        return
    # (a copy only of a buffer the sender reuses: the world's heap share stays small)
    try:
        at(LATENCY, _arrive, (src, dst, data if type(data) is bytes else bytes(data)))
    except MemoryError:  # see run_due()
        stats["nomem"] += 1


def _arrive(a):
    src, dst, data = a
    if DROP(src, dst):  # (a fault that began while it flew)
        stats["dropped"] += 1
        return
    if dst[0] == ME:
        s = _socks.get(dst[1])
        if s is None or (s.peer is not None and s.peer != src):
            stats["dropped"] += 1  # closed, or not from the connected peer
            return
        if len(s.q) >= _RXQ:
            stats["overflow"] += 1
            return
        s.q.append((data, src))
    else:
        srv = SERVERS.get(dst)
        if srv is None:
            stats["dropped"] += 1
            return
        srv.rx(src, data)
    stats["delivered"] += 1


def run_due():
    now = clock.ticks_ms()
    while _ev and clock.ticks_diff(_ev[0][0], now) <= 0:
        e = _ev.pop(0)
        try:
            e[1](e[2])
        except MemoryError:
            # The world's code shares the firmware's heap: what it could not allocate is a
            # datagram lost, as when lwIP runs out of buffers on a board (counted), never
            # an exception in the firmware's stack.
            stats["nomem"] += 1
        now = clock.ticks_ms()


def wait(ms, sock=None):
    """Let ms pass (virtual), running the events in their order, each at its time; returns
    early (True) once sock has a datagram."""
    run_due()
    if sock is not None and sock.q:
        return True
    if ms < 0:
        if not _ev:
            raise RuntimeError("vnet: a wait without end and nothing to come")
        ms = 1 << 28
    end = clock.ticks_add(clock.ticks_ms(), ms)
    while True:
        if _ev and clock.ticks_diff(_ev[0][0], end) <= 0:
            clock.skip_to(_ev[0][0])
            run_due()
            if sock is not None and sock.q:
                return True
        else:
            clock.skip_to(end)
            if _ev:
                run_due()
            return sock is not None and bool(sock.q)


def sleep_ms(ms):
    wait(ms)


def sleep(s):
    wait(int(s * 1000))


def sleep_us(us):
    wait(us // 1000)


def install():
    clock.sleep_ms = sleep_ms
    clock.sleep = sleep
    clock.sleep_us = sleep_us


def getaddrinfo(host, port, af=0, type=0, proto=0, flags=0):
    ip = NAMES.get(host, host)
    for x in ip.split("."):
        if not x.isdigit():
            raise OSError(-2)  # EAI_NONAME: no such host (this world has no DNS here)
    return [(AF_INET, SOCK_DGRAM, IPPROTO_UDP, "", (ip, port))]


class socket:
    def __init__(self, af=AF_INET, type=SOCK_DGRAM, proto=0):
        if type != SOCK_DGRAM:
            raise OSError(97)  # EAFNOSUPPORT: UDP only here
        p = _port[0]
        while p in _socks:
            p = 49152 + (p - 49151) % 16384
        _port[0] = 49152 + (p - 49151) % 16384
        self.addr = (ME, p)
        self.peer = None
        self.q = []
        self.blocking = True
        _socks[p] = self

    def setblocking(self, flag):
        self.blocking = flag

    def settimeout(self, t):
        self.blocking = t is None or t > 0

    def bind(self, addr):
        # a port of its own (the board's server, config serve_port); 0: the one it has
        p = addr[1]
        if p and p != self.addr[1]:
            if p in _socks:
                raise OSError(_EADDRINUSE)
            del _socks[self.addr[1]]
            self.addr = (ME, p)
            _socks[p] = self

    def connect(self, addr):
        self.peer = addr

    def _out(self, dst, data):
        if self.addr is None:
            raise OSError(_EBADF)
        if DOWN():
            stats["unreachable"] += 1
            raise OSError(_EHOSTUNREACH)
        send(self.addr, dst, data)
        return len(data)

    def send(self, data):
        return self._out(self.peer, data)

    def sendto(self, data, addr):
        return self._out(addr, data)

    def recvfrom(self, n):
        if self.addr is None:
            raise OSError(_EBADF)
        run_due()
        if not self.q:
            if not self.blocking:
                raise OSError(_EAGAIN)
            while not wait(1 << 28, self):  # a blocking socket waits, in virtual time
                pass
        d, a = self.q.pop(0)
        return (d if len(d) <= n else d[:n]), a

    def recv(self, n):
        return self.recvfrom(n)[0]

    def close(self):
        if self.addr is not None:
            _socks.pop(self.addr[1], None)
            self.addr = None
            self.q = []


class poll:
    def __init__(self):
        self.s = None
        self._r = None

    def register(self, s, mask=POLLIN):
        self.s = s  # one socket: what the firmware does
        self._r = [(s, POLLIN)]

    def unregister(self, s):
        self.s = None

    def modify(self, s, mask):
        pass

    def ipoll(self, timeout=-1, flags=0):
        s = self.s
        if wait(timeout, s):
            return self._r
        return ()

    poll = ipoll
