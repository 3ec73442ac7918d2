# The codec's Encoder as it was before Encoder.opts() (commit 70de003, lib/coap/message.py):
# one call per option, each option header written by its own code. Kept verbatim as a
# reference the one-pass encoder must agree with byte for byte (case_codec).
from array import array

# the codec's micropython module: on CPython coap._host's, which installs ptr8 and ptr16
from coap.message import micropython


class OldEncoder:
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
