"""Differential tests of the codec against aiocoap's (another implementation of RFC 7252 §3).

(a) our encoding decodes in aiocoap to the same type, code, MID, token, options and payload;
(b) aiocoap's encoding of the same message is byte-identical to ours and decodes in ours to
    the same message;
(c) the codec under MicroPython encodes a batch of such messages byte for byte like CPython
    and decodes aiocoap's encodings of them the same (one subprocess for the whole batch).

aiocoap interprets options by number, which the strategy respects rather than normalises:
  - string options (Uri-Host, Uri-Path, ...) are decoded as UTF-8 text, so their values are
    valid UTF-8 (aiocoap raises on anything else);
  - uint options (Observe, Uri-Port, Content-Format, Max-Age, Block1/2, Size1/2, ...) are
    re-encoded in minimal length, so their values are minimal (RFC 7252 §3.2 requires minimal
    encoding from a sender anyway; leading zeros on receipt are case_codec's business);
  - an empty message (code 0.00) has no token, options or payload (RFC 7252 §4.1: our decoder
    rejects anything else, aiocoap would accept it).
Which numbers are string or uint comes from aiocoap's own option registry.
"""

import json

import aiocoap
import dual
import pytest
import targets
from aiocoap import optiontypes
from aiocoap.numbers.optionnumbers import OptionNumber
from caseutil import decode, encode, spec
from dual import run_micropython
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coap.message import EACH, UINT, Encoder

MAX_DATAGRAM = 1152  # RFC 7252 §4.6

# A mix of option numbers: registered critical and elective ones, unknown critical (odd) and
# elective (even) ones, the extended-delta boundaries and the largest.
REGISTERED = (1, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 19, 20, 23, 27, 28, 35, 39, 60)
OTHERS = (0, 2, 10, 25, 31, 33, 128, 258, 268, 269, 270, 281, 1000, 2048, 2049, 65000, 65535)
NUMBERS = REGISTERED + OTHERS


def _kind(number):
    fmt = OptionNumber(number).format
    if issubclass(fmt, optiontypes.StringOption):
        return "string"
    if fmt is optiontypes.OpaqueOption:
        return "opaque"
    return "uint"  # UintOption, ContentFormatOption, BlockOption: minimal unsigned integers


option_numbers = st.one_of(st.sampled_from(NUMBERS), st.integers(0, 65535))


def lengths(limit):
    """Value lengths up to limit, with the 12/13/14 and 268/269/270 boundaries of the length
    field well represented (plain st.binary() rarely goes past 100 bytes)."""
    edges = [k for k in (0, 1, 12, 13, 14, 268, 269, 270, 300) if k <= limit]
    return st.one_of(st.integers(0, min(12, limit)), st.sampled_from(edges), st.integers(0, limit))


def _utf8_prefix(text, limit):
    data = text.encode("utf-8")
    while len(data) > limit:
        text = text[:-1]
        data = text.encode("utf-8")
    return data


@st.composite
def option_value(draw, number, limit):
    kind = _kind(number)
    if kind == "uint":
        top = min(2**32 - 1, 2 ** (8 * min(4, limit)) - 1)
        v = draw(st.integers(0, top))
        return v.to_bytes((v.bit_length() + 7) // 8, "big")
    n = draw(lengths(limit))
    if kind == "string":
        text = draw(st.text(st.characters(codec="utf-8"), min_size=n // 3, max_size=n))
        return _utf8_prefix(text, limit)
    return draw(st.binary(min_size=n, max_size=n))


@st.composite
def messages(draw):
    mtype = draw(st.integers(0, 3))
    mid = draw(st.integers(0, 65535))
    kind = draw(st.sampled_from(("request", "response", "empty", "other")))
    if kind == "empty":
        return spec(mtype, 0, mid)
    if kind == "request":  # 0.01-0.31
        code = draw(st.integers(1, 31))
    elif kind == "response":  # 2.xx-5.xx
        code = draw(st.integers(2, 5)) << 5 | draw(st.integers(0, 31))
    else:  # classes 1, 6, 7 (reserved) and everything else
        code = draw(st.integers(1, 255))
    token = draw(st.binary(max_size=8))
    budget = MAX_DATAGRAM - 4 - len(token)
    nums = sorted(draw(st.lists(option_numbers, max_size=12)))
    if nums and draw(st.booleans()):  # repeat some numbers (Uri-Path, ETag, unknown ones)
        nums = sorted(nums + draw(st.lists(st.sampled_from(nums), max_size=4)))
    opts = []
    for n in nums:
        if budget < 10:
            break
        value = draw(option_value(n, min(300, budget - 5)))
        budget -= 5 + len(value)
        opts.append((n, value))
    n = draw(st.one_of(st.just(0), lengths(max(0, min(500, budget - 1)))))
    payload = draw(st.binary(min_size=n, max_size=n))
    return spec(mtype, code, mid, token, opts, payload)


def unpack(s):
    return (
        s["t"],
        s["c"],
        s["m"],
        bytes.fromhex(s["k"]),
        [(n, bytes.fromhex(v)) for n, v in s["o"]],
        bytes.fromhex(s["p"]),
    )


def aiocoap_fields(m):
    return (
        int(m.mtype),
        int(m.code),
        m.mid,
        bytes(m.token),
        [(int(o.number), o.encode()) for o in m.opt.option_list()],
        bytes(m.payload),
    )


def aiocoap_encode(s):
    t, c, mid, token, opts, payload = unpack(s)
    m = aiocoap.Message(code=c, payload=payload, _mtype=t, _mid=mid, _token=token)
    for n, v in opts:
        m.opt.add_option(OptionNumber(n).create_option(decode=v))
    return m.encode()


SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(messages())
def test_ours_decodes_in_aiocoap(s):
    data = encode(s)
    assert len(data) <= MAX_DATAGRAM
    assert aiocoap_fields(aiocoap.Message.decode(data)) == unpack(s)


@SETTINGS
@given(messages())
def test_aiocoap_decodes_in_ours(s):
    wire = aiocoap_encode(s)
    assert decode(wire) == s
    assert wire == encode(s), "the two encoders differ"


def encode_as_the_engine(s):
    """Bytes of spec s by one Encoder.opts() pass as coap.engine writes options: uint options
    as ints (number | UINT), runs of one number as number | EACH and a tuple of values."""
    t, c, mid, token, opts, payload = unpack(s)
    seq = []
    for n, v in opts:
        flags = UINT if _kind(n) == "uint" else 0
        value = int.from_bytes(v, "big") if flags else v
        if seq and seq[-2] == n | flags | EACH:
            seq[-1] += (value,)
        else:
            seq += [n | flags | EACH, (value,)]
    e = Encoder()
    e.header(t, c, mid, token)
    e.opts(seq)
    e.payload(payload)
    return bytes(e.buf[: len(e)])


@SETTINGS
@given(messages())
def test_opts_with_uints_and_runs_encodes_like_aiocoap(s):
    assert encode_as_the_engine(s) == aiocoap_encode(s)


@pytest.mark.parametrize("port", dual.PORTS)
def test_micropython_encodes_and_decodes_like_cpython(tmp_path, port):
    if dual.micropython_path(port) is None:
        targets.missing(port)
    batch = []

    @SETTINGS
    @given(messages())
    def gather(s):
        batch.append({"spec": s, "wire": aiocoap_encode(s).hex()})

    gather()
    assert len(batch) >= 100, len(batch)
    src, dst = tmp_path / "batch.json", tmp_path / "out.json"
    src.write_text(json.dumps(batch))
    # The whole batch and its results are in memory at once, in hex: up to 300 datagrams of
    # 1152 bytes can outgrow the port's default 2 MB heap, so the runner gets more.
    kw = {"in_path": str(src), "out_path": str(dst)}
    n = run_micropython("caseutil", "codec_batch", kw, heapsize="32M", interp=port)
    assert n == len(batch)
    results = json.loads(dst.read_text())
    for item, got in zip(batch, results, strict=True):
        ours = encode(item["spec"]).hex()
        assert got["enc"] == ours, "MicroPython encodes %s differently" % item["spec"]
        assert got["enc"] == item["wire"], "MicroPython and aiocoap differ on %s" % item["spec"]
        assert got["dec"] == item["spec"], "MicroPython decodes %s differently" % item["wire"]
