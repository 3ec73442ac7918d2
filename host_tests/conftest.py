"""Shared fixtures. Dual-interpreter cases (host_tests/cases, see dual.py) receive a fixture's
value by naming it as a parameter; objects with a `__dual__()` method (the servers below)
arrive there as its result, the port.

    micropython              path of the MicroPython unix port binary (session)
    udp_port                 a free UDP port on 127.0.0.1 (int)
    libcoap_server           port (int) of `coap-server-notls -A 127.0.0.1 -p PORT`, answering
    libcoap_server_factory   start(*flags) -> LibcoapServer (.port, .url, .log(), .alive());
                             e.g. start("-N"), start("-l", "1,2"); all stopped at teardown
    aiocoap_server           AiocoapServer (.port, .url, .static/.large/.separate/.observable/
                             .handler/.add, .requests, .wait_for); see coap_servers.py
    sim                      thethings_sim.testing.SimServer on a free port; a dual case gets
                             {"host", "port", "codes": 3 fresh activation codes per interpreter}
    fw_port                  "x64" and "i386": a firmware test runs on each (fw_harness.py)
    mp_port                  the x64 and the i386 unix port's binary, for tests that run a
                             MicroPython script themselves
"""

import os
import signal
import subprocess
import sys
import uuid

import dual
import fw_harness
import procs
import pytest
import targets
from coap_servers import AiocoapServer, LibcoapServer, coap_ping, free_udp_port

import coap  # noqa: F401 - first: under CPython it installs MicroPython's names (coap._host)
from thethings_sim.testing import SimServer


@pytest.fixture(scope="session")
def micropython():
    path = dual.micropython_path()
    if path is None:
        pytest.fail("the MicroPython unix port is missing (make setup installs it in .venv)")
    return path


def pytest_configure(config):
    # Every process the tests start inherits this mark (procs.py); none may outlive the run.
    os.environ.setdefault(procs.MARK, uuid.uuid4().hex)


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the other worker's processes are still running
    left = procs.leftovers(os.environ[procs.MARK])
    if not left:
        return
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    sys.stderr.write(
        "\nprocesses the tests started are still running (killed now):\n"
        + "".join("  %d %s\n" % x for x in left)
    )
    session.exitstatus = 1


@pytest.fixture(scope="session", params=fw_harness.PORTS)
def fw_port(request):
    fw_harness.micropython_for(request.param)  # skips (or fails in CI) when not built
    return request.param


@pytest.fixture(scope="session", params=dual.PORTS)
def mp_port(request):
    path = dual.micropython_path(request.param)
    if path is None:
        targets.missing(request.param)
    return path


# The slowest files first (their time per file, printed at the end, says which): the two
# workers then share the rest around them, instead of one long test finishing the run alone.
SLOW_FIRST = (
    "test_firmware_faults.py", "test_firmware_heap.py", "test_targets_rp2.py",
    "test_firmware_vboard.py", "test_firmware_vtime.py", "test_targets_m0.py",
)  # fmt: skip


# A long host-time firmware test marked `x64_in_test_all` runs in `make test` on the i386 port
# (32-bit like the boards, where time, integers and memory are proven) and is repeated on x64
# by `make test-all` (ALL_PORTS=1): a repetition, which test-all is for.
ALL_PORTS = os.environ.get("ALL_PORTS") == "1"


def pytest_collection_modifyitems(config, items):
    def rank(item):
        f = os.path.basename(item.nodeid.split("::")[0])
        return SLOW_FIRST.index(f) if f in SLOW_FIRST else len(SLOW_FIRST)

    def repeat(item):
        cs = getattr(item, "callspec", None)
        return (
            not ALL_PORTS
            and item.get_closest_marker("x64_in_test_all") is not None
            and cs is not None
            and cs.params.get("fw_port") == "x64"
        )

    later = [i for i in items if repeat(i)]
    if later:
        config.hook.pytest_deselected(items=later)
        items[:] = [i for i in items if not repeat(i)]
    items.sort(key=rank)  # stable: each file's own order kept


_FILE_S = {}  # test file: seconds of setup, call and teardown, summed over its tests


def pytest_runtest_logreport(report):
    f = report.nodeid.split("::")[0]
    _FILE_S[f] = _FILE_S.get(f, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter):
    # Each test file's time (summed over both workers' share of it), slowest first.
    if not _FILE_S:
        return
    w = terminalreporter
    w.section("time per test file (s)")
    for f, t in sorted(_FILE_S.items(), key=lambda x: -x[1]):
        w.line("%8.1f  %s" % (t, f))
    w.line("%8.1f  in all" % sum(_FILE_S.values()))


@pytest.fixture
def udp_port():
    return free_udp_port()


@pytest.fixture
def libcoap_server_factory():
    started = []

    def start(*flags, **kw):
        srv = LibcoapServer(*flags, **kw).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture
def libcoap_server(libcoap_server_factory):
    return libcoap_server_factory().port


@pytest.fixture
def fileserver(tmp_path):
    """Per interpreter, `aiocoap-fileserver --write` on a free port serving a directory with
    /big, 1500 bytes of "A": observable, Block2 in the size asked for, PUT writes."""
    procs_ = []

    def start(interp):
        d = tmp_path / interp
        d.mkdir()
        (d / "big").write_bytes(b"A" * 1500)
        exe = os.path.join(os.path.dirname(sys.executable), "aiocoap-fileserver")
        for _ in range(3):
            port = free_udp_port()
            p = procs.popen([exe, "--bind", "127.0.0.1:%d" % port, "--write", str(d)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            procs_.append(p)
            for _ in range(200):
                if p.poll() is not None or coap_ping(port):
                    break
            if p.poll() is None:
                return port
        pytest.fail("aiocoap-fileserver did not start")

    yield dual.per_run(start)
    for p in procs_:
        procs.stop(p)


@pytest.fixture
def aiocoap_server():
    with AiocoapServer() as srv:
        yield srv


@pytest.fixture
def peer(request):
    """A scripted CoAP peer (scripted_peer.Peer) running the function of the case's name in
    host_tests/peer_scripts.py; a fresh one for each interpreter's run. The script's
    assertion failures fail the test."""
    import peer_scripts
    from scripted_peer import Peer

    script = getattr(peer_scripts, request.node.name)
    started = []

    def start(interp):
        p = Peer(script, "%s[%s]" % (request.node.name, interp)).start()
        started.append(p)
        return p.port

    yield dual.per_run(start)
    for p in started:
        p.stop()
    errors = [e for p in started for e in p.errors]
    if errors:
        pytest.fail("peer script failed:\n" + "\n".join(errors), pytrace=False)


class _Sim(SimServer):
    def __dual__(self):  # called once per interpreter: each run activates its own things
        return {"host": self.host, "port": self.port, "codes": self.new_codes(3)}


@pytest.fixture
def sim():
    with _Sim(codes=0, log_requests=False) as srv:
        yield srv


# -- third-party servers for the client interop cases (case_client_interop, case_aio) -------


def _fresh(libcoap_server_factory, *flags):
    return dual.per_run(lambda interp: libcoap_server_factory(*flags).port)


@pytest.fixture
def libcoap(libcoap_server_factory):
    return _fresh(libcoap_server_factory)


@pytest.fixture
def libcoap_non(libcoap_server_factory):
    return _fresh(libcoap_server_factory, "-N")


@pytest.fixture
def libcoap_lossy(libcoap_server_factory):
    return _fresh(libcoap_server_factory, "-l", "1,2")


@pytest.fixture
def libcoap_loss30(libcoap_server_factory):
    return _fresh(libcoap_server_factory, "-l", "30%")


@pytest.fixture
def aio():
    servers = []

    def start(interp):
        srv = AiocoapServer().start()
        servers.append(srv)
        srv.separate("/sep", b"late", delay=0.5)
        srv.large("/large", 3000)
        srv.handler("/sink", lambda req: ("2.04", str(len(req.payload))), methods=("PUT",))
        obs = srv.observable("/obs", b"0", interval=0.1)
        # Runs on the server's loop, so the notification is set directly (not via .notify()).
        srv.handler("/end", lambda req: (obs._set(None, "4.04"), "2.04")[1], methods=("POST",))
        return srv.port

    yield dual.per_run(start)
    for srv in servers:
        srv.close()


@pytest.fixture
def node_coap():
    """Per interpreter, a node-coap server (host_tests/node/coap_server.js): its port."""
    started = []
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, NODE_PATH=os.path.join(root, "tools", "npm", "node_modules"))
    script = os.path.join(root, "host_tests", "node", "coap_server.js")

    def start(interp):
        p = procs.popen(["node", script], stdout=subprocess.PIPE, text=True, env=env)
        started.append(p)
        line = p.stdout.readline()
        if not line.startswith("listening "):
            pytest.fail("node coap server did not start: %r" % line)
        return int(line.split()[1])

    yield dual.per_run(start)
    for p in started:
        procs.stop(p)
