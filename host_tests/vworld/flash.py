# The board's flash: a littlefs (VfsLfs2, what the boards run) on a block device in a host
# file (its blocks outside the heap, as a board's flash is), and the filler of the
# "flash_full" fault.
import gc
import os

_BLOCK = 512  # (an ESP32's is 4096: littlefs then copies 8 times as much per commit, in Python)


class FileBlocks:
    """A block device (vfs.AbstractBlockDev, the extended interface) in a host file
    (host_tests/fw_mp/faultboard.py's)."""

    def __init__(self, path, kb):
        blocks = self.n = kb * 1024 // _BLOCK
        with open(path, "wb") as f:
            for _ in range(blocks):
                f.write(bytes(_BLOCK))
        self.f = open(path, "r+b")

    def readblocks(self, i, buf, off=0):
        self.f.seek(i * _BLOCK + off)
        self.f.readinto(buf)

    def writeblocks(self, i, buf, off=None):
        self.f.seek(i * _BLOCK + (off or 0))
        self.f.write(buf)

    def ioctl(self, op, arg):
        if op == 4:  # block count
            return self.n
        if op == 5:  # block size
            return _BLOCK
        return 0  # init, deinit, sync, erase (6): nothing to do


def mount(bdev):
    """A fresh littlefs on bdev, mounted at /flash and made the current directory."""
    import vfs

    vfs.VfsLfs2.mkfs(bdev)
    vfs.mount(vfs.VfsLfs2(bdev), "/flash")
    os.chdir("/flash")


def fill():
    """Take all the room left: files written in chunks (each flushed: committed), smaller
    and smaller, then small files, which littlefs keeps inline in a directory's blocks,
    until ENOSPC, in the root and in the outbox (not a reading's name: the store skips
    them). Their names. (host_tests/fw_mp/faultboard.py's flash_full too.)"""
    names = []
    b = bytes(_BLOCK)  # (the world's heap share: no more than a block at a time)
    for size in (_BLOCK, 64, 16):
        n = "filler%d" % len(names)
        names.append(n)
        f = open(n, "wb")
        try:
            while True:
                f.write(b[:size])
                f.flush()
        except OSError:
            pass
        try:
            f.close()
        except OSError:
            pass
    for d in ("", "outbox/"):  # each directory has metadata blocks of its own
        try:
            while True:
                n = d + "filler%d" % len(names)
                names.append(n)
                with open(n, "wb") as f:
                    f.write(b[:16])
        except OSError:
            pass
    b = None
    gc.collect()
    return names
