# The outbox index of app.store, run by the MicroPython unix port in a scratch directory
# (host_tests/test_firmware_store.py): sequence numbers, holes left by unreadable readings,
# a restart over an outbox with gaps, the oldest dropped when full.
#
#   micropython store_outbox.py DIR  -> last line JSON: {"checks": n, "failures": [...]}
import json
import os
import sys

os.chdir(sys.argv[1])

from app.outbox import _exists  # noqa: E402
from app.store import Store  # noqa: E402


def pending(s):
    """Every queued sequence number of Store s, oldest first."""
    return [q for q in range(s.lo, s.hi) if _exists(q)]


failures = []
checks = 0


def eq(got, want, what):
    global checks
    checks += 1
    if got != want:
        failures.append("%s: %r != %r" % (what, got, want))


logs = []
s = Store(outbox_max=5, log=logs.append)
for i in range(4):
    s.append(1000 + i, [["n", i]])
eq(pending(s), [1, 2, 3, 4], "appended")
eq(len(s), 4, "len")
eq(list(s.oldest(2)), [1, 2], "oldest(2)")

# reading 2 unreadable (a torn write on a file system without atomic rename)
with open("outbox/00000002", "w") as f:
    f.write('{"t": 10')
got = [s.read(q) for q in s.oldest(10)]
eq([g and g[0] for g in got], [1, None, 3, 4], "2 read as unreadable")
eq((s.dropped, len(s), pending(s)), (1, 3, [1, 3, 4]), "2 dropped and counted")
eq(len(logs), 1, "one log line for it")

# an acknowledged batch removed: the range starts after it, past the hole
s.remove([1])
eq((s.lo, list(s.oldest(10)), len(s)), (3, [3, 4], 2), "lo past the hole")

# a restart finds the gaps: 3, 4 and (after these appends) 5, 6, with 5 removed out of order
s.append(2000, [["n", 5]])
s.append(2001, [["n", 6]])
s.remove([5])
with open("outbox/00000007.tmp", "w") as f:  # an append cut short
    f.write('{"t": 3')
s = Store(outbox_max=5, log=logs.append)
eq(sorted(os.listdir("outbox")), ["00000003", "00000004", "00000006"], "the .tmp removed")
eq((s.lo, s.hi, len(s), pending(s)), (3, 7, 3, [3, 4, 6]), "restart over a gap")
eq([g and g[1] for g in (s.read(q) for q in s.oldest(10))], [1002, 1003, None, 2001], "reads")
eq(s.dropped, 1, "dropped counter kept")

# full (max 5): each append drops the oldest, counted
for i in range(4):
    s.append(3000 + i, [["n", i]])
eq((len(s), pending(s), s.dropped), (5, [6, 7, 8, 9, 10], 3), "full: oldest went")

# everything acknowledged: empty, and numbering goes on after a restart from 1
s.remove(pending(s))
eq((len(s), s.lo == s.hi, os.listdir("outbox")), (0, True, []), "all removed")
s = Store(outbox_max=5, log=logs.append)
s.append(4000, [["n", 0]])
eq((pending(s), s.read(1)[1]), ([1], 4000), "fresh numbering")

print(json.dumps({"checks": checks, "failures": failures}))
