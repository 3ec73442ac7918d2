# Reference work of the benchmark: encode, then decode, a CON POST to
# /v2/things/<43-char token> with a 4-byte token, Content-Format 50 and a JSON
# reading: 113 bytes on the wire. Runs under the MicroPython unix port (bench/run.py runs it:
# `make bench`); argv: iterations per run (5000), runs (7).
import gc
import sys
import time

from coap.message import CON, EACH, UINT, Encoder, Message

TOKEN = b"NwFbEqwEQ-ucyW8aET34EWi6L_tte6fumxTSU-Pkw12"  # 43 characters
PATH = (b"v2", b"things", TOKEN)
PAYLOAD = b'{"values":[{"key":"temperature","value":23.5}]}'
TOK = b"\x01\x02\x03\x04"
# The options as coap.engine gives them to Encoder.opts(): one Uri-Path for each segment,
# Content-Format 50 (application/json) as a uint
OPTS = (11 | EACH, PATH, 12 | UINT, 50)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 7


def roundtrip(enc, msg, mv):
    enc.header(CON, 2, 0x1234, TOK)
    enc.opts(OPTS)
    enc.payload(PAYLOAD)
    msg.decode(enc.buf, len(enc))
    return msg.payload()


def encode(enc, msg):
    enc.header(CON, 2, 0x1234, TOK)
    enc.opts(OPTS)
    enc.payload(PAYLOAD)


def decode(enc, msg):
    msg.decode(enc.buf, len(enc))
    return msg.payload()


def main():
    enc = Encoder()
    msg = Message()
    mv = memoryview(enc.buf)
    p = roundtrip(enc, msg, mv)
    assert len(enc) == 113, len(enc)
    assert p == PAYLOAD and msg.uint(12) == 50 and msg.opts(11) == list(PATH)
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    roundtrip(enc, msg, mv)
    alloc = gc.mem_alloc() - a0
    gc.enable()
    for _ in range(N):  # warm-up: caches, heap layout, CPU frequency
        roundtrip(enc, msg, mv)
    best = 1e9
    for _ in range(RUNS):  # best of several runs: the least disturbed by the host
        gc.collect()
        t0 = time.ticks_us()
        for _ in range(N):
            roundtrip(enc, msg, mv)
        best = min(best, time.ticks_diff(time.ticks_us(), t0) / N)
    us = best
    print('{"name": "codec_roundtrip_us", "value": %.2f, "unit": "us"}' % us)
    # where the time goes: the encode alone, then the decode (and payload view) alone
    for name, f in (("codec_encode_us", encode), ("codec_decode_us", decode)):
        best = 1e9
        for _ in range(RUNS):
            gc.collect()
            t0 = time.ticks_us()
            for _ in range(N):
                f(enc, msg)
            best = min(best, time.ticks_diff(time.ticks_us(), t0) / N)
        print('{"name": "%s", "value": %.2f, "unit": "us"}' % (name, best))
    print('{"name": "codec_roundtrip_alloc_bytes", "value": %d, "unit": "bytes"}' % alloc)


main()
