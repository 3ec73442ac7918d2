"""The codec (lib/coap/message.py) against RFC 7252 §3 and the conformance notes, under CPython
and MicroPython: the cases are in cases/case_codec.py (see dual.py)."""

from dual import collect

globals().update(collect("case_codec"))
