# coap.uri.is_ip(): the one "is this an IP literal" test of the client (Uri-Host only for a
# name, RFC 7252 §6.4 step 5) and the firmware (DNS only for a name: app.provision, app.dns,
# app.ntp, app.link), as RFC 3986 §3.2.2 (IPv4address, dec-octet) and RFC 4291 §2.2 (IPv6
# text forms, RFC 6874 zones) say.
from caseutil import eq

from coap.uri import is_ip

IPV4 = (
    ("1.2.3.4", True),
    ("0.0.0.0", True),
    ("255.255.255.255", True),
    ("1.2", False),  # inet_aton() would read 1.0.0.2; RFC 3986: a reg-name
    ("1.2.3", False),
    ("1.2.3.256", False),
    ("01.2.3.4", False),  # dec-octet has no leading zero (an octal reading elsewhere)
    ("1.2.3.4.", False),
    ("1.2.3.-1", False),
    ("1.2.3.+1", False),
    ("", False),
    ("host.example", False),
    ("localhost", False),
    ("coap.thethings.io", False),
    ("123", False),
)
IPV6 = (
    ("::1", True),
    ("fe80::1", True),
    ("::", True),
    ("1:2:3:4:5:6:7:8", True),
    ("1:2:3:4:5:6:7::", True),
    ("::2:3:4:5:6:7:8", True),
    ("2001:DB8::8:800:200C:417A", True),  # RFC 4291 §2.2 examples
    ("FF01::101", True),
    ("::13.1.68.3", True),
    ("::FFFF:129.144.52.38", True),
    ("1:2:3:4:5:6:1.2.3.4", True),
    ("fe80::1%eth0", True),  # a zone (RFC 6874; coap.uri.split() decodes its %25)
    ("1:2:3:4:5:6:7", False),
    ("1:2:3:4:5:6:7:8:9", False),
    ("1:2:3:4::5:6:7:8", False),  # "::" stands for one zero group at least
    ("1::2::3", False),
    (":::", False),
    ("1:::2", False),
    (":1::2", False),
    ("1::2:", False),
    (":", False),
    ("1:", False),
    ("12345::1", False),
    ("g::1", False),
    ("::ffff:1.2.3", False),
    ("::ffff:1.2.3.256", False),
    ("1:2:3:4:5:6:7:1.2.3.4", False),
)


def test_is_ip_v4():
    for host, want in IPV4:
        eq(is_ip(host), want, host)


def test_is_ip_v6():
    for host, want in IPV6:
        eq(is_ip(host), want, host)
