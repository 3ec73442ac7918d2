# Fuzzing the codec under both interpreters (dual cases, host_tests/dual.py).
#
# test_fuzz_decode feeds random and mutated datagrams to Message.decode: only FormatError may
# come out, every accepted message must satisfy the format invariants, and the decoder must
# agree with an independent plain decoder (caseutil.ref_scan) on every input. The PRNG is a
# portable xorshift32, so both interpreters see the same inputs and must reach the same
# digest. Reproduce a failure with COAP_FUZZ_SEED=<seed> (and COAP_FUZZ_COUNT).
from caseutil import Rng, case, crit, decode, encode, eq, first_unknown_critical, hexs, ref_scan

from coap.message import Encoder, FormatError, Message

# Byte values that mean something in a header or option header.
INTERESTING = (0x00, 0xFF, 0x0D, 0x0E, 0x0F, 0xD0, 0xE0, 0xF0, 0xDD, 0xEE, 0xFE, 0x40, 0x48, 0x4F)
DELTAS = (0, 1, 12, 13, 14, 255, 268, 269, 270, 1000, 65000)
LENGTHS = (0, 1, 2, 4, 12, 13, 14, 268, 269, 270)


def random_spec(rng, budget=300):
    """A valid message spec: any type, a request/response/empty code, options with repeats and
    extended deltas and lengths, a payload; at most budget bytes of values."""
    t = rng.below(4)
    if rng.chance(5):
        return {"t": t, "c": 0, "m": rng.below(65536), "k": "", "o": [], "p": ""}
    code = 1 + rng.below(255)
    token = rng.bytes(rng.below(9))
    opts = []
    num = 0
    for _ in range(rng.below(9)):
        d = DELTAS[rng.below(len(DELTAS))] if rng.chance(40) else rng.below(13)
        if num + d > 65535:
            break
        num += d
        ln = LENGTHS[rng.below(len(LENGTHS))] if rng.chance(20) else rng.below(9)
        ln = min(ln, budget)
        budget -= ln
        opts.append([num, hexs(rng.bytes(ln))])
    pay = rng.bytes(min(budget, rng.below(40))) if rng.chance(60) else b""
    return {"t": t, "c": code, "m": rng.below(65536), "k": hexs(token), "o": opts, "p": hexs(pay)}


def random_option_header(rng):
    # A header byte with nibbles biased to the 13/14/15 escapes, then 0-2 extension bytes and
    # a few value bytes: mostly nonsense around the boundaries.
    hi = (13, 14, 15, rng.below(16))[rng.below(4)]
    lo = (13, 14, 15, rng.below(16))[rng.below(4)]
    return bytes((hi << 4 | lo,)) + rng.bytes(rng.below(6))


def mutate(rng, data, corpus):
    b = bytearray(data)
    for _ in range(1 + rng.below(3)):
        op = rng.below(10)
        n = len(b)
        if op == 0 and n:  # flip 1-4 bits
            for _ in range(1 + rng.below(4)):
                b[rng.below(n)] ^= 1 << rng.below(8)
        elif op == 1:  # truncate
            b = b[: rng.below(n + 1)]
        elif op == 2:  # insert random bytes
            at = rng.below(n + 1)
            b = b[:at] + rng.bytes(1 + rng.below(4)) + b[at:]
        elif op == 3 and n:  # delete a span
            at = rng.below(n)
            b = b[:at] + b[at + 1 + rng.below(4) :]
        elif op == 4:  # a random option header somewhere after the header
            at = 4 + rng.below(max(1, n - 3))
            b = b[:at] + random_option_header(rng) + b[at:]
        elif op == 5 and n:  # an interesting byte value
            b[rng.below(n)] = INTERESTING[rng.below(len(INTERESTING))]
        elif op == 6:  # splice two messages
            other = corpus[rng.below(len(corpus))]
            b = b[: rng.below(n + 1)] + other[rng.below(len(other) + 1) :]
        elif op == 7 and n:  # another token length, 0-15
            b[0] = b[0] & 0xF0 | rng.below(16)
        elif op == 8:  # a trailing marker, maybe a payload
            b = b + b"\xff" + rng.bytes(rng.below(3))
        elif op == 9 and n > 1:  # code 0, the empty-message rule
            b[1] = 0
    return b


def random_datagram(rng):
    n = rng.below(28)
    b = rng.bytes(n)
    if n and rng.chance(70):
        b[0] = 0x40 | (b[0] & 0x3F)  # mostly version 1, or nothing gets past the header
    return b


def check(m, data, n, seed, i):
    """Decode data[:n] and compare with the reference; returns a small digest of the outcome."""
    where = "seed %d input %d: decode(%s, %d)" % (seed, i, hexs(data), n)
    ref = ref_scan(data, n)
    try:
        m.decode(data, n)
    except FormatError:
        if ref is not None:
            raise AssertionError(where + " raised FormatError on a well-formed message")
        return 1
    except Exception as e:  # noqa: BLE001 - anything but FormatError is the bug looked for
        raise AssertionError("%s raised %r" % (where, e))
    if ref is None:
        raise AssertionError(where + " accepted a malformed message")
    end = len(data) if n < 0 or n > len(data) else n
    pay, offs = ref
    tkl = data[0] & 15
    header = ((data[0] >> 4) & 3, data[1], data[2] << 8 | data[3], tkl)
    if (m.mtype, m.code, m.mid, m.tkl) != header:
        raise AssertionError(where + ": header fields")
    if not (4 + tkl <= m.pay <= m.end == end) or m.pay != pay:
        raise AssertionError(where + ": pay %d end %d, want %d %d" % (m.pay, m.end, pay, end))
    if m.pay < m.end and data[m.pay - 1] != 0xFF:
        raise AssertionError(where + ": payload not after a marker")
    if len(m.payload()) != end - pay:
        raise AssertionError(where + ": payload length")
    # The options as the public API gives them, against the reference's.
    opts = m.opts()
    if len(opts) != len(offs):
        raise AssertionError("%s: %d options, reference %d" % (where, len(opts), len(offs)))
    for k in range(len(offs)):
        num, o, ln = offs[k]
        if opts[k][0] != num or opts[k][1] != data[o : o + ln]:
            raise AssertionError("%s: option %d is %r, want %r" % (where, k, opts[k], offs[k]))
    # Every indexed option lies inside the datagram, between the token and the payload (white
    # box: the codec's (number, offset, length) index, while it has one).
    idx = getattr(m, "_idx", None)
    if idx is not None:
        lim = pay - 1 if pay < end else end
        got = [(idx[k], idx[k + 1], idx[k + 2]) for k in range(0, m.nopt, 3)]
        last = 0
        for num, o, ln in got:
            if not (4 + tkl < o and o + ln <= lim and last <= num <= 65535):
                raise AssertionError(where + ": option (%d, %d, %d) out of place" % (num, o, ln))
            last = num
        if got != offs:
            raise AssertionError("%s: index %r, reference %r" % (where, got, offs))
    nums = [num for num, o, ln in offs]
    if crit(m) != first_unknown_critical(nums):
        raise AssertionError(where + ": critical() %d" % crit(m))
    return 2 + pay + 3 * len(offs)


@case(timeout=180, compare=True, parallel=True)
def test_fuzz_decode(fuzz_seed, fuzz_count):
    rng = Rng(fuzz_seed)
    corpus = [encode(random_spec(rng)) for _ in range(64)]
    m = Message()
    accepted = rejected = 0
    digest = 0
    for i in range(fuzz_count):
        r = rng.below(16)
        if r < 3:
            data = random_datagram(rng)
        elif r < 4:
            data = corpus[rng.below(len(corpus))]
        else:
            data = mutate(rng, corpus[rng.below(len(corpus))], corpus)
        n = -1 if rng.chance(85) else rng.below(len(data) + 3)
        out = check(m, data, n, fuzz_seed, i)
        if out == 1:
            rejected += 1
        else:
            accepted += 1
        digest = (digest * 31 + out) & 0xFFFFFFFF
        if i & 63 == 63:  # refresh the corpus with accepted mutants now and then
            corpus[rng.below(len(corpus))] = bytes(data) if out != 1 else encode(random_spec(rng))
    # Sanity of the generator itself: both outcomes in quantity.
    if fuzz_count >= 1000:
        assert accepted > fuzz_count // 20 and rejected > fuzz_count // 20, (accepted, rejected)
    return {"seed": fuzz_seed, "inputs": fuzz_count, "accepted": accepted, "digest": digest}


@case(timeout=120, compare=True, parallel=True)
def test_fuzz_roundtrip(fuzz_seed):
    # Random valid messages: Encoder output decodes to the same spec, in the codec and in the
    # reference decoder; the encoder is reused across messages like a client reuses it.
    rng = Rng(fuzz_seed ^ 0x5A5A5A5A)
    enc = Encoder()
    m = Message()
    digest = 0
    for i in range(5000):
        s = random_spec(rng, budget=1000)
        data = encode(s, enc)
        eq(decode(data, -1, m), s, "seed %d message %d" % (fuzz_seed, i))
        r = ref_scan(data)
        if r is None or r[0] != m.pay:
            raise AssertionError("seed %d message %d: reference disagrees" % (fuzz_seed, i))
        for k in range(len(data)):
            digest = (digest * 33 + data[k]) & 0xFFFFFFFF
    return {"seed": fuzz_seed, "digest": digest}
