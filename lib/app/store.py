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
# acknowledged the write that carried its reading (app.outbox.flush), so a cut may at worst
# send a reading twice (acknowledged, then cut before the removal), never lose a stored one.
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
#
# RAM: this module holds the Store's state; the code of its operations, and write_atomic()
# that app.subscribe, app.provision and app.crash write with, is app.outbox, loaded on first
# use and unloaded by the app while the outbox is empty (App.period): a board whose writes
# go through does not keep it.
import gc
import sys


class Store:
    """The outbox (lo, hi: the range of sequence numbers, n of them present; box: the
    directory exists), the dropped count, the token. Its operations are app.outbox's:
    mkdir(), token(), save_token(token), add_dropped(n), oldest(k), append(t, values),
    read(seq), remove(seqs); flush(app), the app's (see app.outbox)."""

    def __init__(self, outbox_max=200, log=print):
        self.max = outbox_max
        self.log = log
        from app import unload
        from app.scan import scan

        scan(self)  # (lo, hi, n, dropped, box)
        unload("app.scan")

    def __len__(self):
        return self.n

    def __getattr__(self, name):
        # An operation: app.outbox's function of that name, bound to this store (one
        # function here, not nine). app.outbox is imported again after it was unloaded,
        # after a collection: its code then fills the lowest holes of the heap instead of
        # landing above the period's garbage, which would split the free space (a datagram
        # needs 640 contiguous bytes).
        o = sys.modules.get("app.outbox")
        if o is None:
            gc.collect()
            import app.outbox as o

        f = getattr(o, name)
        return lambda *args: f(self, *args)
