# micropython-thethings: a theThings.IO v2 client over CoAP for MicroPython (and CPython).
#   thethings.thing   Thing (write, subscribe/poll), ThingError, write_payload(), redact(),
#                     Backoff (the retry rule: doubling, 25% jitter)
#   thethings.activation  activate()
#   thethings.extra   the code of Thing.read/history/date/subscribed/resubscribes, retryable()
#   thethings.subscription  the code of Thing.subscribe/unsubscribe (loaded per call)
#   thethings.dates   iso(), compact(), parse(), split(), days(), unix_offset(): Unix
#                     seconds <-> the API's datetime forms, whatever the board's time epoch
# It needs the coap package (lib/coap) and a coap.client.Client to talk through:
#     from coap.client import Client
#     import thethings
#     thing = thethings.Thing(Client("coap.thethings.io"), token)
#     thing.write([("temp", 21.5, unix_seconds), ("door", "open")])
# activate(), retryable() and the date functions are imported on first use (`from thethings
# import iso` works as ever): a board that writes and subscribes keeps only thethings.thing's
# code in its heap. (No __all__: its 11 strings cost 176 bytes of a board's heap.)
import coap  # noqa: F401 - first: under CPython it provides MicroPython's names (coap._host)
from thethings.thing import Thing, ThingError, redact, write_payload  # noqa: F401

__version__ = "0.1.0"


def __getattr__(name):  # PEP 562; MicroPython: MICROPY_MODULE_GETATTR, on in every port
    # (`from thethings import dates` would recurse here: import the module by its full name)
    if name == "activate":
        import thethings.activation as m

        return m.activate
    if name == "retryable":
        import thethings.extra as m

        return m.retryable
    if name in ("dates", "compact", "iso", "parse", "split", "unix_offset"):
        import thethings.dates as m

        return m if name == "dates" else getattr(m, name)
    raise AttributeError(name)
