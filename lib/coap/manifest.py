# micropython-lib style manifest: `require("coap")`-able, and what
# firmware/manifest.py freezes into an image.
metadata(
    description="CoAP client and server (RFC 7252, Observe 7641, block-wise 7959) for MicroPython",
    version="0.1.0",
    license="MIT",
)

package(
    "coap",
    files=(
        "__init__.py",
        "message.py",
        "uri.py",
        "engine.py",
        "observer.py",
        "blockwise.py",
        "client.py",
        "client_extra.py",
        "setup.py",
        "aio.py",
        "server.py",
        "server_request.py",
        "server_block.py",
        "server_observe.py",
        "serve_cli.py",
        "plugtest.py",
        "mcast.py",
        "__main__.py",
    ),  # fmt: skip
    base_path="..",
)
