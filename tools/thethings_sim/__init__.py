"""thethings_sim: a local theThings.IO v2 CoAP server on aiocoap and SQLite (host side only).

Modules: dates (datetime forms), store (SQLite), resources (the v2 endpoints), knobs (fault
injection), traffic (datagram hooks, request log), control (/sim/... over CoAP), server
(assembly), testing (SimServer for pytest), __main__ (command line). See README.md.
"""

__version__ = "0.1.0"
