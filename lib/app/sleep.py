# Deep sleep between readings (config "deepsleep": true, boards with can_deepsleep: ESP32,
# and the virtual board). The chip powers down after the period's network work and boots
# again for the next reading. RTC memory keeps the period count, the dropped count last
# reported and the wall-clock time of the next sample; the token, the outbox and the
# dropped counter are in flash already. Not with subscribe (nothing listens while asleep).
import json
from time import ticks_add, ticks_diff, ticks_ms


def wake(app, nxt):
    """At start: restore the state of a deep-sleep wake and wait for the sample's slot.
    Returns the ticks of the first sample."""
    b = app.board
    if b.cause != "deepsleep":
        return nxt
    try:
        s = json.loads(b.rtc_memory())
        app.n = s["n"]
        app.reported = s["r"]
        due = s["next"]
    except (OSError, ValueError, KeyError, TypeError):
        return nxt
    t = b.time_ms()
    if due and t:
        wait = due - t
        if 0 < wait <= app.period_ms:  # woke early: boot took less than the sleep margin
            app.idle(ticks_add(nxt, wait))
            return ticks_ms()
    return nxt


def sleep(app, nxt):
    """Power down until the next sample (does not return)."""
    b = app.board
    wait = max(1, ticks_diff(nxt, ticks_ms()))
    t = b.time_ms()
    b.rtc_memory(json.dumps({"n": app.n, "r": app.reported, "next": t and t + wait}))
    app.log("deepsleep %d ms" % wait)
    b.deepsleep(wait)
