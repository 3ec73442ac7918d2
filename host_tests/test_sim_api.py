"""thethings_sim over CoAP with aiocoap's client and raw datagrams: the seed's endpoints, the
facts of thethings-api.md, Block2, Observe and the fault knobs (tools/thethings_sim)."""

import asyncio
import json
import os
import socket
import time
import types

import aiocoap
import pytest
from aiocoap.numbers.codes import Code
from aiocoap.numbers.types import Type
from aiocoap.transports.udp6 import UDP6EndpointAddress

from thethings_sim import dates
from thethings_sim.control import _is_loopback
from thethings_sim.resources import ACTIVATION_ERROR
from thethings_sim.testing import SimServer, coap_request, wait_for


@pytest.fixture(scope="module")
def server():
    with SimServer(codes=0, log_requests=False) as sim:
        yield sim


@pytest.fixture
def sim(server):
    yield server
    # knobs back to normal for the next test
    server.outage(0)
    server.fail_next(0)
    server.fail_rate(0)
    server.separate(False)
    server.drop_rate(0)


def write(sim, token, values, slash=""):
    return sim.request("POST", "/v2/things/%s%s" % (token, slash), {"values": values})


def read(sim, token, key, query=""):
    return sim.request("GET", "/v2/things/%s/resources/%s%s" % (token, key, query))


async def _request(url, method="GET", payload=b""):
    ctx = await aiocoap.Context.create_client_context(transports=["udp6"])
    try:
        msg = aiocoap.Message(code=Code[method], uri=url, payload=payload)
        return await asyncio.wait_for(ctx.request(msg).response, 10)
    finally:
        await ctx.shutdown()


class Raw:
    """Hand-made datagrams, for what a library client hides: MIDs, ACK types, silence."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addr = ("127.0.0.1", port)
        self.mid = int.from_bytes(os.urandom(2), "big")

    def datagram(self, method, path, payload=b"", query=()):
        self.mid = (self.mid + 1) & 0xFFFF
        msg = aiocoap.Message(
            _mtype=Type.CON,
            _mid=self.mid,
            _token=os.urandom(4),
            code=Code[method],
            payload=payload,
            uri_path=tuple(path.strip("/").split("/")),
            uri_query=query,
        )
        return msg.encode()

    def send(self, data):
        self.sock.sendto(data, self.addr)

    def recv(self, timeout=2.0):
        self.sock.settimeout(timeout)
        try:
            data, _ = self.sock.recvfrom(65536)
        except TimeoutError:
            return None
        return aiocoap.Message.decode(data)

    def close(self):
        self.sock.close()


# -- Activate -------------------------------------------------------------------------------------


def test_activation_code_works_once_then_gives_the_seed_error(sim):
    code = sim.new_codes(1)[0]
    status, body = sim.request("POST", "/v2/things/", {"activationCode": code})
    assert status == "2.01" and body["status"] == "created"
    assert len(body["thingToken"]) == 43
    assert body["thingToken"] in [t["token"] for t in sim.things()]
    assert sim.request("POST", "/v2/things/", {"activationCode": code}) == (
        "4.00",
        ACTIVATION_ERROR,
    )
    assert sim.request("POST", "/v2/things", {"activationCode": "nope"}) == (
        "4.00",
        ACTIVATION_ERROR,
    )
    status, body = sim.request("POST", "/v2/things/", {"code": code})
    assert status == "4.00" and body["code"] == 400 and body["status"] == "error"


# -- Write and Read -------------------------------------------------------------------------------


def test_write_then_read_with_and_without_trailing_slash(sim):
    token = sim.activate()
    assert write(sim, token, [{"key": "fun", "value": "9000"}], slash="/") == (
        "2.01",
        {"status": "Success", "message": "Created"},  # the seed's answer
    )
    assert write(sim, token, [{"key": "fun", "value": 9001}])[0] == "2.01"
    status, rows = sim.request("GET", "/v2/things/%s/resources/fun/" % token)
    assert status == "2.05" and len(rows) == 1 and rows[0]["value"] == 9001  # limit 1, newest
    status, rows = read(sim, token, "fun", "?limit=5")
    assert [r["value"] for r in rows] == [9001, "9000"]  # JSON types kept, newest first
    assert all(r["key"] == "fun" and r["datetime"].endswith("Z") for r in rows)


def test_json_answers_carry_content_format_50(sim):
    token = sim.activate()
    write(sim, token, [{"key": "k", "value": 1}])
    res = asyncio.run(_request(sim.url + "/v2/things/%s/resources/k" % token))
    assert res.opt.content_format == 50 and json.loads(res.payload)[0]["value"] == 1
    res = asyncio.run(_request(sim.url + "/v2/things/%s/resources/k" % ("x" * 43)))
    assert res.code == Code.UNAUTHORIZED and res.opt.content_format == 50


def test_per_value_datetime_in_both_forms_is_the_stored_time(sim):
    token = sim.activate()
    values = [
        {"key": "t", "value": 1, "datetime": "20150130153533"},
        {"key": "t", "value": 2, "datetime": "2015-10-28T12:18:56.799Z"},
        {"key": "t", "value": 3},
    ]
    before = dates.now_ms()
    assert write(sim, token, values)[0] == "2.01"
    rows = read(sim, token, "t", "?limit=10")[1]
    assert [(r["value"], r["datetime"]) for r in rows[1:]] == [
        (2, "2015-10-28T12:18:56.799Z"),
        (1, "2015-01-30T15:35:33.000Z"),
    ]
    assert rows[0]["value"] == 3 and dates.parse(rows[0]["datetime"]) >= before - 1


@pytest.mark.parametrize(
    "values, words",
    [
        ([{"key": "b a d", "value": 1}], "key"),
        ([{"key": "ok", "value": 1}, {"key": "no/slash", "value": 2}], "key"),
        ([{"key": "ok", "value": True}], "value"),
        ([{"key": "ok", "value": {"a": 1}}], "value"),
        ([{"key": "ok", "value": float("nan")}], "finite"),
        ([{"key": "ok"}], "value"),
        ([{"key": "ok", "value": 1, "datetime": "28/10/2015"}], "datetime"),
        ([], "empty"),
        ("not a list", "values"),
    ],
)
def test_bad_writes_get_4_00_with_a_message_and_store_nothing(sim, values, words):
    token = sim.activate()
    status, body = sim.request("POST", "/v2/things/" + token, {"values": values})
    assert status == "4.00"
    assert body["status"] == "error" and body["code"] == 400 and words in body["message"]
    assert sim.records(token) == []  # all or nothing


def test_payload_that_is_not_json_gets_4_00(sim):
    token = sim.activate()
    status, body = sim.request("POST", "/v2/things/" + token, b"values=1")
    assert status == "4.00" and "JSON" in body["message"]


def test_unknown_token_gets_4_01_with_error_body_everywhere(sim):
    bad = "A" * 43
    expected = "4.01"
    for method, path in [
        ("POST", "/v2/things/%s" % bad),
        ("GET", "/v2/things/%s/resources/k" % bad),
        ("GET", "/v2/utils/date?thingToken=%s" % bad),
    ]:
        status, body = sim.request(method, path, {"values": [{"key": "k", "value": 1}]})
        assert (status, body["status"], body["code"]) == (expected, "error", 401), path
        assert body["message"]


def test_read_of_a_key_never_written_is_4_04_and_bad_limits_4_00(sim):
    token = sim.activate()
    status, body = read(sim, token, "never")
    assert status == "4.04" and body["code"] == 404
    write(sim, token, [{"key": "k", "value": 1}])
    assert read(sim, token, "k", "?limit=0")[0] == "4.00"
    assert read(sim, token, "k", "?limit=many")[0] == "4.00"
    assert read(sim, token, "k", "?startDate=yesterday")[0] == "4.00"
    assert sim.request("DELETE", "/v2/things/%s" % token)[0] == "4.05"
    assert sim.request("GET", "/v3/elsewhere")[0] == "4.04"


def test_limit_over_100_is_clamped_and_large_answers_use_block2(sim):
    token = sim.activate()
    base = dates.parse("20200101000000")
    for batch in range(3):  # 150 records, 50 per write
        values = [
            {"key": "k", "value": "v%03d" % i, "datetime": dates.iso(base + i * 1000)}
            for i in range(batch * 50, batch * 50 + 50)
        ]
        assert write(sim, token, values)[0] == "2.01"
    sim.clear_log()
    status, rows = read(sim, token, "k", "?limit=150")
    assert status == "2.05" and len(rows) == 100  # max 100 (seed), clamped
    assert rows[0]["value"] == "v149" and rows[-1]["value"] == "v050"
    blocks = [e["block2"] for e in sim.request_log if "/resources/k" in e["path"]]
    assert len(json.dumps(rows)) > 1024 and max(b or 0 for b in blocks) >= 4  # RFC 7959 blocks


def test_start_and_end_date_bound_the_read(sim):
    token = sim.activate()
    base = dates.parse("20200101000000")
    write(
        sim,
        token,
        [{"key": "k", "value": i, "datetime": dates.iso(base + i * 1000)} for i in range(10)],
    )
    query = "?limit=100&startDate=%s&endDate=%s" % (
        dates.compact(base + 3000),
        dates.compact(base + 7000),
    )
    assert [r["value"] for r in read(sim, token, "k", query)[1]] == [6, 5, 4, 3]


def test_paging_250_records_with_equal_datetimes_returns_each_exactly_once(sim):
    token = sim.activate()
    base = dates.parse("20200101000000")
    # 250 records; 5 per second and pairs at the same millisecond; written out of time order
    values = [
        {"key": "p", "value": i, "datetime": dates.iso(base + (i // 5) * 1000 + (i % 3) * 10)}
        for i in range(250)
    ]
    for chunk in (values[200:], values[:100], values[100:200]):
        assert write(sim, token, chunk)[0] == "2.01"
    seen, end, pages = [], "", 0
    while True:
        status, page = read(sim, token, "p", "?limit=100" + (end and "&endDate=" + end))
        if status == "4.04" or not page:
            break
        pages += 1
        seen += [r["value"] for r in page]
        end = page[-1]["datetime"]  # the documented paging scheme: oldest datetime as endDate
    assert sorted(seen) == list(range(250)) and len(seen) == 250
    assert pages == 3


# -- Subscribe ------------------------------------------------------------------------------------


async def _observe(url, writer, count, timeout=5.0):
    """Register, run `writer()` after the first message, collect `count` messages."""
    ctx = await aiocoap.Context.create_client_context(transports=["udp6"])
    try:
        req = ctx.request(aiocoap.Message(code=Code.GET, uri=url, observe=0))
        notes = aiter(req.observation)  # before the writes, so that no notification is missed
        first = await asyncio.wait_for(req.response, timeout)
        got = [(time.monotonic(), first)]
        writing = asyncio.get_running_loop().run_in_executor(None, writer)
        while len(got) < count:
            note = await asyncio.wait_for(anext(notes), timeout)
            got.append((time.monotonic(), note))
        req.observation.cancel()
        await writing
        return got
    finally:
        await ctx.shutdown()


def test_subscribe_gets_subscribed_then_one_notification_per_write_and_keepalives(sim):
    token = sim.activate()
    written = [[{"key": "a", "value": 1}], [{"key": "b", "value": "x"}, {"key": "c", "value": 2}]]

    def writer():
        for values in written:
            assert write(sim, token, values)[0] == "2.01"

    url = sim.url + "/v2/things/%s?keepAlive=300" % token
    got = asyncio.run(asyncio.wait_for(_observe(url, writer, 4), 10))
    bodies = [json.loads(m.payload) for _, m in got]
    assert bodies[0] == {"status": "success", "message": "subscribed"}
    assert [[(v["key"], v["value"]) for v in b] for b in bodies[1:3]] == [
        [("a", 1)],
        [("b", "x"), ("c", 2)],
    ]
    assert all(dates.parse(v["datetime"]) for b in bodies[1:3] for v in b)
    assert bodies[3] == {}  # keepalive after 300 ms of silence
    assert 0.25 < got[3][0] - got[2][0] < 1.5
    observes = [m.opt.observe for _, m in got]
    assert observes == sorted(observes) and len(set(observes)) == 4
    assert all(m.opt.content_format == 50 for _, m in got)


def test_subscribe_errors(sim):
    status, body = sim.request("GET", "/v2/things/%s" % sim.activate())  # no Observe option
    assert status == "4.00" and "Observe" in body["message"]
    res = asyncio.run(_observe_once(sim.url + "/v2/things/%s" % ("B" * 43)))
    assert res.code == Code.UNAUTHORIZED and res.opt.observe is None
    for bad in ("5", "soon"):
        url = sim.url + "/v2/things/%s?keepAlive=%s" % (sim.activate(), bad)
        res = asyncio.run(_observe_once(url))
        assert res.code == Code.BAD_REQUEST and "keepAlive" in json.loads(res.payload)["message"]


async def _observe_once(url):
    ctx = await aiocoap.Context.create_client_context(transports=["udp6"])
    try:
        req = ctx.request(aiocoap.Message(code=Code.GET, uri=url, observe=0))
        return await asyncio.wait_for(req.response, 5)
    finally:
        await ctx.shutdown()


def test_notification_larger_than_a_datagram_is_sent_block_wise(sim):
    token = sim.activate()
    values = [{"key": "big%02d" % i, "value": "x" * 40} for i in range(30)]

    def writer():
        assert write(sim, token, values)[0] == "2.01"

    got = asyncio.run(_observe(sim.url + "/v2/things/%s" % token, writer, 2))
    note = got[1][1]
    assert [v["key"] for v in json.loads(note.payload)] == [v["key"] for v in values]
    log = [e for e in sim.request_log if e["path"] == "/v2/things/%s..." % token[:4]]
    assert any(e["block2"] for e in log)  # the client fetched the rest (RFC 7959 §2.6)


def test_a_closed_ports_icmp_error_does_not_fail_the_next_clients_datagram(sim):
    # A datagram to a client that closed its socket (a notification of an observation it left
    # behind) comes back as ICMP port unreachable; Linux also leaves that as the socket's
    # pending error, returned by the next send to anyone (server.resend_after_stale_errors).
    # The next client still gets its datagram and keeps its observation.
    token = sim.activate()
    before = sim.status()["subscriptions"]
    live = Raw(sim.port)
    gone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gone.bind(("127.0.0.1", 0))
    gone_port = gone.getsockname()[1]
    gone.close()
    try:
        reg = aiocoap.Message(
            _mtype=Type.CON, _mid=live.mid, _token=os.urandom(4), code=Code.GET, observe=0,
            uri_path=("v2", "things", token), uri_query=("keepAlive=60000",),
        )  # fmt: skip
        live.send(reg.encode())
        assert json.loads(live.recv().payload)["message"] == "subscribed"
        mid = (live.mid + 7) & 0xFFFF

        def two_datagrams():  # in one callback of the server's loop: no error read between
            mman = sim._server.mman
            for port, mtype in ((gone_port, Type.NON), (live.sock.getsockname()[1], Type.ACK)):
                m = aiocoap.Message(_mtype=mtype, _mid=mid, code=Code.EMPTY)
                m.remote = UDP6EndpointAddress(
                    ("::ffff:127.0.0.1", port, 0, 0), mman.message_interface
                )
                mman._send_via_transport(m)  # the path of every datagram the server sends

        sim._call(two_datagrams)
        got = live.recv()
        assert got is not None and (got.mtype, got.code, got.mid) == (Type.ACK, Code.EMPTY, mid)
        assert write(sim, token, [{"key": "k", "value": 1}])[0] == "2.01"
        note = live.recv()  # the observation is still there: the write's notification
        assert note is not None and note.opt.observe and note.token == reg.token, note
        assert [v["value"] for v in json.loads(note.payload)] == [1]
        # RST ends the observation (RFC 7641 §3.6), leaving none to later tests
        live.send(aiocoap.Message(_mtype=Type.RST, _mid=note.mid, code=Code.EMPTY).encode())
        wait_for(lambda: sim.status()["subscriptions"] == before, timeout=5)
    finally:
        live.close()


# -- Server date ----------------------------------------------------------------------------------


def test_server_date_in_both_formats(sim):
    token = sim.activate()
    status, body = sim.request("GET", "/v2/utils/date?thingToken=%s&format=UTC" % token)
    assert status == "2.05" and abs(dates.parse(body["data"]["date"]) - dates.now_ms()) < 5000
    status, body = sim.request("GET", "/v2/utils/date?thingToken=%s&format=unix_timestamp" % token)
    assert status == "2.05" and abs(body["data"]["date"] - time.time()) < 5
    assert sim.request("GET", "/v2/utils/date?format=local")[0] == "4.00"


# -- Knobs ----------------------------------------------------------------------------------------


def test_fail_next_answers_5_03_then_recovers(sim):
    token = sim.activate()
    sim.fail_next(2)
    for _ in range(2):
        status, body = write(sim, token, [{"key": "k", "value": 1}])
        assert status == "5.03" and body["code"] == 503 and body["status"] == "error"
    assert write(sim, token, [{"key": "k", "value": 2}])[0] == "2.01"
    assert [r["value"] for r in sim.records(token)] == [2]  # failed writes stored nothing
    sim.fail_next(1, code="4.29")
    assert read(sim, token, "k")[0] == "4.29"


def test_separate_response_empty_ack_first_then_con_response(sim):
    token = sim.activate()
    sim.separate(True, delay=0.2)
    raw = Raw(sim.port)
    try:
        raw.send(
            raw.datagram("POST", "/v2/things/" + token, b'{"values":[{"key":"s","value":1}]}')
        )
        ack = raw.recv()
        assert ack.mtype == Type.ACK and ack.code == Code.EMPTY and ack.mid == raw.mid
        res = raw.recv()
        assert res.mtype == Type.CON and res.code == Code.CREATED
        assert json.loads(res.payload)["message"] == "Created"
        raw.send(aiocoap.Message(_mtype=Type.ACK, _mid=res.mid, code=Code.EMPTY).encode())
    finally:
        raw.close()
    # a library client just gets its answer
    assert read(sim, token, "s")[0] == "2.05"
    entries = [e for e in sim.request_log if e["path"].startswith("/v2/things/" + token[:4])]
    assert entries[-2]["separate"] and entries[-2]["code"] == "2.01"


def test_outage_drops_silently_then_a_retransmission_is_answered(sim):
    token = sim.activate()
    raw = Raw(sim.port)
    try:
        sim.outage(0.5)
        data = raw.datagram("POST", "/v2/things/" + token, b'{"values":[{"key":"o","value":1}]}')
        raw.send(data)
        assert raw.recv(timeout=0.2) is None  # no ACK, no RST: silence
        wait_for(lambda: sim.status()["outage_remaining"] == 0, timeout=5)
        raw.send(data)  # the client's retransmission: same MID
        res = raw.recv()
        assert res.code == Code.CREATED and res.mid == raw.mid
        raw.send(data)  # and a duplicate now is answered from aiocoap's cache
        again = raw.recv()
        assert (again.code, again.mid, again.payload) == (res.code, res.mid, res.payload)
    finally:
        raw.close()
    assert len(sim.records(token)) == 1  # stored once: CoAP-level deduplication
    posts = [e for e in sim.request_log if e["path"] == "/v2/things/%s..." % token[:4]]
    assert [(e["dropped"], e["retransmission"], e["code"]) for e in posts[-3:]] == [
        ("outage", False, None),
        (None, False, "2.01"),
        (None, True, "2.01"),
    ]


def test_drop_rate_one_drops_everything(sim):
    raw = Raw(sim.port)
    try:
        sim.drop_rate(1.0)
        raw.send(raw.datagram("GET", "/v2/utils/date"))
        assert raw.recv(timeout=0.2) is None
        sim.drop_rate(0.0)
        raw.send(raw.datagram("GET", "/v2/utils/date"))
        assert raw.recv().code == Code.CONTENT
    finally:
        raw.close()


def test_control_resource_sets_knobs_and_reads_data(sim):
    status, body = coap_request("POST", sim.url + "/sim/codes", {"n": 2})
    assert status == "2.01" and len(body["codes"]) == 2
    status, body = sim.request("POST", "/v2/things/", {"activationCode": body["codes"][0]})
    token = body["thingToken"]
    assert coap_request("POST", sim.url + "/sim/fail", 1)[1]["fail_next"] == 1
    assert write(sim, token, [{"key": "k", "value": 1}])[0] == "5.03"
    assert write(sim, token, [{"key": "k", "value": 2}])[0] == "2.01"
    status, recs = coap_request("GET", sim.url + "/sim/records?token=%s&key=k" % token)
    assert status == "2.05" and [r["value"] for r in recs] == [2]
    assert token in [t["token"] for t in coap_request("GET", sim.url + "/sim/things")[1]]
    # an outage leaves the control path working, so a script can end it
    assert coap_request("POST", sim.url + "/sim/outage", {"seconds": 30})[0] == "2.04"
    assert coap_request("GET", sim.url + "/sim/status")[1]["outage_remaining"] > 20
    assert coap_request("POST", sim.url + "/sim/outage", 0)[1]["outage_remaining"] == 0
    assert coap_request("POST", sim.url + "/sim/separate", {"delay": 0.01})[0] == "4.00"
    assert coap_request("GET", sim.url + "/sim/nothing")[0] == "4.04"


def test_control_is_loopback_only():
    def remote(host):
        return types.SimpleNamespace(sockaddr=(host, 1234, 0, 0))

    assert _is_loopback(remote("::ffff:127.0.0.1")) and _is_loopback(remote("::1"))
    assert not _is_loopback(remote("::ffff:192.168.1.20"))
    assert not _is_loopback(remote("2001:db8::1"))


def test_restart_keeps_things_records_and_spent_codes(tmp_path):
    with SimServer(db_path=tmp_path / "keep.sqlite3", codes=1, log_requests=False) as sim:
        code = sim.codes[0]
        token = sim.request("POST", "/v2/things/", {"activationCode": code})[1]["thingToken"]
        write(sim, token, [{"key": "k", "value": "before"}])
        port = sim.port
        sim.restart()
        assert sim.port == port
        status, rows = read(sim, token, "k")
        assert status == "2.05" and [r["value"] for r in rows] == ["before"]
        assert rows[0]["datetime"] == sim.records(token)[0]["datetime"]
        assert sim.request("POST", "/v2/things/", {"activationCode": code})[0] == "4.00"
        # the request log spans the restart
        assert [(e["method"], e["code"]) for e in sim.request_log] == [
            ("POST", "2.01"),
            ("POST", "2.01"),
            ("GET", "2.05"),
            ("POST", "4.00"),
        ]


def test_request_log_lines_never_hold_a_whole_token(sim, caplog):
    token = sim.activate()
    sim._server.traffic._print = True
    try:
        with caplog.at_level("INFO", logger="thethings_sim"):
            write(sim, token, [{"key": "k", "value": 1}])
            sim.request("GET", "/v2/utils/date?thingToken=%s" % token)
            wait_for(lambda: "utils/date" in caplog.text)
    finally:
        sim._server.traffic._print = False
    assert token[:4] + "..." in caplog.text and token not in caplog.text
    assert all(token not in json.dumps(e) for e in sim.request_log)
