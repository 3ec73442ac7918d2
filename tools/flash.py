"""Put MicroPython on a board: `make flash BOARD=esp32 PORT=/dev/ttyUSB0 IMAGE=x.bin`, or
`make flash BOARD=picow` (the .uf2 onto the RPI-RP2 drive). Host-side; never on a board.

ESP32 family: the image is checked here first, then esptool (pinned in requirements-dev.txt)
runs once: it syncs with the ROM loader, uploads its stub, erases the whole flash
(`--erase-all`; --keep-fs: only the sectors written, so the filesystem after the image
survives), writes the image at the chip's offset and verifies it by MD5 (SPI_FLASH_MD5).
Then `make deploy` puts our firmware and config.json on the fresh MicroPython.

Pico W / Pico: the .uf2 (default build/firmware/RPI_PICO_W.uf2 from `make firmware
BOARD=picow`) is checked, then copied to the mounted RPI-RP2 drive the RP2040's boot ROM
shows in BOOTSEL mode; with no drive, it says how to get one.

Bad input loses nothing: an image that is truncated, for another chip or not an image at
all is refused with the reason before the board is touched (no esptool run, no byte on the
drive). `--check` only checks. Exit status: 0 done, 1 the board or drive failed (esptool's
own message above), 2 refused (bad image, missing argument).
"""

import argparse
import glob
import importlib.util
import os
import subprocess
import sys

from fwimage import BOARDS, ESP_CHIPS, UF2_BOARDS, BadImage, check_uf2, checked


def find_drive(drive=None):
    """The RPI-RP2 drive: `drive` if given (it must hold the boot ROM's INFO_UF2.TXT), else
    the one mounted under /media/USER or /run/media/USER; None if there is none."""
    found = [drive] if drive else glob.glob("/media/*/RPI-RP2") + glob.glob("/run/media/*/RPI-RP2")
    found += [] if drive else glob.glob("/media/RPI-RP2")
    for d in found:
        if os.path.isfile(os.path.join(d, "INFO_UF2.TXT")):
            return d
    if drive:
        raise BadImage(
            "%s is not an RPI-RP2 drive (no INFO_UF2.TXT): is the board in BOOTSEL mode?" % drive
        )
    return None


_HOW_BOOTSEL = """\
flash: no RPI-RP2 drive is mounted. To get one:
  1. unplug the board; hold its BOOTSEL button while plugging it in, then let go
     (a board already running MicroPython: .venv/bin/mpremote connect PORT bootloader);
  2. the RP2040's boot ROM shows a USB drive named RPI-RP2; mount it if your desktop
     does not (it then is /media/$USER/RPI-RP2);
  3. again: make flash BOARD={board} [DRIVE=/path/to/RPI-RP2]
  (by hand: copy {image} onto the drive; the board restarts when the copy ends)."""


def flash_uf2(board, image, drive=None):
    with open(image, "rb") as f:
        data = f.read()
    print(checked(board, image, data))
    where = find_drive(drive)
    if where is None:
        print(_HOW_BOOTSEL.format(board=board, image=image), file=sys.stderr)
        return 1
    dest = os.path.join(where, os.path.basename(image))
    # One write, then fsync: the boot ROM writes each block to flash as it arrives and
    # restarts the board after the last one, whatever the file is called.
    try:
        with open(dest, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        print("flash: copying to %s failed (%s): BOOTSEL again, then flash again" % (where, e),
              file=sys.stderr)  # fmt: skip
        return 1
    print("flash: copied to %s; the board restarts into MicroPython." % dest)
    if "app" in check_uf2(data, board).get("frozen", ()):
        print("flash: next, its configuration: .venv/bin/mpremote cp config.json :")
    else:  # a plain MicroPython: the firmware too
        print("flash: next, our firmware and config.json: make deploy PORT=/dev/ttyACM0 "
              "BOARD=%s" % board)  # fmt: skip
    return 0


def esptool_args(board, image, port, baud=460800, reset=True, keep_fs=False):
    """esptool's command line: one session that erases, writes and verifies."""
    chip, offset, _ = ESP_CHIPS[board]
    args = [sys.executable, "-m", "esptool", "--chip", chip, "--port", port, "--baud", str(baud)]
    if not reset:  # no DTR/RTS wiring to EN and IO0: the user puts the chip in its loader
        args += ["--before", "no-reset", "--after", "no-reset"]
    args += ["write-flash"] + ([] if keep_fs else ["--erase-all"]) + ["0x%x" % offset, image]
    return args


def flash_esp(board, image, port, baud=460800, reset=True, keep_fs=False):
    with open(image, "rb") as f:
        data = f.read()
    print(checked(board, image, data))
    if not port:
        raise BadImage("no serial port: make flash PORT=/dev/ttyUSB0 BOARD=%s IMAGE=..." % board)
    if importlib.util.find_spec("esptool") is None:
        print("flash: esptool is not installed here: make setup", file=sys.stderr)
        return 1
    args = esptool_args(board, image, port, baud, reset, keep_fs)
    print("flash: " + " ".join(args[1:]), flush=True)
    rc = subprocess.call(args)
    if rc:
        print("flash: esptool failed (status %d); the board may hold a partial image: "
              "flash again" % rc, file=sys.stderr)  # fmt: skip
        return 1
    print("flash: done. Next, our firmware and config.json: make deploy PORT=%s BOARD=%s"
          % (port, board))  # fmt: skip
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--board", choices=BOARDS, required=True)
    ap.add_argument("--image", help="ESP: MicroPython's .bin; Pico: the .uf2 "
                    "(default build/firmware/RPI_PICO_W.uf2 or RPI_PICO.uf2)")  # fmt: skip
    ap.add_argument("--port", help="ESP: the serial port (/dev/ttyUSB0)")
    ap.add_argument("--baud", type=int, default=460800, help="ESP: write speed (esptool)")
    ap.add_argument("--no-reset", action="store_true", help="ESP: no DTR/RTS reset into the "
                    "loader (hold BOOT, press EN yourself), none after")  # fmt: skip
    ap.add_argument("--keep-fs", action="store_true", help="ESP: erase only what is written; "
                    "the filesystem after the image stays")  # fmt: skip
    ap.add_argument("--drive", help="Pico: the mounted RPI-RP2 drive (default: found)")
    ap.add_argument("--check", action="store_true", help="check the image only")
    a = ap.parse_args(argv)
    image = a.image
    if image is None and a.board in UF2_BOARDS:
        image = os.path.join("build", "firmware", UF2_BOARDS[a.board])
    try:
        if image is None:
            raise BadImage("no image: make flash BOARD=%s PORT=... IMAGE=<MicroPython .bin "
                           "for this chip>" % a.board)  # fmt: skip
        if not os.path.isfile(image):
            hint = "" if a.image else " (make firmware BOARD=%s builds it)" % a.board
            raise BadImage("%s: no such file%s" % (image, hint))
        if a.check:
            with open(image, "rb") as f:
                data = f.read()
            print(checked(a.board, image, data))
            return 0
        if a.board in UF2_BOARDS:
            return flash_uf2(a.board, image, a.drive)
        return flash_esp(a.board, image, a.port, a.baud, not a.no_reset, a.keep_fs)
    except BadImage as e:
        print("flash: refused, nothing written to the board: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
