# micropython-coap: a CoAP client for MicroPython (RFC 7252, 7641, 7959).
#   coap.message    codec: Encoder, Message, FormatError
#   coap.engine     the protocol without I/O: Engine, Request, CoapError, CoapTimeout
#   coap.observer   observations (RFC 7641's client side)
#   coap.blockwise  block-wise transfers (RFC 7959)
#   coap.client     Client: blocking requests, observations, poll()
#   coap.aio        Client: the same under asyncio (await request(), async for)
#   coap.uri        coap:// URIs to options
# `micropython -m coap get URL` is a coap-cli-like command line.
__version__ = "0.1.0"

try:
    import micropython  # noqa: F401 - on a board: all there
except ImportError:  # CPython: MicroPython's names the modules import (coap._host)
    import coap._host  # noqa: F401
