"""The event store across real processes: a reader beside a writer, a killed ingest, a second
writer, a foreign lock holder, a full disk. Each scenario starts separate Python processes
(tests/_store_helpers.py) running `whowhom ingest` with a fake coder that reads line-coded
documents, so the store's behaviour is tested without loading the NLP models.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from _store_helpers import ROOT, FakeCoder, line_doc, write_line_corpus
from whowhom.store import Store, StoreBusy, StoreLocked

HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_store_helpers.py")
pytestmark = pytest.mark.slow


def helper(*args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, HELPER, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **kw)


def snapshot(db: str) -> dict[str, list[tuple]]:
    """Everything in the store except the ingestion timestamps."""
    store = Store(db, read_only=True)
    with store.reader() as con:
        return {
            "documents": con.execute("SELECT * EXCLUDE (ingested_at) FROM documents ORDER BY id").fetchall(),
            "mentions": con.execute("SELECT * FROM mentions ORDER BY mention_id").fetchall(),
            "events": con.execute("SELECT * EXCLUDE (date_added) FROM events ORDER BY event_id").fetchall(),
            "actors": con.execute("SELECT * EXCLUDE (names) FROM actors ORDER BY code").fetchall(),
        }


def clean_run(db: str, corpus: str, monkeypatch) -> None:
    import whowhom.store.commands as commands
    from whowhom.cli import main
    monkeypatch.setattr(commands, "_make_coder", lambda args: FakeCoder())
    assert main(["ingest", corpus, "--db", db, "--quiet"]) == 0


def wait_for(predicate, timeout: float = 60.0, step: float = 0.05) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(step)
    raise AssertionError("timed out waiting")


def stored_documents(db: str) -> int:
    if not os.path.exists(db):
        return 0
    return Store(db, read_only=True, timeout=30).stats()["documents"]


def test_an_ingest_killed_at_any_point_and_run_again_ends_like_a_clean_run(tmp_path, monkeypatch):
    corpus = str(tmp_path / "corpus")
    write_line_corpus(corpus, 36)
    clean = str(tmp_path / "clean.duckdb")
    clean_run(clean, corpus, monkeypatch)

    db = str(tmp_path / "killed.duckdb")
    for kill_after in (2, 6):  # killed twice, after a few batches each time
        before = stored_documents(db)
        p = helper("cli-ingest", db, corpus, "0.03", "3")
        wait_for(lambda: stored_documents(db) >= before + kill_after or p.poll() is not None)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert p.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
        assert 0 < stored_documents(db) < 36
    p = helper("cli-ingest", db, corpus, "0", "3")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert snapshot(db) == snapshot(clean)  # no loss, no duplicates, same events and counts


def test_a_reader_keeps_answering_while_an_ingest_writes(tmp_path):
    corpus = str(tmp_path / "corpus")
    write_line_corpus(corpus, 48)
    db = str(tmp_path / "live.duckdb")
    Store(db)  # the dashboard starts on an empty store
    writer = helper("cli-ingest", db, corpus, "0.03", "4")
    reader = helper("query", db, "4")
    out, err = reader.communicate(timeout=120)
    w_out, w_err = writer.communicate(timeout=120)
    assert writer.returncode == 0, w_err
    assert reader.returncode == 0, err
    line = [x for x in out.splitlines() if x.startswith("QUERIES")][-1]
    stats = dict(kv.split("=") for kv in line.split()[1:])
    assert int(stats["errors"]) == 0, out
    assert int(stats["ok"]) >= 10, out          # it answered throughout
    assert int(stats["distinct_counts"]) >= 3, out  # and saw the store grow batch by batch
    assert float(stats["worst"]) < 15, out       # a wait is at most a batch or so
    assert stored_documents(db) == 48


def test_a_second_writer_is_told_another_ingest_is_running(tmp_path):
    db = str(tmp_path / "busy.duckdb")
    holder = helper("hold-session", db, "20")
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        store = Store(db)
        before = snapshot(db)
        with pytest.raises(StoreBusy, match="another whowhom process is already writing"):
            store.add(FakeCoder().code_many([line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"])]),
                      progress=False)
        assert store.events() == []  # readers still work
        assert snapshot(db) == before
    finally:
        holder.kill()
        holder.wait()
    # once the other writer is gone, writing works (its lock died with it)
    Store(db).add(FakeCoder().code_many([line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"])]),
                  progress=False)
    assert Store(db).count_events() == 1


def test_a_foreign_process_holding_the_file_gives_a_clear_error_then_access_resumes(tmp_path):
    db = str(tmp_path / "locked.duckdb")
    Store(db).add(FakeCoder().code_many([line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"])]),
                  progress=False)
    holder = helper("hold-duckdb", db, "3")
    try:
        assert holder.stdout.readline().strip() == "HOLDING"
        with pytest.raises(StoreLocked, match=r"locked by process \d+"):
            Store(db, read_only=True, timeout=0.5)
        t = time.monotonic()
        patient = Store(db, read_only=True, timeout=30)  # retries until the holder lets go
        assert patient.count_events() == 1
        assert time.monotonic() - t > 0.5
    finally:
        holder.kill()
        holder.wait()


def test_a_full_disk_stops_the_ingest_with_a_clear_error_and_the_store_unchanged(tmp_path):
    db = str(tmp_path / "full.duckdb")
    Store(db).add(FakeCoder().code_many([line_doc("a", ["USAGOV RUSGOV 111 2021-03-01"])]),
                  progress=False)
    before = snapshot(db)
    corpus = str(tmp_path / "corpus")
    write_line_corpus(corpus, 1500, seed=5)
    limit = os.path.getsize(db) + 200_000  # the file may not grow past this
    p = helper("fsize", db, corpus, str(limit))
    out, err = p.communicate(timeout=300)
    assert p.returncode == 2, (out, err)
    assert "disk is full" in err and db in err and "Traceback" not in err
    assert snapshot(db) == before
    # with space again, the same command completes
    p = helper("cli-ingest", db, corpus, "0", "1000")
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    assert stored_documents(db) == 1501
