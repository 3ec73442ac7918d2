"""A stand-in for the ESP32's ROM serial loader on a pty, for testing `make flash` (host-side).

    python tools/esp_rom_standin.py --link build/esp0 --flash build/esp-flash.bin [--log F]
    make flash PORT=build/esp0 BOARD=esp32 IMAGE=x.bin RESET=no

It speaks the loader's public serial protocol as esptool drives it: SLIP frames (0xC0 ends,
0xDB escapes), a request `00 op len16 checksum32 data`, a response `01 op len16 value32 data
status`. In ROM mode: SYNC (eight answers), READ_REG/WRITE_REG on a register file (the chip
detect magic at 0x40001000, eFuses, the UART divider; an SPI "user command" written to the
SPI0 registers runs: RDID answers a JEDEC id of the flash size, SFDP its signature),
SPI_ATTACH, SPI_SET_PARAMS, FLASH_BEGIN/DATA/END, FLASH_DEFL_BEGIN/DATA/END (zlib),
SPI_FLASH_MD5, CHANGE_BAUDRATE, MEM_BEGIN/DATA/END. A MEM_END with an entry point "starts"
the uploaded stub: the stand-in answers "OHAI" and from then on in the stub's dialect
(2 status bytes, a binary MD5, ERASE_FLASH and ERASE_REGION, sizes in bytes), until a
FLASH_END asks to reboot into the ROM. Anything else gets the ROM's "invalid message".

The flash is a file (`--flash`, made of 0xFF at the flash size if missing), mapped into
memory, so what was written is in it at once. Writes clear bits only (NOR flash: a sector
must be erased, all 0xFF, before it takes new data), so a write without its erase shows.
Every request is one JSON line in `--log` (op name and decoded fields, never the data).
It does not run the stub it is sent, keep timing, change a real baud rate or reset on
DTR/RTS (a pty has no modem lines: esptool runs with --before/--after no-reset).
"""

import argparse
import hashlib
import json
import mmap
import os
import signal
import struct
import sys
import tty
import zlib

OPS = {
    0x02: "FLASH_BEGIN", 0x03: "FLASH_DATA", 0x04: "FLASH_END", 0x05: "MEM_BEGIN",
    0x06: "MEM_END", 0x07: "MEM_DATA", 0x08: "SYNC", 0x09: "WRITE_REG", 0x0A: "READ_REG",
    0x0B: "SPI_SET_PARAMS", 0x0D: "SPI_ATTACH", 0x0F: "CHANGE_BAUDRATE",
    0x10: "FLASH_DEFL_BEGIN", 0x11: "FLASH_DEFL_DATA", 0x12: "FLASH_DEFL_END",
    0x13: "SPI_FLASH_MD5", 0x14: "GET_SECURITY_INFO", 0xD0: "ERASE_FLASH", 0xD1: "ERASE_REGION",
}  # fmt: skip
_STUB_ONLY = ("ERASE_FLASH", "ERASE_REGION")
_NOT_ESP32 = ("GET_SECURITY_INFO",)  # ESP32-S2 and later ROMs only

# ROM error codes (the byte after a failed status).
_E_INVALID, _E_FAILED, _E_CRC, _E_WRITE, _E_DEFLATE = 0x05, 0x06, 0x07, 0x08, 0x0B
_CHECKSUM_SEED = 0xEF
_SECTOR = 0x1000

ESP32_MAGIC = 0x00F01D83  # at CHIP_DETECT_MAGIC_REG (0x40001000) on an ESP32
_MAGIC_REG = 0x40001000
_EFUSE = 0x3FF5A000  # EFUSE_BLK0_RDATA0; words 1 and 2 hold the MAC
_UART_CLKDIV = 0x3FF40014
_RTCCALICFG1 = 0x3FF5F06C
_SPI = 0x3FF42000  # SPI0 (the flash's): CMD +0, USR2 +0x24, W0 +0x80
_SPI_CMD_USR = 1 << 18
_SPI_RDID, _SPI_RDSFDP = 0x9F, 0x5A
_JEDEC_SIZE = {1: 0x14, 2: 0x15, 4: 0x16, 8: 0x17, 16: 0x18}  # MB -> RDID capacity byte


def checksum(data):
    c = _CHECKSUM_SEED
    for b in data:
        c ^= b
    return c


class Slip:
    """SLIP (RFC 1055) framing as the loader uses it: each packet between two 0xC0."""

    def __init__(self):
        self.buf, self.inside, self.esc = bytearray(), False, False

    def feed(self, data):
        for b in data:
            if b == 0xC0:
                if self.inside and self.buf:
                    yield bytes(self.buf)
                self.buf, self.inside, self.esc = bytearray(), True, False
            elif not self.inside:
                continue  # noise between frames (a boot log, a stray byte)
            elif self.esc:
                self.buf.append({0xDC: 0xC0, 0xDD: 0xDB}.get(b, b))
                self.esc = False
            elif b == 0xDB:
                self.esc = True
            else:
                self.buf.append(b)

    @staticmethod
    def frame(packet):
        return (
            b"\xc0" + packet.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc") + b"\xc0"
        )


class Loader:
    """The protocol, sans I/O: handle(packet) -> [response packets]."""

    def __init__(self, flash, flash_mb=4, magic=ESP32_MAGIC, log=None):
        self.flash, self.flash_mb, self.log = flash, flash_mb, log
        self.stub = False
        self.regs = {
            _MAGIC_REG: magic, _EFUSE + 4: 0xC4123456, _EFUSE + 8: 0x240A,  # 24:0a:c4:12:34:56
            _UART_CLKDIV: 347,  # 40 MHz / 115200: esptool's crystal estimate in ROM mode
            _RTCCALICFG1: 800 << 7, _EFUSE + 16: 128,  # the stub's estimate: 40 MHz too
        }  # fmt: skip
        self.write = None  # the flash download in progress: dict

    def record(self, op, **fields):
        if self.log:
            self.log.write(json.dumps(dict(op=op, stub=self.stub, **fields)) + "\n")
            self.log.flush()

    def reply(self, op, value=0, data=b"", error=0):
        status = bytes([1 if error else 0, error]) + (b"" if self.stub else b"\0\0")
        body = data + status
        return struct.pack("<BBHI", 1, op, len(body), value) + body

    def handle(self, packet):
        if len(packet) < 8 or packet[0] != 0:  # not a request: the ROM ignores it
            self.record("malformed", size=len(packet))
            return []
        _, op, size, chk = struct.unpack_from("<BBHI", packet)
        data = packet[8:]
        name = OPS.get(op)
        if (
            len(data) != size
            or name is None
            or (name in _STUB_ONLY and not self.stub)
            or name in _NOT_ESP32
        ):
            self.record(name or "0x%02x" % op, refused="invalid message")
            return [self.reply(op, error=_E_INVALID)]
        try:
            return getattr(self, "op_" + name.lower())(op, data, chk)
        except (struct.error, ValueError) as e:
            self.record(name, refused=str(e))
            return [self.reply(op, error=_E_FAILED)]

    # -- ROM and stub alike

    def op_sync(self, op, data, chk):
        self.record("SYNC")
        if data != b"\x07\x07\x12\x20" + b"\x55" * 32:
            return [self.reply(op, error=_E_INVALID)]
        # The ROM answers a SYNC eight times, with a non-zero value (the stub: zero).
        return [self.reply(op, 0 if self.stub else 0x20120707)] * (1 if self.stub else 8)

    def op_read_reg(self, op, data, chk):
        (addr,) = struct.unpack("<I", data)
        value = self.regs.get(addr, 0)
        self.record("READ_REG", addr=addr, value=value)
        return [self.reply(op, value)]

    def op_write_reg(self, op, data, chk):
        for i in range(0, len(data), 16):
            addr, value, mask, _ = struct.unpack_from("<IIII", data, i)
            self.regs[addr] = (self.regs.get(addr, 0) & ~mask | value & mask) & 0xFFFFFFFF
            self.record("WRITE_REG", addr=addr, value=value)
            if addr == _SPI and value & _SPI_CMD_USR:
                self.spi_command()
        return [self.reply(op)]

    def spi_command(self):
        """The SPI0 'user command' esptool composes in registers (flash_id, SFDP read)."""
        cmd = self.regs.get(_SPI + 0x24, 0) & 0xFF
        if cmd == _SPI_RDID:  # manufacturer 0xEF (Winbond), type 0x40, capacity
            w0 = _JEDEC_SIZE.get(self.flash_mb, 0x16) << 16 | 0x40 << 8 | 0xEF
        elif cmd == _SPI_RDSFDP:
            w0 = 0x50444653  # "SFDP"
        else:
            w0 = 0
        self.regs[_SPI + 0x80] = w0
        self.regs[_SPI] = 0  # done: the USR bit clears

    def op_spi_attach(self, op, data, chk):
        # ROM: the pins word and a 4-byte "is legacy"; stub: the pins word only.
        if len(data) != (4 if self.stub else 8):
            raise ValueError("SPI_ATTACH takes %d bytes" % (4 if self.stub else 8))
        self.record("SPI_ATTACH", pins=struct.unpack_from("<I", data)[0])
        return [self.reply(op)]

    def op_spi_set_params(self, op, data, chk):
        _, total, block, sector, page, _ = struct.unpack("<IIIIII", data)
        self.record("SPI_SET_PARAMS", total=total)
        if total > len(self.flash) or sector != _SECTOR:
            raise ValueError("flash parameters do not match the chip")
        return [self.reply(op)]

    def op_change_baudrate(self, op, data, chk):
        new, old = struct.unpack("<II", data)
        self.record("CHANGE_BAUDRATE", baud=new, old=old)
        return [self.reply(op)]

    def op_mem_begin(self, op, data, chk):
        size, blocks, block, addr = struct.unpack("<IIII", data)
        self.record("MEM_BEGIN", size=size, addr=addr)
        return [self.reply(op)]

    def op_mem_data(self, op, data, chk):
        n, seq, _, _ = struct.unpack_from("<IIII", data)
        if n != len(data) - 16 or checksum(data[16:]) != chk & 0xFF:
            self.record("MEM_DATA", seq=seq, refused="checksum")
            return [self.reply(op, error=_E_CRC)]
        self.record("MEM_DATA", seq=seq, size=n)
        return [self.reply(op)]

    def op_mem_end(self, op, data, chk):
        no_entry, entry = struct.unpack("<II", data)
        self.record("MEM_END", entry=entry)
        out = [self.reply(op)]
        if not no_entry and entry and not self.stub:  # the uploaded stub "runs"
            self.stub = True
            out.append(b"OHAI")
        return out

    # -- the flash

    def erase(self, start, size):
        """Whole sectors, from `start` (sector-aligned) to past start + size."""
        if start % _SECTOR or start >= len(self.flash):
            raise ValueError("erase at 0x%x" % start)
        end = min(len(self.flash), -(-(start + size) // _SECTOR) * _SECTOR)
        self.flash[start:end] = b"\xff" * (end - start)

    def program(self, addr, data):
        """NOR flash: a write clears bits, never sets them."""
        if addr + len(data) > len(self.flash):
            raise ValueError("write past the end of flash")
        old = self.flash[addr : addr + len(data)]
        x = int.from_bytes(old, "little") & int.from_bytes(data, "little")
        self.flash[addr : addr + len(data)] = x.to_bytes(len(data), "little")

    def begin(self, op, data, deflate):
        name = "FLASH_DEFL_BEGIN" if deflate else "FLASH_BEGIN"
        # The ESP32's ROM takes 4 words; the stub (and later chips' ROMs) a 5th: encrypted.
        if len(data) != (20 if self.stub else 16):
            raise ValueError("%s takes %d bytes" % (name, 20 if self.stub else 16))
        size, blocks, block, offset = struct.unpack_from("<IIII", data)
        self.record(name, size=size, blocks=blocks, block=block, offset=offset)
        if size:  # the ROM erases up front (the stub as it writes: same file content)
            self.erase(offset, size)
        self.write = {"offset": offset, "at": offset, "block": block, "blocks": blocks,
                      "seq": 0, "z": zlib.decompressobj() if deflate else None}  # fmt: skip
        return [self.reply(op)]

    def block(self, op, data, chk, deflate):
        name = "FLASH_DEFL_DATA" if deflate else "FLASH_DATA"
        w = self.write
        n, seq, _, _ = struct.unpack_from("<IIII", data)
        payload = data[16:]
        if w is None or (w["z"] is not None) != deflate:
            self.record(name, seq=seq, refused="no matching begin")
            return [self.reply(op, error=_E_FAILED)]
        if n != len(payload) or checksum(payload) != chk & 0xFF:
            self.record(name, seq=seq, refused="checksum")
            return [self.reply(op, error=_E_CRC)]
        if seq != w["seq"]:
            self.record(name, seq=seq, refused="sequence")
            return [self.reply(op, error=_E_FAILED)]
        if deflate:
            try:
                payload = w["z"].decompress(payload)
            except zlib.error:
                self.record(name, seq=seq, refused="deflate")
                return [self.reply(op, error=_E_DEFLATE)]
        self.program(w["at"], payload)
        self.record(name, seq=seq, at=w["at"], size=len(payload))
        w["at"] += len(payload)
        w["seq"] += 1
        return [self.reply(op)]

    def finish(self, op, data, name):
        (stay,) = struct.unpack("<I", data)
        self.record(name, reboot=not stay)
        self.write = None
        out = [self.reply(op)]
        if not stay:  # reboot: out of the stub, back to the ROM (as a reset would)
            self.stub = False
        return out

    def op_flash_begin(self, op, data, chk):
        return self.begin(op, data, False)

    def op_flash_data(self, op, data, chk):
        return self.block(op, data, chk, False)

    def op_flash_end(self, op, data, chk):
        return self.finish(op, data, "FLASH_END")

    def op_flash_defl_begin(self, op, data, chk):
        return self.begin(op, data, True)

    def op_flash_defl_data(self, op, data, chk):
        return self.block(op, data, chk, True)

    def op_flash_defl_end(self, op, data, chk):
        return self.finish(op, data, "FLASH_DEFL_END")

    def op_spi_flash_md5(self, op, data, chk):
        addr, size, _, _ = struct.unpack("<IIII", data)
        if addr + size > len(self.flash):
            raise ValueError("MD5 past the end of flash")
        digest = hashlib.md5(self.flash[addr : addr + size])
        self.record("SPI_FLASH_MD5", addr=addr, size=size, md5=digest.hexdigest())
        # ROM: 32 hex digits; stub: the 16 bytes.
        return [self.reply(op, data=digest.digest() if self.stub else digest.hexdigest().encode())]

    def op_erase_flash(self, op, data, chk):
        self.record("ERASE_FLASH")
        self.erase(0, len(self.flash))
        return [self.reply(op)]

    def op_erase_region(self, op, data, chk):
        offset, size = struct.unpack("<II", data)
        self.record("ERASE_REGION", offset=offset, size=size)
        self.erase(offset, size)
        return [self.reply(op)]


def open_flash(path, flash_mb):
    size = flash_mb << 20
    if not os.path.exists(path) or os.path.getsize(path) != size:
        with open(path, "wb") as f:
            f.write(b"\xff" * size)
    f = open(path, "r+b")
    return f, mmap.mmap(f.fileno(), size)


def serve(link, flash_path, flash_mb=4, magic=ESP32_MAGIC, log_path=None):
    master, slave = os.openpty()
    tty.setraw(slave)  # the slave stays open here too: the master never sees EIO (no client)
    tmp = link + ".tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(os.ttyname(slave), tmp)
    os.replace(tmp, link)
    f, flash = open_flash(flash_path, flash_mb)
    log = open(log_path, "a") if log_path else None
    loader, slip = Loader(flash, flash_mb, magic, log), Slip()

    def stop(*_):
        flash.flush()
        if os.path.islink(link):
            os.unlink(link)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print("esp_rom_standin: %s -> %s, flash %s (%d MB)" % (link, os.ttyname(slave), flash_path,
          flash_mb), flush=True)  # fmt: skip
    try:
        while True:
            for packet in slip.feed(os.read(master, 65536)):
                for out in loader.handle(packet):
                    os.write(master, Slip.frame(out))
    except KeyboardInterrupt:
        stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description="The ESP32 ROM serial loader's stand-in on a pty.")
    ap.add_argument("--link", required=True, help="symlink to the pty (the PORT to flash)")
    ap.add_argument("--flash", required=True, help="file holding the flash")
    ap.add_argument("--flash-mb", type=int, default=4, choices=sorted(_JEDEC_SIZE))
    ap.add_argument("--magic", type=lambda s: int(s, 0), default=ESP32_MAGIC,
                    help="chip detect value (another chip's, to test a wrong board)")  # fmt: skip
    ap.add_argument("--log", help="JSON lines: every request received")
    a = ap.parse_args(argv)
    serve(a.link, a.flash, a.flash_mb, a.magic, a.log)


if __name__ == "__main__":
    main()
