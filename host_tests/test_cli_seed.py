"""Issue 2: the seed's coap-cli commands (/work/shared/seed/thethings-coap-v2.txt) work verbatim
with `micropython -m coap` (MICROPYPATH=lib:.frozen) and `python -m coap` (PYTHONPATH=lib) in
place of `coap`, against thethings_sim: run in a shell, payload on stdout, "(2.xx)" on stderr,
exit status 0 for 2.xx, 4 for 4.xx, 5 for 5.xx, 3 when no answer came in time."""

import json
import os
import queue
import re
import subprocess
import threading
import time
from pathlib import Path

import procs
import pytest
import targets
from aiocoap.numbers.codes import Code
from scripted_peer import ACK, CON, Message, Peer

from thethings_sim.testing import SimServer

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"

# The seed's commands, character for character (its "Basics" section).
ACTIVATE = (
    """coap post coap://coap.thethings.io/v2/things/ -p '{"activationCode" : "ACTIVATION_CODE"}'"""  # noqa: E501
)
WRITE = """coap post coap://coap.thethings.io/v2/things/THING_TOKEN/ -p '{"values":[{"key":"fun","value":"9000"}]}'"""  # noqa: E501
READ = """  coap get coap://coap.thethings.io/v2/things/THING_TOKEN/resources/KEY"""
SUBSCRIBE = """  coap get coap://coap.thethings.io/v2/things/THING_TOKEN -o"""

# The command that replaces `coap`, and the environment it needs (relative paths: the shell
# runs in the repository root).
RUNNERS = {
    "micropython": ("micropython -m coap", {"MICROPYPATH": "lib:.frozen"}),
    "micropython-i386": ("build/targets/micropython-i386 -m coap", {"MICROPYPATH": "lib:.frozen"}),
    "python": ("python -m coap", {"PYTHONPATH": "lib"}),
}


@pytest.fixture(scope="module")
def sim():
    with SimServer(codes=0, log_requests=False) as srv:
        yield srv


@pytest.fixture(params=sorted(RUNNERS))
def runner(request):
    if request.param == "micropython-i386" and targets.i386() is None:
        targets.missing("the i386 unix port")
    return RUNNERS[request.param]


def command(seed, runner, sim, **subst):
    """The seed's command with `coap` swapped for the runner, its host for the sim's, and
    the placeholders filled in."""
    cmd = re.sub(r"^(\s*)coap ", lambda m: m.group(1) + runner[0] + " ", seed)
    cmd = cmd.replace("coap://coap.thethings.io/", sim.url + "/")
    for name, value in subst.items():
        cmd = cmd.replace(name, value)
    return cmd


def env_for(runner):
    env = dict(os.environ, PATH="%s:%s" % (VENV_BIN, os.environ["PATH"]))
    env.pop("MICROPYPATH", None)  # the Makefile exports an absolute one
    env.update(runner[1])
    return env


def sh(cmd, runner, timeout=20):
    return procs.run(cmd, shell=True, cwd=ROOT, env=env_for(runner), timeout=timeout)


def activate(sim, runner):
    r = sh(command(ACTIVATE, runner, sim, ACTIVATION_CODE=sim.new_codes(1)[0]), runner)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["thingToken"]


def test_activate_twice(sim, runner):
    cmd = command(ACTIVATE, runner, sim, ACTIVATION_CODE=sim.new_codes(1)[0])
    r = sh(cmd, runner)
    body = json.loads(r.stdout)
    assert (r.returncode, r.stderr.strip()) == (0, "(2.01)")
    assert body["status"] == "created" and len(body["thingToken"]) == 43
    r = sh(cmd, runner)  # the same code again: the seed's error body
    assert json.loads(r.stdout) == {"status": "error", "message": "Error creating thing"}
    assert (r.returncode, r.stderr.strip()) == (4, "(4.00)")


def test_write_then_read(sim, runner):
    token = activate(sim, runner)
    r = sh(command(WRITE, runner, sim, THING_TOKEN=token), runner)
    assert json.loads(r.stdout) == {"status": "Success", "message": "Created"}
    assert (r.returncode, r.stderr.strip()) == (0, "(2.01)")
    r = sh(command(READ, runner, sim, THING_TOKEN=token, KEY="fun"), runner)
    rows = json.loads(r.stdout)
    assert [(x["key"], x["value"]) for x in rows] == [("fun", "9000")]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rows[0]["datetime"])
    assert (r.returncode, r.stderr.strip()) == (0, "(2.05)")
    # unlike coap-cli, the query string goes through: ?limit= (seed "Query parameters")
    sh(command(WRITE, runner, sim, THING_TOKEN=token), runner)
    r = sh(command(READ + "'?limit=5'", runner, sim, THING_TOKEN=token, KEY="fun"), runner)
    assert [x["value"] for x in json.loads(r.stdout)] == ["9000", "9000"]


def test_subscribe_with_o_and_t(sim, runner):
    token = activate(sim, runner)
    proc = procs.popen(
        command(SUBSCRIBE + " -t 3", runner, sim, THING_TOKEN=token),
        shell=True,
        cwd=ROOT,
        env=env_for(runner),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    try:
        first = json.loads(lines.get(timeout=10))
        assert first == {"status": "success", "message": "subscribed"}
        write = {"values": [{"key": "fun", "value": "9000"}, {"key": "n", "value": 3}]}
        assert sim.request("POST", "/v2/things/" + token, write)[0] == "2.01"
        note = json.loads(lines.get(timeout=10))
        assert [(x["key"], x["value"]) for x in note] == [("fun", "9000"), ("n", 3)]
        assert proc.wait(10) == 0  # -t 3: observe for 3 s, then deregister and exit
        assert proc.stderr.read().split() == ["(2.05)", "(2.05)"]
    finally:
        procs.stop(proc)


def test_exit_status_4xx_5xx_and_timeout(sim, runner):
    token = activate(sim, runner)
    r = sh(command(READ, runner, sim, THING_TOKEN="Z" * 43, KEY="fun"), runner)
    assert json.loads(r.stdout)["code"] == 401
    assert (r.returncode, r.stderr.strip()) == (4, "(4.01)")
    sim.fail_next(1, "5.03")
    r = sh(command(WRITE, runner, sim, THING_TOKEN=token), runner)
    assert (r.returncode, r.stderr.strip()) == (5, "(5.03)")
    sim.outage(10)
    try:
        t0 = time.monotonic()
        r = sh(command(WRITE + " -t 1", runner, sim, THING_TOKEN=token), runner)
        assert r.returncode == 3 and "timeout" in r.stderr and r.stdout == ""
        assert time.monotonic() - t0 < 8
    finally:
        sim.outage(0)


def _ignores_deregistration(peer):
    r = peer.recv()
    a = peer.answer(r, Code.CONTENT, b"first")
    a.opt.observe = 1
    peer.send(a)
    n = Message(code=Code.CONTENT, payload=b"second")
    n.mtype, n.mid, n.token = CON, 0x4321, r.msg.token
    n.opt.observe = 2
    peer.send(n)
    assert peer.recv().msg.mtype == ACK
    while True:  # the deregistration (GET Observe 1) and its retransmissions: no answer
        try:
            peer.recv(5.0)
        except AssertionError:
            return


def test_observe_t_ends_soon_and_well_whatever_the_deregistration(runner):
    # -o -t N: observe for N s, then deregister with a short deadline of its own (3 s): a
    # server that never answers it no longer keeps the command 93 s and turns a good
    # observation into exit status 3 (issue 9, defect 10).
    peer = Peer(_ignores_deregistration, "cli-deregistration").start()
    try:
        t0 = time.monotonic()
        r = sh("%s get coap://127.0.0.1:%d/obs -o -t 1" % (runner[0], peer.port), runner)
        took = time.monotonic() - t0
    finally:
        peer.stop(10)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["first", "second"], r.stdout
    assert took < 6, took
