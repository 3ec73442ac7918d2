# The theThings.IO client (lib/thethings) against the seed's contract, under CPython and
# MicroPython (host_tests/dual.py). The server is thethings_sim (the `sim` fixture gives
# {"host", "port", "codes"}); its fault knobs and request counters are driven over CoAP through
# its loopback control resource /sim/..., so both interpreters do it the same way.
import json
import time

from caseutil import case, eq, raises, ticks_diff, ticks_ms

import thethings
from coap.client import GET, POST, Client, CoapTimeout
from thethings import Thing, ThingError, activate, compact, iso, parse, retryable, split

T0 = 1700000000  # 2023-11-14T22:13:20Z


def client(sim, **kw):
    # Fast RFC 7252 timing on loopback: MAX_TRANSMIT_WAIT is 4.65 s instead of 93 s.
    kw.setdefault("ack_timeout_ms", 100)
    return Client(sim["host"], sim["port"], **kw)


def ctl(sim, path, body=None):
    """A control request to the sim (/sim/status, /sim/outage...); its JSON answer."""
    c = client(sim)
    try:
        m = c.request(GET if body is None else POST, "/sim/" + path, json.dumps(body))
        return json.loads(bytes(m.payload()))
    finally:
        c.close()


def requests(sim):
    return ctl(sim, "status")["requests"]  # requests the API saw; /sim/... is not counted


def thing(sim, code_index=0, **kw):
    c = client(sim, **kw)
    return Thing(c, activate(c, sim["codes"][code_index]))


def poll_until(t, cond, ms):
    """Poll t until cond() or ms passed; cond()'s last value. Slices of 250 ms: the client
    postpones completing a block-wise notification while less than ACK_TIMEOUT (100 ms here)
    is left of a poll() (lib/coap/client.py Client.poll)."""
    t0 = ticks_ms()
    while not cond() and ticks_diff(ticks_ms(), t0) < ms:
        t.poll(250)
    return cond()


# -- dates and payloads: no server ----------------------------------------------------------------


@case(compare=True)
def test_dates_known_values():
    known = (
        (0, "1970-01-01T00:00:00.000Z", "19700101000000"),
        (951782400, "2000-02-29T00:00:00.000Z", "20000229000000"),  # leap: divisible by 400
        (4107542399, "2100-02-28T23:59:59.000Z", "21000228235959"),  # 2100 is no leap year
        (4107542400, "2100-03-01T00:00:00.000Z", "21000301000000"),
        (T0, "2023-11-14T22:13:20.000Z", "20231114221320"),
        (1422632133, "2015-01-30T15:35:33.000Z", "20150130153533"),  # the seed's example
    )
    for t, want_iso, want_compact in known:
        eq(iso(t), want_iso, "iso(%d)" % t)
        eq(compact(t), want_compact, "compact(%d)" % t)
        eq(parse(want_iso), t, "parse(%s)" % want_iso)
        eq(parse(want_compact), t, "parse(%s)" % want_compact)
    eq(iso(T0 + 0.25), "2023-11-14T22:13:20.250Z", "float seconds")
    eq(split(T0 + 0.9999), (2023, 11, 14, 22, 13, 21, 0), "rounded to the ms")
    eq(parse("2015-10-28T12:18:56.799Z"), 1446034736, "Python library form")
    eq(parse("2015-10-28T14:18:56+02:00"), 1446034736, "offset east")
    eq(parse("2015-10-28T10:18:56.5-02:00"), 1446034736, "offset west")
    eq(thethings.dates.days(2000, 1, 1) * 86400, 946684800, "ESP32 epoch")
    bad = (
        "",
        "2015-10-28",
        "2015-10-28T12:18:56",
        "2015-13-01T00:00:00Z",
        "2015102812185",
        "2015-10-28T12:18:56.Z",
        "20151028121856Z",
        "2015-10-28 12:18:56Z",
        1446034736,
    )
    for s in bad:
        raises(ValueError, parse, s)
    out = []
    t = -86400 * 3
    while t < 160000 * 86400:  # 1969..2408 on a 11-day-and-a-bit stride: every value round trips
        s = iso(t)
        eq(parse(s), t, s)
        eq(parse(compact(t)), t, s)
        if len(out) < 100:
            out.append(s)
        t += 11 * 86400 + 3607
    return out


@case(compare=True)
def test_write_payload():
    p = thethings.write_payload(
        [
            ("temp", 21.5, T0),
            ("door", 'say "hi"\\\n\u00e9'),
            ("n-1.a_b", -7, "20240101000000"),
            ("t2", 3, T0 + 0.5),
            ("big", 12345678901234567890, None),
        ]
    )
    eq(type(p), bytes, "type")
    eq(p[:60], b'{"values":[{"key":"temp","value":21.5,"datetime":"2023-11-14', "start")
    want = [
        {"key": "temp", "value": 21.5, "datetime": "2023-11-14T22:13:20.000Z"},
        {"key": "door", "value": 'say "hi"\\\n\u00e9'},
        {"key": "n-1.a_b", "value": -7, "datetime": "20240101000000"},
        {"key": "t2", "value": 3, "datetime": "2023-11-14T22:13:20.500Z"},
        {"key": "big", "value": 12345678901234567890},
    ]
    eq(json.loads(p), {"values": want}, "decoded")
    eq(json.loads(thethings.write_payload({"a": 1})), {"values": [{"key": "a", "value": 1}]}, "")
    for bad_key in ("", "a b", "\u00e9t\u00e9", "a/b", 'a"', 5, None):
        e = raises(ValueError, thethings.write_payload, [("ok", 1), (bad_key, 1)])
        assert repr(bad_key) in str(e), str(e)
    for bad in (True, None, float("nan"), float("inf"), [1], {"a": 1}):
        e = raises(ValueError, thethings.write_payload, [("k7", bad)])
        assert "k7" in str(e), str(e)
    for bad in ("yesterday", True, "2015-10-28T12:18:56", [1]):
        e = raises(ValueError, thethings.write_payload, [("k8", 1, bad)])
        assert "k8" in str(e), str(e)
    raises(ValueError, thethings.write_payload, [])
    return json.loads(p)


def test_error_and_redaction():
    e = ThingError(0xA3, "Service unavailable")
    eq((e.code, e.message, e.retryable, str(e)), (0xA3, "Service unavailable", True, "5.03 Ser"
                                                 "vice unavailable"), "5.03")  # fmt: skip
    for code, want in ((0x80, False), (0x81, False), (0x83, True), (0x84, False), (0x9D, True),
                       (0xA0, True), (0xA4, True), (0x45, False), (0, False)):  # fmt: skip
        eq(ThingError(code, "").retryable, want, "retryable %x" % code)
    eq(retryable(CoapTimeout("timeout")), True, "timeout")
    eq(retryable(OSError(113)), True, "OSError")
    eq(retryable(ValueError("bad key")), False, "ValueError")
    eq(retryable(ThingError(0x80, "bad")), False, "4.00")
    token = "NwFbEqwEQ-ucyW8aET34EWi6L_tte6fumxTSU-Pkw12"
    eq(thethings.redact(token), "NwFb...", "redact")
    c = Client("127.0.0.1", 9)  # never used: no datagram leaves
    t = Thing(c, token)
    assert token[4:] not in repr(t) and token[4:] not in str(t), repr(t)
    c.close()


def test_backoff_rule():
    # The one retry rule (thethings.thing.Backoff: the Thing's re-subscriptions and every
    # firmware retry): lo doubling to hi, each due time d plus less than 25% of d of jitter;
    # ok() starts again from lo. Delays of minutes: no due time passes while this runs.
    from thethings.thing import Backoff

    b = Backoff(100000, 900000)
    assert b.ready() and b.delay == 0, "nothing failed yet"
    got = []
    for _ in range(6):
        t0 = ticks_ms()
        d = b.fail()
        t1 = ticks_ms()
        got.append(d)
        assert d <= ticks_diff(b.due, t0), "due after the delay"
        assert ticks_diff(b.due, t1) <= d + d * 255 // 1024, "jitter under 25%"
        assert not b.ready(), "not due yet"
    eq(got, [100000, 200000, 400000, 800000, 900000, 900000], "doubling to hi")
    jit = set()
    for _ in range(20):  # the jitter is random, not a constant: seconds past the delay
        t0 = ticks_ms()
        b.fail()
        jit.add((ticks_diff(b.due, t0) - 900000 + 500) // 1000)
    assert len(jit) > 1, jit
    b.due = time.ticks_add(ticks_ms(), -1)  # a due time that passed: cleared by ready()
    assert b.ready() and b.due is None, "cleared once passed"
    b.fail()
    b.ok()
    assert b.ready() and b.fail() == 100000, "ok(): from lo again"


# -- against the sim ------------------------------------------------------------------------------


def test_activate_once(sim):
    c = client(sim)
    token = activate(c, sim["codes"][0])
    eq(len(token), 43, "token length")
    e = raises(ThingError, activate, c, sim["codes"][0])  # the same code again
    eq((e.code, e.message, e.retryable), (0x80, "Error creating thing", False), "second use")
    e = raises(ThingError, activate, c, "no-such-code")
    eq(e.message, "Error creating thing", "unknown code")
    assert token[4:] not in str(e)
    c.close()


def test_write_several_then_read_back(sim):
    t = thing(sim)
    t.write([("temp", 20.5, T0), ("temp", 21.0, T0 + 60), ("hum", 40, T0 + 30.25),
             ("temp", 19, T0 - 60), ("door", "open")])  # fmt: skip
    rows = t.read("temp", limit=10)
    eq([(r["key"], r["value"], r["datetime"]) for r in rows],
       [("temp", 21.0, iso(T0 + 60)), ("temp", 20.5, iso(T0)), ("temp", 19, iso(T0 - 60))],
       "newest first, datetimes kept")  # fmt: skip
    eq(t.read("hum"), [{"key": "hum", "value": 40, "datetime": "2023-11-14T22:13:50.250Z"}], "")
    door = t.read("door")
    eq((door[0]["value"], len(door)), ("open", 1), "no datetime: the receive time")
    assert abs(parse(door[0]["datetime"]) - t.date()) < 5
    eq(t.read("never-written"), [], "4.04 is []")
    t.client.close()


def test_bad_input_sends_nothing(sim):
    t = thing(sim)
    n = requests(sim)
    for values in ([("fine", 1), ("bad key", 2)], [("fine", 1), ("x", True)],
                   [("fine", 1, "not a date")], []):  # fmt: skip
        e = raises(ValueError, t.write, values)
    assert "'bad key'" in str(raises(ValueError, t.write, [("bad key", 2)]))
    for limit in (0, 101, -1):
        raises(ValueError, t.read, "k", limit)
    raises(ValueError, t.read, "a/b")
    eq(requests(sim), n, "requests after bad input")
    t.write([("fine", 1)])
    eq(requests(sim), n + 1, "then one write")
    return str(e)


def test_read_limit_start_end(sim):
    t = thing(sim)
    t.write([("k", i, T0 + 10 * i) for i in range(10)])
    eq([r["value"] for r in t.read("k")], [9], "default limit 1")
    eq([r["value"] for r in t.read("k", limit=3)], [9, 8, 7], "limit 3")
    eq([r["value"] for r in t.read("k", 100, start=T0 + 20, end=T0 + 60)], [5, 4, 3, 2],
       "startDate inclusive, endDate exclusive (the sim's choice)")  # fmt: skip
    eq([r["value"] for r in t.read("k", 2, end=T0 + 60)], [5, 4], "end only")
    eq([r["value"] for r in t.read("k", 100, start=T0 + 85)], [9], "start only")
    eq([r["value"] for r in t.read("k", 100, start=iso(T0 + 80), end=compact(T0 + 90))], [8],
       "date strings verbatim")  # fmt: skip
    eq(t.read("k", 5, start=T0 + 1000), [], "nothing in range")
    t.client.close()


@case(timeout=120)
def test_read_100_records_blockwise_and_history(sim):
    # RFC 7252 §4.8's ACK_TIMEOUT (2 s), not the cases' 100 ms: "no retransmission" then says
    # the block-wise exchanges never lost a step, not that the host was never 100 ms late.
    t = thing(sim, ack_timeout_ms=2000)
    c = t.client
    # 150 values, ~11 KB of JSON: the client uploads it Block1 (RFC 7959 §2.5)
    t.write([("temp", 20 + i / 4, T0 + i) for i in range(150)])
    rows = t.read("temp", 100)
    eq(len(rows), 100, "rows")
    eq((rows[0]["value"], rows[0]["datetime"]), (20 + 149 / 4, iso(T0 + 149)), "newest")
    eq((rows[-1]["value"], rows[-1]["datetime"]), (20 + 50 / 4, iso(T0 + 50)), "oldest")
    eq(c.retransmissions, 0, "retransmissions")
    got = [r["value"] for r in t.history("temp", page=40)]
    eq(got, [20 + i / 4 for i in range(149, -1, -1)], "history: every record once")
    got = [r["value"] for r in t.history("temp", start=T0 + 10, end=T0 + 20)]
    eq(got, [20 + i / 4 for i in range(19, 9, -1)], "history in range")
    eq(list(t.history("nothing")), [], "history of a key never written")
    c.close()


def subscriptions(sim):
    return ctl(sim, "status")["subscriptions"]  # of every thing on the sim


def test_subscribe_gets_writes_of_another_client(sim):
    t = thing(sim)
    got = []
    before = subscriptions(sim)
    t.subscribe(lambda k, v, d: got.append((k, v, d)), keepalive_ms=200)
    assert t.subscribed
    other = Thing(client(sim), t.token)
    other.write([("a", 1, T0), ("b", "two")])
    assert poll_until(t, lambda: len(got) >= 2, 3000), got
    eq(got[0], ("a", 1, iso(T0)), "first value")
    eq(got[1][:2], ("b", "two"), "second value")
    eq(type(got[1][2]), str, "datetime as the server gave it")
    # keepalives {} every 200 ms: no values, no re-subscription
    n = ctl(sim, "status")["notifications"]
    t.poll(1000)
    eq(len(got), 2, "keepalives are no values")
    assert ctl(sim, "status")["notifications"] >= n + 3
    eq(t.resubscribes, 0, "resubscribes")
    assert t.subscribed
    other.write({"c": 3.5})
    assert poll_until(t, lambda: len(got) == 3, 3000), got
    eq(got[2][:2], ("c", 3.5), "third")
    t.unsubscribe()
    assert not t.subscribed
    other.write({"d": 4})
    t.poll(300)
    eq(len(got), 3, "nothing after unsubscribe")
    # the next notification (here "d") got an RST, which ends the observation at the server
    assert poll_until(t, lambda: subscriptions(sim) <= before, 2000), "the server forgot us"
    t.client.close()
    other.client.close()


@case(timeout=90)
def test_resubscribe_after_outage(sim):
    t = thing(sim)
    before = subscriptions(sim)
    t.retry_min_ms = 200
    got = []
    t.subscribe(lambda k, v, d: got.append(v), keepalive_ms=300, timeout_ms=500)
    # t0 before the outage starts, so that it ends 2 s after t0 at the earliest however late
    # the control request's answer comes back on a busy host
    t0 = ticks_ms()
    ctl(sim, "outage", 2.0)  # nothing in or out for 2 s, well past keepAlive + 1 s
    poll_until(t, lambda: False, 1400)
    # silent past keepAlive + 1 s: the client re-registers (a fresh token), retransmitting
    # through the outage; subscribed again once the server answers it
    assert not t.subscribed, "overdue after keepAlive + 1 s"
    assert poll_until(t, lambda: t.subscribed, 8000), t.last_error
    eq(ticks_diff(ticks_ms(), t0) > 1900, True, "only after the outage")
    assert t.resubscribes >= 1, t.resubscribes
    assert t.last_error is None or retryable(t.last_error), repr(t.last_error)
    other = Thing(client(sim), t.token)
    other.write({"after": 1})
    assert poll_until(t, lambda: got == [1], 3000), got
    # the old observation ends at its next notification: RST (RFC 7641 §3.6)
    assert poll_until(t, lambda: subscriptions(sim) <= before + 1, 3000), subscriptions(sim)
    t.client.close()
    other.client.close()


class _Deaf:
    """A client's socket whose sends fail while .down (OSError 113, EHOSTUNREACH: the link
    gone), as a board's do when its WiFi drops."""

    def __init__(self, sock):
        self.sock = sock
        self.down = False

    def sendto(self, data, addr):
        if self.down:
            raise OSError(113)
        return self.sock.sendto(data, addr)

    def recvfrom(self, n):
        return self.sock.recvfrom(n)

    def close(self):
        self.sock.close()


def test_resubscribe_after_a_send_failed(sim):
    # A re-subscription whose send fails (poll() raises the OSError: the link is gone) is
    # tried again after the backoff once the link is back, not given up.
    t = thing(sim)
    t.retry_min_ms = 200
    s = t.client._sock = _Deaf(t.client._sock)
    ctl(sim, "fail", {"n": 1, "code": "5.03"})
    raises(ThingError, t.subscribe, lambda k, v, d: None, 2000, 1000)  # a retry is due
    s.down = True
    raises(OSError, poll_until, t, lambda: False, 1000)  # the retry's send
    s.down = False
    assert poll_until(t, lambda: t.subscribed, 3000), t.last_error
    eq(len(t.client.obs), 1, "one observation")
    t.unsubscribe()
    t.client.close()


def test_handler_error_raised_once_from_poll(sim):
    t = thing(sim)
    got = []

    def handler(k, v, d):
        got.append(k)
        if k == "boom":
            raise KeyError("from the handler")

    t.subscribe(handler, keepalive_ms=500)
    Thing(client(sim), t.token).write([("boom", 1), ("after", 2)])
    raises(KeyError, poll_until, t, lambda: False, 2000)
    eq(got, ["boom", "after"], "the other values still delivered")
    t.poll(100)  # raised once only
    assert t.subscribed
    t.unsubscribe()
    t.client.close()


def test_server_errors(sim):
    t = thing(sim)
    ctl(sim, "fail", {"n": 1, "code": "5.03"})
    e = raises(ThingError, t.write, {"k": 1})
    eq((e.code, e.retryable, retryable(e)), (0xA3, True, True), "5.03")
    assert e.message, "the platform's message"
    ctl(sim, "fail", {"n": 1, "code": "4.29"})
    eq(raises(ThingError, t.read, "k").retryable, True, "4.29")
    ctl(sim, "fail", {"n": 1, "code": "4.00"})
    eq(raises(ThingError, t.write, {"k": 1}).retryable, False, "4.00")
    t.write({"k": 1})  # and then it works again
    ctl(sim, "outage", 1.0)
    e = raises(CoapTimeout, t.write, {"k": 2}, 300)  # never acknowledged: keep it
    eq(retryable(e), True, "timeout")
    ctl(sim, "outage", 0)
    t.client.close()


def test_unknown_token(sim):
    c = client(sim)
    token = "Z" * 43
    t = Thing(c, token)
    t.retry_min_ms = 100
    for fn, args in ((t.write, ({"k": 1},)), (t.read, ("k",)), (t.date, ()),
                     (t.subscribe, (lambda k, v, d: None, 500))):  # fmt: skip
        e = raises(ThingError, fn, *args)
        eq((e.code, e.message, e.retryable), (0x81, "Invalid thing token", False), repr(fn))
        assert "4.01" in str(e) and token not in str(e)
    # a failed subscribe stays armed: poll() retries after the backoff, without raising
    poll_until(t, lambda: t.resubscribes >= 2, 2000)
    assert t.resubscribes >= 2 and t.last_error.code == 0x81, t.resubscribes
    t.unsubscribe()
    c.close()


def test_server_date(sim):
    t = thing(sim)
    d = t.date()
    now = thethings.dates.days(*time.gmtime()[:3]) * 86400
    assert 0 <= d - now < 86400 + 5, (d, now)  # the same day (host and sim share a clock)
    t.client.close()


def test_big_notification_blockwise(sim):
    # 40 values make a ~2.4 KB notification: the sim sends its first block only and the client
    # GETs the rest (RFC 7959 §2.6) before the handler sees any of it
    t = thing(sim)
    got = []
    t.subscribe(lambda k, v, d: got.append((k, v, d)), keepalive_ms=1000)
    Thing(client(sim), t.token).write([("v%d" % i, "x" * 20, T0 + i) for i in range(40)])
    assert poll_until(t, lambda: len(got) >= 40, 3000), len(got)
    eq(got, [("v%d" % i, "x" * 20, iso(T0 + i)) for i in range(40)], "all, in order")
    t.unsubscribe()
    t.client.close()
