"""The command line as a user meets it: inputs, formats, and bad input that never loses work."""
import csv
import io
import json
import subprocess
import sys

import pytest

from whowhom.cli import main

ARTICLE = ("At the end of July, Chinese Foreign Minister Wang Ji met Taliban leader Mullah Abdul Ghani "
           "Baradar in the northern Chinese city of Tianjin.\n")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def article(tmp_path):
    f = tmp_path / "article.txt"
    f.write_text(ARTICLE)
    return f


def test_code_writes_json_lines(capsys, article):
    code, out, err = run(capsys, "code", str(article), "--date", "2021-08-20")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert events and events[0]["doc_id"] == "article"
    required = {"doc_id", "sentence_id", "sentence", "event_id", "date", "source", "target", "code",
                "root_code", "label", "goldstein", "quad_class", "plover", "location", "trigger",
                "confidence", "rule"}
    assert required <= set(events[0])
    assert {"text", "code", "country", "sector", "name"} <= set(events[0]["source"])
    assert "1 documents coded" in err


def test_code_writes_csv_with_flattened_fields(capsys, article, tmp_path):
    out_file = tmp_path / "events.csv"
    code, _, _ = run(capsys, "code", str(article), "--date", "2021-08-20", "--format", "csv", "-o", str(out_file))
    assert code == 0
    rows = list(csv.DictReader(out_file.open()))
    host = [r for r in rows if r["code"] == "043"]  # China hosts the meeting in Tianjin
    assert host and host[0]["source_code"] == "CHNGOV" and host[0]["location_name"] == "Tianjin"


def test_code_writes_parquet(capsys, article, tmp_path):
    import pyarrow.parquet as pq

    out_file = tmp_path / "events.parquet"
    code, _, _ = run(capsys, "code", str(article), "--date", "2021-08-20", "--format", "parquet", "-o", str(out_file))
    assert code == 0
    table = pq.read_table(out_file)
    assert table.num_rows >= 1 and "trigger_start" in table.column_names


def test_standard_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ARTICLE.encode())))
    code, out, _ = run(capsys, "code", "-", "--date", "2021-08-20")
    assert code == 0 and json.loads(out.splitlines()[0])["doc_id"] == "stdin"


def test_a_broken_document_is_reported_and_the_rest_coded(capsys, tmp_path, article):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok", "text": "' + ARTICLE.strip() + '", "date": "2021-08-20"}\n{broken\n')
    code, out, err = run(capsys, "code", str(bad), str(article), "--date", "2021-08-20")
    assert code == 0
    assert f"{bad}:2" in err and "malformed JSON" in err
    assert {json.loads(line)["doc_id"] for line in out.splitlines()} == {"ok", "article"}


def test_nothing_readable_is_an_error_without_traceback(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    code, out, err = run(capsys, "code", str(empty))
    assert code == 1 and out == ""
    assert "empty" in err and "Traceback" not in err


def test_bad_date_and_bad_actor_file_are_clear_errors(capsys, article, tmp_path):
    code, _, err = run(capsys, "code", str(article), "--date", "20th of never")
    assert code == 2 and "--date" in err
    actors = tmp_path / "mine.yaml"
    actors.write_text("- name: Someone\n  roles: [{country: FRA\n")
    code, _, err = run(capsys, "code", str(article), "--actors", str(actors))
    assert code == 2 and str(actors) in err


def test_help_teaches_by_example():
    out = subprocess.run([sys.executable, "-m", "whowhom.cli", "code", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "examples:" in out.stdout and "--date" in out.stdout
