"""Datetime forms of the theThings.IO v2 API, all as integer milliseconds since the epoch (UTC).

Accepted on input (per value `datetime`, and the read query `startDate` / `endDate`):
- `YYYYMMDDHHmmss`, UTC: the form of theThings.IO's reference pages and the seed's
  read-parameter table;
- ISO 8601 with a zone, e.g. `2015-10-28T12:18:56.799Z`: what theThings.IO's Python
  library sends and what a read answers, so a client can pass a read datetime back
  unchanged (the paging scheme in thethings-api.md does exactly that).
Produced on output: ISO 8601 with milliseconds and `Z`, as in the seed's read example
(`"2015-01-30T15:35:33.000Z"`).
"""

import re
import time
from datetime import UTC, datetime, timedelta

_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$")
# A zone is required: a naive ISO time would be ambiguous, and the sources only use `Z`.
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def now_ms():
    return int(time.time() * 1000)


def parse(text):
    """Return milliseconds since the epoch for either accepted form; ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("datetime must be a string")
    m = _COMPACT.match(text)
    if m:
        y, mo, d, h, mi, s = (int(g) for g in m.groups())
        dt = datetime(y, mo, d, h, mi, s, tzinfo=UTC)
        return _to_ms(dt)
    m = _ISO.match(text)
    if m:
        y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
        frac, zone = m.group(7), m.group(8)
        micro = int((frac or "0").ljust(6, "0"))
        dt = datetime(y, mo, d, h, mi, s, micro, tzinfo=UTC)
        if zone != "Z":
            sign = 1 if zone[0] == "+" else -1
            dt -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        return _to_ms(dt)
    raise ValueError("datetime must be YYYYMMDDHHmmss or ISO 8601 with a zone, e.g. ...Z")


def _to_ms(dt):
    delta = dt - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def iso(ms):
    """`2015-01-30T15:35:33.000Z`, the form of the seed's read answer."""
    dt = _EPOCH + timedelta(milliseconds=ms)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def compact(ms):
    """`YYYYMMDDHHmmss`, the form of the seed's read query parameters."""
    return (_EPOCH + timedelta(milliseconds=ms)).strftime("%Y%m%d%H%M%S")


def floor_second(ms):
    """Start of the whole second holding `ms`; query dates work at this granularity."""
    return ms - ms % 1000
