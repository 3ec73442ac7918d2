"""One interpreter run of the virtual board: the unix port on its own raw pty.

A `Child` lives from a power-on or reset to the next one. It owns the process, the master
side of the pty that is the interpreter's stdin/stdout/stderr, and the read end of the
control pipe over which the board's startup snippet (startup.py) reports resets.
"""

import fcntl
import os
import shutil
import signal
import sys
import termios
import time
import tty

from . import startup

_CHUNK = 4096


def default_micropython():
    """The unix port next to this Python (the project's venv), else the one on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    return here if os.access(here, os.X_OK) else (shutil.which("micropython") or "micropython")


class Child:
    """One interpreter from power-on or reset to its end: process, inner pty, control pipe."""

    def __init__(self, argv_head, flash, cause, uid, run_main):
        ctl_r, ctl_w = os.pipe()
        code = startup.snippet(flash, ctl_w, cause, uid, run_main)
        argv = argv_head + ["-i", "-c", code]
        # Not pty.fork(): the pty must be raw before the parent writes to it (a Ctrl-A
        # typed for a raw-mode restart), and setting it raw in the child would flush that.
        fd, slave = os.openpty()
        tty.setraw(slave)
        pid = os.fork()
        if pid == 0:  # the interpreter's side: stdin/stdout/stderr are the inner pty
            try:
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for n in (0, 1, 2):
                    os.dup2(slave, n)
                # Ignored at exec, so CPython (which hosts the unix port's .so) installs no
                # SIGINT handler of its own; the unix port installs one while code runs.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                os.chdir(flash)
                os.set_inheritable(ctl_w, True)
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        os.close(slave)
        os.close(ctl_w)
        os.set_blocking(fd, False)
        os.set_blocking(ctl_r, False)
        self.pid, self.fd, self.ctl = pid, fd, ctl_r
        self._ctl_buf = b""
        self.status = None

    def interruptible(self):
        """True while the unix port handles SIGINT, i.e. its interrupt char is enabled."""
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("SigCgt:"):
                        return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
        except OSError:
            pass
        return False

    def reading(self):
        """True while the interpreter is blocked reading its terminal (its REPL waits)."""
        try:
            with open("/proc/%d/wchan" % self.pid) as f:
                return f.read().strip() in ("wait_woken", "n_tty_read")
        except OSError:
            return False

    def read_ctl(self):
        """Complete control lines written by the board so far."""
        try:
            self._ctl_buf += os.read(self.ctl, _CHUNK)
        except BlockingIOError:
            pass
        *lines, self._ctl_buf = self._ctl_buf.split(b"\n")
        return [line.decode() for line in lines]

    def read_all(self):
        """Whatever output is buffered right now (used before killing the process)."""
        out = b""
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return out
            if not data:
                return out
            out += data

    def kill(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.wait()

    def wait(self, timeout=2.0):
        """Reap the process (killing it if it lingers) and close its descriptors."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
            elif time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + timeout
            else:
                time.sleep(0.005)
        for fd in (self.fd, self.ctl):
            try:
                os.close(fd)
            except OSError:
                pass
        self.fd = self.ctl = -1
        return self.status
