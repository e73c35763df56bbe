"""The dashboard in a real browser: Debian's Chromium driven by Playwright for Python.

`whowhom serve` runs as a subprocess on 127.0.0.1 and a free port over a store built from the
test corpus (tests/_api_corpus.py). Locally these tests are skipped when Chromium or
Playwright is missing (or with -m "not browser"); in CI (CI=true) they must run.
"""
from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import _api_corpus as corpus  # noqa: E402

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("WHOWHOM_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing() -> list[str]:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        missing.append(f"Chromium at {CHROMIUM} (apt-get install -y chromium)")
    return missing


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    missing = _missing()
    if missing:
        msg = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(msg + " (CI=true: these tests must run)")
        pytest.skip(msg)
    db = str(tmp_path_factory.mktemp("dash") / "news.duckdb")
    corpus.build_store(db)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w+")
    env = {k: v for k, v in os.environ.items() if k != "WHOWHOM_TOKEN"}
    proc = subprocess.Popen([sys.executable, "-m", "whowhom.cli", "serve", "--db", db,
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"the server did not start: {log.read()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser, server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
          if m.type == "error" else None)
    pg.on("request", lambda r: problems.append(f"request outside the server: {r.url}")
          if not (r.url.startswith(server) or r.url.startswith("data:")) else None)
    pg.problems = problems
    yield pg
    ctx.close()


def ready(page):
    page.wait_for_selector("body[data-state=ready]")


def distinct_colours(browser, png: bytes) -> tuple[int, float]:
    """(number of distinct colours, share of the most common one) in a PNG, decoded by the
    browser itself (no imaging library needed)."""
    pg = browser.new_page()
    try:
        return tuple(pg.evaluate("""async (src) => {
            const img = new Image(); img.src = src; await img.decode();
            const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
            const ctx = c.getContext('2d'); ctx.drawImage(img, 0, 0);
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            const counts = new Map(); let n = 0;
            for (let i = 0; i < d.length; i += 4) {
              const k = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
              counts.set(k, (counts.get(k) || 0) + 1); n++;
            }
            return [counts.size, Math.max(...counts.values()) / n];
        }""", "data:image/png;base64," + base64.b64encode(png).decode()))
    finally:
        pg.close()


def test_filter_by_actor_then_open_the_evidence(page, browser, server, tmp_path):
    page.goto(server + "/")
    ready(page)
    rows = page.locator("#events tbody tr")
    assert rows.count() == 45
    assert page.locator("#count").inner_text() == "45 events"
    # every panel drew something
    assert page.locator("#timeline canvas").count() >= 1
    assert page.locator("#map canvas").count() >= 1
    assert page.evaluate("window.whowhom.cy.nodes().length") > 5

    # filter by an actor with the form
    page.fill("#f-actor", "rus")
    page.click("#apply")
    page.wait_for_url("**actor=RUS**")
    ready(page)
    assert rows.count() == 4
    for text in rows.all_inner_texts():
        assert "RUS" in text
    assert "actor: RUS" in page.locator("#chips").inner_text()
    assert page.locator("#count").inner_text() == "4 events"
    assert page.evaluate("window.whowhom.cy.edges().length") == 4

    # open an event: its evidence sentence, with the actors and trigger marked
    rows.filter(has_text="Impose embargo").first.click()
    page.wait_for_selector("#evidence[data-ready]")
    ev = page.locator("#evidence")
    assert "The United States imposed sanctions on Russia on Thursday." in ev.inner_text()
    mention = ev.locator(".mention").first
    assert mention.locator(".sentence .hl-trigger").inner_text() == "imposed sanctions"
    assert mention.locator(".sentence .hl-source").inner_text() == "The United States"
    assert mention.locator(".sentence .hl-target").inner_text() == "Russia"
    link = mention.locator("h3 a")
    assert link.get_attribute("href") == "https://wire.example.net/sanctions-russia"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert "event=" in page.url

    # the stored article text, with this event's words marked
    mention.get_by_role("button", name="Show stored article text").click()
    doc = mention.locator(".doc-text")
    doc.locator(".hl-trigger").first.wait_for()
    assert "Russia condemned the sanctions imposed by Washington." in doc.inner_text()

    shot = tmp_path / "dashboard.png"
    png = page.screenshot(path=str(shot), full_page=True)
    colours, top_share = distinct_colours(browser, png)
    assert colours > 300, f"the screenshot looks blank ({colours} colours): {shot}"
    assert top_share < 0.9, f"one colour covers {top_share:.0%} of the screenshot: {shot}"
    assert page.problems == []


def test_a_shared_url_restores_the_view(page, server):
    page.goto(server + "/?place=Tianjin")
    ready(page)
    row = page.locator("#events tbody tr")
    assert row.count() == 1
    event_id = row.first.get_attribute("data-event-id")

    page.goto(server + f"/?actor=CHNGOV&since=2021-07&event={event_id}")
    ready(page)
    assert page.input_value("#f-actor") == "CHNGOV"
    assert page.input_value("#f-since") == "2021-07"
    page.wait_for_selector("#evidence[data-ready]")
    mentions = page.locator("#evidence .mention")
    assert mentions.count() == 2  # two articles report the Tianjin meeting
    triggers = {t.strip() for t in page.locator("#evidence .sentence .hl-trigger").all_inner_texts()}
    assert triggers == {"met", "held talks"}
    page.keyboard.press("Escape")
    assert page.locator("#evidence").is_hidden()
    assert "event=" not in page.url
    assert page.problems == []


def test_clicking_the_network_filters_everything(page, server):
    page.goto(server + "/")
    ready(page)
    # click the Russia node where Cytoscape drew it
    pos = page.evaluate("""() => {
        const n = window.whowhom.cy.getElementById('n:RUSGOV');
        const p = n.renderedPosition();
        const box = document.getElementById('network').getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }""")
    page.mouse.click(pos[0], pos[1])
    page.wait_for_url("**actor=RUSGOV**")
    ready(page)
    assert page.locator("#events tbody tr").count() == 4
    assert page.input_value("#f-actor") == "RUSGOV"
    # and the timeline follows the filter: 4 events in 3 months
    bars = page.evaluate("""() => window.whowhom.timeline.getOption().series
        .filter(s => s.type === 'bar')
        .reduce((acc, s) => acc + s.data.reduce((a, v) => a + (v || 0), 0), 0)""")
    assert bars == 4
    # back to the unfiltered view
    page.go_back()
    ready(page)
    page.wait_for_function("document.querySelectorAll('#events tbody tr').length === 45")
    assert page.problems == []


def settle(page):
    """Let the page handle what is pending: a resize event is dispatched before the next
    animation frame, and answers already in are handled before a timer fires."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r))))")


def test_a_window_shrunk_to_nothing_and_back_keeps_every_chart(page, server):
    # Chromium shrinks the window to 1x1 px for a moment while it takes a full-page screenshot
    # (as the first test does); on a busy machine the page sees that size. Resizing the map
    # into a zero-width box made ECharts throw "Cannot read properties of null (reading '0')".
    page.goto(server + "/")
    ready(page)
    for w, h in [(1, 1), (1400, 1000), (20, 600), (1400, 1000)]:
        page.set_viewport_size({"width": w, "height": h})
        page.wait_for_function(f"window.innerWidth === {w} && window.innerHeight === {h}")
        settle(page)
    assert page.problems == []
    # every chart is back at the size of its box, and still draws the same data
    sizes = page.evaluate("""() => ['map', 'timeline'].map(id =>
        [document.getElementById(id).clientWidth, window.whowhom[id].getWidth()])""")
    for box, chart in sizes:
        assert box == chart > 300
    assert page.evaluate("window.whowhom.map.getOption().series[0].data.length") == 5
    assert page.evaluate("window.whowhom.cy.width()") > 300
    assert page.locator("#events tbody tr").count() == 45


def test_each_panel_draws_the_answer_to_its_latest_request(page, server):
    # Answers arrive in any order on a busy machine. Here the table's and the timeline's answers
    # to a new filter are held back while the timeline's period changes: the table must still
    # show the new filter's rows (a new timeline request used to drop them), and the older
    # monthly timeline, released last, must not replace the yearly one.
    page.goto(server + "/")
    ready(page)
    held = []

    def hold(route):  # answered later, by the test
        held.append(route)

    page.route(lambda url: "/api/events?" in url and "actor=RUS" in url, hold)
    page.route(lambda url: "/api/dyads?" in url and "actor=RUS" in url and "by=year" not in url,
               hold)
    page.fill("#f-actor", "rus")
    page.click("#apply")
    deadline = time.monotonic() + 10
    while len(held) < 2:
        assert time.monotonic() < deadline, f"held {len(held)} of 2 requests"
        page.wait_for_timeout(20)
    page.select_option("#by", "year")
    page.wait_for_function("""() => {
        const x = window.whowhom.timeline.getOption().xAxis[0].data;
        return x.length > 0 && x.every(p => p.length === 4); }""")
    for route in held:
        route.continue_()
    ready(page)
    settle(page)
    rows = page.locator("#events tbody tr")
    assert rows.count() == 4
    assert page.locator("#count").inner_text() == "4 events"
    labels = page.evaluate("window.whowhom.timeline.getOption().xAxis[0].data")
    assert labels and all(len(p) == 4 for p in labels), labels
    assert page.evaluate("window.whowhom.cy.edges().length") == 4
    assert page.problems == []


def test_an_edge_without_an_actor_code_is_left_out(page, server):
    # The store allows an event without an actor code and the API lists no node for it:
    # Cytoscape throws on an edge to a missing node, which emptied the whole network.
    def with_a_codeless_edge(route):
        resp = route.fetch()
        data = resp.json()
        data["edges"].append({"source": data["nodes"][0]["id"], "target": None, "events": 1,
                              "mentions": 1, "goldstein": 0.0, "cooperation": 0.5})
        route.fulfill(response=resp, json=data)

    page.route("**/api/network?*", with_a_codeless_edge)
    page.goto(server + "/")
    ready(page)
    assert page.locator("#message").is_hidden()
    assert page.evaluate("window.whowhom.cy.edges().length") == 13
    assert page.problems == []
