# The CoAP client over a DTLS socket (PSK), MicroPython only: CPython's ssl has no DTLS.
# Usage: micropython dtls_client.py PORT IDENTITY KEY
import socket
import sys

import tls

from coap.client import GET, Client

port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
ctx = tls.SSLContext(tls.PROTOCOL_DTLS_CLIENT)
ctx.verify_mode = tls.CERT_NONE
ctx.psk_identity = sys.argv[2].encode()
ctx.psk_key = sys.argv[3].encode()
c = Client("127.0.0.1", port, sock=ctx.wrap_socket(s, server_hostname="127.0.0.1"),
           ack_timeout_ms=500)  # fmt: skip
m = c.request(GET, "/time")
assert m.code == 0x45, hex(m.code)
got = []
o = c.observe("/time", lambda m: got.append(bytes(m.payload())))
while len(got) < 3:
    c.poll(100)
c.cancel(o)
print("ok", len(got))
