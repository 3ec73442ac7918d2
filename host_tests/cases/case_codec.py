# The codec (lib/coap/message.py) against RFC 7252 §3 (message format), §3.2 (uint options),
# §4.1 (empty messages), §5.4.1 (critical options), RFC 7959 §2.2 (block values), RFC 7641
# §3.4 (freshness), and the bad-input vectors of shared/notes/coap-conformance.md.
# A dual-interpreter case module (host_tests/dual.py): runs under CPython and MicroPython.
import caseutil
from caseutil import (
    Rng,
    case,
    crit,
    decode,
    eq,
    format_error,
    hexs,
    raises,
    ref_encode,
    spec,
    unhex,
)
from old_encoder import OldEncoder

from coap.message import (
    ACK,
    CON,
    EACH,
    NON,
    RST,
    UINT,
    Encoder,
    FormatError,
    Message,
    block,
    block_size,
    code_str,
    fresher,
)

GET = 0x01
CONTENT = 0x45


def build(mtype=CON, code=GET, mid=0x1234, token=b"", opts=(), payload=b"", size=1152):
    return caseutil.build(mtype, code, mid, token, opts, payload, Encoder(size))


# -- header (RFC 7252 §3) ----------------------------------------------------------------------


def test_header_fields():
    m = Message()
    for mtype in (CON, NON, ACK, RST):
        for code in (0x01, 0x02, 0x03, 0x04, 0x45, 0x84, 0xA0, 0xFF):
            for mid in (0, 1, 0x1234, 0xFF00, 0xFFFF):
                data = build(mtype, code, mid, b"\x07")
                eq(hexs(data[:4]), hexs(bytes((0x41 | mtype << 4, code, mid >> 8, mid & 0xFF))))
                eq(len(data), 5, "length")
                m.decode(data)
                eq((m.mtype, m.code, m.mid, m.tkl), (mtype, code, mid, 1), "fields")
    eq((CON, NON, ACK, RST), (0, 1, 2, 3), "type constants")


def test_header_bytes_literal():
    # 0x52: version 1, NON, TKL 2; GET; MID 0xABCD; token "hi"; Uri-Path "x"; payload "!"
    data = unhex("5201abcd6869b178ff21")
    eq(build(NON, GET, 0xABCD, b"hi", [(11, b"x")], b"!"), data, "encoding")
    m = Message().decode(data)
    eq((m.mtype, m.code, m.mid, m.tkl), (NON, GET, 0xABCD, 2), "fields")
    eq(m.token(), b"hi", "token")
    eq(m.opts(), [(11, b"x")], "options")
    eq(bytes(m.payload()), b"!", "payload")


def test_code_str():
    for code, s in ((0, "0.00"), (1, "0.01"), (0x45, "2.05"), (0x84, "4.04"), (0xA3, "5.03")):
        eq(code_str(code), s, "code_str(%d)" % code)
    eq(code_str(0xFF), "7.31", "code_str(0xff)")
    eq(code_str(0x5F), "2.31", "code_str(0x5f)")


def test_token_lengths_0_to_8():
    m = Message()
    for tkl in range(9):
        tok = bytes(range(0xF0, 0xF0 + tkl))
        data = build(token=tok, opts=[(11, b"a")])
        eq(data[0] & 15, tkl, "TKL nibble")
        eq(data[4 : 4 + tkl], tok, "token bytes")
        m.decode(data)
        eq(m.tkl, tkl, "tkl")
        eq(m.token(), tok, "token()")
        assert m.token_is(tok), tkl
        assert not m.token_is(tok + b"\0"), tkl
        if tkl:
            assert not m.token_is(tok[:-1] + b"\0"), tkl
            assert not m.token_is(tok[:-1]), tkl
        else:
            assert not m.token_is(b"\xf0"), tkl
        eq(m.opts(), [(11, b"a")], "options after the token")


def test_token_length_9_to_15_is_format_error():
    for tkl in range(9, 16):
        data = bytes((0x40 | tkl, GET, 0, 1)) + bytes(range(1, 16))  # enough bytes for any TKL
        format_error(data)
    raises(ValueError, Encoder().header, CON, GET, 1, b"123456789")


def test_token_shorter_than_tkl_is_format_error():
    for tkl in range(1, 9):
        data = bytes((0x40 | tkl, GET, 0, 1)) + bytes(tkl - 1)
        format_error(data)
    Message().decode(bytes((0x48, GET, 0, 1)) + bytes(8))  # exactly TKL bytes: fine


def test_version_not_1_is_format_error():
    good = build(token=b"t", opts=[(11, b"a")], payload=b"p")
    Message().decode(good)
    for version in (0, 2, 3):
        format_error(bytes((good[0] & 0x3F | version << 6,)) + good[1:])


def test_shorter_than_header_is_format_error():
    for data in (b"", b"\x40", b"\x40\x01", b"\x40\x01\x00"):
        format_error(data)
    format_error(b"\x40\x01\x00\x01", 3)  # n cuts the header


def test_empty_message():
    m = Message()
    for mtype in (CON, ACK, RST):
        data = build(mtype, 0, 0xBEEF)
        eq(data, bytes((0x40 | mtype << 4, 0, 0xBE, 0xEF)), "encoding")
        m.decode(data)
        eq((m.mtype, m.code, m.mid, m.tkl), (mtype, 0, 0xBEEF, 0), "fields")
        eq((m.opts(), bytes(m.payload()), crit(m)), ([], b"", 0), "content")
    # RFC 7252 §4.1: nothing may follow the MID of an empty message (TKL 0, no options,
    # no payload), else it is a format error.
    for bad in ("4100beefaa", "4000beefb161", "6000beef00", "7000beefff01", "7000beefff"):
        format_error(unhex(bad))


# -- options (RFC 7252 §3.1) -------------------------------------------------------------------

# One empty option numbered n after the header: delta n from 0.
DELTAS = (
    (0, "00"),
    (1, "10"),
    (12, "c0"),
    (13, "d000"),
    (14, "d001"),
    (268, "d0ff"),
    (269, "e00000"),
    (270, "e00001"),
    (65000, "e0fcdb"),
    (65535, "e0fef2"),
)


def test_option_delta_boundaries():
    m = Message()
    for num, head in DELTAS:
        data = build(opts=[(num, b"")])
        eq(hexs(data[4:]), head, "option %d" % num)
        eq(decode(data)["o"], [[num, ""]], "decoded option %d" % num)
    # The same deltas between consecutive options: 1, 12, 13, 268, 269 and a repeat (0).
    nums = (1, 13, 26, 294, 563, 563)
    data = build(opts=[(n, b"") for n in nums])
    eq(hexs(data[4:]), "10c0d000d0ffe0000000", "delta chain")
    eq([n for n, v in m.decode(data).opts()], list(nums), "numbers")


def test_option_length_boundaries():
    m = Message()
    for ln, head in (
        (0, "10"),
        (1, "11"),
        (12, "1c"),
        (13, "1d00"),
        (14, "1d01"),
        (268, "1dff"),
        (269, "1e0000"),
        (270, "1e0001"),
        (1000, "1e02db"),
    ):
        value = bytes((k * 7 + 3) & 0xFF for k in range(ln))
        data = build(opts=[(1, value)])
        eq(hexs(data[4 : 4 + len(head) // 2]), head, "length %d header" % ln)
        eq(len(data), 4 + len(head) // 2 + ln, "length %d total" % ln)
        m.decode(data)
        eq(m.opt(1), value, "length %d value" % ln)


@case(board="test_large_option_number_and_length_board")
def test_large_option_number_and_length():
    # Option 65000 with a 65000-byte value: both extended to 2 bytes (64731 = 0xfcdb).
    value = bytes((k * 13) & 0xFF for k in range(65000))
    data = build(opts=[(65000, value)], payload=b"end", size=65100)
    eq(hexs(data[4:9]), "eefcdbfcdb", "header")
    m = Message().decode(data)
    eq(m.opts()[0][0], 65000, "number")
    assert m.opt(65000) == value
    eq(bytes(m.payload()), b"end", "payload")


def test_large_option_number_and_length_board():
    # The case above in a board's heap (its 65 KB value, buffer and copies do not fit in
    # 140-192 KB): option 65000 (delta 64731 = 0xfcdb) with a 4000-byte value, the length
    # extended to 2 bytes too (3731 = 0x0e93), index offsets and lengths past one byte, the
    # payload after the value.
    value = bytes((k * 13) & 0xFF for k in range(4000))
    data = build(opts=[(65000, value)], payload=b"end", size=4100)
    eq(hexs(data[4:9]), "eefcdb0e93", "header")
    eq(len(data), 4 + 5 + 4000 + 1 + 3, "length")
    m = Message().decode(data)
    eq(m.opts()[0][0], 65000, "number")
    assert m.opt(65000) == value
    eq(bytes(m.payload()), b"end", "payload")


def test_both_fields_extended():
    data = build(opts=[(20, b"x" * 20), (320, b"y" * 300)])
    # 20: delta 13+7, length 13+7 -> dd 07 07; 320: delta 300 = 269+31, length 300 -> ee 001f 001f
    eq(hexs(data[4:7]), "dd0707", "1-byte extensions")
    eq(hexs(data[27:32]), "ee001f001f", "2-byte extensions")
    eq(decode(data)["o"], [[20, hexs(b"x" * 20)], [320, hexs(b"y" * 300)]], "decoded")


def test_option_number_65535_ok_65536_error():
    data = build(opts=[(65535, b"z")])
    eq(decode(data)["o"], [[65535, "7a"]], "65535")
    e = Encoder()
    e.header(CON, GET, 1, b"")
    raises(ValueError, e.opt, 65536, b"")
    raises(ValueError, e.uint, 65536, 1)
    hdr = "40010001"
    format_error(unhex(hdr + "e0fef3"))  # a single delta of 65536
    format_error(unhex(hdr + "e0ffff"))  # the largest delta, 65804
    format_error(unhex(hdr + "e0fef2" + "10"))  # 65535, then delta 1
    format_error(unhex(hdr + "e0fef2" + "d000"))  # 65535, then delta 13
    eq(decode(unhex(hdr + "e0fef2" + "00"))["o"], [[65535, ""], [65535, ""]], "repeat 65535")


def test_reserved_nibble_15_is_format_error():
    hdr = "40010001"
    for opt in ("f0", "f1", "0f", "1f", "df", "fd", "ef", "fe", "b1610f"):
        format_error(unhex(hdr + opt + "00" * 4))


def test_truncated_option_is_format_error():
    hdr = "40010001"
    for opt in (
        "d0",  # 1-byte delta extension missing
        "e0",  # 2-byte delta extension missing
        "e000",  # ... half of it
        "0d",  # 1-byte length extension missing
        "0e00",  # 2-byte length extension half missing
        "dd00",  # delta extension present, length extension missing
        "036162",  # values running past the end
        "0d00" + "61" * 12,
        "0e0000" + "61" * 268,
        "b5616263ff",
    ):
        format_error(unhex(hdr + opt))


def test_many_options():
    # More options than the decoder's initial index holds: it must grow (and shrink back to
    # fewer on the next message without leftovers).
    opts = [(11, b"%d" % k) for k in range(60)] + [(15, b"q=%d" % k) for k in range(40)]
    data = build(opts=opts, payload=b"P")
    m = Message().decode(data)
    eq(m.opts(), opts, "options")
    eq(len(m.opts(11)), 60, "Uri-Path count")
    eq(m.opts(15)[-1], b"q=39", "last Uri-Query")
    m.decode(build(opts=[(12, 0)]))
    eq(m.opts(), [(12, b"")], "next message")


def test_option_accessors():
    data = build(
        token=b"\x01\x02",
        opts=[(3, b"h"), (11, b"a"), (11, b""), (11, b"c"), (12, 50), (15, b"x=1"), (15, b"y")],
        payload=b"body",
    )
    m = Message().decode(data)
    eq(m.opt(11), b"a", "opt() gives the first value")
    eq(m.opts(11), [b"a", b"", b"c"], "opts(11) in order")
    eq(m.opts(15), [b"x=1", b"y"], "opts(15)")
    eq(m.opt(4), None, "absent option")
    eq(m.opts(4), [], "absent options")
    eq(m.uint(12), 50, "uint")
    eq(m.uint(14), None, "absent uint")
    eq(m.uint(14, 60), 60, "absent uint default")
    eq(
        m.opts(),
        [(3, b"h"), (11, b"a"), (11, b""), (11, b"c"), (12, b"2"), (15, b"x=1"), (15, b"y")],
        "opts()",
    )
    eq(type(m.opt(11)), bytes, "opt() type")


def test_option_values_may_contain_ff():
    data = build(token=b"\xff", opts=[(4, b"\xff\xff"), (11, b"\xff")], payload=b"\xff\xff")
    m = Message().decode(data)
    eq(m.token(), b"\xff", "token")
    eq(m.opts(), [(4, b"\xff\xff"), (11, b"\xff")], "options")
    eq(bytes(m.payload()), b"\xff\xff", "payload")
    # A token of 0xff and nothing else: no marker, no payload.
    eq(decode(unhex("41010001ff")), spec(CON, GET, 1, b"\xff"), "token ff")


# -- uint options (RFC 7252 §3.2) --------------------------------------------------------------


def test_uint_minimal_encoding():
    m = Message()
    for v, want in (
        (0, ""),
        (1, "01"),
        (255, "ff"),
        (256, "0100"),
        (65535, "ffff"),
        (65536, "010000"),
        (2**24 - 1, "ffffff"),
        (2**24, "01000000"),
        (2**32 - 1, "ffffffff"),
    ):
        data = build(opts=[(14, v)])
        m.decode(data)
        eq(hexs(m.opt(14)), want, "uint %d" % v)
        eq(m.uint(14), v, "uint %d decoded" % v)
        eq(data[4] & 15, len(want) // 2, "uint %d length nibble" % v)


def test_uint_accepts_leading_zeros():
    hdr = "40010001"
    m = Message()
    for value, want in (("", 0), ("00", 0), ("0005", 5), ("00000000", 0), ("000100", 256)):
        opt = "%x%x" % (12, len(value) // 2) + value  # Content-Format, delta 12
        m.decode(unhex(hdr + opt))
        eq(m.uint(12), want, "uint of %r" % value)
    m.decode(unhex(hdr + "c3" + "00ffff" + "54" + "00000010"))  # 12, then 17
    eq((m.uint(12), m.uint(17)), (0xFFFF, 16), "two uints")


def test_uint_and_opt_mix_in_order():
    data = build(opts=[(6, 0), (11, b"obs"), (12, 0), (17, 50), (23, block(2, True, 6))])
    m = Message().decode(data)
    eq([n for n, v in m.opts()], [6, 11, 12, 17, 23], "numbers")
    eq((m.uint(6), m.uint(12), m.uint(17), m.uint(23)), (0, 0, 50, 0x2E), "values")


# -- payload marker ----------------------------------------------------------------------------


def test_payload_marker_rules():
    m = Message()
    data = build(opts=[(11, b"a")], payload=b"x")
    eq(hexs(data[-2:]), "ff78", "marker then payload")
    eq(bytes(m.decode(data).payload()), b"x", "payload")
    no_payload = build(opts=[(11, b"a")], payload=b"")
    eq(no_payload, build(opts=[(11, b"a")]), "no marker without payload")
    eq(bytes(m.decode(no_payload).payload()), b"", "empty payload")
    eq(bytes(m.decode(build(token=b"tk", payload=b"only")).payload()), b"only", "no options")
    format_error(no_payload + b"\xff")  # marker followed by a zero-length payload
    format_error(build(token=b"tk") + b"\xff")
    big = bytes(k & 0xFF for k in range(1024))
    eq(bytes(m.decode(build(payload=big)).payload()), big, "1024-byte payload")


def test_payload_is_a_view():
    buf = bytearray(build(token=b"t", payload=b"hello"))
    m = Message().decode(buf)
    p = m.payload()
    eq(bytes(p), b"hello", "payload")
    eq(len(p), 5, "len(payload)")
    assert isinstance(p, memoryview), type(p)
    eq(len(Message().decode(build()).payload()), 0, "no payload")


# -- decoding in place, reuse ------------------------------------------------------------------


def test_decode_bytes_bytearray_memoryview():
    data = build(NON, CONTENT, 77, b"tok", [(11, b"a"), (60, 9)], b"pay")
    want = decode(data)
    for d in (data, bytearray(data), memoryview(data), memoryview(bytearray(data))):
        eq(decode(d), want, type(d).__name__)
        assert Message().decode(d).token_is(b"tok"), type(d)


def test_decode_prefix_n():
    data = build(token=b"tk", opts=[(11, b"path")], payload=b"payload")
    junk = data + b"\xff\x12\xd0"
    m = Message()
    eq(decode(junk, len(data), m), decode(data), "n = len(message)")
    eq((m.pay, m.end), (len(data) - 7, len(data)), "offsets")
    eq(bytes(m.payload()), b"payload", "payload stops at n")
    eq(decode(data, -1), decode(data), "n = -1")
    eq(decode(data, 10**6), decode(data), "n > len(data)")
    eq(decode(data, len(data) - 3)["p"], hexs(b"payl"), "shorter payload")
    format_error(data, len(data) - 7)  # cut right after the marker
    eq(decode(data, 11)["o"], [[11, hexs(b"path")]], "cut after the option")
    format_error(data, 10)  # cut inside the option value
    eq(decode(data, 6), spec(CON, GET, 0x1234, b"tk"), "header and token only")
    format_error(data, 5)  # cut inside the token
    format_error(data, 0)
    # Received into a bigger reused buffer, as a client does with recv_into.
    buf = bytearray(64)
    buf[: len(data)] = data
    eq(decode(buf, len(data)), decode(data), "prefix of a buffer")


def test_reuse_leaves_no_stale_fields():
    m = Message()
    a = build(CON, 0x02, 0x1111, b"12345678", [(9, b"c"), (11, b"a"), (11, b"b")], b"AAA")
    b = build(ACK, 0, 0x2222)
    c = build(NON, CONTENT, 0x3333, b"x", [(12, 0)])
    m.decode(a)
    eq((m.tkl, crit(m), len(m.opts())), (8, 9, 3), "first")
    m.decode(b)
    eq((m.mtype, m.code, m.mid, m.tkl, crit(m)), (ACK, 0, 0x2222, 0, 0), "empty ACK fields")
    eq((m.token(), m.opts(), m.opt(11), bytes(m.payload())), (b"", [], None, b""), "content")
    assert not m.token_is(b"12345678")
    m.decode(c)
    eq(decode(c), decode(c, -1, m), "third")
    eq((m.opts(11), m.uint(12), bytes(m.payload()), crit(m)), ([], 0, b"", 0), "no leftovers")
    # A failed decode between two good ones leaves nothing behind for the next.
    format_error(unhex("40010001b161" + "0f"), -1, m)
    eq(decode(c, -1, m), decode(c), "after a format error")
    # The same receive buffer overwritten with the next datagram (one payload view per buffer).
    buf = bytearray(64)
    buf[: len(a)] = a
    eq(bytes(m.decode(buf, len(a)).payload()), b"AAA", "first in buffer")
    d = build(CON, 0x03, 0x4444, b"", [(11, b"z")], b"DDDDD")
    buf[: len(d)] = d
    m.decode(buf, len(d))
    eq((m.mid, m.opts(), bytes(m.payload())), (0x4444, [(11, b"z")], b"DDDDD"), "second")


# -- encoder errors ----------------------------------------------------------------------------


def test_encoder_option_order():
    e = Encoder()
    e.header(CON, GET, 1, b"t")
    e.opt(11, b"a")
    before = bytes(e.buf[: len(e)])
    raises(ValueError, e.opt, 3, b"h")
    raises(ValueError, e.uint, 7, 5683)
    eq(bytes(e.buf[: len(e)]), before, "unchanged after the errors")
    e.opt(11, b"b")  # a repeat is in order
    e.uint(12, 0)
    eq(decode(bytes(e.buf[: len(e)]))["o"], [[11, "61"], [11, "62"], [12, ""]], "result")
    e.header(CON, GET, 2, b"")  # header() starts over: any number is in order again
    e.opt(3, b"h")
    eq(decode(bytes(e.buf[: len(e)]))["o"], [[3, "68"]], "after a new header")


def _guarded(size):
    # An Encoder writing into the first `size` bytes of a larger buffer: anything written
    # past its buffer shows up in the guard bytes behind it (viper does no bounds checks).
    big = bytearray(b"\xa5" * (size + 32))
    e = Encoder(size)
    e.buf = memoryview(big)[:size]
    return e, big


def _guard_intact(big, size):
    eq(hexs(big[size:]), "a5" * 32, "bytes past the buffer")


def test_encoder_overflow_is_value_error():
    e, big = _guarded(16)
    e.header(CON, GET, 1, b"tk")
    e.opt(11, b"abc")  # 6 + 1 + 3 = 10 bytes
    n = len(e)
    raises(ValueError, e.opt, 11, b"0123456789")
    raises(ValueError, e.uint, 60, 2**32 - 1)
    raises(ValueError, e.payload, b"xyzxyz")  # 10 + 1 + 6 = 17
    eq(len(e), n, "length unchanged")
    _guard_intact(big, 16)
    e.payload(b"xyzxy")  # exactly fills the buffer
    eq(len(e), 16, "full")
    eq(decode(bytes(e.buf[:16]))["p"], hexs(b"xyzxy"), "payload")
    _guard_intact(big, 16)

    e, big = _guarded(64)
    e.header(NON, GET, 2, b"")
    raises(ValueError, e.payload, b"p" * 60)  # 4 + 1 + 60 > 64
    e.payload(b"p" * 59)
    eq(len(e), 64, "payload to the last byte")
    _guard_intact(big, 64)

    e = Encoder()
    e.header(CON, 0x02, 3, b"")
    raises(ValueError, e.payload, bytes(1152))
    e.opt(11, bytes(500))
    raises(ValueError, e.opt, 11, bytes(700))
    e.payload(bytes(500))
    eq(len(e), 4 + 3 + 500 + 1 + 500, "1152-byte default buffer")


def test_encoder_header_overflow_is_value_error():
    e = Encoder(8)
    raises(ValueError, e.header, CON, GET, 1, b"12345678")  # 12 bytes into 8
    eq(len(e.buf), 8, "buffer size")
    assert len(e) <= 8, len(e)
    e, big = _guarded(8)
    raises(ValueError, e.header, CON, GET, 1, b"123456789"[:5])  # 9 bytes into 8
    _guard_intact(big, 8)
    e.header(CON, GET, 1, b"1234")  # exactly 8
    eq(bytes(e.buf[:8]), unhex("4401000131323334"), "full header")
    _guard_intact(big, 8)


# -- options in one pass: Encoder.opts() (RFC 7252 §3.1, §3.2) -------------------------------

_UINTS = (0, 0, 1, 12, 13, 255, 256, 268, 269, 0xFFFF, 0x10000, 0xFFFFFF, 0x1000000,
          0x3FFFFFFF, 0x40000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)  # fmt: skip
_EDGES = (0, 0, 1, 12, 13, 14, 268, 269, 270)  # of deltas and lengths: the nibbles' ends


def _ubytes(v):
    """A uint's value bytes, RFC 7252 §3.2: big-endian, the fewest, none for 0."""
    out = b""
    while v:
        out = bytes((v & 0xFF,)) + out
        v >>= 8
    return out


def _random_options(rng, budget):
    """[(number, bytes or int)] in ascending number, within budget bytes: repeats, extended
    deltas and lengths (both nibble ends), empty values and 0-valued uints all frequent."""
    opts = []
    num = 0
    for _ in range(rng.below(14)):
        r = rng.below(10)
        if r < 6:
            d = _EDGES[rng.below(len(_EDGES))]
        else:
            d = rng.below(2000) if r < 9 else rng.below(65536)
        if num + d > 65535:
            break
        num += d
        if rng.chance(30):  # a uint: the byte-count edges, or random of any size
            v = _UINTS[rng.below(len(_UINTS))] if rng.chance(60) else rng.u32() >> rng.below(32)
            size = 4
        else:
            size = _EDGES[rng.below(len(_EDGES))] if rng.chance(50) else rng.below(40)
            v = bytes(rng.bytes(size))
        if 5 + size > budget:
            break
        budget -= 5 + size
        opts.append((num, v))
    return opts


def _flat(opts, rng):
    """opts as one flat opts() sequence: number | UINT for an int, and absent options (None)
    between them now and then."""
    seq = []
    for n, v in opts:
        if rng.chance(15):
            seq.append(rng.below(0x40000))  # absent: skipped, whatever its number and flags
            seq.append(None)
        seq.append(n | UINT if isinstance(v, int) else n)
        seq.append(v)
    return seq


def _grouped(opts):
    """opts with each run of one number and kind as number | EACH, (its values)."""
    seq = []
    k = 0
    while k < len(opts):
        n, v = opts[k]
        uint = isinstance(v, int)
        j = k
        while j < len(opts) and opts[j][0] == n and isinstance(opts[j][1], int) == uint:
            j += 1
        seq.append(n | EACH | (UINT if uint else 0))
        seq.append(tuple(x for _, x in opts[k:j]))
        k = j
    return seq


def _encoded(e, mid, token, seqs, payload):
    e.header(CON, 0x02, mid, token)
    for seq in seqs:
        e.opts(seq)
    e.payload(payload)
    return hexs(e.buf[: len(e)])


@case(compare=True, timeout=180)
def test_opts_encodes_like_the_reference_and_the_old_encoder():
    # Random option sets, each encoded by the plain reference encoder, by the encoder of
    # before opts() (a call per option) and by opts() in every form: flat, with absent
    # options, runs as EACH, split over two calls, and opt()/uint() one at a time. All must
    # be byte-identical, and decode back to the options.
    rng = Rng(0xC0DEC)
    e = Encoder(1400)
    old = OldEncoder(1400)
    m = Message()
    digest = 0
    for i in range(250):
        opts = _random_options(rng, 1250)
        token = bytes(rng.bytes(rng.below(9)))
        payload = bytes(rng.bytes(rng.below(3) * rng.below(40)))
        want = hexs(ref_encode(CON, 0x02, i, token, opts, payload))
        what = "set %d %r" % (i, opts)
        # opt()/uint() one at a time (caseutil.build), on the old encoder and on ours
        eq(hexs(caseutil.build(CON, 0x02, i, token, opts, payload, old)), want, "old, " + what)
        eq(_encoded(e, i, token, [_flat(opts, rng)], payload), want, "opts() flat, " + what)
        eq(_encoded(e, i, token, [_grouped(opts)], payload), want, "opts() EACH, " + what)
        k = rng.below(len(opts) + 1)  # the second call goes on from the first's last number
        two = [_flat(opts[:k], rng), _grouped(opts[k:])]
        eq(_encoded(e, i, token, two, payload), want, "opts() in two, " + what)
        eq(hexs(caseutil.build(CON, 0x02, i, token, opts, payload, e)), want, "opt(), " + what)
        m.decode(e.buf, len(e))
        eq(m.opts(), [(n, _ubytes(v) if isinstance(v, int) else v) for n, v in opts], what)
        eq(bytes(m.payload()), payload, "payload, " + what)
        for c in unhex(want):
            digest = (digest * 33 + c) & 0xFFFFFFFF
    return {"digest": digest}


def test_opts_forms():
    e = Encoder(64)
    e.header(CON, GET, 1, b"")
    # absent options (None) and empty runs write nothing; bytes, bytearray and memoryview
    # values alike; 0 as a uint has no bytes (RFC 7252 §3.2)
    path = (b"a", bytearray(b"bc"), memoryview(b"xdx")[1:2])
    e.opts((3, None, 6 | UINT, 0, 11 | EACH, path, 12 | UINT, None, 15 | EACH, (),
            17 | UINT, 50, 23 | UINT | EACH, (0, 0x1234)))  # fmt: skip
    eq(hexs(e.buf[4 : len(e)]), "60" + "5161" + "026263" + "0164" + "6132" + "60" + "021234")
    e.opts(())
    e.opts((23, None))
    eq(len(e), 4 + 14, "nothing more")
    e.opts((23, b""))  # a repeat after the last of the one before
    eq(decode(e.buf[: len(e)])["o"][-3:], [[23, ""], [23, "1234"], [23, ""]], "repeat")


def test_opts_errors_leave_the_message_as_it_was():
    e, big = _guarded(40)
    e.header(CON, GET, 1, b"tk")
    e.opts((11, b"a"))
    before = hexs(e.buf[: len(e)])  # 6 + 2 bytes
    for seq in (
        (11, b"b", 3, b"h"),  # out of order in mid-sequence
        (12 | UINT, 5, 11, b"x"),
        (3, None, 11 | EACH, (b"b", b"c"), 4, b""),
        (11, b"b", 60 | UINT, -1),  # uints out of range, after a good option
        (11, b"b", 60 | UINT, 1 << 32),
        (60 | UINT, 1 << 40),
        (60 | UINT, -(1 << 40)),
        (60 | UINT | EACH, (1, 2, 1 << 33)),
        (11, b"b", 0x40000 | 12, b""),  # a number past 65535 and the flags
        (11, b"b", 12),  # a number without its value
        (11, b"x" * 28),  # 8 + 5 + 28 > 40: past the buffer (its header reserved)
        (11, b"b", 11, b"y" * 26),  # the second past the buffer
        (11 | EACH, (b"b", b"c", b"z" * 24)),  # the third of a run past the buffer
        (11, b"b" * 22, 60 | UINT, 0xFFFFFFFF),  # a uint past the buffer
    ):
        raises(ValueError, e.opts, seq)
        eq(hexs(e.buf[: len(e)]), before, "after %r" % (seq,))
        _guard_intact(big, 40)
    raises(TypeError, e.opts, (12, 50))  # an int without UINT: no buffer to copy
    raises(TypeError, e.opts, (12 | UINT, b"\x32"))  # bytes with UINT
    raises(TypeError, e.opts, (11 | EACH, 5))
    eq(hexs(e.buf[: len(e)]), before, "after the type errors")
    raises(ValueError, e.opt, 65536, b"")  # 65536 is 0 | UINT to opts(): opt() checks
    raises(ValueError, e.opt, -1, b"")
    raises(ValueError, e.uint, 0x20000 | 12, 1)
    # the message goes on from where it was: 11 then 12
    e.opts((11, b"b", 12 | UINT, 0xFFFFFFFF))
    e.payload(b"p")
    eq(hexs(e.buf[: len(e)]), before + "0162" + "14ffffffff" + "ff70", "after the errors")
    _guard_intact(big, 40)
    eq(len(e), 17, "length")


# -- bad-input vectors (shared/notes/coap-conformance.md) --------------------------------------


def test_bad_input_vectors_are_format_errors():
    hdr = "40010001"
    for v in (
        "40",  # shorter than a header: ignore
        "400197",
        "80019998",  # version 2: ignore
        "70001234ff",  # RST with a payload marker: empty message with content
        "59010001" + "00" * 9,  # TKL 9
        "5901000100",
        "44010001aabb",  # token shorter than TKL
        hdr + "b56162",  # option value past the end
        hdr + "d1",  # option header past the end
        hdr + "d0ff" * 245,  # option number past 65535 (245 x 268)
        "6e8d",
        "5a0a5b5b",  # TKL 10
    ):
        format_error(unhex(v))
    # 244 x 268 = 65392 is still a valid option number
    eq(decode(unhex(hdr + "d0ff" * 244))["o"][-1], [65392, ""], "244 x d0ff")


def test_bad_input_vectors_that_decode():
    # They are well-formed; what to do with them is the client's part (RFC 7252 §4.2-4.3):
    # a ping (empty CON) gets an RST with its MID; an unknown CON response gets an RST; an
    # unexpected ACK is ignored.
    m = Message()
    m.decode(unhex("4000999a"))
    eq((m.mtype, m.code, m.mid, m.tkl), (CON, 0, 0x999A, 0), "ping")
    eq(hexs(build(RST, 0, m.mid)), "7000999a", "RST to the ping")
    m.decode(unhex("4040ffff"))
    eq((m.mtype, m.code >> 5, m.mid, m.tkl), (CON, 2, 0xFFFF, 0), "CON 2.00 response")
    eq(hexs(build(RST, 0, m.mid)), "7000ffff", "RST to the unknown CON")
    m.decode(unhex("6040ffff"))
    eq((m.mtype, m.code, m.mid, m.opts()), (ACK, 0x40, 0xFFFF, []), "unexpected ACK")


# -- critical options (RFC 7252 §5.4.1) --------------------------------------------------------


def test_crit_flags_unknown_critical_options():
    m = Message()
    for num in (9, 13, 19, 21, 25, 29, 31, 33, 37, 41, 61, 2049, 65535):
        opts = sorted([(11, b"a"), (num, b"v"), (12, b"")])
        eq(crit(m.decode(build(opts=opts))), num, "option %d" % num)
    eq(crit(m.decode(build(opts=[(1, b""), (13, b""), (19, b""), (2049, b"")]))), 13, "first")
    eq(crit(m.decode(build(opts=[(11, b"a"), (2049, b""), (65535, b"")]))), 2049, "first big")


def test_crit_ignores_known_critical_and_elective():
    m = Message()
    known = (1, 3, 5, 7, 11, 15, 17, 23, 27, 35, 39)
    eq(crit(m.decode(build(opts=[(k, b"") for k in known]))), 0, "known critical")
    elective = (2, 4, 6, 8, 10, 12, 14, 16, 20, 28, 60, 258, 2048, 65534)
    eq(crit(m.decode(build(opts=[(k, b"") for k in elective]))), 0, "elective")
    eq(crit(m.decode(build(opts=[(9, b"")]))), 9, "9")
    eq(crit(m.decode(build(opts=[(11, b"")]))), 0, "reset on the next message")


# -- block values (RFC 7959 §2.2) --------------------------------------------------------------


def test_block_values():
    for num, more, szx, want in (
        (0, False, 0, 0x00),
        (0, True, 6, 0x0E),
        (1, False, 6, 0x16),
        (5, True, 2, 0x5A),
        (15, True, 6, 0xFE),
        (16, False, 6, 0x106),
        (2**20 - 1, True, 6, 0xFFFFFE),
    ):
        v = block(num, more, szx)
        eq(v, want, "block(%d, %r, %d)" % (num, more, szx))
        eq((v >> 4, bool(v & 8), v & 7), (num, more, szx), "fields")
        m = Message().decode(build(opts=[(23, v)]))
        eq(m.uint(23), v, "as Block2 option")
        eq(len(m.opt(23)), 0 if v == 0 else 1 if v < 256 else 2 if v < 65536 else 3, "bytes")
    for szx in range(7):
        eq(block_size(szx), 16 << szx, "szx %d" % szx)
        eq(block_size(block(123, True, szx)), 16 << szx, "size from a value")
    eq((block_size(0), block_size(6)), (16, 1024), "16..1024")


# -- observe freshness (RFC 7641 §3.4) ---------------------------------------------------------


def test_fresher():
    w = 1 << 23
    for v1, v2, ms, want in (
        (0, 1, 0, True),
        (1, 0, 0, False),
        (5, 5, 0, False),  # a duplicate is not fresher
        (0, w - 1, 0, True),  # V2 - V1 < 2^23
        (0, w, 0, False),  # exactly 2^23 apart: not newer either way
        (w, 0, 0, False),
        (w + 1, 0, 0, True),  # V1 - V2 > 2^23: V2 wrapped around
        (0xFFFFFF, 0, 0, True),
        (0xFFFFFF, 5, 0, True),
        (0, 0xFFFFFF, 0, False),  # far behind
        (100, 99, 0, False),  # reordered, older
        (100, 99, 128000, False),  # not more than 128 s
        (100, 99, 128001, True),  # T2 > T1 + 128 s: newer whatever the numbers
        (5, 5, 200000, True),
    ):
        eq(fresher(v1, v2, ms), want, "fresher(%d, %d, %d)" % (v1, v2, ms))


# -- oversized input ---------------------------------------------------------------------------


@case(board="test_oversized_input_raises_only_format_error_board")
def test_oversized_input_raises_only_format_error():
    # 21846 empty options fit in one 21850-byte UDP datagram; a 65600-byte option value does
    # not fit in UDP at all, but decode() takes any buffer. Either decode correctly or raise
    # FormatError. With 21846 options CPython raises OverflowError and MicroPython wraps the
    # option count silently (1 option instead of 21846).
    for data, count, last in (
        (unhex("40010001") + bytes(21846), 21846, 0),
        (unhex("40010001beff33") + bytes(65600), 1, 65600),  # 65600 = 269 + 0xff33
    ):
        try:
            m = Message().decode(data)
        except FormatError:
            continue
        eq(len(m.opts()), count, "options of a %d-byte message" % len(data))
        eq(len(m.opts()[-1][1]), last, "length of the last value")


def test_oversized_input_raises_only_format_error_board():
    # The case above in a board's heap: the 21850-byte datagram of 21846 empty options built
    # in place (no copies), decoded or a FormatError; then the 65600-byte option's header
    # over the largest datagram a board receives (RFC 7252 §4.6: 1152 bytes), the value
    # claimed but not there. A board cannot hold the 65607-byte buffer itself: decode()'s
    # "too long" guard is for hosts.
    data = bytearray(21850)
    data[0:4] = unhex("40010001")
    try:
        m = Message().decode(data)
    except FormatError:
        m = None
    if m is not None:
        eq(len(m.opts()), 21846, "options of a %d-byte message" % len(data))
    data = bytearray(1152)
    data[0:7] = unhex("40010001beff33")  # Uri-Path, length 269 + 0xff33 = 65600
    format_error(data)


def test_option_index_is_bounded():
    # An implementation limit: at most 256 options are indexed (the index grows from 8),
    # so a datagram of empty options cannot make the index of a small board large.
    m = Message()
    eq(len(m.decode(unhex("40010001") + bytes(256)).opts()), 256, "256 options")
    e = raises(FormatError, m.decode, unhex("40010001") + bytes(257))
    eq(str(e), "too many options", "the error")
    eq(m.nopt, 0, "nothing half-decoded stays readable")
    eq(len(m.decode(unhex("40010001") + bytes(3)).opts()), 3, "the index is reused")


def test_uint_out_of_range_is_value_error():
    e = Encoder(32)
    e.header(0, 1, 1, b"")
    for bad in (-1, 1 << 32):
        raises(ValueError, e.uint, 12, bad)
    e.uint(60, 0xFFFFFFFF)
    eq(Message().decode(e.buf, len(e)).uint(60), 0xFFFFFFFF, "largest uint")
