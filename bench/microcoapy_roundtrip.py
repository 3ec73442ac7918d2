# The reference work of codec_roundtrip.py done with microCoAPy (github.com/insighio/microCoAPy),
# for comparison: build the same CON POST with its CoapPacket and coap_writer, parse it back
# with coap_reader. Runs under the MicroPython unix port with microCoAPy on MICROPYPATH
# (bench/run.py does that when MICROCOAPY=/dir/containing/microcoapy is set). Same harness:
# allocation of one round trip, warm-up, best of RUNS runs of N.
import gc
import sys
import time

from microcoapy import coap_reader, coap_writer
from microcoapy.coap_packet import CoapPacket

TOKEN = "NwFbEqwEQ-ucyW8aET34EWi6L_tte6fumxTSU-Pkw12"  # 43 characters
PAYLOAD = b'{"values":[{"key":"temperature","value":23.5}]}'
TOK = b"\x01\x02\x03\x04"
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 7


def roundtrip():
    p = CoapPacket()
    p.type = 0  # CON
    p.method = 2  # POST
    p.token = bytearray(TOK)
    p.messageid = 0x1234
    p.payload = PAYLOAD
    p.setUriPath("v2/things/" + TOKEN)
    cf = bytearray(1)
    cf[0] = 50  # Content-Format application/json
    p.addOption(12, cf)
    buf = bytearray()
    coap_writer.writePacketHeaderInfo(buf, p)
    coap_writer.writePacketOptions(buf, p)
    coap_writer.writePacketPayload(buf, p)
    q = CoapPacket()
    coap_reader.parsePacketHeaderInfo(buf, q)
    q.token = buf[4 : 4 + q.tokenLength]
    coap_reader.parsePacketOptionsAndPayload(buf, q)
    return buf, q


def main():
    buf, q = roundtrip()
    # The same amount of work as ours: 113 bytes, four options and the payload parsed back
    # (microCoAPy's unstable option sort may reorder the Uri-Path segments on the wire).
    assert len(buf) == 113, len(buf)
    assert bytes(q.payload) == PAYLOAD and len(q.options) == 4
    assert bytes(q.token) == TOK and q.messageid == 0x1234
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    roundtrip()
    alloc = gc.mem_alloc() - a0
    gc.enable()
    for _ in range(N):  # warm-up
        roundtrip()
    best = 1e9
    for _ in range(RUNS):
        gc.collect()
        t0 = time.ticks_us()
        for _ in range(N):
            roundtrip()
        best = min(best, time.ticks_diff(time.ticks_us(), t0) / N)
    print('{"name": "microcoapy_roundtrip_us", "value": %.2f, "unit": "us"}' % best)
    print('{"name": "microcoapy_roundtrip_alloc_bytes", "value": %d, "unit": "bytes"}' % alloc)


main()
