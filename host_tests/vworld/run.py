# The virtual world's entry: the firmware (app.App, as app.main builds it) on VBoard, in
# virtual time, against the world's servers, in this one MicroPython process.
#
#   MICROPYPATH=<firmware .mpy>:<vworld .mpy>:.frozen micropython -X heapsize=48K \
#       -m vworld.run SCENE_JSON          (in the flash directory: config.json)
#
# SCENE: {"ticks0": virtual ticks at the start, "wall0": the wall clock then (s since 1970),
# "faults": [[kind, from_s, to_s, param], ...] (vworld.faults), "lfs_kb": a littlefs of
# that size in flash.img (0: the directory itself is the flash), "records": the host file
# the server appends each write to, "code": the activation code, "notify": notifications
# of writes, "writes": [[s, key, value]] written to the thing by someone else (its observer
# notified), "connect_ms": how long WiFi takes to connect, "per_day": periods a day (the
# heap figures), "clients": CoAP clients of the board's server (vworld.vclient), "seed":
# the firmware's os.urandom (vworld.vos), "probe": only measure the world (below)}. The
# same scene and seed give the same run, to the byte (vworld.vclock).
# Prints the firmware's log, then "world {json}": the board's, the servers' and the
# network's counters, what is left in the outbox, the clock, the heap of each day.
#
# The heap: the world's code and data share it with the firmware. What the firmware loads
# anyway (coap.message, boards.unix) and a board has anyway (the littlefs mount) are there
# first; what the world adds on top of them is "world_bytes". With "probe" the run stops
# there and prints "probe {json}": the host then starts the real run with the board's heap
# plus world_bytes (vworld_host.py), so that the firmware has what it would have on the board.
import gc
import json
import sys

gc.collect()
A0 = gc.mem_alloc()  # the interpreter's own
import vworld.vclock as clock  # noqa: E402
import vworld.vnet as net  # noqa: E402
import vworld.vos as vos  # noqa: E402

with open(sys.argv[1]) as f:
    scene = json.load(f)
clock.start(scene["ticks0"], scene["wall0"])
vos.seed(scene.get("seed", 1))
net.install()
sys.modules["time"] = clock
sys.modules["socket"] = net
sys.modules["select"] = net
sys.modules["os"] = vos
OWN = 0  # the board's own bytes among those allocated from here on
if scene.get("lfs_kb"):
    from vworld.flash import FileBlocks, mount  # noqa: E402

    with open("config.json") as f:
        cfg = f.read()
    bdev = FileBlocks("flash.img", scene["lfs_kb"])
    gc.collect()
    a = gc.mem_alloc()
    mount(bdev)  # the file system object: a board has it too
    gc.collect()
    OWN += gc.mem_alloc() - a
    with open("config.json", "w") as f:
        f.write(cfg)
    cfg = mount = bdev = None
gc.collect()
a = gc.mem_alloc()
import boards.unix  # noqa: E402, F401
import coap.message  # noqa: E402, F401 - the firmware's: it loads them anyway

gc.collect()
OWN += gc.mem_alloc() - a

from vworld.faults import Faults  # noqa: E402
from vworld.servers import Dns, Ntp, Things  # noqa: E402

F = Faults(scene["faults"])
rec = open(scene["records"], "ab")
things = Things(F, scene["code"], rec, scene.get("notify", True))
dns = Dns(F, {b"coap.thethings.io": b"\x0a\x01\x00\x01", b"pool.ntp.org": b"\x0a\x02\x00\x01"})
ntp = Ntp(F)
for s in (things, dns, ntp):
    net.SERVERS[s.addr] = s
for w in scene.get("writes", ()):  # [s, key, value]: written to the thing by someone else
    net.at(w[0] * 1000, things.external, (w[1], w[2]))

from vworld.board import VBoard  # noqa: E402

board = VBoard(F, scene.get("connect_ms", 1500))
CLIENTS = ()
if scene.get("clients"):  # CoAP clients of the board's server (config serve: vworld.vclient)
    from vworld.vclient import start as clients  # noqa: E402

    CLIENTS = clients(scene["clients"], board)
board.per_day = scene.get("per_day", 1440)
if scene.get("radio") is False:  # a board without a radio (the unix port's): set clock, no DNS
    board.has_wifi = False
    board.off = 0
    board.net_up = lambda: True
    board.dns_server = lambda: None
    net.NAMES["coap.thethings.io"] = "10.1.0.1"
PROBE = scene.get("probe")
del sys.modules["boards"]  # as main.py does: the package's code goes, boards.unix stays
_SRV = Things.addr


def _drop(src, dst):
    if src[0] == net.ME or dst[0] == net.ME:
        if not board.net_up():
            return True
    return (src == _SRV or dst == _SRV) and F.on("blackhole") is not None


_lx = [(scene.get("seed", 1) * 40503 + 1) & 0xFFFF or 1]  # the loss's generator


def _lose(src, dst):
    # xorshift16 (7, 9, 8), as vworld.vos's: a draw only while the fault is on
    if src != _SRV and dst != _SRV:
        return False
    w = F.on("loss")
    if w is None:
        return False
    x = _lx[0]
    x ^= (x << 7) & 0xFFFF
    x ^= x >> 9
    x ^= (x << 8) & 0xFFFF
    _lx[0] = x
    return x % 100 < w[2]


def _down():
    return not board.net_up()


net.DROP = _drop
net.LOSE = _lose
net.DOWN = _down
clock.WD = board
scene = f = s = a = None
gc.collect()
WORLD = gc.mem_alloc() - A0 - OWN  # the world's heap, code and data, before the firmware's


def main():
    if PROBE:
        print("probe " + json.dumps({"world_bytes": WORLD, "board_bytes": OWN, "base_bytes": A0}))
        return
    import app

    a = sto = None
    crashed = True
    try:
        a = board.app = app._app(board, "config.json")  # app.main(board) = _app(...).run()
        st = a.run()
        crashed = st is None
    except Exception as e:  # main.py would print it and reset: here the run ends
        sys.print_exception(e)
    rec.close()
    got = {}
    if a is not None:
        sto = a.store
        got = {"dropped": sto.dropped, "outbox": len(sto), "held": len(a.held)}
    # The firmware's heap back, for the report: its App and modules let go
    a = sto = st = app = board.app = None
    for k in list(sys.modules):
        if k.split(".")[0] in ("app", "coap", "thethings"):
            del sys.modules[k]
    gc.collect()
    out = {
        "periods": board.n, "overruns": board.overruns, "worst_feed_ms": board.worst,
        "losses": board.losses, "wifi_starts": board.starts, "syncs": board.syncs,
        "crashed": crashed, "virtual_s": clock.S, "skipped_s": clock.SKIPPED,
        "ticks": clock.VT, "things": things.st, "dns": dns.st, "ntp": ntp.st, "net": net.stats,
        "world_bytes": WORLD, "heap_days": [h for h in board.heap if h],
        "files": sorted(vos.listdir()),
    }  # fmt: skip
    out.update(got)
    if CLIENTS:
        out["clients"] = [c.report() for c in CLIENTS]
    print("world " + json.dumps(out))


main()
