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
"""

import pytest

import dual
from coap_servers import AiocoapServer, LibcoapServer, free_udp_port


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
