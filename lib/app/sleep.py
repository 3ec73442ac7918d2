# Deep sleep between readings (config "deepsleep": true, boards with can_deepsleep: ESP32,
# and the virtual board). The chip powers down after the period's network work and boots
# again for the next reading. RTC memory keeps the period count, the dropped count last
# reported, the uptime so far, the wall-clock time of the next sample, and how long the last
# boot took from reset to the point of sampling: the board is woken that much early, so the
# samples stay on the period grid instead of drifting by a boot time each period. The
# token, the outbox and the dropped counter are in flash already. Not with subscribe
# (nothing listens while asleep).
import json
from time import ticks_add, ticks_diff, ticks_ms

_boot = 0  # ms from the reset to this boot's first sample (wake()): sleep() wakes that early


def wake(app, nxt):
    """At start: the state a deep-sleep wake restores, after waiting for the sample's slot.
    Returns (the ticks of the first sample, None or (periods, dropped count reported,
    uptime) before the sleep, for app.start to restore: the App's)."""
    global _boot
    b = app.board
    boot = ticks_diff(ticks_ms(), b.t0)  # since the reset: the boot took this long
    try:
        s = json.loads(b.rtc_memory())
        due, kept = s["next"], (s["n"], s["r"], s["up"])
    except (OSError, ValueError, KeyError, TypeError):
        return nxt, None
    _boot = boot
    t = b.time_ms()
    if due and t:
        wait = due - t
        if 0 < wait <= app.period_ms:  # woke early, as asked: wait for the sample's time
            app.idle(ticks_add(nxt, wait))
            return ticks_ms(), kept
    return nxt, kept


def sleep(app, nxt):
    """Power down until the next sample, waking early by the last boot's time (does not
    return)."""
    b = app.board
    wait = max(1, ticks_diff(nxt, ticks_ms()))
    early = min(_boot + 20, wait - 1)  # (20 ms: the wake's own slack)
    t = b.time_ms()
    up = app.up + ticks_diff(ticks_ms(), app.up_t) + wait  # uptime counts across sleeps
    s = {"n": app.n, "r": app.reported, "next": t and t + wait, "up": up - early}
    b.rtc_memory(json.dumps(s))
    app.log("deepsleep %d ms" % (wait - early))
    b.deepsleep(wait - early)
