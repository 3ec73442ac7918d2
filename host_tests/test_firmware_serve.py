"""The firmware with config "serve" on (lib/app/serve.py), as it is deployed (.mpy) on the
unix ports, against the theThings.IO emulator on loopback: libcoap's coap-client-notls asks
it for /status and /.well-known/core on the one socket the firmware also writes from (bound
to serve_port, RFC 7252 §4: one message layer for both roles), while it goes on writing its
readings."""

import json

import procs
from coap_servers import LIBCOAP_CLIENT, LOOPBACK, free_udp_port
from fw_harness import fast_config, fixture_firmware, fixture_fw_build, token_of

firmware = fixture_firmware
fw_build = fixture_fw_build


def libcoap(*args):
    r = procs.run([LIBCOAP_CLIENT, "-B", "5", *args], timeout=20)
    return r.stdout + r.stderr


def test_serving_firmware_answers_libcoap(sim, firmware):
    port = free_udp_port()
    code = sim.new_codes(1)[0]
    cfg = fast_config(sim.url, code, period_s=0.5, serve=True, serve_port=port,
                      wifi={"ssid": "home", "password": "wifi-secret-pw"})  # fmt: skip
    fw = firmware(cfg)
    fw.wait_for(lambda: [p for p in fw.periods() if p.outcome == "sent"], timeout=30)
    url = "coap://%s:%d" % (LOOPBACK, port)
    doc = libcoap("-m", "get", url + "/.well-known/core").strip()
    links = doc.split(",")
    for k in ("temperature", "heap_free", "rssi", "uptime"):
        assert "</sensors/%s>;ct=0;obs" % k in links, doc
    assert "</status>;ct=50" in links, doc
    got = libcoap("-m", "get", url + "/status").strip()
    st = json.loads(got)
    before = fw.periods()[-1]
    assert st["write"] == "sent" and st["reset"] == "power-on", st
    assert st["outbox"] == 0 and st["requests"] >= 2, st
    assert int(before.values["uptime"]) <= st["uptime"], (before, st)
    t = libcoap("-m", "get", url + "/sensors/temperature").strip()
    assert t in {p.values["temperature"] for p in fw.periods()[-3:]}, t
    token = token_of(fw.flash)
    assert token and token not in got and "wifi-secret-pw" not in got
    assert "4.04" in libcoap("-m", "get", url + "/sensors/nothing")
    # the readings went on meanwhile, all written
    n = fw.periods()[-1].n
    fw.wait_period(n + 2)
    assert all(p.outcome == "sent" for p in fw.periods()), fw.tail()
    fw.kill()
