"""The board around the unix port: a serial pty, resets, Ctrl-C, and a flash directory.

    client (mpremote, a terminal) <-> outer pty  <->  Board  <->  inner pty <-> micropython

The outer pty is what a USB serial adapter would be: it outlives every interpreter, so a
client keeps its port open across soft and hard resets. Each interpreter (a `Child`) gets
its own inner pty in raw mode, so bytes pass untouched both ways, as over a UART. The loop
is single-threaded and never blocks on either side: a board does not stall when nobody
listens, and a slow interpreter must not stall the client.

Why Ctrl-C is not left to the tty: a board's UART interrupt turns 0x03 into
KeyboardInterrupt only while the interrupt char is enabled (code is running and has not
called `micropython.kbd_intr(-1)`), and otherwise delivers it as data, which mpremote's
`mount` protocol relies on. With ISIG on the inner pty, a 0x03 in that binary data would
SIGINT the unix port while its handler is SIG_DFL and kill it. The unix port installs its
SIGINT handler exactly while the interrupt char is enabled, so the handler's presence in
/proc/PID/status tells the Board which of the two a 0x03 is. (A 0x03 landing in the
microseconds between that check and code finishing kills the interpreter instead; the
Board then hard-resets, as a board's watchdog would.)

After an interrupt, and after a restart into the raw REPL, input is held until the
interpreter reads its terminal again (its REPL is up) or _HOLD_S pass: a board's UART
buffers what is typed meanwhile, whereas the unix port (v1.28.0) enters its REPL with
tcsetattr(TCSAFLUSH), which discards it, so mpremote's Ctrl-C then Ctrl-A would lose the
Ctrl-A.
"""

import errno
import hashlib
import os
import re
import select
import signal
import time
import tty

from . import startup
from .child import Child, default_micropython

SOFT_REBOOT = b"MPY: soft reboot\r\n"
RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
FRIENDLY_BANNER = b'Type "help()" for more information.'

# What an ESP32's ROM prints over the UART on a hard reset, so logs read like a board's.
ROM_LINES = {
    startup.PWRON_RESET: b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
    startup.HARD_RESET: b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
    startup.SOFT_RESET: b"rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
    startup.WDT_RESET: b"rst:0x7 (TG0WDT_SYS_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
    startup.DEEPSLEEP_RESET: b"rst:0x5 (DEEPSLEEP_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n",
}

_CHUNK = 4096
_MAX_TO_CHILD = 64 * 1024  # stop reading the client beyond this: its writes then block
_MAX_TO_CLIENT = 256 * 1024  # stop reading the interpreter beyond this, as USB CDC would
_LONE_LF = re.compile(rb"(?<!\r)\n")
# mpremote's `mount` speaks a binary protocol over stdin/stdout while these are seen.
_MOUNT, _UMOUNT = b"__mount()", b'os.umount("/remote")'
_TICK = 0.05  # seconds between checks for a client opening the port and for deadlines
_HOLD_S = 1.0  # input held at most this long after an interrupt (see above)
_UART_BUF = 256  # with a baud rate: bytes queued each way, the rest waits in the pty


class _Line:
    """One direction of a serial line at `baud` (8N1: 10 bits a byte): how many bytes may
    go now. Bytes go in slices of 10 ms' worth, so a slow line does not spin the loop."""

    def __init__(self, baud):
        self.rate = baud / 10.0
        self.slice = max(1, int(self.rate / 100))
        self.credit = 0.0
        self.t = time.monotonic()

    def allowed(self, pending, now):
        """Bytes that may be written now (0: wait), of `pending` waiting."""
        self.credit = min(self.credit + (now - self.t) * self.rate, 2.0 * self.slice)
        self.t = now
        n = min(pending, int(self.credit))
        return n if n >= min(pending, self.slice) else 0

    def sent(self, n):
        self.credit -= n

    def wait(self, pending):
        """Seconds until allowed() gives bytes again."""
        return max(min(pending, self.slice) - self.credit, 1.0) / self.rate


class Board:
    """A virtual board: `open()` makes the port, `run()` serves it until `stop()`."""

    def __init__(
        self, flash, link=None, micropython=None, heapsize=None, log=None, *,
        baud=None, sticky_wdt=False,
    ):  # fmt: skip
        self.flash = os.path.abspath(flash)
        # A baud rate makes the port as slow as a board's UART, both ways; None: as fast as
        # the pty (a board's USB CDC).
        self._lines = (_Line(baud), _Line(baud)) if baud else None  # to the board, from it
        # The watchdog keeps running across soft resets, as on rp2 and ESP32 (else a soft
        # reset stops it).
        self.sticky_wdt = sticky_wdt
        self.link = link
        self.argv_head = [micropython or default_micropython()]
        if heapsize:
            self.argv_head += ["-X", "heapsize=%s" % heapsize]
        self.uid = hashlib.sha256(self.flash.encode()).digest()[:6]
        self.log = open(log, "ab", buffering=0) if log else None
        self.port = None
        self.master = -1
        self.child = None
        self.raw_mode = False  # which REPL the board is in: a soft reset keeps it
        self.to_child = bytearray()
        self.to_client = bytearray()
        self._tail = b""  # recent output, to spot banners split across reads
        self._in_tail = b""  # recent input, to spot mpremote's mount
        self._mounted = False  # mpremote's mount protocol runs: output is binary
        self._last_cr = False
        self._filter = None  # None, "sentinel" or "banner": see _emit()
        self._held = b""
        self._wdt = None  # (timeout_s, deadline) once firmware starts a machine.WDT
        self._wake_at = None  # deep sleep ends at this monotonic time
        self._hold = None  # input waits for the REPL until this monotonic time (interrupt)
        self._stopping = False

    # -- port ----------------------------------------------------------------------------

    def open(self):
        """Create the serial port (and its symlink); returns the pty's path."""
        self.master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing, no CR/LF games: a serial line
        self.port = os.ttyname(slave)
        os.close(slave)  # only clients hold the slave, so POLLHUP means "nobody listens"
        os.set_blocking(self.master, False)
        if self.link:
            os.makedirs(os.path.dirname(os.path.abspath(self.link)), exist_ok=True)
            if os.path.lexists(self.link) and not os.path.islink(self.link):
                raise FileExistsError("%s exists and is not a symlink" % self.link)
            tmp = "%s.%d.tmp" % (self.link, os.getpid())
            os.symlink(self.port, tmp)
            os.replace(tmp, self.link)
        return self.port

    def close(self):
        if self.child:
            self.child.kill()
            self.child = None
        if self.link and os.path.islink(self.link) and os.readlink(self.link) == self.port:
            os.unlink(self.link)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1
        if self.log:
            self.log.close()
            self.log = None

    def stop(self, *_):
        """Ask `run()` to return (safe from a signal handler)."""
        self._stopping = True

    def _client_connected(self):
        p = select.poll()
        p.register(self.master, 0)
        return not any(ev & select.POLLHUP for _, ev in p.poll(0))

    # -- resets --------------------------------------------------------------------------

    def _start(self, cause, run_main=True):
        self._mounted = False  # a reset unmounts; mpremote mounts again if it remounts
        self._filter, self._held = None, b""
        self.child = Child(self.argv_head, self.flash, cause, self.uid, run_main)
        if not run_main:
            # Boards come back from a soft reset in the raw REPL if they were in it; the
            # unix port always starts friendly, so type its Ctrl-A before anything else.
            self.to_child[0:0] = b"\x01"
            self._filter = "sentinel"
            self._hold = time.monotonic() + _HOLD_S  # until its REPL reads (see the top)

    def _end_child(self, drain=True):
        if drain:
            self._emit(self.child.read_all())
        status = self.child.kill()
        self.child = None
        return status

    def soft_reset(self):
        self._end_child()
        self._emit(SOFT_REBOOT)
        if not self.sticky_wdt:
            self._wdt = None
        self._start(startup.SOFT_RESET, run_main=not self.raw_mode)

    def hard_reset(self, cause=startup.SOFT_RESET, drain=True):
        """machine.reset(), a watchdog or a crash: input in flight is lost, as on a board."""
        if self.child:
            self._end_child(drain)
        self.to_child.clear()
        self._wdt = self._wake_at = None
        self.raw_mode = False
        self._filter = None
        self._emit(b"\r\n" + ROM_LINES[cause])
        self._start(cause)

    def _deepsleep(self, ms):
        self._end_child()
        self.to_child.clear()
        self._wdt = None
        self._wake_at = time.monotonic() + max(ms, 0) / 1000

    def _on_ctl(self, line):
        kind, arg = line[:1], line[1:]
        if kind == startup.CTL_RESET:
            self.hard_reset(startup.SOFT_RESET)
        elif kind == startup.CTL_SOFT:
            self.soft_reset()
        elif kind == startup.CTL_DEEPSLEEP:
            self._deepsleep(int(arg or 0))
        elif kind == startup.CTL_WDT:
            timeout = max(int(arg), 1) / 1000
            self._wdt = (timeout, time.monotonic() + timeout)
        elif kind == startup.CTL_FEED and self._wdt:
            self._wdt = (self._wdt[0], time.monotonic() + self._wdt[0])

    def _on_child_exit(self):
        """The interpreter ended by itself: Ctrl-D, raw REPL reset, SystemExit at the REPL."""
        status = self._end_child()
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 127:
            # exec failed (or the port's launcher is broken): restarting would only spin
            raise RuntimeError("cannot run the MicroPython unix port: %s" % self.argv_head[0])
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            self._emit(b"\r\nvboard: interpreter killed by signal %d\r\n" % sig)
            self.hard_reset(startup.HARD_RESET, drain=False)
        else:
            self._emit(SOFT_REBOOT)
            if not self.sticky_wdt:
                self._wdt = None
            self._start(startup.SOFT_RESET, run_main=not self.raw_mode)

    # -- data ----------------------------------------------------------------------------

    def _emit(self, data):
        """Board output to the client: filtered after a raw-mode restart, mode tracked."""
        if self._filter:
            data = self._held + data
            self._held = b""
            if self._filter == "sentinel":
                i = data.find(startup.RAW_SENTINEL)
                if i < 0:  # hold back what may be the start of a split sentinel
                    keep = len(startup.RAW_SENTINEL) - 1
                    data, self._held = data[:-keep], data[-keep:]
                else:
                    self._held, data = data[i + len(startup.RAW_SENTINEL) :], data[:i]
                    self._filter = "banner"
                    self._send(data)
                    data, self._held = self._held, b""
            if self._filter == "banner":
                i = data.find(RAW_BANNER)
                if i < 0:
                    self._held = data[-len(RAW_BANNER) :]
                    return
                data, self._filter = data[i:], None
        self._send(data)

    def _send(self, data):
        if not data:
            return
        if not self._mounted:
            # A board's HAL sends "\r\n" for every "\n" printed; the unix port relies on
            # the tty for that, and its pty is raw so that binary data stays intact.
            cooked = _LONE_LF.sub(b"\r\n", data)
            if self._last_cr and data[:1] == b"\n":
                cooked = cooked[1:]
            self._last_cr, data = data[-1:] == b"\r", cooked
        window = self._tail + data
        raw, friendly = window.rfind(RAW_BANNER), window.rfind(FRIENDLY_BANNER)
        if raw >= 0 or friendly >= 0:
            self.raw_mode = raw > friendly
        self._tail = window[-64:]
        if self.log:
            self.log.write(data)
        if self._client_connected():
            self.to_client += data  # else dropped: nobody is listening on the port

    def _from_client(self, data):
        window = self._in_tail + data
        mount, umount = window.rfind(_MOUNT), window.rfind(_UMOUNT)
        if mount >= 0 or umount >= 0:
            self._mounted = mount > umount
        self._in_tail = window[-32:]
        head, *rest = data.split(b"\x03")
        self.to_child += head
        for part in rest:
            if self.child and self.child.interruptible():
                os.kill(self.child.pid, signal.SIGINT)  # consumed, like a board's UART IRQ
                self._hold = time.monotonic() + _HOLD_S
            else:
                self.to_child += b"\x03"
            self.to_child += part

    def _write(self, fd, buf, limit=_CHUNK):
        """Bytes written (at most `limit`) from the head of buf."""
        try:
            n = os.write(fd, buf[:limit])
        except (BlockingIOError, InterruptedError, OSError):
            return 0
        del buf[:n]
        return n

    # -- loop ----------------------------------------------------------------------------

    def run(self):
        """Power on and serve the port until `stop()`."""
        self._emit(ROM_LINES[startup.PWRON_RESET])
        self._start(startup.PWRON_RESET)
        try:
            while not self._stopping:
                self._step()
        finally:
            self.close()

    def _step(self):
        connected = self._client_connected()
        if not connected:
            self.to_client.clear()
        lines, now = self._lines, time.monotonic()
        max_in = _UART_BUF if lines else _MAX_TO_CHILD
        max_out = _UART_BUF if lines else _MAX_TO_CLIENT
        # how much each way may go now (a slow line: within its baud rate)
        may_in = lines[0].allowed(len(self.to_child), now) if lines else _CHUNK
        may_out = lines[1].allowed(len(self.to_client), now) if lines else _CHUNK
        timeout = _TICK
        poller = select.poll()
        if connected:
            ev = select.POLLIN if len(self.to_child) < max_in else 0
            if self.to_client:
                if may_out:
                    ev |= select.POLLOUT
                else:
                    timeout = min(timeout, lines[1].wait(len(self.to_client)))
            poller.register(self.master, ev)
        child = self.child
        if self._hold and (not child or time.monotonic() > self._hold or child.reading()):
            self._hold = None
        if child:
            ev = select.POLLIN if len(self.to_client) < max_out else 0
            if self.to_child and not self._hold:
                if may_in:
                    ev |= select.POLLOUT
                else:
                    timeout = min(timeout, lines[0].wait(len(self.to_child)))
            poller.register(child.fd, ev)
            poller.register(child.ctl, select.POLLIN)
        events = dict(poller.poll(max(1, int(timeout * 1000 + 0.999))))

        ev = events.get(self.master, 0)
        if ev & select.POLLIN:
            try:
                self._from_client(os.read(self.master, min(_CHUNK, max_in - len(self.to_child))))
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as e:  # EIO: the client closed the port
                if e.errno != errno.EIO:
                    raise
        if ev & select.POLLOUT:
            n = self._write(self.master, self.to_client, may_out)
            if lines:
                lines[1].sent(n)

        if child:
            ev = events.get(child.fd, 0)
            if ev & select.POLLIN:
                try:
                    data = os.read(child.fd, 65536 if not lines else max_out)
                except BlockingIOError:
                    data = None
                except OSError:
                    data = b""
                if data:
                    self._emit(data)
                elif data == b"":
                    return self._on_child_exit()
            elif ev & (select.POLLHUP | select.POLLERR):
                return self._on_child_exit()
            if ev & select.POLLOUT and not self._hold:
                n = self._write(child.fd, self.to_child, may_in)
                if lines:
                    lines[0].sent(n)
            if events.get(child.ctl, 0):
                for line in child.read_ctl():
                    if self.child is child:
                        self._on_ctl(line)

        now = time.monotonic()
        if self._wdt and now > self._wdt[1]:
            self.hard_reset(startup.WDT_RESET)
        if self._wake_at is not None and now >= self._wake_at:
            self._wake_at = None
            self.hard_reset(startup.DEEPSLEEP_RESET)
        elif self._wake_at is not None:
            self.to_child.clear()  # asleep: the UART is off
