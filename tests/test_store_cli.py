"""`whowhom ingest / query / export / recode`, run through whowhom's real command line (the
coder replaced by the fake line coder, except in the last test, which uses the real one)."""
from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _store_helpers import FakeCoder, synthetic_corpus, write_line_corpus
from whowhom.records import Document, flatten
from whowhom.store import Store


@pytest.fixture
def run(monkeypatch, capsys):
    """run(*argv) -> (exit code, stdout, stderr), with the fake coder."""
    import whowhom.store.commands as commands
    from whowhom.cli import main
    monkeypatch.setattr(commands, "_make_coder", lambda args: FakeCoder(
        version=os.environ.get("FAKE_CODER_VERSION", "0.1.0")))

    def _run(*argv: str):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return _run


@pytest.fixture
def corpus(tmp_path):
    folder = str(tmp_path / "corpus")
    write_line_corpus(folder, 20)
    return folder


def test_ingest_then_ingest_again_adds_only_what_is_new(run, corpus, tmp_path):
    db = str(tmp_path / "news.duckdb")
    code, _, err = run("ingest", corpus, "--db", db)
    assert code == 0 and "20 documents added" in err
    with open(os.path.join(corpus, "zz-new.jsonl"), "w") as fh:
        fh.write(json.dumps({"id": "new", "text": "USAGOV RUSGOV 111 2021-03-01\n(new)"}) + "\n")
    code, _, err = run("ingest", corpus, "--db", db)
    assert code == 0 and "1 documents added" in err and "20 already stored" in err
    assert Store(db).stats()["documents"] == 21


def test_unreadable_inputs_are_reported_and_the_rest_is_stored(run, corpus, tmp_path):
    db = str(tmp_path / "news.duckdb")
    with open(os.path.join(corpus, "broken.jsonl"), "w") as fh:
        fh.write("{not json\n")
    code, _, err = run("ingest", corpus, "--db", db)
    assert code == 1 and "broken.jsonl" in err and "20 documents added" in err


@pytest.mark.parametrize("argv, message", [
    (["ingest", "no/such/folder", "--db", "{db}"], "no/such/folder: no such file"),
    (["ingest", "{corpus}"], "no store given"),
    (["ingest", "{corpus}", "--db", "{db}", "--date", "yesterday"], "--date"),
    (["query", "events", "--db", "{missing}"], "no such event store"),
    (["query", "events", "--db", "{db}", "--since", "July"], "since: expected a date"),
    (["query", "events", "--db", "{db}", "--quad", "9"], "quad_class"),
    (["query", "event", "--db", "{db}"], "needs an id"),
    (["query", "event", "nope", "--db", "{db}"], "no event with id"),
    (["export", "--db", "{db}", "--format", "parquet"], "needs an output file"),
    (["export", "--db", "{db}", "--format", "csv", "-o", "{tmp}/no/dir/x.csv"], "does not exist"),
    (["query", "stats", "--db", "{textfile}"], "not a whowhom event store"),
])
def test_mistakes_get_one_line_and_exit_code_2(run, corpus, tmp_path, argv, message):
    db = str(tmp_path / "news.duckdb")
    run("ingest", corpus, "--db", db, "--quiet")
    textfile = tmp_path / "notes.txt"
    textfile.write_text("hello")
    fill = dict(db=db, corpus=corpus, missing=str(tmp_path / "missing.duckdb"), tmp=str(tmp_path),
                textfile=str(textfile))
    code, out, err = run(*[a.format(**fill) for a in argv])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("whowhom: error:") and message in lines[0], err
    assert "Traceback" not in err


def test_query_formats(run, corpus, tmp_path):
    db = str(tmp_path / "news.duckdb")
    run("ingest", corpus, "--db", db, "--quiet")
    code, out, _ = run("query", "dyads", "--db", db, "--source", "CHN", "--by", "month")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["period", "source", "target"]
    code, out, _ = run("query", "events", "--db", db, "--code", "04", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows and all(r["code"].startswith("04") for r in rows)
    code, out, _ = run("query", "actors", "--db", db, "--top", "3", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("code,") and len(out.splitlines()) == 4
    eid = rows[0]["event_id"]
    code, out, _ = run("query", "event", eid, "--db", db)
    assert code == 0 and eid in out and "sentence" in out
    for mode in ("network", "places", "stats"):
        assert run("query", mode, "--db", db)[0] == 0


def test_export_formats(run, corpus, tmp_path):
    db = str(tmp_path / "news.duckdb")
    run("ingest", corpus, "--db", db, "--quiet")
    n = Store(db).count_events()
    code, _, err = run("export", "--db", db, "--format", "gdelt", "-o", str(tmp_path / "e.tsv"))
    assert code == 0 and f"wrote {n} rows" in err
    assert all(len(x.split("\t")) == 61 for x in (tmp_path / "e.tsv").read_text().splitlines())
    code, out, _ = run("export", "--db", db, "--format", "plover", "--source", "RUS")
    assert code == 0 and all(json.loads(x)["source"][0]["code"] == "RUS" for x in out.splitlines())
    code, _, _ = run("export", "--db", db, "--format", "parquet", "--table", "mentions",
                     "-o", str(tmp_path / "m.parquet"))
    assert code == 0 and pq.read_table(tmp_path / "m.parquet").num_rows == Store(db).stats()["mentions"]


def test_recode(run, corpus, tmp_path, monkeypatch):
    db = str(tmp_path / "news.duckdb")
    run("ingest", corpus, "--db", db, "--quiet")
    before = Store(db).stats()
    monkeypatch.setenv("FAKE_CODER_VERSION", "0.2.0")
    code, _, err = run("recode", "--db", db)
    assert code == 0 and "20 documents re-coded" in err
    after = Store(db).stats()
    assert (after["events"], after["mentions"]) == (before["events"], before["mentions"])
    assert {d["coder_version"] for d in Store(db).documents()} == {"0.2.0"}


def test_ingest_from_parquet_shards_and_event_files(run, tmp_path):
    docs = synthetic_corpus(12)
    coder = FakeCoder()
    coded = [(d, coder.code(d)) for d in docs]
    # a shard folder as `whowhom code -o FOLDER/` writes it
    shards = pytest.importorskip("whowhom.parallel.shards")
    folder = tmp_path / "shards"
    shards.write_chunk(folder, 0, coded[:6])
    shards.write_chunk(folder, 1, coded[6:])
    db = str(tmp_path / "from-shards.duckdb")
    code, _, err = run("ingest", str(folder), "--from-parquet", "--db", db)
    assert code == 0 and "12 documents added" in err
    reference = str(tmp_path / "reference.duckdb")
    Store(reference).add(iter(coded), progress=False)
    assert Store(db).events(limit=None) == Store(reference).events(limit=None) or \
        _same_events(Store(db), Store(reference))
    assert run("ingest", str(folder), "--from-parquet", "--db", db)[0] == 0
    assert Store(db).stats()["documents"] == 12  # loading twice adds nothing

    # a flat events file as `whowhom code -o events.parquet` writes it: documents unknown
    flat = tmp_path / "events.parquet"
    pq.write_table(pa.Table.from_pylist([flatten(e) for _, evs in coded for e in evs]), flat)
    db2 = str(tmp_path / "from-events.duckdb")
    assert run("ingest", str(flat), "--from-parquet", "--db", db2, "--quiet")[0] == 0
    assert _same_events(Store(db2), Store(reference), counts=("num_mentions", "num_articles"))
    run("ingest", str(flat), "--from-parquet", "--db", db2, "--quiet")
    assert Store(db2).stats()["mentions"] == Store(reference).stats()["mentions"]


def _same_events(a: Store, b: Store, counts=("num_mentions", "num_sources", "num_articles")) -> bool:
    key = lambda s: sorted((e["event_id"], *(e[c] for c in counts)) for e in s.events(limit=None))  # noqa: E731
    assert key(a) == key(b)
    return True


@pytest.mark.slow
def test_the_real_coder_two_reports_of_one_meeting_become_one_event(coder, tmp_path):
    texts = [
        ("xinhua", "Chinese Foreign Minister Wang Yi met Taliban leaders in Tianjin on Wednesday."),
        ("reuters", "On Wednesday, Chinese Foreign Minister Wang Yi met the Taliban in Tianjin, "
                    "state media said."),
    ]
    docs = [Document(id=o, text=t, date="2021-07-28", outlet=o) for o, t in texts]
    store = Store(str(tmp_path / "real.duckdb"))
    stats = store.add(coder.code_many(docs), progress=False)
    assert stats.documents_added == 2 and stats.mentions_added >= 2
    meetings = store.events(source="CHN", target="AFG", root="04")
    assert len(meetings) == 1, meetings
    ev = meetings[0]
    assert (ev["num_articles"], ev["num_sources"]) == (2, 2)
    assert ev["date"] == "2021-07-28" and ev["location_name"] == "Tianjin"
    full = store.event(ev["event_id"])
    for m in full["mentions"]:
        s, e = m["marks"]["source"]
        assert "Wang Yi" in m["sentence"][s:e]
    assert store.add(coder.code_many(docs), progress=False).documents_added == 0
