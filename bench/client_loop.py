# Requests in a loop against a CoAP server on loopback (bench/run.py starts libcoap's
# coap-server-notls): GET / answered piggybacked. Runs under MicroPython (either port) and
# CPython. argv: front end (blocking | aio), server port, requests, timed runs.
#   client_roundtrip_us: the best run's time per request
#   heap_growth_bytes: free heap after a collection at request 100 minus at the last one
#     (positive: the heap grew; MicroPython only)
import gc
import sys
import time

FRONT, PORT, N, RUNS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
PATH = ()  # GET /
MP = sys.implementation.name == "micropython"


def free():
    gc.collect()
    return gc.mem_free() if MP else 0


def blocking():
    from coap.client import GET, Client

    c = Client("127.0.0.1", PORT)
    best = 1e9
    f100 = 0
    for run in range(RUNS):
        t0 = time.ticks_us()
        for i in range(N):
            m = c.request(GET, PATH)
            if m.code != 0x45:
                raise AssertionError(hex(m.code))
            if run == 0 and i == 100:
                f100 = free()
        if run == 0:
            g = f100 - free()  # (before a float result is made: floats live in the heap)
        best = min(best, time.ticks_diff(time.ticks_us(), t0) / N)
    return best, g


def aio():
    import asyncio

    from coap.aio import GET, Client

    async def main():
        c = Client("127.0.0.1", PORT)
        best = 1e9
        f100 = 0
        for run in range(RUNS):
            t0 = time.ticks_us()
            for i in range(N):
                m = await c.request(GET, PATH)
                if m.code != 0x45:
                    raise AssertionError(hex(m.code))
                if run == 0 and i == 100:
                    f100 = free()
            if run == 0:
                g = f100 - free()
            best = min(best, time.ticks_diff(time.ticks_us(), t0) / N)
        c.close()
        return best, g

    return asyncio.run(main())


us, growth = blocking() if FRONT == "blocking" else aio()
print('{"name": "client_roundtrip_us", "value": %.1f, "unit": "us"}' % us)
print('{"name": "heap_growth_bytes", "value": %d, "unit": "bytes"}' % growth)
