"""The MicroPython code the virtual board runs first in every interpreter it starts.

The unix port boots as a desktop program: the host's root directory is mounted at `/`,
`sys.path` points into the home directory, `machine.reset` does not exist and nothing runs
`boot.py` or `main.py`. A board boots differently, and firmware depends on the difference.
`snippet()` returns source for `micropython -i -c SNIPPET` that turns the first into the
second before any user code runs; `-i` then drops into the REPL as a board does.

The snippet talks back to the host tool over an inherited pipe (`ctl_fd`): one ASCII line
per event, because the unix port cannot end its own process abruptly (no `os._exit`) and a
board's resets must not unwind through the firmware's `finally` blocks.
"""

# Lines the board writes on the control pipe; `board.py` parses them.
CTL_RESET = "R"  # machine.reset(): hard reset
CTL_SOFT = "S"  # SystemExit out of boot.py/main.py: soft reset
CTL_DEEPSLEEP = "D"  # machine.deepsleep(ms): "D<ms>", then a reset with DEEPSLEEP_RESET
CTL_WDT = "W"  # machine.WDT(timeout=ms): "W<ms>"
CTL_FEED = "F"  # WDT.feed()

# machine.reset_cause() values: the ESP32 port's numbering (rp2 shares 1 and 3).
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

# Printed after boot.py when the board comes back from a soft reset in raw-REPL mode: the
# host strips everything from here up to the raw REPL banner (the unix port's friendly
# banner and echo), so the output matches a board's "soft reboot ... raw REPL" exactly.
RAW_SENTINEL = b"\x1b]vboard-raw\x07"

_SOURCE = r"""
def _vboard(flash, ctl_fd, cause, uid, run_main, sentinel):
    import io, os, sys, time

    # A board has its flash at "/" and "/" as the cwd. The unix port mounted the host's "/"
    # there; swap it for the flash directory before anything imports or opens a file.
    # Flash wraps a VfsPosix rather than subclassing it: the import machinery treats a
    # mounted object of a native-derived class as the C struct, and finds nothing.
    class Flash:
        def __init__(self, root):
            self.v = os.VfsPosix(root)

        def mount(self, readonly, mkfs):
            self.v.mount(readonly, mkfs)

        def umount(self):
            self.v.umount()

        def open(self, path, mode):
            return self.v.open(path, mode)

        def chdir(self, path):
            self.v.chdir(path)

        def getcwd(self):
            return self.v.getcwd()

        def mkdir(self, path):
            self.v.mkdir(path)

        def remove(self, path):
            self.v.remove(path)

        def rmdir(self, path):
            self.v.rmdir(path)

        def stat(self, path):
            return self.v.stat(path)

        def statvfs(self, path):
            return self.v.statvfs(path)

        # VfsPosix.rename() builds both host paths in one shared buffer, so with two
        # absolute paths the second overwrites the first and rename("/a.tmp", "/a") fails
        # with ENOENT. Hand it the new path relative to the process cwd instead.
        def rename(self, old, new):
            if old[:1] == "/" and new[:1] == "/":
                depth = len([p for p in self.v.getcwd().split("/") if p])
                new = "../" * depth + new[1:]
            self.v.rename(old, new)

        # Boards' filesystems list (name, type, inode, size); VfsPosix leaves out the
        # size, so `mpremote ls` would show 0 for every file.
        def ilistdir(self, path):
            for entry in self.v.ilistdir(path):
                size = 0
                if entry[1] == 0x8000:
                    p = entry[0] if path in ("", ".") else path.rstrip("/") + "/" + entry[0]
                    size = self.v.stat(p)[6]
                yield (entry[0], entry[1], entry[2], size)

    os.umount("/")
    os.mount(Flash(flash), "/")
    os.chdir("/")
    sys.path.clear()
    sys.path.extend(["", ".frozen", "/lib"])

    ctl = open(ctl_fd, "wb")

    def tell(line):
        ctl.write(line.encode() + b"\n")

    def halt(line):
        # Wait for the host to end this process; a Ctrl-C must not resume the firmware.
        tell(line)
        while True:
            try:
                time.sleep(1)
            except BaseException:
                pass

    import machine as _real

    class WDT:
        def __init__(self, id=0, timeout=5000):
            tell("W%d" % timeout)

        def feed(self):
            tell("F")

    class Machine:
        # The unix port's machine module is read-only, so the board's "machine" is this
        # object in sys.modules: everything the unix port has, plus what firmware calls.
        pass

    m = Machine()
    for name in dir(_real):
        if not name.startswith("__"):
            setattr(m, name, getattr(_real, name))
    m.__name__ = "machine"
    m.PWRON_RESET, m.HARD_RESET, m.WDT_RESET = 1, 2, 3
    m.DEEPSLEEP_RESET, m.SOFT_RESET = 4, 5
    m.WDT = WDT
    m.reset = lambda: halt("R")
    m.deepsleep = lambda ms=0: halt("D%d" % ms)
    m.lightsleep = lambda ms=0: time.sleep_ms(ms)
    m.reset_cause = lambda: cause
    m.unique_id = lambda: uid
    m.freq = lambda *a: 160000000
    sys.modules["machine"] = m

    g = globals()

    def run(name):
        # Like pyexec_file_if_exists(): a missing file is success; an exception is printed
        # and reported as failure; SystemExit (sys.exit, machine.soft_reset) soft-resets.
        try:
            with open(name) as f:
                src = f.read()
        except OSError:
            return True
        try:
            exec(compile(src, name, "exec"), g)
            return True
        except SystemExit:
            halt("S")
        except BaseException as e:
            # Print it as a board would: without this snippet's own frame.
            buf = io.StringIO()
            sys.print_exception(e, buf)
            for line in buf.getvalue().split("\n"):
                if line and not line.startswith('  File "<stdin>"'):
                    print(line)
            return False

    # As ports/esp32 and ports/rp2 main.c: main.py runs only in friendly-REPL mode and
    # only if boot.py succeeded.
    if run("boot.py") and run_main:
        run("main.py")
    if sentinel:
        sys.stdout.write(sentinel)


try:
    _vboard(@ARGS@)
finally:
    del _vboard
"""


def snippet(flash, ctl_fd, cause, uid, run_main):
    """Source for `micropython -c`: `flash` is the host directory that becomes `/`.

    `run_main` is False after a soft reset from the raw REPL: boards then skip main.py and
    print the raw REPL banner (the host types Ctrl-A for the interpreter).
    """
    sentinel = "" if run_main else RAW_SENTINEL.decode()
    args = ", ".join(repr(a) for a in (flash, ctl_fd, cause, uid, run_main, sentinel))
    return _SOURCE.replace("@ARGS@", args)
