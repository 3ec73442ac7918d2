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
# A full flash is a full outbox, never a crash: a reading that does not fit pushes the
# oldest out (counted in `dropped`), one that fits in no way is dropped (counted); a failed
# write leaves no .tmp behind. The outbox directory is made again when it could not be (no
# space at start); the token and the count that could not be written are kept in RAM and
# written again later (the caller retries the token each period).
#
# A reading is JSON: {"t": ms since 1970 UTC, "v": [[key, value], ...]}.
# Paths are relative: the current directory is the flash root on a board (and under
# `make sim`), and the unix port's VfsPosix mishandles a rename of two absolute paths.
import json
import os

_BOX = "outbox/"


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


class Store:
    def __init__(self, outbox_max=200, log=print):
        self.max = outbox_max
        self.log = log
        from app import unload
        from app.scan import scan

        scan(self)  # (lo, hi, n, dropped, box)
        unload("app.scan")

    def mkdir(self):
        # The outbox directory: False (made again at the next append) when the flash had no
        # room for it; OSError when something else is in its place (a flash laid out wrong).
        try:
            os.mkdir(_BOX[:-1])
        except OSError:
            pass  # it exists, or there is no room
        try:
            mode = os.stat(_BOX[:-1])[0]
        except OSError:
            self.box = False
            return False
        if not mode & 0x4000:
            raise OSError(20, "outbox is not a directory")  # ENOTDIR
        self.box = True
        return True

    def token(self):
        """The saved thing token, or None."""
        t = _read("token")
        return t.strip() if t and t.strip() else None

    def save_token(self, token):
        """True once written (False: no room now, try again later)."""
        try:
            write_atomic("token", token)
            return True
        except OSError:
            return False

    def add_dropped(self, n):
        self.dropped += n
        try:
            write_atomic("dropped", str(self.dropped))
        except OSError:
            pass  # kept in RAM, written with the next count

    def __len__(self):
        return self.n

    def oldest(self, k):
        """The sequence numbers of (at most) the k oldest readings; holes read as None."""
        return range(self.lo, min(self.hi, self.lo + k))

    def append(self, t, values):
        """Queue a reading (t: ms since 1970, values: [(key, value)]); False if it could not
        be stored (counted in `dropped`). When the outbox is full, or the flash is, the
        oldest go, each counted in `dropped` first (a cut in between counts one too many
        rather than losing one)."""
        data = json.dumps({"t": t, "v": values})
        while True:
            while self.n >= self.max and self.lo < self.hi:
                self.add_dropped(1)
                self.remove((self.lo,))
            if self.box or self.mkdir():
                try:
                    write_atomic(_BOX + "%08d" % self.hi, data)
                    self.hi += 1
                    self.n += 1
                    return True
                except OSError:
                    pass  # no room: make some
            if not self.n:
                self.add_dropped(1)
                return False
            self.add_dropped(1)
            self.remove((self.lo,))

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
