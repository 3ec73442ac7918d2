"""Run virtual boards from tests, and talk to them as mpremote or a person would.

    with VirtualBoard(tmp_path / "flash") as board:
        board.mpremote("cp", "main.py", ":main.py", "+", "reset")
        board.wait_for_output("main started")

The board runs as a separate process (`python -m vboard`), exactly as `make vboard` runs
it, so a test exercises the same code path as a user and a wedged board cannot take the
test process with it. All waiting polls against a deadline; nothing sleeps a fixed time.
"""

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time
import tty

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(0.01)


class VirtualBoard:
    """A virtual board on a pty; `flash_dir` is its flash (created if missing)."""

    def __init__(
        self, flash_dir, link=None, *, heapsize=None, micropython=None, baud=None,
        sticky_wdt=False,
    ):  # fmt: skip
        self.flash = os.path.abspath(flash_dir)
        self._dir = tempfile.mkdtemp(prefix="vboard-")
        self.port = os.path.abspath(link) if link else os.path.join(self._dir, "vboard0")
        self.log_path = os.path.join(self._dir, "board.log")
        self._stdout_path = os.path.join(self._dir, "tool.out")
        self._extra = []
        if heapsize:
            self._extra += ["--heapsize", str(heapsize)]
        if micropython:
            self._extra += ["--micropython", micropython]
        if baud:
            self._extra += ["--baud", str(baud)]
        if sticky_wdt:
            self._extra += ["--sticky-wdt"]
        self.proc = None
        self._final_output = None

    def start(self, timeout=10.0):
        """Start the board; returns once its port exists. Returns self."""
        os.makedirs(self.flash, exist_ok=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [TOOLS, env.get("PYTHONPATH")]))
        cmd = [sys.executable, "-m", "vboard", "--flash", self.flash, "--link", self.port]
        cmd += ["--log", self.log_path] + self._extra
        with open(self._stdout_path, "wb") as out:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("vboard exited:\n" + self.tool_output())
            return "vboard: serving" in self.tool_output() and os.path.islink(self.port)

        _wait(ready, timeout, "the virtual board's port")
        return self

    def stop(self, timeout=5.0):
        """Stop the board (and its interpreter) and remove the port; idempotent."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        try:  # anything else in its session (it started one); the interpreter has its own
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc = None
        self._final_output = self.output()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def output(self):
        """Everything the board has printed on its serial port since it started."""
        if self._final_output is not None:
            return self._final_output
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def tool_output(self):
        """What the host tool itself printed (its status lines and any crash)."""
        try:
            with open(self._stdout_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def mark(self):
        """A position in output(), for wait_for_output(after=...)."""
        return len(self.output())

    def wait_for_output(self, text, timeout=10.0, after=0):
        """Wait until `text` appears in output()[after:]; returns the index just past it."""

        def found():
            i = self.output().find(text, after)
            return i + len(text) if i >= 0 else None

        try:
            return _wait(found, timeout, repr(text))
        except TimeoutError as e:
            raise TimeoutError("%s; board printed:\n%s" % (e, self.output()[-2000:])) from None

    def mpremote(self, *args, timeout=30.0, check=True):
        """Run real mpremote against this board: `connect PORT` followed by `args`."""
        cmd = [sys.executable, "-m", "mpremote", "connect", self.port, *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode:
            raise AssertionError(
                "mpremote %s failed (%d):\n%s%s"
                % (" ".join(args), r.returncode, r.stdout, r.stderr)
            )
        return r


class Terminal:
    """A byte stream with expect(): a serial port (`open_port`) or a program on a pty."""

    def __init__(self, fd, proc=None):
        self.fd, self.proc = fd, proc
        self.data = b""  # everything received so far
        os.set_blocking(fd, False)

    @classmethod
    def open_port(cls, path):
        """Open a serial port as a terminal program would: raw, not our controlling tty."""
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        return cls(fd)

    @classmethod
    def spawn(cls, argv, env=None):
        """Run `argv` with a pty as its stdin/stdout/stderr, as if typed into a terminal."""
        master, slave = os.openpty()
        proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        return cls(master, proc)

    def wait_raw(self, timeout=10.0):
        """Wait until the program has put its terminal in raw mode (as `mpremote repl` does
        once connected): before that, a Ctrl-C typed would be the program's own SIGINT."""
        _wait(
            lambda: not termios.tcgetattr(self.fd)[3] & (termios.ICANON | termios.ISIG),
            timeout,
            "the program to set its terminal raw",
        )

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        while data:
            select.select([], [self.fd], [], 5)
            data = data[os.write(self.fd, data) :]

    def _pump(self, wait):
        r, _, _ = select.select([self.fd], [], [], wait)
        if r:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # EIO: the program on the pty has exited
                chunk = b""
            self.data += chunk
            return bool(chunk)
        return False

    def expect(self, text, timeout=10.0, after=0):
        """Wait for `text` in what was received (from `after` on); returns the index past it."""
        if isinstance(text, str):
            text = text.encode()
        deadline = time.monotonic() + timeout
        while True:
            i = self.data.find(text, after)
            if i >= 0:
                return i + len(text)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out waiting for %r; received:\n%r" % (text, self.data))
            if not self._pump(min(left, 0.1)) and self.proc and self.proc.poll() is not None:
                self._pump(0)
                if self.data.find(text, after) < 0:
                    raise EOFError("program exited before %r; received:\n%r" % (text, self.data))

    def close(self, timeout=5.0):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
