# The server's heap over many requests (bench/server.py drives it from another process):
# coap.server with the plugtest resources (coap/plugtest.py) on the i386 port, and /heap,
# whose GET answers gc.mem_alloc() after a collection. argv: port. Prints "serving" when
# its socket is bound; runs until killed.
import gc
import sys
from time import ticks_ms

from coap.plugtest import Plugtest
from coap.server import CONTENT, Server


def heap(m):
    gc.collect()
    return (CONTENT, b"%d" % gc.mem_alloc())


def main():
    s = Server(port=int(sys.argv[1]), bind="127.0.0.1")
    p = Plugtest(s)
    s.add("/heap", get=heap)
    print("serving")
    while True:
        now = ticks_ms()
        p.tick(now)
        s.serve(min(1000, p.due(now)))


main()
