# micropython-lib style manifest of the theThings.IO client: what firmware/manifest.py freezes.
# It runs on the CoAP client: require("coap") finds lib/coap/manifest.py once the including
# manifest registered this repository's lib/ as a library, e.g. in firmware/manifest.py:
#     add_library("micropython-coap", "../lib")
#     require("thethings")  # brings coap along
metadata(
    description="theThings.IO v2 client over CoAP (activate, write, read, subscribe)",
    version="0.1.0",
    license="MIT",
)

require("coap")
package(
    "thethings",
    files=("__init__.py", "activation.py", "dates.py", "extra.py", "subscription.py", "thing.py"),
    base_path="..",
)
