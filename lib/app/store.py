# What the firmware keeps in flash, safe against a power cut at any instant (littlefs):
#
#   token             the thing token, written once after activation
#   dropped           how many readings a full outbox threw away (decimal text)
#   outbox/NNNNNNNN   one unsent reading per file, NNNNNNNN its sequence number (8 digits,
#                     so names sort like numbers); the oldest has the lowest
#
# Every file is written whole to NAME.tmp, closed, then renamed over NAME: littlefs renames
# atomically, so after a cut NAME holds the old or the new contents, never a mix; leftover
# *.tmp files are deleted at start. An outbox file is removed only once the server has
# acknowledged the write that carried its reading (app.app), so a cut may at worst send a
# reading twice (acknowledged, then cut before the removal), never lose a stored one.
#
# A reading is JSON: {"t": ms since 1970 UTC, "v": [[key, value], ...]}.
# Paths are relative: the current directory is the flash root on a board (and under
# `make sim`), and the unix port's VfsPosix mishandles a rename of two absolute paths.
import json
import os

_BOX = "outbox/"


def write_atomic(path, data):
    """Replace the file at path with data (str), all or nothing."""
    with open(path + ".tmp", "w") as f:
        f.write(data)
    os.rename(path + ".tmp", path)


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


class Store:
    def __init__(self, outbox_max=200, log=print):
        self.max = outbox_max
        self.log = log
        try:
            os.mkdir(_BOX[:-1])
        except OSError:
            pass  # it exists
        for name in ("token.tmp", "dropped.tmp"):
            try:
                os.remove(name)  # a write cut short by a power cut
            except OSError:
                pass
        # The outbox is the range [lo, hi) of sequence numbers, n of them present: no list
        # of them is kept, so its RAM does not grow with it. Holes (an unreadable reading
        # deleted) are skipped.
        # Scanned with ilistdir, one name at a time, not a list of them all at boot.
        self.lo = self.hi = 1
        n = 0
        stale = []
        for e in os.ilistdir(_BOX[:-1]):
            name = e[0]
            if len(name) == 8 and name.isdigit():
                q = int(name)
                if not n or q < self.lo:
                    self.lo = q
                if q >= self.hi:
                    self.hi = q + 1
                n += 1
            else:  # NNNNNNNN.tmp of an interrupted append: removed after the scan
                stale.append(name)
        for name in stale:
            os.remove(_BOX + name)
        self.n = n
        try:
            self.dropped = int(_read("dropped"))
        except (TypeError, ValueError):
            self.dropped = 0

    def token(self):
        """The saved thing token, or None."""
        t = _read("token")
        return t.strip() if t and t.strip() else None

    def save_token(self, token):
        write_atomic("token", token)

    def add_dropped(self, n):
        self.dropped += n
        write_atomic("dropped", str(self.dropped))

    def __len__(self):
        return self.n

    def oldest(self, k):
        """The sequence numbers of (at most) the k oldest readings; holes read as None."""
        return range(self.lo, min(self.hi, self.lo + k))

    def pending(self):
        """Every queued sequence number, oldest first (a list: for tests and the REPL)."""
        return [q for q in range(self.lo, self.hi) if _exists(q)]

    def append(self, t, values):
        """Queue a reading (t: ms since 1970, values: [(key, value)]). When the outbox is
        full the oldest go, each counted in `dropped` first (a cut in between counts one
        too many rather than losing one)."""
        while self.n >= self.max and self.lo < self.hi:
            self.add_dropped(1)
            self.remove((self.lo,))
        write_atomic(_BOX + "%08d" % self.hi, json.dumps({"t": t, "v": values}))
        self.hi += 1
        self.n += 1

    def read(self, seq):
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
            self.log("outbox: %d unreadable, dropped" % seq)
            self.remove((seq,))
            self.add_dropped(1)
            return None

    def remove(self, seqs):
        """Forget these readings (acknowledged ones), oldest first."""
        for seq in seqs:
            try:
                os.remove(_BOX + "%08d" % seq)
                self.n -= 1
            except OSError:
                pass
        while self.lo < self.hi and not _exists(self.lo):
            self.lo += 1


def _exists(seq):
    try:
        os.stat(_BOX + "%08d" % seq)
        return True
    except OSError:
        return False
