"""Parallel coding: the same output as one process, and no lost work when documents or workers fail.

The invariant is parallel == serial (same documents, same event ids, same order), not any given
event: the pattern and actor files are still growing.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
from pathlib import Path

import pytest

from whowhom.cli import main
from whowhom.ingest import read_documents
from whowhom.parallel import shards
from whowhom.parallel.run import iter_chunks, iter_coded
from whowhom.parallel.scheduler import CodeError, RunStats, chunked, run_chunks
from whowhom.records import Document, ReadError

ROOT = Path(__file__).resolve().parents[1]


def _make_corpus_module():
    spec = importlib.util.spec_from_file_location("make_corpus", ROOT / "benchmarks" / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _records(n: int, seed: int = 1) -> list[dict]:
    return list(_make_corpus_module().corpus(n, seed=seed, words=120))


def _write_jsonl(path: Path, records: list[dict], bad_line_at: int | None = None) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i, r in enumerate(records):
            if i == bad_line_at:
                fh.write("{not json\n")
            fh.write(json.dumps(r) + "\n")
    return path


def _serial(coder, paths) -> list:
    """What a single process gives: read errors and (doc id, event ids), in order."""
    out = []
    for item in read_documents([str(p) for p in paths]):
        if isinstance(item, ReadError):
            out.append(("error", item.source))
        else:
            out.append((item.id, [e.event_id for e in coder.code(item)]))
    return out


def _shape(items) -> list:
    return [("error", x.source) if isinstance(x, ReadError) else (x[0].id, [e.event_id for e in x[1]])
            for x in items]


class FaultyCoder:
    """A stand-in coder for worker processes that fails on marked documents (a test-only
    `coder_factory`). It loads no model, so workers start in a fraction of a second; each
    document it codes gets the one "event" f"event-of-{doc.id}".

    RAISE-ME: the coder raises. KILL-ME: the worker process is killed, every time.
    KILL-ONCE:<path>: the worker is killed the first time only (the file remembers it).
    """

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    @staticmethod
    def _check(doc: Document) -> None:
        if "RAISE-ME" in doc.text:
            raise RuntimeError("injected coder failure")
        if "KILL-ME" in doc.text:
            os.kill(os.getpid(), signal.SIGKILL)
        m = re.search(r"KILL-ONCE:(\S+)", doc.text)
        if m and not os.path.exists(m.group(1)):
            Path(m.group(1)).write_text("killed")
            os.kill(os.getpid(), signal.SIGKILL)

    def code_many(self, docs, chunk: int = 32):
        docs = list(docs)
        for d in docs:
            self._check(d)
        for d in docs:
            yield d, [f"event-of-{d.id}"]

    def code(self, doc):
        self._check(doc)
        return [f"event-of-{doc.id}"]


# ------------------------------------------------------------------ scheduler, no processes ----

class FakeBackend:
    """In-process workers that finish in reverse order and die on documents named in `die_on`."""

    size = 2

    def __init__(self, die_on=(), die_once=()):
        self.busy: dict[str, tuple] = {}
        self.die_on = set(die_on)
        self.die_once = set(die_once)
        self.max_in_flight = 0

    def idle(self):
        return [w for w in ("a", "b") if w not in self.busy]

    def submit(self, worker, key, docs):
        self.busy[worker] = (key, docs)
        self.max_in_flight = max(self.max_in_flight, len(self.busy))

    def wait(self, timeout):
        out = []
        for w in sorted(self.busy, reverse=True):
            key, docs = self.busy.pop(w)
            ids = {d.id for d in docs}
            if ids & self.die_on or ids & self.die_once:
                self.die_once -= ids
                out.append(("died", key, "killed by SIGKILL"))
            else:
                out.append(("done", key, ["boom" if d.id == "raise" else [d.id] for d in docs]))
        return out

    def close(self):
        pass


def _docs(ids):
    return [Document(id=i, text=f"text {i}") for i in ids]


def test_chunks_are_numbered_by_documents_and_keep_read_errors_in_place():
    items = [*_docs("ab"), ReadError("f:3", "bad"), *_docs("cde")]
    got = [(no, [getattr(x, "id", "ERR") for x in c]) for no, c in chunked(items, 2)]
    assert got == [(0, ["a", "b"]), (1, ["ERR", "c", "d"]), (2, ["e"])]


def test_scheduler_yields_in_input_order_and_isolates_failures():
    ids = [f"d{i}" for i in range(10)] + ["flaky"] + [f"d{i}" for i in range(10, 20)] + ["raise", "poison"]
    items = _docs(ids)
    items.insert(5, ReadError("f:6", "malformed JSON"))
    stats = RunStats()
    notes = []
    backend = FakeBackend(die_on={"poison"}, die_once={"flaky"})
    out = [x for c in run_chunks(items, backend, chunk_size=3, stats=stats, notify=notes.append) for x in c.items]
    assert [x.source if isinstance(x, ReadError) else x[0].id for x in out] == \
        [x.source if isinstance(x, ReadError) else x.id for x in items]
    by_id = {x.doc_id if isinstance(x, CodeError) else getattr(x, "source", None) if isinstance(x, ReadError)
             else x[0].id: x for x in out}
    assert isinstance(by_id["raise"], CodeError) and "coder failed on document raise" in by_id["raise"].message
    assert isinstance(by_id["poison"], CodeError) and "worker died" in by_id["poison"].message
    assert by_id["flaky"][1] == ["flaky"]  # retried whole, coded the second time
    assert all(by_id[i][1] == [i] for i in ids if i.startswith("d"))
    # the chunk holding "poison": tried twice whole, then one by one; "flaky"'s chunk retried once
    assert stats.worker_deaths == 4 and stats.retried_chunks == 2 and stats.isolated_chunks == 1
    assert any("one at a time" in n for n in notes)


def test_scheduler_skips_resumed_chunks_and_bounds_memory():
    backend = FakeBackend()
    seen = []

    def items():
        for i in range(100):
            seen.append(i)
            yield Document(id=f"d{i}", text="x")

    results = run_chunks(items(), backend, chunk_size=5, window=4, skip=lambda no: no < 3)
    first = next(results)
    assert first.resumed and first.documents == 5 and first.items == []
    assert len(seen) <= 4 * 5 + 5  # read only up to the window, not the whole input
    rest = list(results)
    assert [c.no for c in rest] == list(range(1, 20)) and not any(c.resumed for c in rest[2:])


def test_flat_rows_round_trip_to_events(code):
    from whowhom.records import flatten

    events = code("Chinese Foreign Minister Wang Yi met Taliban leader Mullah Abdul Ghani Baradar in Tianjin.")
    for e in events:
        from whowhom.records import event_from_dict

        assert event_from_dict(shards.unflatten(flatten(e))) == e


def test_folder_targets():
    assert shards.is_folder_target("out/") and not shards.is_folder_target("out.jsonl")
    assert not shards.is_folder_target(None) and not shards.is_folder_target("-")


# ------------------------------------------------------------------ worker processes ----

def _run_code(*argv) -> int:
    """`whowhom code ...` straight into the parallel runner (also with one worker process)."""
    from whowhom.cli import build_parser
    from whowhom.parallel.run import run_code

    return run_code(build_parser().parse_args(["code", *argv]))



@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("corpus")
    return _write_jsonl(d / "news.jsonl", _records(24), bad_line_at=7)


def test_two_workers_give_the_serial_output(coder, corpus):
    stats = RunStats()
    got = _shape(iter_coded([str(corpus)], None, {}, workers=2, chunk_size=4, stats=stats))
    want = _serial(coder, [corpus])
    assert got == want
    assert sum(len(ev) for _, ev in want if _ != "error") > 0  # the corpus does code into events
    # (a fast worker may code everything before the other has loaded: at least one reports)
    assert stats.workers == 2 and 1 <= len(stats.peak_rss_mb) <= 2 and stats.worker_deaths == 0


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("faulty")
    records = _records(20, seed=2)
    records[2]["text"] += " RAISE-ME"
    records[9]["text"] += f" KILL-ONCE:{d / 'killed-once'}"
    records[14]["text"] += " KILL-ME"
    path = _write_jsonl(d / "faulty.jsonl", records)
    stats = RunStats()
    notes: list[str] = []
    items = list(iter_coded([str(path)], None, {}, workers=2, chunk_size=4, coder_factory=FaultyCoder,
                            stats=stats, notify=notes.append))
    return path, items, stats, notes


def test_a_document_that_crashes_the_coder_is_reported_and_skipped(faulty_run):
    _, items, _, _ = faulty_run
    errors = [x for x in items if isinstance(x, CodeError)]
    raised = [e for e in errors if e.doc_id == "synth-0000002"]
    assert raised and "coder failed on document synth-0000002: RuntimeError: injected coder failure" in raised[0].message


def test_a_killed_worker_is_replaced_and_its_chunk_retried(faulty_run):
    path, items, stats, notes = faulty_run
    ids = [f"synth-{i:07d}" for i in range(20)]
    # every document is there, in order; all but the two bad ones are coded
    assert [x.doc_id if isinstance(x, CodeError) else x[0].id for x in items] == ids
    got = {x[0].id: x[1] for x in items if not isinstance(x, ReadError)}
    assert got == {i: [f"event-of-{i}"] for i in ids if i not in ("synth-0000002", "synth-0000014")}
    # the worker died on synth-0000009 once: it was replaced and the chunk coded on the retry
    assert stats.retried_chunks >= 1 and any("retrying the chunk" in n for n in notes)


def test_a_document_that_kills_workers_is_isolated_and_skipped(faulty_run):
    _, items, stats, _ = faulty_run
    killer = [x for x in items if isinstance(x, CodeError) and x.doc_id == "synth-0000014"]
    assert killer and "worker died while coding document synth-0000014" in killer[0].message
    assert "SIGKILL" in killer[0].message
    assert stats.isolated_chunks == 1 and stats.worker_deaths == 4  # once + twice + the lone document


def test_bad_coder_options_stop_the_run_with_a_clear_error(tmp_path, corpus):
    from whowhom.cli import UserError

    missing = str(tmp_path / "no-such-actors.yaml")
    # the worker's error, as the single-process run words it: a message, not a traceback
    with pytest.raises(UserError, match=r"^\S*no-such-actors.yaml: no such actor file"):
        _run_code(str(corpus), "--workers", "1", "--actors", missing)


# ------------------------------------------------------------------ command line ----

@pytest.fixture(scope="module")
def text_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("texts")
    for i, r in enumerate(_records(10, seed=3)):
        (d / f"article-{i:02d}.txt").write_text(r["text"], encoding="utf-8")
    return d


def test_cli_code_folder_with_two_workers(capsys, coder, text_dir, tmp_path):
    out = tmp_path / "out.jsonl"
    code = main(["code", str(text_dir), "--workers", "2", "--chunk-size", "3", "--date", "2021-08-20",
                 "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0
    got = [json.loads(line)["event_id"] for line in out.read_text().splitlines()]
    want = [e.event_id for item in read_documents([str(text_dir)], default_date="2021-08-20")
            for e in coder.code(item)]
    assert got == want and got
    assert "10 documents coded, 0 skipped" in err
    assert not Path(str(out) + ".whowhom-resume.json").exists()  # finished: no checkpoint left


def test_resume_after_interruption(capsys, monkeypatch, coder, corpus, tmp_path):
    from whowhom.parallel import run

    out = tmp_path / "out.jsonl"
    argv = [str(corpus), "--workers", "1", "--chunk-size", "4", "-o", str(out)]
    real_write = run._FileSink.write_chunk

    def write_then_stop(self, no, coded):
        real_write(self, no, coded)
        if no == 2:
            self.writer._fh.write('{"half a line')  # killed while writing the next chunk
            raise KeyboardInterrupt

    monkeypatch.setattr(run._FileSink, "write_chunk", write_then_stop)
    with pytest.raises(KeyboardInterrupt):
        _run_code(*argv)
    checkpoint = json.loads(Path(str(out) + ".whowhom-resume.json").read_text())
    assert checkpoint["chunks_done"] == 3
    monkeypatch.setattr(run._FileSink, "write_chunk", real_write)
    capsys.readouterr()
    assert _run_code(*argv, "--resume") == 0
    err = capsys.readouterr().err
    got = [json.loads(line)["event_id"] for line in out.read_text().splitlines()]
    want = [ev for doc_id, evs in _serial(coder, [corpus]) if doc_id != "error" for ev in evs]
    assert got == want
    assert "resumed: 12 documents" in err and "12 documents coded" in err


def test_parquet_shards_and_resume(capsys, coder, corpus, tmp_path):
    from whowhom.cli import UserError

    folder = tmp_path / "shards"
    argv = [str(corpus), "--workers", "1", "--chunk-size", "8", "-o", f"{folder}/"]
    assert _run_code(*argv) == 0
    got = [(d.id, [e.event_id for e in ev]) for d, ev in shards.iter_shards(folder)]
    want = [x for x in _serial(coder, [corpus]) if x[0] != "error"]
    assert got == want
    assert json.loads((folder / shards.MANIFEST).read_text())["complete"] is True
    with pytest.raises(UserError, match="already holds shards"):  # a second run must not mix runs
        _run_code(*argv)
    # lose the last chunk (as if killed before it was written); --resume codes only that one
    for sub in ("events", "documents"):
        (folder / sub / shards.part_name(2)).unlink()
    capsys.readouterr()
    assert _run_code(*argv, "--resume") == 0
    assert [(d.id, [e.event_id for e in ev]) for d, ev in shards.iter_shards(folder)] == want
    err = capsys.readouterr().err
    assert "8 documents coded" in err and "resumed: 16 documents" in err
    # the store loads the shards: every coded document, every event
    pytest.importorskip("whowhom.store.commands")
    import duckdb

    db = tmp_path / "news.duckdb"
    assert main(["ingest", str(folder), "--from-parquet", "--db", str(db), "--quiet"]) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("select count(*) from documents").fetchall()[0][0] == len(want)
        assert con.execute("select count(*) from mentions").fetchall()[0][0] == sum(len(ev) for _, ev in want)
    finally:
        con.close()


# ------------------------------------------------------------------ Ray (optional) ----

@pytest.fixture(scope="session")
def ray_local(tmp_path_factory):
    ray = pytest.importorskip("ray")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    import logging

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
             _temp_dir=str(tmp_path_factory.mktemp("ray")))
    yield ray
    ray.shutdown()


@pytest.mark.ray
def test_ray_actors_give_the_serial_output(ray_local, coder, corpus):
    stats = RunStats()
    got = _shape(iter_coded([str(corpus)], None, {}, workers=2, engine="ray", chunk_size=4, stats=stats))
    assert got == _serial(coder, [corpus])
    assert stats.workers == 2 and 1 <= len(stats.peak_rss_mb) <= 2


@pytest.mark.ray
def test_ray_writes_shards_the_store_can_load(ray_local, capsys, coder, corpus, tmp_path):
    folder = tmp_path / "ray-shards"
    assert main(["code", str(corpus), "--engine", "ray", "--workers", "2", "--chunk-size", "8",
                 "-o", f"{folder}/"]) == 0
    got = [(d.id, [e.event_id for e in ev]) for d, ev in shards.iter_shards(folder)]
    assert got == [x for x in _serial(coder, [corpus]) if x[0] != "error"]
    import duckdb

    n = duckdb.sql(f"select count(*) from read_parquet('{folder}/events/*.parquet')").fetchall()[0][0]
    assert n == sum(len(ev) for _, ev in got)


@pytest.mark.ray
def test_iter_chunks_reports_chunks_in_order(ray_local, corpus):
    nos = [c.no for c in iter_chunks([str(corpus)], None, {}, workers=1, engine="ray", chunk_size=10)]
    assert nos == [0, 1, 2]
