# The code of the flash store (app.store: the layout, the rules): write_atomic(), the
# Store's operations and the app's flush(), imported on first use (Store.__getattr__, the
# modules that write a file) and unloaded by App.period while the outbox is
# empty, so that a board whose writes go through keeps none of it in its heap.
import json
import os
from time import ticks_diff

from micropython import const

_BOX = "outbox/"
# App.write()'s answers (app.app's _RETRY, _REJECTED), as constants of this module: no
# globals, no qstrs, no import of app.app (RAM)
_RETRY = const(1)
_REJECTED = const(2)


def write_atomic(path, data):
    """Replace the file at path with data (str), all or nothing; OSError (a full flash:
    ENOSPC) leaves the old file and no .tmp."""
    try:
        with open(path + ".tmp", "w") as f:
            f.write(data)
        os.rename(path + ".tmp", path)
    except OSError:
        try:
            os.remove(path + ".tmp")
        except OSError:
            pass
        raise


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def mkdir(s):
    # The outbox directory: False (made again at the next append) when the flash had no
    # room for it; OSError when something else is in its place (a flash laid out wrong).
    try:
        os.mkdir(_BOX[:-1])
    except OSError:
        pass  # it exists, or there is no room
    try:
        mode = os.stat(_BOX[:-1])[0]
    except OSError:
        s.box = False
        return False
    if not mode & 0x4000:
        raise OSError(20, "outbox is not a directory")  # ENOTDIR
    s.box = True
    return True


def token(s):
    """The saved thing token, or None."""
    t = _read("token")
    return t.strip() if t and t.strip() else None


def save_token(s, token):
    """True once written (False: no room now, try again later)."""
    try:
        write_atomic("token", token)
        return True
    except OSError:
        return False


def add_dropped(s, n):
    s.dropped += n
    try:
        write_atomic("dropped", str(s.dropped))
    except OSError:
        pass  # kept in RAM, written with the next count


def oldest(s, k):
    """The sequence numbers of (at most) the k oldest readings; holes read as None."""
    return range(s.lo, min(s.hi, s.lo + k))


def append(s, t, values):
    """Queue a reading (t: ms since 1970, values: [(key, value)]). None when stored, else why
    not, in the period line's words (as App.ready() says it), counted in `dropped`. When the
    outbox is full, or the flash is, the oldest go, each counted in `dropped` first (a cut in
    between counts one too many rather than losing one)."""
    data = json.dumps({"t": t, "v": values})
    while True:
        while s.n >= s.max and s.lo < s.hi:
            add_dropped(s, 1)
            remove(s, (s.lo,))
        if s.box or mkdir(s):
            try:
                write_atomic(_BOX + "%08d" % s.hi, data)
                s.hi += 1
                s.n += 1
                return None
            except OSError:
                pass  # no room: make some
        if not s.n:
            add_dropped(s, 1)
            return "dropped: flash full"
        add_dropped(s, 1)
        remove(s, (s.lo,))


def hold(s, held, tick, values):
    """App.period(): a reading sampled at ticks tick before the board's clock was ever set
    (no date to store it with) waits in RAM, in the list held (App.held), 16 at most (the
    oldest dropped). Returns the period line's outcome."""
    if len(held) == 16:
        held.pop(0)
        add_dropped(s, 1)
    held.append((tick, values))
    return "held: no clock yet"


def date_held(s, held, t, tick):
    """The clock is set (t: the wall clock, ms, at ticks tick): the held readings, dated now,
    into the outbox."""
    for tk, v in held:
        append(s, t - ticks_diff(tick, tk), v)


def read(s, seq):
    """The reading seq as (seq, t, values); None for a hole, or when it is unreadable
    (possible only on a file system without atomic rename): then it is dropped and
    counted."""
    try:
        with open(_BOX + "%08d" % seq) as f:
            r = json.load(f)
        return (seq, r["t"], r["v"])
    except OSError:
        return None  # a hole
    except (ValueError, KeyError, TypeError):
        s.log("outbox: %d unreadable, dropped" % seq)
        remove(s, (seq,))
        add_dropped(s, 1)
        return None


def remove(s, seqs):
    """Forget these readings (acknowledged ones), oldest first."""
    for seq in seqs:
        try:
            os.remove(_BOX + "%08d" % seq)
            s.n -= 1
        except OSError:
            pass
    while s.lo < s.hi and not _exists(s.lo):
        s.lo += 1


def _exists(seq):
    try:
        os.stat(_BOX + "%08d" % seq)
        return True
    except OSError:
        return False


def flush(s, app):
    """Send the outbox of store s (app.store) oldest first through app.write(), as many
    readings per request as fit a datagram, while time remains; a batch leaves the outbox
    only once acknowledged. Returns what the period's log line says of it ("8 sent from
    outbox"; its text is here, not in app.app's resident code), None if none was sent."""
    sent = 0
    while s.n and app.ready() is None:
        batch = []
        size = 12
        # the oldest, as many as fit one datagram (larger would go block-wise), read from
        # flash one by one: those that do not fit stay unread
        for seq in oldest(s, app.cfg["batch_max"]):
            r = read(s, seq)
            if r is None:
                continue  # unreadable: dropped
            for k, v in r[2]:  # estimated payload bytes
                size += 61 + len(k) + (len(v) + 2 if isinstance(v, str) else 12)
            if batch and size > 512:
                break
            batch.append(r)
        r = None
        if not batch:
            continue  # unreadable entries were dropped
        n = len(batch)
        seqs = [r[0] for r in batch]
        r = app.write(batch)
        if r == _RETRY:
            app.log("outbox: " + app.why)
            break
        remove(s, seqs)
        if r == _REJECTED:
            add_dropped(s, n)
            app.log("outbox: %d rejected (%s)" % (n, app.why))
        else:
            sent += n
        # The server notifies the subscription of the values it stored (a 312-byte datagram
        # for 8 readings): delivered now, as App.idle would, it is garbage before the next
        # batch. Left in the client, up to 4 of them waited beside the next exchange, and at
        # 44K on i386 a backlog never drained (MemoryError on the received datagram).
        subs = app.subs
        if subs and app.sub:
            subs.poll(app.thing, 0)
    app.stats["flushed"] += sent
    return "%d sent from outbox" % sent if sent else None
