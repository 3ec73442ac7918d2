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
"""

import dual
import pytest
from coap_servers import AiocoapServer, LibcoapServer, free_udp_port

from thethings_sim.testing import SimServer


@pytest.fixture(scope="session")
def micropython():
    path = dual.micropython_path()
    if path is None:
        pytest.fail("the MicroPython unix port is missing (make setup installs it in .venv)")
    return path


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
