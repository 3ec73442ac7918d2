"""The images `make flash` puts on a board, checked before anything reaches it (host-side).

    check_esp_image(data, board)   MicroPython's merged .bin for an ESP32-family chip
    check_uf2(data, board)         a .uf2 for the RP2040 (Pico W, Pico)
    checked(board, name, data)     either, as one line for the user

Each raises BadImage, a ValueError whose message says what is wrong and where (truncated at
which offset, made for which chip, which checksum), or returns what it found. They read the
formats' own fields: ESP-IDF's esp_image_header_t (magic 0xE9, segments, checksum seeded
0xEF, SHA-256) and partition table (0xAA50 entries, an MD5 entry); Microsoft's UF2 (three
magic numbers per 512-byte block, the family id) and the pico-sdk's binary info.
"""

import hashlib
import struct

# board: (esptool --chip, flash offset of MicroPython's image, chip id in its header).
# The offset is where the second-stage bootloader starts, as MicroPython's download pages
# give it: 0x1000 on the ESP32 and S2, 0x0 on the later chips.
ESP_CHIPS = {
    "esp32": ("esp32", 0x1000, 0), "esp32s2": ("esp32s2", 0x1000, 2),
    "esp32s3": ("esp32s3", 0x0, 9), "esp32c3": ("esp32c3", 0x0, 5),
    "esp32c6": ("esp32c6", 0x0, 13),
}  # fmt: skip
# The chip id of an ESP image's extended header (esp_image_header_t.chip_id) and its name.
CHIP_NAMES = {
    0: "ESP32", 2: "ESP32-S2", 5: "ESP32-C3", 9: "ESP32-S3", 12: "ESP32-C2", 13: "ESP32-C6",
    16: "ESP32-H2", 18: "ESP32-P4",
}  # fmt: skip
UF2_BOARDS = {"picow": "RPI_PICO_W.uf2", "pico": "RPI_PICO.uf2"}
BOARDS = tuple(ESP_CHIPS) + tuple(UF2_BOARDS)

_ESP_MAGIC = 0xE9
_CHECKSUM_SEED = 0xEF
_MAX_SEGMENTS = 16
# Flash size nibble (high half of header byte 3) -> bytes; 32 MB and up only on later chips.
_FLASH_SIZES = {n: (1 << 20) << n for n in range(8)}
_PART_TABLE = 0x8000  # flash address of the partition table (CONFIG_PARTITION_TABLE_OFFSET)
_PART_TABLE_MAX = 0xC00  # bytes: the table sector less its reserved end
_PART_MAGIC = b"\xaa\x50"
_PART_MD5 = b"\xeb\xeb"

# UF2 (the format the RP2040's boot ROM takes on its USB drive): 512-byte blocks.
_UF2_BLOCK = 512
_UF2_MAGIC0, _UF2_MAGIC1, _UF2_MAGIC_END = 0x0A324655, 0x9E5D5157, 0x0AB16F30
_UF2_NOT_MAIN_FLASH, _UF2_FAMILY_PRESENT = 0x1, 0x2000
RP2040_FAMILY = 0xE48BFF56
_UF2_FAMILIES = {0xE48BFF59: "RP2350 (Pico 2)", 0x1C5F21B0: "ESP32", 0x68ED2B88: "SAMD21"}
_RP2040_PAYLOAD = 256  # the boot ROM writes 256-byte pages and ignores other blocks
_RP2040_FLASH, _RP2040_FLASH_MAX = 0x10000000, 16 << 20  # XIP base, largest QSPI flash
# pico-sdk binary info (pico/binary_info/defs.h, structure.h): what the image says it is.
_BI_MARKER_START, _BI_MARKER_END = 0x7188EBF2, 0xE71AA390
_BI_TYPE_ID_AND_STRING = 6
_BI_RP, _BI_MP = 0x5052, 0x504D  # tags: 'R','P' (Raspberry Pi), 'M','P' (MicroPython)
_BI_KEYS = {(_BI_RP, 0xB63CFFBB): "board", (_BI_RP, 0x02031C86): "program",
            (_BI_RP, 0x11A9BC3A): "version"}  # fmt: skip
_BI_MP_FROZEN = (_BI_MP, 0x4A99D719)
_SDK_BOARDS = {"picow": "pico_w", "pico": "pico"}  # our BOARD -> PICO_BOARD of its image


class BadImage(ValueError):
    """The image cannot go on the board; the message says why."""


def _size(n):
    return "%d MB" % (n >> 20) if n >= 1 << 20 and not n & 0xFFFFF else "%d bytes" % n


def _esp_image(data, pos, chip_id, what):
    """Check one ESP image (esp_image_header_t, segments, checksum, SHA-256) at data[pos:];
    returns (its end in data, flash size from its header)."""
    if len(data) < pos + 24:
        raise BadImage("truncated: the file ends inside the %s's header" % what)
    magic, nseg, mode, size_freq = data[pos : pos + 4]
    if magic != _ESP_MAGIC:
        raise BadImage(
            "not an ESP image: the %s at file offset 0x%x starts with 0x%02x, not 0x%02x"
            % (what, pos, magic, _ESP_MAGIC)
        )
    img_chip = struct.unpack_from("<H", data, pos + 12)[0]
    if img_chip != chip_id:
        raise BadImage(
            "the %s is for %s (chip id %d), not %s: take the image made for this board"
            % (what, CHIP_NAMES.get(img_chip, "an unknown chip"), img_chip, CHIP_NAMES[chip_id])
        )
    hashed = data[pos + 23]
    if not 1 <= nseg <= _MAX_SEGMENTS or mode > 5 or size_freq >> 4 > 7 or hashed > 1:
        raise BadImage("not an ESP image: the %s's header is not valid" % what)
    p, csum = pos + 24, _CHECKSUM_SEED
    for i in range(nseg):
        if len(data) < p + 8:
            raise BadImage("truncated: the file ends inside the %s's segment %d" % (what, i))
        n = struct.unpack_from("<I", data, p + 4)[0]
        p += 8
        if len(data) < p + n:
            raise BadImage(
                "truncated: the %s's segment %d needs bytes up to file offset 0x%x, the file "
                "ends at 0x%x" % (what, i, p + n, len(data))
            )
        for b in data[p : p + n]:
            csum ^= b
        p += n
    p += 15 - p % 16  # padding: the checksum is the last byte of a 16-byte unit
    if len(data) < p + 1 + 32 * hashed:
        raise BadImage("truncated: the file ends before the %s's checksum" % what)
    if data[p] != csum:
        raise BadImage("corrupt: the %s's checksum does not match its data" % what)
    p += 1
    if hashed:
        if hashlib.sha256(data[pos:p]).digest() != data[p : p + 32]:
            raise BadImage("corrupt: the %s's SHA-256 does not match its data" % what)
        p += 32
    return p, _FLASH_SIZES[size_freq >> 4]


def _partitions(data, pos):
    """The partition table at data[pos:] as [(label, type, subtype, offset, size)]."""
    table, end = [], pos + _PART_TABLE_MAX
    if len(data) < pos + 32:
        raise BadImage("truncated: the file ends before the partition table")
    for p in range(pos, end, 32):
        entry = data[p : p + 32]
        if entry[:2] == _PART_MAGIC:
            kind, sub, off, size = struct.unpack_from("<BBII", entry, 2)
            label = entry[12:28].rstrip(b"\0").decode("ascii", "replace")
            table.append((label, kind, sub, off, size))
        elif entry[:2] == _PART_MD5:  # the MD5 of the entries before it
            if hashlib.md5(data[pos:p]).digest() != entry[16:32]:
                raise BadImage("corrupt: the partition table's MD5 does not match")
        elif entry == b"\xff" * 32 and table:
            return table
        else:
            break
    raise BadImage(
        "no partition table at 0x%x: not a whole MicroPython image (an application-only "
        ".bin?); take the board's firmware .bin from MicroPython's download page" % _PART_TABLE
    )


def check_esp_image(data, board):
    """Refuse (BadImage) what cannot be MicroPython's merged image for `board`; returns what
    it found: {"chip", "offset", "flash_size", "app": (offset, bytes)}."""
    esptool_chip, offset, chip_id = ESP_CHIPS[board]
    if data[:4] == struct.pack("<I", _UF2_MAGIC0):
        raise BadImage("this is a UF2 file (a Pico's image), not an ESP .bin")
    if data[:4] == b"\x7fELF":
        raise BadImage("this is an ELF file; give the .bin made from it")
    _, flash_size = _esp_image(data, 0, chip_id, "bootloader")
    table = _partitions(data, _PART_TABLE - offset)
    for label, _, _, off, size in table:
        if off + size > flash_size:
            raise BadImage(
                "does not fit: partition %r ends at 0x%x, beyond the %s of flash the image "
                "is built for" % (label, off + size, _size(flash_size))
            )
    if offset + len(data) > flash_size:
        raise BadImage(
            "does not fit: %s at 0x%x ends beyond the %s of flash the image is built for"
            % (_size(len(data)), offset, _size(flash_size))
        )
    apps = [t for t in table if t[1] == 0]  # type 0: app; factory (0) first, else ota_0
    apps.sort(key=lambda t: t[2])
    if not apps:
        raise BadImage("not a MicroPython image: its partition table has no app partition")
    label, _, _, app_off, app_size = apps[0]
    if len(data) <= app_off - offset:
        raise BadImage(
            "truncated: the file ends at 0x%x, before the application at 0x%x"
            % (offset + len(data), app_off)
        )
    end, _ = _esp_image(data, app_off - offset, chip_id, "application")
    if end - (app_off - offset) > app_size:
        raise BadImage("does not fit: the application is larger than its partition %r" % label)
    return {"chip": esptool_chip, "offset": offset, "flash_size": flash_size,
            "app": (app_off, end - (app_off - offset))}  # fmt: skip


def _binary_info(pages):
    """The pico-sdk's binary info of an RP2040 image ({flash address: 256-byte page}), as
    {"board", "program", "version", "frozen": [module]}; {} when it has none. picotool reads
    the same: a header in the 256 bytes after boot2, then ID_AND_STRING entries."""

    def word(addr):
        b = b""
        for a in range(addr, addr + 4):  # any alignment, across a page end
            page = pages.get(a & ~0xFF)
            if page is None:
                return None
            b += page[a & 0xFF : (a & 0xFF) + 1]
        return struct.unpack("<I", b)[0]

    def string(addr):
        out = b""
        while len(out) < 256:
            page = pages.get(addr & ~0xFF)
            if page is None:
                return None  # not in flash (RAM, through the mapping table): not read here
            chunk = page[addr & 0xFF :]
            if b"\0" in chunk:
                return (out + chunk[: chunk.index(b"\0")]).decode("utf-8", "replace")
            out, addr = out + chunk, addr + len(chunk)
        return None

    for at in range(_RP2040_FLASH + 0x100, _RP2040_FLASH + 0x200, 4):
        if word(at) == _BI_MARKER_START and word(at + 16) == _BI_MARKER_END:
            start, end = word(at + 4), word(at + 8)
            break
    else:
        return {}
    info = {"frozen": []}
    for ptr in range(start, min(end, start + 4 * 1024), 4):
        entry = word(ptr)
        head = None if entry is None else word(entry)
        if head is None or head & 0xFFFF != _BI_TYPE_ID_AND_STRING:
            continue
        key = (head >> 16, word(entry + 4))
        value = string(word(entry + 8) or 0)
        if key == _BI_MP_FROZEN and value:
            info["frozen"].append(value)
        elif key in _BI_KEYS and value is not None:
            info[_BI_KEYS[key]] = value
    return info


def check_uf2(data, board=None):
    """Refuse (BadImage) what is not a whole UF2 for the RP2040 (nor, with `board`, one for
    the other Pico: the pico-sdk board its binary info names); returns {"blocks", "start",
    "end"} (flash addresses) and what _binary_info() found."""
    if len(data) >= 8 and struct.unpack_from("<II", data) != (_UF2_MAGIC0, _UF2_MAGIC1):
        kind = " (an ESP .bin?)" if data[0] == _ESP_MAGIC else ""
        raise BadImage("not a UF2 file%s: it does not start with UF2's magic numbers" % kind)
    if not data or len(data) % _UF2_BLOCK:
        raise BadImage(
            "not a whole UF2: %d bytes is not a multiple of %d-byte blocks (truncated?)"
            % (len(data), _UF2_BLOCK)
        )
    count = len(data) // _UF2_BLOCK
    pages = {}
    for i in range(count):
        p = i * _UF2_BLOCK
        m0, m1, flags, addr, size, seq, total, family = struct.unpack_from("<8I", data, p)
        (m_end,) = struct.unpack_from("<I", data, p + 508)
        if (m0, m1, m_end) != (_UF2_MAGIC0, _UF2_MAGIC1, _UF2_MAGIC_END):
            raise BadImage("not a UF2 file: block %d lacks the UF2 magic numbers" % i)
        if flags & _UF2_NOT_MAIN_FLASH:
            continue
        if not flags & _UF2_FAMILY_PRESENT or family != RP2040_FAMILY:
            name = _UF2_FAMILIES.get(family, "another chip")
            name = name if flags & _UF2_FAMILY_PRESENT else "no family id"
            raise BadImage(
                "the UF2 is for %s (family id 0x%08x), not the RP2040 (0x%08x): its boot ROM "
                "would ignore it" % (name, family, RP2040_FAMILY)
            )
        if seq != i or total != count:
            raise BadImage(
                "not a whole UF2: block %d says it is %d of %d, the file holds %d blocks "
                "(truncated or spliced?)" % (i, seq, total, count)
            )
        if size != _RP2040_PAYLOAD or addr % _RP2040_PAYLOAD:
            raise BadImage(
                "not an RP2040 UF2: block %d carries %d bytes at 0x%x" % (i, size, addr)
            )
        if not _RP2040_FLASH <= addr < _RP2040_FLASH + _RP2040_FLASH_MAX:
            raise BadImage(
                "not an RP2040 UF2: block %d targets 0x%08x, outside its flash" % (i, addr)
            )
        if addr in pages:
            raise BadImage("corrupt UF2: two blocks write 0x%08x" % addr)
        pages[addr] = data[p + 32 : p + 32 + _RP2040_PAYLOAD]
    if not pages:
        raise BadImage("the UF2 holds no block for the RP2040's flash")
    info = {"blocks": count, "start": min(pages), "end": max(pages) + _RP2040_PAYLOAD}
    info.update(_binary_info(pages))
    if info.get("program", "MicroPython") != "MicroPython":
        raise BadImage("the UF2 is %r, not MicroPython" % info["program"])
    want = _SDK_BOARDS.get(board)
    if want and info.get("board", want) != want:
        raise BadImage(
            "the UF2 is built for the pico-sdk board %r, not %r (BOARD=%s): take %s"
            % (info["board"], want, board, UF2_BOARDS[board])
        )
    return info


def checked(board, image, data):
    """The image's check (BadImage if it fails), as one line for the user."""
    if board in UF2_BOARDS:
        u = check_uf2(data, board)
        what = " ".join(u[k] for k in ("program", "version") if k in u)
        what += " for %s" % u["board"] if "board" in u else " (no binary info: board unknown)"
        what += ", our firmware frozen in" if "app" in u.get("frozen", ()) else ""
        return "flash: %s: a whole RP2040 UF2, %d blocks, flash 0x%08x-0x%08x: %s" % (
            image, u["blocks"], u["start"], u["end"], what)  # fmt: skip
    e = check_esp_image(data, board)
    return "flash: %s: an %s image, %s at 0x%x, for %s of flash; application %s at 0x%x" % (
        image, CHIP_NAMES[ESP_CHIPS[board][2]], _size(len(data)), e["offset"],
        _size(e["flash_size"]), _size(e["app"][1]), e["app"][0])  # fmt: skip
