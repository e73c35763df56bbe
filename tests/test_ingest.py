"""Reading documents: every input kind, and bad input reported without losing the rest."""
import json

from whowhom.ingest import read_documents
from whowhom.records import Document, ReadError

PAGE = """<!DOCTYPE html><html><head><title>Ministers meet in Vienna | Example News</title>
<meta property="article:published_time" content="2021-04-06T08:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="share">Share this article: Facebook Twitter</div>
<article><h1>Ministers meet in Vienna</h1>
<p>Iranian Foreign Minister Mohammad Javad Zarif met European diplomats in Vienna on Tuesday to
discuss the nuclear agreement, officials said.</p>
<p>The talks are expected to continue next week, according to diplomats familiar with the matter.</p>
</article>
<aside><h3>Most popular</h3><ul><li>Ten recipes for summer</li></ul></aside>
<form><h3>Leave a Reply</h3><p>Your email address will not be published. Required fields are marked *</p></form>
</body></html>"""


def read(paths, **kw):
    return list(read_documents([str(p) for p in paths], **kw))


def test_text_file_keeps_the_article_and_drops_trailing_clutter(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Title\n\nRussia met China.\n\nSource Link\n\nShare this article:\n\nLeave a Reply\n\nmost popular\n")
    [doc] = read([f])
    assert isinstance(doc, Document) and doc.id == "a"
    assert "Russia met China." in doc.text
    for clutter in ("Source Link", "Share this", "Leave a Reply", "most popular"):
        assert clutter not in doc.text


def test_html_page_gives_main_text_title_and_date(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(PAGE)
    [doc] = read([f])
    assert isinstance(doc, Document)
    assert "Zarif met European diplomats" in doc.text
    assert doc.date == "2021-04-06"
    assert doc.title and "Ministers meet in Vienna" in doc.title
    for clutter in ("Home", "Most popular", "recipes", "Leave a Reply", "email address"):
        assert clutter not in doc.text


def test_jsonl_corpus_one_document_a_line_with_bad_lines_reported(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "d1", "text": "Russia met China.", "date": "2021-08-20", "url": "http://x"}),
        "{not json",
        json.dumps({"id": "d3"}),
        json.dumps({"id": "d4", "text": "China met Russia.", "date": "20210821"}),
    ]) + "\n")
    items = read([f])
    docs = [i for i in items if isinstance(i, Document)]
    errors = [i for i in items if isinstance(i, ReadError)]
    assert [d.id for d in docs] == ["d1", "d4"]
    assert docs[1].date == "2021-08-21" and docs[0].url == "http://x"
    assert [e.source for e in errors] == [f"{f}:2", f"{f}:3"]
    assert "malformed JSON" in errors[0].message and "'text'" in errors[1].message


def test_folders_are_read_recursively_in_order(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text("Russia met China.")
    (tmp_path / "sub" / "a.txt").write_text("China met Russia.")
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")
    docs = read([tmp_path])
    assert [d.id for d in docs] == ["b", "a"]


def test_default_date_fills_documents_without_one(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Russia met China.")
    [doc] = read([f], default_date="2021-08-20")
    assert doc.date == "2021-08-20"


def test_bad_files_are_reported_by_name(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02abc")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Beijing criticized Washington \xe9".encode("latin-1"))
    missing = tmp_path / "missing.txt"
    good = tmp_path / "good.txt"
    good.write_text("Russia met China.")
    items = read([empty, binary, latin, missing, good])
    errors = {i.source: i.message for i in items if isinstance(i, ReadError)}
    assert "empty" in errors[str(empty)]
    assert "binary" in errors[str(binary)]
    assert "UTF-8" in errors[str(latin)]
    assert "no such file" in errors[str(missing)]
    assert [i.id for i in items if isinstance(i, Document)] == ["good"]
