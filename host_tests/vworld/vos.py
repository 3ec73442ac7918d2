# The module `os` of the virtual world (vworld.run puts it in sys.modules before the
# firmware is imported): the port's own, with urandom() drawn from a seeded generator, so
# that the firmware's random choices (MIDs, tokens, retransmission timeouts, backoff
# jitter, DNS IDs, NTP nonces) are the same on every run of a scene with the same seed.
from os import *  # noqa: F403 - the port's os, all of it

_x = [0xACE1]


def seed(n):
    """Start the generator from n (any int; 0 is taken as 1: xorshift's state is never 0)."""
    _x[0] = (n & 0xFFFF) or 1


def urandom(n):
    # xorshift16 (7, 9, 8): small ints only, no allocation but the result
    x = _x[0]
    b = bytearray(n)
    for i in range(n):
        x ^= (x << 7) & 0xFFFF
        x ^= x >> 9
        x ^= (x << 8) & 0xFFFF
        b[i] = x >> 8
    _x[0] = x
    return bytes(b)
