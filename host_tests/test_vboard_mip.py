"""package.json and `mpremote mip install` of it, against a virtual board.

mpremote 1.29 installs from a local package.json path: it reads the file on the host,
resolves each relative source against the file's directory and writes it to the board's
lib directory (the first sys.path entry ending in /lib, here /lib).
"""

import os
import shutil
import sys

import gen_package_json
import pytest

from vboard.board import default_micropython
from vboard.testing import VirtualBoard

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

needs_board = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not shutil.which(default_micropython()),
    reason="the virtual board needs Linux ptys and the MicroPython unix port",
)


def test_package_json_is_current():
    with open(os.path.join(ROOT, "package.json")) as f:
        checked_in = f.read()
    assert checked_in == gen_package_json.render(ROOT), "package.json is stale: make package-json"


def _tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def test_generator_lists_library_sources(tmp_path):
    _tree(
        tmp_path,
        {
            "lib/coap/__init__.py": "",
            "lib/coap/manifest.py": 'metadata(version="1.2.3")\npackage("coap")\n',
            "lib/coap/transport/udp.py": "",
            "lib/coap/__pycache__/x.py": "",
            "lib/coap/notes.txt": "",
            "lib/thethings/__init__.py": "",
            "lib/app/__init__.py": "",
        },
    )
    assert gen_package_json.generate(str(tmp_path)) == {
        "urls": [
            ["coap/__init__.py", "lib/coap/__init__.py"],
            ["coap/transport/udp.py", "lib/coap/transport/udp.py"],
            ["thethings/__init__.py", "lib/thethings/__init__.py"],
        ],
        "deps": [],
        "version": "1.2.3",
    }
    assert gen_package_json.main(["--root", str(tmp_path), "--check"]) == 1
    assert gen_package_json.main(["--root", str(tmp_path)]) == 0
    assert gen_package_json.main(["--root", str(tmp_path), "--check"]) == 0


@needs_board
def test_mip_install_local_package(tmp_path):
    repo = tmp_path / "repo"
    _tree(
        repo,
        {
            "lib/coap/__init__.py": "from .codec import double\n",
            "lib/coap/codec.py": "def double(x):\n    return 2 * x\n",
            "lib/thethings/__init__.py": "import coap\nREADY = coap.double(21)\n",
        },
    )
    gen_package_json.main(["--root", str(repo)])
    with VirtualBoard(tmp_path / "flash") as board:
        r = board.mpremote("mip", "install", str(repo / "package.json"))
        assert "Done" in r.stdout, r.stdout
        r = board.mpremote("exec", "import thethings, coap; print(thethings.READY, coap.__file__)")
        assert "42 /lib/coap/__init__.py" in r.stdout
    for rel in ("coap/__init__.py", "coap/codec.py", "thethings/__init__.py"):
        assert (tmp_path / "flash" / "lib" / rel).read_bytes() == (repo / "lib" / rel).read_bytes()


@needs_board
@pytest.mark.skipif(
    not os.path.exists(os.path.join(ROOT, "lib", "coap", "__init__.py")),
    reason="lib/coap is not written yet",
)
def test_mip_install_project_package(tmp_path):
    with VirtualBoard(tmp_path / "flash") as board:
        r = board.mpremote("mip", "install", os.path.join(ROOT, "package.json"), timeout=120)
        assert "Done" in r.stdout, r.stdout
        names = ["coap"]
        if os.path.exists(os.path.join(ROOT, "lib", "thethings", "__init__.py")):
            names.append("thethings")
        code = "import %s; print('imported', %s.__name__)" % (", ".join(names), names[-1])
        assert "imported " + names[-1] in board.mpremote("exec", code).stdout
