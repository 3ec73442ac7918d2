"""Write package.json, the `mip` manifest of the libraries, from the files under lib/.

    python tools/gen_package_json.py          # rewrite package.json
    python tools/gen_package_json.py --check  # exit 1 if package.json is stale

`mpremote mip install github:OWNER/REPO` (or a local path to package.json) reads it and
copies each source listed in "urls" to /lib/<target> on the board. Listing the files by
hand goes stale as soon as a module is added, so the list is generated, and a test
(host_tests/test_vboard_mip.py) fails when the checked-in file differs from this output.
"""

import argparse
import json
import os
import re
import sys

PACKAGES = ("coap", "thethings")  # the installable libraries; lib/app is firmware, not a lib
DEFAULT_VERSION = "0.1.0"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _version(root):
    """The version in lib/coap/manifest.py's metadata(version=...), if it has one."""
    try:
        with open(os.path.join(root, "lib", "coap", "manifest.py")) as f:
            m = re.search(r"""version\s*=\s*["']([^"']+)["']""", f.read())
    except OSError:
        m = None
    return m.group(1) if m else DEFAULT_VERSION


def generate(root=ROOT):
    """The package.json contents for the tree at `root`, as a dict."""
    urls = []
    for pkg in PACKAGES:
        base = os.path.join(root, "lib", pkg)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                # manifest.py is for the freezer, _host.py for CPython hosts only.
                if not name.endswith(".py") or name in ("manifest.py", "_host.py"):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), os.path.join(root, "lib"))
                target = rel.replace(os.sep, "/")
                urls.append([target, "lib/" + target])
    urls.sort()
    return {"urls": urls, "deps": [], "version": _version(root)}


def render(root=ROOT):
    """JSON text with one [target, source] pair per line, so diffs show one file each."""
    pkg = generate(root)
    urls = ",\n".join("    " + json.dumps(u) for u in pkg["urls"])
    return '{\n  "urls": [%s],\n  "deps": %s,\n  "version": %s\n}\n' % (
        "\n" + urls + "\n  " if urls else "",
        json.dumps(pkg["deps"]),
        json.dumps(pkg["version"]),
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate package.json for mip.")
    ap.add_argument("--root", default=ROOT, help="repository root (default: this checkout)")
    ap.add_argument("--check", action="store_true", help="only check that it is up to date")
    args = ap.parse_args(argv)
    path = os.path.join(args.root, "package.json")
    text = render(args.root)
    try:
        with open(path) as f:
            current = f.read()
    except FileNotFoundError:
        current = None
    if args.check:
        if current != text:
            print("package.json is stale: run `make package-json`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        with open(path, "w") as f:
            f.write(text)
        print("wrote %s (%d files)" % (path, len(generate(args.root)["urls"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
