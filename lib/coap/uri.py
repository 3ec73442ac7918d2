# coap:// URIs to request options, RFC 7252 §6.4: one Uri-Path per path
# segment and one Uri-Query per query parameter, each percent-decoded; Uri-Host
# only for a registered name, never for an IP literal.


_HEX = b"0123456789abcdefABCDEF"


def unquote(s):
    """Percent-decode a str into bytes (RFC 3986 §2.1)."""
    b = s.encode()
    if b"%" not in b:
        return b
    out = bytearray()
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c == 0x25:  # '%'
            h = b[i + 1 : i + 3]
            if len(h) < 2 or h.strip(_HEX):
                raise ValueError("bad %-escape")
            c = int(str(h, "ascii"), 16)
            i += 2
        out.append(c)
        i += 1
    return bytes(out)


def path(p):
    """'/a/b%20c/' -> (b'a', b'b c', b''); '' and '/' -> ()."""
    if p in ("", "/"):
        return ()
    if p[0] == "/":
        p = p[1:]
    return tuple(unquote(s) for s in p.split("/"))


def query(q):
    """'x=1&y=2' -> (b'x=1', b'y=2')."""
    return tuple(unquote(s) for s in q.split("&")) if q else ()


def udp(host, port, connect=False):
    """A UDP socket for host:port (DNS once) and the address to send to: None when
    connect, the socket then connected (the network stack drops datagrams from others)."""
    import socket

    ai = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
    s = socket.socket(ai[0], socket.SOCK_DGRAM)
    if connect:
        s.connect(ai[-1])
        return s, None
    return s, ai[-1]


def is_ip(host):
    """True for an IP literal, the one test of the firmware and the client (a name goes to
    DNS and into Uri-Host, RFC 7252 §6.4 step 5). IPv4 is RFC 3986 §3.2.2's IPv4address:
    four dec-octets 0-255 without leading zeros ("1.2", "1.2.3.256" and "01.2.3.4" are
    reg-names). IPv6 (without its brackets) is RFC 4291 §2.2's text: 1-8 groups of 1-4 hex
    digits, one "::" at most standing for one or more zero groups, the last 32 bits perhaps
    dotted IPv4; then an RFC 6874 zone ("%eth0") perhaps."""
    if ":" not in host:
        return _v4(host)
    h = host.split("%", 1)[0]
    g = h.split(":")
    n = len(g)
    if g[-1] and "." in g[-1]:  # §2.2 form 3: the low 32 bits as IPv4
        if not _v4(g[-1]):
            return False
        g[-1] = "0"
        n += 1
    z = h.find("::")
    if z >= 0:  # the empty groups of "::" (two at an end, three for "::" alone) stand for
        if h.find("::", z + 1) >= 0:  # at least one zero group, at most once
            return False
        k = 0
        for x in g:
            k += not x
        n -= k
        if n > 7 or k > 3 or k == 3 and h != "::" or k == 2 and z and z != len(h) - 2:
            return False
    elif n != 8:
        return False
    for x in g:
        if x and not (len(x) < 5 and not x.strip("0123456789abcdefABCDEF")):
            return False
    return True


def _v4(h):
    # RFC 3986 §3.2.2 dec-octet: "0" or 1-255 without a leading zero, four of them
    p = h.split(".")
    if len(p) != 4:
        return False
    for x in p:
        if not (0 < len(x) < 4 and x.isdigit() and (x[0] != "0" or x == "0") and int(x) < 256):
            return False
    return True


def split(url):
    """'coap://host[:port]/a/b?x=1' -> (host, port, path tuple, query tuple). The scheme is
    case-insensitive and an empty port is the default (RFC 3986 §3.1, §3.2.3); an IPv6
    literal comes without its brackets, its zone percent-decoded (RFC 6874: %25 is %)."""
    c = url.find("://")
    scheme = url[:c].lower() if c > 0 else ""
    if scheme == "coap":
        port = 5683  # RFC 7252 §6.1
    elif scheme == "coaps":
        port = 5684  # RFC 7252 §6.2
    else:
        raise ValueError("not a coap:// URI")
    rest = url[c + 3 :]
    if "#" in rest:
        raise ValueError("fragment in URI")  # RFC 7252 §6.4 step 4
    q = rest.find("?")
    qs = ""
    if q >= 0:
        rest, qs = rest[:q], rest[q + 1 :]
    s = rest.find("/")
    host, p = (rest, "") if s < 0 else (rest[:s], rest[s:])
    if host.startswith("["):  # RFC 3986 §3.2.2 IP-literal
        e = host.find("]")
        if e < 0:
            raise ValueError("bad IPv6 literal")
        tail = host[e + 1 :]
        host = unquote(host[1:e]).decode()
    else:
        c = host.rfind(":")
        tail = host[c:] if c >= 0 else ""
        host = host[:c] if c >= 0 else host
    if tail[1:] or tail and tail[0] != ":":
        if tail[0] != ":" or not tail[1:].isdigit() or int(tail[1:]) > 65535:
            raise ValueError("bad port")
        port = int(tail[1:])
    if not host:
        raise ValueError("no host")
    return host, port, path(p), query(qs)
