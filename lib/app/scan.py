# Store()'s start-up work (app.store): what the flash holds after a reset or a power cut.
# Its own module so that its code is unloaded once it ran (a .mpy's code lives in the heap).
import os

from app.outbox import _BOX, _read


def scan(s):
    """Set up Store s from the flash: the outbox directory made, cut writes removed, the
    outbox range and the dropped count read."""
    s.mkdir()
    for name in ("token.tmp", "dropped.tmp"):
        try:
            os.remove(name)  # a write cut short by a power cut
        except OSError:
            pass
    # The outbox is the range [lo, hi) of sequence numbers, n of them present: no list of
    # them is kept, so its RAM does not grow with it. Holes (an unreadable reading deleted)
    # are skipped. Scanned with ilistdir, one name at a time, not a list of them all.
    s.lo = s.hi = 1
    n = 0
    stale = []
    for e in os.ilistdir(_BOX[:-1]) if s.box else ():
        name = e[0]
        if len(name) == 8 and name.isdigit():
            q = int(name)
            if not n or q < s.lo:
                s.lo = q
            if q >= s.hi:
                s.hi = q + 1
            n += 1
        else:  # NNNNNNNN.tmp of an interrupted append: removed after the scan
            stale.append(name)
    for name in stale:
        os.remove(_BOX + name)
    s.n = n
    try:
        s.dropped = int(_read("dropped"))
    except (TypeError, ValueError):
        s.dropped = 0
