# config.json in the flash root: load, validate, fill in defaults. Every error names the
# field at fault, so that a user reading the serial console knows what to fix.
#
#   {
#     "server": "coap://coap.thethings.io",      coap://host[:port], no path
#     "activation_code": "...",                  used once (or "token" for a provisioned thing)
#     "period_s": 60,                            the reporting period, may be fractional
#     "wifi": {"ssid": "...", "password": "..."},  (optional on the unix port)
#     "subscribe": true                          values written to the thing -> handlers
#   }
#
# Optional fields and their defaults are in _FIELDS below (wifi: "country", "timeout_s"
# 20; "coap": the client's transmission parameters). Loaded once, then unloaded (app.main).
import json

from coap.uri import split

# (name, kind, default, lo, hi): kind n = number, i = integer, b = bool, s = string;
# default None = required.
_FIELDS = (
    ("period_s", "n", None, 0.001, 86400),
    ("subscribe", "b", False, 0, 0),
    ("keepalive_s", "n", 60, 0.1, 3600),  # subscription keepalive
    ("outbox_max", "i", 200, 1, 100000),  # readings kept for later; the oldest go first
    ("batch_max", "i", 8, 1, 50),  # readings per write request, at most
    ("deepsleep", "b", False, 0, 0),  # ESP32: deep sleep between readings
    ("watchdog_ms", "i", 0, 0, 3600000),  # 0: the board's default
    ("max_periods", "i", 0, 0, 1 << 30),  # stop after so many periods (tests); 0: never
    ("retry_min_s", "n", 5, 0.001, 86400),  # backoff of WiFi, DNS, activation, writes
    ("retry_max_s", "n", 300, 0.001, 86400),
    ("ntp_host", "s", "", 0, 0),  # host[:port]; "": pool.ntp.org
    ("token", "s", "", 0, 0),  # a thing token from the panel: no activation
    ("activation_code", "s", "", 0, 0),
    ("serve", "b", False, 0, 0),  # a CoAP server too (app.serve)
    ("serve_port", "i", 5683, 1, 65535),
)
_WIFI = (
    ("ssid", "s", None, 0, 0),
    ("password", "s", "", 0, 0),
    ("country", "s", "", 0, 0),  # Pico W regulatory domain, e.g. "GB"
    ("timeout_s", "n", 20, 0.1, 600),  # an attempt older than this is abandoned
)
_COAP = (  # RFC 7252 §4.8 defaults
    ("ack_timeout_ms", "i", 2000, 1, 60000),
    ("ack_random_factor", "n", 1.5, 1, 4),
    ("max_retransmit", "i", 4, 0, 10),
)
_KINDS = {"n": "a number", "i": "an integer", "b": "true or false", "s": "a string"}


class ConfigError(Exception):
    """config.json is missing or wrong; str(e) names the field."""


def _bad(field, what, got):
    return ConfigError('config.json: "%s" %s, got %s' % (field, what, json.dumps(got)))


def _check(raw, fields, out, prefix=""):
    for name, kind, default, lo, hi in fields:
        v = raw.get(name, default)
        f = prefix + name
        if v is None:
            raise ConfigError('config.json: "%s" is missing' % f)
        ok = {
            "n": isinstance(v, (int, float)),
            "i": isinstance(v, int),
            "b": isinstance(v, bool),
            "s": isinstance(v, str),
        }[kind] and (kind == "b" or not isinstance(v, bool))
        if not ok:
            raise _bad(f, "must be " + _KINDS[kind], v)
        if kind in "ni" and not lo <= v <= hi:
            raise _bad(f, "must be between %s and %s" % (lo, hi), v)
        out[name] = v
    return out


def validate(raw, need_wifi=True):
    """The checked config (a new dict, defaults filled in, plus host, port, period_ms) or
    ConfigError."""
    if not isinstance(raw, dict):
        raise ConfigError("config.json: must be a JSON object {...}")
    c = _check(raw, _FIELDS, {})
    server = raw.get("server")
    if server is None:
        raise ConfigError('config.json: "server" is missing')
    try:
        host, port, path, query = split(server)
        if path or query or server[4] == "s":
            raise ValueError
    except Exception:
        raise _bad("server", "must be coap://host[:port]", server)
    c["server"], c["host"], c["port"] = server, host, port
    if not (c["activation_code"] or c["token"]):
        raise ConfigError('config.json: "activation_code" is missing')
    if c["retry_max_s"] < c["retry_min_s"]:
        raise _bad("retry_max_s", "must be >= retry_min_s", c["retry_max_s"])
    c["period_ms"] = int(c["period_s"] * 1000 + 0.5)
    c["token"] = c["token"] or None
    for name, fields, need in (("wifi", _WIFI, need_wifi), ("coap", _COAP, False)):
        v = raw.get(name)
        if v is None and not need:
            v = {} if name == "coap" else None
        elif not isinstance(v, dict):
            raise _bad(name, "must be an object {...}", v)
        c[name] = v if v is None else _check(v, fields, {}, name + ".")
    known = [f[0] for f in _FIELDS] + ["server", "wifi", "coap"]
    c["unknown"] = [k for k in raw if k not in known]
    return c


def load(path="config.json", need_wifi=True):
    """Read and validate the config file; ConfigError names what is wrong."""
    try:
        with open(path) as f:
            raw = json.load(f)
    except OSError:
        raise ConfigError("config.json: missing in the flash root (mpremote cp config.json :)")
    except ValueError as e:
        raise ConfigError("config.json: not valid JSON (%s)" % e)
    return validate(raw, need_wifi)


def wait(board, path=None, log=print):
    """The valid config (path: config.json by default). A broken one is reported once
    (naming the field); then a board waits and re-reads it every board.config_wait_s s (no
    reset loop: fix it with mpremote cp), while the plain unix port exits with status 2."""
    shown = None
    while True:
        try:
            c = load(path or "config.json", board.has_wifi)
            for k in c["unknown"]:
                log('config.json: unknown field "%s" ignored' % k)
            return c
        except ConfigError as e:
            if str(e) != shown:
                shown = str(e)
                log(shown)
                if board.config_wait_s is None:
                    raise SystemExit(2)
                log("waiting for a valid config.json (read every %d s)" % board.config_wait_s)
            for _ in range(board.config_wait_s * 4):
                board.feed()
                board.sleep_ms(250)
