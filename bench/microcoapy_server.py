# microCoAPy's server (github.com/insighio/microCoAPy) with the /test of bench/server.py's
# load, for comparison: its Coap() bound to argv[1], a callback for "test" that answers what
# the request was (the text of coap.plugtest's /test, Max-Age 30) as its sendResponse does (a
# piggybacked ACK), its loop() blocking on the socket. Runs under MicroPython with
# microCoAPy on MICROPYPATH; prints "serving" when bound, runs until killed.
import socket
import sys

import microcoapy
from microcoapy import coap_macros as macros
from microcoapy.coap_packet import CoapPacket

_TYPES = ("CON", "NON", "ACK", "RST")


class Sock:
    def __init__(self, s):
        self.s = s
        self.sendto = s.sendto
        self.setblocking = s.setblocking

    def recvfrom(self, n):
        d, a = self.s.recvfrom(n)  # a: struct sockaddr_in, the port big-endian at 2
        return d, ("%d.%d.%d.%d" % (a[4], a[5], a[6], a[7]), a[2] << 8 | a[3])

    def close(self):
        self.s.close()


def main():
    c = microcoapy.Coap()
    c.debug = False  # its log would print every datagram

    def test(p, ip, port):
        tok = "".join("%02x" % b for b in p.token) if p.token else "(empty)"
        text = "Type: %d (%s)\nCode: 1 (GET)\nMID: %d\nToken: %s" % (
            p.type, _TYPES[p.type], p.messageid, tok)  # fmt: skip
        # its sendResponse() with Max-Age 30 added, as ours and aiocoap's answer
        r = CoapPacket()
        r.type = macros.COAP_TYPE.COAP_ACK
        r.method = macros.COAP_RESPONSE_CODE.COAP_CONTENT
        r.token = p.token
        r.payload = text.encode()
        r.messageid = p.messageid
        r.content_format = macros.COAP_CONTENT_FORMAT.COAP_TEXT_PLAIN
        r.addOption(macros.COAP_OPTION_NUMBER.COAP_MAX_AGE, bytearray(b"\x1e"))
        c.sendPacket(ip, port, r)

    c.addIncomingRequestCallback("test", test)
    # its start() binds ("", port), which the unix port's socket does not take: a socket of
    # our own, bound to loopback, by its setCustomSocket(); and its code reads the peer's
    # address as a board's socket gives it, (ip, port), where the unix port's recvfrom
    # gives the raw sockaddr: Sock makes that tuple (its one cost per request beyond
    # microCoAPy's own; sendto gets what microCoAPy's getaddrinfo gives, the raw form)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(socket.getaddrinfo("127.0.0.1", int(sys.argv[1]))[0][-1])
    c.setCustomSocket(Sock(s))
    print("serving")
    while True:
        c.loop(True)


main()
