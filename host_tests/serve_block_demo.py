# A CoAP server of ours with large resources as a real process, for the block-wise interop
# tests (test_server_block_interop.py):
#   micropython host_tests/serve_block_demo.py PORT
# serves /large (a 3,200-byte text, Block2, RFC 7959 §2.4), /store (PUT: any body up to
# max_body, Block1 §2.5; GET: what was put, Block2 when large) and /.well-known/core.
import sys

from coap.server import CHANGED, CONTENT, Server


def large():
    # 3,200 bytes of text, each 32-byte line numbered: the test builds the same
    return "".join("line %04d of the large resource\n" % i for i in range(100)).encode()


def main():
    port = int(sys.argv[1])
    s = Server(port=port, bind="127.0.0.1")
    rep = large()
    st = [b""]

    def put(m):
        st[0] = bytes(m.payload())
        return CHANGED

    s.add("/large", get=lambda m: (CONTENT, rep, 0), ct=0, sz=len(rep))
    s.add("/store", get=lambda m: (CONTENT, st[0], 0), put=put, ct=0)
    print("serving on 127.0.0.1:%d" % port)
    while True:
        s.serve(1000)


main()
