# Power cuts on littlefs, run by the MicroPython unix port (host_tests/test_firmware_powercut.py).
#
# A RAM block device (os.VfsLfs2's extended interface) that dies after N block writes (a
# program or an erase): the N+1-th is refused, or half done ("torn"), and nothing after it
# reaches the bytes. A scenario of app.store operations (token saved at activation, outbox
# appends with the oldest dropped when full, acknowledged batches removed, dropped counter
# updates) runs once uncut to record the state after each operation and count its writes;
# then for every N it runs again with the cut at the N-th write, and the bytes as they were
# at the cut are mounted afresh (a reboot) and checked: the token absent or whole, every
# outbox entry parses, order intact, nothing acknowledged resurrected, nothing stored lost
# except by the operation in progress, the dropped counter between its before and after.
#
#   micropython powercut.py  -> last line JSON: {"writes", "cuts", "failures", ...}
# A file the cut left open is closed later by its finaliser, against the dead device: the
# "OSError: 84" / "OSError: 28" lines it prints are that, an artefact of the simulation.
import json
import os
import sys

from app.outbox import _exists
from app.store import Store


def pending(s):
    """Every queued sequence number of Store s, oldest first."""
    return [q for q in range(s.lo, s.hi) if _exists(q)]


BS = 4096
BLOCKS = 32
TOKEN = "NwFbEqwEQ-ucyW8aET34EWi6L_tte6fumxTSU-Pkw12"


class PowerCut(Exception):
    pass


class RAMDev:
    def __init__(self, data, cut=-1, torn=False):
        self.data = data
        self.cut = cut
        self.torn = torn
        self.writes = 0
        self.dead = False

    def _op(self):
        # True if this write may go through; raises at the cut
        if self.dead:
            return False
        self.writes += 1
        if self.cut >= 0 and self.writes > self.cut:
            self.dead = True
            return None
        return True

    def readblocks(self, n, buf, off=0):
        if self.dead:  # no power: only the finaliser of a file the cut left open reads
            return
        a = n * BS + off
        buf[:] = self.data[a : a + len(buf)]

    def writeblocks(self, n, buf, off=0):
        ok = self._op()
        a = n * BS + off
        if ok is None:
            if self.torn:
                h = len(buf) // 2
                self.data[a : a + h] = buf[:h]
            raise PowerCut()
        if ok:
            self.data[a : a + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == 4:
            return BLOCKS
        if op == 5:
            return BS
        if op == 6:  # erase
            ok = self._op()
            if ok is None:
                if self.torn:
                    self.data[arg * BS : arg * BS + BS // 2] = b"\xff" * (BS // 2)
                raise PowerCut()
            if ok:
                self.data[arg * BS : arg * BS + BS] = b"\xff" * BS
            return 0
        return 0


def reading(i):
    return (1795633100000 + i * 1000, [("temperature", 20 + i / 10), ("uptime", i), ("n", i)])


def scenario():
    """The operations, each a function of the store (or None: create it)."""
    ops = [None]  # Store(): makes outbox/
    ops.append(lambda s: s.save_token(TOKEN))
    for i in range(1, 7):  # the 5th and 6th find the outbox full (max 4): the oldest go
        ops.append(lambda s, i=i: s.append(*reading(i)))
    ops.append(lambda s: s.remove(pending(s)[:2]))  # a batch of two acknowledged
    ops.append(lambda s: s.append(*reading(7)))
    ops.append(lambda s: s.add_dropped(2))  # a batch the server rejected
    ops.append(lambda s: s.remove(pending(s)))  # everything acknowledged
    ops.append(lambda s: s.append(*reading(8)))
    ops.append(lambda s: s.append(*reading(9)))
    return ops


def snapshot():
    """(token or None, dropped text or None, {name: text}, other files) of the mounted fs."""

    def read(p):
        try:
            with open(p) as f:
                return f.read()
        except OSError:
            return None

    box = {}
    try:
        names = os.listdir("outbox")
    except OSError:
        names = []
    for n in names:
        box[n] = read("outbox/" + n)
    other = [n for n in os.listdir("") if n not in ("token", "dropped", "outbox")]
    return (read("token"), read("dropped"), box, other)


def run(data, cut=-1, torn=False):
    """Mount, run the scenario until the cut; (states after each op, op index at the cut,
    writes)."""
    dev = RAMDev(data, cut, torn)
    os.mount(os.VfsLfs2(dev), "/pc")
    os.chdir("/pc")
    states = [snapshot()]
    at = None
    store = None
    try:
        for k, op in enumerate(scenario()):
            at = k
            if op is None:
                store = Store(4)
            else:
                op(store)
            states.append(snapshot())
        at = None
    except Exception:  # PowerCut, or what closing a file on the dead device raised then
        if not dev.dead:
            raise
    os.chdir("/")
    os.umount("/pc")
    return states, at, dev.writes


def check(after, before, nxt, tag):
    """The state after a reboot must lie between the states before and after the cut op."""
    bad = []
    token, dropped, box, other = after
    if token not in (before[0], nxt[0]):
        bad.append("token %r" % (token,))
    d = int(dropped or 0)
    if not int(before[1] or 0) <= d <= int(nxt[1] or 0):
        bad.append("dropped %r not in [%r, %r]" % (dropped, before[1], nxt[1]))
    for name, text in box.items():
        if not (len(name) == 8 and name.isdigit()):
            bad.append("outbox entry %r" % name)
            continue
        try:
            r = json.loads(text)
            r["t"], r["v"]
        except Exception:
            bad.append("outbox %s does not parse: %r" % (name, text))
            continue
        want = before[2].get(name) or nxt[2].get(name)
        if want is None:
            bad.append("outbox %s resurrected or invented" % name)
        elif text != want:
            bad.append("outbox %s changed" % name)
    for name in before[2]:
        if name in nxt[2] and name not in box:
            bad.append("outbox %s lost" % name)
    if other:
        bad.append("stray files %r" % other)
    return ["%s: %s" % (tag, b) for b in bad]


def main():
    fresh = bytearray(BS * BLOCKS)
    os.VfsLfs2.mkfs(RAMDev(fresh))
    states, at, total = run(bytearray(fresh))
    assert at is None
    failures = []
    cuts = 0
    for torn in (False, True):
        for n in range(total):  # the cut refuses write n+1
            data = bytearray(fresh)
            _, k, _ = run(data, n, torn)
            if k is None:
                continue
            cuts += 1
            # reboot: mount the bytes as the cut left them, open the store as the app does
            os.mount(os.VfsLfs2(RAMDev(data)), "/pc")
            os.chdir("/pc")
            try:
                tag = "cut at write %d (%s) in op %d" % (n + 1, "torn" if torn else "clean", k)
                s = Store(4) if k > 0 else None
                after = snapshot()
                failures += check(after, states[k], states[k + 1], tag)
                if s is not None:  # and it keeps working: order, parse, append
                    if pending(s) != sorted(int(x) for x in after[2]):
                        failures.append(tag + ": seqs %r" % pending(s))
                    s.append(*reading(99))
                    got = [s.read(q) for q in pending(s)[:10]]
                    if [g[0] for g in got] != pending(s)[: len(got)] or got[-1][2][2][1] != 99:
                        failures.append(tag + ": store unusable after the cut")
            except Exception as e:
                failures.append("%s: %r" % (tag, e))
            os.chdir("/")
            os.umount("/pc")
    print(
        json.dumps({"writes": total, "cuts": cuts, "ops": len(states) - 1, "failures": failures})
    )


if __name__ == "__main__":
    main()
    sys.exit(0)
