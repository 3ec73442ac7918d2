"""The rp2 image of `make targets-rp2` running in rp2040js (tools/targets/rp2040js_run.mjs),
driven over MicroPython's raw REPL on its UART0, from CPython (the tests, the benchmarks):

    with Emulator(adc4=850) as mcu:            # boots; the REPL's banner seen
        mcu.exec("import os; print(os.uname())")       # stdout; ReplError on a traceback
        mcu.eval("gc.mem_free()")              # a Python literal, evaluated on the board
        mcu.report()                           # {"cycles": mcu.core.cycles, "nanos", ...}
        mcu.ramfs(); mcu.put("config.json", text); mcu.set_rtc()   # the board's flash, clock
        mcu.start_exec("import main"); mcu.seen(b"#3 ")   # run without waiting; watch output
        mcu.set_adc4(868)                      # what the temperature sensor reads from now
                                               # leaving the block stops it (and its children)

The emulator runs in a session of its own (host_tests/procs.py) and is stopped with its
children. Its UART0 is a pair of pipes, bytes delivered at the line rate the firmware set
(115200 baud: 86.8 us of emulated time per byte, as a real serial line), so the plain raw
REPL needs no flow control. Emulated time only moves with the emulated core: idle time
(WFE/WFI until a timer alarm) is skipped, so a firmware that sleeps most of its period runs
much faster than real time, and the same inputs give the same cycle counts every run.

In the firmware, CYCLES (machine.mem32 of it) reads mcu.core.cycles modulo 2**30: the runner
maps it (there is no such register on the chip) for exact brackets around code under test.
"""

import ast
import json
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGETS = os.path.join(ROOT, "build", "targets")
IMAGE = os.path.join(TARGETS, "rp2-pico.bin")
# The Pico W image as MicroPython ships it (REPL on USB: Emulator(PICOW_IMAGE, usb=True))
PICOW_IMAGE = os.path.join(TARGETS, "rp2-picow.bin")
BOOTROM = os.path.join(TARGETS, "rp2040-bootrom-b1.ts")
RUNNER = os.path.join(HERE, "rp2040js_run.mjs")
RAMFS = os.path.join(HERE, "rp2_ramfs.py")  # MicroPython: the littlefs in RAM
RP2040JS = os.path.join(ROOT, "tools", "npm", "node_modules", "rp2040js")
CYCLES = 0x40068000  # the runner's cycle counter (mod 2**30); CYCLES + 4: cycles >> 30 (as
# latched by the last read of CYCLES)
WATCHDOG_CTRL = 0x40058000

sys.path.insert(0, os.path.join(ROOT, "host_tests"))
import procs  # noqa: E402 - the project's process helper: own session, stopped with children


class ReplError(Exception):
    """The code run over the raw REPL raised: str() is what it printed (the last 3000
    characters), then the board's traceback; .out all it printed, .traceback the latter."""

    def __init__(self, out, traceback):
        super().__init__(out[-3000:] + traceback)
        self.out = out
        self.traceback = traceback


def missing(image=IMAGE):
    """What is missing to run the emulator ([] when it can run): the image, the bootrom,
    node, the rp2040js package."""
    gone = [p for p in (image, BOOTROM) if not os.path.exists(p)]
    if shutil.which("node") is None:
        gone.append("node")
    if not os.path.isdir(RP2040JS):
        gone.append(RP2040JS)
    return gone


class Emulator:
    def __init__(self, image=IMAGE, adc4=None, boot_timeout=30.0, usb=False):
        self.image = image
        self.usb = usb  # the REPL on the USB CDC port, not UART0 (the runner's --usb)
        self.adc4 = adc4
        self.boot_timeout = boot_timeout
        self.proc = None
        self.out = bytearray()  # all UART0 output so far
        self.log = []  # the runner's stderr lines that are not reports
        self.reports = []  # its JSON reports, in order
        self._cond = threading.Condition()
        self._seen = 0  # self.out up to here was consumed by _read_until
        self._ctrl = None
        self._raw = False  # in the raw REPL, at its prompt

    # -- process --------------------------------------------------------------------------------

    def start(self):
        r, w = os.pipe()
        argv = ["node", RUNNER, "--bootrom", BOOTROM, "--image", self.image, "--control", str(r)]
        if self.adc4 is not None:
            argv += ["--adc4", str(self.adc4)]
        if self.usb:
            argv.append("--usb")
        self.proc = procs.popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(r,),
            cwd=ROOT,
        )
        os.close(r)
        self._ctrl = os.fdopen(w, "w", buffering=1)
        for target in (self._pump_out, self._pump_err):
            threading.Thread(target=target, daemon=True).start()
        self._read_until(b">>> ", self.boot_timeout)  # the banner and the friendly prompt
        return self

    def stop(self):
        """Stop the emulator (and its children); its last report, or None."""
        if self.proc is None:
            return None
        try:
            self.proc.stdin.close()  # the runner reports and exits on end of input
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        procs.stop(self.proc)
        if self._ctrl:
            try:
                self._ctrl.close()
            except OSError:
                pass
        self.proc = None
        ends = [r for r in self.reports if r.get("event") == "end"]
        return ends[-1] if ends else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _pump_out(self):
        while True:
            b = self.proc.stdout.read1(4096) if self.proc else b""
            with self._cond:
                if not b:
                    self._cond.notify_all()
                    return
                self.out += b
                self._cond.notify_all()

    def _pump_err(self):
        for line in iter(self.proc.stderr.readline, b""):
            text = line.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                if text.startswith("rp2040js {"):
                    self.reports.append(json.loads(text[len("rp2040js ") :]))
                else:
                    self.log.append(text)
                self._cond.notify_all()

    def _read_until(self, marker, timeout):
        """UART output from where the last call stopped up to and including marker."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                i = self.out.find(marker, self._seen)
                if i >= 0:
                    got = bytes(self.out[self._seen : i + len(marker)])
                    self._seen = i + len(marker)
                    return got
                left = deadline - time.monotonic()
                if left <= 0 or self.proc is None or self.proc.poll() is not None:
                    raise TimeoutError(
                        "rp2040js: no %r after %.0f s; the board said:\n%s\n%s"
                        % (marker, timeout, self.tail(), "\n".join(self.log[-10:]))
                    )
                self._cond.wait(min(left, 0.5))

    def seen(self, marker):
        """Whether the board has printed marker (bytes) since it started."""
        with self._cond:
            return marker in self.out

    def tail(self, n=3000):
        with self._cond:
            return bytes(self.out[-n:]).decode("utf-8", "replace")

    # -- raw REPL -------------------------------------------------------------------------------

    def _send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def raw(self, timeout=10.0):
        """Interrupt whatever runs and enter the raw REPL."""
        self._send(b"\r\x03\x03\x01")
        self._read_until(b"raw REPL; CTRL-B to exit\r\n>", timeout)
        self._raw = True

    def start_exec(self, code):
        """Send code (a str) to the raw REPL to run, and return at once; see seen()."""
        if not self._raw:
            self.raw()
        self._send(code.encode() + b"\x04")
        self._raw = False  # until exec() has seen the prompt again

    def exec(self, code, timeout=60.0):
        """Run code (a str) in the raw REPL: what it printed. ReplError on an exception."""
        self.start_exec(code)
        self._read_until(b"OK", timeout)
        out = self._read_until(b"\x04", timeout)[:-1]
        err = self._read_until(b"\x04>", timeout)[:-2]
        self._raw = True
        out = out.decode("utf-8", "replace")
        if err:
            raise ReplError(out, err.decode("utf-8", "replace"))
        return out

    def eval(self, expr, timeout=60.0):
        """The value of a Python expression on the board, through its repr()."""
        return ast.literal_eval(self.exec("print(repr(%s))" % expr, timeout).strip())

    # -- the board's flash, clock ----------------------------------------------------------------

    def ramfs(self, block_size=512, blocks=128, **lfs):
        """A littlefs of blocks x block_size bytes in RAM, mounted at / and the current
        directory (tools/targets/rp2_ramfs.py): the emulated flash does not mount. lfs:
        os.VfsLfs2's readsize, progsize, lookahead."""
        with open(RAMFS) as f:
            src = f.read()
        kw = "".join(", %s=%d" % kv for kv in sorted(lfs.items()))
        self.exec(src + "\n_ramfs = mount_ramfs(%d, %d%s)\n" % (block_size, blocks, kw))

    def put(self, name, data):
        """Write a file (bytes or str) on the board, 512 bytes per exec."""
        data = data.encode() if isinstance(data, str) else bytes(data)
        mode = "wb"
        for i in range(0, max(len(data), 1), 512):
            self.exec("with open(%r, %r) as f: f.write(%r)" % (name, mode, data[i : i + 512]))
            mode = "ab"

    def set_rtc(self, t=None):
        """Set the RTC to the host's UTC time (or t, unix s), as `mpremote rtc --set` does: a
        plain Pico has no network, so nothing else sets its clock."""
        tm = time.gmtime(time.time() if t is None else t)
        dt = (tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_wday, tm.tm_hour, tm.tm_min, tm.tm_sec, 0)
        self.exec("import machine; machine.RTC().datetime(%r)" % (dt,))

    # -- the runner's reports ---------------------------------------------------------------

    def report(self, timeout=10.0):
        """{"cycles": executed cycles, "nanos": emulated time, "watchdog": triggers, ...}."""
        with self._cond:
            n = len(self.reports)
        self._ctrl.write("cycles\n")
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self.reports[n:]:
                    if r.get("event") == "cycles":
                        return r
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("rp2040js: no report")
                self._cond.wait(left)

    def set_adc4(self, raw12):
        """What the emulated temperature sensor (ADC input 4) converts to from now on."""
        self._ctrl.write("adc4 %d\n" % raw12)
