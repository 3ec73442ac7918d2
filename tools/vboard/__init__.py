"""A virtual MicroPython board: the unix port behind a serial pty (host-side tool).

`python -m vboard --flash DIR` serves a pty that answers like a board on a USB serial port:
its flash is DIR, it runs boot.py and main.py on every reset, and mpremote works against
it. `vboard.testing.VirtualBoard` runs one from tests. Linux only (ptys, /proc).
"""

from .board import Board

__all__ = ["Board"]
