# micropython-thethings: a theThings.IO v2 client over CoAP for MicroPython (and CPython).
#   thethings.thing   activate(), Thing (write, read, history, subscribe/poll, date),
#                     ThingError, retryable(), write_payload(), redact()
#   thethings.dates   iso(), compact(), parse(), split(), days(), unix_offset(): Unix
#                     seconds <-> the API's datetime forms, whatever the board's time epoch
# It needs the coap package (lib/coap) and a coap.client.Client to talk through:
#     from coap.client import Client
#     import thethings
#     thing = thethings.Thing(Client("coap.thethings.io"), token)
#     thing.write([("temp", 21.5, unix_seconds), ("door", "open")])
from thethings.dates import compact, iso, parse, split, unix_offset
from thethings.thing import Thing, ThingError, activate, redact, retryable, write_payload

__version__ = "0.1.0"
__all__ = (
    "Thing",
    "ThingError",
    "activate",
    "compact",
    "iso",
    "parse",
    "redact",
    "retryable",
    "split",
    "unix_offset",
    "write_payload",
)
