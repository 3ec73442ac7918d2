# One call of app.dns.resolve or app.ntp.query, timed with the board's ticks, for
# host_tests/test_firmware_dns_ntp.py (also runs under CPython, lib/ on sys.path):
#
#   micropython dns_ntp.py dns HOST SERVER PORT TIMEOUT_MS
#   micropython dns_ntp.py ntp SERVER PORT TIMEOUT_MS
#   -> one line of JSON: {"ok": result, "ms": elapsed} or {"err": "OSError", "args": [...],
#      "ms": elapsed}, elapsed in ms from just before the call to just after it
import json
import sys
import time

import app  # noqa: F401 - first: under CPython, MicroPython's names (coap._host)

a = sys.argv[1:]
if a[0] == "dns":
    from app.dns import resolve

    def call():
        return resolve(a[1], a[2], int(a[4]), int(a[3]))

else:
    from app.ntp import query

    def call():
        return query(a[1], int(a[3]), int(a[2]))


t = time.ticks_ms()
try:
    r = {"ok": call()}
except Exception as e:  # the test checks which, and that it is one of the documented ones
    r = {"err": type(e).__name__, "args": list(e.args)}
r["ms"] = time.ticks_diff(time.ticks_ms(), t)
print(json.dumps(r))
