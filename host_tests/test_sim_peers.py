"""thethings_sim as a command-line server, driven by independent CoAP stacks: the seed's own
`coap` (npm coap-cli) commands verbatim, and libcoap's coap-client-notls (tools/thethings_sim)."""

import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import aiocoap
import procs
import pytest
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import Type

from thethings_sim.testing import coap_request, wait_for

ROOT = Path(__file__).resolve().parents[1]
NPM_BIN = ROOT / "tools" / "npm" / "node_modules" / ".bin"
COAP_CLI = NPM_BIN / "coap"
LIBCOAP = shutil.which("coap-client-notls")

need_coap_cli = pytest.mark.skipif(not COAP_CLI.exists(), reason="npm coap-cli not installed")
need_libcoap = pytest.mark.skipif(LIBCOAP is None, reason="libcoap3-bin not installed")


class CliSim:
    """`python -m thethings_sim --port 0 ...` as a subprocess; its output goes to a file."""

    def __init__(self, tmp_path, db, *args, codes=2):
        self.out = tmp_path / ("sim-%d.out" % len(list(tmp_path.glob("sim-*.out"))))
        env = dict(os.environ, PYTHONPATH=str(ROOT / "tools"))
        cmd = [sys.executable, "-m", "thethings_sim", "--port", "0", "--db", str(db)]
        with open(self.out, "w") as f:
            self.proc = procs.popen(
                cmd + ["--codes", str(codes), *args], stdout=f, stderr=subprocess.STDOUT, env=env
            )
        try:
            wait_for(lambda: self.text().count("activation code:") == codes, timeout=20)
        except TimeoutError:
            self.stop()
            raise AssertionError("sim did not start:\n" + self.text())
        self.port = int(re.search(r"listening on coap://127\.0\.0\.1:(\d+)", self.text())[1])
        self.codes = re.findall(r"activation code: (\S+)", self.text())
        self.url = "coap://127.0.0.1:%d" % self.port

    def text(self):
        return self.out.read_text()

    def stop(self):
        return procs.stop(self.proc, 10)


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    sim = CliSim(tmp, tmp / "sim.sqlite3", codes=6)
    yield sim
    assert sim.stop() == 0  # SIGTERM is a clean stop


def sh(command, timeout=15):
    """Run a seed command line verbatim in a shell, with the npm `coap` on PATH."""
    env = dict(os.environ, PATH="%s:%s" % (NPM_BIN, os.environ["PATH"]))
    return procs.run(command, shell=True, timeout=timeout, env=env)


def libcoap(*args, timeout=15):
    return procs.run([LIBCOAP, *args], timeout=timeout)


def seed(command, sim, **subst):
    """The seed's command with its host swapped for the sim and placeholders filled in."""
    command = command.replace("coap://coap.thethings.io/", sim.url + "/")
    for name, value in subst.items():
        command = command.replace(name, value)
    return command


def activate(sim, code):
    return coap_request("POST", sim.url + "/v2/things/", {"activationCode": code})[1]["thingToken"]


# -- the seed's coap-cli commands -----------------------------------------------------------------


@need_coap_cli
def test_seed_coap_cli_activate_write_read(cli):
    code = cli.codes[0]
    activate_cmd = """coap post coap://coap.thethings.io/v2/things/ -p '{"activationCode" : "ACTIVATION_CODE"}'"""  # noqa: E501
    r = sh(seed(activate_cmd, cli, ACTIVATION_CODE=code))
    body = json.loads(r.stdout)
    assert body["status"] == "created" and len(body["thingToken"]) == 43
    token = body["thingToken"]
    r = sh(seed(activate_cmd, cli, ACTIVATION_CODE=code))  # the same code again
    assert json.loads(r.stdout) == {"status": "error", "message": "Error creating thing"}

    write_cmd = """coap post coap://coap.thethings.io/v2/things/THING_TOKEN/ -p '{"values":[{"key":"fun","value":"9000"}]}'"""  # noqa: E501
    r = sh(seed(write_cmd, cli, THING_TOKEN=token))
    assert json.loads(r.stdout) == {"status": "Success", "message": "Created"}

    read_cmd = "coap get coap://coap.thethings.io/v2/things/THING_TOKEN/resources/KEY"
    r = sh(seed(read_cmd, cli, THING_TOKEN=token, KEY="fun"))
    rows = json.loads(r.stdout)
    assert [(x["key"], x["value"]) for x in rows] == [("fun", "9000")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rows[0]["datetime"])
    assert token not in cli.text()  # the log shows tokens by their first 4 characters


@need_coap_cli
def test_seed_coap_cli_subscribe_gets_subscribed_then_a_notification(cli):
    token = activate(cli, cli.codes[1])
    env = dict(os.environ, PATH="%s:%s" % (NPM_BIN, os.environ["PATH"]))
    cmd = seed(
        "coap get coap://coap.thethings.io/v2/things/THING_TOKEN -o", cli, THING_TOKEN=token
    )
    proc = procs.popen(cmd, shell=True, stdout=subprocess.PIPE, text=True, env=env)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    try:
        assert json.loads(lines.get(timeout=10)) == {"status": "success", "message": "subscribed"}
        write = {"values": [{"key": "fun", "value": "9000"}, {"key": "n", "value": 3}]}
        assert coap_request("POST", "%s/v2/things/%s" % (cli.url, token), write)[0] == "2.01"
        note = json.loads(lines.get(timeout=10))
        assert [(x["key"], x["value"]) for x in note] == [("fun", "9000"), ("n", 3)]
    finally:
        procs.stop(proc)  # the shell and the node `coap` it started


# -- libcoap's client -----------------------------------------------------------------------------


@need_libcoap
def test_libcoap_activate_write_read_and_errors(cli):
    code = cli.codes[2]
    r = libcoap("-m", "post", "-e", '{"activationCode" : "%s"}' % code, cli.url + "/v2/things/")
    token = json.loads(r.stdout)["thingToken"]
    r = libcoap("-m", "post", "-e", '{"activationCode" : "%s"}' % code, cli.url + "/v2/things/")
    assert "4.00" in r.stderr and '"Error creating thing"' in r.stderr
    r = libcoap(
        "-m",
        "post",
        "-e",
        '{"values":[{"key":"fun","value":"9000"}]}',
        cli.url + "/v2/things/%s/" % token,
    )
    assert json.loads(r.stdout) == {"status": "Success", "message": "Created"}
    r = libcoap("-m", "get", cli.url + "/v2/things/%s/resources/fun?limit=5" % token)
    assert [x["value"] for x in json.loads(r.stdout)] == ["9000"]
    r = libcoap(
        "-m", "post", "-e", '{"values":[{"key":"a b","value":1}]}', cli.url + "/v2/things/" + token
    )
    assert r.stderr.startswith("4.00") and '"code":400' in r.stderr and "key" in r.stderr
    r = libcoap("-m", "get", cli.url + "/v2/things/%s/resources/fun" % ("Z" * 43))
    assert r.stderr.startswith("4.01") and '"code":401' in r.stderr


@need_libcoap
def test_libcoap_reads_100_records_block_wise(cli):
    token = activate(cli, cli.codes[3])
    values = [
        {
            "key": "temp",
            "value": 20 + i / 10,
            "datetime": "2024-01-01T00:%02d:%02d.000Z" % divmod(i, 60),
        }
        for i in range(100)
    ]
    # 6 KB of JSON: libcoap sends it Block1, the sim assembles it (RFC 7959)
    r = libcoap(
        "-m", "post", "-e", json.dumps({"values": values}), cli.url + "/v2/things/" + token
    )
    assert json.loads(r.stdout)["message"] == "Created"
    r = libcoap("-m", "get", cli.url + "/v2/things/%s/resources/temp?limit=100" % token)
    rows = json.loads(r.stdout)
    assert len(rows) == 100 and rows[0]["value"] == 29.9 and rows[-1]["value"] == 20.0
    wait_for(lambda: "resources/temp?limit=100 -> 2.05" in cli.text())
    assert re.search(r"resources/temp\?limit=100 -> 2\.05 \S+ \[block2=6\]", cli.text())


@need_libcoap
def test_libcoap_observe_gets_keepalives_and_a_notification(cli):
    token = activate(cli, cli.codes[4])
    url = cli.url + "/v2/things/%s?keepAlive=300" % token
    proc = procs.popen([LIBCOAP, "-m", "get", "-s", "1", url], stdout=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: "keepAlive=300 -> 2.05" in cli.text(), timeout=10)
        write = {"values": [{"key": "x", "value": 1}]}
        assert coap_request("POST", cli.url + "/v2/things/" + token, write)[0] == "2.01"
        out, _ = proc.communicate(timeout=10)
    finally:
        procs.stop(proc)
    # coap-client prints the payloads back to back
    assert out.startswith('{"status":"success","message":"subscribed"}')
    assert '[{"key":"x","value":1,"datetime":' in out
    assert out.count("{}") >= 2  # keepalives every 300 ms during the 1 s subscription


# -- command line: knob flags, restart ------------------------------------------------------------


def test_cli_fault_flags(tmp_path):
    sim = CliSim(
        tmp_path,
        tmp_path / "knobs.sqlite3",
        *("--outage-after", "0", "--outage-for", "0.6", "--fail-next", "1"),
        *("--separate", "--separate-delay", "0.2"),
        codes=1,
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(3)

    def send(mid):
        msg = aiocoap.Message(
            _mtype=Type.CON,
            _mid=mid,
            _token=b"tk",
            code=Code.GET,
            uri_path=("v2", "utils", "date"),
        )
        sock.sendto(msg.encode(), ("127.0.0.1", sim.port))

    def recv():
        msg = aiocoap.Message.decode(sock.recvfrom(2048)[0])
        if msg.mtype == Type.CON:  # a separate response: ACK it (RFC 7252 §5.2.2)
            ack = aiocoap.Message(_mtype=Type.ACK, _mid=msg.mid, code=Code.EMPTY)
            sock.sendto(ack.encode(), ("127.0.0.1", sim.port))
        return msg

    try:
        wait_for(lambda: "knob: outage" in sim.text())
        send(1)  # dropped: the outage
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):
            sock.recvfrom(2048)
        sock.settimeout(3)
        wait_for(lambda: coap_request("GET", sim.url + "/sim/status")[1]["outage_remaining"] == 0)
        send(1)  # the retransmission: empty ACK, then 5.03 as a separate CON response
        assert (recv().code, recv().code) == (Code.EMPTY, Code.SERVICE_UNAVAILABLE)
        send(2)
        assert (recv().code, recv().code) == (Code.EMPTY, Code.CONTENT)
    finally:
        sock.close()
        sim.stop()
    assert "DROPPED(outage)" in sim.text() and "-> 5.03" in sim.text()
    assert "[separate]" in sim.text()


def test_cli_restart_keeps_data(tmp_path):
    db = tmp_path / "restart.sqlite3"
    first = CliSim(tmp_path, db, codes=1)
    try:
        token = activate(first, first.codes[0])
        write = {"values": [{"key": "k", "value": "kept", "datetime": "20240102030405"}]}
        assert coap_request("POST", "%s/v2/things/%s" % (first.url, token), write)[0] == "2.01"
    finally:
        assert first.stop() == 0
    second = CliSim(tmp_path, db, codes=1)
    try:
        assert "1 things, 0 unused codes stored" in second.text()
        status, rows = coap_request("GET", "%s/v2/things/%s/resources/k" % (second.url, token))
        assert status == "2.05"
        assert rows == [{"key": "k", "value": "kept", "datetime": "2024-01-02T03:04:05.000Z"}]
        body = {"activationCode": first.codes[0]}
        assert coap_request("POST", second.url + "/v2/things/", body)[0] == "4.00"  # spent
        assert second.codes != first.codes
    finally:
        second.stop()
