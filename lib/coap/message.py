# CoAP message codec: RFC 7252 §3 wire format, RFC 7959 §2.2 block values and
# RFC 7641 §3.4 observe freshness.
#
# Encoding writes into one preallocated bytearray (Encoder); decoding indexes a
# received datagram in place (Message): the payload is a memoryview of it, never a
# copy, made once per buffer and payload span. Both reuse their buffers, so a round
# trip that encodes and decodes one message again and again allocates nothing.
from array import array

import micropython
from micropython import const

# Message types, RFC 7252 §3
CON = const(0)
NON = const(1)
ACK = const(2)
RST = const(3)

_MARKER = const(0xFF)  # RFC 7252 §3: payload marker
# The option index grows from 8 to at most 256 options (1.5 KB): an implementation
# limit, so that a hostile datagram cannot make a small board's index huge.
_MAX_IDX = const(768)
# Critical (odd) options a client understands, RFC 7252 §5.4.1: If-Match 1,
# Uri-Host 3, If-None-Match 5, Uri-Port 7, Uri-Path 11, Uri-Query 15, Accept 17,
# Block2 23, Block1 27 as a bit mask; Proxy-Uri 35 and Proxy-Scheme 39 by name.
_KNOWN_CRITICAL = const(0x088288AA)  # bits 1 3 5 7 11 15 17 23 27
_ERRORS = const(
    ("", "short", "version", "token", "marker", "past end", "nibble 15", "number", "empty")
)


class FormatError(ValueError):
    """A datagram that is not a CoAP message (RFC 7252 §3): the only exception
    Message.decode raises."""


# The byte loops below are viper: machine-word integers and raw pointers, 10 to
# 20 times faster than bytecode. Viper does no bounds checks, so every index is
# checked against the length first, and every stored byte is masked so the
# same code is correct on CPython's bytearray.
@micropython.viper
def _scan(data, n: int, idx, cap: int, res) -> int:
    # RFC 7252 §3 format check and option index: (number, offset, length)
    # triples into idx (array H of cap entries). Returns the payload offset, -e
    # for error _ERRORS[e], or -9 when idx is full.
    p = ptr8(data)
    x = ptr16(idx)
    if n < 4:
        return -1
    h = p[0]
    if h >> 6 != 1:
        return -2
    i = 4 + (h & 15)
    if h & 15 > 8 or i > n:
        return -3  # RFC 7252 §3: TKL 9-15 is a format error
    if p[1] == 0 and n > 4:
        return -8  # RFC 7252 §4.1
    num = 0
    k = 0
    while i < n:
        h = p[i]
        i += 1
        if h == 0xFF:
            if i == n:
                return -4
            break
        d = h >> 4
        ln = h & 15
        if d > 12 or ln > 12:
            # RFC 7252 §3.1: nibble 13 takes one more byte (+13), 14 two more
            # (+269), 15 is reserved; the delta's bytes come first.
            e = 0
            while e < 2:
                v = ln if e else d
                if v == 15:
                    return -6
                if v > 12:
                    if i + v - 12 > n:
                        return -5
                    if v == 13:
                        v = p[i] + 13
                        i += 1
                    else:
                        v = (p[i] << 8 | p[i + 1]) + 269
                        i += 2
                if e:
                    ln = v
                else:
                    d = v
                e += 1
        num += d
        if num > 65535:
            return -7
        if i + ln > n:
            return -5
        if k == cap:
            return -9
        x[k] = num
        x[k + 1] = i
        x[k + 2] = ln
        k += 3
        i += ln
    ptr16(res)[0] = k
    return i


# Encoder.opts() flags, or-ed into an option number (numbers end at 65535, RFC 7252 §3.1):
UINT = const(0x10000)  # the value is an int, sent as a uint option in minimal length (§3.2)
EACH = const(0x20000)  # the value is a sequence of values: the option once for each, in order
# uint bounds as objects: viper compares an int object only with objects, and its int() of
# a larger one drops the high bits (on a 32-bit board 2**32 + 5 would go out as 5).
_UINT_MIN = 0
_UINT_MAX = 0xFFFFFFFF
_ABSENT = None  # None as an object: viper's `is` takes no None constant
# len as a module global: a builtin's name is searched through the whole builtins table on
# each use (1.6 k cycles on an RP2040 from viper), a module global is one hash probe (0.4 k).
# The hot paths (Encoder, Message.decode) use it.
_len = len


class Encoder:
    """Builds one message at a time in a reused buffer.

    Call header(), then opts() (or opt()/uint() one by one) in ascending option number, then
    payload(); the message is buf[:len(encoder)]. Errors (option order, overflow, a uint out
    of range) raise ValueError and leave the message as it was before the call: header()
    starts the next one."""

    def __init__(self, size=1152):  # RFC 7252 §4.6: datagrams up to 1152 bytes
        self.buf = bytearray(size)
        # Write position, last option number, capacity: one array rather than
        # three attributes, as viper reads it through one pointer.
        self._st = array("H", (0, 0, size))
        self._one = [0, None]  # opt() and uint() as an opts() of one option, no list each

    def __len__(self):
        return self._st[0]

    @micropython.viper
    def header(self, mtype: int, code: int, mid: int, token):
        """Start a message: RFC 7252 §3 version 1, type, token length, code, message ID, token."""
        st = ptr16(self._st)
        tkl = int(_len(token))
        if tkl > 8 or 4 + tkl > st[2]:  # RFC 7252 §3: TKL 9-15 are reserved
            raise ValueError("token > 8 bytes or buffer too small")
        b = ptr8(self.buf)
        b[0] = 0x40 | (mtype & 3) << 4 | tkl  # version 1
        b[1] = code & 0xFF
        b[2] = (mid >> 8) & 0xFF
        b[3] = mid & 0xFF
        t = ptr8(token)
        k = 0
        while k < tkl:
            b[4 + k] = t[k]
            k += 1
        st[0] = 4 + tkl
        st[1] = 0

    @micropython.viper
    def opts(self, seq):
        """Append the options of seq, a flat sequence number, value, number, value...: in
        ascending number (a repeat is in order), a value None for an absent option. A value
        goes out as it is (bytes-like), as a uint option with the number | UINT, and each of a
        sequence of values with the number | EACH (| UINT: of ints). One viper pass over all
        of them: no Python call per option."""
        st = ptr16(self._st)
        b = ptr8(self.buf)
        i = st[0]
        last = st[1]
        # 5: the longest option header, RFC 7252 §3.1, reserved before anything is written
        # (even when the header will be shorter: viper writes without bounds checks)
        end = st[2] - 5
        m = int(_len(seq))
        if m & 1:
            raise ValueError("an option number without its value")
        absent = _ABSENT
        k = 0
        while k < m:
            num = int(seq[k])
            vals = seq[k + 1]
            k += 2
            if vals is absent:
                continue
            kind = num & (UINT | EACH)
            num ^= kind
            if num < last or num > 65535:  # RFC 7252 §3.1: ascending, 16 bits
                raise ValueError("option order")
            c = int(_len(vals)) if kind & EACH else 1
            q = 0
            while q < c:
                v = vals[q] if kind & EACH else vals
                q += 1
                x = 0
                if kind & UINT:
                    if v < _UINT_MIN or v > _UINT_MAX:
                        raise ValueError("uint option out of range")
                    # RFC 7252 §3.2: the fewest bytes, none for 0. On a 32-bit board int()
                    # of 2**31 and more is negative: its shifts stay nonzero, 4 bytes.
                    x = int(v)
                    n = 4
                    if x >> 24 == 0:
                        n = 3
                    if x >> 16 == 0:
                        n = 2
                    if x >> 8 == 0:
                        n = 1
                    if x == 0:
                        n = 0
                else:
                    n = int(_len(v))
                if i + n > end:
                    raise ValueError("option size")
                # RFC 7252 §3.1: delta and length nibbles; 13: one more byte (value - 13),
                # 14: two more (value - 269), the delta's extension first. Every stored byte
                # is masked: the same code runs on CPython's bytearray.
                d = num - last
                last = num
                j = i + 1
                if d < 13:
                    h = d << 4
                elif d < 269:
                    h = 0xD0
                    b[j] = (d - 13) & 0xFF
                    j += 1
                else:
                    h = 0xE0
                    b[j] = ((d - 269) >> 8) & 0xFF
                    b[j + 1] = (d - 269) & 0xFF
                    j += 2
                if n < 13:
                    h |= n
                elif n < 269:
                    h |= 13
                    b[j] = (n - 13) & 0xFF
                    j += 1
                else:
                    h |= 14
                    b[j] = ((n - 269) >> 8) & 0xFF
                    b[j + 1] = (n - 269) & 0xFF
                    j += 2
                b[i] = h
                i = j + n
                if kind & UINT:  # big-endian, from the last byte back
                    while j < i:
                        i -= 1
                        b[i] = x & 0xFF
                        x >>= 8
                    i = j + n
                else:
                    src = ptr8(v)
                    t = 0
                    while t < n:
                        b[j + t] = src[t]
                        t += 1
        # all or nothing: only a pass without error moves the message on
        st[0] = i
        st[1] = last

    def opt(self, num, value):
        """Append option num with a bytes-like value."""
        if not 0 <= num <= 65535:  # else it could pass for a number with opts()'s flags
            raise ValueError("option number")
        o = self._one
        o[0] = num
        o[1] = value
        self.opts(o)

    def uint(self, num, v):
        """Append option num as an unsigned integer in minimal length (RFC 7252 §3.2)."""
        if not 0 <= num <= 65535:
            raise ValueError("option number")
        o = self._one
        o[0] = num | UINT
        o[1] = v
        self.opts(o)

    @micropython.viper
    def payload(self, data):
        """Append the payload marker and data (nothing for no data, RFC 7252 §3)."""
        n = int(_len(data))
        if n == 0:
            return
        st = ptr16(self._st)
        i = st[0]
        if i + 1 + n > st[2]:
            raise ValueError("message too big")
        b = ptr8(self.buf)
        b[i] = 0xFF
        src = ptr8(data)
        i += 1
        t = 0
        while t < n:
            b[i + t] = src[t]
            t += 1
        st[0] = i + n


class Message:
    """A decoded message over a received buffer, reusable for the next one.

    decode() checks the whole RFC 7252 §3 format once and indexes the options
    as (number, offset, length) triples in a reused array; accessors read
    from that index and never re-parse. decode() allocates nothing."""

    def __init__(self):
        self._idx = array("H", bytes(48))  # 8 options; doubles when needed
        self._res = array("H", bytes(2))
        # bytes(): the interpreter's empty bytes (a b"" is a constant object of its own in a
        # .mpy, in the heap)
        self.data = bytes()  # noqa: UP018
        self.mtype = self.code = self.mid = self.tkl = self.nopt = 0
        self.pay = self.end = 4
        self.body = None
        self._src = self._view = self._pv = None
        self._span = 0  # pay << 16 | end of _pv

    def decode(self, data, n=-1):
        """Parse data[:n] (all of data by default) in place; raise FormatError
        on any RFC 7252 §3 format error."""
        if n < 0 or n > _len(data):  # _len: see above, bytecode searches builtins alike
            n = _len(data)
        if n > 0xFFFF:  # more than a UDP datagram holds; the option index is 16-bit
            raise FormatError("too long")
        idx = self._idx
        r = _scan(data, n, idx, _len(idx), self._res)
        while r == -9 and len(idx) < _MAX_IDX:  # more options than indexed: grow
            idx.extend(array("H", bytes(2 * len(idx))))
            r = _scan(data, n, idx, len(idx), self._res)
        if r < 0:
            self.nopt = 0  # nothing half-decoded stays readable
            raise FormatError(_ERRORS[-r] if r > -9 else "too many options")
        self.data = data
        b0 = data[0]
        self.mtype = (b0 >> 4) & 3
        self.tkl = b0 & 15
        self.code = data[1]
        self.mid = data[2] << 8 | data[3]
        self.nopt = self._res[0]
        self.pay = r  # payload offset; no view is made until payload() asks
        self.end = n
        self.body = None
        return self

    def payload(self):
        """The payload: a memoryview into data (no copy), or the body a
        block-wise transfer reassembled. The view is made once per buffer and
        span: a buffer decoded again with the same layout gets the same view."""
        if self.body is not None:
            return self.body
        if self.pay == self.end:
            return bytes()  # noqa: UP018 - not b"" (see __init__)
        span = self.pay << 16 | self.end
        if self._src is not self.data:  # one view per buffer, reused while it is
            self._src = self.data
            self._view = memoryview(self.data)
            self._span = 0
        if span != self._span:
            self._span = span
            self._pv = self._view[self.pay : self.end]
        return self._pv

    # Methods, not properties: a property on the class makes every attribute
    # store on its instances look the class up, which doubles decode() time.
    def token(self):
        return bytes(self.data[4 : 4 + self.tkl])

    def token_is(self, token):
        """True if the token is token (allocates nothing: no slice)."""
        return same_token(self.data, self.tkl, token)

    def critical(self):
        """The first critical (odd) option a client does not know, or 0:
        such a response must be rejected. RFC 7252 §5.4.1"""
        idx = self._idx
        for k in range(0, self.nopt, 3):
            num = idx[k]
            if num & 1 and (num > 31 or not (_KNOWN_CRITICAL >> num) & 1) and num not in (35, 39):
                return num
        return 0

    def opt(self, num):
        """First value of option num as bytes, or None."""
        idx = self._idx
        for k in range(0, self.nopt, 3):
            if idx[k] == num:
                o = idx[k + 1]
                return bytes(self.data[o : o + idx[k + 2]])
        return None

    def uint(self, num, default=None):
        """Option num as an unsigned integer (RFC 7252 §3.2), or default."""
        idx = self._idx
        data = self.data
        for k in range(0, self.nopt, 3):
            if idx[k] == num:
                o = idx[k + 1]
                v = 0
                for j in range(o, o + idx[k + 2]):
                    v = v << 8 | data[j]
                return v
        return default

    def opts(self, num=-1):
        """All values of option num as bytes, in order; with no number, every
        option as (number, value) pairs."""
        idx = self._idx
        data = self.data
        out = []
        for k in range(0, self.nopt, 3):
            o = idx[k + 1]
            v = bytes(data[o : o + idx[k + 2]])
            if num < 0:
                out.append((idx[k], v))
            elif idx[k] == num:
                out.append(v)
        return out


def same_token(data, tkl, token):
    """True if datagram data (TKL tkl, which fits in data) carries token. RFC 7252 §5.3.1"""
    if tkl != len(token):
        return False
    for i in range(tkl):
        if data[4 + i] != token[i]:
            return False
    return True


def code_str(code):
    """'2.05' for 0x45, RFC 7252 §3 c.dd."""
    return "%d.%02d" % (code >> 5, code & 31)


# RFC 7959 §2.2: Block1/Block2 value = NUM << 4 | M << 3 | SZX, size 2**(SZX+4)
def block(num, more, szx):
    return num << 4 | (8 if more else 0) | szx


def block_size(value):
    return 16 << (value & 7)


def fresher(v1, v2, elapsed_ms):
    """True if notification v2, arriving elapsed_ms after v1, is the newer one:
    RFC 7641 §3.4 with 24-bit sequence numbers and a 128 s horizon."""
    return (
        (v1 < v2 and v2 - v1 < 0x800000) or (v1 > v2 and v1 - v2 > 0x800000) or elapsed_ms > 128000
    )
