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
_ERRORS = ("", "short", "version", "token", "marker", "past end", "nibble 15", "number", "empty")


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


class Encoder:
    """Builds one message at a time in a reused buffer.

    Call header(), then opt()/uint() in ascending option number, then
    payload(); the message is buf[:len(encoder)]. Errors (option order,
    overflow) raise ValueError and leave the buffer to the next header()."""

    def __init__(self, size=1152):  # RFC 7252 §4.6: datagrams up to 1152 bytes
        self.buf = bytearray(size)
        # Write position, last option number, capacity: one array rather than
        # three attributes, as viper reads it through one pointer.
        self._st = array("H", (0, 0, size))

    def __len__(self):
        return self._st[0]

    def header(self, mtype, code, mid, token):
        tkl = len(token)
        if tkl > 8 or 4 + tkl > self._st[2]:
            raise ValueError("token > 8 bytes or buffer too small")
        b = self.buf
        b[0] = 0x40 | mtype << 4 | tkl  # version 1
        b[1] = code
        b[2] = mid >> 8
        b[3] = mid & 0xFF
        b[4 : 4 + tkl] = token
        st = self._st
        st[0] = 4 + tkl
        st[1] = 0

    @micropython.viper
    def opt(self, num: int, value):
        """Append option num with a bytes-like value."""
        st = ptr16(self._st)
        n = int(len(value))
        d = num - st[1]
        i = st[0]
        # 5: the longest option header, RFC 7252 §3.1 (reserved even when the
        # header will be shorter: viper writes without bounds checks)
        if d < 0 or num > 65535 or i + 5 + n > st[2]:
            raise ValueError("option order or size")
        st[1] = num
        b = ptr8(self.buf)
        j = i + 1
        h = 0
        e = 0
        while e < 2:  # the delta, then the length: RFC 7252 §3.1
            v = n if e else d
            if v < 13:
                x = v
            elif v < 269:  # nibble 13: one more byte, value - 13
                x = 13
                b[j] = v - 13
                j += 1
            else:  # nibble 14: two more bytes, value - 269
                x = 14
                b[j] = (v - 269) >> 8
                b[j + 1] = (v - 269) & 0xFF
                j += 2
            h = h << 4 | x
            e += 1
        b[i] = h
        src = ptr8(value)
        for k in range(n):
            b[j + k] = src[k]
        st[0] = j + n

    def uint(self, num, v):
        """Append option num as an unsigned integer in minimal length (RFC 7252 §3.2)."""
        if not 0 <= v <= 0xFFFFFFFF:
            raise ValueError("uint option out of range")
        n = 0 if v == 0 else 1 if v < 0x100 else 2 if v < 0x10000 else 3 if v < 0x1000000 else 4
        self.opt(num, _ZEROS[n])  # the header, then the value over the zeros
        b = self.buf
        k = self._st[0]
        while n:
            k -= 1
            n -= 1
            b[k] = v & 0xFF
            v >>= 8

    def payload(self, data):
        n = len(data)
        if n:  # RFC 7252 §3: no marker without payload
            st = self._st
            i = st[0]
            if i + 1 + n > st[2]:
                raise ValueError("message too big")
            b = self.buf
            b[i] = 0xFF
            b[i + 1 : i + 1 + n] = data
            st[0] = i + 1 + n


_ZEROS = (b"", b"\0", b"\0\0", b"\0\0\0", b"\0\0\0\0")


class Message:
    """A decoded message over a received buffer, reusable for the next one.

    decode() checks the whole RFC 7252 §3 format once and indexes the options
    as (number, offset, length) triples in a reused array; accessors read
    from that index and never re-parse. decode() allocates nothing."""

    def __init__(self):
        self._idx = array("H", bytes(48))  # 8 options; doubles when needed
        self._res = array("H", bytes(2))
        self.data = b""
        self.mtype = self.code = self.mid = self.tkl = self.nopt = 0
        self.pay = self.end = 4
        self.body = None
        self._src = self._view = self._pv = None
        self._span = 0  # pay << 16 | end of _pv

    def decode(self, data, n=-1):
        """Parse data[:n] (all of data by default) in place; raise FormatError
        on any RFC 7252 §3 format error."""
        if n < 0 or n > len(data):
            n = len(data)
        if n > 0xFFFF:  # more than a UDP datagram holds; the option index is 16-bit
            raise FormatError("too long")
        idx = self._idx
        r = _scan(data, n, idx, len(idx), self._res)
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
            return b""
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
