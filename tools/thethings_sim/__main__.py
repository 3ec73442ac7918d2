"""Command line: `PYTHONPATH=tools python -m thethings_sim --port 5683 --db FILE --codes N`.

Prints `listening on coap://HOST:PORT` (the real port also for --port 0), `page:
http://HOST:PORT/` (the web page, page.py; --page-port, --no-page), then one
`activation code: CODE` line per code it created, then one line per request (tokens cut to
their first 4 characters). Ctrl-C or SIGTERM stops it; data is committed per request anyway.
"""

import argparse
import asyncio
import logging
import os
import signal
import sys

from .knobs import Knobs, parse_code
from .server import Server

DEFAULT_DB = os.path.join("build", "thethings_sim.sqlite3")  # build/ is git-ignored


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m thethings_sim",
        description="Local theThings.IO v2 CoAP server for development and tests.",
    )
    p.add_argument("--host", default="127.0.0.1", help="bind address (:: or 0.0.0.0 for boards)")
    p.add_argument("--port", type=int, default=5683, help="UDP port, 0 for a free one")
    p.add_argument("--db", default=DEFAULT_DB, help="SQLite file (default %(default)s)")
    p.add_argument("--codes", type=int, default=1, help="activation codes to create at start")
    p.add_argument("--quiet", action="store_true", help="no per-request log lines")
    p.add_argument(
        "--page-port",
        type=int,
        help="TCP port of the web page, 0 for a free one (default 8080; free with --port 0)",
    )
    p.add_argument("--no-page", action="store_true", help="no web page")
    k = p.add_argument_group("fault knobs (also at run time: POST /sim/... from loopback)")
    k.add_argument("--separate", action="store_true", help="answer in separate responses")
    k.add_argument("--separate-delay", type=float, default=0.5, metavar="S")
    k.add_argument("--fail-next", type=int, default=0, metavar="N", help="answer N with error")
    k.add_argument("--fail-rate", type=float, default=0.0, metavar="P", help="0..1 of requests")
    k.add_argument("--fail-code", default="5.03", type=_code, help="default %(default)s")
    k.add_argument("--drop-rate", type=float, default=0.0, metavar="P", help="datagram loss 0..1")
    k.add_argument("--outage-after", type=float, metavar="S", help="start an outage after S s")
    k.add_argument("--outage-for", type=float, default=10.0, metavar="S", help="outage length")
    k.add_argument("--seed", type=int, help="seed of the random knobs (fail/drop rate)")
    return p.parse_args(argv)


def _code(text):
    parse_code(text)  # validate early; the knobs parse it again
    return text


def make_knobs(args):
    knobs = Knobs(seed=args.seed)
    if args.separate:
        knobs.separate(True, args.separate_delay)
    if args.fail_rate:
        knobs.set_fail_rate(args.fail_rate, args.fail_code)
    if args.fail_next:
        knobs.fail_next(args.fail_next, args.fail_code)
    if args.drop_rate:
        knobs.set_drop_rate(args.drop_rate)
    return knobs


async def run(args):
    if args.db != ":memory:" and os.path.dirname(args.db):
        os.makedirs(os.path.dirname(args.db), exist_ok=True)
    page_port = args.page_port
    if page_port is None:  # a free port when the CoAP one is: no clash between two sims
        page_port = 0 if args.port == 0 else 8080
    if args.no_page:
        page_port = None
    server = Server(
        args.db, args.host, args.port, make_knobs(args), not args.quiet, page_port=page_port
    )
    try:
        await server.start()
    except OSError as e:  # a port taken: say which, not a traceback
        print("cannot listen: %s (see --port, --page-port, --no-page)" % e, file=sys.stderr)
        raise SystemExit(2)
    host = "[%s]" % args.host if ":" in args.host else args.host
    print("listening on coap://%s:%d db=%s" % (host, server.port, args.db), flush=True)
    if server.page is not None:
        print("page: %s" % server.page.url, flush=True)
    things = len(server.things())
    unused = server.unused_codes()
    print("%d things, %d unused codes stored" % (things, len(unused)), flush=True)
    for code in server.store.create_codes(args.codes):
        print("activation code: %s" % code, flush=True)
    if args.outage_after is not None:
        loop = asyncio.get_running_loop()
        loop.call_later(args.outage_after, server.knobs.outage, args.outage_for)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
    print("stopped", flush=True)


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stdout,
        level=logging.INFO,
        format="%(message)s",
    )
    # aiocoap's own messages only when something is wrong
    logging.getLogger("thethings_sim.aiocoap").setLevel(logging.WARNING)
    if args.quiet:
        logging.getLogger("thethings_sim").setLevel(logging.WARNING)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
