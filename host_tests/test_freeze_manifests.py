"""The freezer's manifests (firmware/manifest.py, firmware/manifest_unix.py, through
firmware/project.py and lib/*/manifest.py) name every module the firmware imports, and
only files that exist: a module added to lib/coap, lib/thethings or boards/ and forgotten in
a manifest's files=(...) would be missing from a frozen image.

MicroPython's tools/manifestfile.py is not on PyPI, so the manifests run here under a small
interpreter of the same commands (include, require, add_library, package, metadata) with
paths resolved as manifestfile.py resolves them (relative to the manifest's directory; the
port's own manifest is an empty stand-in). A one-off run of the real manifestfile.py on a
MicroPython checkout is recorded in the README."""

import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Freezer:
    def __init__(self, port_dir):
        self.vars = {"PORT_DIR": port_dir}  # BOARD_DIR unset, as for a board without one
        self.libs = []
        self.frozen = set()  # target paths, e.g. "coap/client.py"
        self.sources = {}  # target -> source file

    def _path(self, base, p):
        for k, v in self.vars.items():
            p = p.replace("$(%s)" % k, v)
        if "$(" in p:
            raise ValueError("undefined variable in " + p)
        return os.path.normpath(os.path.join(base, p))

    def run(self, manifest):
        base = os.path.dirname(manifest)
        g = {
            "include": lambda p: self.run(self._manifest(self._path(base, p))),
            "add_library": lambda name, p: self.libs.append(self._path(base, p)),
            "require": self._require,
            "package": lambda name, files=None, base_path=".": self._package(
                os.path.join(self._path(base, base_path), name), name, files
            ),
            "metadata": lambda **kw: None,
        }
        with open(manifest) as f:
            exec(compile(f.read(), manifest, "exec"), g)

    def _manifest(self, p):
        p = os.path.join(p, "manifest.py") if os.path.isdir(p) else p
        if not os.path.isfile(p):
            raise FileNotFoundError(p)
        return p

    def _require(self, name):
        for lib in self.libs:
            m = os.path.join(lib, name, "manifest.py")
            if os.path.isfile(m):
                return self.run(m)
        raise LookupError("require(%r): in no library" % name)

    def _package(self, pkg_dir, name, files):
        if files is None:
            files = [f for f in os.listdir(pkg_dir) if f.endswith(".py")]
        for f in files:
            src = os.path.join(pkg_dir, f)
            assert os.path.isfile(src), "manifest names a missing file: " + src
            self.frozen.add(name + "/" + f)
            self.sources[name + "/" + f] = src


def modules_on_board():
    """What the firmware needs on a board: every module of coap, thethings, app, boards
    (not _host.py, CPython only, nor the manifests themselves)."""
    want = set()
    for pkg, d in (("coap", "lib/coap"), ("thethings", "lib/thethings"), ("app", "lib/app"),
                   ("boards", "boards")):  # fmt: skip
        for f in os.listdir(os.path.join(ROOT, d)):
            if f.endswith(".py") and f not in ("_host.py", "manifest.py"):
                want.add(pkg + "/" + f)
    return want


@pytest.mark.parametrize("manifest", ["manifest.py", "manifest_unix.py"])
def test_manifest_freezes_every_module_the_firmware_imports(tmp_path, manifest):
    port = tmp_path / "port"
    for stand_in in ("boards/manifest.py", "variants/standard/manifest.py"):
        (port / stand_in).parent.mkdir(parents=True, exist_ok=True)
        (port / stand_in).write_text("# the port's own manifest\n")
    fz = Freezer(str(port))
    fz.run(os.path.join(ROOT, "firmware", manifest))
    want = modules_on_board()
    assert len(want) >= 20 and "boards/mcu.py" in want and "coap/message.py" in want
    assert fz.frozen == want, (sorted(want - fz.frozen), sorted(fz.frozen - want))
