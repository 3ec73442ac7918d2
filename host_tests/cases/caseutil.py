# Helpers for dual-interpreter cases (CPython and the MicroPython unix port alike): case
# options, readable assertions, message specs, a reference decoder and a portable PRNG.
import binascii
from time import ticks_diff, ticks_ms  # noqa: F401 - re-exported for cases (coap imported first)

from coap.message import Encoder, FormatError, Message


def case(**options):
    """Per-case options for host_tests/dual.py: timeout, compare, parallel, xfail, heapsize.
    MicroPython functions take no attributes, so they are set only under CPython, which is
    where the harness reads them."""

    def deco(fn):
        try:
            for k, v in options.items():
                setattr(fn, k, v)
        except AttributeError:  # MicroPython
            pass
        return fn

    return deco


def hexs(b):
    return binascii.hexlify(bytes(b)).decode()


def unhex(s):
    return binascii.unhexlify(s)


def eq(got, want, what=""):
    """assert got == want, with both values in the message (MicroPython asserts are terse)."""
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what or "value", got, want))


def raises(exc, fn, *args):
    """Call fn(*args); assert it raises exc (or a subclass); return the exception."""
    try:
        r = fn(*args)
    except exc as e:
        return e
    raise AssertionError("%r%r returned %r instead of raising %s" % (fn, args, r, exc.__name__))


def format_error(data, n=-1, m=None):
    """Assert Message.decode(data, n) raises FormatError (nothing else); return its text."""
    m = m or Message()
    try:
        m.decode(data, n)
    except FormatError as e:
        return str(e)
    raise AssertionError("decode(%s, %d) accepted a malformed message" % (hexs(data), n))


# A message spec: a dict of JSON values, the common language of the codec cases, the fuzz and
# the aiocoap differential tests: t type, c code, m message ID, k token (hex), o options
# [[number, value hex], ...] in order, p payload (hex).
def spec(t, c, m, k=b"", o=(), p=b""):
    return {"t": t, "c": c, "m": m, "k": hexs(k), "o": [[n, hexs(v)] for n, v in o], "p": hexs(p)}


def encode(s, enc=None):
    """Bytes of spec s, built with the codec's Encoder: the options in one opts() pass."""
    enc = Encoder() if enc is None else enc
    enc.header(s["t"], s["c"], s["m"], unhex(s["k"]))
    seq = []
    for n, v in s["o"]:
        seq.append(n)
        seq.append(unhex(v))
    enc.opts(seq)
    enc.payload(unhex(s["p"]))
    return bytes(enc.buf[: len(enc)])


def ref_option(out, delta, value):
    """Append one option to bytearray out, deliberately plain RFC 7252 §3.1: the delta and
    length nibbles (13: one more byte of value - 13, 14: two of value - 269), the delta's
    extension first, then the value; an int value as a §3.2 uint (fewest bytes, none for 0)."""
    if isinstance(value, int):
        raw = b""
        while value:
            raw = bytes((value & 0xFF,)) + raw
            value >>= 8
        value = raw
    head = bytearray(1)
    nibbles = []
    for field in (delta, len(value)):
        if field < 13:
            nibbles.append(field)
        elif field < 269:
            nibbles.append(13)
            head.append(field - 13)
        else:
            nibbles.append(14)
            head.append((field - 269) >> 8)
            head.append((field - 269) & 0xFF)
    head[0] = nibbles[0] << 4 | nibbles[1]
    out.extend(head)
    out.extend(value)


def ref_encode(mtype, code, mid, token=b"", opts=(), payload=b""):
    """Bytes of a message by the plain reference encoder; opts [(number, bytes or int)] in
    ascending number."""
    out = bytearray((0x40 | mtype << 4 | len(token), code, mid >> 8, mid & 0xFF))
    out.extend(token)
    last = 0
    for n, v in opts:
        ref_option(out, n - last, v)
        last = n
    if payload:
        out.append(0xFF)
        out.extend(payload)
    return bytes(out)


def build(mtype, code, mid, token=b"", opts=(), payload=b"", enc=None):
    """Bytes of a message built with the codec's Encoder; int option values go out as
    uint options (minimal length), others as they are."""
    e = Encoder() if enc is None else enc  # an Encoder is falsy while empty
    e.header(mtype, code, mid, token)
    for n, v in opts:
        if isinstance(v, int):
            e.uint(n, v)
        else:
            e.opt(n, v)
    e.payload(payload)
    return bytes(e.buf[: len(e)])


def decode(data, n=-1, m=None):
    """Spec of data as the codec's Message decodes it (FormatError propagates)."""
    m = (m or Message()).decode(data, n)
    return {
        "t": m.mtype,
        "c": m.code,
        "m": m.mid,
        "k": hexs(m.token()),
        "o": [[num, hexs(v)] for num, v in m.opts()],
        "p": hexs(m.payload()),
    }


def ref_scan(data, n=-1):
    """Independent, deliberately plain RFC 7252 §3 decoder: (payload offset, options as
    [(number, offset, length)]) or None for a format error."""
    if n < 0 or n > len(data):
        n = len(data)
    if n < 4 or data[0] >> 6 != 1:
        return None
    tkl = data[0] & 15
    if tkl > 8 or 4 + tkl > n:
        return None
    if data[1] == 0 and n != 4:  # RFC 7252 §4.1: empty message
        return None
    pos = 4 + tkl
    num = 0
    offs = []
    while pos < n:
        b = data[pos]
        pos += 1
        if b == 0xFF:
            if pos == n:
                return None
            return pos, offs
        delta = b >> 4
        ln = b & 15
        if delta == 15 or ln == 15:
            return None
        if delta == 13:
            if pos + 1 > n:
                return None
            delta = 13 + data[pos]
            pos += 1
        elif delta == 14:
            if pos + 2 > n:
                return None
            delta = 269 + (data[pos] << 8) + data[pos + 1]
            pos += 2
        if ln == 13:
            if pos + 1 > n:
                return None
            ln = 13 + data[pos]
            pos += 1
        elif ln == 14:
            if pos + 2 > n:
                return None
            ln = 269 + (data[pos] << 8) + data[pos + 1]
            pos += 2
        num += delta
        if num > 65535 or pos + ln > n:
            return None
        offs.append((num, pos, ln))
        pos += ln
    return n, offs


def ref_decode(data, n=-1):
    """Spec of data by ref_scan(), or None for a format error."""
    r = ref_scan(data, n)
    if r is None:
        return None
    if n < 0 or n > len(data):
        n = len(data)
    pay, offs = r
    tkl = data[0] & 15
    return {
        "t": (data[0] >> 4) & 3,
        "c": data[1],
        "m": data[2] << 8 | data[3],
        "k": hexs(data[4 : 4 + tkl]),
        "o": [[num, hexs(data[o : o + ln])] for num, o, ln in offs],
        "p": hexs(data[pay:n]),
    }


def crit(m):
    """The first unknown critical option of a decoded Message, or 0 (RFC 7252 §5.4.1): the
    codec's critical() method (a crit attribute in its first version)."""
    return m.critical() if hasattr(m, "critical") else m.crit


KNOWN_CRITICAL = (1, 3, 5, 7, 11, 15, 17, 23, 27, 35, 39)


def first_unknown_critical(nums):
    for n in nums:
        if n & 1 and n not in KNOWN_CRITICAL:
            return n
    return 0


class Rng:
    """xorshift32: the same sequence on both interpreters, no allocation on 64-bit ports."""

    def __init__(self, seed):
        self.x = (seed & 0xFFFFFFFF) or 0x9E3779B9

    def u32(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x

    def below(self, n):
        """Uniform enough in [0, n) for n up to 2**32."""
        return self.u32() % n if n > 0 else 0

    def chance(self, percent):
        return self.u32() % 100 < percent

    def bytes(self, n):
        b = bytearray(n)
        for i in range(n):
            b[i] = self.u32() & 0xFF
        return b


def large_payload(size):
    """The body of AiocoapServer.large() in host_tests/coap_servers.py."""
    line = b"".join(b"%05d|" % k for k in range(0, size, 6))
    return line[:size]


def codec_batch(in_path, out_path):
    """For host_tests/test_diff_aiocoap.py: in_path holds [{"spec": spec, "wire": hex}, ...];
    writes [{"enc": hex of encode(spec), "dec": decode(wire) or "FormatError: ..."}, ...] to
    out_path and returns the count. One interpreter start for a whole batch."""
    import json

    with open(in_path) as f:
        batch = json.load(f)
    enc = Encoder()
    m = Message()
    out = []
    for item in batch:
        try:
            dec = decode(unhex(item["wire"]), -1, m)
        except FormatError as e:
            dec = "FormatError: %s" % e
        out.append({"enc": hexs(encode(item["spec"], enc)), "dec": dec})
    with open(out_path, "w") as f:
        json.dump(out, f)
    return len(out)
