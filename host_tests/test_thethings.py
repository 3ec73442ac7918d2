"""The theThings.IO client library (lib/thethings) against thethings_sim, under CPython and
MicroPython: the cases are in cases/case_thethings.py (see dual.py). Below them, CPython-only
tests: the date functions against the datetime module, and scenarios that need the SimServer
object itself (a server restart)."""

import datetime

from dual import collect
from hypothesis import given
from hypothesis import strategies as st

import thethings
from coap.client import Client
from thethings import Thing, activate

globals().update(collect("case_thethings"))

UTC = datetime.UTC
MAX = 253402300799  # 9999-12-31T23:59:59Z


@given(st.integers(min_value=-62135596800, max_value=MAX))
def test_dates_match_datetime(t):
    dt = datetime.datetime.fromtimestamp(t, UTC)
    assert thethings.iso(t) == dt.strftime("%Y-%m-%dT%H:%M:%S.000Z").rjust(24, "0")
    assert thethings.compact(t) == dt.strftime("%Y%m%d%H%M%S").rjust(14, "0")
    assert thethings.parse(thethings.iso(t)) == t
    if t >= 0:
        assert thethings.parse(thethings.compact(t)) == t


@given(st.integers(min_value=0, max_value=MAX * 1000))
def test_float_seconds_give_milliseconds(ms):
    t = ms / 1000
    want = datetime.datetime.fromtimestamp(round(t * 1000) // 1000, UTC)
    got = thethings.iso(t)
    assert got[:19] == want.strftime("%Y-%m-%dT%H:%M:%S")
    assert got[19:] == ".%03dZ" % (round(t * 1000) % 1000)


@given(
    st.datetimes(
        min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(9998, 12, 31)
    ),
    st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
)
def test_parse_iso_with_offsets(dt, offset_min):
    tz = datetime.timezone(datetime.timedelta(minutes=offset_min))
    aware = dt.replace(tzinfo=tz)
    text = aware.isoformat(timespec="milliseconds")  # 2015-10-28T12:18:56.799+01:30
    assert thethings.parse(text) == int(aware.replace(microsecond=0).timestamp())


def test_unix_offset_on_this_host():
    assert thethings.unix_offset() == 0


def test_resubscribe_after_server_restart(sim):
    # A restart loses every subscription (thethings_sim README): the keepalives stop, and
    # poll() subscribes again once keepAlive + 1 s passed without any.
    c = Client("127.0.0.1", sim.port, ack_timeout_ms=100)
    t = Thing(c, activate(c, sim.new_codes(1)[0]))
    t.retry_min_ms = 100
    got = []
    t.subscribe(lambda k, v, d: got.append(v), keepalive_ms=300, timeout_ms=500)
    sim.restart(down_for=0.5)
    t.poll(2500)
    assert t.subscribed and t.resubscribes >= 1
    sim.request("POST", "/v2/things/" + t.token, {"values": [{"key": "k", "value": 42}]})
    deadline = 30
    while not got and deadline:
        t.poll(100)
        deadline -= 1
    assert got == [42]
    t.unsubscribe()
    c.close()


def test_separate_responses(sim):
    # The server ACKs first and answers later in a CON of its own (RFC 7252 §5.2.2)
    sim.separate(True, delay=0.2)
    c = Client("127.0.0.1", sim.port, ack_timeout_ms=100)
    t = Thing(c, activate(c, sim.new_codes(1)[0]))
    t.write([("a", 1, 1700000000)])
    assert t.read("a") == [{"key": "a", "value": 1, "datetime": "2023-11-14T22:13:20.000Z"}]
    # (a retransmission the empty ACK overtook on a busy host is logged as one, not separate)
    assert all(e["separate"] for e in sim.request_log if not e["retransmission"])
    c.close()
