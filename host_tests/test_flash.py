"""`make flash` (tools/flash.py): the image checks (tools/fwimage.py), the ESP32 path end to
end through esptool against the ROM loader's stand-in on a pty (tools/esp_rom_standin.py),
the UF2 copy onto a directory standing in for the RPI-RP2 drive.

The images are made here, to the formats' specifications (ESP-IDF's esp_image_header_t and
partition table, Microsoft's UF2, the pico-sdk's binary info), and real tools' images and
readings beside them: esptool's parser and merge-bin for the ESP ones, the pico-sdk's own
UF2 of the rp2 port that `make targets` builds.
"""

import hashlib
import json
import os
import random
import struct
import subprocess
import sys
import time

import flash
import fwimage
import procs
import pytest
import targets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STANDIN = os.path.join(ROOT, "tools", "esp_rom_standin.py")
ESP32_S2_MAGIC = 0x000007C6  # what an ESP32-S2 answers at the chip-detect register


def esp_image(segments, chip_id=0, size_nibble=2, entry=0x40080400):
    """One ESP image: header, extended header, segments, checksum, SHA-256."""
    head = struct.pack("<BBBBI", 0xE9, len(segments), 2, size_nibble << 4, entry)
    # wp pin, pin drive x3, chip id, min rev, min/max rev full, 4 reserved, hash appended
    head += struct.pack("<BBBBHBHH4xB", 0xEE, 0, 0, 0, chip_id, 0, 0, 399, 1)
    body, csum = b"", 0xEF
    for addr, data in segments:
        body += struct.pack("<II", addr, len(data)) + data
        for b in data:
            csum ^= b
    img = head + body
    img += b"\0" * (15 - len(img) % 16) + bytes([csum])
    return img + hashlib.sha256(img).digest()


PARTS = [  # MicroPython's ESP32_GENERIC layout: (label, type, subtype, offset, size)
    ("nvs", 1, 2, 0x9000, 0x6000), ("phy_init", 1, 1, 0xF000, 0x1000),
    ("factory", 0, 0, 0x10000, 0x1F0000), ("vfs", 1, 0x81, 0x200000, 0x200000),
]  # fmt: skip


def partition_table(parts=PARTS):
    t = b"".join(
        b"\xaa\x50" + struct.pack("<BBII", k, s, o, n) + name.encode().ljust(16, b"\0") + bytes(4)
        for name, k, s, o, n in parts
    )
    t += b"\xeb\xeb" + b"\xff" * 14 + hashlib.md5(t).digest()
    return t + b"\xff" * (0xC00 - len(t))


def esp_parts(chip_id=0, size_nibble=2, app_bytes=48 * 1024, seed=1):
    """A bootloader, a partition table and an application, as an ESP-IDF build leaves them."""
    rnd = random.Random(seed)
    blob = lambda n: rnd.randbytes(n)  # noqa: E731 - incompressible, as code is
    boot = esp_image([(0x3FFF0030, blob(64)), (0x40078000, blob(1500))], chip_id, size_nibble)
    app = esp_image(
        [(0x3F400020, blob(app_bytes // 2)), (0x3FFB0000, blob(300)),
         (0x400D0020, blob(app_bytes // 2))], chip_id, size_nibble, 0x400D1000,
    )  # fmt: skip
    return boot, partition_table(), app


def merged_image(chip_id=0, base=0x1000, size_nibble=2, app_bytes=48 * 1024, seed=1):
    """A whole MicroPython-style .bin, to be written at `base`: bootloader, table, app, the
    gaps 0xFF (as esptool merge-bin makes it: a test below compares)."""
    boot, table, app = esp_parts(chip_id, size_nibble, app_bytes, seed)
    img = boot.ljust(0x8000 - base, b"\xff") + table
    return img.ljust(0x10000 - base, b"\xff") + app


# -- ESP image checks, in process


def test_a_built_image_is_one_esptool_reads_and_the_check_takes():
    from esptool.bin_image import LoadFirmwareImage

    img = merged_image()
    boot = LoadFirmwareImage("esp32", img)
    app = LoadFirmwareImage("esp32", img[0x10000 - 0x1000 :])
    assert (len(boot.segments), len(app.segments)) == (2, 3)
    assert boot.checksum == boot.calculate_checksum() and app.stored_digest == app.calc_digest
    info = fwimage.check_esp_image(img, "esp32")
    assert info["offset"] == 0x1000 and info["flash_size"] == 4 << 20
    assert info["app"] == (0x10000, len(img) - 0xF000)
    c3 = merged_image(chip_id=5, base=0)
    assert fwimage.check_esp_image(c3, "esp32c3")["offset"] == 0


def test_the_merged_layout_is_esptool_merge_bins(tmp_path):
    # How MicroPython's ESP32 .bin is made: the three parts merged at their flash addresses.
    names = []
    for addr, part in zip((0x1000, 0x8000, 0x10000), esp_parts(), strict=True):
        names += ["0x%x" % addr, str(tmp_path / ("%x.bin" % addr))]
        (tmp_path / ("%x.bin" % addr)).write_bytes(part)
    esptool = [sys.executable, "-m", "esptool", "--chip", "esp32", "merge-bin"]
    out = tmp_path / "merged.bin"
    r = procs.run(esptool + ["-o", str(out), "--target-offset", "0x1000"] + names, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert out.read_bytes() == merged_image()
    # esptool's UF2 of it (for the ESP32's own UF2 loader) is a UF2, but not for an RP2040.
    r = procs.run(esptool + ["-o", str(tmp_path / "esp.uf2"), "--format", "uf2"] + names,
                  timeout=60)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    with pytest.raises(fwimage.BadImage, match=r"is for ESP32 \(family id 0x1c5f21b0\), not"):
        fwimage.check_uf2((tmp_path / "esp.uf2").read_bytes())


def _corrupt_app_byte(img):
    b = bytearray(img)
    b[0xF000 + 100] ^= 1
    return bytes(b)


def _uf2_of(data):
    return uf2_image(data[:1024])


BAD_ESP = {
    "empty": (lambda img: b"", "truncated"),
    "cut in the bootloader": (lambda img: img[:900], "truncated: the bootloader's segment 1"),
    "cut before the table": (
        lambda img: img[:0x2000],
        "truncated: the file ends before the partition table",
    ),
    "cut in the application": (
        lambda img: img[: len(img) - 5000],
        "truncated: the application's segment 2",
    ),
    "application cut off": (lambda img: img[:0xF000], "before the application at 0x10000"),
    "a UF2 file": (_uf2_of, "this is a UF2 file"),
    "an ELF file": (lambda img: b"\x7fELF" + img[4:], "ELF"),
    "zeros": (
        lambda img: bytes(len(img)),
        "not an ESP image: the bootloader at file offset 0x0 starts with 0x00",
    ),
    "one bit flipped": (_corrupt_app_byte, "corrupt: the application's"),
    "no partition table": (
        lambda img: img[:0x7000] + b"\xff" * 0x1000 + img[0x8000:],
        "no partition table at 0x8000",
    ),
    "an ESP32-S3 image": (
        lambda img: merged_image(chip_id=9),
        "is for ESP32-S3 (chip id 9), not ESP32",
    ),
    "built for 1 MB": (
        lambda img: merged_image(size_nibble=0),
        "partition 'factory' ends at 0x200000, beyond the 1 MB",
    ),
    "an image for 0x0": (lambda img: merged_image(base=0), "no partition table"),
}


@pytest.mark.parametrize("case", sorted(BAD_ESP))
def test_a_bad_esp_image_is_refused_with_its_reason(case):
    make, reason = BAD_ESP[case]
    with pytest.raises(fwimage.BadImage) as e:
        fwimage.check_esp_image(make(merged_image()), "esp32")
    assert reason in str(e.value)


def test_an_esp32_image_is_refused_for_the_c3():
    with pytest.raises(fwimage.BadImage, match=r"is for ESP32 \(chip id 0\), not ESP32-C3"):
        fwimage.check_esp_image(merged_image(), "esp32c3")


# -- the ESP32 path end to end: tools/flash.py -> esptool -> the stand-in on a pty


@pytest.fixture
def standin(tmp_path):
    """start(magic=..., fill=...) -> the stand-in's (port, flash file, log file)."""
    started = []

    def start(magic=None, fill=b"\x00"):
        n = len(started)
        port, flash_file, log = (
            str(tmp_path / ("%s%d" % (w, n))) for w in ("esp", "flash", "log")
        )
        with open(flash_file, "wb") as f:  # an old firmware's bytes: the erase must show
            f.write(fill * (4 << 20))
        args = [sys.executable, STANDIN, "--link", port, "--flash", flash_file, "--log", log]
        args += ["--magic", hex(magic)] if magic else []
        p = procs.popen(args, stdout=subprocess.DEVNULL)
        started.append(p)
        for _ in range(500):
            if os.path.exists(port) or p.poll() is not None:
                break
            time.sleep(0.01)
        assert os.path.exists(port), "the stand-in did not make its pty"
        return port, flash_file, log

    yield start
    for p in started:
        procs.stop(p)


def run_flash(*args):
    return procs.run([sys.executable, os.path.join(ROOT, "tools", "flash.py"), *args], timeout=60)


def requests(log):
    with open(log) as f:
        return [json.loads(line) for line in f]


def test_esp32_flashed_end_to_end_erased_written_verified(standin, tmp_path):
    img = merged_image()
    image = tmp_path / "ESP32_GENERIC.bin"
    image.write_bytes(img)
    port, flash_file, log = standin()
    r = run_flash("--board", "esp32", "--image", str(image), "--port", port, "--no-reset")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "make deploy PORT=%s BOARD=esp32" % port in r.stdout
    with open(flash_file, "rb") as f:
        got = f.read()
    assert got[0x1000 : 0x1000 + len(img)] == img  # the image, at the ESP32's offset
    assert got[:0x1000] == b"\xff" * 0x1000  # and all the rest erased (--erase-all)
    assert got[0x1000 + len(img) :] == b"\xff" * (len(got) - 0x1000 - len(img))
    ops = requests(log)
    names = [o["op"] for o in ops]
    # The order esptool must keep: the ROM synced and asked the chip, the stub started,
    # the whole flash erased, the image written at 0x1000, its MD5 checked.
    seq = ["SYNC", "READ_REG", "MEM_END", "ERASE_FLASH", "FLASH_DEFL_BEGIN", "SPI_FLASH_MD5"]
    at = [names.index(n) for n in seq]
    assert at == sorted(at), names
    magic = [o for o in ops if o["op"] == "READ_REG" and o["addr"] == 0x40001000]
    assert magic and not magic[0]["stub"]
    begin = next(o for o in ops if o["op"] == "FLASH_DEFL_BEGIN")
    assert (begin["offset"], begin["size"], begin["stub"]) == (0x1000, len(img), True)
    md5 = next(o for o in ops if o["op"] == "SPI_FLASH_MD5")
    assert (md5["addr"], md5["size"]) == (0x1000, len(img))
    assert md5["md5"] == hashlib.md5(img).hexdigest()
    assert not [o for o in ops if "refused" in o and o["op"] != "GET_SECURITY_INFO"], ops


def test_the_rom_loaders_own_dialect_without_the_stub(standin, tmp_path):
    # esptool --no-stub talks to the ROM itself: uncompressed FLASH_BEGIN/DATA/END in 1 KB
    # blocks, 4 status bytes, the MD5 as hex text; no ERASE_FLASH (the ROM has none), so
    # FLASH_BEGIN erases the sectors it will write.
    img = merged_image(seed=4)
    image = tmp_path / "fw.bin"
    image.write_bytes(img)
    port, flash_file, log = standin()
    args = [sys.executable, "-m", "esptool", "--chip", "esp32", "--port", port, "--no-stub"]
    args += ["--before", "no-reset", "--after", "no-reset", "write-flash", "0x1000", str(image)]
    r = procs.run(args, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(flash_file, "rb") as f:
        got = f.read()
    assert got[0x1000 : 0x1000 + len(img)] == img
    assert got[:0x1000] == bytes(0x1000)  # not written, not erased: the old bytes
    ops = requests(log)
    assert not any(o["stub"] for o in ops)
    blocks = [o for o in ops if o["op"] == "FLASH_DATA"]
    assert len(blocks) == -(-len(img) // 0x400) and blocks[0]["at"] == 0x1000
    md5 = next(o for o in ops if o["op"] == "SPI_FLASH_MD5")
    assert (md5["addr"], md5["size"], md5["md5"]) == (
        0x1000,
        len(img),
        hashlib.md5(img).hexdigest(),
    )


def test_keep_fs_leaves_the_filesystem_alone(standin, tmp_path):
    img = merged_image(seed=2)
    image = tmp_path / "fw.bin"
    image.write_bytes(img)
    port, flash_file, log = standin(fill=b"\x5a")
    r = run_flash("--board", "esp32", "--image", str(image), "--port", port, "--no-reset",
                  "--keep-fs")  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    with open(flash_file, "rb") as f:
        got = f.read()
    assert got[0x1000 : 0x1000 + len(img)] == img
    assert got[0x200000:] == b"\x5a" * 0x200000  # vfs: the token and outbox stay
    assert "ERASE_FLASH" not in [o["op"] for o in requests(log)]


@pytest.mark.parametrize("case", ["cut in the application", "an ESP32-S3 image", "a UF2 file"])
def test_a_bad_image_never_reaches_the_board(standin, tmp_path, case):
    make, reason = BAD_ESP[case]
    image = tmp_path / "bad.bin"
    image.write_bytes(make(merged_image()))
    port, flash_file, log = standin()
    r = run_flash("--board", "esp32", "--image", str(image), "--port", port, "--no-reset")
    assert r.returncode == 2
    assert "refused, nothing written to the board: " in r.stderr and reason in r.stderr
    assert "esptool" not in r.stdout  # not even run: the stand-in heard nothing
    assert not os.path.exists(log) or requests(log) == []
    with open(flash_file, "rb") as f:
        assert f.read() == bytes(4 << 20)


def test_another_chip_on_the_port_stops_esptool_before_it_writes(standin, tmp_path):
    image = tmp_path / "fw.bin"
    image.write_bytes(merged_image())
    port, flash_file, log = standin(magic=ESP32_S2_MAGIC)
    r = run_flash("--board", "esp32", "--image", str(image), "--port", port, "--no-reset")
    assert r.returncode == 1
    assert "This chip is ESP32-S2, not ESP32" in r.stdout + r.stderr
    names = [o["op"] for o in requests(log)]
    assert "SYNC" in names and not {"FLASH_BEGIN", "FLASH_DEFL_BEGIN", "ERASE_FLASH"} & set(names)


def test_no_port_or_no_image_is_a_usage_error(tmp_path):
    image = tmp_path / "fw.bin"
    image.write_bytes(merged_image())
    r = run_flash("--board", "esp32", "--image", str(image))
    assert r.returncode == 2 and "no serial port: make flash PORT=" in r.stderr
    r = run_flash("--board", "esp32", "--port", "/dev/null")
    assert r.returncode == 2 and "no image" in r.stderr


def test_check_only_checks(tmp_path, drive):
    image = tmp_path / "fw.bin"
    img = merged_image()
    image.write_bytes(img)
    r = run_flash("--board", "esp32", "--image", str(image), "--port", "/dev/null", "--check")
    assert r.returncode == 0
    assert "an ESP32 image, %d bytes at 0x1000, for 4 MB" % len(img) in r.stdout
    assert "esptool" not in r.stdout
    uf2 = tmp_path / "RPI_PICO_W.uf2"
    uf2.write_bytes(uf2_image(bytes(1024)))
    r = run_flash("--board", "picow", "--image", str(uf2), "--drive", str(drive), "--check")
    assert r.returncode == 0 and "a whole RP2040 UF2, 4 blocks" in r.stdout
    assert os.listdir(drive) == ["INFO_UF2.TXT"]


# -- UF2 for the Pico W


def uf2_image(payload, family=0xE48BFF56, base=0x10000000):
    blocks = [payload[i : i + 256].ljust(256, b"\0") for i in range(0, len(payload), 256)]
    out = b""
    for i, data in enumerate(blocks):
        head = struct.pack("<8I", 0x0A324655, 0x9E5D5157, 0x2000, base + 256 * i, 256, i,
                           len(blocks), family)  # fmt: skip
        out += head + data.ljust(476, b"\0") + struct.pack("<I", 0x0AB16F30)
    return out


def pico_flash(board="pico_w", program="MicroPython", frozen=("app", "coap"), size=4096):
    """An RP2040 flash image with the pico-sdk's binary info (pico/binary_info/structure.h):
    the header in the 256 bytes after boot2, a table of pointers to ID_AND_STRING entries."""
    flash_ = bytearray(size)
    base, strings, entries, table = 0x10000000, 0x800, 0x600, 0x400
    items = [(0x5052, 0xB63CFFBB, board), (0x5052, 0x02031C86, program)]
    items += [(0x504D, 0x4A99D719, name) for name in frozen]
    for i, (tag, key, text) in enumerate(items):
        struct.pack_into("<I", flash_, table + 4 * i, base + entries + 12 * i)
        struct.pack_into("<HHII", flash_, entries + 12 * i, 6, tag, key, base + strings)
        flash_[strings : strings + len(text) + 1] = text.encode() + b"\0"
        strings += len(text) + 1
    end = base + table + 4 * len(items)
    struct.pack_into("<5I", flash_, 0x1D4, 0x7188EBF2, base + table, end, 0, 0xE71AA390)
    return bytes(flash_)


def _uf2_mutate(offset, value):
    def mutate(u):
        b = bytearray(u)
        struct.pack_into("<I", b, offset, value)
        return bytes(b)

    return mutate


BAD_UF2 = {
    "empty": (lambda u: b"", "not a whole UF2: 0 bytes"),
    "cut in a block": (lambda u: u[:-100], "is not a multiple of 512-byte blocks"),
    "last block missing": (lambda u: u[:-512], "block 0 says it is 0 of 8, the file holds 7"),
    "an RP2350 image": (lambda u: uf2_image(bytes(2048), family=0xE48BFF59), "RP2350 (Pico 2)"),
    "an ESP .bin": (lambda u: merged_image(), "not a UF2 file (an ESP .bin?)"),
    "an ESP .bin cut to 4 KB": (lambda u: merged_image()[:4096], "not a UF2 file (an ESP"),
    "bad end magic": (_uf2_mutate(512 * 3 + 508, 0), "block 3 lacks the UF2 magic"),
    "476-byte payload": (_uf2_mutate(512 * 2 + 16, 476), "block 2 carries 476 bytes"),
    "outside the flash": (lambda u: uf2_image(bytes(512), base=0x20000000), "outside its flash"),
    "a block twice": (_uf2_mutate(512 + 12, 0x10000000), "two blocks write 0x10000000"),
}


def test_a_whole_rp2040_uf2_is_taken():
    info = fwimage.check_uf2(uf2_image(bytes(range(256)) * 8))
    assert info == {"blocks": 8, "start": 0x10000000, "end": 0x10000800}


@pytest.mark.parametrize("case", sorted(BAD_UF2))
def test_a_bad_uf2_is_refused_with_its_reason(case):
    make, reason = BAD_UF2[case]
    with pytest.raises(fwimage.BadImage) as e:
        fwimage.check_uf2(make(uf2_image(bytes(range(256)) * 8)))
    assert reason in str(e.value)


@pytest.fixture
def drive(tmp_path):
    d = tmp_path / "RPI-RP2"
    d.mkdir()
    (d / "INFO_UF2.TXT").write_text(
        "UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n"
    )
    return d


def test_picow_copies_the_uf2_to_the_drive(tmp_path, drive):
    uf2 = uf2_image(pico_flash() + random.Random(3).randbytes(5000))
    image = tmp_path / "RPI_PICO_W.uf2"
    image.write_bytes(uf2)
    r = run_flash("--board", "picow", "--image", str(image), "--drive", str(drive))
    assert r.returncode == 0, r.stderr
    assert (drive / "RPI_PICO_W.uf2").read_bytes() == uf2
    assert "MicroPython for pico_w, our firmware frozen in" in r.stdout
    assert "next, its configuration: .venv/bin/mpremote cp config.json :" in r.stdout


def test_a_plain_micropython_uf2_is_followed_by_make_deploy(tmp_path, drive):
    image = tmp_path / "RPI_PICO_W-v1.28.0.uf2"
    image.write_bytes(uf2_image(pico_flash(frozen=("asyncio",))))
    r = run_flash("--board", "picow", "--image", str(image), "--drive", str(drive))
    assert r.returncode == 0, r.stderr
    assert "make deploy PORT=/dev/ttyACM0 BOARD=picow" in r.stdout


@pytest.mark.parametrize(
    "board, flash_, reason",
    [
        ("picow", pico_flash(board="pico"), "built for the pico-sdk board 'pico', not 'pico_w'"),
        ("pico", pico_flash(), "built for the pico-sdk board 'pico_w', not 'pico' (BOARD=pico)"),
        ("picow", pico_flash(program="CircuitPython"), "the UF2 is 'CircuitPython', not Micro"),
    ],
)
def test_a_uf2_for_the_other_pico_or_not_micropython_is_refused(
    tmp_path, drive, board, flash_, reason
):
    image = tmp_path / "x.uf2"
    image.write_bytes(uf2_image(flash_))
    r = run_flash("--board", board, "--image", str(image), "--drive", str(drive))
    assert r.returncode == 2 and reason in r.stderr
    assert os.listdir(drive) == ["INFO_UF2.TXT"]


def test_micropythons_own_rp2_uf2_is_taken_and_a_cut_one_refused(tmp_path, drive):
    # The pico-sdk's own UF2 of the rp2 port that `make targets` builds (RPI_PICO, our
    # firmware frozen in): a real image, not one made by this file.
    real = targets.need("build-rp2-pico/firmware.uf2")
    with open(real, "rb") as f:
        uf2 = f.read()
    info = fwimage.check_uf2(uf2, "pico")
    assert info["start"] == 0x10000000 and info["blocks"] == len(uf2) // 512
    assert (info["program"], info["board"]) == ("MicroPython", "pico")
    assert {"app", "coap", "thethings", "boards"} <= set(info["frozen"])
    with pytest.raises(fwimage.BadImage, match="'pico', not 'pico_w'"):
        fwimage.check_uf2(uf2, "picow")  # no radio in it
    cut = len(uf2) // 1024 * 512  # half of it, on a block boundary
    with pytest.raises(fwimage.BadImage, match="the file holds %d blocks" % (cut // 512)):
        fwimage.check_uf2(uf2[:cut])
    r = run_flash("--board", "pico", "--image", real, "--drive", str(drive))
    assert r.returncode == 0, r.stderr
    assert (drive / "firmware.uf2").read_bytes() == uf2


@pytest.mark.parametrize("case", ["cut in a block", "an RP2350 image", "last block missing"])
def test_picow_refuses_a_bad_uf2_and_writes_nothing(tmp_path, drive, case):
    make, reason = BAD_UF2[case]
    image = tmp_path / "RPI_PICO_W.uf2"
    image.write_bytes(make(uf2_image(bytes(range(256)) * 8)))
    r = run_flash("--board", "picow", "--image", str(image), "--drive", str(drive))
    assert r.returncode == 2 and reason in r.stderr
    assert sorted(os.listdir(drive)) == ["INFO_UF2.TXT"]


def test_picow_without_a_drive_says_how(tmp_path, monkeypatch, capsys):
    image = tmp_path / "RPI_PICO_W.uf2"
    image.write_bytes(uf2_image(bytes(1024)))
    monkeypatch.setattr(flash.glob, "glob", lambda pattern: [])  # whatever this host mounts
    assert flash.main(["--board", "picow", "--image", str(image)]) == 1
    err = capsys.readouterr().err
    assert "no RPI-RP2 drive is mounted" in err and "BOOTSEL" in err and str(image) in err


def test_picow_refuses_a_directory_that_is_no_rp2_drive(tmp_path):
    image = tmp_path / "RPI_PICO_W.uf2"
    image.write_bytes(uf2_image(bytes(1024)))
    not_drive = tmp_path / "usbstick"
    not_drive.mkdir()
    r = run_flash("--board", "picow", "--image", str(image), "--drive", str(not_drive))
    assert r.returncode == 2 and "not an RPI-RP2 drive (no INFO_UF2.TXT)" in r.stderr
    assert os.listdir(not_drive) == []


def test_picow_default_image_is_make_firmwares(tmp_path):
    r = procs.run([sys.executable, os.path.join(ROOT, "tools", "flash.py"), "--board", "picow"],
                  cwd=str(tmp_path), timeout=30)  # fmt: skip
    assert r.returncode == 2
    assert "build/firmware/RPI_PICO_W.uf2: no such file (make firmware BOARD=picow" in r.stderr
