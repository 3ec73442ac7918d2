# micropython-coap: a CoAP client for MicroPython (RFC 7252, 7641, 7959).
#   coap.message  codec: Encoder, Message, FormatError
#   coap.client   Client: requests, retransmission, Observe, block-wise
#   coap.uri      coap:// URIs to options
# `micropython -m coap get URL` is a coap-cli-like command line.
__version__ = "0.1.0"
