"""coap.uri's IP-literal test (RFC 3986 §3.2.2, RFC 4291 §2.2) under CPython and MicroPython:
the cases are in cases/case_uri.py (see dual.py)."""

from dual import collect

globals().update(collect("case_uri"))
