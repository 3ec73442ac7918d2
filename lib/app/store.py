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
        seqs = []
        for name in os.listdir(_BOX[:-1]):
            if len(name) == 8 and name.isdigit():
                seqs.append(int(name))
            else:  # NNNNNNNN.tmp of an interrupted append
                os.remove(_BOX + name)
        seqs.sort()
        self.seqs = seqs
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
        return len(self.seqs)

    def append(self, t, values):
        """Queue a reading (t: ms since 1970, values: [(key, value)]). When the outbox is
        full the oldest go, each counted in `dropped` first (a cut in between counts one
        too many rather than losing one)."""
        s = self.seqs
        while len(s) >= self.max:
            self.add_dropped(1)
            os.remove(_BOX + "%08d" % s.pop(0))
        n = s[-1] + 1 if s else 1
        write_atomic(_BOX + "%08d" % n, json.dumps({"t": t, "v": values}))
        s.append(n)

    def read(self, seq):
        """The reading seq as (seq, t, values), or None when it is unreadable (possible only
        on a file system without atomic rename): then it is dropped and counted."""
        try:
            with open(_BOX + "%08d" % seq) as f:
                r = json.load(f)
            return (seq, r["t"], r["v"])
        except (OSError, ValueError, KeyError, TypeError):
            self.log("outbox: %d unreadable, dropped" % seq)
            self.remove((seq,))
            self.add_dropped(1)
            return None

    def remove(self, seqs):
        """Forget these readings (acknowledged ones), oldest first."""
        for seq in seqs:
            try:
                os.remove(_BOX + "%08d" % seq)
            except OSError:
                pass
            if seq in self.seqs:
                self.seqs.remove(seq)
