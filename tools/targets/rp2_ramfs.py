# MicroPython, sent over the raw REPL by tools/targets/rp2040js.py (Emulator.ramfs()): a
# littlefs v2 on a block device in RAM, mounted at / and made the current directory, as the
# flash root is on a board. rp2040js does not emulate flash programming (the port's own
# _boot.py fails to make its filesystem: OSError 28), so the firmware's flash is this.
# The bytes come out of the heap, before the firmware starts: what it measures as free heap
# is what is left beside them.
import gc
import os


class RamBlocks:
    """The block protocol littlefs uses (readblocks/writeblocks with an offset, ioctl)."""

    def __init__(self, block_size, blocks):
        self.block_size = block_size
        self.blocks = blocks
        self.mem = memoryview(bytearray(block_size * blocks))

    def readblocks(self, n, buf, off=0):
        a = n * self.block_size + off
        buf[:] = self.mem[a : a + len(buf)]

    def writeblocks(self, n, buf, off=0):
        a = n * self.block_size + off
        self.mem[a : a + len(buf)] = buf

    def ioctl(self, op, arg):
        if op == 4:  # block count
            return self.blocks
        if op == 5:  # block size
            return self.block_size
        return 0  # init, deinit, sync; erase (6): RAM needs none


def mount_ramfs(block_size, blocks, **lfs):
    gc.collect()
    free = gc.mem_free()
    dev = RamBlocks(block_size, blocks)
    dev.heap = free - gc.mem_free()  # the heap the RAM disk takes (a Pico's flash takes none)
    os.VfsLfs2.mkfs(dev, **lfs)
    os.mount(os.VfsLfs2(dev, **lfs), "/")
    os.chdir("/")
    return dev
