"""The world a firmware under test lives in, for the fault matrix and the soak: theThings.IO
(the emulator, in-process), a DNS and an NTP server (fakes), and the firmware itself on the
fault board (host_tests/fw_mp/faultboard.py, the i386 port); faults switched on and off at
the scene's times. Run in compressed time: this process and the firmware under the clock
hook with one anchor and speed (tools/targets/clockshift.c), so every time below (sleeps,
timers, the emulator's, the firmware's) is the scene's, and timing relations hold.

    python fault_world.py SCENE_JSON OUT_JSON      (started by test_firmware_faults.py)

SCENE: {"build": dir of the firmware's .mpy, "flash": dir, "micropython": the i386 port,
"hook": its clockshift .so, "heapsize", "config": config.json's fields (the server and
activation code are filled in), "faults": [{"kind", "from_s", "to_s", ...}], "board":
faults.json's fields, "end_s": stop the firmware then if it has not stopped}.

Fault kinds (the world's; the board's own are in "board"): blackhole (no datagram in or
out), error (every request answered 5.03), slow (separate responses after "delay_s"),
dns_slow (answers after "delay_s"), dns_fail (SERVFAIL), ntp_fail (silence), ntp_garbage
(mode 3 answers, zero timestamps). OUT: the firmware's log lines and exit status, the
emulator's request log and records, the fault windows in the scene's seconds."""

import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "tools")]

from fakenet import FakeUDP, answer, ntp_reply, ntp_ts, reply  # noqa: E402

from thethings_sim.testing import SimServer  # noqa: E402

HOST = "thethings.test"


class Faults:
    """Which world faults are on now (the scene's clock: this process's monotonic)."""

    def __init__(self, faults, t0):
        self.faults = faults
        self.t0 = t0

    def on(self, kind):
        t = time.monotonic() - self.t0
        for f in self.faults:
            if f["kind"] == kind and f["from_s"] <= t < f["to_s"]:
                return f
        return None


def dns_script(faults):
    def script(q, n):
        f = faults.on("dns_fail")
        if f:
            return [(0, reply(q, rcode=2), "main")]  # SERVFAIL
        f = faults.on("dns_slow")
        return [(f["delay_s"] if f else 0, answer(q, "127.0.0.1"), "main")]

    return script


def ntp_script(faults):
    def script(q, n):
        if faults.on("ntp_fail"):
            return []
        if faults.on("ntp_garbage"):
            bad = ntp_reply(q, mode=3) if n % 2 else ntp_reply(q, t3=0)
            return [(0, bad, "main")]
        return [(0, ntp_reply(q, ntp_ts(time.time())), "main")]

    return script


def drive(sim, scene, t0):
    """Switch the emulator's faults at their times (in a thread)."""
    events = []
    for f in scene["faults"]:
        k = f["kind"]
        if k == "blackhole":
            events.append((f["from_s"], lambda f=f: sim.outage(f["to_s"] - f["from_s"])))
        elif k == "error":
            events.append((f["from_s"], lambda: sim.fail_rate(1.0, "5.03")))
            events.append((f["to_s"], lambda: sim.fail_rate(0.0)))
        elif k == "slow":
            events.append((f["from_s"], lambda f=f: sim.separate(True, f["delay_s"])))
            events.append((f["to_s"], lambda: sim.separate(False)))
    events.sort(key=lambda e: e[0])
    for at, fn in events:
        wait = t0 + at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        fn()


def main():
    scene = json.load(open(sys.argv[1]))
    flash = scene["flash"]
    os.makedirs(flash, exist_ok=True)
    out = {"lines": []}
    with SimServer(codes=1, log_requests=False) as sim:
        t0, w0 = time.monotonic(), time.time()
        faults = Faults(scene["faults"], t0)
        with FakeUDP(dns_script(faults)) as dns, FakeUDP(ntp_script(faults)) as ntp:
            cfg = dict(scene["config"])
            cfg.update(
                server="coap://%s:%d" % (HOST, sim.port),
                activation_code=sim.codes[0],
                ntp_host="ntp.test:%d" % ntp.port,
            )
            with open(os.path.join(flash, "config.json"), "w") as f:
                json.dump(cfg, f)
            board = dict(scene.get("board", {}), dns=["127.0.0.1", dns.port])
            with open(os.path.join(flash, "faults.json"), "w") as f:
                json.dump(board, f)
            argv = [scene["micropython"]]
            if scene.get("heapsize"):
                argv += ["-X", "heapsize=" + scene["heapsize"]]
            argv.append(os.path.join(HERE, "fw_mp", "faultboard.py"))
            env = dict(os.environ, MICROPYPATH=scene["build"] + ":" + HERE + ":.frozen")
            env["LD_PRELOAD"] = scene["hook"]  # the same anchor and speed: inherited
            fw = subprocess.Popen(argv, cwd=flash, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)  # fmt: skip
            # A board has its core to itself; here two cells share the host's. Compressed
            # tenfold, a 10 ms wait for the CPU would read as a sample 100 ms late: the
            # firmware goes first (root may raise a priority; elsewhere it stays as it is).
            try:
                os.setpriority(os.PRIO_PROCESS, fw.pid, -10)
            except OSError:
                pass
            threading.Thread(target=drive, args=(sim, scene, t0), daemon=True).start()
            try:
                for line in fw.stdout:
                    out["lines"].append(line.rstrip("\n"))
                    if time.monotonic() - t0 > scene["end_s"]:
                        break
            finally:
                if fw.poll() is None:
                    fw.kill()
                out["status"] = fw.wait()
            out["dns_queries"] = len(dns.requests)
            out["ntp_queries"] = len(ntp.requests)
        out["log"] = [
            {k: e[k] for k in ("time", "method", "path", "code", "dropped", "separate")}
            for e in sim.request_log
        ]
        for e in out["log"]:
            e["time"] -= w0
        things = sim.things()
        out["records"] = sim.records(things[0]["token"]) if things else []
        out["activations"] = len(things)
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
