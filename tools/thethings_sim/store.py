"""SQLite storage of the simulator: activation codes, things (tokens) and written records.

One connection, used from the server's event-loop thread only (the test helper routes its
reads through that thread too), committed after every change so that data survives a
restart and even a kill. A file path or ":memory:".

Record order and paging (the read endpoint, thethings-api.md "Read"):
- newest first: by the record's datetime, then by storage order (the later stored one is
  "newer"), so equal datetimes still have one fixed order;
- `startDate` is inclusive and `endDate` exclusive, both at whole-second granularity
  (the seed's query form is YYYYMMDDHHmmss; a finer ISO date is floored to its second);
- a page never splits the records of one second: when the record after the page shares the
  second of the page's oldest record, all records of that second are left off the page (unless
  that would empty it).
Together these make the documented paging scheme exact: pass the oldest datetime of a page as
the next `endDate` (either form, verbatim or cut to the second) and every record is returned
exactly once. The one case it cannot handle: more than `limit` records in a single second;
the page then holds the newest `limit` of them and the rest of that second is skipped.
"""

import json
import secrets
import sqlite3

from . import dates

MAX_LIMIT = 100  # seed: "limit ... How many results (max 100)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    token TEXT                     -- set once, when the code activated a thing
);
CREATE TABLE IF NOT EXISTS things (
    token TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- storage order, the tie-break of equal datetimes
    token TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,                   -- JSON text, so a value keeps its type
    ts_ms INTEGER NOT NULL,                -- per-value datetime, else the receive time
    received_ms INTEGER NOT NULL,
    geo TEXT                               -- JSON text of {"lat", "long"} or NULL
);
CREATE INDEX IF NOT EXISTS records_read ON records (token, key, ts_ms, id);
"""


def new_token():
    # 32 random bytes in URL-safe base64 are 43 characters, the token size of theThings.IO's
    # Arduino library (TOKEN_SIZE 43); the alphabet matches the seed's example token.
    return secrets.token_urlsafe(32)


def new_code():
    # Letters and digits only, so that a code pastes into the seed's shell commands unquoted.
    return secrets.token_hex(8)


class Store:
    def __init__(self, path):
        self.path = str(path)
        # check_same_thread=False: the server may be created in one thread and run in another
        # (the test helper); it is still used by one thread at a time.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self):
        self._db.close()

    # -- activation (seed "Activate") ---------------------------------------------------------

    def create_codes(self, n):
        codes = [new_code() for _ in range(n)]
        now = dates.now_ms()
        with self._tx():
            self._db.executemany(
                "INSERT INTO codes (code, created_ms) VALUES (?, ?)", [(c, now) for c in codes]
            )
        return codes

    def unused_codes(self):
        rows = self._db.execute("SELECT code FROM codes WHERE token IS NULL ORDER BY created_ms")
        return [r["code"] for r in rows]

    def activate(self, code):
        """Token for a fresh code; None for an unknown or already used code.

        Each code activates one thing once (thethings-api.md: "treat a second activation with
        the same code as something that may fail"); the conditional UPDATE makes that atomic.
        """
        token = new_token()
        with self._tx():
            cur = self._db.execute(
                "UPDATE codes SET token = ? WHERE code = ? AND token IS NULL", (token, code)
            )
            if cur.rowcount != 1:
                return None
            self._db.execute(
                "INSERT INTO things (token, code, created_ms) VALUES (?, ?, ?)",
                (token, code, dates.now_ms()),
            )
        return token

    def thing_exists(self, token):
        row = self._db.execute("SELECT 1 FROM things WHERE token = ?", (token,)).fetchone()
        return row is not None

    def things(self):
        rows = self._db.execute("SELECT token, code, created_ms FROM things ORDER BY created_ms")
        return [
            {"token": r["token"], "code": r["code"], "created": dates.iso(r["created_ms"])}
            for r in rows
        ]

    # -- records (seed "Write" / "Read") ------------------------------------------------------

    def add_records(self, token, values, received_ms):
        """Store validated values [(key, value, ts_ms or None, geo or None)] in one transaction.

        Returns the stored records as the read endpoint shows them, in the given order.
        """
        out = []
        with self._tx():
            for key, value, ts_ms, geo in values:
                ts = received_ms if ts_ms is None else ts_ms
                self._db.execute(
                    "INSERT INTO records (token, key, value, ts_ms, received_ms, geo)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (token, key, json.dumps(value), ts, received_ms, _json_or_none(geo)),
                )
                out.append({"key": key, "value": value, "datetime": dates.iso(ts)})
        return out

    def key_exists(self, token, key):
        row = self._db.execute(
            "SELECT 1 FROM records WHERE token = ? AND key = ? LIMIT 1", (token, key)
        ).fetchone()
        return row is not None

    def read(self, token, key, limit=1, start_ms=None, end_ms=None):
        """A page of records, newest first, bounded and cut as described in the module doc."""
        limit = max(1, min(int(limit), MAX_LIMIT))
        sql = "SELECT key, value, ts_ms FROM records WHERE token = ? AND key = ?"
        args = [token, key]
        if start_ms is not None:
            sql += " AND ts_ms >= ?"
            args.append(dates.floor_second(start_ms))
        if end_ms is not None:
            sql += " AND ts_ms < ?"
            args.append(dates.floor_second(end_ms))
        sql += " ORDER BY ts_ms DESC, id DESC LIMIT ?"
        args.append(limit + 1)  # one more, to see whether the page would split a second
        rows = self._db.execute(sql, args).fetchall()
        page = rows[:limit]
        if len(rows) > limit:
            last = dates.floor_second(page[-1]["ts_ms"])
            if dates.floor_second(rows[limit]["ts_ms"]) == last:
                whole = [r for r in page if dates.floor_second(r["ts_ms"]) != last]
                page = whole or page  # over `limit` records in one second: see module doc
        return [
            {"key": r["key"], "value": json.loads(r["value"]), "datetime": dates.iso(r["ts_ms"])}
            for r in page
        ]

    def records(self, token, key=None):
        """Everything stored for a thing (optionally one key), in storage order, for tests."""
        sql = "SELECT id, key, value, ts_ms, received_ms, geo FROM records WHERE token = ?"
        args = [token]
        if key is not None:
            sql += " AND key = ?"
            args.append(key)
        rows = self._db.execute(sql + " ORDER BY id", args).fetchall()
        return [
            {
                "id": r["id"],
                "key": r["key"],
                "value": json.loads(r["value"]),
                "datetime": dates.iso(r["ts_ms"]),
                "received": dates.iso(r["received_ms"]),
                "geo": None if r["geo"] is None else json.loads(r["geo"]),
            }
            for r in rows
        ]

    def recent(self, token, per_key):
        """{key: [{"value", "datetime"}]}: each key's newest `per_key` records, oldest first
        (the read order reversed), for the web page's plots and its latest-value text."""
        rows = self._db.execute(
            "SELECT key, value, ts_ms FROM (SELECT key, value, ts_ms, id, ROW_NUMBER() OVER"
            " (PARTITION BY key ORDER BY ts_ms DESC, id DESC) AS n FROM records WHERE token = ?)"
            " WHERE n <= ? ORDER BY key, ts_ms, id",
            (token, per_key),
        )
        out = {}
        for r in rows:
            rec = {"value": json.loads(r["value"]), "datetime": dates.iso(r["ts_ms"])}
            out.setdefault(r["key"], []).append(rec)
        return out

    # -- helpers -------------------------------------------------------------------------------

    def _tx(self):
        return _Transaction(self._db)


class _Transaction:
    """BEGIN ... COMMIT/ROLLBACK; sqlite3's own context manager needs implicit transactions."""

    def __init__(self, db):
        self._db = db

    def __enter__(self):
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def _json_or_none(obj):
    return None if obj is None else json.dumps(obj)
