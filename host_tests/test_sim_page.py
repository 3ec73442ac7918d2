"""The sim's web page (tools/thethings_sim/page.py) in a real browser: Debian's chromium,
headless, driven by playwright (pointed at the system browser: playwright's own browser
download is never used). The page loads clean and offline, follows writes live (the text and
uPlot's own data), writes with the form to a subscribed firmware (the real process), shows a
`<script>` value as text, and refuses what the server refuses with the server's message.
A screenshot of the page with a firmware's readings is kept as build/page.png.

Playwright's sync API runs an event loop in this thread, so CoAP requests (aiocoap's
client, asyncio.run) go through a worker thread (`coap`)."""

import concurrent.futures
import json
import os
import shutil
import urllib.error
import urllib.request

import pytest
import targets
from fw_harness import ROOT, Firmware, build_firmware, fast_config, token_of

from thethings_sim.page import thing_id
from thethings_sim.testing import SimServer, wait_for

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium")
SCREENSHOT = os.path.join(ROOT, "build", "page.png")
WAIT_MS = 10000  # waits, not timings: the page is at most 2 s behind, a loaded host slower


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        msg = "Debian's chromium is missing: run `make setup`"
        if targets.required():
            pytest.fail(msg + " (REQUIRE_TARGETS is set)", pytrace=False)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield b
        b.close()  # chromium and playwright's driver end here (procs.py checks it)


@pytest.fixture(scope="module")
def sim():
    with SimServer(codes=0, log_requests=False, page_port=0) as srv:
        yield srv


_pool = concurrent.futures.ThreadPoolExecutor(1)


def coap(sim, method, path, payload=None):
    return _pool.submit(sim.request, method, path, payload).result(30)


def write(sim, token, *values):
    return coap(sim, "POST", "/v2/things/" + token, {"values": list(values)})


def open_page(browser, sim):
    """A fresh tab on the page, live; .errors collects console errors and uncaught
    exceptions, .urls every URL the page asked for. Close its .context."""
    ctx = browser.new_context(viewport={"width": 1000, "height": 700})
    pg = ctx.new_page()
    pg.errors, pg.urls = [], []
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append("uncaught: %s" % e))
    pg.on("request", lambda r: pg.urls.append(r.url))
    pg.goto(sim.page_url)
    pg.wait_for_selector("#status.live", timeout=WAIT_MS)
    return pg


@pytest.fixture
def page(browser, sim):
    pg = open_page(browser, sim)
    yield pg
    pg.context.close()


def thing_section(pg, token):
    return pg.locator('section[data-thing="%s"]' % thing_id(token))


def cell(pg, token, key, which):
    return thing_section(pg, token).locator('tr[data-key="%s"] td.%s' % (key, which))


def plotted(pg, token, key):
    return pg.evaluate("([id, k]) => window.simPage.plotted(id, k)", [thing_id(token), key])


def wait_points(pg, token, key, n, exact=True):
    pg.wait_for_function(
        "([id, k, n, exact]) => { const m = (window.simPage.plotted(id, k) || [[]])[0].length;"
        " return exact ? m === n : m >= n; }",
        arg=[thing_id(token), key, n, exact],
        timeout=WAIT_MS,
    )


def submit(pg, token, key, value, as_text=False):
    pg.select_option("#write-thing", thing_id(token))
    pg.fill("#write-key", key)
    pg.fill("#write-value", value)
    pg.select_option("#write-type", "string" if as_text else "auto")
    pg.evaluate("document.getElementById('write-result').className = ''")
    pg.click("#write-send")
    pg.wait_for_selector("#write-result.ok, #write-result.error", timeout=WAIT_MS)
    return pg.locator("#write-result")


def test_page_loads_clean_offline_and_shows_each_thing(sim, browser):
    a, b = sim.activate(), sim.activate()
    assert (
        write(sim, a, {"key": "temp", "value": 21.5}, {"key": "mode", "value": "eco"})[0] == "2.01"
    )
    pg = open_page(browser, sim)  # things and readings from before the page was opened
    # each thing by the first 4 characters of its token; no whole token anywhere in the page
    for t in (a, b):
        assert thing_section(pg, t).locator("h2").inner_text().startswith("thing %s…" % t[:4])
        assert t not in pg.content()
    assert cell(pg, a, "temp", "value").inner_text() == "21.5"
    assert cell(pg, a, "mode", "value").inner_text() == "eco"
    stored = {r["key"]: r["datetime"] for r in sim.records(a)}
    assert cell(pg, a, "temp", "time").inner_text() == stored["temp"]
    assert thing_section(pg, b).locator("p.empty").inner_text() == "No readings yet."
    # a plot for the numeric key only, drawn by uPlot (its canvas), none for "eco"
    assert plotted(pg, a, "temp")[1] == [21.5] and plotted(pg, a, "mode") is None
    assert thing_section(pg, a).locator('.plot[data-key="temp"] canvas').count() == 1
    assert pg.errors == [], pg.errors
    # offline: everything came from the sim itself, uPlot included (no CDN)
    assert any(u.endswith("/uplot/uPlot.iife.min.js") for u in pg.urls), pg.urls
    assert all(u.startswith(sim.page_url) for u in pg.urls), pg.urls
    pg.context.close()


def test_n_writes_make_n_points_and_the_text_shows_the_last(sim, page):
    token = sim.activate()
    page.wait_for_selector('section[data-thing="%s"]' % thing_id(token), timeout=WAIT_MS)
    values = [20 + i * 0.5 if i % 3 else "%d" % (20 + i) for i in range(12)]  # "9000" is one too
    for v in values:
        assert write(sim, token, {"key": "temperature", "value": v})[0] == "2.01"
    wait_points(page, token, "temperature", len(values))
    xs, ys = plotted(page, token, "temperature")
    assert ys == [float(v) for v in values] and xs == sorted(xs)
    assert cell(page, token, "temperature", "value").inner_text() == str(values[-1])
    last_time = cell(page, token, "temperature", "time").inner_text()
    assert last_time == sim.records(token)[-1]["datetime"]
    # an older reading arriving late (a board's outbox): one more point, at its place in
    # time, and the text keeps the newest value
    old = {"key": "temperature", "value": -5, "datetime": "2020-01-01T00:00:00.000Z"}
    assert write(sim, token, old)[0] == "2.01"
    wait_points(page, token, "temperature", len(values) + 1)
    xs, ys = plotted(page, token, "temperature")
    assert ys[0] == -5 and xs[0] == 1577836800 and xs == sorted(xs)
    assert cell(page, token, "temperature", "value").inner_text() == str(values[-1])
    assert cell(page, token, "temperature", "time").inner_text() == last_time
    assert page.errors == [], page.errors


def test_a_value_from_the_form_reaches_a_subscribed_firmware(browser, tmp_path):
    # a sim of its own: the screenshot shows the firmware's thing alone
    build = build_firmware(str(tmp_path / "mpy"), "x64")  # as deployed (.mpy)
    flash = str(tmp_path / "flash")
    os.makedirs(flash)
    with SimServer(codes=1, log_requests=False, page_port=0) as sim:
        cfg = fast_config(sim.url, sim.codes[0], subscribe=True, period_s=0.2)
        with open(os.path.join(flash, "config.json"), "w") as f:
            json.dump(cfg, f)
        page = open_page(browser, sim)
        fw = Firmware(build, flash).start()
        try:
            _form_to_firmware(sim, page, fw, flash)
        finally:
            fw.kill()
            page.context.close()


def _form_to_firmware(sim, page, fw, flash):
    fw.wait_for(lambda: fw.grep("subscribed"), timeout=30)
    token = token_of(flash)
    # the firmware's readings arrive on the page as it sends them
    wait_points(page, token, "temperature", 1, exact=False)
    result = submit(page, token, "period_s", "0.25")
    assert result.inner_text() == "written (Created)", result.inner_text()
    # over Observe to the board: its handler logs the value it received
    fw.wait_for(lambda: fw.grep("period_s 0.25: period 250 ms"), timeout=20)
    n = fw.periods()[-1].n
    fw.wait_period(n + 8, timeout=20)
    fw.kill()  # then the page holds every reading the server stored
    wait_for(lambda: plotted(page, token, "uptime")[1] == [
        r["value"] for r in sim.records(token, "uptime")], timeout=WAIT_MS / 1000)  # fmt: skip
    assert cell(page, token, "period_s", "value").inner_text() == "0.25"
    assert [r["value"] for r in sim.records(token, "period_s")] == [0.25]  # a number
    os.makedirs(os.path.dirname(SCREENSHOT), exist_ok=True)
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert page.errors == [], page.errors


def test_the_page_comes_back_after_a_server_restart(sim, page):
    token = sim.activate()
    assert write(sim, token, {"key": "t", "value": 1})[0] == "2.01"
    wait_points(page, token, "t", 1)
    sim.restart(down_for=0.5)  # same ports and database: the page reconnects by itself
    assert write(sim, token, {"key": "t", "value": 2})[0] == "2.01"
    # a fresh snapshot, then the write: each record once, none lost
    wait_points(page, token, "t", 2)
    page.wait_for_selector("#status.live", timeout=WAIT_MS)
    assert plotted(page, token, "t")[1] == [1, 2]
    assert cell(page, token, "t", "value").inner_text() == "2"
    assert sum(u.endswith("/events") for u in page.urls) >= 2, page.urls  # it reconnected
    # the browser may report the refused reconnections while the server was down; nothing else
    assert all("ERR_CONNECTION_REFUSED" in e for e in page.errors), page.errors


HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">&amp;'


def test_a_script_value_shows_as_text(sim, page):
    token = sim.activate()
    page.wait_for_selector('section[data-thing="%s"]' % thing_id(token), timeout=WAIT_MS)
    scripts = page.locator("script").count()
    assert write(sim, token, {"key": "note", "value": HOSTILE})[0] == "2.01"  # over CoAP
    # (a row gets its text in the same script task that adds it: waiting for it is enough)
    v = cell(page, token, "note", "value")
    v.wait_for(timeout=WAIT_MS)
    assert v.text_content() == HOSTILE
    result = submit(page, token, "memo", "<b>bold</b> " + HOSTILE, as_text=True)  # the form
    assert result.inner_text() == "written (Created)"
    m = cell(page, token, "memo", "value")
    m.wait_for(timeout=WAIT_MS)
    assert m.text_content() == "<b>bold</b> " + HOSTILE
    assert sim.records(token, "memo")[0]["value"] == "<b>bold</b> " + HOSTILE
    # nothing of it became markup, nothing ran
    assert page.locator("script").count() == scripts
    assert page.locator("main img, main b").count() == 0
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.errors == [], page.errors


REFUSED = [  # (key, value) the form sends; the server's message for each comes from CoAP
    ("bad key", "1"),
    ("", "1"),
    ("<b>k</b>", "x"),
]


def test_a_refused_write_shows_the_servers_message(sim, page):
    token = sim.activate()
    page.wait_for_selector('section[data-thing="%s"]' % thing_id(token), timeout=WAIT_MS)
    for key, value in REFUSED:
        # what the server says to the same Write over CoAP: its own message
        code, body = write(sim, token, {"key": key, "value": 1 if value == "1" else value})
        assert code == "4.00" and body["status"] == "error", (code, body)
        result = submit(page, token, key, value)
        assert result.get_attribute("class") == "error"
        assert result.inner_text() == "refused: %s (400)" % body["message"]
    assert sim.records(token) == []  # nothing stored
    assert thing_section(page, token).locator("tr[data-key]").count() == 0
    # the browser reports each refused request (HTTP 400) and nothing else
    assert page.errors and all("status of 400" in e for e in page.errors), page.errors


def http(sim, method, path, body=None, ctype="application/json"):
    req = urllib.request.Request(sim.page_url.rstrip("/") + path, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_the_write_endpoint_refuses_bad_requests_and_stores_nothing(sim):
    token = sim.activate()
    path = "/api/things/" + thing_id(token)
    ok = json.dumps({"values": [{"key": "k", "value": 1}]}).encode()
    assert http(sim, "POST", path, ok) == (201, {"status": "Success", "message": "Created"})
    cases = [
        ("POST", path, b"{not json", "application/json", 400, "Payload is not valid JSON"),
        ("POST", path, ok, "text/plain", 415, "Content-Type must be application/json"),
        ("POST", "/api/things/0000", ok, "application/json", 401, "Invalid thing token"),
        ("POST", path, b"x" * 20000, "application/json", 413, "body over 16384 bytes"),
        ("GET", path, None, None, 405, "Method not allowed"),
        ("GET", "/nothing", None, None, 404, "Not found"),
    ]
    for method, p, body, ctype, status, message in cases:
        got = http(sim, method, p, body, ctype)
        assert got[0] == status and got[1]["message"] == message, (p, got)
    assert [r["value"] for r in sim.records(token)] == [1]
    # the snapshot as JSON: the thing by its id and short token, never the token itself
    status, things = http(sim, "GET", "/api/things")
    mine = [t for t in things if t["id"] == thing_id(token)]
    assert status == 200 and mine[0]["short"] == token[:4] and token not in json.dumps(things)
    assert mine[0]["keys"]["k"][0]["value"] == 1
