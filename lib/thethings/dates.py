# The datetime forms of theThings.IO v2, to and from Unix seconds (UTC):
#   iso(t)      "2015-01-30T15:35:33.000Z": what a read answers (seed "Read") and what
#               theThings.IO's Python library sends as a value's "datetime"
#   compact(t)  "20150130153533", YYYYMMDDHHmmss: the read query's startDate/endDate (seed
#               "Query parameters"); the notes say a write accepts it too
#   parse(s)    either form (ISO with "Z" or a +hh:mm offset) back to Unix seconds
#
# Calendar arithmetic is done here (days <-> civil date, proleptic Gregorian, as in Howard
# Hinnant's "chrono-Compatible Low-Level Date Algorithms"), not with time.gmtime(): gmtime
# counts from the board's epoch, 2000 on ESP32 and 1970 on rp2 and unix, and these functions
# take Unix seconds on every board. unix_offset() gives that epoch for a caller that wants to
# convert time.time(): unix = time.time() + unix_offset().
#
# Floats: ESP32 and rp2 floats are single precision (24-bit mantissa), which rounds a
# present-day Unix time to 128 s. Pass int seconds on a board; a float's fraction becomes the
# milliseconds, which only means something on a host (CPython, the unix port).

_DAY = 86400


def _civil(z):
    # Days since 1970-01-01 -> (year, month, day). Eras of 400 years (146097 days) start on
    # March 1st, so the leap day falls at the end of the era-internal year.
    z += 719468  # days from 0000-03-01 to 1970-01-01
    era = z // 146097
    doe = z - era * 146097  # day of era, 0..146096
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365  # year of era, 0..399
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)  # day of year from March 1st, 0..365
    mp = (5 * doy + 2) // 153  # month from March, 0..11
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, doy - (153 * mp + 2) // 5 + 1


def days(y, m, d):
    """Days from 1970-01-01 to the date y-m-d (negative before it)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def split(t):
    """Unix seconds (int or float) -> (year, month, day, hour, minute, second, ms), UTC."""
    # One big-int division on a 32-bit board, where present-day seconds exceed a small int.
    if isinstance(t, float):
        t = int(round(t * 1000))
        t, ms = divmod(t, 1000)
    elif isinstance(t, int) and not isinstance(t, bool):
        ms = 0
    else:
        raise ValueError("datetime must be Unix seconds, not %r" % (t,))
    n, s = divmod(t, _DAY)
    y, mo, d = _civil(n)
    return y, mo, d, s // 3600, s // 60 % 60, s % 60, ms


def iso(t):
    """Unix seconds (int or float, UTC) -> "YYYY-MM-DDTHH:MM:SS.mmmZ"."""
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % split(t)


def compact(t):
    """Unix seconds -> "YYYYMMDDHHmmss" (UTC; the milliseconds are dropped)."""
    return "%04d%02d%02d%02d%02d%02d" % split(t)[:6]


def _num(s, i, n, lo, hi):
    v = s[i : i + n]
    if not v.isdigit():
        raise ValueError
    v = int(v)
    if not lo <= v <= hi:
        raise ValueError
    return v


def parse(s):
    """Unix seconds (int; a fraction of a second is dropped) of "YYYYMMDDHHmmss" (UTC) or ISO
    8601 "YYYY-MM-DDTHH:MM:SS[.fff]" with "Z", "+hh:mm" or "-hh:mm". ValueError otherwise."""
    try:
        if len(s) == 14:
            p = (0, 4, 6, 8, 10, 12)
        elif len(s) >= 20 and s[4] + s[7] + s[10] + s[13] + s[16] == "--T::":
            p = (0, 5, 8, 11, 14, 17)
        else:
            raise ValueError
        y = _num(s, p[0], 4, 0, 9999)
        mo = _num(s, p[1], 2, 1, 12)
        d = _num(s, p[2], 2, 1, 31)
        t = (days(y, mo, d) * 24 + _num(s, p[3], 2, 0, 23)) * 3600
        t += _num(s, p[4], 2, 0, 59) * 60 + _num(s, p[5], 2, 0, 60)
        if len(s) == 14:
            return t
        z = s[19:]
        if z[0] == ".":  # fraction: digits up to the zone
            i = 1
            while i < len(z) and z[i].isdigit():
                i += 1
            if i == 1:
                raise ValueError
            z = z[i:]
        if z == "Z":
            return t
        if len(z) == 6 and z[0] in "+-" and z[3] == ":":
            off = _num(z, 1, 2, 0, 23) * 3600 + _num(z, 4, 2, 0, 59) * 60
            return t - off if z[0] == "+" else t + off
    except (ValueError, IndexError, TypeError):
        pass
    raise ValueError("not YYYYMMDDHHmmss or ISO 8601 with a zone: %r" % (s,))


def unix_offset():
    """Unix seconds at this board's time epoch (time.gmtime(0)): 946684800 on ESP32, 0 on rp2,
    unix and CPython. Unix time = time.time() + unix_offset()."""
    from thethings.thing import EPOCH

    return EPOCH
