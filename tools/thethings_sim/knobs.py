"""Fault knobs for tests: separate responses, error answers (5.03), outages and datagram loss.

All state lives on the server's event loop; the CLI sets the initial values, the test helper
(`testing.SimServer`) and the loopback control resource (`/sim/...`) change them at run time.
Where each knob acts:
- outage and loss drop datagrams below aiocoap's message layer (traffic.py), so the client sees
  silence and retransmits, exactly as over a dead link; nothing dropped was deduplicated;
- error answers and the separate-response delay act on requests after deduplication
  (server.py), so a retransmitted CON gets the same answer again (RFC 7252 §4.5).
"""

import random
import time

from aiocoap import Message
from aiocoap.numbers.codes import Code

from .resources import COAP_TO_HTTP, error_message


def parse_code(code):
    """ "5.03" (or 5.03, or an aiocoap Code) -> Code.SERVICE_UNAVAILABLE; 4.xx and 5.xx only."""
    if isinstance(code, float):
        code = "%.2f" % code  # 4.1 means 4.10, not 4.01
    if not isinstance(code, Code):
        try:
            cls, detail = str(code).split(".")
            code = Code((int(cls) << 5) | int(detail))
        except ValueError:
            raise ValueError("code must look like 5.03")
    if not (code.is_response() and code.class_ in (4, 5)):
        raise ValueError("code must be a 4.xx or 5.xx response code")
    return code


class Knobs:
    def __init__(self, seed=None):
        self._rng = random.Random(seed)
        self.outage_until = 0.0  # time.monotonic() deadline; 0 = no outage
        self.fail_remaining = 0  # answer this many next requests with fail_code
        self.fail_code = Code.SERVICE_UNAVAILABLE
        self.fail_rate = 0.0  # and this fraction of the others
        self.separate_delay = 0.0  # > EMPTY_ACK_DELAY (0.1 s) makes aiocoap ACK first
        self.drop_rate = 0.0  # fraction of incoming datagrams silently dropped
        self.on_change = lambda text: None  # event log hook

    # -- outage --------------------------------------------------------------------------------

    def outage(self, seconds):
        """Stop answering for `seconds` from now (0 ends an outage early)."""
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self.outage_until = time.monotonic() + seconds if seconds else 0.0
        self.on_change("outage for %.3g s" % seconds if seconds else "outage ended")

    def outage_remaining(self):
        return max(0.0, self.outage_until - time.monotonic())

    def in_outage(self):
        return self.outage_until > time.monotonic()

    # -- error answers ---------------------------------------------------------------------------

    def fail_next(self, n, code="5.03"):
        n = int(n)
        if n < 0:
            raise ValueError("n must be >= 0")
        self.fail_code = parse_code(code)
        self.fail_remaining = n
        self.on_change("next %d requests answered %s" % (n, self.fail_code.dotted))

    def set_fail_rate(self, rate, code="5.03"):
        self.fail_rate = _fraction(rate)
        self.fail_code = parse_code(code)
        self.on_change("%.3g of requests answered %s" % (self.fail_rate, self.fail_code.dotted))

    def take_failure(self):
        """The error answer for this request, or None to serve it normally."""
        if self.fail_remaining > 0:
            self.fail_remaining -= 1
        elif not (self.fail_rate and self._rng.random() < self.fail_rate):
            return None
        http = COAP_TO_HTTP.get(self.fail_code)
        if http is None:  # a code without a platform body: answer it without a payload
            return Message(code=self.fail_code)
        return error_message(http, "Simulated failure (thethings_sim knob)")

    # -- separate responses and loss --------------------------------------------------------

    def separate(self, on=True, delay=0.5):
        """Answer after `delay` s: aiocoap sends an empty ACK after 0.1 s, then the response as
        its own CON (RFC 7252 §5.2.2). Keep the delay well under the client's ACK timeout."""
        delay = float(delay)
        if on and delay <= 0.1:
            raise ValueError("delay must exceed aiocoap's EMPTY_ACK_DELAY of 0.1 s")
        self.separate_delay = delay if on else 0.0
        self.on_change("separate responses %s" % ("on (%.3g s)" % delay if on else "off"))

    def set_drop_rate(self, rate):
        self.drop_rate = _fraction(rate)
        self.on_change("dropping %.3g of incoming datagrams" % self.drop_rate)

    def should_drop(self):
        return bool(self.drop_rate) and self._rng.random() < self.drop_rate

    def status(self):
        return {
            "outage_remaining": round(self.outage_remaining(), 3),
            "fail_next": self.fail_remaining,
            "fail_code": self.fail_code.dotted,
            "fail_rate": self.fail_rate,
            "separate": self.separate_delay > 0,
            "separate_delay": self.separate_delay,
            "drop_rate": self.drop_rate,
        }


def _fraction(rate):
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError("rate must be between 0 and 1")
    return rate
