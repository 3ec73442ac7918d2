# The client against libcoap and aiocoap servers (cases: cases/case_client_interop.py).
import dual
import pytest
from coap_servers import AiocoapServer

globals().update(dual.collect("case_client_interop"))


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
