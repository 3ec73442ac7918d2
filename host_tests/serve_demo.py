# A CoAP server of ours as a real process, for the interop tests (test_server_interop.py):
#   micropython host_tests/serve_demo.py PORT
# serves /hello (text), /count (how often its GET ran: a duplicate CON answered from the
# cache does not count), /separate (an empty ACK, then the response as a CON of its own
# 300 ms later, RFC 7252 §5.2.2), /link1..3 (RFC 6690's example attributes) and
# /.well-known/core.
import sys
from time import ticks_diff, ticks_ms

from coap.server import CONTENT, Server


def main():
    port = int(sys.argv[1])
    s = Server(port=port, bind="127.0.0.1")
    n = [0]

    def count(m):
        n[0] += 1
        return (CONTENT, str(n[0]))

    s.add("/hello", get=lambda m: (CONTENT, b"hello world"), rt="greeting", ct=0)
    s.add("/count", get=count, ct=0)
    jobs = []
    s.add("/separate", get=lambda m: jobs.append((ticks_ms(), s.later(m))), ct=0)
    s.add("/link1", get=lambda m: CONTENT, rt="Type1 Type2", iface="If1")
    s.add("/link2", get=lambda m: CONTENT, rt="Type2 Type3", iface="If2")
    s.add("/link3", get=lambda m: CONTENT, rt="Type1 Type3", iface="foo")
    print("serving on 127.0.0.1:%d" % port)
    while True:
        s.serve(50)
        while jobs and ticks_diff(ticks_ms(), jobs[0][0]) > 300:
            s.respond(jobs.pop(0)[1], CONTENT, b"separate", 0)


main()
