"""The HTTP API against a real DuckDB store built from a small hand-made corpus
(tests/_api_corpus.py): filters, stable cursors, validation, the token-protected POST, and
reading while another process writes."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

from whowhom.api import create_app

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _api_corpus as corpus  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

import warnings  # noqa: E402

with warnings.catch_warnings():  # starlette asks for httpx2 instead of httpx; both work
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TOTAL_EVENTS = 45  # 9 story events (10 mentions, two reports of one meeting) + 36 filler
TOTAL_DOCS = 7 + corpus.FILLER_DOCS
TIANJIN_IDS = ("tianjin-talks", "tianjin-second")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("api") / "news.duckdb")
    stats = corpus.build_store(path)
    assert stats["documents_added"] == TOTAL_DOCS
    return path


@pytest.fixture()
def fresh_db(tmp_path, db):
    """A private copy of the store, for tests that write."""
    path = str(tmp_path / "news.duckdb")
    shutil.copyfile(db, path)
    return path


@pytest.fixture(scope="module")
def client(db):
    with TestClient(create_app(db)) as c:
        yield c


def get(client, url, status=200, **params):
    r = client.get(url, params=params)
    assert r.status_code == status, (url, params, r.status_code, r.text[:500])
    return r.json()


def all_events(client, **params):
    data = get(client, "/api/events", limit=500, **params)
    assert data["next_cursor"] is None
    return data["events"]


def tianjin_event(client):
    (ev,) = all_events(client, place="tianjin")
    return ev


# --- reading ------------------------------------------------------------------------------

def test_health_reports_the_store(client):
    h = get(client, "/api/health")
    assert h["status"] == "ok"
    assert h["documents"] == TOTAL_DOCS and h["events"] == TOTAL_EVENTS
    assert h["read_only"] is True and h["posting_enabled"] is False
    assert h["first_date"] == "2020-01-01" and h["last_date"] == "2021-08-01"


def test_events_default_page_newest_first(client):
    data = get(client, "/api/events")
    assert data["total"] == TOTAL_EVENTS and data["limit"] == 50 and data["sort"] == "-date"
    dates = [e["date"] for e in data["events"]]
    assert dates == sorted(dates, reverse=True) and len(dates) == TOTAL_EVENTS
    top = data["events"][0]
    assert (top["source_code"], top["code"], top["target_code"]) == ("AFGINS", "190", "AFGMIL")
    assert {"event_id", "date", "source_name", "target_name", "label", "goldstein", "quad_class",
            "plover_event_type", "location_name", "num_mentions", "num_sources"} <= set(top)


@pytest.mark.parametrize("params, expected", [
    ({"source": "RUS"}, 2),
    ({"target": "RUS"}, 2),
    ({"actor": "rus"}, 4),                      # case-insensitive codes
    ({"actor": "RUS,TURGOV"}, None),            # any of; see the test below for the exact set
    ({"source": "CHNGOV", "target": "AFG"}, 2),  # country code as a prefix: AFG and AFGINS
    ({"country": "CHE"}, 1),                    # location country (Geneva)
    ({"code": "04"}, None),
    ({"root": "19"}, None),
    ({"quad_class": "4"}, None),
    ({"plover": "assault"}, None),
    ({"since": "2021-04", "until": "2021-05"}, 4),
    ({"since": "2021"}, 9),
    ({"place": "tianjin"}, 1),
    ({"text": "SANCTIONS"}, 2),
    ({"min_mentions": 2}, 1),
])
def test_event_filters(client, params, expected):
    events = all_events(client, **params)
    assert get(client, "/api/events", **params)["total"] == len(events)
    if expected is not None:
        assert len(events) == expected, [(e["source_code"], e["code"], e["target_code"]) for e in events]
    assert events
    for e in events:
        if "source" in params:
            assert e["source_code"].startswith(params["source"])
        if "target" in params:
            assert e["target_code"].startswith(params["target"])
        if params.get("actor") == "rus":
            assert "RUS" in (e["source_code"][:3], e["target_code"][:3])
        if "code" in params:
            assert e["code"].startswith("04")
        if "root" in params:
            assert e["root_code"] == "19"
        if "quad_class" in params:
            assert e["quad_class"] == 4
        if "plover" in params:
            assert e["plover_event_type"] == "ASSAULT"
        if "since" in params and "until" in params:
            assert "2021-04-01" <= e["date"] <= "2021-05-31"
        if "place" in params:
            assert e["location_name"] == "Tianjin" and e["num_mentions"] == 2


def test_actor_of_unknown_country(client):
    # CAMEO writes an actor known only by its sector as ---GOV; none in this corpus
    assert get(client, "/api/events", actor="---GOV")["total"] == 0


def test_list_values_comma_separated_or_repeated(client):
    comma = all_events(client, actor="RUS,TURGOV")
    r = client.get("/api/events", params=[("actor", "RUS"), ("actor", "TURGOV"), ("limit", "500")])
    assert r.status_code == 200
    repeated = r.json()["events"]
    assert [e["event_id"] for e in comma] == [e["event_id"] for e in repeated]
    for e in comma:
        assert any(c.startswith(("RUS", "TURGOV")) for c in (e["source_code"], e["target_code"]))
    rus = {e["event_id"] for e in all_events(client, actor="RUS")}
    tur = {e["event_id"] for e in all_events(client, actor="TURGOV")}
    assert {e["event_id"] for e in comma} == rus | tur


def test_sorting(client):
    by_mentions = get(client, "/api/events", sort="-mentions", limit=3)["events"]
    assert by_mentions[0]["num_mentions"] == 2 and by_mentions[0]["location_name"] == "Tianjin"
    asc = all_events(client, sort="goldstein")
    golds = [e["goldstein"] for e in asc]
    assert golds == sorted(golds) and golds[0] == -10.0
    oldest = get(client, "/api/events", sort="date", limit=1)["events"][0]
    assert oldest["date"] == "2020-01-01"


@pytest.mark.parametrize("sort, params", [("-date", {}), ("goldstein", {}),
                                          ("-mentions", {"country": "CHN"}), ("date", {"code": "1"})])
def test_cursor_pages_cover_everything_once_in_order(client, sort, params):
    whole = [e["event_id"] for e in all_events(client, sort=sort, **params)]
    seen, cursor, pages = [], None, 0
    while True:
        q = dict(params, sort=sort, limit=7)
        if cursor:
            q["cursor"] = cursor
        data = get(client, "/api/events", **q)
        seen += [e["event_id"] for e in data["events"]]
        pages += 1
        cursor = data["next_cursor"]
        if not cursor:
            break
        assert pages < 50
    assert seen == whole and len(set(seen)) == len(seen)


def test_cursor_is_stable_while_documents_are_added(fresh_db):
    from whowhom.store import Store

    with TestClient(create_app(fresh_db)) as c:
        original = {e["event_id"] for e in all_events(c)}
        first = get(c, "/api/events", limit=10)
        seen = [e["event_id"] for e in first["events"]]
        # another writer adds events, some newer and some older than the page boundary
        with Store(fresh_db) as store:
            store.add(corpus.filler(12, start=500, prefix="new"), progress=False)
        cursor = first["next_cursor"]
        while cursor:
            data = get(c, "/api/events", limit=10, cursor=cursor)
            seen += [e["event_id"] for e in data["events"]]
            cursor = data["next_cursor"]
        assert len(seen) == len(set(seen)), "an event came twice"
        assert original <= set(seen), "an event was skipped"
        assert get(c, "/api/health")["events"] == TOTAL_EVENTS + 12


def test_event_with_its_evidence(client):
    ev = get(client, f"/api/events/{tianjin_event(client)['event_id']}")
    assert (ev["source_code"], ev["code"], ev["target_code"]) == ("CHNGOV", "040", "AFGINS")
    assert ev["num_mentions"] == 2 and ev["num_sources"] == 2
    ms = ev["mentions"]
    assert sorted(m["doc_id"] for m in ms) == sorted(TIANJIN_IDS)
    for m in ms:
        assert m["doc_title"] and m["doc_url"].startswith("https://") and m["doc_date"] == "2021-07-29"
        s = m["sentence"]
        marks = m["marks"]
        assert s[marks["trigger"][0]:marks["trigger"][1]] == m["trigger_text"]
        assert s[marks["source"][0]:marks["source"][1]] == m["source_text"]
        assert s[marks["target"][0]:marks["target"][1]] == m["target_text"]
        assert m["rule"].startswith("test:040") and 0 < m["confidence"] <= 1
        assert m["document_api"] == f"api/documents/{m['doc_id']}"
    texts = {m["trigger_text"] for m in ms}
    assert texts == {"met", "held talks"}


def test_unknown_event_and_bad_id(client):
    r = client.get("/api/events/0123456789abcdef0123")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.get("/api/events/bad%20id;--")
    assert r.status_code == 400


def test_dyads_series(client):
    data = get(client, "/api/dyads", actor="RUS", by="month")
    assert data["by"] == "month"
    rows = {r["period"][:7]: r for r in data["series"]}
    assert set(rows) == {"2021-03", "2021-04", "2021-05"}
    apr = rows["2021-04"]
    assert apr["events"] == 2 and apr["goldstein"] == pytest.approx(-5.0)
    assert apr["q3_events"] == 1 and apr["q4_events"] == 1
    for r in data["series"]:
        assert sum(r[f"q{q}_events"] for q in (1, 2, 3, 4)) == r["events"]
        assert sum(r[f"q{q}_share"] for q in (1, 2, 3, 4)) == pytest.approx(1.0)
    # a month-precision event (Ankara, 2021-03) is not in a daily series
    days = get(client, "/api/dyads", actor="RUS", by="day")["series"]
    assert sum(r["events"] for r in days) == 3
    weeks = get(client, "/api/dyads", by="week", since="2021")["series"]
    assert all(r["period"] >= "2020-12-28" for r in weeks)
    split = get(client, "/api/dyads", actor="RUS", split="true", level="country")["series"]
    assert {(r["source"], r["target"]) for r in split} >= {("USA", "RUS"), ("RUS", "USA")}


def test_actors(client):
    actors = get(client, "/api/actors", limit=5)["actors"]
    assert len(actors) == 5
    assert [a["events"] for a in actors] == sorted((a["events"] for a in actors), reverse=True)
    chn = {a["code"]: a for a in get(client, "/api/actors", limit=100)["actors"]}["CHNGOV"]
    assert chn["country"] == "CHN" and chn["sector"] == "GOV" and chn["name"]
    assert "Wang Yi" in chn["names"]
    rus = get(client, "/api/actors", actor="RUS", role="source")["actors"]
    # the sources of the events that involve Russia
    assert [(a["code"], a["as_source"]) for a in rus] == [("RUSGOV", 2), ("UKRGOV", 1),
                                                          ("USAGOV", 1)]


def test_network(client):
    net = get(client, "/api/network", actor="RUS")
    assert net["level"] == "code"
    edges = net["edges"]
    assert edges and all("RUSGOV" in (e["source"], e["target"]) for e in edges)
    pairs = {(e["source"], e["target"]): e for e in edges}
    assert pairs[("USAGOV", "RUSGOV")]["cooperation"] == 0.0
    assert pairs[("UKRGOV", "RUSGOV")]["cooperation"] == 1.0
    nodes = {n["id"]: n for n in net["nodes"]}
    assert nodes["RUSGOV"]["events"] == 4 and nodes["RUSGOV"]["name"] == "Russia"
    everyone = get(client, "/api/network", level="country", limit=500)
    assert sum(e["events"] for e in everyone["edges"]) == TOTAL_EVENTS
    assert get(client, "/api/network", min_events=100)["edges"] == []


def test_places(client):
    places = {p["name"]: p for p in get(client, "/api/places")["places"]}
    assert set(places) == {"Tianjin", "Kandahar", "Kyiv", "Geneva", "Ankara"}
    t = places["Tianjin"]
    assert t["country"] == "CHN" and t["events"] == 1 and t["mentions"] == 2
    assert t["lat"] == pytest.approx(39.14) and t["lon"] == pytest.approx(117.18)
    assert {p["name"] for p in get(client, "/api/places", actor="AFGINS")["places"]} \
        == {"Kandahar", "Tianjin"}


def test_document_with_highlights(client):
    doc = get(client, "/api/documents/tianjin-talks")
    assert doc["id"] == "tianjin-talks" and doc["title"].startswith("Wang Yi")
    assert doc["url"] == "https://news.example.org/2021/07/29/tianjin-talks"
    text = doc["text"]
    spans = {(h["kind"], text[h["start"]:h["end"]]) for h in doc["highlights"]}
    assert ("trigger", "met") in spans and ("trigger", "pledged economic aid") in spans
    assert ("source", "Chinese Foreign Minister Wang Yi") in spans and ("target", "Afghanistan") in spans
    assert len(doc["events"]) == 2 and all(h["event_id"] for h in doc["highlights"])
    listing = get(client, "/api/documents", limit=5)
    assert len(listing["documents"]) == 5 and "text" not in listing["documents"][0]
    assert get(client, "/api/documents", limit=500)["documents"][-1]["id"]
    r = client.get("/api/documents/no-such-doc")
    assert r.status_code == 404 and "no-such-doc" in r.json()["message"]


# --- validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("url, params, needle", [
    ("/api/events", {"limit": "0"}, "limit"),
    ("/api/events", {"limit": "501"}, "limit"),
    ("/api/events", {"limit": "ten"}, "limit"),
    ("/api/events", {"sort": "date; DROP TABLE events"}, "sort"),
    ("/api/events", {"since": "July"}, "since"),
    ("/api/events", {"since": "2021-13-45"}, "since"),
    ("/api/events", {"since": "2021-08", "until": "2021-07"}, "after"),
    ("/api/events", {"source": "CHN' OR 1=1 --"}, "source"),
    ("/api/events", {"country": "CHINA"}, "country"),
    ("/api/events", {"code": "4x"}, "code"),
    ("/api/events", {"root": "25"}, "root"),
    ("/api/events", {"quad_class": "5"}, "quad_class"),
    ("/api/events", {"text": "x" * 201}, "text"),
    ("/api/events", {"actor": ",".join(["CHN"] * 51)}, "actor"),
    ("/api/events", {"cursor": "not-a-cursor"}, "cursor"),
    ("/api/events", {"soruce": "CHN"}, "soruce"),
    ("/api/dyads", {"by": "hour"}, "by"),
    ("/api/network", {"level": "planet"}, "level"),
    ("/api/actors", {"role": "victim"}, "role"),
    ("/api/places", {"limit": "-1"}, "limit"),
])
def test_bad_parameters_are_clear_400s(client, url, params, needle):
    r = client.get(url, params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["status"] == 400 and body["error"] == "bad_request"
    assert needle in body["message"]


def test_cursor_of_another_sort_is_refused(client):
    cur = get(client, "/api/events", limit=2)["next_cursor"]
    r = client.get("/api/events", params={"cursor": cur, "sort": "goldstein"})
    assert r.status_code == 400 and "cursor" in r.json()["message"]


def test_user_values_never_reach_sql_as_sql(client):
    nasty = "'; DROP TABLE events; --"
    assert get(client, "/api/events", text=nasty)["total"] == 0
    assert get(client, "/api/events", place=nasty)["total"] == 0
    assert get(client, "/api/documents/x'; DELETE FROM documents; --", status=404)
    assert get(client, "/api/health")["events"] == TOTAL_EVENTS


def test_unknown_route_and_method(client):
    r = client.get("/api/nothing")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = client.delete("/api/events")
    assert r.status_code == 405 and r.json()["status"] == 405


def test_headers_docs_and_dashboard(client):
    r = client.get("/api/health")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    spec = get(client, "/openapi.json")
    assert {"/api/events", "/api/events/{event_id}", "/api/dyads", "/api/actors", "/api/network",
            "/api/places", "/api/documents/{doc_id}", "/api/documents", "/api/health"} <= set(spec["paths"])
    params = {p["name"] for p in spec["paths"]["/api/events"]["get"]["parameters"]}
    assert {"source", "target", "country", "code", "since", "until", "cursor", "sort"} <= params
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger-ui-bundle.js" in docs.text
    page = client.get("/")
    assert page.status_code == 200 and "app.js" in page.text
    # nothing is loaded from the internet
    assert not re.search(r"""(src|href)=["']https?://""", page.text + docs.text)
    for asset in ("static/app.js", "static/style.css", "static/vendor/echarts.min.js",
                  "static/vendor/cytoscape.min.js", "static/vendor/topojson-client.min.js",
                  "static/vendor/world-countries-110m.json", "static/vendor/swagger-ui-bundle.js"):
        assert client.get("/" + asset).status_code == 200, asset


# --- writing over HTTP -------------------------------------------------------------------

class LineCoder:
    """Codes sentences like "Russia attacked Ukraine on 2022-02-24." with hand-made events."""

    CODES = {"Russia": "RUSGOV", "Ukraine": "UKRGOV", "China": "CHNGOV", "Turkey": "TURGOV"}
    VERBS = {"attacked": "190", "met": "040", "criticised": "111"}
    calls = 0

    def code_many(self, docs, batch_size=16):
        LineCoder.calls += 1
        for d in docs:
            yield d, self.code(d)

    def code(self, doc):
        m = re.match(r"(\w+) (attacked|met|criticised) (\w+) on (\d{4}-\d{2}-\d{2})\.", doc.text)
        if not m:
            return []
        a, verb, b, date = m.groups()
        spec = (0, a, self.CODES[a], b, self.CODES[b], verb, self.VERBS[verb], date, None)
        return [corpus._event(doc.id, doc.text, [(0, len(doc.text))], spec)]


@pytest.fixture()
def writer(fresh_db):
    LineCoder.calls = 0
    with TestClient(create_app(fresh_db, token="s3cret", coder_factory=LineCoder,
                               max_body=50_000)) as c:
        yield c


AUTH = {"Authorization": "Bearer s3cret"}


def test_post_is_disabled_without_a_server_token(client):
    r = client.post("/api/documents", json={"text": "Russia attacked Ukraine on 2022-02-24."},
                    headers=AUTH)
    assert r.status_code == 403 and "--token" in r.json()["message"]
    assert get(client, "/api/health")["documents"] == TOTAL_DOCS


def test_post_requires_the_token(writer):
    doc = {"text": "Russia attacked Ukraine on 2022-02-24."}
    r = writer.post("/api/documents", json=doc)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = writer.post("/api/documents", json=doc, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["message"] == "wrong token"
    r = writer.post("/api/documents", json=doc, headers={"Authorization": "Basic czNjcmV0"})
    assert r.status_code == 401
    assert LineCoder.calls == 0 and get(writer, "/api/health")["documents"] == TOTAL_DOCS


def test_post_codes_and_stores_a_document(writer):
    doc = {"id": "kyiv-2022", "text": "Russia attacked Ukraine on 2022-02-24.", "title": "War",
           "date": "2022-02-24", "url": "https://news.example.org/war", "outlet": "example"}
    r = writer.post("/api/documents", json=doc, headers=AUTH)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["documents_added"] == 1 and out["mentions_added"] == 1
    (d,) = out["documents"]
    assert d["id"] == "kyiv-2022" and d["coded_events"] == 1
    (ev,) = d["events"]
    assert (ev["source"], ev["code"], ev["target"]) == ("RUSGOV", "190", "UKRGOV")
    # visible through the read endpoints at once
    assert get(writer, "/api/health")["events"] == TOTAL_EVENTS + 1
    stored = get(writer, "/api/documents/kyiv-2022")
    assert stored["title"] == "War" and stored["pub_date"] == "2022-02-24"
    assert get(writer, f"/api/events/{ev['event_id']}")["mentions"][0]["doc_url"] == doc["url"]
    # the same text again is skipped, like `whowhom ingest` does
    r = writer.post("/api/documents", json=doc, headers=AUTH)
    assert r.status_code == 200 and r.json()["documents_added"] == 0
    assert r.json()["documents"][0]["id"] == "kyiv-2022"
    # a batch, one without an id
    batch = {"documents": [{"text": "China met Turkey on 2022-03-01."},
                           {"text": "Turkey criticised Russia on 2022-03-02.", "id": "t2"}]}
    r = writer.post("/api/documents", json=batch, headers=AUTH)
    assert r.status_code == 201 and r.json()["documents_added"] == 2
    ids = [d["id"] for d in r.json()["documents"]]
    assert ids[0].startswith("api-") and ids[1] == "t2"
    assert get(writer, "/api/health")["events"] == TOTAL_EVENTS + 3
    assert LineCoder.calls == 3  # the coder was built once and reused


@pytest.mark.parametrize("body, headers, status, needle", [
    ('{"text": "x"}', {"Content-Type": "text/plain"}, 415, "JSON"),
    ('{"text": ', {"Content-Type": "application/json"}, 400, "not valid JSON"),
    ('{"title": "no text"}', {"Content-Type": "application/json"}, 422, "text"),
    ('{"text": ""}', {"Content-Type": "application/json"}, 422, "text"),
    ('{"text": "x", "colour": "red"}', {"Content-Type": "application/json"}, 422, "colour"),
    ('{"text": "x", "url": "javascript:alert(1)"}', {"Content-Type": "application/json"}, 422, "url"),
    ('{"text": "x", "date": "someday"}', {"Content-Type": "application/json"}, 422, "date"),
    ('{"documents": []}', {"Content-Type": "application/json"}, 422, "documents"),
    ('[1, 2]', {"Content-Type": "application/json"}, 422, "document"),
])
def test_post_validation(writer, body, headers, status, needle):
    r = writer.post("/api/documents", content=body, headers={**AUTH, **headers})
    assert r.status_code == status, r.text
    assert needle in r.json()["message"]
    assert get(writer, "/api/health")["documents"] == TOTAL_DOCS


def test_request_body_limit(writer):
    big = {"text": "Russia attacked Ukraine on 2022-02-24. " + "x" * 60_000}
    r = writer.post("/api/documents", json=big, headers=AUTH)
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"

    def chunks():  # no Content-Length: counted while streaming
        for _ in range(20):
            yield b"x" * 5_000
    r = writer.post("/api/documents", content=chunks(),
                    headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.mark.slow
def test_post_with_the_real_coder(fresh_db):
    pytest.importorskip("spacy")
    try:
        from whowhom.pipeline import Coder  # noqa: F401
    except Exception as exc:  # pragma: no cover - the coder is being reworked
        pytest.skip(f"the coder cannot be imported: {exc}")
    text = ("Russia condemned the United States on Tuesday. Chinese Foreign Minister Wang Yi met "
            "Taliban leader Abdul Ghani Baradar in Tianjin.")
    with TestClient(create_app(fresh_db, token="t")) as c:
        r = c.post("/api/documents", json={"id": "real", "text": text, "date": "2021-07-29"},
                   headers={"Authorization": "Bearer t"})
        assert r.status_code == 201, r.text
        d = r.json()["documents"][0]
        assert d["id"] == "real" and d["coded_events"] == len(d["events"])
        stored = get(c, "/api/documents/real")
        assert stored["text"].strip() == text
        for ev in d["events"]:
            full = get(c, f"/api/events/{ev['event_id']}")
            assert any(m["doc_id"] == "real" for m in full["mentions"])
        assert get(c, "/api/health")["documents"] == TOTAL_DOCS + 1


# --- concurrency --------------------------------------------------------------------------

def test_reads_keep_working_while_another_process_ingests(fresh_db):
    """A second process adds 10 documents, one transaction each; meanwhile every API request
    answers 200 and sees the store grow."""
    with TestClient(create_app(fresh_db)) as c:
        proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "_api_corpus.py"), "write", fresh_db, "10", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        counts, statuses, worst = [], [], 0.0
        try:
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                t = time.monotonic()
                for url in ("/api/events?limit=5", "/api/dyads?by=month", "/api/network",
                            "/api/places"):
                    statuses.append(c.get(url).status_code)
                h = c.get("/api/health")
                statuses.append(h.status_code)
                if h.status_code == 200:
                    counts.append(h.json()["events"])
                worst = max(worst, time.monotonic() - t)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
        assert "DONE" in out
        assert statuses and set(statuses) == {200}, statuses
        assert counts == sorted(counts), "the event count went backwards"
        assert counts[0] < TOTAL_EVENTS + 10, "the writer finished before we read anything"
        assert get(c, "/api/health")["events"] == TOTAL_EVENTS + 10
        assert worst < 10


def test_a_store_locked_too_long_gives_503(fresh_db):
    from whowhom.store.connection import write_connection

    app = create_app(fresh_db, read_timeout=0.3)
    with TestClient(app) as c:
        held = threading.Event()
        release = threading.Event()

        def hold():
            with write_connection(fresh_db, timeout=5):
                held.set()
                release.wait(5)
        t = threading.Thread(target=hold)
        t.start()
        try:
            assert held.wait(5)
            r = c.get("/api/events")
            assert r.status_code == 503 and r.headers["retry-after"]
            assert r.json()["error"] == "store_busy"
        finally:
            release.set()
            t.join()
        assert c.get("/api/events").status_code == 200


# --- the command ----------------------------------------------------------------------------

def test_serve_refuses_a_missing_store(tmp_path, capsys):
    from whowhom.cli import main

    code = main(["serve", "--db", str(tmp_path / "nope.duckdb")])
    assert code == 2
    assert "no such event store" in capsys.readouterr().err


def test_serve_runs_a_real_server(db):
    import httpx

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(os.environ, WHOWHOM_TOKEN="from-env")
    proc = subprocess.Popen([sys.executable, "-m", "whowhom.cli", "serve", "--db", db,
                             "--port", str(port), "--log-level", "warning"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                r = httpx.get(base + "/api/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()[1]
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer")
        assert r.status_code == 200 and r.json()["posting_enabled"] is True
        r = httpx.post(base + "/api/documents", json={"text": "x"}, timeout=5)
        assert r.status_code == 401
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert "serving" in proc.stderr.read()
