# The client over DTLS (RFC 7252 §9, PSK mode) against libcoap's coap-server-openssl: the
# `sock=` slot of Client takes MicroPython's DTLS socket unchanged. MicroPython only, since
# CPython's ssl module has no DTLS client; and the venv's port only: v1.28.0 (the i386 port
# of `make targets`) has DTLS but not PSK (SSLContext.psk_identity came after that release).
import os
import shutil
import subprocess

import dual
import procs
import pytest
from coap_servers import LOOPBACK, coap_ping, free_udp_port

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture
def dtls_server():
    exe = shutil.which("coap-server-openssl")
    if exe is None:
        pytest.fail("coap-server-openssl missing (apt-get install libcoap3-bin)")
    for _ in range(5):  # the coaps port is the plain one + 1; both must be free
        port = free_udp_port()
        proc = procs.popen(
            [exe, "-A", LOOPBACK, "-p", str(port), "-k", "secretPSK"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if proc.poll() is not None or coap_ping(port):
                break
        if proc.poll() is None:
            try:
                yield port + 1
            finally:
                procs.stop(proc)
            return
        procs.stop(proc)
    pytest.fail("coap-server-openssl did not start")


def test_requests_and_observe_over_dtls_psk(dtls_server, micropython):
    script = os.path.join(HERE, "mp", "dtls_client.py")
    env = dict(os.environ, MICROPYPATH=dual.LIB + ":.frozen")
    r = procs.run([micropython, script, str(dtls_server), "me", "secretPSK"], env=env, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("ok 3"), r.stdout + r.stderr
