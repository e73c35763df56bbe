"""Reading documents: plain text, HTML pages, JSONL corpora, folders of these, and stdin.

Every reader yields `Document`s and, for what it cannot read, `ReadError`s: one broken file or
line is reported and skipped, never fatal for the batch.
"""
from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from whowhom.ingest.clean import strip_clutter
from whowhom.records import Document, ReadError

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def read_documents(paths: Iterable[str], default_date: str | None = None) -> Iterator[Document | ReadError]:
    """Documents from files, folders (recursively, sorted) and "-" (standard input)."""
    for p in paths:
        if p == "-":
            yield from _read_stdin(default_date)
            continue
        path = Path(p)
        if path.is_dir():
            files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED)
            if not files:
                yield ReadError(str(path), "folder holds no .txt, .html or .jsonl files")
            for f in files:
                yield from read_file(f, default_date)
        elif path.exists():
            yield from read_file(path, default_date)
        else:
            yield ReadError(str(path), "no such file or folder")


def read_file(path: Path, default_date: str | None = None) -> Iterator[Document | ReadError]:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(path, default_date)
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield ReadError(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    text = _decode(raw, str(path))
    if isinstance(text, ReadError):
        yield text
        return
    doc_id = _doc_id(path)
    if suffix in HTML_SUFFIXES or _looks_like_html(text):
        yield from _from_html(text, doc_id, str(path), default_date)
    else:
        yield from _from_text(text, doc_id, str(path), default_date)


def _doc_id(path: Path) -> str:
    return path.stem


def _decode(raw: bytes, source: str) -> str | ReadError:
    if not raw.strip():
        return ReadError(source, "file is empty")
    if b"\x00" in raw[:8192]:
        return ReadError(source, "file is binary, not text (found NUL bytes); give .txt, .html or .jsonl")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ReadError(source, f"not valid UTF-8 (byte {exc.start}); re-encode the file as UTF-8")


def _looks_like_html(text: str) -> bool:
    head = text[:1000].lstrip().lower()
    return head.startswith("<!doctype html") or head.startswith("<html")


def _from_text(text: str, doc_id: str, source: str, default_date: str | None,
               title: str | None = None, url: str | None = None, date: str | None = None,
               outlet: str | None = None) -> Iterator[Document | ReadError]:
    body = strip_clutter(text)
    if not body.strip():
        yield ReadError(source, "no text left after removing page clutter")
        return
    yield Document(id=doc_id, text=body, title=title, date=date or default_date, url=url,
                   source=source, outlet=outlet)


def _from_html(html: str, doc_id: str, source: str, default_date: str | None,
               url: str | None = None) -> Iterator[Document | ReadError]:
    from whowhom.ingest.html import extract_html  # trafilatura is slow to import: only when needed

    try:
        page = extract_html(html, url=url)
    except Exception as exc:  # trafilatura/lxml raise many kinds on broken markup
        yield ReadError(source, f"cannot extract text from HTML: {exc}")
        return
    if page is None:
        yield ReadError(source, "HTML page has no main text that could be extracted")
        return
    # The title is prepended as the document's first line, as in a plain-text article, so that
    # offsets stay valid into the stored text.
    text = f"{page.title}\n\n{page.text}" if page.title and not page.text.startswith(page.title) else page.text
    yield from _from_text(text, doc_id, source, default_date, title=page.title, url=page.url or url,
                          date=page.date, outlet=page.sitename)


def _read_jsonl(path: Path, default_date: str | None) -> Iterator[Document | ReadError]:
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield ReadError(str(path), f"cannot read file: {exc.strerror or exc}")
        return
    with fh:
        yield from _jsonl_lines(fh, str(path), default_date)


def _jsonl_lines(fh: Iterable[bytes], source: str, default_date: str | None) -> Iterator[Document | ReadError]:
    seen_any = False
    for lineno, raw in enumerate(fh, start=1):
        where = f"{source}:{lineno}"
        if not raw.strip():
            continue
        seen_any = True
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield ReadError(where, "line is not valid UTF-8")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadError(where, f"malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield ReadError(where, "each line must be a JSON object with at least 'text'")
            continue
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            yield ReadError(where, "missing or empty 'text' field")
            continue
        doc_id = str(obj.get("id") or f"{Path(source).stem}-{lineno}")
        date = obj.get("date")
        if date is not None:
            date = normalise_date(str(date))
            if date is None:
                yield ReadError(where, f"unreadable 'date' {obj.get('date')!r}; use YYYY-MM-DD")
                continue
        url, title = _text_field(obj, "url"), _text_field(obj, "title")
        outlet = _text_field(obj, "outlet") or _text_field(obj, "source")
        if obj.get("html") or _looks_like_html(text):
            yield from _from_html(text, doc_id, where, date or default_date, url=url)
        else:
            yield from _from_text(text, doc_id, where, default_date, title=title, url=url, date=date,
                                  outlet=outlet)
    if not seen_any:
        yield ReadError(source, "file is empty")


def _text_field(obj: dict, name: str) -> str | None:
    """An optional string field; other JSON types (a PLOVER record's "source" list) are not it."""
    value = obj.get(name)
    return value if isinstance(value, str) and value.strip() else None


def _read_stdin(default_date: str | None) -> Iterator[Document | ReadError]:
    data = sys.stdin.buffer.read()
    stripped = data.lstrip()
    if stripped.startswith(b"{"):
        yield from _jsonl_lines(io.BytesIO(data), "<stdin>", default_date)
        return
    text = _decode(data, "<stdin>")
    if isinstance(text, ReadError):
        yield text
    elif _looks_like_html(text):
        yield from _from_html(text, "stdin", "<stdin>", default_date)
    else:
        yield from _from_text(text, "stdin", "<stdin>", default_date)


def normalise_date(value: str) -> str | None:
    """'20210820', '2021-08-20T10:00Z' → '2021-08-20'; None when not a date."""
    value = value.strip()
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    if _DATE.match(value):
        return value[:10]
    return None


__all__ = ["read_documents", "read_file", "normalise_date", "SUPPORTED"]
