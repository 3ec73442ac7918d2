# A CoAP server of ours with an observable resource, for test_server_observe_interop.py:
#   micropython host_tests/serve_observe.py PORT [aio]
# /obs: a counter as text, changed every 0.25 s (NON notifications, RFC 7641 §4.2; a CON at
# least every 24 h); /obs-con: the same, CON notifications; /observers: how many observe
# (Server.observers()). With "aio": the asyncio front end (aserve), else the blocking one.
import sys
from time import ticks_diff, ticks_ms

from coap.server import CONTENT, MAX_AGE, Server


def main():
    port = int(sys.argv[1])
    aio = len(sys.argv) > 2 and sys.argv[2] == "aio"
    s = Server(port=port, bind="127.0.0.1", aio=aio)
    n = [0]
    s.add("/obs", get=lambda m: (CONTENT, "n=%d" % n[0], 0, [(MAX_AGE, 2)]), obs=True, ct=0)
    s.add("/obs-con", get=lambda m: (CONTENT, "c=%d" % n[0], 0), obs=True, ct=0)
    s.add("/observers", get=lambda m: (CONTENT, str(s.observers())), ct=0)
    print("serving on 127.0.0.1:%d%s" % (port, " (asyncio)" if aio else ""))

    def step():
        n[0] += 1
        s.changed("/obs")
        s.changed("/obs-con", True)

    if not aio:
        t = ticks_ms()
        while True:
            s.serve(50)
            if ticks_diff(ticks_ms(), t) >= 250:
                t = ticks_ms()
                step()
    import asyncio

    async def changes():
        while True:
            await asyncio.sleep(0.25)
            step()

    async def both():
        asyncio.create_task(changes())
        await s.aserve()

    asyncio.run(both())


main()
