"""thethings_sim storage and datetime rules, without the network (tools/thethings_sim)."""

import pytest

from thethings_sim import dates
from thethings_sim.store import MAX_LIMIT, Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "sim.sqlite3")
    yield s
    s.close()


def test_both_datetime_forms_parse_to_the_same_instant():
    compact = dates.parse("20150130153533")
    assert compact == dates.parse("2015-01-30T15:35:33Z")
    assert compact == dates.parse("2015-01-30T17:35:33+02:00")
    assert dates.iso(compact) == "2015-01-30T15:35:33.000Z"  # the seed's read form
    assert dates.iso(dates.parse("2015-10-28T12:18:56.799Z")) == "2015-10-28T12:18:56.799Z"
    assert dates.compact(compact) == "20150130153533"


@pytest.mark.parametrize(
    "bad", ["2015013015353", "20151330153533", "2015-01-30T15:35:33", "yesterday", 20150130153533]
)
def test_malformed_datetimes_are_refused(bad):
    with pytest.raises(ValueError):
        dates.parse(bad)


def test_code_activates_exactly_one_thing_once(store):
    code, other = store.create_codes(2)
    token = store.activate(code)
    assert len(token) == 43 and store.thing_exists(token)
    assert store.activate(code) is None  # second use refused
    assert store.activate("no-such-code") is None
    assert store.unused_codes() == [other]
    assert [t["token"] for t in store.things()] == [token]


def test_values_keep_their_json_type(store):
    token = store.activate(store.create_codes(1)[0])
    store.add_records(token, [("s", "9000", None, None), ("n", 21.5, None, None)], 1000)
    store.add_records(token, [("i", 7, 5000, {"lat": 1.5, "long": 2})], 9000)
    got = {r["key"]: r for r in store.records(token)}
    assert got["s"]["value"] == "9000" and got["n"]["value"] == 21.5 and got["i"]["value"] == 7
    assert got["s"]["datetime"] == dates.iso(1000)  # receive time when no datetime given
    assert got["i"]["datetime"] == dates.iso(5000) and got["i"]["received"] == dates.iso(9000)
    assert got["i"]["geo"] == {"lat": 1.5, "long": 2}


def test_read_default_limit_order_and_date_bounds(store):
    token = store.activate(store.create_codes(1)[0])
    base = dates.parse("20200101000000")
    store.add_records(token, [("k", i, base + i * 1000, None) for i in range(10)], base)
    assert [r["value"] for r in store.read(token, "k")] == [9]  # limit default 1, newest
    page = store.read(token, "k", 5, start_ms=base + 2000, end_ms=base + 6000)
    assert [r["value"] for r in page] == [5, 4, 3, 2]  # start inclusive, end exclusive
    assert len(store.read(token, "k", 1000)) == 10  # clamped to MAX_LIMIT, not refused
    assert MAX_LIMIT == 100


def test_page_never_splits_one_second(store):
    token = store.activate(store.create_codes(1)[0])
    base = dates.parse("20200101000000")
    # seconds 0..3 hold 3 records each (two of them at the very same millisecond)
    store.add_records(
        token,
        [
            ("k", s * 10 + j, base + s * 1000 + (j // 2) * 100, None)
            for s in range(4)
            for j in range(3)
        ],
        base,
    )
    page = store.read(token, "k", 5)
    assert [r["value"] for r in page] == [32, 31, 30]  # second 2 would be split: left off
    assert store.read(token, "k", 2)[0]["value"] == 32  # no whole second fits: newest 2 anyway


def test_paging_with_oldest_datetime_as_end_date_returns_each_record_once(store):
    token = store.activate(store.create_codes(1)[0])
    base = dates.parse("20200101000000")
    # 250 records, up to 4 per second, some at equal milliseconds, stored out of order
    values = [("k", i, base + (i // 4) * 1000 + (i % 2) * 250, None) for i in range(250)]
    store.add_records(token, values[125:], base)
    store.add_records(token, values[:125], base)
    for cursor_form in (lambda iso: iso, lambda iso: dates.compact(dates.parse(iso))):
        seen, end = [], None
        while True:
            page = store.read(token, "k", 100, end_ms=None if end is None else dates.parse(end))
            if not page:
                break
            seen += [r["value"] for r in page]
            end = cursor_form(page[-1]["datetime"])
        assert sorted(seen) == list(range(250)) and len(seen) == 250


def test_data_survives_reopening_the_file(tmp_path):
    path = tmp_path / "persist.sqlite3"
    s = Store(path)
    code = s.create_codes(2)[1]
    token = s.activate(code)
    s.add_records(token, [("k", "v", None, None)], 1234)
    s.close()
    s = Store(path)
    assert s.thing_exists(token) and s.activate(code) is None
    assert [r["value"] for r in s.records(token, "k")] == ["v"]
    s.close()
