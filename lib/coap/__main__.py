# micropython -m coap get|post|put|delete URL [-p PAYLOAD] [-o] [-c] [-t SECONDS]
# micropython -m coap serve [--port P] [--bind ADDR] [--plugtest] ...  (coap/serve_cli.py)
#
# The flags of the seed's coap-cli: -p payload, -o observe (one line per
# notification), -c non-confirmable, -t timeout (with -o: how long to observe).
# The payload goes to stdout and the response code, "(2.05)", to stderr. Exit
# status: 0 for 2.xx, 4 for 4.xx, 5 for 5.xx, 3 when no response came in
# time, 2 for bad usage.
import sys

from coap.client import Client, CoapError
from coap.message import code_str
from coap.uri import split

_METHODS = ("get", "post", "put", "delete")
_CANCEL_MS = 3000  # -o -t: the deregistration's deadline
_last = 0


def _show(m):
    global _last
    if m:
        _last = m.code
        sys.stdout.buffer.write(bytes(m.payload()) + b"\n")  # raw: need not be UTF-8
        sys.stdout.buffer.flush()
        print("(%s)" % code_str(m.code), file=sys.stderr)


def _take(args, flag):
    # The value after flag, both removed from args; None if flag is absent.
    if flag in args:
        i = args.index(flag)
        args.pop(i)
        return args.pop(i)  # IndexError: a flag without its value
    return None


def main(args):
    if args[:1] == ["serve"]:  # the server's command line, a module of its own
        from coap.serve_cli import main as serve

        return serve(args[1:])
    flags = [a for a in args if a in ("-o", "-c")]
    args = [a for a in args if a not in flags]
    try:
        payload = _take(args, "-p")
        ms = int(float(_take(args, "-t") or 0) * 1000) or None
        method = _METHODS.index(args[0]) + 1
        host, port, path, query = split(args[1])
        if len(args) != 2:
            raise ValueError
    except (ValueError, IndexError):
        print("usage: coap get|post|put|delete URL [-p PAYLOAD] [-o] [-c] [-t SECONDS]")
        print("       coap serve [--port P] [--bind ADDR] [--plugtest] (see coap serve -h)")
        return 2
    c = Client(host, port)
    try:
        if "-o" in flags:
            o = c.observe(path, _show, query, ms)
            while o.active:  # until -t runs out, the server ends it, or Ctrl-C
                c.poll(ms or 60000)
                if ms:
                    # Deregister, briefly: the observation went well whatever comes of it
                    # (the client has forgotten it: a later notification gets an RST).
                    try:
                        c.cancel(o, _CANCEL_MS)
                    except CoapError:
                        pass
                    break
        else:
            _show(c.request(method, path, payload, query, "-c" not in flags, timeout_ms=ms))
    except CoapError as e:  # CoapTimeout included
        print("coap:", e, file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        pass
    finally:
        c.close()
    return _last >> 5 if _last >= 0x80 else 0


sys.exit(main(sys.argv[1:]))
