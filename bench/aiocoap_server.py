"""aiocoap's server (CPython) with the /test of bench/server.py's load: GET answers what the
request was, as coap.plugtest's /test does (the same text, Max-Age 30). argv: port. Prints
"serving" when bound; runs until killed."""

import asyncio
import sys

import aiocoap
import aiocoap.resource as resource

_TYPES = ("CON", "NON", "ACK", "RST")


class Test(resource.Resource):
    async def render_get(self, request):
        t = request.mtype.value
        text = "Type: %d (%s)\nCode: 1 (GET)\nMID: %d\nToken: %s" % (
            t, _TYPES[t], request.mid, request.token.hex() or "(empty)")  # fmt: skip
        r = aiocoap.Message(payload=text.encode(), content_format=0)
        r.opt.max_age = 30
        return r


async def main(port):
    root = resource.Site()
    root.add_resource(["test"], Test())
    await aiocoap.Context.create_server_context(root, bind=("127.0.0.1", port))
    print("serving", flush=True)
    await asyncio.get_running_loop().create_future()


asyncio.run(main(int(sys.argv[1])))
